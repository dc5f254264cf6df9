"""Training mode glue: the embedded sandbox tenant, where checks go in demo, and the portal steps.

``mailsetup --demo`` starts a :class:`~tui.sandbox.sandbox.Sandbox` on a free loopback port in
the wizard's own process (:func:`start_sandbox`) with the ``fresh`` scenario, keeps the settings
in a private temporary file (:func:`demo_config_path`) so the admin's real file is never touched,
and prefills nothing. The trainee types what the guide says (outlook.office365.com, the default
login host); :func:`routed_settings` gives the check runner a copy of the settings pointed at the
sandbox instead, so the real settings keep the guide's values.

The portal steps of stage A and the trainer's "classic mistakes" are data here
(:data:`PORTAL_STEPS`, :data:`MISTAKES`); stage E's Exchange switches and the EWS mistakes live in
:mod:`tui.demo_ews`. Each one reads and patches the sandbox state with a JSON merge patch. No
Textual here; the portal screen renders these.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.settings.model import (
    DEFAULT_AUTHORITY_HOST,
    DEFAULT_EXCHANGE_HOST,
    DEFAULT_GRAPH_HOST,
    Settings,
)

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox

DEMO_SCENARIO = "fresh"
SANDBOX_HOST = "127.0.0.1"
# Microsoft's own host names: in training these are what the trainee types, and what we re-route.
MICROSOFT_EXCHANGE_HOSTS = (DEFAULT_EXCHANGE_HOST,)
MICROSOFT_LOGIN_HOSTS = (DEFAULT_AUTHORITY_HOST, "")
MICROSOFT_GRAPH_HOSTS = (DEFAULT_GRAPH_HOST, "")


def start_sandbox(scenario: str = DEMO_SCENARIO) -> Sandbox:
    """A running sandbox tenant on a free loopback port (the OS picks it)."""
    from tui.sandbox.sandbox import Sandbox

    return Sandbox(scenario, port=0).start()


def demo_config_path() -> Path:
    """A settings file in a new private temporary folder (mkdtemp makes it 0700)."""
    return Path(tempfile.mkdtemp(prefix="mailsetup-demo-")) / "settings.toml"


def remove_demo_folder(path: Path) -> None:
    """Delete the folder :func:`demo_config_path` made, and only such a folder."""
    folder = path.parent
    if folder.name.startswith("mailsetup-demo-") and Path(tempfile.gettempdir()) in folder.parents:
        shutil.rmtree(folder, ignore_errors=True)


def sandbox_address(sandbox: Sandbox) -> str:
    return f"{SANDBOX_HOST}:{sandbox.port}"


def routed_settings(settings: Settings, sandbox: Sandbox) -> Settings:
    """A copy of ``settings`` whose Microsoft hosts point at the sandbox (for the check runner).

    Only the Microsoft defaults are re-routed: a trainee who typed a wrong server name should see
    that mistake fail, as it would against the real tenant.
    """
    routed = copy.deepcopy(settings)
    info = sandbox.info
    if routed.azure.authority_host.strip().lower() in MICROSOFT_LOGIN_HOSTS:
        routed.azure.authority_host = info["authority_host"]
    if routed.azure.graph_host.strip().lower() in MICROSOFT_GRAPH_HOSTS:
        routed.azure.graph_host = info.get("graph_host") or sandbox_address(sandbox)
    routed.azure.ca_bundle = info["ca_file"]
    if routed.outgoing.server_address.strip().lower() in MICROSOFT_EXCHANGE_HOSTS:
        routed.outgoing.server_address = SANDBOX_HOST
        routed.outgoing.port = sandbox.port
    if routed.incoming.server_name.strip().lower() in MICROSOFT_EXCHANGE_HOSTS:
        routed.incoming.server_name = SANDBOX_HOST
        routed.incoming.port = sandbox.port
    return routed


# --- the portal steps the trainee performs --------------------------------------------------------


def primary_app(state: dict[str, Any]) -> dict[str, Any]:
    return dict(state["apps"].get(state["primary_app"], {}))


@dataclass(frozen=True)
class PortalAction:
    """One switch in the sandbox portal: what it shows, whether it is on, how to set it.

    ``patch(state, on, user)``: ``user`` is the training user (see :func:`training_user`)."""

    key: str  # widget id suffix, stable for tests
    step_id: str  # the guide step it performs ("A14")
    label: str
    is_on: Callable[[dict[str, Any]], bool]
    patch: Callable[[dict[str, Any], bool, str], dict[str, Any]]


def _app_patch(
    field: str, on_value: Any, off_value: Any
) -> Callable[[dict[str, Any], bool, str], dict[str, Any]]:
    def patch(state: dict[str, Any], on: bool, user: str) -> dict[str, Any]:
        return {"apps": {state["primary_app"]: {field: on_value if on else off_value}}}

    return patch


MANIFEST_PERMISSIONS = ["EWS.AccessAsUser.All", "User.Read"]


def _manifest_patch(state: dict[str, Any], on: bool, user: str) -> dict[str, Any]:
    have = primary_app(state).get("permissions", [])
    wanted = (
        sorted(set(have) | set(MANIFEST_PERMISSIONS))
        if on
        else [p for p in have if p not in MANIFEST_PERMISSIONS]
    )
    return {"apps": {state["primary_app"]: {"permissions": wanted}}}


PORTAL_STEPS: tuple[PortalAction, ...] = (
    PortalAction(
        "manifest",
        "A10",
        "A10–A11 Manifest: add EWS.AccessAsUser.All and User.Read, Save",
        lambda s: set(MANIFEST_PERMISSIONS) <= set(primary_app(s).get("permissions", [])),
        _manifest_patch,
    ),
    PortalAction(
        "consent",
        "A14",
        "A14 Grant admin consent for the tenant",
        lambda s: bool(primary_app(s).get("admin_consent")),
        _app_patch("admin_consent", True, False),
    ),
    PortalAction(
        "public-client",
        "A17",
        "A17 Authentication: Allow public client flows = Yes, Save",
        lambda s: bool(primary_app(s).get("public_client_flows")),
        _app_patch("public_client_flows", True, False),
    ),
)


# --- the trainer's classic mistakes ---------------------------------------------------------------


def training_user(state: dict[str, Any], settings: Settings) -> str:
    """The user a mistake applies to: the outgoing test user when it is a sandbox user."""
    wanted = settings.outgoing.test.user_name.strip().lower()
    users = state["users"]
    if wanted in users:
        return wanted
    return next(iter(users), "")


def _user_flag(flag: str) -> tuple[Callable[..., bool], Callable[..., dict[str, Any]]]:
    def is_on(state: dict[str, Any], user: str) -> bool:
        return bool(state["users"].get(user, {}).get(flag))

    def patch(state: dict[str, Any], on: bool, user: str) -> dict[str, Any]:
        return {"users": {user: {flag: on}}} if user else {}

    return is_on, patch


@dataclass(frozen=True)
class Mistake:
    """A trainer switch: ``is_on(state, user)`` and ``patch(state, on, user)``."""

    key: str
    label: str
    is_on: Callable[..., bool]
    patch: Callable[..., dict[str, Any]]


PROPAGATION_SECONDS = 60


def _propagation_patch(state: dict[str, Any], on: bool, user: str) -> dict[str, Any]:
    if not on:
        return {"propagation": {"seconds": 0}}
    # Repeating the tenant's own name "touches" the directory, which starts the delay now.
    return {
        "propagation": {"seconds": PROPAGATION_SECONDS, "ews_forbidden": True, "on_change": True},
        "tenant": {"name": state["tenant"]["name"]},
    }


MISTAKES: tuple[Mistake, ...] = (
    Mistake("mfa", "MFA required for the user (AADSTS50076)", *_user_flag("mfa_required")),
    Mistake("expired", "Password expired (AADSTS50055)", *_user_flag("password_expired")),
    Mistake("locked", "Account locked (AADSTS50053)", *_user_flag("locked")),
    Mistake(
        "propagation",
        "Propagation delay after each portal change",
        lambda s, u: float(s["propagation"]["seconds"]) > 0,
        _propagation_patch,
    ),
    Mistake(
        "throttling",
        "Throttling: Exchange answers ErrorServerBusy",
        lambda s, u: bool(s["throttling"]["enabled"]),
        lambda s, on, u: {"throttling": {"enabled": on, "back_off_ms": 5000}},
    ),
)
