"""Stage E, Exchange Online lets this app use EWS: one pane per step, each with its PowerShell.

Not in the vendor guide. Each pane shows its step to tick off, the commands filled in from the
settings (built headless in :mod:`tui.ews_powershell`) on screen, and copies them with ``c`` as
A10 copies the manifest. The commands are rebuilt whenever the pane is shown, so a client ID or
an account changed elsewhere is in them the next time the admin comes here.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Static

from tui.ews_powershell import (
    USER_AGENT_ENTRY,
    StageECommands,
    exchangelib_user_agent,
    stage_e_commands,
)
from tui.screens.panes.base import StepPane
from tui.screens.panes.stage_a import COPIED_NOTE

NOT_IN_GUIDE = (
    "Not in the vendor guide: needed since 1 October 2026; EWS ends on 1 April 2027. "
    "Run these in Exchange Online PowerShell as an Exchange admin."
)

# What each pane says above its commands: how to read the answer, or what the change does.
# In training (--demo) the sandbox stands in for Exchange Online and has no PowerShell.
TRAINING_NOTE = (
    "Training: the sandbox tenant has no PowerShell. F2 opens its portal, where the E1–E3 "
    "lines are these switches."
)

NOTES_E1 = (
    "How to read the answers:",
    "EwsEnabled must be True. False blocks EWS, and tenants that left it empty were switched "
    "to blocked on 1 October 2026. Not True: E2.",
    "EwsAllowedAppIDs: once it holds any ID, this app's ID must be there too. Missing: E2.",
    "EwsApplicationAccessPolicy EnforceAllowList: EwsAllowList must match this tool's user "
    f"agent ({USER_AGENT_ENTRY} does). Missing: E2.",
    "Each mailbox's EwsEnabled must be True or empty. False: E3.",
)
NOTES_E2 = (
    "Before you run it:",
    "Other tools that still use EWS (backup, archiving, migration) are locked out once the "
    "list holds an ID, unless their IDs are on it too: add them to $add.",
    "A 403 in the first hours after may still clear on its own (up to 24 hours).",
)
NOTES_E3 = (
    "Which mailboxes:",
    "Every address the settings name: the user and sender at B12, field 11 and each account "
    "at C9. Add any other mailbox the ERP uses to the list.",
)


class EwsCommandsPane(StepPane):
    """One stage E step: the tick, its help, and its filled-in PowerShell, copied with ``c``."""

    BINDINGS = [Binding("c", "copy_commands", "Copy commands")]

    DEFAULT_CSS = """
    EwsCommandsPane > .not-in-guide { border-left: thick $warning; padding: 0 1; margin: 0 0 1 0; }
    EwsCommandsPane > #missing { border-left: thick $warning; padding: 0 1; margin: 0 0 1 0; }
    EwsCommandsPane > #missing.-empty { display: none; }
    EwsCommandsPane #copied-note { color: $success; height: auto; display: none; }
    EwsCommandsPane.-copied #copied-note { display: block; }
    EwsCommandsPane > #training-note { border-left: thick $accent; padding: 0 1; }
    EwsCommandsPane > #commands { background: $boost; text-wrap: wrap; text-overflow: fold; }
    EwsCommandsPane > .notes { margin: 0 0 1 0; }
    """

    def __init__(self, step_id: str, title: str, notes: tuple[str, ...], *, id: str) -> None:
        super().__init__(id=id)
        self.STEP_IDS = (step_id,)
        self.TITLE = title
        self.notes = notes

    @property
    def step_id(self) -> str:
        return self.STEP_IDS[0]

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        yield Static(Text(NOT_IN_GUIDE), classes="not-in-guide")
        yield self.checklist(self.step_id)
        # Said before the block, not after it: read before running, and nothing focusable
        # below the block would ever scroll text there into view.
        yield Static(self._notes(), classes="notes")
        yield Static(id="missing", classes="-empty")
        yield Button("Copy the commands (c)", id="copy-commands", compact=True)
        yield Static(COPIED_NOTE, id="copied-note", markup=False)
        if self.wizard.sandbox is not None:
            yield Static(Text(TRAINING_NOTE), id="training-note")
        yield Static(id="commands")

    def _notes(self) -> Group:
        """A heading and bullets with a hanging indent, so a wrapped bullet stays readable."""
        heading, *bullets = self.notes
        if self.step_id == "E2":
            bullets.append(f"This tool's user agent: {exchangelib_user_agent()}.")
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(width=1)
        table.add_column(ratio=1)
        for bullet in bullets:
            table.add_row(Text("•"), Text(bullet))
        return Group(Text(heading, style="bold"), table)

    def on_mount(self) -> None:
        self.show_commands()

    def refresh_values(self) -> None:
        super().refresh_values()
        self.show_commands()

    def show_commands(self) -> None:
        """Rebuild the block from the settings as they are now."""
        commands = stage_e_commands(self.settings)
        hide = self.wizard.mask_ids and bool(commands.client_ids)
        self.query_one("#commands", Static).update(
            Text(commands.block(self.step_id, hide_ids=hide))
        )
        note = self.query_one("#missing", Static)
        text = _missing_text(commands, self.step_id, hidden=hide)
        note.update(Text(text))
        note.set_class(not text, "-empty")

    def focus_step(self, step_id: str, top: bool = False) -> None:
        if top:
            super().focus_step(step_id, top)
            return
        # Opened from the sidebar, the palette or a diagnosis: the commands are what is wanted.
        # The tick and the help sit just above (Shift+Tab, or F1 for the help alone).
        button = self.query_one("#copy-commands", Button)
        button.focus(scroll_visible=False)
        # Two refreshes later, when a pane opened just now has its full height laid out.
        self.call_after_refresh(
            self.call_after_refresh, self.scroll_to_widget, button, top=True, animate=False
        )

    @on(Button.Pressed, "#copy-commands")
    def _copy_pressed(self) -> None:
        self.action_copy_commands()

    def action_copy_commands(self) -> None:
        commands = stage_e_commands(self.settings)
        self.show_commands()  # what is copied is what is on screen (IDs unmasked)
        self.app.copy_to_clipboard(commands.block(self.step_id))
        self.add_class("-copied")
        if not commands.missing(self.step_id):
            self.app.notify(
                f"{self.step_id} commands copied (OSC 52); they are also on screen.", timeout=4
            )
        else:
            self.app.notify(
                f"{self.step_id} commands copied, but each <…> still needs a value from the "
                "settings: PowerShell refuses those lines until then.",
                severity="warning",
                timeout=8,
                markup=False,
            )


def _missing_text(commands: StageECommands, step_id: str, *, hidden: bool) -> str:
    """What the block leaves open, said above it; empty when it is complete."""
    lines = [
        f"Not filled in yet: {what}. The commands show <…> in its place."
        for what in commands.missing(step_id)
    ]
    lines += [f"Left out: {value}." for value in commands.skipped(step_id)]
    if hidden and step_id == "E2":
        lines.append("The client ID is hidden on screen in demo mode; c copies it in full.")
    return "\n".join(lines)


# Each pane is built when first opened (see tui.screens.panes.catalog).
PANES: dict[str, Callable[[], StepPane]] = {
    "pane-e-read": lambda: EwsCommandsPane(
        "E1", "Read the tenant's EWS switches", NOTES_E1, id="pane-e-read"
    ),
    "pane-e-allow": lambda: EwsCommandsPane(
        "E2", "Allow EWS for this app", NOTES_E2, id="pane-e-allow"
    ),
    "pane-e-mailboxes": lambda: EwsCommandsPane(
        "E3", "Let each mailbox use EWS", NOTES_E3, id="pane-e-mailboxes"
    ),
}
