"""Deadlines for the sandbox's connections, so no client can hold a server thread for long.

A timeout per read does not bound a client that sends one byte a second: each read returns in
time. (The TLS handshake needs no help: CPython's ssl module applies a socket's timeout to the
whole ``do_handshake`` call.) :class:`DeadlineReader` is the connection's reading side, where a
phase (a request's head, its body) may be given a deadline that every read inside it shares.

``GONE`` lists what a client that disconnects mid-request makes the server raise.
"""

from __future__ import annotations

import io
import socket
import ssl
import time
from typing import Any

GONE = (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError, TimeoutError)


class DeadlineReader(io.RawIOBase):
    """A socket's reading side for a ``BufferedReader``. Outside a phase, reads wait up to
    ``idle`` seconds each; inside one (:meth:`start`), every read waits only for the time left,
    so the phase ends on time however the bytes trickle in."""

    def __init__(self, sock: socket.socket, idle: float) -> None:
        super().__init__()
        self._sock = sock
        self._idle = idle
        self._deadline: float | None = None
        self._timeout: float | None = sock.gettimeout()

    def readable(self) -> bool:
        return True

    def start(self, seconds: float) -> None:
        """Begin a phase that must end within ``seconds``."""
        self._deadline = time.monotonic() + seconds

    def clear(self) -> None:
        """End the phase; the socket's timeout is back to ``idle`` (writes use it too)."""
        self._deadline = None
        self._set_timeout(self._idle)

    def _set_timeout(self, seconds: float) -> None:
        if seconds != self._timeout:  # settimeout costs a system call; skip it when unchanged
            self._sock.settimeout(seconds)
            self._timeout = seconds

    def readinto(self, buffer: Any) -> int:
        if self._deadline is None:
            self._set_timeout(self._idle)
        else:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the client did not finish in time")
            self._set_timeout(left)
        return self._sock.recv_into(buffer)
