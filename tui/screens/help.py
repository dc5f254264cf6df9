"""F1: help for the current step, from ``tui.guide`` (the project's own words), and the keys of
the screen F1 was pressed on (wizard, accounts table, check screen, account dialog, portal)."""

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

# The keys of each screen, in the words F1 shows. Tests check these against the screens' own
# bindings, so a new key cannot be forgotten here.
WIZARD_KEYS = """\
Keys
  Tab / Shift+Tab   next / previous field     Enter   go on
  Ctrl+N / Ctrl+B   next / previous page      Esc     back
  F1 help   Ctrl+S save   Ctrl+P go to a step   Ctrl+Q quit
  F2 the sandbox's portal (training mode only)
  A1–A7: m lets mailsetup do stage A, k checks the registration
  A10 manifest, E1–E3 PowerShell: c copies the block"""

ACCOUNTS_KEYS = """\
Keys in the accounts table (C8–C14)
  F5 or +   add an account            Enter   edit the highlighted one
  Del       delete it                 v       validate it (C14)
  V         validate every account    R       validate again the failed ones"""

CHECK_KEYS = """\
Keys on the check screen
  g   go to the guide step that fixes the problem shown
  r   show / hide Microsoft's own error text (when there is one)
  y   copy the details for support (passwords and tokens masked)
  t   test again (Enter does the same)
  f   test again only the targets that failed
  n   next problem, when there are several
  s   stop waiting for an automatic retry
  Esc back to the wizard; a running check stops"""

ACCOUNT_DIALOG_KEYS = """\
Keys in the account dialog
  Tab / Shift+Tab   next / previous field
  Space             tick a type (C12) or Available to all (C13)
  Ctrl+O            keep the account (the Keep button)
  Esc               cancel; nothing typed here is kept
  Ctrl+S saves the settings file only after the dialog is closed."""

PORTAL_KEYS = """\
Keys in the sandbox portal (training mode)
  Tab / Shift+Tab move, Space switches a portal step
  c / i copy the client / tenant ID   p show / hide the users' passwords
  a the code field of Approve sign-in (Enter there approves)
  Esc or F2 back to the wizard"""

GENERAL_KEYS = "F1 or Esc closes this help · Ctrl+Q quits"

SUMMARY_HELP = (
    "The summary lists every value as the guide's dialogs group them, with the field numbers. "
    "Passwords and the client secret are always masked. Problems are listed first: Enter on one "
    "opens the field it is about. Save writes the settings file (atomically, private to you) and "
    "keeps the previous version as .bak."
)


def help_text(step_id: str, keys: str = WIZARD_KEYS) -> Text:
    """Title, help, the stressed point and the fields of a step, then the screen's keys."""
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
    text.append(keys)
    if keys is not WIZARD_KEYS:
        text.append(f"\n\n{GENERAL_KEYS}", style="dim")
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

    def __init__(self, step_id: str, keys: str = WIZARD_KEYS) -> None:
        super().__init__()
        self.step_id = step_id
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Help (Esc closes)"
            body.can_focus = True
            yield Static(help_text(self.step_id, self.keys), id="help-text")

    def on_mount(self) -> None:
        # The training notice (a toast, bottom right) would sit on top of the help: the help
        # is what the admin asked for now.
        self.app.clear_notifications()
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def help_for(screen: object) -> HelpScreen:
    """The help for whatever screen F1 was pressed on."""
    from tui.screens.wizard import WizardScreen

    name = type(screen).__name__
    if isinstance(screen, WizardScreen):
        step_id = screen.current_pane.current_step()
        accounts = step_id in ("C8", "C9", "C10", "C11", "C12", "C13", "C14", "C15")
        keys = f"{ACCOUNTS_KEYS}\n\n{WIZARD_KEYS}" if accounts else WIZARD_KEYS
        return HelpScreen(step_id, keys)
    if name == "CheckScreen":
        target = str(getattr(screen, "target", ""))
        return HelpScreen("B13" if target in ("outgoing", "round-trip") else "C14", CHECK_KEYS)
    if name == "AccountScreen":
        return HelpScreen("C8", ACCOUNT_DIALOG_KEYS)
    if name == "PortalScreen":
        return HelpScreen("A1", PORTAL_KEYS)
    return HelpScreen("Summary", WIZARD_KEYS)
