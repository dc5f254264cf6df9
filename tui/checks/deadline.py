"""Whole-call deadlines and aborts for the checks' network calls, by closing their sockets.

requests' ``timeout`` (and a socket timeout) bounds each read, so a server that sends one byte a
second keeps a call busy for ever. Here a call is watched from the outside instead: every socket
it opens or reuses is registered with it (:func:`track`), and when the deadline passes (or the
run is aborted: Ctrl+C, Esc, the wizard quitting) one watchdog thread shuts those sockets down.
The blocked read returns at once and the caller turns that into a time-out (or a cancellation).

The watchdog holds a duplicate of each registered socket's descriptor until the call ends, so a
descriptor closed and reused by someone else in the meantime can never be shut down by mistake.

:class:`Scope` groups the calls of one check run: the runner's threads enter it, and
``scope.abort()`` ends every call in flight at once.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator


class Scope:
    """The calls of one run; :meth:`abort` ends them all and every later one at its start."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: set[Call] = set()
        self.aborted = threading.Event()

    def add(self, call: Call) -> None:
        with self._lock:
            self._calls.add(call)
        if self.aborted.is_set():
            call.expire(aborted=True)

    def discard(self, call: Call) -> None:
        with self._lock:
            self._calls.discard(call)

    def abort(self) -> None:
        self.aborted.set()
        with self._lock:
            calls = list(self._calls)
        for call in calls:
            call.expire(aborted=True)


class Call:
    """One network call: its deadline, the sockets it uses, and whether it was cut short."""

    def __init__(self, seconds: float, what: str = "") -> None:
        self.seconds = seconds
        self.what = what
        self.due = time.monotonic() + seconds
        self.expired = False  # the deadline passed (or the run was aborted) and sockets were shut
        self.aborted = False  # ... because the run was aborted, not because of the deadline
        self.finished = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []

    def add_socket(self, sock: socket.socket) -> None:
        try:
            duplicate = socket.socket(sock.family, sock.type, sock.proto, fileno=_dup(sock))
        except OSError:
            return  # already closed: nothing left to cut
        with self._lock:
            if not self.finished and not self.expired:
                self._sockets.append(duplicate)
                return
            cut = self.expired and not self.finished
        if cut:
            _shut(duplicate)
        duplicate.close()

    def expire(self, *, aborted: bool = False) -> None:
        with self._lock:
            if self.finished or self.expired:
                return
            self.expired = True
            self.aborted = aborted
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def finish(self) -> None:
        with self._lock:
            self.finished = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()


def _dup(sock: socket.socket) -> int:
    import os

    fileno = sock.fileno()
    if fileno < 0:
        raise OSError("socket closed")
    return os.dup(fileno)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that expires calls whose deadline passed (a heap, not a timer each)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Call]] = []
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, call: Call) -> None:
        with self._cond:
            heapq.heappush(self._heap, (call.due, next(self._counter), call))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="mailsetup-deadlines", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].finished:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                due = self._heap[0][0]
                now = time.monotonic()
                if due > now:
                    self._cond.wait(min(due - now, 3600.0))  # wait() refuses huge values
                    continue
                call = heapq.heappop(self._heap)[2]
            call.expire()


_watchdog = _Watchdog()


class _Current(threading.local):
    call: Call | None = None
    scope: Scope | None = None
    aborted: bool = False  # a call of this thread was aborted since the flag was last taken


_current = _Current()


@contextlib.contextmanager
def watch(seconds: float, what: str = "") -> Iterator[Call]:
    """Run the body as one call that may last ``seconds`` at most; sockets via :func:`track`."""
    call = Call(seconds, what)
    outer, scope = _current.call, _current.scope
    _current.call = call
    if scope is not None:
        scope.add(call)
    _watchdog.watch(call)
    try:
        yield call
    finally:
        call.finish()
        if scope is not None:
            scope.discard(call)
        _current.call = outer
        if call.aborted:
            _current.aborted = True


def track(sock: socket.socket | None) -> None:
    """Register a socket with the call running on this thread (no call: nothing to do)."""
    call = _current.call
    if call is not None and sock is not None:
        call.add_socket(sock)


@contextlib.contextmanager
def scope(run_scope: Scope | None) -> Iterator[None]:
    """Make the calls of this thread part of ``run_scope`` while the body runs."""
    outer = _current.scope
    _current.scope = run_scope
    try:
        yield
    finally:
        _current.scope = outer


def current_scope() -> Scope | None:
    return _current.scope


def take_aborted() -> bool:
    """Whether a call of this thread was aborted since the last time this was asked."""
    aborted, _current.aborted = _current.aborted, False
    return aborted
