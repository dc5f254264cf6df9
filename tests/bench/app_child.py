"""The wizard under load, in its own process: ``python app_child.py SETTINGS_FILE``.

Runs ``MailSetupApp`` headless, opens the live check screen for "incoming" (every account in the
file) and, while the checks run, presses a key every 50 ms and times how long the app takes to
answer it (a priority binding records the moment its action runs). At the end prints one JSON
line: the key latencies, how long the check took, whether it passed, and the process's peak RSS.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path

from textual.binding import Binding

from tui.app import MailSetupApp

PRESS_EVERY = 0.05
LIMIT = 300.0  # seconds; the check of 50 accounts takes a few


class TimedApp(MailSetupApp):
    """The wizard plus one key whose handling time the benchmark reads."""

    BINDINGS = [*MailSetupApp.BINDINGS, Binding("f12", "bench_ping", show=False, priority=True)]

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.answered = asyncio.Event()
        self.answered_at = 0.0

    def action_bench_ping(self) -> None:
        self.answered_at = time.perf_counter()
        self.answered.set()


async def main(path: Path) -> dict[str, object]:
    from textual import events

    app = TimedApp(path)
    latencies: list[float] = []
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        app.action_run_checks("incoming")
        await pilot.pause()
        screen = app.screen
        if type(screen).__name__ != "CheckScreen":
            raise RuntimeError("the check screen did not open")
        while getattr(screen, "running", False) and time.perf_counter() - started < LIMIT:
            app.answered.clear()
            sent = time.perf_counter()
            app.post_message(events.Key("f12", None))
            await asyncio.wait_for(app.answered.wait(), 10)
            latencies.append(app.answered_at - sent)
            await asyncio.sleep(PRESS_EVERY)
        elapsed = time.perf_counter() - started
        await pilot.pause()
        report = getattr(screen, "report", None)
        ok = bool(report is not None and report.ok)
        checks = len(report.checks) if report is not None else 0
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "latencies_ms": [round(x * 1000, 2) for x in latencies],
        "check_seconds": round(elapsed, 3),
        "ok": ok,
        "checks": checks,
        "peak_rss_mb": round(peak, 1),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1])))))
