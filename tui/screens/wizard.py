"""The main screen: the step sidebar on the left, one content pane per step group on the right.

Next/Back walk the panes in the guide's order; the sidebar, the command palette and "go to"
from a problem open any step directly. Leaving a pane marks its steps as seen, so their
problems start to show in the sidebar (a blank form is not an error before the admin gets there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input

from tui.guide import first_step_for_field
from tui.screens.panes.base import StepPane
from tui.screens.panes.catalog import SLOTS, PaneCatalog
from tui.widgets.keys_footer import KeysFooter
from tui.widgets.sidebar import SUMMARY, StepSidebar
from tui.widgets.step_status import StepStatus
from tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from tui.app import MailSetupApp


class WizardScreen(Screen[None]):
    # The screen lays the sidebar and the content side by side itself (the title and footer
    # lines are docked): a Horizontal container around the two was ~4% of the start-up.
    DEFAULT_CSS = """
    WizardScreen { layout: horizontal; }
    """
    # Below 100 columns (the 80x24 SSH session) the sidebar narrows to markers, ids and a few
    # letters of each title, so forms and the accounts table get the room.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    # No auto focus: on_mount focuses the resume widget. Auto focus would first focus the
    # sidebar (the first focusable widget) and restyle and redraw it twice before the first frame.
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+n", "next", "Next"),
        Binding("ctrl+b", "back", "Back"),
        Binding("escape", "back", "Back", show=False),
        # Enter in a field moves on at once: the Input's own Enter posts Submitted, a message of its
        # own that tui/key_order.py cannot wait for, so keys typed after it reached the old field.
        Binding("enter", "enter_in_field", show=False, priority=True),
    ]

    _laid_out_at: Size | None = None  # the size of the last full layout (see on_resize)

    def compose(self) -> ComposeResult:
        self.panes = PaneCatalog()
        # Everything the first frame shows is decided here, before the first layout: the
        # statuses, the pane to resume at (composed in place, not mounted afterwards) and the
        # width class. Each change after the first layout cost another layout and full render.
        self.start_step = self._choose_start_step()
        first = self.panes.pane(self.panes.slot_of(self.start_step))
        # Nothing is mounted yet: the screen's styles are applied as a whole when it is shown.
        self.set_class(True, self._width_class(self.app.size.width), update=False)
        yield TitleBar()
        yield StepSidebar(self.statuses, self.start_step)
        # Other panes are mounted when first opened: composing all ten tripled start-up.
        with ContentSwitcher(id="content", initial=first.id):
            yield first
        yield KeysFooter()  # ctrl+p works without being shown; F1 lists it

    def _width_class(self, width: int) -> str:
        """The class Textual's breakpoints will give the screen: set up front, so they find
        nothing to change and the whole screen is not restyled after the first layout."""
        return next(name for edge, name in reversed(self.HORIZONTAL_BREAKPOINTS) if width >= edge)

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
        self.sub_title = self.wizard.status_line()
        pane = self.current_pane
        if self.wizard.seen_steps.intersection(pane.STEP_IDS):
            pane.reveal_errors()  # values from a file: show their gaps at once
        pane.focus_step(self.start_step, True)

    def _choose_start_step(self) -> str:
        """The resume step: the first one not done yet."""
        self._compute_status()
        return self.resume_step()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # The first resume comes right after the widgets were mounted and styled: Textual would
        # restyle the whole screen once more (~10% of the start-up) for nothing.
        if self._laid_out_at is None:
            event.refresh_styles = False
        self._laid_out_at = self.app.size  # what Textual lays the resumed screen out at

    def on_resize(self, event: events.Resize) -> None:
        # Textual lays the screen out when it is first shown, then again for the app's first
        # Resize and for the screen's own Resize, at the same size: each is a full reflow and
        # repaint of every widget before the first frame. A size the screen was laid out at
        # changes nothing (widgets that change ask for a layout themselves). ``self.size`` is
        # the app's size already, hence the size noted here.
        if event.size == self._laid_out_at:
            event.prevent_default()
        self._laid_out_at = event.size

    def resume_step(self) -> str:
        """Where to start: the first step that is neither done nor checked (A1 on a new file)."""
        for step_id, status in self.statuses.items():
            if status in (StepStatus.TODO, StepStatus.PROBLEM):
                return step_id
        return SUMMARY

    # --- status -------------------------------------------------------------------------------

    def _compute_status(self) -> None:
        self.statuses = self.wizard.statuses()

    def refresh_status(self) -> None:
        self._compute_status()
        self.sidebar.update_statuses(self.statuses)
        self.sub_title = self.wizard.status_line()
        self.current_pane.refresh_status(self.statuses)

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
        pane = self.panes.pane(self.panes.slot_of(step_id))
        self.sidebar.show_step(step_id)
        self.show_pane(pane, pane.focus_step, step_id, top)

    def goto_field(self, path: str) -> None:
        found = first_step_for_field(path)
        if found is None:
            self.goto_step(SUMMARY)
            return
        pane = self.panes.pane(self.panes.slot_of(found.id))
        self.sidebar.show_step(found.id)
        self.show_pane(pane, pane.focus_field, path)

    def _if_current(self, pane: StepPane, callback: Callable[..., object], *args: object) -> None:
        """Run a deferred focus only if no later jump has opened another pane meanwhile."""
        if self.query_one(ContentSwitcher).current == pane.id:
            callback(*args)

    def _step_pane_index(self) -> int:
        return self.panes.index(self.query_one(ContentSwitcher).current)

    def action_next(self) -> None:
        index = self._step_pane_index()
        if index + 1 < len(SLOTS):
            self.goto_step(SLOTS[index + 1].step_ids[0], top=True)

    def action_back(self) -> None:
        index = self._step_pane_index()
        if index > 0:
            self.goto_step(SLOTS[index - 1].step_ids[0], top=True)

    def action_enter_in_field(self) -> None:
        """Enter in a pane's text field: on to the next field (or page) at once. Anything else
        focused gets its Enter as usual (a button presses, a box ticks, a list chooses)."""
        focused = self.focused
        if not isinstance(focused, Input) or not isinstance(focused.parent, Widget):
            raise SkipAction()
        row = focused.parent
        if "FieldRow" not in row._css_type_names:
            raise SkipAction()
        self.current_pane.enter_in(focused)

    def action_help(self) -> None:
        from tui.screens.help import help_for  # loaded on first F1, not before the first frame

        self.app.push_screen(help_for(self))

    def scroll_to_center(self, widget: Widget, *args: Any, **kwargs: Any) -> None:
        """Focus scrolls a field's whole row (label above, error below) into view, not just
        its input; without animation, so the row is where the admin looks at once."""
        # By CSS type name: importing the form widgets here would cost the first frame.
        rows = (a for a in widget.ancestors if "FieldRow" in a._css_type_names)
        row = cast("Widget | None", next(rows, None))
        kwargs["animate"] = False
        super().scroll_to_center(row or widget, *args[1:], **kwargs)

    @on(StepSidebar.StepChosen)
    def _chosen(self, event: StepSidebar.StepChosen) -> None:
        self.goto_step(event.step_id)
