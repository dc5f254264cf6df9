"""Small modal questions: yes/no, unsaved changes on quit, a settings file that cannot be read.

Toasts never cover a dialog: on a dialog's screen the toasts (ours, and Textual's own "press
ctrl+q to quit") stack in a band of their own at the bottom, in the dialog's layer, so the dialog
is laid out in the rows above them. Textual draws them in a layer on top of everything, where at
80x24 two toasts reach a centred dialog's buttons. A dialog squeezed by many toasts keeps its
buttons on its last line and scrolls the rest, the focused field back into view
(:class:`DialogBox`).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.settings.store import SettingsFileError

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > ToastRack {{ layer: default; max-height: 50%; }}
{name} > Vertical {{
    width: 64; max-width: 100%; height: auto; max-height: 100%;
    border: thick $primary; background: $surface; padding: 1 2; overflow-y: auto;
}}
{name} .dialog-text {{ margin: 0 0 1 0; }}
{name} .dialog-buttons {{ height: auto; align-horizontal: right; dock: bottom; }}
{name} .dialog-buttons Button {{ margin: 0 0 0 2; }}
{name} .dialog-buttons Button:first-child {{ margin: 0; }}
"""


class DialogBox(Vertical):
    """A dialog's frame (styled by ``DIALOG_CSS``). When toasts come or go it is resized: the
    focused field is then scrolled back into view rather than left below the part shown."""

    def on_resize(self) -> None:
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            self.call_after_refresh(focused.scroll_visible, animate=False)


class ChoiceScreen(ModalScreen[str]):
    """A question with a few answers as buttons; dismisses with the chosen answer's key.

    ``choices`` maps keys to button labels; the first is the default (focused). Esc answers
    ``cancel_key``.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="ChoiceScreen")

    def __init__(
        self, question: str, choices: dict[str, str], *, cancel_key: str = "cancel"
    ) -> None:
        super().__init__()
        self.question = question
        self.choices = choices
        self.cancel_key = cancel_key

    def compose(self) -> ComposeResult:
        with DialogBox():
            yield Static(Text(self.question), classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                for i, (key, label) in enumerate(self.choices.items()):
                    yield Button(
                        label,
                        id=f"choice-{key}",
                        variant="primary" if i == 0 else "default",
                        compact=True,
                    )

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(self.cancel_key)


def confirm_delete(what: str) -> ChoiceScreen:
    return ChoiceScreen(f"Delete {what}?", {"delete": "Delete", "cancel": "Cancel"})


def unsaved_changes() -> ChoiceScreen:
    return ChoiceScreen(
        "There are unsaved changes. Save them before quitting?",
        {"save": "Save and quit", "discard": "Quit without saving", "cancel": "Cancel"},
    )


def changed_on_disk(path: str) -> ChoiceScreen:
    return ChoiceScreen(
        f"The settings file changed on disk since it was loaded:\n{path}\n\n"
        "Overwrite it with what is on screen? (The previous version is kept as a .bak file.)",
        {"cancel": "Cancel", "overwrite": "Overwrite"},
    )


def file_error_text(error: SettingsFileError) -> str:
    where = f"line {error.line}, column {error.column}" if error.line else "the file"
    return (
        f"The settings file cannot be read:\n{error.path}\n\n{where}: {error.message}\n\n"
        "It will not be overwritten. Fix it in an editor and start again, or continue from "
        "default values; Save will then write a separate file:\n"
    )


def file_error(error: SettingsFileError, fallback: str) -> ChoiceScreen:
    """The start-up question when the settings file exists but is unparsable or invalid."""
    return ChoiceScreen(
        file_error_text(error) + fallback,
        {"quit": "Quit", "defaults": "Continue from defaults"},
        cancel_key="quit",
    )
