"""Measures 3b and 4: key latency while 50 accounts are checked, and the wizard's peak RSS.

The sandbox runs in its own process with 100 ms added per request; the wizard runs in another
(``app_child.py``) so its peak RSS is the wizard's alone.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

from tests.bench.common import BENCH_DIR, Result, run_child

KEY_TARGET_MS = 100.0
RSS_TARGET_MB = 150.0


def measure(sandbox: Any) -> list[Result]:
    """``sandbox``: a SandboxProcess whose written settings hold 50 bench accounts."""
    from tui.settings.store import save_settings

    settings = sandbox.settings(50)
    path = sandbox.config.with_name("wizard-50.toml")
    save_settings(settings, path)
    found = json.loads(run_child([str(BENCH_DIR / "app_child.py"), str(path)]).splitlines()[-1])
    if not found["ok"]:
        raise RuntimeError(f"the 50-account check in the wizard did not pass: {found}")
    latencies = found["latencies_ms"]
    worst = max(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else worst
    return [
        Result(
            "3 UI key latency during 50-account check",
            f"{len(latencies)} presses: median {statistics.median(latencies):.1f} ms, "
            f"p95 {p95:.1f} ms, max {worst:.1f} ms (check {found['check_seconds']:.1f} s)",
            worst,
            f"max <= {KEY_TARGET_MS:.0f} ms",
            worst <= KEY_TARGET_MS,
        ),
        Result(
            "4 peak RSS after 50-account check",
            f"{found['peak_rss_mb']:.0f} MB ({found['checks']} step results)",
            float(found["peak_rss_mb"]),
            f"<= {RSS_TARGET_MB:.0f} MB",
            found["peak_rss_mb"] <= RSS_TARGET_MB,
        ),
    ]
