"""Snapshots of the live check screen at 80x24: running, failed with the diagnosis open, OK.

Nothing on screen depends on the sandbox port (training mode is off here); spinners and
durations are frozen (``CheckStepRow.frozen``). Each picture is also checked for the sandbox's
passwords and secret. Regenerate with ``--snapshot-update`` only after looking at the pictures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.sandbox_runs import app_on, running_sandbox
from tui.sandbox.sandbox import Sandbox
from tui.screens.checks import CheckScreen
from tui.widgets.check_rows import CheckStepRow

SIZE = (80, 24)
PORT = 0  # any free port: the check screen outside training mode never shows it


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("ready", port=PORT) as sb:
        yield sb


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CheckStepRow, "frozen", True)
    monkeypatch.setattr(CheckScreen, "RETRY_WAIT", 0.0)


def checked(until_done: bool, *keys: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        pilot.app.action_run_checks("outgoing")  # type: ignore[attr-defined]
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, CheckScreen)
        for _ in range(200):
            await pilot.pause(0.05)
            rows = list(screen.rows.values())
            if until_done and not screen.running:
                break
            if not until_done and any(r.running and r.step == "tenant" for r in rows):
                break
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


def secret_free(sandbox: Sandbox, name: str) -> None:
    picture = (Path(__file__).parent / "__snapshots__" / "test_checks_snapshots" / f"{name}.svg").read_text()
    for user in sandbox.info["users"]:
        assert user["password"] not in picture
    assert sandbox.info["client_secret"] not in picture


def test_running(snap_compare, sandbox: Sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox.load_scenario("ready")
    sandbox.patch({"latency_ms": 3000})  # reach hangs while the picture is taken
    try:
        app = app_on(sandbox, tmp_path, timeout=10.0)
        assert snap_compare(app, terminal_size=SIZE, run_before=checked(False))
        secret_free(sandbox, "test_running")
    finally:
        sandbox.patch({"latency_ms": 0})


def test_failed_with_diagnosis(snap_compare, sandbox: Sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox.load_scenario("public-client-flows-off")
    app = app_on(sandbox, tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=checked(True))
    secret_free(sandbox, "test_failed_with_diagnosis")


def test_ok(snap_compare, sandbox: Sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox.load_scenario("ready")
    app = app_on(sandbox, tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=checked(True))
    secret_free(sandbox, "test_ok")


def test_forbidden_points_at_e2(snap_compare, sandbox: Sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A bare 403 from EWS: a policy block, so the fix is stage E (E2), never "B13 — Test".
    sandbox.load_scenario("ews-app-not-allowed")
    app = app_on(sandbox, tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=checked(True))
    secret_free(sandbox, "test_forbidden_points_at_e2")
