"""Stage B, outgoing e-mail: System overall fields 10–23 as one form, then the check dialog."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from tui.guide import step
from tui.screens.panes.base import StepPane
from tui.screens.panes.stage_a import ChecklistPane
from tui.settings.model import AUTH_FLOWS, EMAIL_METHODS, AuthFlow
from tui.settings.validation import (
    check_client_id,
    check_client_secret,
    check_email,
    check_host,
    check_port,
    check_tenant_id,
)
from tui.widgets.field_access import get_text
from tui.widgets.form import FieldInput, FieldSelect, set_applies
from tui.widgets.step_status import StepStatus

FLOW_CHOICES = {flow.value: label for flow, label in AUTH_FLOWS.items()}
SHARED_NOTE = (
    "Fields 20–22 start from stage A (A8) and are shared with incoming e-mail: "
    "one app registration serves both."
)


def check_optional_email(text: str) -> str | None:
    return check_email(text, required=False)


def check_size(text: str) -> str | None:
    try:
        value = int(text.strip())
    except ValueError:
        return "Maximum size must be a whole number of MB"
    return None if value >= 0 else "Maximum size cannot be negative"


class OutgoingPane(StepPane):
    """B4–B9: the System overall tab, laid out with the guide's field numbers."""

    STEP_IDS = ("B4", "B5", "B6", "B7", "B8", "B9")
    TITLE = "System settings, System overall"

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        yield Static("Backup", classes="section-title")
        yield self.field_input("outgoing.backup_sender", check_optional_email)
        yield self.field_input("outgoing.exchange_user")
        yield self.field_input("outgoing.exchange_password", password=True)
        yield Static("E-mail", classes="section-title")
        yield self.field_select("outgoing.email_method", EMAIL_METHODS)
        yield self.field_input(
            "outgoing.server_address", check_host, placeholder="outlook.office365.com"
        )
        yield self.field_input("outgoing.port", check_port, placeholder="0 = default (443)")
        yield self.field_input("outgoing.smtp_user")
        yield self.field_input("outgoing.smtp_password", password=True)
        yield self.field_checkbox("outgoing.use_ssl")
        yield self.field_input("outgoing.max_file_size_mb", check_size)
        yield Static("Microsoft Entra ID (Azure Exchange/SharePoint)", classes="section-title")
        yield Static(SHARED_NOTE, classes="pane-intro")
        masked = self.wizard.mask_ids
        yield self.field_input(
            "outgoing.azure.client_id", check_client_id, mask_when_blurred=masked
        )
        yield self.field_input(
            "outgoing.azure.tenant_id", check_tenant_id, mask_when_blurred=masked
        )
        yield self.field_select("outgoing.azure.auth_flow", FLOW_CHOICES)
        yield self.field_input("outgoing.azure.client_secret", check_client_secret, password=True)

    def on_mount(self) -> None:
        self.after_edit("outgoing.azure.auth_flow")

    def refresh_values(self) -> None:
        super().refresh_values()
        self.after_edit("outgoing.azure.auth_flow")

    def after_edit(self, path: str) -> None:
        if path.endswith("auth_flow"):
            secret_row = self.query_one("#field-outgoing-azure-client-secret", FieldInput)
            uses_secret = (
                get_text(self.settings, "outgoing.azure.auth_flow") == AuthFlow.CLIENT_SECRET.value
            )
            set_applies(secret_row, uses_secret)


class CheckFormPane(StepPane):
    """B10–B13: the "Check e-mail settings" dialog; Test hands over to the live check."""

    STEP_IDS = ("B10", "B11", "B12", "B13")
    TITLE = "Check e-mail settings"

    DEFAULT_CSS = """
    CheckFormPane #test-row { height: auto; }
    CheckFormPane #test-result { height: auto; margin: 1 0 0 0; }
    """

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        yield self.checklist("B10")
        yield FieldSelect(
            "outgoing.email_method",
            get_text(self.settings, "outgoing.email_method"),
            EMAIL_METHODS,
            label="E-mail method (B11)",
            id="field-b11-email-method",
        )
        yield Static(Text(step("B12").help), classes="pane-intro")
        yield self.field_input(
            "outgoing.test.recipient", lambda t: check_email(t, what="Recipient")
        )
        yield self.field_input("outgoing.test.sender", lambda t: check_email(t, what="Sender"))
        yield self.field_input(
            "outgoing.test.user_name",
            lambda t: None if t.strip() else "User name (Exchange) is missing",
            placeholder="sign-in address (UPN)",
        )
        yield self.field_input(
            "outgoing.test.password",
            lambda t: None if t else "Password (Exchange) is missing",
            password=True,
        )
        button = Button("B13 Test", id="test-outgoing", variant="primary", compact=True)
        button.step_id = "B13"  # type: ignore[attr-defined]
        yield button
        yield Static("", id="test-result")

    def refresh_values(self) -> None:
        super().refresh_values()
        self.show_result(self.wizard.statuses())

    def refresh_status(self, statuses: Mapping[str, StepStatus]) -> None:
        super().refresh_status(statuses)
        if statuses:
            self.show_result(statuses)

    def show_result(self, statuses: Mapping[str, StepStatus]) -> None:
        """B13's line, from the same status as the sidebar's B13 marker."""
        text = {
            StepStatus.TODO: "Result: not tested yet",
            StepStatus.CHECKED_OK: "Result: OK!",
            StepStatus.PROBLEM: "Result: failed (see the check)",
        }.get(statuses["B13"], "")
        for line in self.query("#test-result").results(Static):  # none before it is composed
            line.update(Text(f"{statuses['B13'].marker} {text}"))

    def on_mount(self) -> None:
        self.refresh_values()

    @on(Button.Pressed, "#test-outgoing")
    def _test(self) -> None:
        self.wizard.action_run_checks("outgoing")


# Each pane is built when first opened (see tui.screens.panes.catalog).
PANES: dict[str, Callable[[], StepPane]] = {
    "pane-b-open": lambda: ChecklistPane(
        ("B1", "B2", "B3"),
        "Open the ERP's System settings",
        "Now in the ERP client: the values below go into the System overall tab.",
        id="pane-b-open",
    ),
    "pane-b-system": lambda: OutgoingPane(id="pane-b-system"),
    "pane-b-check": lambda: CheckFormPane(id="pane-b-check"),
}
