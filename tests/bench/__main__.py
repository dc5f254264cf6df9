"""``python -m tests.bench``: run the five measures of issue 7 and print one table.

Options: ``--quick`` (fewer runs, for a smoke run), ``--only NAME`` (startup, overhead, scale,
ui, throughput; repeatable). Exit code 0 when every measure met its target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from tests.bench import common, overhead, scale, startup, throughput, ui
from tests.bench.common import Result, SandboxProcess

MEASURES = ("startup", "overhead", "scale", "ui", "throughput")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs (numbers are noisier)")
    parser.add_argument("--only", action="append", choices=MEASURES, help="run only this measure")
    args = parser.parse_args(argv)
    chosen = args.only or list(MEASURES)
    runs = 3 if args.quick else 7
    print(f"mailsetup benchmark on {platform.node()}: Python {platform.python_version()}, "
          f"{_cores()} cores; measures: {', '.join(chosen)}", flush=True)
    results: list[Result] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mailsetup-bench-") as folder:
        work = Path(folder)

        def step(name: str, run: Callable[[], list[Result]]) -> None:
            if name not in chosen:
                return
            t = time.perf_counter()
            try:
                found = run()
            except Exception as exc:  # one broken measure still leaves the others' numbers
                traceback.print_exc()
                found = [Result(name, f"ERROR: {exc}"[:120], float("nan"), "-", False)]
            results.extend(found)
            print(f"  {name}: done in {time.perf_counter() - t:.1f} s", flush=True)

        with SandboxProcess(work, "plain", users=50) as plain:
            small = common.write_settings(plain.settings(3), work / "wizard-3.toml")
            large = common.write_settings(plain.settings(50), work / "wizard-50.toml")
            # Starts are cheap (~0.4 s) and the machine's noise moves one start by 10-20%: twice
            # the runs keep the medians' ratio within about +-0.02 from one bench to the next.
            step("startup", lambda: startup.measure(small, large, runs=2 * runs + 1))
            step("overhead", lambda: overhead.measure(plain, runs=runs + 2))
            step("throughput", lambda: throughput.measure(plain))
        if "scale" in chosen or "ui" in chosen:
            with SandboxProcess(work, "slow", users=50, latency_ms=scale.LATENCY_MS) as slow:
                step("scale", lambda: scale.measure(slow, runs=1 if args.quick else 3))
                step("ui", lambda: ui.measure(slow))
    print()
    common.print_table(results)
    failed = [r.measure for r in results if not r.passed]
    missed = f"; not met: {', '.join(failed)}" if failed else ""
    print(f"\n{len(results) - len(failed)} of {len(results)} targets met "
          f"in {time.perf_counter() - began:.0f} s{missed}")
    return 1 if failed else 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
