"""Stage C, incoming e-mail: server settings, the accounts table and the guide's error summary."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from tui.guide import step
from tui.screens.account import AccountScreen, AccountValues
from tui.screens.dialogs import confirm_delete
from tui.screens.panes.base import StepPane
from tui.screens.panes.stage_b import FLOW_CHOICES
from tui.settings.model import INCOMING_SERVICES, Account, AuthFlow
from tui.settings.validation import (
    Problem,
    check_client_id,
    check_client_secret,
    check_host,
    check_polling_interval,
    check_port,
    check_tenant_id,
    validate_account,
    validate_incoming,
)
from tui.widgets.error_summary import ROW_RE, ErrorSummary
from tui.widgets.field_access import get_text
from tui.widgets.form import FieldInput, set_applies

COLUMNS = ("Val.", "E-mail", "User name", "Password", "Type", "Available")


class IncomingServerPane(StepPane):
    """C1–C7: Server settings of "Settings for incoming e-mail"."""

    STEP_IDS = ("C1", "C2", "C3", "C4", "C5", "C6", "C7")
    TITLE = "Settings for incoming e-mail"

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        yield self.checklist("C1")
        yield Static("Server settings", classes="section-title")
        yield self.field_select("incoming.service", INCOMING_SERVICES)
        yield self.field_input(
            "incoming.server_name", check_host, placeholder="outlook.office365.com"
        )
        yield self.field_input("incoming.port", check_port, placeholder="0 = default (443)")
        yield self.field_input(
            "incoming.polling_interval", check_polling_interval, placeholder="60,00"
        )
        masked = self.wizard.mask_ids
        for path, check in (
            ("incoming.azure.client_id", check_client_id),
            ("incoming.azure.tenant_id", check_tenant_id),
        ):
            yield self.field_input(path, check, mask_when_blurred=masked)
        yield self.field_select("incoming.azure.auth_flow", FLOW_CHOICES)
        yield self.field_input("incoming.azure.client_secret", check_client_secret, password=True)

    def on_mount(self) -> None:
        self.after_edit("incoming.azure.auth_flow")

    def refresh_values(self) -> None:
        super().refresh_values()
        self.after_edit("incoming.azure.auth_flow")

    def after_edit(self, path: str) -> None:
        if path.endswith("auth_flow"):
            secret_row = self.query_one("#field-incoming-azure-client-secret", FieldInput)
            flow = get_text(self.settings, "incoming.azure.auth_flow")
            set_applies(secret_row, flow == AuthFlow.CLIENT_SECRET.value)


def types_label(types: list[str]) -> str:
    if len(types) <= 2:
        return ", ".join(types)
    return f"{types[0]} +{len(types) - 1}"


def relocated(problem: Problem) -> Problem:
    """A problem as the C dialog lists it: on C's own Azure fields (C5–C7), not on A8."""
    if problem.field.startswith("azure.") and problem.field != "azure.authority_host":
        return Problem("incoming." + problem.field, problem.message, problem.severity)
    return problem


# Val. and Password have fixed widths; the rest share what is left, in these proportions.
NATURAL_WIDTHS = (4, 26, 22, 8, 18, 16)
SHARES = (0, 35, 25, 0, 20, 20)


def column_widths(available: int) -> list[int]:
    """Column widths for a table ``available`` cells wide (cell padding: 1 each side)."""
    room = available - 2 * len(COLUMNS) - 1
    if room >= sum(NATURAL_WIDTHS):
        return list(NATURAL_WIDTHS)
    flexible = max(room - NATURAL_WIDTHS[0] - NATURAL_WIDTHS[3], 4 * 5)
    return [
        natural if not share else max(5, flexible * share // 100)
        for natural, share in zip(NATURAL_WIDTHS, SHARES, strict=True)
    ]


def cell_text(value: str, width: int) -> Text:
    """User text, cut with an ellipsis to the column (the detail line shows it in full)."""
    text = Text(value, no_wrap=True, overflow="ellipsis")
    text.truncate(width, overflow="ellipsis")
    return text


class AccountsPane(StepPane):
    """C8–C15: the accounts table, add/edit/delete/validate, and the error summary."""

    STEP_IDS = ("C8", "C9", "C10", "C11", "C12", "C13", "C14", "C15")
    TITLE = "E-mail accounts"
    BINDINGS = [
        Binding("f5", "add_account", "Add"),
        Binding("plus", "add_account", "Add", show=False),
        Binding("delete", "delete_account", "Delete"),
        Binding("v", "validate_account", "Validate"),
        # Not in the footer, which must fit 80 columns; F1 lists them.
        Binding("V", "validate_all", "Validate all", show=False),
        Binding("R", "retry_failed", "Retry failed", show=False),
    ]

    DEFAULT_CSS = """
    AccountsPane #accounts-table { height: auto; max-height: 10; }
    /* The cursor row is lit only while the table has the keys (reversed under NO_COLOR). */
    AccountsPane DataTable:blur > .datatable--cursor {
        color: $foreground; background: transparent; text-style: none;
    }
    AccountsPane DataTable:nocolor:focus > .datatable--cursor { text-style: bold reverse; }
    AccountsPane #account-detail { color: $text-muted; margin: 0 0 1 0; }
    AccountsPane #account-actions { height: auto; }
    AccountsPane #account-actions Button {
        margin: 0 1 0 0; min-width: 0; width: auto; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        yield Static(Text(step("C8").help), classes="pane-intro")
        table: DataTable[Text] = DataTable(
            id="accounts-table", cursor_type="row", zebra_stripes=True
        )
        table.step_id = "C8"  # type: ignore[attr-defined]
        yield table
        yield Static("", id="account-detail")
        with Horizontal(id="account-actions"):
            # Short labels so all four fit at 80 columns; the keys are in the footer and F1.
            yield Button("+ Add", id="account-add", compact=True)
            yield Button("Edit (Enter)", id="account-edit", compact=True)
            yield Button("Delete", id="account-delete", compact=True)
            validate = Button("Validate", id="account-validate", compact=True)
            validate.step_id = "C14"  # type: ignore[attr-defined]
            yield validate
        summary = ErrorSummary(id="incoming-errors")
        summary.step_id = "C15"  # type: ignore[attr-defined]
        yield summary

    def on_mount(self) -> None:
        self.refresh_values()

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_values)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#accounts-table", DataTable)

    def refresh_values(self) -> None:
        table = self.table
        cursor = table.cursor_row
        widths = column_widths(self.scrollable_content_region.width)
        table.clear(columns=True)
        for label, width in zip(COLUMNS, widths, strict=True):
            table.add_column(cell_text(label, width), width=width)
        for i, acc in enumerate(self.settings.incoming.accounts):
            errors = [p for p in validate_account(self.settings, i) if p.is_error]
            # the last live check of this row's mailbox
            checked = self.wizard.check_results.get(f"C14:{acc.email.strip().lower()}")
            mark = "✗" if errors or checked is False else ("✓" if acc.last_validated else "")
            cells = (
                mark,
                acc.email,
                acc.user_name,
                acc.password.masked(),
                types_label(acc.types),
                acc.availability_label,
            )
            shown = (cell_text(c, w) for c, w in zip(cells, widths, strict=True))
            table.add_row(*shown, key=str(i))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self.show_detail()
        self.query_one(ErrorSummary).show([relocated(p) for p in validate_incoming(self.settings)])

    def show_detail(self) -> None:
        """The highlighted row in full, since narrow columns cut long addresses."""
        row = self.current_row()
        detail = self.query_one("#account-detail", Static)
        if row is None:
            detail.update(Text("No accounts yet: F5 or + adds one."))
            return
        acc = self.settings.incoming.accounts[row]
        detail.update(
            Text(
                f"Row {row + 1}: {acc.email or '(no e-mail)'} · "
                f"{acc.user_name or '(no user name)'} · "
                f"{', '.join(acc.types) or 'no type'} · {acc.availability_label}"
                + (
                    f" · validated {acc.last_validated:%Y-%m-%d %H:%M}"
                    if acc.last_validated
                    else ""
                )
            )
        )

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail()

    def focus_step(self, step_id: str, top: bool = False) -> None:
        if top:
            self.scroll_home(animate=False)
        if step_id in ("C9", "C10", "C11", "C12", "C13") and self.settings.incoming.accounts:
            self.table.focus()
        elif step_id == "C14":
            self.query_one("#account-validate").focus()
        elif step_id == "C15":
            self.query_one("#incoming-errors").query_one("OptionList").focus()
        else:
            self.table.focus()

    def focus_field(self, path: str) -> bool:
        row = ROW_RE.match(path)
        if not row:
            return False
        self.open_account(int(row.group(1)), focus=path.rsplit(".", 1)[-1])
        return True

    def current_row(self) -> int | None:
        table = self.table
        return table.cursor_row if table.row_count else None

    # --- actions ------------------------------------------------------------------------------

    def action_add_account(self) -> None:
        self.open_account(None)

    def open_account(self, index: int | None, focus: str = "") -> None:
        accounts = self.settings.incoming.accounts
        account = accounts[index] if index is not None else None
        screen = AccountScreen(account, index)

        def keep(values: AccountValues | None) -> None:
            if values is None:
                return
            target = account if account is not None else Account()
            values.apply(target)
            if account is None:
                accounts.append(target)
            self.refresh_values()
            self.table.move_cursor(row=accounts.index(target))
            self.table.focus()
            self.wizard.settings_changed()

        self.app.push_screen(screen, keep)
        if focus:
            screen.call_after_refresh(screen.focus_field, focus)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_account(event.cursor_row)

    @on(Button.Pressed, "#account-add")
    def _add(self) -> None:
        self.action_add_account()

    @on(Button.Pressed, "#account-edit")
    def _edit(self) -> None:
        row = self.current_row()
        if row is not None:
            self.open_account(row)

    @on(Button.Pressed, "#account-delete")
    def action_delete_account(self) -> None:
        row = self.current_row()
        if row is None:
            return
        account = self.settings.incoming.accounts[row]

        def answered(answer: str | None) -> None:
            if answer == "delete":
                self.settings.incoming.accounts.remove(account)
                self.refresh_values()
                self.table.focus()
                self.wizard.settings_changed()

        what = f"the account {account.email or f'in row {row + 1}'}"
        self.app.push_screen(confirm_delete(what), answered)

    @on(Button.Pressed, "#account-validate")
    def action_validate_account(self) -> None:
        row = self.current_row()
        if row is None:
            self.app.notify("Add an account first (F5).", markup=False)
            return
        self.wizard.action_run_checks(f"incoming:{self.settings.incoming.accounts[row].email}")

    def action_validate_all(self) -> None:
        """C14 for every account at once (the check screen bounds the concurrency)."""
        self.wizard.action_run_checks("incoming")

    def action_retry_failed(self) -> None:
        """Validate again only the accounts whose last live check failed."""
        failed = [
            f"incoming:{a.email.strip()}"
            for a in self.settings.incoming.accounts
            if self.wizard.check_results.get(f"C14:{a.email.strip().lower()}") is False
        ]
        if not failed:
            self.app.notify("No account failed its last validation.", markup=False)
            return
        self.wizard.action_run_checks(",".join(failed))

    @on(ErrorSummary.GoTo)
    def _goto(self, event: ErrorSummary.GoTo) -> None:
        event.stop()
        self.wizard.goto_field(event.problem.field)


# Each pane is built when first opened (see tui.screens.panes.catalog).
PANES: dict[str, Callable[[], StepPane]] = {
    "pane-c-server": lambda: IncomingServerPane(id="pane-c-server"),
    "pane-c-accounts": lambda: AccountsPane(id="pane-c-accounts"),
}
