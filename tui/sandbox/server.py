"""The HTTPS server on 127.0.0.1, its routing, the control API, and the :class:`Sandbox` class.

One ``ThreadingHTTPServer`` serves Entra (discovery, token, user realm), EWS and the control API.
TLS is set up per connection in the connection's own thread, so a slow or broken client cannot
block ``accept``. Open connections are tracked and shut down on :meth:`Sandbox.stop`, because
``server.shutdown()`` alone leaves keep-alive sockets (and their threads) behind.

Clients cannot hold the server: the TLS handshake and each request's head (request line and
headers) must be complete within a deadline, not just within a timeout per read (a client
dripping a byte a second never trips one); a body is read only after its length and the bearer
token were found acceptable; a client that goes away costs one log line, not a traceback; and
``accept`` failing at the descriptor limit backs off instead of spinning.
"""

from __future__ import annotations

import contextlib
import errno
import io
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

from tui.sandbox import devicecode, entra, ews
from tui.sandbox import state as tenant_state
from tui.sandbox.connection import GONE, DeadlineReader
from tui.sandbox.tokens import TokenError

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox

log = logging.getLogger(__name__)

LISTEN_HOST = "127.0.0.1"  # never anything else: the sandbox is for this machine only
MAX_BODY = 40 * 1024 * 1024  # above Exchange Online's 35 MB message limit, bounded all the same
HANDSHAKE_TIMEOUT = 10.0  # the whole TLS handshake, however slowly the bytes come
HEADER_DEADLINE = 5.0  # from a request's first byte to the end of its headers
BODY_DEADLINE = 60.0  # a body of MAX_BODY at well under 1 MB/s still fits
IDLE_TIMEOUT = 30.0  # an idle keep-alive connection is closed after this long
ACCEPT_BACKOFF = 0.1  # seconds to wait when accept fails for lack of descriptors
# A refused request's body up to this size is read and dropped, so the connection closes cleanly
# (closing on unread data sends a reset, which can cost the client the answer); a larger one is
# left unread and the connection closed.
SMALL_BODY = 64 * 1024
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

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return super().get_request()
        except OSError as exc:
            # Out of descriptors, the listening socket stays readable and serve_forever would
            # call accept again at once, at 100% CPU. Slow down until a connection ends.
            if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                time.sleep(ACCEPT_BACKOFF)
            raise

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(HANDSHAKE_TIMEOUT)  # ssl applies it to the whole handshake
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

    # -- connection handling --------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the stdlib's reader holds a reference that would keep the fd open
        self._reader = DeadlineReader(self.connection, IDLE_TIMEOUT)
        self._buffered = io.BufferedReader(self._reader, io.DEFAULT_BUFFER_SIZE)
        self.rfile = self._buffered

    def handle_one_request(self) -> None:
        # Waiting for the next request on a kept-alive connection is bounded by IDLE_TIMEOUT;
        # once its first byte is here, the whole head must follow within HEADER_DEADLINE.
        try:
            if not self._buffered.peek(1):
                self.close_connection = True
                return
        except GONE:  # idle and gone (or silent too long): nothing was asked, nothing to say
            self.close_connection = True
            return
        self._reader.start(HEADER_DEADLINE)
        try:
            super().handle_one_request()  # parses the head, then calls do_<METHOD>
        except GONE as exc:
            self._went_away(exc)
        finally:
            self._reader.clear()

    def _went_away(self, exc: BaseException) -> None:
        self.close_connection = True
        log.info(
            "sandbox: client %s went away mid-request (%s)",
            self.address_string(),
            type(exc).__name__,
        )

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

    def _declared_length(self) -> int | None:
        """Content-Length as a number (0 without one); None when it is missing for a chunked
        body or is not a number."""
        if self.headers.get("Transfer-Encoding"):
            return None
        raw = self.headers.get("Content-Length")
        if raw is None:
            return 0
        raw = raw.strip()
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None

    def _read(self, length: int) -> bytes | None:
        """``length`` bytes of body within BODY_DEADLINE, or None (the connection then closes)."""
        self._reader.start(BODY_DEADLINE)
        try:
            data = self.rfile.read(length)
        finally:
            self._reader.clear()
        if len(data) < length:
            self.close_connection = True
            return None
        return data

    def _body(self) -> bytes | None:
        """The request body, or None after an answer was sent (the connection then closes)."""
        length = self._declared_length()
        if length is None and self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._send(411, b"Length Required", "text/plain")
            return None
        if length is None:
            self.close_connection = True
            self._send(400, b"Bad Request", "text/plain")
            return None
        if length > MAX_BODY:
            self.close_connection = True  # the unread body would be taken as the next request
            self._send(413, b"Request Entity Too Large", "text/plain")
            return None
        return self._read(length) if length else b""

    def _skip_body(self) -> None:
        """Before refusing a request on its head: drop a small body so the connection stays
        usable; leave a large or unknown one unread and close the connection after the answer."""
        length = self._declared_length()
        if length is None or length > SMALL_BODY:
            self.close_connection = True  # the unread body would be taken as the next request
        elif length:
            self._read(length)

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
