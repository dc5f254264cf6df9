"""Wizard behaviour around the walk: quitting with changes, unreadable files, files changed on
disk, markup in user text, the check hook, demo masking, help, and the stylesheet helper."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import DataTable, Input, Static

from tests.ui.conftest import CLIENT_ID, TEST_PASSWORDS, filled_settings
from tui.app import MailSetupApp
from tui.resources import css_paths, styles_dir
from tui.screens.dialogs import ChoiceScreen
from tui.screens.help import HelpScreen
from tui.screens.wizard import WizardScreen
from tui.settings.model import Account, Secret
from tui.settings.store import load_settings, save_settings


async def test_quit_with_changes_asks(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("space")  # tick A1: an unsaved change
        assert app.dirty
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")  # cancel: still running, nothing lost
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("enter")  # the default answer: save and quit
        await pilot.pause()
    assert load_settings(config_path).done_steps == ["A1"]


async def test_quit_without_changes_does_not_ask(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert not config_path.exists()


async def test_unreadable_file_is_never_overwritten(config_path: Path) -> None:
    broken = '[azure]\nclient_id = "abc\n'
    config_path.write_text(broken)
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceScreen)
        assert "line 2" in dialog.question and "column" in dialog.question
        await pilot.press("tab", "enter")  # "Continue from defaults"
        await pilot.pause()
        await pilot.press("space", "ctrl+s")
        await pilot.pause()
    assert config_path.read_text() == broken
    fallback = config_path.with_name("settings.new.toml")
    assert load_settings(fallback).done_steps == ["A1"]


async def test_changed_on_disk_asks_before_overwriting(config_path: Path) -> None:
    save_settings(filled_settings(), config_path)
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        other = filled_settings()
        other.outgoing.backup_sender = "someone-else@contoso.com"
        save_settings(other, config_path)
        await pilot.press("space", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # the default: Cancel
        await pilot.pause()
        assert load_settings(config_path).outgoing.backup_sender == "someone-else@contoso.com"
        assert app.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("tab", "enter")  # Overwrite
        await pilot.pause()
        assert not app.dirty
    assert load_settings(config_path).outgoing.backup_sender == "backup@contoso.com"


async def test_markup_in_user_text_is_shown_literally(config_path: Path) -> None:
    settings = filled_settings()
    settings.incoming.accounts.append(
        Account("[b]x@contoso.com", "a[/b]", Secret(""), ["[red]"], ["[link=x]grp"])
    )
    settings.outgoing.test.recipient = "[/]"
    save_settings(settings, config_path)
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for step_id in ("C8", "B12", "Summary"):
            app.action_goto_step(step_id)
            await pilot.pause()
        app.action_goto_step("C8")
        await pilot.pause()
        table = app.screen.query_one("#accounts-table", DataTable)
        assert [str(c) for c in table.get_row_at(2)][2] == "a[/b]"
        await pilot.press("down", "down")
        detail = str(app.screen.query_one("#account-detail").render())
        assert "[b]x@contoso.com · a[/b] · [red] · [link=x]grp" in detail
        await pilot.press("enter")  # the edit modal with the same text
        await pilot.pause()
        assert app.screen.query_one("#account-user-name Input", Input).value == "a[/b]"


async def test_test_button_and_row_validate_hand_over_to_the_checks(config_path: Path) -> None:
    """B13 and C14 call the one hook the live check screen hangs on (recorded here: the real
    checks would reach outlook.office365.com, and the check screen has its own tests)."""
    save_settings(filled_settings(), config_path)
    app = MailSetupApp(config_path)
    targets: list[str] = []
    app.action_run_checks = targets.append  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_goto_step("B13")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#test-outgoing")
        await pilot.press("enter")
        app.action_goto_step("C8")
        await pilot.pause()
        await pilot.press("down", "v")
        await pilot.pause()
    assert targets == ["outgoing", "incoming:cases@contoso.com"]


async def test_help_follows_the_focused_step(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_goto_step("A17")
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and app.screen.step_id == "A17"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)


def summary_values(app: MailSetupApp) -> str:
    """The summary's values as plain text, all of it (the screen shows only the top)."""
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(app.screen.query_one("#values", Static).content)
    return console.export_text()


async def test_demo_shows_ids_and_never_shows_secrets(config_path: Path) -> None:
    """A trainee in --demo sees the IDs (not secrets: a typo must be findable)."""
    save_settings(filled_settings(), config_path)
    app = MailSetupApp(config_path, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_goto_step("Summary")
        await pilot.pause()
        shown = summary_values(app)
        assert CLIENT_ID in shown and "masked" not in shown
        for password in TEST_PASSWORDS + tuple(app.settings.secrets()):
            assert password not in shown
        shown = app.export_screenshot()
        for password in TEST_PASSWORDS:
            assert password not in shown
        app.action_goto_step("A8")
        await pilot.pause()
        ids = app.screen.query_one("#field-azure-client-id Input", Input)
        await pilot.press("tab")
        assert not ids.password and CLIENT_ID in app.export_screenshot()


async def test_projection_sheet_masks_ids_until_focused(config_path: Path) -> None:
    save_settings(filled_settings(), config_path)
    app = MailSetupApp(config_path, demo=True, extra_css=[Path("demo.tcss")])
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_goto_step("Summary")
        await pilot.pause()
        shown = summary_values(app)
        assert CLIENT_ID not in shown and "(masked for projection)" in shown
        app.action_goto_step("A8")
        await pilot.pause()
        ids = app.screen.query_one("#field-azure-client-id Input", Input)
        assert not ids.password  # focused: readable while typing
        await pilot.press("tab")
        assert ids.password  # left: masked for the projector


def test_stylesheets_resolve_from_the_checkout() -> None:
    paths = css_paths(demo=True, extra=[Path("demo.tcss")])
    assert paths[0] == styles_dir() / "app.tcss"
    assert paths[-1].name == "demo.tcss" and paths.count(paths[-1]) == 1
    assert all(p.is_file() for p in paths)


async def test_client_secret_only_for_the_client_secret_flow(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_goto_step("B8")
        await pilot.pause()
        secret = app.screen.query_one("#field-outgoing-azure-client-secret")
        assert secret.disabled
        await pilot.press("enter", "down", "enter")  # open the choice, pick "Client secret"
        await pilot.pause()
        assert app.settings.azure.auth_flow.value == "client_secret"
        assert not secret.disabled
        await pilot.press("tab")
        assert app.focused is secret.query_one(Input)


async def test_account_available_to_named_users(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_goto_step("C8")
        await pilot.pause()
        await pilot.press("plus")
        await pilot.pause()
        await pilot.press(*"a@b.se", "tab", "u", "tab", "p", "tab", "space", "tab")
        await pilot.press("space")  # untick "Available to all": the names field opens
        await pilot.pause()
        await pilot.press("tab", *"Sales, ops", "ctrl+o")  # focus stays on the box; Tab on
        await pilot.pause()
        account = app.settings.incoming.accounts[0]
        assert (account.email, account.types, account.available_to) == (
            "a@b.se",
            ["Monitor-to-Monitor"],
            ["Sales", "ops"],
        )


def test_stylesheets_resolve_from_a_wheel_layout(tmp_path: Path) -> None:
    """In a wheel, styles/ is the package-data folder tui/styles (no __init__.py)."""
    import shutil
    import subprocess
    import sys

    import tui
    import tui.resources

    site = tmp_path / "site"
    (site / "tui" / "styles").mkdir(parents=True)
    shutil.copy(Path(tui.__file__), site / "tui" / "__init__.py")
    shutil.copy(Path(tui.resources.__file__), site / "tui" / "resources.py")
    for sheet in styles_dir().glob("*.tcss"):
        shutil.copy(sheet, site / "tui" / "styles" / sheet.name)
    code = "import tui.resources as r; print(r.css_paths(demo=True)[-1])"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == str(site / "tui" / "styles" / "demo.tcss")


async def test_goto_step_works_from_a_modal(config_path: Path) -> None:
    """Diagnoses call app.action_goto_step from their own screen: it closes what is above."""
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        app.action_goto_step("C6")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        assert app.screen.current_pane.id == "pane-c-server"
        assert app.focused is app.screen.query_one("#field-incoming-azure-tenant-id Input")
