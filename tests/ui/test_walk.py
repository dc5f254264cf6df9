"""The whole guide walked keyboard-only at 80x24, saved, and resumed from the file.

Enter the A8 values, copy the manifest, fill B, fill C, add/edit/delete accounts, fix the listed
errors via "go to", save; then a second app resumes from that file and sees every value.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import DataTable, OptionList, SelectionList

from tests.ui.conftest import CLIENT_ID, TENANT_ID, TEST_PASSWORDS
from tui.app import MailSetupApp
from tui.guide import manifest_json
from tui.screens.account import AccountScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.wizard import WizardScreen
from tui.settings.model import AuthFlow
from tui.settings.store import load_settings
from tui.widgets.form import FieldInput, FieldRow
from tui.widgets.step_status import StepStatus

SIZE = (80, 24)


def wizard(app: MailSetupApp) -> WizardScreen:
    screen = app.screen
    assert isinstance(screen, WizardScreen), screen
    return screen


def focused_path(app: MailSetupApp) -> str:
    """The settings field of the focused input."""
    node = app.focused
    while node is not None and not isinstance(node, FieldRow):
        node = node.parent
    assert node is not None, f"focus is on {app.focused!r}, not in a field"
    return node.path


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Short values are typed key by key; long ones are pasted, as an admin pastes a GUID
    copied from the portal (a terminal paste reaches the app as one Paste event)."""
    if len(text) <= 6:
        await pilot.press(*[c if c != " " else "space" for c in text])
    else:
        pilot.app.focused.post_message(events.Paste(text))
        await pilot.pause()


async def replace_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Clear the focused input and type ``text``."""
    await pilot.press("end", "ctrl+u")
    await type_text(pilot, text)


async def add_account(pilot, email: str, user: str, password: str, tick_types: int = 1) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("f5")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AccountScreen)
    await type_text(pilot, email)
    await pilot.press("tab")
    await type_text(pilot, user)
    await pilot.press("tab")
    await type_text(pilot, password)
    await pilot.press("tab")
    assert isinstance(pilot.app.focused, SelectionList)
    for _ in range(tick_types):
        await pilot.press("space", "down")
    await pilot.press("ctrl+o")
    await pilot.pause()


async def test_walk_the_guide_keyboard_only(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = wizard(app)
        assert screen.current_pane.id == "pane-a-register"  # a new file starts at A1

        # A1: tick it off with the keyboard.
        await pilot.press("space")
        assert app.settings.done_steps == ["A1"]

        # A8: client ID; the tenant ID is left empty for now (fixed later via "go to").
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.current_pane.id == "pane-a-ids"
        assert focused_path(app) == "azure.client_id"
        await type_text(pilot, "not-a-guid")
        row = screen.query_one("#field-azure-client-id", FieldInput)
        assert row.has_class("-has-error")  # validated in place while typing
        await replace_text(pilot, CLIENT_ID)
        assert not row.has_class("-has-error")
        assert app.settings.azure.client_id == CLIENT_ID
        await pilot.press("enter", "enter")  # Enter goes on: next field, then the next pane
        await pilot.pause()

        # A9–A11: copy the manifest with one key.
        assert screen.current_pane.id == "pane-a-manifest"
        await pilot.press("c")
        assert app.clipboard == manifest_json()
        assert screen.current_pane.has_class("-copied")

        # F1 help for the current step, Esc closes it.
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

        # B: go straight to B4 via the command palette... keyboard-only, of course.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Go to step B4")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current_pane.id == "pane-b-system"
        assert focused_path(app) == "outgoing.email_method"

        await pilot.press("ctrl+b")  # Back to B1–B3, then forward again with Next.
        await pilot.pause()
        assert screen.current_pane.id == "pane-b-open"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.current_pane.id == "pane-b-system"
        # Next opens a pane at its top: field 10, and the form is filled top-down.
        assert focused_path(app) == "outgoing.backup_sender"
        await type_text(pilot, "backup@contoso.com")
        await pilot.press("tab")
        await type_text(pilot, "erp@contoso.com")
        await pilot.press("tab")
        await type_text(pilot, TEST_PASSWORDS[3])
        await pilot.press("tab", "tab")  # past field 13 (kept: Exchange Online)
        assert focused_path(app) == "outgoing.server_address"
        assert app.focused.value == "outlook.office365.com"  # type: ignore[union-attr]
        await pilot.press("tab")
        assert focused_path(app) == "outgoing.port"
        await replace_text(pilot, "443")
        assert app.settings.outgoing.port == 443
        await pilot.press("tab", "tab", "tab")  # 16, 17 empty; 18 Use SSL
        await pilot.press("space")
        assert app.settings.outgoing.use_ssl is True
        await pilot.press("tab", "tab")
        # 20 is prefilled from A8.
        assert focused_path(app) == "outgoing.azure.client_id"
        assert app.focused.value == CLIENT_ID  # type: ignore[union-attr]
        secret_row = screen.query_one("#field-outgoing-azure-client-secret", FieldInput)
        assert secret_row.disabled  # only for the Client secret flow

        # B10–B13: the check form.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.current_pane.id == "pane-b-check"
        await pilot.press("tab", "tab")  # B10 checkbox -> B11 method -> recipient
        assert focused_path(app) == "outgoing.test.recipient"
        await type_text(pilot, "admin@contoso.com")
        await pilot.press("enter")
        await type_text(pilot, "erp@contoso.com")
        await pilot.press("enter")
        await type_text(pilot, "erp@contoso.com")
        await pilot.press("enter")
        await type_text(pilot, TEST_PASSWORDS[0])
        assert app.settings.outgoing.test.password.value == TEST_PASSWORDS[0]

        # C1–C7.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.current_pane.id == "pane-c-server"
        await pilot.press("tab", "tab", "tab", "tab")  # C1, service, server name, port
        assert focused_path(app) == "incoming.polling_interval"
        await replace_text(pilot, "30,5")  # the guide's decimal comma
        assert app.settings.incoming.polling_interval == 30.5
        await pilot.press("tab")
        assert app.focused.value == CLIENT_ID  # type: ignore[union-attr]

        # C8–C15: accounts.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.current_pane.id == "pane-c-accounts"
        await add_account(pilot, "orders@contoso.com", "orders", TEST_PASSWORDS[1])
        await add_account(pilot, "cases@contoso.com", "cases@contoso.com", "", tick_types=2)
        await add_account(pilot, "old@contoso.com", "old@contoso.com", TEST_PASSWORDS[2])
        accounts = app.settings.incoming.accounts
        assert [a.email for a in accounts] == [
            "orders@contoso.com",
            "cases@contoso.com",
            "old@contoso.com",
        ]
        assert accounts[0].types == ["Monitor-to-Monitor"]
        assert accounts[1].types == ["Monitor-to-Monitor", "CRM"]
        table = screen.query_one("#accounts-table", DataTable)
        assert table.row_count == 3

        # Delete the third one, with confirmation.
        assert app.focused is table and table.cursor_row == 2
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # the focused first button: Delete
        await pilot.pause()
        assert [a.email for a in accounts] == ["orders@contoso.com", "cases@contoso.com"]

        # Edit row 1: Enter opens it; change the user name.
        await pilot.press("up", "up", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("tab")
        await replace_text(pilot, "orders@contoso.com")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert accounts[0].user_name == "orders@contoso.com"

        # The error summary, as the guide shows it; fix each line via "go to".
        errors = screen.query_one("#incoming-errors")
        lines = [str(o.prompt) for o in errors.query_one(OptionList).options]
        assert "2 errors" in str(errors.query_one(".summary-count").render())
        assert any("Directory (tenant) ID is missing" in line for line in lines)
        assert any(line.startswith("Row 2") and "Incorrect value" in line for line in lines)

        await pilot.press("tab", "tab", "tab", "tab", "tab")  # buttons, then the summary list
        assert isinstance(app.focused, OptionList)
        tenant_line = next(i for i, line in enumerate(lines) if "tenant" in line)
        app.focused.highlighted = tenant_line
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current_pane.id == "pane-c-server"
        assert focused_path(app) == "incoming.azure.tenant_id"
        assert screen.query_one("#field-incoming-azure-tenant-id", FieldInput).has_class(
            "-has-error"
        )
        await type_text(pilot, TENANT_ID)
        assert app.settings.azure.tenant_id == TENANT_ID  # shared with stage A (no override)
        assert app.settings.incoming.azure.tenant_id is None

        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("tab", "tab", "tab", "tab", "tab")
        assert isinstance(app.focused, OptionList)
        assert [str(o.prompt) for o in app.focused.options] == [
            lines[i] for i in range(len(lines)) if i != tenant_line
        ]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.focused is app.screen.query_one(
            "#account-password FieldInput Input, #account-password Input"
        )
        await type_text(pilot, TEST_PASSWORDS[2])
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert "No errors" in str(screen.query_one("#incoming-errors .summary-count").render())

        # Summary, save.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.current_pane.id == "pane-summary"
        assert app.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.dirty
        assert screen.statuses["A8"] is StepStatus.DONE

    saved = load_settings(config_path)
    assert saved.azure.client_id == CLIENT_ID
    assert saved.azure.tenant_id == TENANT_ID
    assert saved.azure.auth_flow is AuthFlow.USER_PASSWORD
    assert saved.outgoing.backup_sender == "backup@contoso.com"
    assert saved.outgoing.exchange_user == "erp@contoso.com"
    assert saved.outgoing.exchange_password.value == TEST_PASSWORDS[3]
    assert saved.outgoing.port == 443
    assert saved.outgoing.use_ssl is True
    assert saved.outgoing.azure.is_empty  # B shares stage A's values
    assert (saved.outgoing.test.recipient, saved.outgoing.test.sender) == (
        "admin@contoso.com",
        "erp@contoso.com",
    )
    assert saved.outgoing.test.user_name == "erp@contoso.com"
    assert saved.outgoing.test.password.value == TEST_PASSWORDS[0]
    assert saved.incoming.polling_interval == 30.5
    assert [(a.email, a.user_name, a.password.value, a.types) for a in saved.incoming.accounts] == [
        ("orders@contoso.com", "orders@contoso.com", TEST_PASSWORDS[1], ["Monitor-to-Monitor"]),
        (
            "cases@contoso.com",
            "cases@contoso.com",
            TEST_PASSWORDS[2],
            ["Monitor-to-Monitor", "CRM"],
        ),
    ]
    assert saved.done_steps == ["A1"]
