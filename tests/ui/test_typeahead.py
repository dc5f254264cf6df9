"""Keys typed ahead arrive in one burst (a lagging SSH link delivers a line's worth at once): each
still lands in the field it was typed for. Before, Tab reached the focused field first and came
back to the screen later, so "user<Tab>password" put the password, readable, into the user name.

The burst is posted to the app the way the terminal driver posts keys, all before any is handled
(Pilot's ``press`` waits after each key and would hide the race).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from tui.app import MailSetupApp
from tui.screens.account import AccountScreen

SIZE = (80, 24)


def burst(app: MailSetupApp, *parts: str) -> None:
    """Post every key of ``parts`` at once; "\t" is Tab, "\r" Enter."""
    for part in parts:
        for char in part:
            if char == "\t":
                app.post_message(events.Key("tab", None))
            elif char == "\r":
                app.post_message(events.Key("enter", "\r"))
            else:
                app.post_message(events.Key(_character_to_key(char), char))


async def focus_backup_sender(app: MailSetupApp, pilot) -> Input:  # type: ignore[no-untyped-def]
    """B4's page open, field 10 (the first text field) focused."""
    await pilot.pause()
    app.action_goto_step("B4")
    await pilot.pause()
    first = app.screen.query_one("#field-outgoing-backup-sender Input", Input)
    first.focus()
    await pilot.pause()
    return first


@pytest.mark.parametrize("between", ["\t", "\r"], ids=["tab", "enter"])
async def test_a_typed_ahead_line_fills_each_field_in_turn(config_path: Path, between: str) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await focus_backup_sender(app, pilot)
        burst(app, f"backup@contoso.com{between}", f"erp@contoso.com{between}", "Pass-1!word")
        await pilot.pause(0.3)
        outgoing = app.settings.outgoing
        assert outgoing.backup_sender == "backup@contoso.com"
        assert outgoing.exchange_user == "erp@contoso.com"
        assert outgoing.exchange_password.value == "Pass-1!word"


async def open_account_dialog(app: MailSetupApp, pilot) -> AccountScreen:  # type: ignore[no-untyped-def]
    """C8's "+" pressed: a new account dialog with its e-mail field focused."""
    await pilot.pause()
    app.action_goto_step("C8")
    await pilot.pause()
    await pilot.press("plus")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, AccountScreen)
    dialog.query_one("#account-email Input", Input).focus()
    await pilot.pause()
    return dialog


@pytest.mark.parametrize("between", ["\t", "\r"], ids=["tab", "enter"])
async def test_the_account_dialog_keeps_the_password_out_of_the_user_name(
    config_path: Path, between: str
) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_account_dialog(app, pilot)
        burst(app, f"sales@contoso.com{between}", f"sales@contoso.com{between}", "Sales-Pass-2")
        await pilot.pause(0.3)
        assert "Sales-Pass-2" not in dialog.query_one("#account-user-name Input", Input).value
        assert dialog.query_one("#account-password Input", Input).value == "Sales-Pass-2"


async def test_editing_keys_typed_ahead_apply_where_they_were_typed(config_path: Path) -> None:
    """An Input's own Backspace and arrows are bindings, which Textual looked at only after the
    key came back up to the app: typed ahead, they applied after the letters that followed."""
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        first = await focus_backup_sender(app, pilot)
        for key, char in [
            *[(_character_to_key(c), c) for c in "abc"],
            ("backspace", None), ("d", "d"), ("left", None), ("x", "x"), ("end", None),
            *[(_character_to_key(c), c) for c in "@contoso.com"],
        ]:
            app.post_message(events.Key(key, char))
        await pilot.pause(0.3)
        assert first.value == "abxd@contoso.com"
        assert app.settings.outgoing.backup_sender == "abxd@contoso.com"


async def test_keys_after_one_that_closes_a_dialog_go_to_what_is_under_it(
    config_path: Path,
) -> None:
    """Escape (the dialog's binding) closes it before the keys typed after it are handed on:
    "+" then reaches the accounts table again and opens a fresh dialog."""
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        first = await open_account_dialog(app, pilot)
        app.post_message(events.Key("x", "x"))
        app.post_message(events.Key("escape", None))
        app.post_message(events.Key("plus", "+"))
        await pilot.pause(0.3)
        second = app.screen
        assert isinstance(second, AccountScreen) and second is not first
        assert second.query_one("#account-email Input", Input).value == ""
        assert app.settings.incoming.accounts == []  # the cancelled row was not kept
