"""Measure 5, sandbox throughput: EWS requests per second to 8 real exchangelib clients.

The sandbox runs in its own process (as ``mailsetup sandbox`` does for a classroom). Eight
threads in another process each open their own exchangelib Account (own user, own token, own
connection) and repeat GetFolder (inbox) and FindItem (inbox, first 10 subjects) for a fixed
number of rounds; the rate is requests answered divided by wall time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.bench.common import Result

TARGET = 200.0
CLIENTS = 8
ROUNDS = 60  # per client, two requests each: 960 requests in all


def _account(info: dict[str, Any], user: dict[str, str]) -> Any:
    from tui.sandbox.clients import ews_account, ropc_token

    token = ropc_token(info, user["email"], user["password"])
    if "access_token" not in token:
        raise RuntimeError(f"no token for {user['email']}: {token.get('error')}")
    return ews_account(info, token, user["email"])


def measure(sandbox: Any) -> list[Result]:
    """``sandbox``: a SandboxProcess with at least 8 users and no added latency."""
    from exchangelib import close_connections
    from exchangelib.folders import Inbox, Root
    from exchangelib.protocol import BaseProtocol

    info = sandbox.info
    BaseProtocol.TIMEOUT = 30
    accounts = [_account(info, user) for user in info["users"][:CLIENTS]]
    inboxes = [Root.get_distinguished(account=a).get_default_folder(Inbox) for a in accounts]
    for inbox in inboxes:  # warm: one connection per client is open before the clock starts
        list(inbox.all().only("subject")[:10])
    errors: list[BaseException] = []
    start = threading.Barrier(CLIENTS + 1)

    def client(inbox: Any) -> None:
        start.wait()
        try:
            for _ in range(ROUNDS):
                inbox.refresh()  # GetFolder
                list(inbox.all().only("subject")[:10])  # FindItem
        except BaseException as exc:  # reported after the clock stops
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in inboxes]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(120)
    elapsed = time.perf_counter() - began
    close_connections()
    if errors:
        raise RuntimeError(f"throughput clients failed: {errors[0]!r}")
    rate = CLIENTS * ROUNDS * 2 / elapsed
    return [
        Result(
            "5 sandbox throughput (8 exchangelib clients)",
            f"{CLIENTS * ROUNDS * 2} EWS requests in {elapsed:.2f} s",
            rate,
            f">= {TARGET:.0f} req/s",
            rate >= TARGET,
        )
    ]
