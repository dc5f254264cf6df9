"""What the benchmark's measures share: medians, the result table, and sandbox helpers."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
DOMAIN = "contoso-sandbox.onmicrosoft.com"


@dataclass
class Result:
    """One line of the table: what was measured, the raw numbers, and the verdict."""

    measure: str
    detail: str  # the raw medians, in words
    value: float  # the number compared with the target (a ratio, MB, ms or requests/s)
    target: str  # e.g. "<= 1.2x"
    passed: bool

    def row(self) -> list[str]:
        return [self.measure, self.detail, f"{self.value:.2f}", self.target,
                "PASS" if self.passed else "FAIL"]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def alternate(runs: int, *measures: Callable[[], float]) -> list[list[float]]:
    """Run the measures in turn ``runs`` times (a, b, a, b …) so drift hits them alike."""
    samples: list[list[float]] = [[] for _ in measures]
    for _ in range(runs):
        for index, measure in enumerate(measures):
            samples[index].append(measure())
    return samples


def print_table(results: Sequence[Result]) -> None:
    header = ["measure", "raw medians", "value", "target", "verdict"]
    rows = [header] + [r.row() for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if index == 0:
            print(line)
    print(line)


def child_env() -> dict[str, str]:
    """The environment for child processes: this checkout first on the path, no proxies."""
    env = dict(os.environ)
    rest = os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    env["PYTHONPATH"] = str(ROOT) + rest
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        env.pop(name, None)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def run_child(args: Sequence[str], *, timeout: float = 300.0) -> str:
    """Run a Python child; its stdout, or an error with its stderr when it failed."""
    done = subprocess.run(
        [PYTHON, *args], capture_output=True, text=True, timeout=timeout, env=child_env(), cwd=ROOT
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def bench_users(count: int) -> dict[str, dict[str, Any]]:
    """``count`` extra sandbox users with mailboxes, as a state merge patch."""
    return {
        f"bench{n:02d}@{DOMAIN}": {"password": f"Bench-Pass-{n:02d}!", "display_name": f"Bench {n}"}
        for n in range(1, count + 1)
    }


def write_scenario(path: Path, users: int = 0, latency_ms: int = 0) -> Path:
    """A scenario file: ``ready`` plus ``users`` bench mailboxes and added latency."""
    lines = ['extends = "ready"', 'description = "Benchmark tenant"', f"latency_ms = {latency_ms}"]
    for email, user in bench_users(users).items():
        lines += ["", f'[users."{email}"]']
        lines += [f'{key} = "{value}"' for key, value in user.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class SandboxProcess:
    """``mailsetup sandbox`` in its own process, as a classroom runs it (and apart from the
    measured code's GIL); ``settings`` is its ``--write-config`` file, loaded."""

    def __init__(self, folder: Path, name: str, users: int = 0, latency_ms: int = 0) -> None:
        self.scenario = write_scenario(folder / f"{name}.toml", users, latency_ms)
        self.config = folder / f"{name}-settings.toml"
        self.process: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> SandboxProcess:
        import json

        self.process = subprocess.Popen(
            [PYTHON, "-m", "tui", "sandbox", "--json", "--scenario", str(self.scenario),
             "--write-config", str(self.config)],
            stdout=subprocess.PIPE, text=True, env=child_env(), cwd=ROOT,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(10)
            raise RuntimeError("the sandbox process did not start")
        self.info = json.loads(line)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    @property
    def ews_url(self) -> str:
        return str(self.info["ews_url"])

    def settings(self, accounts: int | None = None) -> Any:
        """The written settings; with ``accounts``, only the first that many bench accounts."""
        from tui.settings.store import load_settings

        settings = load_settings(self.config)
        if accounts is not None:
            bench = [a for a in settings.incoming.accounts if a.email.startswith("bench")]
            if len(bench) < accounts:
                raise ValueError(f"the sandbox has {len(bench)} bench users, {accounts} wanted")
            settings.incoming.accounts = bench[:accounts]
        return settings


def start_sandbox(users: int = 0, latency_ms: int = 0) -> Any:
    """A running ``ready`` sandbox in this process with ``users`` extra mailboxes."""
    from tui.sandbox import Sandbox

    sandbox = Sandbox("ready").start()
    changes: dict[str, Any] = {"latency_ms": latency_ms}
    if users:
        changes["users"] = bench_users(users)
    sandbox.patch(changes)
    return sandbox


def settings_with_accounts(sandbox: Any, count: int) -> Any:
    """The sandbox's settings with exactly the first ``count`` bench users as incoming accounts."""
    settings = sandbox.settings()
    bench = [a for a in settings.incoming.accounts if a.email.startswith("bench")]
    if len(bench) < count:
        raise ValueError(f"the sandbox has {len(bench)} bench users, {count} wanted")
    settings.incoming.accounts = bench[:count]
    return settings


def write_settings(settings: Any, path: Path) -> Path:
    from tui.settings.store import save_settings

    return Path(save_settings(settings, path))
