"""Measure 1, start-up: the wizard against a one-Label Textual app, and the import rule.

Each start is a fresh process; the two (three, with the 50-account file) alternate so that a
busy moment of the machine hits them alike. ``-X importtime`` checks that neither ``tui.app``
nor ``tui.cli`` pulls in msal or exchangelib, and names the costliest imports.

The case measured is the one a user has after installing: bytecode compiled. The project's
package is compiled first (``compileall``: with ``PYTHONDONTWRITEBYTECODE`` set, as on this
machine, nothing else would write its ``.pyc`` and every start would compile ~25 modules
afresh), and each child reports how many modules it still compiled from source; the table says
so. The children see an 80x24 terminal (``COLUMNS``/``LINES``): without a terminal Rich assumes
80x25 while Textual's headless driver says 80x24, and the app would lay out twice, which a
real terminal does not cause.
"""

from __future__ import annotations

import compileall
import re
import subprocess
import time
from pathlib import Path

from tests.bench.common import BENCH_DIR, PYTHON, ROOT, Result, alternate, child_env, median

CHILD = str(BENCH_DIR / "startup_child.py")
TARGET = 1.3
# Modules each kind of start compiled from source (count and first names; any start's).
from_source: dict[str, str] = {}
# CPU time each start used until its first frame: steadier than wall time on a busy machine,
# shown beside it (the wall-time ratio is the target).
cpu_seconds: dict[str, list[float]] = {}


def _terminal_env() -> dict[str, str]:
    env = child_env()
    env["COLUMNS"], env["LINES"] = "80", "24"
    return env


def _start_once(args: list[str]) -> float:
    started = time.time()
    done = subprocess.run(
        [PYTHON, CHILD, *args],
        capture_output=True, text=True, timeout=60, env=_terminal_env(), cwd=ROOT,
    )
    found = re.search(r"READY (\d+\.\d+) CPU (\d+\.\d+)", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"start-up child {args} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    if "HEAVY-IMPORTS" in done.stdout:
        raise RuntimeError(f"start-up child {args}: msal or exchangelib loaded before any check")
    source = re.search(r"SOURCE (\d+)(.*)", done.stdout)
    found_now = f"{source.group(1)}{source.group(2).rstrip()}" if source else "?"
    if from_source.get(args[0], "0").split()[0] == "0":  # keep the first start that compiled
        from_source[args[0]] = found_now
    cpu_seconds.setdefault(args[-1], []).append(float(found.group(2)))
    return float(found.group(1)) - started


def compile_package() -> None:
    """Write the project's ``.pyc`` (installed packages got theirs from pip)."""
    compileall.compile_dir(ROOT / "tui", quiet=1)


def _case() -> str:
    """Which case the starts measured, in words for the table."""
    counts = {kind: found.split()[0] for kind, found in from_source.items()}
    if all(count == "0" for count in counts.values()):
        return "bytecode compiled"
    return "compiled from source each start: " + ", ".join(
        f"{kind} {found}" for kind, found in from_source.items()
    )


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
    compile_package()
    # One warm-up each: the first start after writing files pays for the page cache.
    for args in (["minimal"], ["wizard", str(settings_small)]):
        _start_once(args)
    cpu_seconds.clear()
    minimal, small, large = alternate(
        runs,
        lambda: _start_once(["minimal"]),
        lambda: _start_once(["wizard", str(settings_small)]),
        lambda: _start_once(["wizard", str(settings_50)]),
    )
    base = median(minimal)
    cpu_base = median(cpu_seconds["minimal"])
    case = _case()
    for label, samples, key in (
        ("one-Label", minimal, "minimal"),
        ("3 accounts", small, str(settings_small)),
        ("50 accounts", large, str(settings_50)),
    ):
        raw = " ".join(f"{sample * 1000:.0f}" for sample in samples)
        cpu = " ".join(f"{sample * 1000:.0f}" for sample in cpu_seconds[key])
        print(f"  start-up {label}, raw wall (ms): {raw}; CPU (ms): {cpu}", flush=True)
    results = []
    for label, samples, key in (
        ("3 accounts", small, str(settings_small)),
        ("50 accounts", large, str(settings_50)),
    ):
        ratio = median(samples) / base
        cpu = median(cpu_seconds[key])
        results.append(
            Result(
                f"1 start-up ({label})",
                f"wizard {median(samples) * 1000:.0f} ms vs one-Label app {base * 1000:.0f} ms "
                f"(CPU {cpu * 1000:.0f} vs {cpu_base * 1000:.0f} ms, {cpu / cpu_base:.2f}x; "
                f"{case}, 80x24)",
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
