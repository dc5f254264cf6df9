"""The tenant as data: scenario TOML files, the JSON state they become, and merge patches.

A tenant state is a plain JSON-compatible dict (so the control API can show and patch it with an
RFC 7386 merge patch) that :func:`normalize` fills with defaults and checks. Apps and users are
keyed (apps by client id, users by e-mail address) so a patch can change one of them:
``{"apps": {"<client id>": {"admin_consent": true}}}`` or
``{"users": {"a@b": {"mfa_required": true}}}``.

A scenario file may say ``extends = "ready"``: it is then a merge patch on top of that scenario.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

SCENARIO_PACKAGE = "tui.sandbox.scenarios"

# The EWS switches are Exchange Online's own (Get-/Set-OrganizationConfig, Get-/Set-CASMailbox;
# Microsoft: "Control access to EWS in Exchange", MC1015893). ``ews_enabled`` is true, false or
# None: None is PowerShell's $null, a value nobody ever set (written "" in a scenario file, since
# TOML has no null; a merge patch's null deletes the key, which also leaves None).
TENANT_DEFAULTS: dict[str, Any] = {
    "id": "",
    "domain": "",
    "name": "Sandbox tenant",
    "ews_enabled": None,  # org EwsEnabled; None (never set) is blocked since 1 October 2026
    "ews_allowed_app_ids": [],  # EwsAllowedAppIDs: once it holds an id, only listed apps get in
    "ews_application_access_policy": "",  # "", "EnforceAllowList" or "EnforceBlockList"
    "ews_allow_list": [],  # EwsAllowList: user-agent patterns ("exchangelib/*")
    "ews_block_list": [],  # EwsBlockList
    "token_lifetime_seconds": 3600,
    "exchange_online": True,  # False: no Office 365 Exchange Online service principal (no licence)
    "admin_client_consented": True,  # an admin already consented to the admin sign-in client
}
EWS_ACCESS_POLICIES = ("", "EnforceAllowList", "EnforceBlockList")
# Exchange Online licences whose mailboxes EWS refuses since 30 June 2026 (message center
# MC1191578: "will result in a HTTP 403 response"): any word of the licence name, any case.
EWS_REFUSED_LICENSES = ("kiosk", "f1", "f3")
APP_DEFAULTS: dict[str, Any] = {
    "display_name": "mailsetup",
    "public_client_flows": False,
    "permissions": [],  # in the manifest: "EWS.AccessAsUser.All", "User.Read", "full_access_as_app"
    "admin_consent": False,
    "secrets": [],  # [{"id": ..., "value": ..., "expires": "YYYY-MM-DD"}]
    "service_principal": True,  # the enterprise app; the portal makes it, Graph needs a POST
    "sign_in_audience": "AzureADMyOrg",
}
ADMIN_DEFAULTS: dict[str, Any] = {
    "password": "",
    "display_name": "",
    # Directory roles: "Global Administrator", "Privileged Role Administrator",
    # "Application Administrator", "Cloud Application Administrator" (or none).
    "roles": [],
}
SIGN_IN_DEFAULTS: dict[str, Any] = {  # the admin's device code sign-in (mailsetup register)
    "expires_in": 900,
    "interval": 5,
    "blocked_by_conditional_access": False,  # an authentication-flows policy: AADSTS53003
}
GRAPH_DEFAULTS: dict[str, Any] = {
    "replication_seconds": 0,  # a new object 404s on reads this long (another replica)
    "throttled": False,  # Graph answers 429 with Retry-After
    "retry_after": 5,
    "throttled_requests": 0,  # how many 429s before it answers again (0: all of them)
}
USER_DEFAULTS: dict[str, Any] = {
    "password": "",
    "display_name": "",
    "mfa_required": False,
    "locked": False,
    "disabled": False,
    "password_expired": False,
    "mailbox": True,
    "ews_enabled": None,  # the mailbox's CASMailbox EwsEnabled: true, false or None (empty)
    "license": "Office 365 E3",  # its licence; Kiosk, F1 and F3 ones are refused EWS
}
PROPAGATION_DEFAULTS: dict[str, Any] = {
    "seconds": 0,  # how long a change takes to reach every Microsoft service
    "on_change": True,  # a control-API change starts the delay
    "on_load": False,  # the scenario starts inside the delay ("just set up")
    "token_stale": True,  # Entra answers from the state before the change meanwhile
    "ews_stale": True,  # Exchange's EWS switches are those from before the change meanwhile
    "ews_forbidden": True,  # Exchange answers 403 meanwhile (its permission cache)
    # Exchange answers 401 2000008 ("no permissions") meanwhile: it has not learnt the app's new
    # permissions yet, the usual answer in the first tens of minutes after consent.
    "ews_no_permissions": False,
}
THROTTLING_DEFAULTS: dict[str, Any] = {"enabled": False, "back_off_ms": 30000}
TOP_DEFAULTS: dict[str, Any] = {
    "name": "",
    "description": "",
    "primary_app": "",  # the client id the guide uses; default: the first app
    "latency_ms": 0,
    "auth_flow": "user_password",  # what the written settings file uses: or "client_secret"
}


class ScenarioError(ValueError):
    """A scenario name that does not exist, or a state that does not make sense."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: dicts merge, ``None`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def shipped_scenarios() -> list[str]:
    """Names of the scenario files shipped with the package."""
    folder = resources.files(SCENARIO_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _read_scenario_text(name_or_path: str | Path) -> tuple[str, str]:
    """(text, name) of a shipped scenario name or a TOML file path."""
    candidate = Path(name_or_path)
    if isinstance(name_or_path, Path) or candidate.suffix == ".toml" or "/" in str(name_or_path):
        if not candidate.is_file():
            raise ScenarioError(f"scenario file not found: {candidate}")
        return candidate.read_text(encoding="utf-8"), candidate.stem
    resource = resources.files(SCENARIO_PACKAGE) / f"{name_or_path}.toml"
    if not resource.is_file():
        known = ", ".join(shipped_scenarios())
        raise ScenarioError(f"unknown scenario {name_or_path!r} (shipped: {known})")
    return resource.read_text(encoding="utf-8"), str(name_or_path)


def _parse_toml(text: str, name: str) -> dict[str, Any]:
    if tomllib is not None:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError(f"scenario {name}: {error}") from None
    import tomlkit  # Python 3.10 has no tomllib; tomlkit is a dependency anyway

    try:
        return tomlkit.loads(text).unwrap()
    except Exception as error:  # tomlkit raises several parse error types
        raise ScenarioError(f"scenario {name}: {error}") from None


def _jsonable(value: Any) -> Any:
    """TOML dates and times become ISO strings, so the state is plain JSON."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def load_scenario(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The normalized state of a shipped scenario or a scenario file."""
    text, name = _read_scenario_text(name_or_path)
    data = _jsonable(_parse_toml(text, name))
    parent = data.pop("extends", None)
    data["name"] = data.get("name") or name
    if parent:
        seen = (*_seen, str(name_or_path))
        if str(parent) in seen:
            raise ScenarioError(f"scenario {name}: 'extends' loops through {parent!r}")
        base = load_scenario(parent, seen)
        base["description"] = ""
        data = merge_patch(base, data)
    return normalize(data)


def _with_defaults(defaults: dict[str, Any], given: Any, where: str) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise ScenarioError(f"{where} must be a table")
    unknown = set(given) - set(defaults)
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    result = copy.deepcopy(defaults)
    for key, value in given.items():
        default = defaults[key]
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ScenarioError(f"{where}.{key} must be true or false")
        if (
            isinstance(default, int)
            and not isinstance(default, bool)
            and (isinstance(value, bool) or not isinstance(value, (int, float)))
        ):
            raise ScenarioError(f"{where}.{key} must be a number")
        if isinstance(default, str) and not isinstance(value, str):
            raise ScenarioError(f"{where}.{key} must be a string")
        if isinstance(default, list) and not isinstance(value, list):
            raise ScenarioError(f"{where}.{key} must be a list")
        result[key] = value
    return result


def normalize(data: dict[str, Any]) -> dict[str, Any]:
    """Fill in defaults and reject what the sandbox would not understand."""
    if not isinstance(data, dict):
        raise ScenarioError("the state must be a table")
    top = {k: v for k, v in data.items() if k in TOP_DEFAULTS}
    unknown = (
        set(data)
        - set(TOP_DEFAULTS)
        - {"tenant", "apps", "users", "propagation", "throttling"}
        - {"admins", "sign_in", "graph"}
    )
    if unknown:
        raise ScenarioError(f"unknown keys {sorted(unknown)}")
    state = _with_defaults(TOP_DEFAULTS, top, "state")
    state["tenant"] = _with_defaults(TENANT_DEFAULTS, data.get("tenant", {}), "tenant")
    tenant = state["tenant"]
    if not tenant["id"] or not tenant["domain"]:
        raise ScenarioError("tenant.id and tenant.domain are required")
    tenant["id"] = tenant["id"].lower()
    tenant["domain"] = tenant["domain"].lower()
    tenant["ews_enabled"] = _switch(tenant["ews_enabled"], "tenant.ews_enabled")
    if tenant["ews_application_access_policy"] not in EWS_ACCESS_POLICIES:
        raise ScenarioError(
            "tenant.ews_application_access_policy must be EnforceAllowList, EnforceBlockList or "
            '"" (none)'
        )
    for key in ("ews_allowed_app_ids", "ews_allow_list", "ews_block_list"):
        if not all(isinstance(v, str) and v.strip() for v in tenant[key]):
            raise ScenarioError(f"tenant.{key} must be a list of non-empty strings")
    tenant["ews_allowed_app_ids"] = [a.strip().lower() for a in tenant["ews_allowed_app_ids"]]
    apps = data.get("apps", {})
    if not isinstance(apps, dict):
        raise ScenarioError("apps must be a table keyed by client id")
    state["apps"] = {}
    for client_id, app in apps.items():
        normal = _with_defaults(APP_DEFAULTS, app, f"apps.{client_id}")
        for secret in normal["secrets"]:
            if not isinstance(secret, dict) or not secret.get("value"):
                raise ScenarioError(f"apps.{client_id}.secrets: each needs a value")
            secret.setdefault(
                "id", str(uuid.uuid5(uuid.NAMESPACE_URL, f"secret:{secret['value']}"))
            )
            secret.setdefault("expires", "2099-12-31")
        state["apps"][client_id.lower()] = normal
    users = data.get("users", {})
    if not isinstance(users, dict):
        raise ScenarioError("users must be a table keyed by e-mail address")
    state["users"] = {}
    for email, user in users.items():
        normal = _with_defaults(USER_DEFAULTS, user, f"users.{email}")
        normal["display_name"] = normal["display_name"] or email.split("@")[0].title()
        normal["ews_enabled"] = _switch(normal["ews_enabled"], f"users.{email}.ews_enabled")
        if not isinstance(normal["license"], str):
            raise ScenarioError(f"users.{email}.license must be a string")
        state["users"][email.lower()] = normal
    admins = data.get("admins", {})
    if not isinstance(admins, dict):
        raise ScenarioError("admins must be a table keyed by e-mail address")
    state["admins"] = {}
    for email, admin in admins.items():
        normal = _with_defaults(ADMIN_DEFAULTS, admin, f"admins.{email}")
        normal["display_name"] = normal["display_name"] or email.split("@")[0].title()
        state["admins"][email.lower()] = normal
    state["sign_in"] = _with_defaults(SIGN_IN_DEFAULTS, data.get("sign_in", {}), "sign_in")
    state["graph"] = _with_defaults(GRAPH_DEFAULTS, data.get("graph", {}), "graph")
    state["propagation"] = _with_defaults(
        PROPAGATION_DEFAULTS, data.get("propagation", {}), "propagation"
    )
    state["throttling"] = _with_defaults(
        THROTTLING_DEFAULTS, data.get("throttling", {}), "throttling"
    )
    if state["primary_app"]:
        state["primary_app"] = state["primary_app"].lower()
    elif state["apps"]:
        state["primary_app"] = next(iter(state["apps"]))
    return state


def _switch(value: Any, where: str) -> bool | None:
    """An EwsEnabled value: true, false, or None for "never set" ($null; "" in a TOML file)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    raise ScenarioError(f'{where} must be true or false, or "" (never set)')


def user_object_id(email: str) -> str:
    """A stable object id for a user, so tokens look the same across runs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{email.lower()}"))


def secret_expired(secret: dict[str, Any], now: dt.datetime | None = None) -> bool:
    expires = str(secret.get("expires", "2099-12-31"))
    try:
        moment = dt.datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment <= (now or dt.datetime.now(dt.timezone.utc))


def find_tenant(state: dict[str, Any], tenant: str) -> bool:
    """Whether an authority's tenant segment names this tenant (id or verified domain)."""
    wanted = tenant.lower()
    return wanted in (state["tenant"]["id"], state["tenant"]["domain"])


def public_view(state: dict[str, Any]) -> dict[str, Any]:
    """The state without password and secret values (for logs); the control API shows all."""
    view = copy.deepcopy(state)
    for user in view["users"].values():
        user["password"] = "***" if user["password"] else ""
    for admin in view.get("admins", {}).values():
        admin["password"] = "***" if admin["password"] else ""
    for app in view["apps"].values():
        for secret in app["secrets"]:
            secret["value"] = "***"
    return view
