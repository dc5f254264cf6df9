"""Measure 3, scale: incoming checks of 1, 10 and 50 accounts with 100 ms added per request.

The sandbox adds ``latency_ms`` before answering every Entra and EWS request, which stands in for
the network to Microsoft. Fifty accounts should cost little more than one: the runner checks
targets in a bounded pool, discovers the tenant once, and keeps one token per user.
"""

from __future__ import annotations

import time
from typing import Any

from tests.bench.common import Result, median

TARGET = 5.0
LATENCY_MS = 100
COUNTS = (1, 10, 50)


def incoming_check(sandbox: Any, count: int) -> float:
    from tui.checks import CheckRunner

    settings = sandbox.settings(count)
    started = time.perf_counter()
    report = CheckRunner(settings).run(["incoming"], send=False)
    elapsed = time.perf_counter() - started
    if not report.ok:
        failed = [(e.target, e.step) for e in report.checks if e.status.value == "failed"]
        raise RuntimeError(f"incoming check of {count} failed: {failed[:3]}")
    return elapsed


def measure(sandbox: Any, runs: int = 3) -> list[Result]:
    """``sandbox``: a SandboxProcess with at least 50 bench users and ``latency_ms`` = 100."""
    incoming_check(sandbox, 1)  # warm-up: imports and class caches
    samples: dict[int, list[float]] = {n: [] for n in COUNTS}
    for _ in range(runs):
        for count in COUNTS:
            samples[count].append(incoming_check(sandbox, count))
    one = median(samples[1])
    ratio = median(samples[50]) / one
    detail = ", ".join(f"{n}: {median(samples[n]) * 1000:.0f} ms" for n in COUNTS)
    return [
        Result(
            "3 scale (incoming, +100 ms/request)",
            f"{detail} (ratio 50/1)",
            ratio,
            f"<= {TARGET}x",
            ratio <= TARGET,
        )
    ]
