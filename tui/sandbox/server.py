"""The HTTPS server on 127.0.0.1, its routing, the control API, and the :class:`Sandbox` class.

One ``ThreadingHTTPServer`` serves Entra (discovery, token, user realm), EWS and the control API.
TLS is set up per connection in the connection's own thread, so a slow or broken client cannot
block ``accept``. Open connections are tracked and shut down on :meth:`Sandbox.stop`, because
``server.shutdown()`` alone leaves keep-alive sockets (and their threads) behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.sandbox import entra, ews
from tui.sandbox import state as tenant_state
from tui.sandbox.tokens import TokenError

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox

log = logging.getLogger(__name__)

LISTEN_HOST = "127.0.0.1"  # never anything else: the sandbox is for this machine only
MAX_BODY = 40 * 1024 * 1024  # above Exchange Online's 35 MB message limit, bounded all the same
HANDSHAKE_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0  # an idle keep-alive connection is closed after this long
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


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False  # a port in use is an error, not something to share

    def __init__(self, port: int, sandbox: Sandbox, context: ssl.SSLContext) -> None:
        self.sandbox = sandbox
        self.ssl_context = context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__((LISTEN_HOST, port), SandboxHandler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            request.close()
            return
        with self._open_lock:
            self._open.add(tls)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (OSError, ValueError):
            pass  # the client went away or we are stopping
        finally:
            with self._open_lock:
                self._open.discard(tls)
            with contextlib.suppress(OSError):
                tls.close()

    def open_connections(self) -> int:
        with self._open_lock:
            return len(self._open)

    def close_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already gone
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # wakes a thread blocked in recv


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    server: SandboxHTTPServer
    _date: tuple[int, str] = (0, "")  # (second, its Date header), shared by all handlers

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # The request line never carries secrets here (they travel in bodies and headers).
        # Checked first: formatting a line nobody keeps cost as much as answering GetFolder.
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s", self.address_string(), format % args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header changes once a second; formatting it per response is wasted work.
        if timestamp is not None:
            return super().date_time_string(timestamp)
        second = int(time.time())
        cached_second, text = SandboxHandler._date  # one tuple: read and replaced atomically
        if cached_second != second:
            text = super().date_time_string(second)
            SandboxHandler._date = (second, text)
        return text

    # -- plumbing -------------------------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.log_request(status)
        if self.request_version == "HTTP/0.9":  # as the stdlib does: no status line, no headers
            self.wfile.write(body)
            return
        lines = [
            f"{self.protocol_version} {status} {self.responses.get(status, ('',))[0]}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
        ]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "strict")
        # One write, so head and body travel in one TLS record: the client then needs one
        # read (and one wait for its GIL) per answer instead of two.
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def _json(self, status: int, data: Any) -> None:
        headers = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8", headers)

    def _body(self) -> bytes | None:
        """The request body, or None after an answer was sent (the connection then closes)."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._send(411, b"Length Required", "text/plain")
            return None
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._send(400, b"Bad Request", "text/plain")
            return None
        if length > MAX_BODY:
            self.close_connection = True  # the unread body would be taken as the next request
            self._send(413, b"Request Entity Too Large", "text/plain")
            return None
        data = self.rfile.read(length)
        if len(data) < length:
            self.close_connection = True
            return None
        return data

    # -- dispatch -------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        body = self._body()
        if body is None:
            return
        path = urlsplit(self.path).path
        sandbox = self.server.sandbox
        try:
            if path.startswith("/_sandbox/"):
                self._control(path, body)
                return
            sandbox.wait_latency()
            if path.lower() == EWS_PATH:
                self._ews(body)
                return
            self._entra(path, body)
        except Exception:  # never let one request take the server down
            log.exception("sandbox: request failed")
            sandbox.unhandled_errors += 1  # the fuzz tests assert this stays 0
            self.close_connection = False
            self._send(500, b"Internal Server Error", "text/plain")

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
            self._json(*entra.token(view, parts[0], form, sandbox.signer))
        else:
            self._json(
                404, {"error": "not_found", "error_description": f"No such endpoint: {path}"}
            )

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
        current = sandbox.snapshot()  # one consistent view for the whole request; never changed
        caller = sandbox.ews_caller(self.headers.get("Authorization", ""), current)
        if isinstance(caller, TokenError):
            self._ews_unauthorized(caller)
            return
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
        sandbox = self.server.sandbox
        given = self.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {sandbox.control_token}".encode()):
            self._json(
                401, {"error": "the control API needs 'Authorization: Bearer <control token>'"}
            )
            return
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
            elif path == "/_sandbox/outbox" and self.command == "GET":
                self._json(200, sandbox.outbox)
            elif path.startswith("/_sandbox/mailbox/") and self.command == "GET":
                self._json(200, sandbox.mailbox(unquote(path.rpartition("/")[2])))
            else:
                self._json(404, {"error": f"no control endpoint {self.command} {path}"})
        except tenant_state.ScenarioError as problem:
            self._json(400, {"error": str(problem)})
