"""One truth on every screen (issue 12): the sidebar, the summary and the check screen show the
same statuses; a failed check's blame lasts until a passing retest clears it; checks never mark
the settings unsaved; F1 lists the keys of the screen it is pressed on; "Settings incomplete"
lists one problem per line; Save in training mode says where the file goes and can go elsewhere.
One sandbox for the module; scenarios are switched, never restarted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.sandbox_runs import app_on, running_sandbox
from tests.ui.test_checks_scenarios import run_until_done, screen_text
from tui.app import MailSetupApp
from tui.checks.events import Diagnosis
from tui.sandbox.sandbox import Sandbox
from tui.screens.checks import CheckScreen
from tui.screens.demo_save import DemoSaveScreen
from tui.screens.help import CHECK_KEYS, HelpScreen
from tui.screens.wizard import WizardScreen
from tui.settings.check_state import state_path
from tui.settings.store import load_settings, save_settings
from tui.widgets.diagnosis import DiagnosisPanel, problem_lines
from tui.widgets.error_summary import ErrorSummary
from tui.widgets.step_status import StepStatus

SIZE = (80, 24)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("ready") as sb:
        yield sb


def sidebar_marker(app: MailSetupApp, step_id: str) -> str:
    wizard = next(s for s in app.screen_stack if isinstance(s, WizardScreen))
    nodes = {**wizard.sidebar.step_nodes, **wizard.sidebar.stage_nodes}
    return nodes[step_id].label.plain.split()[0]


def summary_problems(app: MailSetupApp) -> str:
    summary = app.screen.query_one("#all-errors", ErrorSummary)
    count = str(summary.query_one(".summary-count", Static).render())
    return count + "\n" + "\n".join(line for _, line in summary.failures)


async def test_filled_in_fields_are_done_in_the_sidebar(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert sidebar_marker(app, "B12") == "○"
        app.action_goto_step("B12")
        await pilot.pause()
        for path, value in (
            ("recipient", "admin@contoso.com"),
            ("sender", "erp@contoso.com"),
            ("user-name", "erp@contoso.com"),
            ("password", "pw"),
        ):
            field = app.screen.query_one(f"#field-outgoing-test-{path} Input", Input)
            field.focus()
            await pilot.press(*value)
        await pilot.pause()
        # Still on the page (never left it): filled in is done, here and in the sidebar.
        assert app.statuses()["B12"] is StepStatus.DONE
        assert sidebar_marker(app, "B12") == "●"
        # The method's valid default counts once the admin has moved on from the page.
        assert sidebar_marker(app, "B11") == "○"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert sidebar_marker(app, "B11") == "●"


async def test_failed_check_blames_a_step_until_a_passing_retest(
    sandbox: Sandbox, tmp_path: Path, no_waiting: None
) -> None:
    sandbox.load_scenario("public-client-flows-off")
    app = app_on(sandbox, tmp_path)
    app.settings.done_steps.append("A17")  # ticked off, yet the test says otherwise
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.dirty
        app.action_run_checks("outgoing")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await run_until_done(pilot, screen)
        assert screen.details_for_test()["step"] == "A17"
        assert "A17 ✗" in str(screen.query_one("#guide-marks", Static).render())
        assert not app.dirty  # a check is not an edit
        assert app.statuses()["A17"] is StepStatus.PROBLEM
        assert sidebar_marker(app, "A17") == "✗" and sidebar_marker(app, "B13") == "✗"
        assert sidebar_marker(app, "A") == "✗"
        # The outcome is kept beside the settings, not in them.
        state = json.loads(state_path(app.store.path).read_text())
        assert state["targets"]["outgoing"]["ok"] is False

        # The pane says it under the ticked step.
        await pilot.press("escape")
        app.action_goto_step("A17")
        await pilot.pause(0.2)
        item = app.screen.query_one("#step-a17")  # the box, straight in the pane (no container)
        note = str(app.screen.query_one("#blame-a17", Static).render())
        assert item.has_class("-blamed") and "last check failed here" in note

        # The summary says what the sidebar says.
        app.action_goto_step("Summary")
        await pilot.pause()
        problems = summary_problems(app)
        assert "1 failed check" in problems and "No problems found" not in problems

        # Fixed in the tenant: the retest passes, the old diagnosis and the ✗ go.
        sandbox.load_scenario("ready")
        app.action_run_checks("outgoing")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await run_until_done(pilot, screen)
        assert screen.details_for_test()["verdict"].startswith("OK!")
        assert not screen.query_one(DiagnosisPanel).display
        assert "Fix at" not in screen_text(app)
        marks = str(screen.query_one("#guide-marks", Static).render())
        assert "B13 ✓" in marks and "A17 ●" in marks  # the old blame, cleared
        assert app.statuses()["A17"] is StepStatus.DONE
        assert sidebar_marker(app, "A17") == "●" and sidebar_marker(app, "B13") == "✓"
        assert not app.dirty and "unsaved" not in app.status_line()
        await pilot.press("escape")
        await pilot.pause()
        assert "No problems found" in summary_problems(app)
        app.action_goto_step("A17")
        await pilot.pause(0.2)
        assert not app.screen.query_one("#step-a17").has_class("-blamed")


async def test_validating_accounts_keeps_c_done_and_the_file_saved(
    sandbox: Sandbox, tmp_path: Path, no_waiting: None
) -> None:
    sandbox.load_scenario("ready")
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.statuses()["C15"] is StepStatus.DONE  # the file holds the accounts
        app.action_run_checks("incoming")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await run_until_done(pilot, screen)
        assert not app.dirty
        statuses = app.statuses()
        assert statuses["C14"] is StepStatus.CHECKED_OK and statuses["C15"] is StepStatus.DONE
        assert all(a.last_validated for a in app.settings.incoming.accounts)
    # The next start reads the outcomes back: C14 stays checked although nothing was saved.
    again = MailSetupApp(app.store.path)
    assert again.statuses()["C14"] is StepStatus.CHECKED_OK


async def test_settings_incomplete_lists_one_problem_per_line(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox.settings()
    settings.outgoing.test.recipient = ""
    settings.outgoing.test.sender = ""
    settings.outgoing.test.user_name = ""
    app = MailSetupApp(save_settings(settings, tmp_path / "settings.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_run_checks("outgoing")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await run_until_done(pilot, screen)
        cause = str(screen.query_one("#diagnosis-cause", Static).render())
        lines = cause.splitlines()
        assert lines[0] == f"{len(lines) - 1} errors:"
        assert len(lines) - 1 == 3  # recipient, sender, user name: each once
        assert all(line.startswith("  B12 ") for line in lines[1:])
        assert not any("Recipient: Recipient" in line for line in lines)
        keys = str(screen.query_one("#diagnosis-keys", Static).render())
        assert "Microsoft's error" not in keys  # there is none: the check never reached it
        assert screen.check_action("toggle_raw", ()) is False


def test_problem_lines_name_each_field_once() -> None:
    diagnosis = Diagnosis(
        "SETTINGS_INVALID",
        "7 errors: …",
        "B12",
        "Fill in the fields listed.",
        raw={
            "problems": [
                {"field": "outgoing.test.password", "message": "Password (Exchange) is missing"},
                {"field": "outgoing.test.password", "message": "Password (Exchange) is empty"},
                {"field": "azure.client_id", "message": "Application (client) ID is missing"},
            ]
        },
    )
    assert problem_lines(diagnosis) == [
        "B12  Password (Exchange) is missing",
        "A8   Application (client) ID is missing",
    ]


async def test_f1_lists_the_check_screens_keys(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("ready")
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_run_checks("outgoing")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await run_until_done(pilot, screen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for key in "grytfns":
            assert f"\n  {key}   " in text, key
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen is screen


def test_check_keys_cover_every_binding() -> None:
    for binding in CheckScreen.BINDINGS:
        for key in binding.key.split(","):  # type: ignore[union-attr]
            shown = {"escape": "Esc", "enter": "Enter"}.get(key, key)
            assert shown in CHECK_KEYS, key


async def test_f1_in_the_account_dialog_and_keep_is_not_ctrl_s(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_goto_step("C8")
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        assert "Keys in the accounts table" in text and "R       validate again" in text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        dialog = app.screen
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Ctrl+O            keep" in str(app.screen.query_one("#help-text", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("ctrl+s")  # a hint, not Keep: the dialog stays open
        await pilot.pause()
        assert app.screen is dialog and not config_path.exists()


async def test_demo_save_says_where_and_saves_elsewhere(tmp_path: Path) -> None:
    temporary = tmp_path / "mailsetup-demo-x" / "settings.toml"
    temporary.parent.mkdir()
    app = MailSetupApp(temporary, demo=True, temporary=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.settings.outgoing.backup_sender = "backup@contoso.com"
        app.settings_changed()
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DemoSaveScreen)
        said = str(dialog.query_one("#demo-save-text", Static).render())
        assert str(temporary) in said and "removed when the wizard exits" in said
        await pilot.press("tab", "enter")  # Save elsewhere…
        await pilot.pause()
        field = dialog.query_one("#elsewhere-path", Input)
        assert app.focused is field
        field.value = ""
        await pilot.press(*str(tmp_path / "no-such-folder" / "s.toml"), "enter")
        await pilot.pause()
        assert "does not exist" in str(dialog.query_one("#elsewhere-error", Static).render())
        keep = tmp_path / "kept.toml"
        field.value = ""
        await pilot.press(*str(keep), "enter")
        await pilot.pause()
        assert not isinstance(app.screen, DemoSaveScreen)
        assert load_settings(keep).outgoing.backup_sender == "backup@contoso.com"
        assert app.store.path == keep and not app.dirty and not temporary.exists()
        # From now on Ctrl+S saves there directly.
        app.settings.outgoing.backup_sender = "other@contoso.com"
        app.settings_changed()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert load_settings(keep).outgoing.backup_sender == "other@contoso.com"


async def test_demo_save_here_says_the_folder_goes(tmp_path: Path) -> None:
    temporary = tmp_path / "settings.toml"
    app = MailSetupApp(temporary, demo=True, temporary=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DemoSaveScreen)
        await pilot.press("enter")  # Save here (the default)
        await pilot.pause()
        assert temporary.exists()
        assert "removed when the wizard exits" in app.save_note
