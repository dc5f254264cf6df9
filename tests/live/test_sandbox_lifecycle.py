"""Starting and stopping: stop() leaves no listening socket, no keep-alive connection, no files.

This module runs its own sandbox (not the shared fixture) because it stops it.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from tui.sandbox import Sandbox, clients


def test_stop_closes_keep_alive_connections_and_cleans_up() -> None:
    sandbox = Sandbox("ready").start()
    port = sandbox.port
    ca_file = Path(sandbox.info["ca_file"])
    assert ca_file.is_file()
    threads_before = {t.ident for t in threading.enumerate()}

    session = clients.http_session(str(ca_file))  # keeps its connection alive after use
    url = f"{sandbox.base_url}/{sandbox.info['tenant_id']}/v2.0/.well-known/openid-configuration"
    assert session.get(url, timeout=5).status_code == 200
    import ssl

    context = ssl.create_default_context(cafile=str(ca_file))
    idle = context.wrap_socket(
        socket.create_connection(("127.0.0.1", port), timeout=5), server_hostname="127.0.0.1"
    )  # connected, never sends a request
    deadline = time.monotonic() + 5
    while sandbox.open_connections() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sandbox.open_connections() == 2

    sandbox.stop()

    assert sandbox.open_connections() == 0
    assert not sandbox.running
    assert idle.recv(1) == b""  # the server closed the idle keep-alive connection
    idle.close()
    session.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert not ca_file.exists() and not ca_file.parent.exists()
    new_threads = [
        t for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()
    ]
    deadline = time.monotonic() + 5
    while any(t.is_alive() for t in new_threads) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.is_alive() for t in new_threads)
    sandbox.stop()  # a second stop is harmless


def test_chosen_port_in_use_is_an_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError):
            Sandbox("ready", port=port).start()
