"""The modal that adds or edits one incoming e-mail account (C9–C13).

It works on the values only and hands them back on Save; the accounts pane writes them into the
Settings (so Cancel leaves the row exactly as it was). The password is masked and, when the row
takes it from an environment variable, an empty field keeps that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static

from tui.settings.model import ACCOUNT_TYPES, AVAILABLE_TO_ALL, Account
from tui.settings.validation import check_email
from tui.widgets.form import FieldInput, FieldRow, set_applies
from tui.widgets.tick_list import TickSelectionList
from tui.widgets.ticks import TickBox


@dataclass
class AccountValues:
    """What the modal returns; ``password`` None means "leave the stored secret alone"."""

    email: str = ""
    user_name: str = ""
    password: str | None = None
    types: list[str] = field(default_factory=list)
    available_to: list[str] = field(default_factory=list)

    def apply(self, account: Account) -> None:
        account.email = self.email.strip()
        account.user_name = self.user_name.strip()
        if self.password is not None:
            account.password.value = self.password
        account.types = list(self.types)
        account.available_to = list(self.available_to)


def _required(what: str):  # type: ignore[no-untyped-def]
    return lambda text: None if text.strip() else "Incorrect value"


class AccountScreen(ModalScreen[AccountValues | None]):
    """Add or edit an account; Esc cancels, ctrl+o or the Keep button keeps it."""

    # Not ctrl+s: everywhere else it saves the file, and here it would only have kept the row.
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+o", "keep", "Keep"),
        Binding("ctrl+s", "save_hint", "Save", show=False),
        Binding("f1", "app.help", "Help", show=False),  # a modal stops the app's own F1
        # Enter in a text field moves on at once (see WizardScreen's Enter binding for why).
        Binding("enter", "enter_in_field", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    AccountScreen { align: center middle; }
    AccountScreen > VerticalScroll {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    AccountScreen .modal-title { text-style: bold; margin: 0 0 1 0; }
    AccountScreen SelectionList { height: auto; max-height: 13; margin: 0 0 1 0; }
    AccountScreen #available-to-all { margin: 0 0 1 0; }
    AccountScreen #available-to-row { height: auto; margin: 0 0 1 0; }
    AccountScreen #account-buttons { height: auto; align-horizontal: right; }
    AccountScreen #account-buttons Button { margin: 0 0 0 2; }
    """

    def __init__(self, account: Account | None, row: int | None) -> None:
        super().__init__()
        self.account = account or Account()
        self.row = row

    def compose(self) -> ComposeResult:
        acc = self.account
        title = (
            "Add an e-mail account (C8)"
            if self.row is None
            else f"Edit account, row {self.row + 1}"
        )
        env_hint = (
            f"from ${acc.password.env}" if acc.password.env and not acc.password.value else ""
        )
        with VerticalScroll():
            yield Static(Text(title), classes="modal-title")
            yield FieldInput(
                "incoming.accounts.email", acc.email, check=check_email, id="account-email"
            )
            yield FieldInput(
                "incoming.accounts.user_name",
                acc.user_name,
                check=_required("User name"),
                id="account-user-name",
            )
            yield FieldInput(
                "incoming.accounts.password",
                acc.password.value,
                check=None if env_hint else _required("Password"),
                password=True,
                placeholder=env_hint,
                id="account-password",
            )
            yield Label("C12 Type (Space ticks; several may apply)")
            yield TickSelectionList(
                *[(Text(t), t, t in acc.types) for t in ACCOUNT_TYPES], id="account-types"
            )
            yield Label("C13 Available")
            yield TickBox(
                AVAILABLE_TO_ALL, not acc.available_to, id="available-to-all", compact=True
            )
            with Vertical(id="available-to-row"):
                yield Label("Only these users or groups (commas between them)")
                yield Input(
                    ", ".join(acc.available_to),
                    placeholder="e.g. Sales, j.doe",
                    id="available-to",
                    compact=True,
                )
            with Horizontal(id="account-buttons"):
                yield Button("Keep (ctrl+o)", id="keep", variant="primary", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        set_applies(self.query_one("#available-to-row"), bool(self.account.available_to))
        self.query_one("#account-email", FieldInput).control.focus()

    def focus_field(self, name: str) -> None:
        """Open at the field a problem is about (``user_name``, ``password`` …)."""
        target = {"types": "#account-types", "available_to": "#available-to-all"}.get(name)
        if target:
            self.query_one(target).focus()
            return
        row = self.query_one(f"#account-{name.replace('_', '-')}", FieldRow)
        if isinstance(row, FieldInput):
            row.reveal()
        row.focus_control()

    @on(Checkbox.Changed, "#available-to-all")
    def _all_toggled(self, event: Checkbox.Changed) -> None:
        # Focus stays on the box: the names field comes next on the Tab path (it used to grab
        # focus, so the admin's Tab went on to Keep and the names typed there were lost).
        set_applies(self.query_one("#available-to-row"), not event.value)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_enter_in_field(self) -> None:
        if not isinstance(self.focused, Input):
            raise SkipAction()
        self.focus_next()

    def values(self) -> AccountValues:
        password = self.query_one("#account-password", FieldInput).value
        everyone = self.query_one("#available-to-all", Checkbox).value
        names = [
            n.strip() for n in self.query_one("#available-to", Input).value.split(",") if n.strip()
        ]
        return AccountValues(
            email=self.query_one("#account-email", FieldInput).value,
            user_name=self.query_one("#account-user-name", FieldInput).value,
            password=password if (password or not self.account.password.env) else None,
            types=[t for t in ACCOUNT_TYPES if t in self.query_one(SelectionList).selected],
            available_to=[] if everyone else names,
        )

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        self.dismiss(self.values())

    @on(Button.Pressed, "#cancel")
    def action_save_hint(self) -> None:
        self.notify(
            "Keep the account first (ctrl+o), then save the file (ctrl+s).",
            title="Not saved yet",
            markup=False,
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
