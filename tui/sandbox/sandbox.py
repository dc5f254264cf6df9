"""The :class:`Sandbox`: one running sandbox tenant (state, mail, keys, certificates, server).

This is the API the wizard's demo mode, ``mailsetup sandbox`` and the tests use::

    with Sandbox("ready") as sb:
        sb.info["authority_host"], sb.info["ews_url"], sb.info["ca_file"]
        sb.load_scenario("mfa-required"); sb.patch({"users": {...}}); sb.mailbox("a@b")
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from tui.sandbox import ews, ews_access, mail, tokens
from tui.sandbox import state as tenant_state
from tui.sandbox.server import LISTEN_HOST, SandboxHTTPServer
from tui.sandbox.tls import CertificateFiles, create_certificates
from tui.sandbox.tokens import TokenError, TokenSigner

EWS_DELEGATED_SCOPE = "EWS.AccessAsUser.All"
DEFAULT_ADMIN_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # Graph Command Line Tools
EWS_APP_ROLE = "full_access_as_app"


class Sandbox:
    """A local Entra ID + Exchange Online (EWS) tenant on https://127.0.0.1:<port>."""

    def __init__(
        self, scenario: str | Path = "ready", port: int = 0, approve_sign_ins: bool = False
    ) -> None:
        from tui.sandbox.devicecode import SignIns
        from tui.sandbox.graph import GraphService

        self.sign_ins = SignIns(auto_approve=approve_sign_ins)  # the admin's device code sign-ins
        self.graph = GraphService()  # Graph v1.0 under /v1.0/ on the same port
        self._lock = threading.RLock()
        self._state = tenant_state.load_scenario(scenario)
        self._stale: dict[str, Any] | None = None
        self._changed_at: float | None = None
        self._requested_port = port
        self.store = mail.MailStore()
        self.signer = TokenSigner.generate()
        self.control_token = secrets.token_urlsafe(24)
        self._certificates: CertificateFiles | None = None
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.unhandled_errors = 0  # requests that hit a bug instead of a designed answer
        self.last_ews_refusal: str | None = None  # which rule refused the last EWS request
        self._start_propagation_on_load()

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._certificates = create_certificates()
        try:
            self._server = SandboxHTTPServer(
                self._requested_port, self, self._certificates.server_context()
            )
        except OSError:
            self._certificates.remove()
            self._certificates = None
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="mailsetup-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        deadline = time.monotonic() + 5
        while server.open_connections() and time.monotonic() < deadline:
            time.sleep(0.01)
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._certificates is not None:
            self._certificates.remove()
            self._certificates = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"https://{LISTEN_HOST}:{self.port}"

    @property
    def ews_url(self) -> str:
        return f"{self.base_url}/EWS/Exchange.asmx"

    def open_connections(self) -> int:
        return self._server.open_connections() if self._server else 0

    # -- what to type into the wizard -----------------------------------------------------------
    @property
    def info(self) -> dict[str, Any]:
        with self._lock:
            current = self._state
            app = current["apps"].get(current["primary_app"])
            return {
                "scenario": current["name"],
                "authority_host": f"{LISTEN_HOST}:{self.port}",
                "authority": f"{self.base_url}/{current['tenant']['id']}",
                "ews_url": self.ews_url,
                "ca_file": str(self._certificates.ca_file) if self._certificates else "",
                "tenant_id": current["tenant"]["id"],
                "tenant_domain": current["tenant"]["domain"],
                "client_id": current["primary_app"],
                "client_secret": _shown_secret(app),
                "auth_flow": current["auth_flow"],
                "users": [
                    {"email": e, "password": u["password"]} for e, u in current["users"].items()
                ],
                "control_url": f"{self.base_url}/_sandbox",
                "control_token": self.control_token,
                # mailsetup register: Graph on this port; the admin signs in with a device code
                "graph_host": f"{LISTEN_HOST}:{self.port}",
                "admin_client_id": DEFAULT_ADMIN_CLIENT_ID,
                "admins": [
                    {"email": e, "password": a["password"], "roles": list(a["roles"])}
                    for e, a in current["admins"].items()
                ],
            }

    # -- state ----------------------------------------------------------------------------------
    @property
    def state(self) -> dict[str, Any]:
        """A private copy of the state, for callers that may change what they get."""
        with self._lock:
            return copy.deepcopy(self._state)

    def snapshot(self) -> dict[str, Any]:
        """The current state itself, read-only: what request handlers answer from.

        Copy on write: ``patch`` and ``load_scenario`` build a new dict and swap it in, nothing
        changes one in place, so a snapshot stays consistent for the whole request without the
        deep copy per request that :attr:`state` costs (half the server's time under load).
        """
        return self._state  # one attribute read: atomic, so no lock is needed

    def load_scenario(self, scenario: str | Path) -> dict[str, Any]:
        """Reset the whole tenant (state, mail, propagation) to a scenario; no restart."""
        fresh = tenant_state.load_scenario(scenario)
        with self._lock:
            self._state = fresh
            self._stale = None
            self._changed_at = None
            self.store.reset()
            self._start_propagation_on_load()
            return copy.deepcopy(self._state)

    def patch(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply a JSON merge patch to the state (as PATCH /_sandbox/state does)."""
        if not isinstance(changes, dict):
            raise tenant_state.ScenarioError("a patch must be a JSON object")
        with self._lock:
            before = self._state
            after = tenant_state.normalize(tenant_state.merge_patch(before, changes))
            # Only directory and app changes travel through Microsoft's replication; the
            # sandbox's own knobs (throttling, latency, propagation itself) act at once.
            touches_tenant = any(key in ("tenant", "apps", "users") for key in changes)
            settings = after["propagation"]
            if touches_tenant and settings["on_change"] and settings["seconds"] > 0:
                if not self.propagating:
                    self._stale = before
                self._changed_at = time.monotonic()
            self._state = after
            return copy.deepcopy(after)

    def settle(self) -> None:
        """End any propagation delay now (what waiting long enough would do)."""
        with self._lock:
            self._stale = None
            self._changed_at = None

    @property
    def propagating(self) -> bool:
        with self._lock:
            if self._changed_at is None:
                return False
            seconds = float(self._state["propagation"]["seconds"])
            return time.monotonic() < self._changed_at + seconds

    def seconds_to_settle(self) -> float:
        with self._lock:
            if not self.propagating or self._changed_at is None:
                return 0.0
            seconds = float(self._state["propagation"]["seconds"])
            return max(0.0, self._changed_at + seconds - time.monotonic())

    def describe(self) -> dict[str, Any]:
        """What GET /_sandbox/state shows: the state plus what is happening right now."""
        with self._lock:
            return {
                "state": copy.deepcopy(self._state),
                "propagating": self.propagating,
                "seconds_to_settle": round(self.seconds_to_settle(), 3),
                "scenarios": tenant_state.shipped_scenarios(),
            }

    def _start_propagation_on_load(self) -> None:
        if self._state["propagation"]["on_load"] and self._state["propagation"]["seconds"] > 0:
            self._stale = self._state
            self._changed_at = time.monotonic()

    # -- used by the request handlers -----------------------------------------------------------
    def entra_state(self) -> dict[str, Any]:
        """The state Entra answers from: the one before the last change while it propagates."""
        with self._lock:
            if self.propagating and self._state["propagation"]["token_stale"] and self._stale:
                return self._stale
            return self._state

    def wait_latency(self) -> None:
        delay = float(self._state.get("latency_ms", 0)) / 1000
        if delay > 0:
            time.sleep(min(delay, 60.0))

    def exchange_state(self, current: dict[str, Any] | None = None) -> dict[str, Any]:
        """The tenant as Exchange sees it: the one before the last change while it propagates.

        Exchange caches its organisation and mailbox settings (EwsAllowedAppIDs changes "can take
        up to 24 hours"), so the EWS switches act only once the change has propagated."""
        with self._lock:
            if self.propagating and self._state["propagation"]["ews_stale"] and self._stale:
                return self._stale
            return self._state if current is None else current

    def ews_caller(
        self, authorization: str, current: dict[str, Any] | None = None
    ) -> ews.Caller | TokenError:
        """Who a request's bearer token names, or Exchange Online's reason to refuse it (401).

        ``current``: the snapshot the request is answered from (default: the current one)."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return TokenError(None)  # no token: the challenge only, no diagnostics
        try:
            claims = self.signer.verify(token.strip())
        except TokenError as problem:
            return problem
        if current is None:
            current = self.snapshot()
        if claims.get("tid") != current["tenant"]["id"]:
            return TokenError(
                tokens.INVALID_TENANT, tokens.UNKNOWN_TENANT.format(claims.get("tid", ""))
            )
        delegated = "upn" in claims
        if delegated and str(claims["upn"]).lower() not in current["users"]:
            return TokenError(tokens.INVALID_USER, tokens.UNKNOWN_USER)
        settings = current["propagation"]
        if settings["ews_no_permissions"] and self.propagating:
            return tokens.no_permissions()  # Exchange has not learnt the new grant yet
        if delegated:
            if EWS_DELEGATED_SCOPE not in str(claims.get("scp", "")).split():
                return tokens.no_permissions()
            return ews.Caller(
                app_only=False,
                user=str(claims["upn"]).lower(),
                client_id=str(claims.get("appid", "")),
            )
        if EWS_APP_ROLE not in claims.get("roles", []):
            return tokens.no_permissions()
        return ews.Caller(app_only=True, user=None, client_id=str(claims.get("appid", "")))

    def ews_refusal(
        self,
        caller: ews.Caller,
        current: dict[str, Any],
        anchor: str | None = None,
        user_agent: str = "",
    ) -> int | None:
        """403 when Exchange refuses EWS to this app, mailbox or client; else None.

        The mailbox is the token's user, or for app-only tokens the X-AnchorMailbox one (the
        mailbox exchangelib impersonates). :attr:`last_ews_refusal` keeps which rule refused."""
        mailbox = caller.user if not caller.app_only else anchor
        reason = ews_access.refusal(
            self.exchange_state(current), caller.client_id, mailbox, user_agent
        )
        if reason is None and self.propagating and current["propagation"]["ews_forbidden"]:
            reason = "propagating: Exchange's permission cache has not caught up yet"
        self.last_ews_refusal = reason
        return 403 if reason else None

    # -- mail -----------------------------------------------------------------------------------
    def mailbox(self, address: str, folder: str = "inbox") -> list[dict[str, Any]]:
        """The messages in a sandbox mailbox's folder (inbox by default), oldest first."""
        return self.store.items(address.lower(), folder)

    @property
    def outbox(self) -> list[dict[str, Any]]:
        """Every message sent through the sandbox, including to outside addresses."""
        return self.store.outbox

    # -- settings for the wizard ----------------------------------------------------------------
    def settings(self) -> Any:
        """A complete mailsetup :class:`~tui.settings.model.Settings` for this tenant."""
        from tui.sandbox.config import settings_for

        return settings_for(self)

    def write_config(self, path: str | Path) -> Path:
        """The same settings, saved as a settings file."""
        from tui.sandbox.config import write_settings

        return write_settings(self.settings(), Path(path))


def _shown_secret(app: dict[str, Any] | None) -> str | None:
    """The secret value to hand out: a valid one if any, else the newest expired one."""
    if not app or not app["secrets"]:
        return None
    valid = [s for s in app["secrets"] if not tenant_state.secret_expired(s)]
    return str((valid or app["secrets"])[-1]["value"])
