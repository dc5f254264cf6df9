"""The sandbox server against clients that misbehave: slow heads, silent handshakes, bodies sent
without a token, clients that vanish mid-request, and the hang-up of the terminal it runs in.

Deadlines are shortened for the module (the server reads them at run time), so the whole file
takes a few seconds.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox_runs import running_sandbox
from tui.sandbox import Sandbox, server

DEADLINE = 1.0


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as sb:
        yield sb


@pytest.fixture(autouse=True)
def short_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "HEADER_DEADLINE", DEADLINE, raising=False)
    monkeypatch.setattr(server, "HANDSHAKE_TIMEOUT", DEADLINE)


def tls(sandbox: Sandbox, timeout: float = 5.0) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=sandbox.info["ca_file"])
    raw = socket.create_connection(("127.0.0.1", sandbox.port), timeout=timeout)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed (EOF or reset), False while it still waits."""
    try:
        sock.setblocking(False)
        return sock.recv(1) == b""
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def status_of(sock: ssl.SSLSocket) -> int:
    """The status of the next whole answer on ``sock`` (its body is read too), 0 on EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return 0
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return int(head.split(b" ", 2)[1])


def wait_for_no_connections(sandbox: Sandbox, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if sandbox.open_connections() == 0:
            return True
        time.sleep(0.05)
    return sandbox.open_connections() == 0


def test_clients_that_drip_their_headers_are_dropped_at_the_deadline(sandbox: Sandbox) -> None:
    threads_before = threading.active_count()
    clients = [tls(sandbox) for _ in range(30)]
    for sock in clients:
        sock.sendall(b"GET /common/userrealm/a@b.c HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    open_ones = list(clients)
    while open_ones and time.monotonic() - started < DEADLINE + 3:
        for sock in list(open_ones):
            try:
                sock.sendall(b"X")  # a byte at a time: each read returns, the head never ends
            except OSError:
                open_ones.remove(sock)
                continue
            if closed_by_server(sock):
                open_ones.remove(sock)
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    for sock in clients:
        sock.close()
    assert not open_ones, f"{len(open_ones)} dripping clients still held after {elapsed:.1f} s"
    assert elapsed < DEADLINE + 2
    assert wait_for_no_connections(sandbox, 2)
    assert threading.active_count() <= threads_before + 2  # their threads are gone too


def test_a_client_that_drips_its_handshake_is_dropped(sandbox: Sandbox) -> None:
    raw = socket.create_connection(("127.0.0.1", sandbox.port), timeout=5)
    raw.sendall(b"\x16\x03\x01\x40\x00")  # a 16 kB handshake record is announced ...
    started = time.monotonic()
    dropped = False
    while not dropped and time.monotonic() - started < DEADLINE + 3:
        try:
            raw.sendall(b"\x00")  # ... and sent a byte at a time
        except OSError:
            dropped = True
        dropped = dropped or closed_by_server(raw)
        time.sleep(0.2)
    raw.close()
    assert dropped and time.monotonic() - started < DEADLINE + 1.5


def test_a_valid_request_still_gets_its_answer(sandbox: Sandbox) -> None:
    with tls(sandbox) as sock:
        for _ in range(2):  # keep-alive: the deadline is per request, not per connection
            sock.sendall(b"GET /common/userrealm/a@b.c HTTP/1.1\r\nHost: x\r\n\r\n")
            assert status_of(sock) == 200


@pytest.mark.parametrize(
    ("path", "length"),
    [
        ("/EWS/Exchange.asmx", 1_000_000),
        ("/EWS/Exchange.asmx", server.MAX_BODY + 1),
        ("/_sandbox/scenario", 1_000_000),
    ],
    ids=["ews-no-token", "ews-over-limit", "control-no-token"],
)
def test_a_body_is_not_read_before_its_token_and_length_pass(
    sandbox: Sandbox, path: str, length: int
) -> None:
    with tls(sandbox) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )  # and no body: an answer can only come from the head
        started = time.monotonic()
        status = status_of(sock)
        assert status in (401, 413)
        assert time.monotonic() - started < 2
    assert wait_for_no_connections(sandbox, 2)


def test_a_small_body_without_token_keeps_the_connection_usable(sandbox: Sandbox) -> None:
    body = b"<soap/>"
    with tls(sandbox) as sock:
        sock.sendall(
            b"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        assert status_of(sock) == 401
        sock.sendall(b"GET /common/userrealm/a@b.c HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(sock) == 200


def test_a_client_that_goes_away_costs_one_log_line(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.patch({"latency_ms": 400})  # the answer is written after the client has gone
    errors_before = sandbox.unhandled_errors
    try:
        with caplog.at_level(logging.INFO, logger="tui.sandbox.server"):
            sock = tls(sandbox)
            sock.sendall(b"GET /common/userrealm/a@b.c HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.1)  # the server has read the request and waits out the latency
            # close with a reset, as a killed client does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            time.sleep(0.4)
            assert wait_for_no_connections(sandbox, 3)
    finally:
        sandbox.load_scenario("ready")
    records = [r for r in caplog.records if r.name == "tui.sandbox.server"]
    assert [r.levelno for r in records] == [logging.INFO], [r.getMessage() for r in records]
    assert "went away" in records[0].getMessage() and records[0].exc_info is None
    assert sandbox.unhandled_errors == errors_before


def test_sighup_stops_the_sandbox_and_removes_its_folder() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "sandbox", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        info = json.loads(process.stdout.readline() if process.stdout else "{}")
        folder = Path(info["ca_file"]).parent
        assert folder.is_dir()
        process.send_signal(signal.SIGHUP)  # the SSH session dropped
        assert process.wait(timeout=10) == 0
        assert not folder.exists()  # the private key went with it
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


AT_THE_LIMIT = """
import json, os, resource, sys, time
from tui.sandbox import Sandbox
sandbox = Sandbox("ready").start()
in_use = len(os.listdir("/proc/self/fd"))
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 8, hard))
print(json.dumps({"port": sandbox.port}), flush=True)
time.sleep(20)
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads CPU time from /proc")
def test_at_the_descriptor_limit_accept_does_not_spin() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", AT_THE_LIMIT], stdout=subprocess.PIPE, text=True
    )
    clients: list[socket.socket] = []
    try:
        port = json.loads(process.stdout.readline() if process.stdout else "{}")["port"]
        for _ in range(14):  # more than the server has descriptors left; they wait to be taken
            sock = socket.socket()
            sock.settimeout(0.2)
            try:
                sock.connect(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            clients.append(sock)
        time.sleep(0.3)
        before = _cpu_seconds(process.pid)
        time.sleep(1.0)
        used = _cpu_seconds(process.pid) - before
        assert used < 0.25, f"the sandbox used {used:.2f} s of CPU in 1 s waiting for descriptors"
    finally:
        for sock in clients:
            sock.close()
        process.kill()
        process.wait()
