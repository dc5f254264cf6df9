"""The admin's sign-in for ``mailsetup register``: msal's device code flow, stoppable at once.

The admin opens the verification URL on any device with a browser and types the code; their own
MFA is fine here. The token is for Microsoft Graph with only the delegated scopes the work needs,
and lives in memory only (a fresh msal cache that is never written).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from tui.settings.model import AuthFlow, Azure

# Delegated Graph permissions: create and update the app, grant tenant-wide consent to delegated
# permissions; AppRoleAssignment only when the Client secret flow needs full_access_as_app.
BASE_SCOPES = ("Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All")
APP_ROLE_SCOPE = "AppRoleAssignment.ReadWrite.All"

# msal knows these sign-in hosts; for any other it must not ask login.microsoftonline.com.
_KNOWN_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoft.com",
        "login.windows.net",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    }
)


# Graph hosts whose token resource is their own (national clouds); any other host (a proxy, the
# sandbox) serves the worldwide resource, as Entra names it in the token's audience.
_GRAPH_RESOURCES = {
    "graph.microsoft.com": "https://graph.microsoft.com",
    "graph.microsoft.us": "https://graph.microsoft.us",
    "dod-graph.microsoft.us": "https://dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn": "https://microsoftgraph.chinacloudapi.cn",
}


def graph_resource(graph_host: str) -> str:
    host = (urlsplit(f"https://{graph_host.strip()}").hostname or "").lower()
    return _GRAPH_RESOURCES.get(host, _GRAPH_RESOURCES["graph.microsoft.com"])


def graph_scopes(graph_host: str, flow: AuthFlow) -> list[str]:
    resource = graph_resource(graph_host)
    names = [*BASE_SCOPES, *((APP_ROLE_SCOPE,) if flow is AuthFlow.CLIENT_SECRET else ())]
    return [f"{resource}/{name}" for name in names]


@dataclass(frozen=True)
class DeviceCode:
    """What the admin needs to sign in: where, which code, until when."""

    verification_uri: str
    user_code: str
    expires_at: float  # time.time()
    message: str = ""

    def seconds_left(self, now: float | None = None) -> int:
        return max(0, int(self.expires_at - (now or time.time())))


class SignInRefused(Exception):
    """Entra ID answered with an error (msal's result dict is kept for the diagnosis)."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(str(result.get("error") or "sign-in refused"))
        self.result = result


class DeviceSignIn:
    """One device code sign-in. :meth:`start` gets the code; :meth:`wait` polls; :meth:`stop`
    ends the polling from any thread (msal checks the flow's ``expires_at`` between polls)."""

    def __init__(self, azure: Azure, session: requests.Session, flow: AuthFlow) -> None:
        import msal  # deferred: only the register command pays for it

        host = azure.authority_host.strip()
        hostname = (urlsplit(f"https://{host}").hostname or "").lower()
        tenant = azure.tenant_id.strip() or "organizations"
        self._app = msal.PublicClientApplication(
            azure.admin_client_id.strip(),
            authority=f"https://{host}/{tenant}",
            http_client=session,
            instance_discovery=hostname in _KNOWN_HOSTS,
            token_cache=msal.TokenCache(),  # in memory only, never persisted
        )
        self._scopes = graph_scopes(azure.graph_host, flow)
        self._flow: dict[str, Any] = {}
        self._stopped = threading.Event()

    def start(self) -> DeviceCode:
        flow = self._app.initiate_device_flow(scopes=self._scopes)
        if "user_code" not in flow:
            raise SignInRefused(dict(flow))
        self._flow = flow
        return DeviceCode(
            verification_uri=str(
                flow.get("verification_uri") or flow.get("verification_url") or ""
            ),
            user_code=str(flow["user_code"]),
            expires_at=float(
                flow.get("expires_at") or time.time() + float(flow.get("expires_in", 900))
            ),
            message=str(flow.get("message") or ""),
        )

    def wait(self) -> str:
        """Poll until the admin signs in (the access token), or raise :class:`SignInRefused`."""
        result = self._app.acquire_token_by_device_flow(self._flow)
        if self._stopped.is_set():
            raise KeyboardInterrupt
        if not result or "access_token" not in result:
            raise SignInRefused(dict(result or {}))
        return str(result["access_token"])

    def stop(self) -> None:
        self._stopped.set()
        self._flow["expires_at"] = 0  # msal's documented way to end acquire_token_by_device_flow


def wait_in_thread(
    sign_in: DeviceSignIn, tick: Callable[[], None], *, tick_every: float = 1.0
) -> str:
    """Poll in a daemon thread while the caller's thread ticks (a countdown) and stays
    interruptible: Ctrl+C in the caller stops the polling at once."""
    box: dict[str, Any] = {}

    def poll() -> None:
        try:
            box["token"] = sign_in.wait()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=poll, name="device-code-poll", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(tick_every)
            if worker.is_alive():
                tick()
    except BaseException:
        sign_in.stop()
        raise
    if "error" in box:
        raise box["error"]
    return str(box["token"])
