"""What the sandbox's request handler reads and writes on the wire: bodies in, answers out.

:class:`WireHandler` is the lowest layer of ``SandboxHandler`` (``tui.sandbox.server``): it reads a
request's body only within its limits (a declared length up to ``MAX_BODY``, all of it within
``BODY_DEADLINE``), drops a small body it refuses so the connection stays usable, and writes each
answer with the headers Exchange Online's front end sends. The routes (``tui.sandbox.routes``)
build on it; the connection handling (``tui.sandbox.server``) builds on those.
"""

from __future__ import annotations

import json
import logging
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from tui.sandbox.connection import DeadlineReader

# One logger for the whole server, named as before the handler was split into modules: logging
# configurations (and the tests) select the server's lines by this name.
log = logging.getLogger("tui.sandbox.server")

MAX_BODY = 40 * 1024 * 1024  # above Exchange Online's 35 MB message limit, bounded all the same
BODY_DEADLINE = 60.0  # a body of MAX_BODY at well under 1 MB/s still fits
# A refused request's body up to this size is read and dropped, so the connection closes cleanly
# (closing on unread data sends a reset, which can cost the client the answer); a larger one is
# left unread and the connection closed.
SMALL_BODY = 64 * 1024


class WireHandler(BaseHTTPRequestHandler):
    """Request bodies within their limits and answers in one write; no routing, no set-up."""

    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    _date: tuple[int, str] = (0, "")  # (second, its Date header), shared by all handlers
    # The connection's reading side, with the deadlines; set up per connection by
    # ``SandboxHandler.setup`` before any request is read.
    _reader: DeadlineReader

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header changes once a second; formatting it per response is wasted work.
        if timestamp is not None:
            return super().date_time_string(timestamp)
        second = int(time.time())
        cached_second, text = WireHandler._date  # one tuple: read and replaced atomically
        if cached_second != second:
            text = super().date_time_string(second)
            WireHandler._date = (second, text)
        return text

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # The request line never carries secrets here (they travel in bodies and headers).
        # Checked first: formatting a line nobody keeps cost as much as answering GetFolder.
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s", self.address_string(), format % args)

    def _went_away(self, exc: BaseException) -> None:
        self.close_connection = True
        log.info(
            "sandbox: client %s went away mid-request (%s)",
            self.address_string(),
            type(exc).__name__,
        )

    # -- answers --------------------------------------------------------------------------------
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

    # -- bodies ---------------------------------------------------------------------------------
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
