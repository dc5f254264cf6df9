"""Resuming from an existing settings file: every value shows where the guide puts it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from tests.ui.conftest import CLIENT_ID, TENANT_ID, TEST_PASSWORDS, filled_settings
from tui.app import MailSetupApp
from tui.screens.panes.base import StepTick
from tui.screens.wizard import WizardScreen
from tui.settings.store import save_settings
from tui.widgets.form import FieldCheckbox, FieldInput, FieldSelect
from tui.widgets.step_status import StepStatus


async def test_resume_shows_every_value(config_path: Path) -> None:
    save_settings(filled_settings(), config_path)
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        assert not app.dirty
        # The first step not yet done: A1–A3 were ticked off, A4 was not.
        assert screen.current_pane.id == "pane-a-register"
        assert screen.sidebar.cursor_node is not None and screen.sidebar.cursor_node.data == "A4"
        ticks = {c.step_id: c.value for c in screen.current_pane.query(StepTick)}
        assert ticks == {
            "A1": True,
            "A2": True,
            "A3": True,
            "A4": False,
            "A5": False,
            "A6": False,
            "A7": False,
        }
        assert screen.statuses["A1"] is StepStatus.DONE and screen.statuses["A4"] is StepStatus.TODO

        def inputs() -> dict[str, str]:
            return {r.path: r.value for r in screen.current_pane.query(FieldInput)}

        app.action_goto_step("A8")
        await pilot.pause()
        assert inputs() == {"azure.client_id": CLIENT_ID, "azure.tenant_id": TENANT_ID}

        app.action_goto_step("B5")
        await pilot.pause()
        values = inputs()
        assert values["outgoing.backup_sender"] == "backup@contoso.com"
        assert values["outgoing.exchange_user"] == "erp@contoso.com"
        assert values["outgoing.exchange_password"] == TEST_PASSWORDS[3]
        assert values["outgoing.server_address"] == "outlook.office365.com"
        assert values["outgoing.port"] == "443"
        assert values["outgoing.max_file_size_mb"] == "10"
        assert values["outgoing.azure.client_id"] == CLIENT_ID
        assert values["outgoing.azure.tenant_id"] == TENANT_ID
        selects = {r.path: r.control.value for r in screen.current_pane.query(FieldSelect)}
        assert selects == {
            "outgoing.email_method": "exchange_online",
            "outgoing.azure.auth_flow": "user_password",
        }
        assert screen.current_pane.query_one(FieldCheckbox).control.value is False
        password_input = screen.query_one("#field-outgoing-exchange-password", FieldInput).control
        assert password_input.password  # masked on screen

        app.action_goto_step("B12")
        await pilot.pause()
        assert inputs() == {
            "outgoing.test.recipient": "admin@contoso.com",
            "outgoing.test.sender": "erp@contoso.com",
            "outgoing.test.user_name": "erp@contoso.com",
            "outgoing.test.password": TEST_PASSWORDS[0],
        }

        app.action_goto_step("C4")
        await pilot.pause()
        values = inputs()
        assert values["incoming.polling_interval"] == "60,00"
        assert values["incoming.server_name"] == "outlook.office365.com"
        assert values["incoming.azure.tenant_id"] == TENANT_ID

        app.action_goto_step("C8")
        await pilot.pause()
        table = screen.query_one("#accounts-table", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        expected = [
            [
                "",
                "orders@contoso.com",
                "orders@contoso.com",
                "••••••••",
                "Customer order, CRM",
                "Available to all",
            ],
            ["", "cases@contoso.com", "cases@contoso.com", "••••••••", "Case", "Support"],
        ]
        # At 80 columns long cells end in an ellipsis; the detail line below has them in full.
        for row, want in zip(rows, expected, strict=True):
            for cell, full in zip(row, want, strict=True):
                assert full.startswith(cell.removesuffix("…")) and (
                    cell == full or cell.endswith("…")
                )
        detail = str(screen.query_one("#account-detail").render())
        full = "orders@contoso.com · orders@contoso.com · Customer order, CRM · Available to all"
        assert detail == f"Row 1: {full}"
        assert "No errors" in str(screen.query_one("#incoming-errors .summary-count").render())
        assert not app.dirty  # looking is not editing
