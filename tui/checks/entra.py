"""The Entra ID side of the checks: tenant discovery, msal token requests, token contents.

A fresh msal application is built for every attempt: msal caches a 400 answer to an identical
request for 60 s per application object and throttles 429/5xx, so a retry that reuses the object
would only read its own cache.
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tui.checks.http import CheckSession, mount_userrealm_stub, take_last_response
from tui.settings.model import AuthFlow, Azure

EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
DEFAULT_EXCHANGE_RESOURCE = "https://outlook.office365.com"

# Exchange hosts whose token resource differs from the worldwide one (national clouds).
_EXCHANGE_RESOURCES = {
    "outlook.office365.com": "https://outlook.office365.com",
    "outlook.office.com": "https://outlook.office365.com",
    "outlook.office365.us": "https://outlook.office365.us",
    "webmail.apps.mil": "https://webmail.apps.mil",
    "partner.outlook.cn": "https://partner.outlook.cn",
}

# Authority hosts msal knows; anything else needs instance_discovery=False or msal asks
# login.microsoftonline.com about it.
KNOWN_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoft.com",
        "login.windows.net",
        "sts.windows.net",
        "login.microsoftonline.us",
        "login.usgovcloudapi.net",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    }
)


def exchange_resource(ews_url: str) -> str:
    host = (urlsplit(ews_url).hostname or "").lower()
    return _EXCHANGE_RESOURCES.get(host, DEFAULT_EXCHANGE_RESOURCE)


def token_scopes(flow: AuthFlow, resource: str) -> list[str]:
    if flow is AuthFlow.CLIENT_SECRET:
        return [f"{resource}/.default"]
    return [f"{resource}/EWS.AccessAsUser.All"]


def authority_url(azure: Azure) -> str:
    return f"https://{azure.authority_host.strip()}/{azure.tenant_id.strip()}"


def openid_configuration_url(azure: Azure) -> str:
    return authority_url(azure) + "/v2.0/.well-known/openid-configuration"


@dataclass
class Discovery:
    """The tenant's OpenID configuration answer."""

    status: int
    payload: dict[str, Any]
    headers: dict[str, str]
    response: Any = None  # the requests.Response, so msal can be given the same answer

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.payload.get("token_endpoint"))


def discover_tenant(session: CheckSession, azure: Azure) -> Discovery:
    """GET the tenant's OpenID configuration (wrong tenants fail here, before any password)."""
    response = session.get(openid_configuration_url(azure))
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    return Discovery(response.status_code, payload, dict(response.headers), response)


@dataclass
class TokenAttempt:
    """One msal request: the result dict, and what came with it."""

    result: dict[str, Any]
    ropc_warned: bool = False
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    obtained_at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return "access_token" in self.result

    @property
    def expires_at(self) -> float:
        return self.obtained_at + float(self.result.get("expires_in", 0) or 0)


def acquire_token(
    azure: Azure,
    *,
    user_name: str,
    password: str,
    client_secret: str,
    scopes: list[str],
    session: CheckSession,
) -> TokenAttempt:
    """Ask Entra ID for a token with a brand-new msal application.

    Raises what msal and requests raise for transport failures; Entra's 4xx answers come back
    as ``result`` with ``error`` fields.
    """
    import msal  # deferred: costs ~0.3 s and is only needed when a check runs

    host = azure.authority_host.strip()
    hostname = (urlsplit(f"https://{host}").hostname or "").lower()
    common: dict[str, Any] = {
        "authority": authority_url(azure),
        "http_client": session,
        "instance_discovery": hostname in KNOWN_AUTHORITY_HOSTS,
        "token_cache": msal.TokenCache(),
    }
    take_last_response()
    if azure.auth_flow is AuthFlow.CLIENT_SECRET:
        app = msal.ConfidentialClientApplication(
            azure.client_id.strip(),
            client_credential=client_secret,
            azure_region=False,
            **common,
        )
        result = app.acquire_token_for_client(scopes=scopes)
    else:
        mount_userrealm_stub(session, host)
        app = msal.PublicClientApplication(azure.client_id.strip(), **common)
        result = app.acquire_token_by_username_password(user_name, password, scopes=scopes)
    last = take_last_response() or {}
    return TokenAttempt(dict(result or {}), False, last.get("status"), last.get("headers") or {})


def is_ropc_warning(warning: warnings.WarningMessage) -> bool:
    """msal's DeprecationWarning for the User name/Password flow on public clients."""
    text = str(warning.message).lower()
    return issubclass(warning.category, DeprecationWarning) and (
        "ropc" in text or "public client" in text
    )


# --- token contents ------------------------------------------------------------------------------


def decode_claims(access_token: str) -> dict[str, Any] | None:
    """The JWT payload, unverified (we only compare it with the settings); None if not a JWT."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, json.JSONDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def compare_claims(
    claims: dict[str, Any], *, azure: Azure, resource: str, user_name: str
) -> list[tuple[str, str]]:
    """(warning code, detail) for everything in the token that will fail later."""
    found: list[tuple[str, str]] = []
    audience = str(claims.get("aud", ""))
    if audience.rstrip("/") not in (resource.rstrip("/"), EXCHANGE_APP_ID):
        found.append(("TOKEN_AUDIENCE", f"aud is {audience!r}, expected {resource!r}"))
    if azure.auth_flow is AuthFlow.CLIENT_SECRET:
        roles = claims.get("roles") or []
        if "full_access_as_app" not in roles:
            found.append(("TOKEN_ROLES", f"roles are {roles!r}, full_access_as_app missing"))
    else:
        scopes = str(claims.get("scp", "")).split()
        if "EWS.AccessAsUser.All" not in scopes:
            found.append(
                ("TOKEN_SCOPE", f"scp is {' '.join(scopes)!r}, EWS.AccessAsUser.All missing")
            )
        upn = str(
            claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username") or ""
        )
        if upn and user_name and upn.lower() != user_name.strip().lower():
            found.append(("TOKEN_USER", f"token is for {upn!r}, the settings say {user_name!r}"))
    tenant = azure.tenant_id.strip().lower()
    tid = str(claims.get("tid", "")).lower()
    if tid and _is_guid(tenant) and tid != tenant:
        found.append(("TOKEN_TENANT", f"tid is {tid!r}, the settings say {tenant!r}"))
    app = str(claims.get("appid") or claims.get("azp") or "").lower()
    if app and app != azure.client_id.strip().lower():
        found.append(("TOKEN_CLIENT", f"appid is {app!r}, the settings say {azure.client_id!r}"))
    return found


def _is_guid(text: str) -> bool:
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdef" for c in text.replace("-", "")
    )
