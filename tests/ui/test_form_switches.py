"""Switches in forms: Tab follows what is visible, and nothing typed is lost by a switch.

The account dialog's C13 "Available to all" opens the users/groups field when unticked; the
B8/C7 authentication flow enables the client secret. Driven with the keyboard at 80x24.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Checkbox, Input

from tui.app import MailSetupApp
from tui.screens.account import AccountScreen


async def open_new_account(pilot) -> AccountScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    pilot.app.action_goto_step("C8")
    await pilot.pause()
    await pilot.press("plus")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AccountScreen)
    await pilot.press(*"a@b.se", "tab", "u", "tab", "p", "tab", "space", "tab")
    await pilot.pause()
    assert pilot.app.focused is screen.query_one("#available-to-all", Checkbox)
    return screen


async def test_untick_available_to_all_then_tab_reaches_the_names(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_new_account(pilot)
        names = screen.query_one("#available-to", Input)
        await pilot.press("space")  # untick: the names field applies; focus stays on the box
        await pilot.pause()
        assert app.focused is screen.query_one("#available-to-all", Checkbox)
        await pilot.press("tab")
        assert app.focused is names
        await pilot.press(*"Sales", "tab")
        assert app.focused is screen.query_one("#keep", Button)
        await pilot.press("enter")
        await pilot.pause()
        account = app.settings.incoming.accounts[0]
        assert (account.email, account.available_to) == ("a@b.se", ["Sales"])


async def test_toggling_available_to_all_keeps_the_names(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_new_account(pilot)
        names = screen.query_one("#available-to", Input)
        await pilot.press("space", "tab", *"Sales", "shift+tab")
        await pilot.pause()
        await pilot.press("space")  # tick again: to everyone, the names wait aside
        await pilot.pause()
        assert screen.values().available_to == []
        await pilot.press("tab")
        assert app.focused is not names  # a field that does not apply is not on the Tab path
        await pilot.press("shift+tab", "space")  # untick again: the names come back
        await pilot.pause()
        assert names.value == "Sales"
        assert screen.values().available_to == ["Sales"]
        await pilot.press("ctrl+o")  # Keep (Ctrl+S is Save elsewhere)
        await pilot.pause()
        assert app.settings.incoming.accounts[0].available_to == ["Sales"]


async def test_flow_switch_shows_the_secret_and_keeps_it(config_path: Path) -> None:
    """C7: the client secret is on screen and on the Tab path only under its own flow."""
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_goto_step("C7")
        await pilot.pause()
        secret = app.screen.query_one("#field-incoming-azure-client-secret")
        flow = app.screen.query_one("#field-incoming-azure-auth-flow Select")
        assert app.focused is flow
        assert not secret.display
        await pilot.press("enter", "down", "enter")  # pick "Client secret"
        await pilot.pause()
        assert secret.display and app.focused is flow
        await pilot.press("tab", *"s3cr", "shift+tab", "enter", "up", "enter")
        await pilot.pause()
        assert not secret.display and app.focused is flow
        await pilot.press("tab")
        assert app.focused is not secret.query_one(Input)
        await pilot.press("shift+tab", "enter", "down", "enter")
        await pilot.pause()
        assert secret.query_one(Input).value == "s3cr"
