"""The sandbox's HTTPS server on 127.0.0.1, and how it handles each connection.

One ``ThreadingHTTPServer`` serves Entra (discovery, token, user realm), Graph, EWS and the control
API; :class:`tui.sandbox.sandbox.Sandbox` starts and stops it. TLS is set up per connection in the
connection's own thread, so a slow or broken client cannot block ``accept``. Open connections are
tracked and shut down on :meth:`Sandbox.stop`, because ``server.shutdown()`` alone leaves
keep-alive sockets (and their threads) behind.

Clients cannot hold the server: the TLS handshake and each request's head (request line and
headers) must be complete within a deadline, not just within a timeout per read (a client
dripping a byte a second never trips one); a body is read only after its length and the bearer
token were found acceptable; a client that goes away costs one log line, not a traceback; and
``accept`` failing at the descriptor limit backs off instead of spinning.

The request handler is built in three layers, one module each: what it reads and writes on the
wire (``tui.sandbox.http_wire``), which endpoint answers (``tui.sandbox.routes``), and here, the
connection it runs on (:class:`SandboxHandler`).
"""

from __future__ import annotations

import contextlib
import errno
import io
import socket
import ssl
import threading
import time
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tui.sandbox.connection import GONE, DeadlineReader
from tui.sandbox.http_wire import MAX_BODY  # importable from here, where the tests look for it
from tui.sandbox.routes import SandboxRoutes

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox

__all__ = [
    "HANDSHAKE_TIMEOUT",
    "HEADER_DEADLINE",
    "LISTEN_HOST",
    "MAX_BODY",
    "SandboxHTTPServer",
    "SandboxHandler",
]

LISTEN_HOST = "127.0.0.1"  # never anything else: the sandbox is for this machine only
# The deadlines below are read at run time (tests shorten them on this module).
HANDSHAKE_TIMEOUT = 10.0  # the whole TLS handshake, however slowly the bytes come
HEADER_DEADLINE = 5.0  # from a request's first byte to the end of its headers
IDLE_TIMEOUT = 30.0  # an idle keep-alive connection is closed after this long
ACCEPT_BACKOFF = 0.1  # seconds to wait when accept fails for lack of descriptors


class SandboxHTTPServer(ThreadingHTTPServer):
    """The listening socket on 127.0.0.1: one thread and one TLS session per connection."""

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


class SandboxHandler(SandboxRoutes):
    """One connection's handler: the routes and wire handling below, on a connection whose
    waits are bounded by the deadlines above."""

    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT
    server: SandboxHTTPServer

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
