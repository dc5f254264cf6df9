"""Entra's device code sign-in for the tenant's admin (what ``mailsetup register`` signs in with).

``POST /<tenant|organizations>/oauth2/v2.0/devicecode`` hands out a device code and a user code;
the client then polls the token endpoint with ``grant_type=urn:ietf:params:oauth:grant-type:
device_code`` and gets 400 ``authorization_pending`` until the admin enters the code (here: the
training portal's "Approve sign-in", the control API, or ``--approve-sign-ins``), then the admin's
Microsoft Graph access token. The refusals are Entra's: ``slow_down`` for polling faster than the
interval, ``authorization_declined``, ``expired_token``, ``bad_verification_code``, AADSTS53003
(Conditional Access blocks device code sign-in) and AADSTS65001 (nobody may consent to the sign-in
client; the sign-in page says AADSTS90094 "Need admin approval").

Evidence (cited in the lead's notes): the v2.0 device code flow page on learn.microsoft.com (the
endpoint, its fields and the four polling errors); AADSTS70016 "authorization_pending" as sent on
the wire (Microsoft Q&A 981553); AADSTS70018 BadVerificationCode, AADSTS70019 CodeExpired and
AADSTS65004 UserDeclinedConsent in the AADSTS error code reference; AADSTS70020 "This device code
has expired." as sent on the wire (Azure/azure-cli#22251). Entra documents no AADSTS number for
``slow_down``; it is answered with the error name and no code.

The pending sign-ins are run-time data of one sandbox (like the mail store), not tenant state.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tui.sandbox import entra
from tui.sandbox import state as tenant_state
from tui.sandbox.tokens import TokenSigner, access_token_claims

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
VERIFICATION_URI = "https://microsoft.com/devicelogin"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
# Microsoft first-party public clients every tenant knows (no registration of their own).
FIRST_PARTY_CLIENTS = {
    "14d82eec-204b-4c2f-b7e8-296a70dab67e": "Microsoft Graph Command Line Tools",
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Microsoft Azure CLI",
}
# Microsoft Graph delegated permissions an admin tool may ask for here.
GRAPH_ADMIN_SCOPES = {
    "User.Read",
    "Organization.Read.All",
    "Application.Read.All",
    "Application.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
}
# Roles that may consent to delegated Microsoft Graph permissions for the whole tenant
# (learn.microsoft.com, "Least privileged roles by task": consent to any delegated permissions).
CONSENTING_ROLES = {
    "Global Administrator",
    "Privileged Role Administrator",
    "Application Administrator",
    "Cloud Application Administrator",
}
# Directory role template ids, as Entra puts them into the token's "wids" claim.
ROLE_TEMPLATE_IDS = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
}
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 9 characters, as Entra's codes
MAX_SIGN_INS = 1000  # remembered at once; a class needs a handful
FINISHED_KEPT_SECONDS = 600  # how long a finished sign-in stays listed (portal, control API)

# code -> (error, description); the shape is Entra's (see entra.error)
POLL_ERRORS: dict[int, tuple[str, str]] = {
    70016: (
        "authorization_pending",
        "The provided request has not yet been authorized by the user. "
        "The user must input their code.",
    ),
    70018: (
        "bad_verification_code",
        "The provided value for the input parameter 'device_code' is not valid.",
    ),
    70020: (
        "expired_token",
        "The provided value for the input parameter 'device_code' is not valid. "
        "This device code has expired.",
    ),
    65004: ("authorization_declined", "User declined to consent to access the app."),
    53003: (
        "invalid_grant",
        "Access has been blocked by Conditional Access policies. "
        "The access policy does not allow token issuance.",
    ),
}


def _entra_error(code: int | None, name: str, text: str, status: int = 400) -> entra.Answer:
    """Entra's error JSON (fresh trace and correlation ids); ``code`` None: no AADSTS number."""
    trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    timestamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    prefix = f"AADSTS{code}: " if code else ""
    body: dict[str, Any] = {
        "error": name,
        "error_description": f"{prefix}{text}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}",
        "error_codes": [code] if code else [],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
    }
    if code:
        body["error_uri"] = f"https://login.microsoftonline.com/error?code={code}"
    return status, body


def poll_error(code: int) -> entra.Answer:
    name, text = POLL_ERRORS[code]
    return _entra_error(code, name, text)


@dataclass
class SignIn:
    """One device code sign-in, from the code's issue to its redemption."""

    device_code: str
    user_code: str
    client_id: str
    client_name: str
    scope: str  # as the client sent it
    names: list[str]  # the Microsoft Graph permissions asked for
    issued: float
    expires_at: float
    interval: int
    status: str = "pending"  # pending | approved | declined | blocked | consent_required | redeemed
    admin: str = ""  # who entered the code
    last_poll: float = 0.0
    finished: float = 0.0

    def public(self, now: float) -> dict[str, Any]:
        """What the portal and the control API show (never the device code: it is the secret)."""
        return {
            "user_code": self.user_code,
            "client_id": self.client_id,
            "client_name": self.client_name,
            "scopes": list(self.names),
            "status": "expired"
            if self.status == "pending" and now >= self.expires_at
            else self.status,
            "admin": self.admin,
            "expires_in": max(0, int(self.expires_at - now)),
        }


@dataclass
class SignIns:
    """The sandbox's device code sign-ins (thread-safe), and who approves them automatically."""

    auto_approve: bool = False
    _by_device: dict[str, SignIn] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _forget_old(self, now: float) -> None:
        for code, sign_in in list(self._by_device.items()):
            ended = sign_in.finished or sign_in.expires_at
            if now > ended + FINISHED_KEPT_SECONDS:
                del self._by_device[code]

    def listing(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            self._forget_old(now)
            return [s.public(now) for s in self._by_device.values()]

    def pending(self) -> list[dict[str, Any]]:
        return [s for s in self.listing() if s["status"] == "pending"]

    # -- the device code endpoint ---------------------------------------------------------------
    def start(self, state: dict[str, Any], tenant: str, form: dict[str, str]) -> entra.Answer:
        if not _tenant_known(state, tenant):
            return entra.error(90002, tenant=tenant)
        client_id = form.get("client_id", "").strip().lower()
        if not client_id:
            return entra.error(900144, parameter="client_id")
        client_name = _client_name(state, client_id)
        if client_name is None:
            return entra.error(700016, client_id=client_id, tenant_name=state["tenant"]["id"])
        scope = form.get("scope", "")
        resource, names, _sent = entra._split_scopes(scope)  # noqa: SLF001 - one parser for Entra
        if resource is None or resource == "*many*":
            return entra.error(70011 if resource is None else 28000, scope=scope or "''")
        if resource != entra.GRAPH_AUDIENCE:
            return entra.error(500011, resource=resource, tenant_name=state["tenant"]["id"])
        unknown = [n for n in names if n not in GRAPH_ADMIN_SCOPES and n != ".default"]
        if unknown:
            return entra.error(70011, scope=scope)
        if names == [".default"]:  # what the tenant consented to for this client before
            names = sorted(GRAPH_ADMIN_SCOPES - {"Directory.ReadWrite.All"})
        settings = state["sign_in"]
        now = time.monotonic()
        user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9))
        sign_in = SignIn(
            device_code="DAQABIQEAAAB" + secrets.token_urlsafe(96),
            user_code=user_code,
            client_id=client_id,
            client_name=client_name,
            scope=scope,
            names=names,
            issued=now,
            expires_at=now + float(settings["expires_in"]),
            interval=int(settings["interval"]),
        )
        with self._lock:
            self._forget_old(now)
            if len(self._by_device) >= MAX_SIGN_INS:  # a flood of requests: drop the oldest
                del self._by_device[next(iter(self._by_device))]
            self._by_device[sign_in.device_code] = sign_in
        if self.auto_approve:
            self.approve(state, user_code)
        return 200, {
            "user_code": user_code,
            "device_code": sign_in.device_code,
            "verification_uri": VERIFICATION_URI,
            "expires_in": int(settings["expires_in"]),
            "interval": sign_in.interval,
            "message": f"To sign in, use a web browser to open the page {VERIFICATION_URI} "
            f"and enter the code {user_code} to authenticate.",
        }

    # -- the admin at microsoft.com/devicelogin -------------------------------------------------
    def approve(self, state: dict[str, Any], user_code: str, admin: str = "") -> tuple[bool, str]:
        """The admin enters the code and signs in: (done, what the sign-in page would say)."""
        admins = state.get("admins", {})
        email = (admin or next(iter(admins), "")).strip().lower()
        if email not in admins:
            return False, f"No such administrator in this tenant: {email or '(none)'}"
        with self._lock:
            sign_in = self._find(user_code)
            if sign_in is None:
                return False, "We don't recognize this code. Check it and try again."
            if sign_in.status != "pending" or time.monotonic() >= sign_in.expires_at:
                return False, "That code has expired or was already used. Start again."
            sign_in.admin = email
            sign_in.finished = time.monotonic()
            if state["sign_in"]["blocked_by_conditional_access"]:
                sign_in.status = "blocked"
                return False, (
                    "You cannot access this right now: a Conditional Access policy blocks "
                    "device code sign-in (AADSTS53003)."
                )
            roles = set(admins[email]["roles"])
            client_is_first_party = sign_in.client_id in FIRST_PARTY_CLIENTS
            consented = state["tenant"]["admin_client_consented"] or not client_is_first_party
            if not consented and not roles & CONSENTING_ROLES:
                sign_in.status = "consent_required"
                return False, (
                    f"Need admin approval: {sign_in.client_name} needs permission to access "
                    "resources in your organization that only an admin can grant (AADSTS90094)."
                )
            sign_in.status = "approved"
            return True, f"You have signed in to {sign_in.client_name}. You may close this window."

    def decline(self, user_code: str) -> tuple[bool, str]:
        with self._lock:
            sign_in = self._find(user_code)
            if sign_in is None or sign_in.status != "pending":
                return False, "We don't recognize this code. Check it and try again."
            sign_in.status = "declined"
            sign_in.finished = time.monotonic()
            return True, "Sign-in declined."

    def _find(self, user_code: str) -> SignIn | None:
        wanted = user_code.strip().upper().replace("-", "").replace(" ", "")
        for sign_in in self._by_device.values():
            if secrets.compare_digest(sign_in.user_code, wanted):
                return sign_in
        return None

    # -- the token endpoint with grant_type=device_code -----------------------------------------
    def token(
        self, state: dict[str, Any], tenant: str, form: dict[str, str], signer: TokenSigner
    ) -> entra.Answer:
        if not _tenant_known(state, tenant):
            return entra.error(90002, tenant=tenant)
        for parameter in ("client_id", "device_code"):
            if not form.get(parameter):
                return entra.error(900144, parameter=parameter)
        now = time.monotonic()
        with self._lock:
            sign_in = self._by_device.get(form["device_code"])
            if sign_in is None or sign_in.client_id != form["client_id"].strip().lower():
                return poll_error(70018)
            if sign_in.status == "redeemed":  # a device code is good for one token only
                return poll_error(70018)
            too_soon = sign_in.last_poll and now - sign_in.last_poll < sign_in.interval - 0.5
            sign_in.last_poll = now
            status = sign_in.status
            if status == "pending" and now >= sign_in.expires_at:
                return poll_error(70020)
            if status == "pending" and too_soon:
                return _entra_error(None, "slow_down", "The client is polling too quickly.")
            if status == "approved":
                sign_in.status = "redeemed"
        if status == "pending":
            return poll_error(70016)
        if status == "declined":
            return poll_error(65004)
        if status == "blocked":
            return poll_error(53003)
        if status == "consent_required":
            return entra.error(65001, client_id=sign_in.client_id, app_name=sign_in.client_name)
        return 200, _admin_token(state, sign_in, form, signer)


def _tenant_known(state: dict[str, Any], tenant: str) -> bool:
    """The tenant itself, or the multi-tenant segments a work account signs in through."""
    return tenant.lower() in ("organizations", "common") or tenant_state.find_tenant(state, tenant)


def _client_name(state: dict[str, Any], client_id: str) -> str | None:
    """A first-party client, or one of the tenant's own apps with public client flows on."""
    if client_id in FIRST_PARTY_CLIENTS:
        return FIRST_PARTY_CLIENTS[client_id]
    app = state["apps"].get(client_id)
    if app is not None and app["public_client_flows"]:
        return str(app["display_name"])
    return None


def _admin_token(
    state: dict[str, Any], sign_in: SignIn, form: dict[str, str], signer: TokenSigner
) -> dict[str, Any]:
    """The admin's Microsoft Graph access token (delegated), with Entra's token response."""
    tenant_id = state["tenant"]["id"]
    admin = state["admins"].get(sign_in.admin, {})
    person = {
        "email": sign_in.admin,
        "display_name": admin.get("display_name", ""),
        "object_id": tenant_state.user_object_id(sign_in.admin),
    }
    claims = access_token_claims(
        tenant_id=tenant_id,
        client_id=sign_in.client_id,
        app_name=sign_in.client_name,
        user=person,
        # Entra lists every consented permission of the resource, and the sign-in ones.
        scopes=sorted(set(sign_in.names) | {"User.Read", "openid", "profile", "email"}),
        roles=None,
        lifetime=int(state["tenant"]["token_lifetime_seconds"]),
    )
    claims["aud"] = entra.GRAPH_AUDIENCE
    claims["amr"] = ["pwd", "mfa"]  # the admin's own MFA is fine in a browser sign-in
    claims["wids"] = sorted(
        ROLE_TEMPLATE_IDS[r] for r in admin.get("roles", []) if r in ROLE_TEMPLATE_IDS
    )
    body_form = {**form, "client_info": form.get("client_info", "")}
    return entra._token_body(  # noqa: SLF001 - the one place that shapes Entra's token answers
        signer, claims, sign_in.scope, body_form, person, sign_in.client_id, tenant_id
    )


def control(sandbox: Any, method: str, path: str, payload: Any) -> entra.Answer:
    """``/_sandbox/sign-ins``: list them (GET), ``/approve`` or ``/decline`` one (POST).

    Body: ``{"user_code": "…", "admin": "<e-mail>"}`` (admin: default the tenant's first)."""
    sign_ins: SignIns = sandbox.sign_ins
    if method == "GET" and path == "/_sandbox/sign-ins":
        return 200, {"sign_ins": sign_ins.listing()}
    if method != "POST" or path not in ("/_sandbox/sign-ins/approve", "/_sandbox/sign-ins/decline"):
        return 404, {"error": f"no control endpoint {method} {path}"}
    body = payload if isinstance(payload, dict) else {}
    user_code = str(body.get("user_code", ""))
    if path.endswith("/approve"):
        done, message = sign_ins.approve(
            sandbox.entra_state(), user_code, str(body.get("admin", ""))
        )
    else:
        done, message = sign_ins.decline(user_code)
    return (200 if done else 409), {"ok": done, "message": message}
