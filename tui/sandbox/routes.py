"""Which endpoint answers a sandbox request: Entra ID, Graph, EWS or the control API.

:class:`SandboxRoutes` is the middle layer of ``SandboxHandler`` (``tui.sandbox.server``): once a
request's head is in, it refuses what the head already condemns (no control token, a refused EWS
bearer token) before a byte of the body is read, then reads the body and hands it to the tenant's
part that Microsoft's URL names. A bug in one answer costs that request a 500, never the server.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.sandbox import devicecode, entra, ews
from tui.sandbox import state as tenant_state
from tui.sandbox.connection import GONE
from tui.sandbox.http_wire import WireHandler
from tui.sandbox.tokens import TokenError

if TYPE_CHECKING:
    from tui.sandbox.server import SandboxHTTPServer

# The server's one logger (see tui.sandbox.http_wire): its lines keep the name they always had.
log = logging.getLogger("tui.sandbox.server")

EWS_PATH = "/ews/exchange.asmx"
# Exchange Online's challenge. A refused token gets it with ', error="invalid_token"' appended
# (MSDiagnosticsHeader.AppendChallengeAndDiagnosticsHeadersToResponse in the decompiled Exchange
# Server, evilashz/exchange-server-27065; a 2017 Exchange Online capture shows the same). A request
# without a token gets the bare challenge, with Basic listed after it, as a Test-OAuthConnectivity
# trace against outlook.office365.com/ews/Exchange.asmx shows (2025).
CHALLENGE = (
    'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
    'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
    'token_types="app_asserted_user_v1 service_asserted_app_v1", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"'
)
WWW_AUTHENTICATE = CHALLENGE + ', error="invalid_token"'
ANONYMOUS_CHALLENGE = CHALLENGE + ',Basic Realm=""'


class SandboxRoutes(WireHandler):
    """The request methods and the endpoints behind them; the connection is set up below."""

    server: SandboxHTTPServer

    # -- dispatch -------------------------------------------------------------------------------
    def _dispatch(self) -> None:
        self._reader.clear()  # the head is in: its deadline is met, answers get IDLE_TIMEOUT
        path = urlsplit(self.path).path
        sandbox = self.server.sandbox
        self._caller: ews.Caller | TokenError | None = None
        if not self._head_acceptable(path):
            return
        body = self._body()
        if body is None:
            return
        try:
            if path.startswith("/_sandbox/"):
                self._control(path, body)
                return
            sandbox.wait_latency()
            if path.lower() == EWS_PATH:
                self._ews(body)
                return
            if path.startswith("/v1.0/"):
                self._graph(path, body)
                return
            self._entra(path, body)
        except GONE as exc:
            self._went_away(exc)
        except Exception:  # never let one request take the server down
            log.exception("sandbox: request failed")
            sandbox.unhandled_errors += 1  # the fuzz tests assert this stays 0
            self.close_connection = False
            self._send(500, b"Internal Server Error", "text/plain")

    # Every method the stdlib handler is asked for goes to the one dispatch; the routes tell
    # them apart (an EWS GET gets 405, a control PATCH its answer, a path nobody serves 404).
    do_GET = do_POST = do_PATCH = do_HEAD = do_PUT = do_DELETE = _dispatch

    def _entra(self, path: str, body: bytes) -> None:
        sandbox = self.server.sandbox
        parts = [unquote(p) for p in path.split("/") if p]
        view = sandbox.entra_state()
        if self.command == "GET" and len(parts) == 3 and parts[:2] == ["common", "userrealm"]:
            self._json(*entra.user_realm(view, parts[2]))
        elif self.command == "GET" and parts[1:] in (
            ["v2.0", ".well-known", "openid-configuration"],
            [".well-known", "openid-configuration"],
        ):
            self._json(*entra.discovery(view, parts[0], sandbox.base_url))
        elif self.command == "GET" and parts[1:] == ["discovery", "v2.0", "keys"]:
            self._json(200, {"keys": []})
        elif self.command == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            if form.get("grant_type") == devicecode.GRANT_TYPE:
                self._json(*sandbox.sign_ins.token(view, parts[0], form, sandbox.signer))
            else:
                self._json(*entra.token(view, parts[0], form, sandbox.signer))
        elif self.command == "POST" and parts[1:] == ["oauth2", "v2.0", "devicecode"]:
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            self._json(*sandbox.sign_ins.start(view, parts[0], form))
        else:
            self._json(
                404, {"error": "not_found", "error_description": f"No such endpoint: {path}"}
            )

    def _graph(self, path: str, body: bytes) -> None:
        from tui.sandbox.graph import Request

        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            parts=[unquote(p) for p in path.split("/")[2:] if p],
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        status, data, headers = self.server.sandbox.graph.handle(self.server.sandbox, request)
        if data is None:
            self._send(status, b"", "", headers)
        else:
            self._send(
                status, json.dumps(data).encode(), "application/json;odata.metadata=minimal;"
                "odata.streaming=true;IEEE754Compatible=false;charset=utf-8", headers
            )

    def _head_acceptable(self, path: str) -> bool:
        """Refuse a request its headers already condemn, before reading a byte of its body: a
        client without a valid token must not make the server buffer up to MAX_BODY."""
        if path.startswith("/_sandbox/"):
            if self._control_token_ok():
                return True
            self._skip_body()
            self._json(
                401, {"error": "the control API needs 'Authorization: Bearer <control token>'"}
            )
            return False
        if path.lower() == EWS_PATH:
            sandbox = self.server.sandbox
            self._snapshot = sandbox.snapshot()  # one view for the whole request
            self._caller = sandbox.ews_caller(self.headers.get("Authorization", ""), self._snapshot)
            if isinstance(self._caller, TokenError):
                self._skip_body()
                sandbox.wait_latency()  # a refusal travels the simulated network too
                self._ews_unauthorized(self._caller)
                return False
        return True

    def _control_token_ok(self) -> bool:
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {self.server.sandbox.control_token}"
        return secrets.compare_digest(given.encode(), expected.encode())

    def _ews_unauthorized(self, error: TokenError) -> None:
        diagnostics = error.diagnostics
        if diagnostics is None:
            self._send(401, b"", "", {"WWW-Authenticate": ANONYMOUS_CHALLENGE})
            return
        self._send(
            401, b"", "", {"WWW-Authenticate": WWW_AUTHENTICATE, "x-ms-diagnostics": diagnostics}
        )

    def _ews(self, body: bytes) -> None:
        sandbox = self.server.sandbox
        current = self._snapshot  # taken with the token check; one view for the whole request
        caller = self._caller
        if not isinstance(caller, ews.Caller):  # _head_acceptable answered every other case
            raise RuntimeError("EWS request without a checked caller")
        anchor = (self.headers.get("X-AnchorMailbox") or "").lower() or None
        refusal = sandbox.ews_refusal(caller, current, anchor, self.headers.get("User-Agent", ""))
        if refusal:
            self._send(refusal, b"")  # a bare 403: no body, nothing naming the switch
            return
        if self.command != "POST":
            self._send(405, b"Method Not Allowed", "text/plain", {"Allow": "POST"})
            return
        content_type = self.headers.get("Content-Type", "").lower()
        if "text/xml" not in content_type and "application/soap+xml" not in content_type:
            self._send(
                415,
                f"Cannot process the message because the content type "
                f"'{content_type}' was not the expected type 'text/xml; charset=utf-8'.".encode(),
                "text/plain",
            )
            return
        ctx = ews.Context(
            caller=caller,
            state=current,
            store=sandbox.store,
            anchor=anchor,
        )
        try:
            if current["throttling"]["enabled"]:
                raise ews.server_busy(current["throttling"]["back_off_ms"])
            answer = ews.handle(body, ctx)
            self._send(200, answer, "text/xml; charset=utf-8")
        except ews.Fault as fault:
            self._send(500, ews.fault_body(fault), "text/xml; charset=utf-8")

    def _control(self, path: str, body: bytes) -> None:
        sandbox = self.server.sandbox  # the control token was checked before the body was read
        try:
            payload = json.loads(body) if body else {}
        except (ValueError, UnicodeDecodeError):
            self._json(400, {"error": "the body must be JSON"})
            return
        try:
            if path == "/_sandbox/state" and self.command == "GET":
                self._json(200, sandbox.describe())
            elif path == "/_sandbox/state" and self.command == "PATCH":
                sandbox.patch(payload)
                self._json(200, sandbox.describe())
            elif path == "/_sandbox/scenario" and self.command == "POST":
                sandbox.load_scenario(
                    str(payload.get("name", "")) if isinstance(payload, dict) else ""
                )
                self._json(200, sandbox.describe())
            elif path == "/_sandbox/settle" and self.command == "POST":
                sandbox.settle()
                self._json(200, sandbox.describe())
            elif path.startswith("/_sandbox/sign-ins"):
                self._json(*devicecode.control(sandbox, self.command, path, payload))
            elif path == "/_sandbox/outbox" and self.command == "GET":
                self._json(200, sandbox.outbox)
            elif path.startswith("/_sandbox/mailbox/") and self.command == "GET":
                self._json(200, sandbox.mailbox(unquote(path.rpartition("/")[2])))
            else:
                self._json(404, {"error": f"no control endpoint {self.command} {path}"})
        except tenant_state.ScenarioError as problem:
            self._json(400, {"error": str(problem)})
