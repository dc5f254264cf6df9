"""The main screen: the step sidebar on the left, one content pane per step group on the right.

Next/Back walk the panes in the guide's order; the sidebar, the command palette and "go to"
from a problem open any step directly. Leaving a pane marks its steps as seen, so their
problems start to show in the sidebar (a blank form is not an error before the admin gets there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Header

from tui.guide import first_step_for_field
from tui.screens.help import HelpScreen
from tui.screens.panes.base import StepPane
from tui.screens.panes.stage_a import stage_a_panes
from tui.screens.panes.stage_b import stage_b_panes
from tui.screens.panes.stage_c import stage_c_panes
from tui.screens.panes.summary import SummaryPane
from tui.settings.validation import validate
from tui.widgets.form import FieldRow
from tui.widgets.sidebar import SUMMARY, StepSidebar
from tui.widgets.step_status import StepStatus, step_statuses

if TYPE_CHECKING:
    from tui.app import MailSetupApp


class WizardScreen(Screen[None]):
    # Below 100 columns (the 80x24 SSH session) the sidebar narrows to markers, ids and a few
    # letters of each title, so forms and the accounts table get the room.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+n", "next", "Next"),
        Binding("ctrl+b", "back", "Back"),
        Binding("escape", "back", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        self.panes: list[StepPane] = [
            *stage_a_panes(),
            *stage_b_panes(),
            *stage_c_panes(),
            SummaryPane(id="pane-summary"),
        ]
        self.pane_of_step = {step_id: pane for pane in self.panes for step_id in pane.STEP_IDS}
        yield Header()
        with Horizontal(id="main"):
            yield StepSidebar()
            # Panes are mounted when first opened: composing all ten up front tripled start-up.
            yield ContentSwitcher(id="content")
        yield Footer(compact=True, show_command_palette=False)  # ctrl+p still works; F1 lists it

    @property
    def wizard(self) -> MailSetupApp:
        return cast("MailSetupApp", self.app)

    @property
    def sidebar(self) -> StepSidebar:
        return self.query_one(StepSidebar)

    @property
    def current_pane(self) -> StepPane:
        switcher = self.query_one(ContentSwitcher)
        return switcher.query_one(f"#{switcher.current}", StepPane)

    def on_mount(self) -> None:
        self.refresh_status()
        self.goto_step(self.resume_step(), top=True)

    def resume_step(self) -> str:
        """Where to start: the first step that is neither done nor checked (A1 on a new file)."""
        for step_id, status in self.statuses.items():
            if status in (StepStatus.TODO, StepStatus.PROBLEM):
                return step_id
        return SUMMARY

    # --- status -------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        app = self.wizard
        self.problems = validate(app.settings)
        self.statuses = step_statuses(
            app.settings,
            self.problems,
            seen=app.seen_steps,
            checked=app.check_results,
            saved=not app.dirty,
        )
        self.sidebar.update_statuses(self.statuses)
        self.sub_title = app.status_line()

    # --- navigation ---------------------------------------------------------------------------

    def show_pane(
        self, pane: StepPane, then: Callable[..., object] | None = None, *args: object
    ) -> None:
        """Show a pane (mounting it the first time), then run ``then(*args)`` once it is
        composed and laid out, unless another pane has been opened meanwhile."""
        switcher = self.query_one(ContentSwitcher)
        mounting = None if pane.is_attached else switcher.mount(pane)
        if switcher.current != pane.id:
            if switcher.current is not None:
                previous = self.current_pane
                self.wizard.seen_steps.update(previous.STEP_IDS)
                previous.reveal_errors()
            switcher.current = pane.id
            self.refresh_status()
        if mounting is None:
            pane.refresh_values()  # a new pane composes from the current values anyway

        async def when_ready() -> None:
            if mounting is not None:
                await mounting
            if self.wizard.seen_steps.intersection(pane.STEP_IDS):
                pane.reveal_errors()  # been here before, or values from a file: show the gaps
            if then is not None:
                pane.call_after_refresh(self._if_current, pane, then, *args)

        self.call_next(when_ready)

    def goto_step(self, step_id: str, *, top: bool = False) -> None:
        """Open the pane holding a step; ``top`` opens it at its first widget (Next/Back)."""
        pane = self.pane_of_step[step_id if step_id in self.pane_of_step else SUMMARY]
        self.sidebar.show_step(step_id)
        self.show_pane(pane, pane.focus_step, step_id, top)

    def goto_field(self, path: str) -> None:
        found = first_step_for_field(path)
        if found is None:
            self.goto_step(SUMMARY)
            return
        pane = self.pane_of_step[found.id]
        self.sidebar.show_step(found.id)
        self.show_pane(pane, pane.focus_field, path)

    def _if_current(self, pane: StepPane, callback: Callable[..., object], *args: object) -> None:
        """Run a deferred focus only if no later jump has opened another pane meanwhile."""
        if self.query_one(ContentSwitcher).current == pane.id:
            callback(*args)

    def _step_pane_index(self) -> int:
        return self.panes.index(self.current_pane)

    def action_next(self) -> None:
        index = self._step_pane_index()
        if index + 1 < len(self.panes):
            self.goto_step(self.panes[index + 1].STEP_IDS[0], top=True)

    def action_back(self) -> None:
        index = self._step_pane_index()
        if index > 0:
            self.goto_step(self.panes[index - 1].STEP_IDS[0], top=True)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.current_pane.current_step()))

    def scroll_to_center(self, widget: Widget, *args: Any, **kwargs: Any) -> None:
        """Focus scrolls a field's whole row (label above, error below) into view, not just
        its input; without animation, so the row is where the admin looks at once."""
        row = next((a for a in widget.ancestors if isinstance(a, FieldRow)), None)
        kwargs["animate"] = False
        super().scroll_to_center(row or widget, *args[1:], **kwargs)

    @on(StepSidebar.StepChosen)
    def _chosen(self, event: StepSidebar.StepChosen) -> None:
        self.goto_step(event.step_id)
