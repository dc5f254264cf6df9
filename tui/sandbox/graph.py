"""Microsoft Graph v1.0 on the sandbox: the calls ``mailsetup register`` makes for stage A.

Served on the sandbox's own port under ``/v1.0/`` (so ``graph_host`` is ``127.0.0.1:<port>``; no
Entra or EWS path starts with ``v1.0``). Reads and writes go to the one tenant state the portal and
the token endpoint use (:mod:`tui.sandbox.graph_objects` maps it), and writes go through
``Sandbox.patch``, so an app created here waits out the scenario's propagation delay before Entra
issues tokens for it, exactly as one made in the portal.

Errors have Graph's shape, ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}`` (learn.microsoft.com, "Microsoft Graph error responses and resource
types"). Roles, from "Least privileged roles by task" and each call's reference page: creating
and changing apps needs Application Administrator, Cloud Application Administrator or Global
Administrator; consent to delegated permissions also Privileged Role Administrator; app role
assignments for APIs other than Microsoft Graph the same four roles (Microsoft Graph's own app
roles need Privileged Role Administrator or Global Administrator).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.sandbox import graph_objects as objects
from tui.sandbox.state import ScenarioError

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox

GRAPH_AUDIENCES = (
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    objects.GRAPH_APP_ID,
)
APP_WRITERS = {
    "Global Administrator",
    "Application Administrator",
    "Cloud Application Administrator",
}
CONSENTERS = APP_WRITERS | {"Privileged Role Administrator"}
GRAPH_ROLE_CONSENTERS = {"Global Administrator", "Privileged Role Administrator"}
READ_APPS = {
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
}
WRITE_APPS = {"Application.ReadWrite.All", "Directory.ReadWrite.All"}
READ_GRANTS = {
    "Directory.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
}
WRITE_GRANTS = {"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"}
WRITE_ASSIGNMENTS = {"AppRoleAssignment.ReadWrite.All"}
READ_ORG = {"User.Read", "Organization.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"}
DENIED = "Insufficient privileges to complete the operation."
GRAPH_CHALLENGE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
    'authorize", client_id="00000003-0000-0000-c000-000000000000"'
)
FILTER = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$")
KEY_FORM = re.compile(r"^(applications|servicePrincipals)\(appId='((?:[^']|'')*)'\)$")
SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-."
SETTABLE = {"displayName", "signInAudience", "isFallbackPublicClient", "requiredResourceAccess"}
IGNORED = {"web", "publicClient", "spa", "tags", "notes", "description", "info", "api", "owners"}

Reply = tuple[int, Any, dict[str, str]]  # status, JSON body (None: no body), extra headers


@dataclass
class Request:
    method: str
    parts: list[str]  # the path after /v1.0/, unquoted
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class GraphService:
    """Graph's run-time memory: when objects were made (replication) and 429s handed out."""

    _created: dict[str, float] = field(default_factory=dict)
    _throttled: int = 0
    _armed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def replicating(self, state: dict[str, Any], object_id: str) -> bool:
        made = self._created.get(object_id.lower())
        window = float(state["graph"]["replication_seconds"])
        return made is not None and time.monotonic() < made + window

    def _throttle(self, state: dict[str, Any]) -> bool:
        settings = state["graph"]
        with self._lock:
            if not settings["throttled"]:
                self._armed = False
                return False
            if not self._armed:
                self._armed, self._throttled = True, 0
            limit = int(settings["throttled_requests"])
            if limit and self._throttled >= limit:
                return False
            self._throttled += 1
            return True

    def handle(self, sandbox: Sandbox, request: Request) -> Reply:
        client_request_id = request.headers.get("client-request-id") or str(uuid.uuid4())
        status, body, headers = self._answer(sandbox, request)
        request_id = str(uuid.uuid4())
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body["error"]["innerError"] = {
                "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        return (
            status,
            body,
            {"request-id": request_id, "client-request-id": client_request_id, **headers},
        )

    def _answer(self, sandbox: Sandbox, request: Request) -> Reply:
        state = sandbox.snapshot()
        caller = _caller(sandbox, state, request.headers.get("authorization", ""))
        if isinstance(caller, str):
            status, body, _ = error(401, "InvalidAuthenticationToken", caller)
            return status, body, {"WWW-Authenticate": GRAPH_CHALLENGE}
        if self._throttle(state):
            seconds = int(state["graph"]["retry_after"])
            status, body, _ = error(
                429, "TooManyRequests", f"Too many requests. Retry after {seconds} seconds."
            )
            return status, body, {"Retry-After": str(seconds)}
        from tui.sandbox import graph_calls

        return graph_calls.route(self, sandbox, state, caller, request)

    def created(self, object_id: str) -> None:
        self._created[object_id.lower()] = time.monotonic()


@dataclass
class Caller:
    upn: str
    scopes: set[str]
    roles: set[str]

    def may(self, scopes: set[str], roles: set[str] | None = None) -> bool:
        return bool(self.scopes & scopes) and (roles is None or bool(self.roles & roles))


def error(status: int, code: str, message: str) -> Reply:
    return status, {"error": {"code": code, "message": message}}, {}


def denied() -> Reply:
    return error(403, "Authorization_RequestDenied", DENIED)


def not_found(key: str) -> Reply:
    return error(
        404,
        "Request_ResourceNotFound",
        f"Resource '{key}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def bad_request(message: str, code: str = "Request_BadRequest") -> Reply:
    return error(400, code, message)


def listing(kind: str, values: list[dict[str, Any]]) -> Reply:
    return 200, {"@odata.context": f"{objects.GRAPH_ROOT}/$metadata#{kind}", "value": values}, {}


def entity(kind: str, value: dict[str, Any], status: int = 200) -> Reply:
    return status, {"@odata.context": f"{objects.GRAPH_ROOT}/$metadata#{kind}/$entity", **value}, {}


def parse_filter(query: dict[str, str], allowed: tuple[str, ...]) -> tuple[str, str] | Reply | None:
    """(property, value) of ``$filter=<property> eq '<value>'``; None without a filter."""
    text = query.get("$filter")
    if text is None:
        return None
    match = FILTER.match(text)
    if not match:
        return bad_request(f"Invalid filter clause: {text[:200]}", "BadRequest")
    name, value = match.group(1), match.group(2).replace("''", "'")
    if name not in allowed:
        return bad_request(
            f"Unsupported or invalid query filter clause specified for property '{name}'.",
            "Request_UnsupportedQuery",
        )
    return name, value


def key_form(segment: str) -> tuple[str, str] | None:
    """``applications(appId='…')`` → ("applications", appId)."""
    match = KEY_FORM.match(segment)
    return (match.group(1), match.group(2).replace("''", "'")) if match else None


def json_body(body: bytes) -> dict[str, Any] | Reply:
    if not body.strip():
        return bad_request("Empty Payload. JSON content expected.", "BadRequest")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type "
            "header is set and payload is of valid JSON format.",
            "BadRequest",
        )
    if not isinstance(data, dict):
        return bad_request("The request body must be a JSON object.", "BadRequest")
    return data


def new_secret_text() -> str:
    """A client secret value shaped like Entra's (40 characters with a "~")."""
    return (
        "".join(secrets.choice(SECRET_ALPHABET) for _ in range(3))
        + "8Q~"
        + "".join(secrets.choice(SECRET_ALPHABET) for _ in range(34))
    )


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _caller(sandbox: Sandbox, state: dict[str, Any], authorization: str) -> Caller | str:
    """The signed-in user of a Graph access token, or Graph's 401 message."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return "Access token is empty."
    parts = token.split(".")
    if len(parts) != 3:
        return "IDX14100: JWT is not well formed, there are no dots (.)."
    try:
        claims = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError):
        return "Access token validation failure."
    expected = hmac.new(
        sandbox.signer.key, (parts[0] + "." + parts[1]).encode("ascii"), hashlib.sha256
    ).digest()
    if not isinstance(claims, dict) or not hmac.compare_digest(signature, expected):
        return "Access token validation failure."
    if claims.get("aud") not in GRAPH_AUDIENCES:
        return "Access token validation failure. Invalid audience."
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= time.time():
        return "Lifetime validation failed, the token is expired."
    if claims.get("tid") != state["tenant"]["id"] or "upn" not in claims:
        return "Access token validation failure."
    upn = str(claims["upn"]).lower()
    # Graph checks directory roles at call time (a role removed now counts now).
    roles = set(state.get("admins", {}).get(upn, {}).get("roles", []))
    return Caller(upn=upn, scopes=set(str(claims.get("scp", "")).split()), roles=roles)


WRITE_LOCK = threading.Lock()  # read-modify-patch of one app must not interleave


def method_not_allowed() -> Reply:
    return error(
        405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."
    )


def app_visible(graph: GraphService, state: dict[str, Any], app_id: str) -> str | None:
    if app_id in state["apps"] and not graph.replicating(state, objects.app_object_id(app_id)):
        return app_id
    return None


def visible_sps(graph: GraphService, state: dict[str, Any]) -> list[str]:
    return [
        a
        for a in objects.service_principal_app_ids(state)
        if not graph.replicating(state, objects.sp_id(a))
    ]


def apply_patch(sandbox: Sandbox, changes: dict[str, Any]) -> Reply | None:
    try:
        sandbox.patch(changes)
    except ScenarioError as problem:
        return bad_request(str(problem))
    return None
