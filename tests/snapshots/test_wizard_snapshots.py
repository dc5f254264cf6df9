"""Snapshots of the wizard at 80x24: each stage, the error summary, the accounts table, the help.

The form pane and the account dialog are also taken under ``NO_COLOR`` (Textual reads it when the
App is created, so the fixture sets it before): fields, ticks and focus must read in greys too.

Deterministic: the settings file is always called settings.toml (only its name is shown), no
clocks are on screen, and the cursor does not blink. Regenerate with ``--snapshot-update`` only
after looking at the new pictures. No snapshot may contain a test password (checked below).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.conftest import TEST_PASSWORDS, filled_settings
from tui.app import MailSetupApp
from tui.settings.model import Account, Secret
from tui.settings.store import save_settings

SIZE = (80, 24)
SNAPSHOT_DIR = Path(__file__).parent / "__snapshots__"


def steady(pilot: Pilot) -> None:
    """No blinking cursors on any screen."""
    for screen in pilot.app.screen_stack:
        for widget in screen.query(Input):
            widget.cursor_blink = False


def at_step(step_id: str, *keys: str) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        pilot.app.action_goto_step(step_id)  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        steady(pilot)

    return run_before


@pytest.fixture
def fresh(tmp_path: Path) -> MailSetupApp:
    return MailSetupApp(tmp_path / "settings.toml")


def resumed_app(tmp_path: Path) -> MailSetupApp:
    settings = filled_settings()
    # One incomplete row and a missing tenant ID, so the guide's error summary has content.
    settings.incoming.accounts.append(Account("new@contoso.com", "", Secret(""), ["Quote"]))
    settings.azure.tenant_id = ""
    path = tmp_path / "settings.toml"
    save_settings(settings, path)
    return MailSetupApp(path)


@pytest.fixture
def resumed(tmp_path: Path) -> MailSetupApp:
    return resumed_app(tmp_path)


@pytest.fixture
def resumed_no_color(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MailSetupApp:
    monkeypatch.setenv("NO_COLOR", "1")  # before the App exists: Textual reads it in __init__
    app = resumed_app(tmp_path)
    assert app.no_color
    return app


def test_stage_a_ids_with_error(snap_compare, fresh: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await at_step("A8")(pilot)
        await pilot.press(*"1234-abc", "tab")
        await pilot.pause()
        steady(pilot)

    assert snap_compare(fresh, terminal_size=SIZE, run_before=run_before)


def test_stage_a_manifest(snap_compare, fresh: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await at_step("A10")(pilot)
        pilot.app.query_one("#pane-a-manifest").action_copy_manifest()  # type: ignore[attr-defined]
        await pilot.pause()
        pilot.app.clear_notifications()  # the toast times out; the on-screen note stays
        await pilot.pause()

    assert snap_compare(fresh, terminal_size=SIZE, run_before=run_before)


def test_stage_e_allow(snap_compare, resumed: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    """E2 opened as a diagnosis or the palette opens it: the filled-in block right under the
    copy button, after a copy (the OSC 52 note shows)."""

    async def run_before(pilot: Pilot) -> None:
        await at_step("E2")(pilot)
        await pilot.press("c")
        await pilot.pause()
        pilot.app.clear_notifications()  # the toast times out; the on-screen note stays
        await pilot.pause()

    assert snap_compare(resumed, terminal_size=SIZE, run_before=run_before)


def test_stage_b_form(snap_compare, resumed: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(resumed, terminal_size=SIZE, run_before=at_step("B5"))


def test_stage_b_form_no_color(snap_compare, resumed_no_color: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(resumed_no_color, terminal_size=SIZE, run_before=at_step("B5"))


def test_stage_c_server(snap_compare, resumed: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(resumed, terminal_size=SIZE, run_before=at_step("C4"))


def test_accounts_table_and_error_summary(snap_compare, resumed: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(resumed, terminal_size=SIZE, run_before=at_step("C15"))


async def open_account_modal(pilot: Pilot) -> None:
    await at_step("C8")(pilot)
    await pilot.press("enter")
    await pilot.pause()
    pilot.app.screen.focused.post_message(events.Paste("x"))  # type: ignore[union-attr]
    await pilot.pause()
    steady(pilot)


def test_account_modal(snap_compare, resumed: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(resumed, terminal_size=SIZE, run_before=open_account_modal)


def test_account_modal_no_color(snap_compare, resumed_no_color: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(resumed_no_color, terminal_size=SIZE, run_before=open_account_modal)


def test_account_modal_names_for_some(snap_compare, resumed: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    """C13 unticked, names typed, focus back on the box: the names field stays shown."""

    async def run_before(pilot: Pilot) -> None:
        await at_step("C8")(pilot)
        await pilot.press("enter")
        await pilot.pause()
        pilot.app.screen.query_one("#available-to-all").focus()
        await pilot.press("space", "tab", *"Sales", "shift+tab")
        await pilot.pause()
        steady(pilot)

    assert snap_compare(resumed, terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare, fresh: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(fresh, terminal_size=SIZE, run_before=at_step("A17", "f1"))


def test_summary(snap_compare, resumed: MailSetupApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(resumed, terminal_size=SIZE, run_before=at_step("Summary"))


def test_no_snapshot_contains_a_password() -> None:
    """Secrets never reach a picture (runs over whatever snapshots are committed)."""
    svgs = sorted(SNAPSHOT_DIR.rglob("*.svg"))
    if not svgs:
        pytest.skip("no snapshots generated yet")
    for svg in svgs:
        text = svg.read_text()
        for password in TEST_PASSWORDS:
            assert password not in text, f"{svg.name} shows a password"
