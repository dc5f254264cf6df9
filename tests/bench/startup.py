"""Measure 1, start-up: the wizard against a one-Label Textual app, and the import rule.

Each start is a fresh process; the two (three, with the 50-account file) alternate so that a
busy moment of the machine hits them alike. ``-X importtime`` checks that neither ``tui.app``
nor ``tui.cli`` pulls in msal or exchangelib, and names the costliest imports.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from tests.bench.common import BENCH_DIR, PYTHON, ROOT, Result, alternate, child_env, median

CHILD = str(BENCH_DIR / "startup_child.py")
TARGET = 1.2


def _start_once(args: list[str]) -> float:
    started = time.time()
    done = subprocess.run(
        [PYTHON, CHILD, *args],
        capture_output=True, text=True, timeout=60, env=child_env(), cwd=ROOT,
    )
    found = re.search(r"READY (\d+\.\d+)", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"start-up child {args} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    if "HEAVY-IMPORTS" in done.stdout:
        raise RuntimeError(f"start-up child {args}: msal or exchangelib loaded before any check")
    return float(found.group(1)) - started


def import_report(module: str, top: int = 6) -> tuple[bool, list[tuple[int, str]]]:
    """(whether msal/exchangelib stay out, the ``top`` costliest imports in µs, cumulative)."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True, text=True, timeout=60, env=child_env(), cwd=ROOT,
    )
    rows: list[tuple[int, str]] = []
    heavy = False
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].strip()
        if name.split(".")[0] in ("msal", "exchangelib"):
            heavy = True
        # Only the project's own modules and top-level packages: the leaves say little.
        if name.startswith("tui") or "." not in name:
            rows.append((int(parts[1]), name))
    rows.sort(reverse=True)
    return not heavy, rows[:top]


def measure(settings_small: Path, settings_50: Path, runs: int = 7) -> list[Result]:
    # One warm-up each: the first start after writing files pays for .pyc and page cache.
    for args in (["minimal"], ["wizard", str(settings_small)]):
        _start_once(args)
    minimal, small, large = alternate(
        runs,
        lambda: _start_once(["minimal"]),
        lambda: _start_once(["wizard", str(settings_small)]),
        lambda: _start_once(["wizard", str(settings_50)]),
    )
    base = median(minimal)
    results = []
    for label, samples in (("3 accounts", small), ("50 accounts", large)):
        ratio = median(samples) / base
        results.append(
            Result(
                f"1 start-up ({label})",
                f"wizard {median(samples) * 1000:.0f} ms vs one-Label app {base * 1000:.0f} ms",
                ratio,
                f"<= {TARGET}x",
                ratio <= TARGET,
            )
        )
    for module in ("tui.cli", "tui.app"):
        clean, top = import_report(module)
        costs = ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in top[:4])
        results.append(
            Result(
                f"1 imports of {module}",
                f"msal/exchangelib {'absent' if clean else 'PRESENT'}; top: {costs}",
                0.0 if clean else 1.0,
                "no msal/exchangelib",
                clean,
            )
        )
    return results
