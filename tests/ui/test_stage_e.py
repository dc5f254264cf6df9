"""Stage E at 80x24: reached from the palette and the walk, commands copied with c, ticks, F1,
commands that follow the settings, masked IDs in demo mode, resume."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Button, Checkbox, Static

from tests.ui.conftest import CLIENT_ID, filled_settings
from tests.ui.test_walk import replace_text, type_text
from tui.app import MailSetupApp
from tui.ews_powershell import CLIENT_ID_PLACEHOLDER, HIDDEN_ID, stage_e_commands
from tui.guide import STEPS, step
from tui.resources import stylesheet
from tui.screens.help import HelpScreen
from tui.screens.panes.catalog import SLOTS
from tui.screens.panes.summary import grouped_values
from tui.screens.wizard import WizardScreen
from tui.settings.model import Account, Secret
from tui.settings.store import save_settings
from tui.widgets.sidebar import SUMMARY
from tui.widgets.step_status import StepStatus

SIZE = (80, 24)
NEW_ID = "2c3d4e5f-6071-4b8c-9d0e-1f2a3b4c5d6e"


def wizard(app: MailSetupApp) -> WizardScreen:
    assert isinstance(app.screen, WizardScreen), app.screen
    return app.screen


def shown_commands(app: MailSetupApp) -> str:
    return str(wizard(app).current_pane.query_one("#commands", Static).render())


async def test_palette_to_e2_and_copy_with_c(config_path: Path) -> None:
    save_settings(filled_settings(), config_path)
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Go to step E2")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        screen = wizard(app)
        assert screen.current_pane.id == "pane-e-allow"
        assert app.focused is screen.query_one("#copy-commands", Button)  # the block below it
        expected = stage_e_commands(app.settings).block("E2")
        assert f"'{CLIENT_ID}'" in expected
        assert shown_commands(app) == expected  # on screen exactly as copied
        assert app.clipboard != expected
        await pilot.press("c")
        assert app.clipboard == expected
        assert screen.current_pane.has_class("-copied")  # the OSC 52 note is on screen

        # F1 gives E2's own help from the guide.
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and app.screen.step_id == "E2"
        assert step("E2").help[:40] in str(app.screen.query_one("#help-text", Static).render())
        await pilot.press("escape")
        await pilot.pause()

        # The tick, like every portal step: Shift+Tab to the checkbox, space.
        await pilot.press("shift+tab")
        assert isinstance(app.focused, Checkbox)
        await pilot.press("space")
        assert "E2" in app.settings.done_steps
        assert screen.statuses["E2"] is StepStatus.DONE


async def test_walk_goes_through_stage_e_between_a_and_b(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_goto_step("A19")
        await pilot.pause()
        screen = wizard(app)
        order = ["pane-e-read", "pane-e-allow", "pane-e-mailboxes", "pane-b-open"]
        for pane_id in order:
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert screen.current_pane.id == pane_id
        for pane_id in [*reversed(order[:-1]), "pane-a-public"]:
            await pilot.press("ctrl+b")
            await pilot.pause()
            assert screen.current_pane.id == pane_id
        # Next opens a stage E pane at its top, on the tick.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.focused, Checkbox) and screen.current_pane.scroll_y == 0
        assert screen.sidebar.cursor_node is not None and screen.sidebar.cursor_node.data == "E1"


async def test_commands_follow_the_client_id_and_the_accounts(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_goto_step("E2")
        await pilot.pause()
        assert f"$add = {CLIENT_ID_PLACEHOLDER}" in shown_commands(app)
        assert "A8" in str(wizard(app).current_pane.query_one("#missing", Static).render())

        app.action_goto_step("A8")  # type the ID where the guide asks for it
        await pilot.pause()
        await replace_text(pilot, NEW_ID)
        app.action_goto_step("E2")
        await pilot.pause()
        assert f"$add = '{NEW_ID}'" in shown_commands(app)
        assert wizard(app).current_pane.query_one("#missing").has_class("-empty")

        app.action_goto_step("E3")
        await pilot.pause()
        assert "<mailbox>" in shown_commands(app)
        app.settings.incoming.accounts.append(Account("sales@contoso.com", "", Secret("")))
        app.settings_changed()
        app.action_goto_step("E1")
        await pilot.pause()
        app.action_goto_step("E3")
        await pilot.pause()
        assert "'sales@contoso.com'" in shown_commands(app)
        await pilot.press("c")
        assert "'sales@contoso.com'" in app.clipboard


async def test_projection_hides_the_id_on_screen_but_copies_it(config_path: Path) -> None:
    save_settings(filled_settings(), config_path)
    # Projected (--css demo.tcss): IDs are masked on screen; --demo alone shows them (issue 12).
    app = MailSetupApp(config_path, extra_css=[stylesheet("demo.tcss")])
    async with app.run_test(size=SIZE) as pilot:
        app.action_goto_step("E2")
        await pilot.pause()
        assert HIDDEN_ID in shown_commands(app) and CLIENT_ID not in app.export_screenshot()
        await pilot.press("c")
        assert f"'{CLIENT_ID}'" in app.clipboard


async def test_resume_after_stage_a_lands_on_e1(config_path: Path) -> None:
    settings = filled_settings()
    settings.done_steps = [s.id for s in STEPS if s.stage == "A" and s.kind == "portal"]
    save_settings(settings, config_path)
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert wizard(app).current_pane.id == "pane-e-read"
        # The summary counts stage E's portal steps with the others.
        portal = [s for s in STEPS if s.kind == "portal"]
        assert {"E1", "E2", "E3"} <= {s.id for s in portal}
        console = Console(width=80, record=True, file=io.StringIO())
        console.print(grouped_values(app.settings)[0][1])
        shown = " ".join(console.export_text().split())
        assert f"Portal steps ticked off (A) {len(settings.done_steps)} of 18" in shown
        assert "Portal steps ticked off (E) 0 of 3" in shown


def test_every_guide_step_has_its_pane_in_the_guide_order() -> None:
    """No step falls back to the summary, and the walk follows STEPS (E between A and B)."""
    walked = [s for slot in SLOTS for s in slot.step_ids if s != SUMMARY]
    assert walked == [s.id for s in STEPS]


async def test_every_line_fits_the_block_at_80_columns_also_in_training(config_path: Path) -> None:
    """A line wider than the block wraps on screen, and the wrapped tail of a comment reads as a
    command to anyone who copies the block from the screen (OSC 52 does not always arrive).
    Training (--demo loads demo.tcss: a wider sidebar) leaves the least room."""
    save_settings(filled_settings(), config_path)
    app = MailSetupApp(config_path, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        for step_id in ("E1", "E2", "E3"):
            app.action_goto_step(step_id)
            await pilot.pause()
            block = wizard(app).current_pane.query_one("#commands", Static)
            room = block.content_region.width
            assert room >= 40, room
            for line in stage_e_commands(app.settings).block(step_id).splitlines():
                assert len(line) <= room, (step_id, room, line)
