"""F1: help for the current step, from ``tui.guide`` (the project's own words), and the keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.guide import STAGES, step
from tui.screens.panes.stage_a import CALLOUTS
from tui.widgets.form import numbered_label

KEYS = """\
Keys
  Tab / Shift+Tab   next / previous field     Enter   go on
  Ctrl+N / Ctrl+B   next / previous page      Esc     back
  F1 help   Ctrl+S save   Ctrl+P go to a step   Ctrl+Q quit
  Accounts: F5 or + add, Enter edit, Del delete, v validate,
            V validate all, R retry the failed ones
  A10 manifest, E1–E3 PowerShell: c copies the block"""

SUMMARY_HELP = (
    "The summary lists every value as the guide's dialogs group them, with the field numbers. "
    "Passwords and the client secret are always masked. Problems are listed first: Enter on one "
    "opens the field it is about. Save writes the settings file (atomically, private to you) and "
    "keeps the previous version as .bak."
)


def help_text(step_id: str) -> Text:
    """Title, help, the stressed point and the fields of a step, as plain Text."""
    if step_id == "Summary":
        text = Text("Summary\n\n", style="bold")
        text.append(SUMMARY_HELP)
    else:
        s = step(step_id)
        text = Text(f"{s.id}  {s.title}", style="bold")
        text.append(f"\nStage {s.stage}: {STAGES[s.stage]}\n\n", style="dim")
        text.append(s.help)
        if step_id in CALLOUTS:
            text.append("\n\nImportant: ", style="bold")
            text.append(CALLOUTS[step_id])
        if s.fields:
            text.append("\n\nFields\n", style="bold")
            for path in s.fields:
                text.append(f"  {numbered_label(path)}\n")
    text.append("\n\n")
    text.append(KEYS)
    return text


class HelpScreen(ModalScreen[None]):
    """The help of one step; Esc, F1 or q closes it."""

    BINDINGS = [
        Binding("escape,f1,q", "close", "Close help"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, step_id: str) -> None:
        super().__init__()
        self.step_id = step_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Help (Esc closes)"
            body.can_focus = True
            yield Static(help_text(self.step_id), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
