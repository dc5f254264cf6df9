"""Ask for the passwords a check needs but the settings do not hold.

With ``store_secrets = false`` (or a secret read from an environment variable that is not set)
the file has no password, so a check asks for it here, masked. What is typed goes into the
settings' own :class:`Secret` objects, so it is kept for the rest of the session, and it is
written to the file only where the settings say secrets are stored.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.screens.dialogs import DIALOG_CSS, DialogBox
from tui.settings.model import Secret, Settings


def missing_secrets(settings: Settings, targets: list[str]) -> list[tuple[str, str, Secret]]:
    """The secrets the checks of ``targets`` sign in with and that nothing provides.

    A secret that is simply not filled in while the file does store secrets is left to the
    check's settings step, which names it in the guide's words and jumps to the field.
    """
    from tui.checks.targets import needed_secrets

    found: list[tuple[str, str, Secret]] = []
    seen: set[int] = set()
    for label, field, secret in needed_secrets(settings, targets):
        if secret.resolve() or id(secret) in seen:
            continue
        if secret.env or not settings.store_secrets:
            seen.add(id(secret))
            found.append((label, field, secret))
    return found


class SecretsPrompt(ModalScreen[bool]):
    """One masked input per missing secret; dismisses True when all are given."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        # Enter moves on at once (see WizardScreen's Enter binding for why).
        Binding("enter", "enter_in_field", show=False, priority=True),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="SecretsPrompt") + """
    SecretsPrompt Input { margin: 0 0 1 0; }
    """

    def __init__(self, items: list[tuple[str, str, Secret]]) -> None:
        super().__init__()
        self.items = items

    def compose(self) -> ComposeResult:
        named = any(s.env for _, _, s in self.items)
        with DialogBox():
            yield Static(
                Text(
                    "The settings file does not hold these; they are used for this session only"
                    + (" (the file keeps its environment variable names)." if named else ".")
                ),
                classes="dialog-text",
            )
            for i, (label, _field, secret) in enumerate(self.items):
                hint = f" (${secret.env} is not set)" if secret.env else ""
                yield Label(Text(label + hint))
                yield Input(password=True, id=f"secret-{i}", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Check", id="secrets-ok", variant="primary", compact=True)
                yield Button("Cancel", id="secrets-cancel", compact=True)

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._enter_in(event.input)

    def action_enter_in_field(self) -> None:
        if not isinstance(self.focused, Input):
            raise SkipAction()
        self._enter_in(self.focused)

    def _enter_in(self, field: Input) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(field)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self._accept()

    @on(Button.Pressed, "#secrets-ok")
    def _ok(self) -> None:
        self._accept()

    @on(Button.Pressed, "#secrets-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    def _accept(self) -> None:
        inputs = list(self.query(Input))
        empty = [i for i in inputs if not i.value]
        if empty:
            empty[0].focus()
            self.notify("Every password is needed for the check.", severity="warning", markup=False)
            return
        for (_label, _field, secret), box in zip(self.items, inputs, strict=True):
            secret.value = box.value
        self.dismiss(True)
