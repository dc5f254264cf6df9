"""What every content pane shares: its steps, the title, checklist items, field editing.

The checklist widgets themselves (a step's box, help and call-out) are in
:mod:`tui.screens.panes.checklist`; :class:`StepPane` here finds, focuses and records them.

A pane covers a run of guide steps (``STEP_IDS``); the sidebar and "go to" open the pane that
holds a step and ask it to focus that step's widget. Panes edit the app's one Settings object in
place and tell the app after each edit, which marks the work unsaved and refreshes the statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from tui.guide import step
from tui.screens.panes.checklist import (
    ChecklistItem,
    StepTick,
    blame_text,
    checklist_widgets,
    step_range,
)
from tui.settings.model import Settings
from tui.widgets.field_access import get_text, get_value, set_text
from tui.widgets.step_status import StepStatus

if TYPE_CHECKING:
    from tui.app import MailSetupApp
    from tui.widgets.form import FieldCheckbox, FieldEdited, FieldInput, FieldSelect

# The form widgets (tui.widgets.form) are imported by the panes that have fields, when they
# compose: the first frame shows a checklist and need not pay for the field classes. Queries
# name them by CSS type ("FieldRow" matches every row class) for the same reason.

# The checklist widgets live in tui.screens.panes.checklist; panes and tests import them from
# here too, with StepPane.
__all__ = ["ChecklistItem", "StepPane", "StepTick", "checklist_widgets", "step_range"]


class StepPane(VerticalScroll, can_focus=False):
    """Base class: a scrollable column of one step group's widgets.

    Not focusable itself: Tab goes from widget to widget, and focusing one scrolls it into view.
    """

    DEFAULT_CSS = """
    StepPane { padding: 0 1; scrollbar-size-vertical: 1; }
    StepPane > .pane-title { text-style: bold; color: $accent; margin: 0 0 1 0; }
    StepPane > .section-title { text-style: bold; margin: 0 0 1 0; }
    StepPane > .pane-intro { color: $text-muted; margin: 0 0 1 0; }
    StepPane > .step-help { color: $text-muted; padding: 0 0 0 4; }
    StepPane > .callout { border-left: thick $warning; padding: 0 1; margin: 1 0 0 4; }
    /* The gap after an item (whole margins: a margin-bottom rule here reset the others). */
    StepPane > .step-help.-item-end { margin: 0 0 1 0; }
    StepPane > .callout.-item-end { margin: 1 0 1 4; }
    StepPane > .step-blame {
        border-left: thick $error; padding: 0 1; margin: 0 0 1 4; text-style: bold;
    }
    """

    STEP_IDS: tuple[str, ...] = ()
    TITLE = ""

    @property
    def wizard(self) -> MailSetupApp:
        return cast("MailSetupApp", self.app)

    @property
    def settings(self) -> Settings:
        return self.wizard.settings

    def compose_title(self) -> Static:
        return Static(Text(f"{step_range(self.STEP_IDS)}  {self.TITLE}"), classes="pane-title")

    def checklist(self, step_id: str, callout: str = "") -> ChecklistItem:
        return ChecklistItem(step_id, step_id in self.settings.done_steps, callout)

    def field_input(self, path: str, check=None, **kwargs) -> FieldInput:  # type: ignore[no-untyped-def]
        from tui.widgets.form import FieldInput

        return FieldInput(
            path, get_text(self.settings, path), check=check, id=_row_id(path), **kwargs
        )

    def field_select(self, path: str, choices: dict[str, str], **kwargs) -> FieldSelect:  # type: ignore[no-untyped-def]
        from tui.widgets.form import FieldSelect

        return FieldSelect(path, get_text(self.settings, path), choices, id=_row_id(path), **kwargs)

    def field_checkbox(self, path: str, **kwargs) -> FieldCheckbox:  # type: ignore[no-untyped-def]
        from tui.widgets.form import FieldCheckbox

        return FieldCheckbox(path, bool(get_value(self.settings, path)), id=_row_id(path), **kwargs)

    # --- showing and focusing -----------------------------------------------------------------

    def on_mount(self) -> None:
        self.call_after_refresh(self.refresh_status, {})

    def refresh_values(self) -> None:
        """Show what the settings hold now (a field shared with another pane, a loaded file)."""
        rows = self.query("FieldRow")
        if rows:
            self._refresh_rows(list(rows))
        for box in self.query(StepTick):
            wanted = box.step_id in self.settings.done_steps
            if box.value != wanted:
                with box.prevent(Checkbox.Changed):
                    box.value = wanted

    def _refresh_rows(self, rows: list[Widget]) -> None:
        from tui.widgets.form import FieldCheckbox, FieldInput, FieldSelect

        for row in rows:
            if isinstance(row, (FieldInput, FieldSelect)):
                row.set_value(get_text(self.settings, row.path))
            elif isinstance(row, FieldCheckbox):
                row.set_value(bool(get_value(self.settings, row.path)))

    def refresh_status(self, statuses: Mapping[str, StepStatus]) -> None:
        """The statuses changed (an edit, a save, a check): show the blame of the last checks
        under the steps they name. Panes that show more (the summary, B13's result line)
        extend this; it runs on every keystroke, so it only touches this pane's items."""
        blames = self.wizard.outcomes.blames(self.settings)
        for item in self.query(ChecklistItem):
            if item.is_mounted:
                titles = [b.title for _, b in blames.get(item.step_id, [])]
                item.show_blame(list(dict.fromkeys(titles)))
        for tick in self.query(StepTick):
            if tick.is_mounted and tick.parent is self:  # a checklist item straight in the pane
                titles = [b.title for _, b in blames.get(tick.step_id, [])]
                self._show_flat_blame(tick, list(dict.fromkeys(titles)))

    def _show_flat_blame(self, tick: StepTick, titles: list[str]) -> None:
        """What :meth:`ChecklistItem.show_blame` does, for an item without a container: the note
        goes after the item's help and call-out, mounted on first need."""
        if not titles and not tick.has_class("-blamed"):
            return  # nothing shown, nothing to show: the usual case, and on every keystroke
        tick.set_class(bool(titles), "-blamed")
        found = self.query(f"#blame-{tick.step_id.lower()}")
        if not titles:
            if found:
                found.first().remove()
            return
        text = blame_text(titles)
        if found:
            found.first(Static).update(text)
            return
        siblings = list(self.children)
        last: Widget = tick
        for widget in siblings[siblings.index(tick) + 1 :]:
            if not (widget.has_class("step-help") or widget.has_class("callout")):
                break
            last = widget
        note = Static(text, classes="step-blame", id=f"blame-{tick.step_id.lower()}")
        self.mount(note, after=last)

    def focus_first(self) -> None:
        for widget in self.query("*"):
            if widget.focusable:
                widget.focus()
                return
        self.scroll_home(animate=False)

    def focus_step(self, step_id: str, top: bool = False) -> None:
        """Focus the widget of a step: its checklist item, or the first field it edits.

        ``top`` (Next/Back) opens the pane at its first widget instead, so forms fill top-down.
        """
        if top:
            self.focus_first()
            # After the focused row has scrolled itself into view (one refresh later), show the
            # pane from its title: the first widget sits right under it anyway.
            self.call_after_refresh(self.call_after_refresh, self.scroll_home, animate=False)
            return
        target = self._step_widget(step_id)
        if isinstance(target, ChecklistItem | StepTick):
            box = target.checkbox if isinstance(target, ChecklistItem) else target
            if box.has_focus:
                if isinstance(target, ChecklistItem):
                    target.scroll_visible(animate=False)
                else:
                    target.on_focus()
            else:
                # Focusing scrolls the item into view (on_descendant_focus, on_focus); scrolling
                # here as well, before the layout catches up, scrolled past it.
                box.focus()
            return
        if target is not None and target.focusable:
            target.focus()
            return
        for path in step(step_id).fields:
            if self.focus_field(path):
                return
        self.focus_first()

    def _step_widget(self, step_id: str) -> Widget | None:
        """The checklist item ``#step-a1``, or a widget tagged with ``step_id`` (B13's button)."""
        found = self.query(f"#step-{step_id.lower()}")
        if found:
            return found.first()
        return next((w for w in self.query("*") if getattr(w, "step_id", None) == step_id), None)

    def focus_field(self, path: str) -> bool:
        """Focus the row of a field path and show its error; False when this pane lacks it."""
        found = self.query(f"#{_row_id(path)}")
        if not found:
            return False
        from tui.widgets.form import FieldInput, FieldRow

        row = found.first(FieldRow)
        if not row.display:  # a switch says it does not apply (the secret under another flow)
            return False
        if isinstance(row, FieldInput):
            row.reveal()
        row.focus_control()
        # A jump lands in the middle of the pane, whatever the scroll position was before; two
        # refreshes later, so a pane opened just now has its full height laid out.
        self.call_after_refresh(self.call_after_refresh, self.scroll_to_center, row, animate=False)
        return True

    def reveal_errors(self) -> None:
        for row in self.query("FieldInput"):
            row.reveal()  # type: ignore[attr-defined]

    def current_step(self) -> str:
        """The step the focused widget belongs to, for F1; the pane's first step otherwise."""
        node = self.screen.focused
        while node is not None and node is not self:
            if isinstance(node, ChecklistItem | StepTick):
                return node.step_id
            path = getattr(node, "path", None) if "FieldRow" in node._css_type_names else None
            if path is not None:
                for s in self.STEP_IDS:
                    if path in step(s).fields:
                        return s
            if getattr(node, "step_id", None):
                return str(node.step_id)
            node = node.parent  # type: ignore[assignment]
        return self.STEP_IDS[0]

    # --- editing ------------------------------------------------------------------------------

    def on_field_edited(self, event: FieldEdited) -> None:
        # By handler name, not @on(FieldEdited): the decorator needs the class at import.
        event.stop()
        if not event.valid and event.path.split(".")[-1] in (
            "port",
            "max_file_size_mb",
            "polling_interval",
        ):
            return  # a half-typed number stays on screen only; the settings keep the last good one
        before = get_text(self.settings, event.path)
        try:
            set_text(self.settings, event.path, event.text)
        except ValueError:
            return
        if get_text(self.settings, event.path) == before:
            return  # e.g. a Select announcing its initial value: not an edit
        self.after_edit(event.path)
        self.wizard.settings_changed()

    def after_edit(self, path: str) -> None:
        """Hook for panes whose widgets depend on a value (the client secret on the flow)."""

    @on(Checkbox.Changed)
    def _step_ticked(self, event: Checkbox.Changed) -> None:
        box = event.checkbox
        if not isinstance(box, StepTick):
            return
        event.stop()
        done = self.settings.done_steps
        if event.value == (box.step_id in done):
            return
        if event.value:
            done.append(box.step_id)
        else:
            done.remove(box.step_id)
        self.wizard.settings_changed()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.enter_in(event.input)

    def enter_in(self, field: Widget) -> None:
        """Enter goes on: to the next field, and from the pane's last field to the next pane.
        Called at once by the wizard's Enter binding (keys typed ahead must not reach the
        field being left), and for a submit that comes another way."""
        focusable = [w for w in self.query("*") if w.focusable]
        if focusable and field is focusable[-1]:
            self.screen.action_next()  # type: ignore[attr-defined]
        else:
            self.screen.focus_next()


def _row_id(path: str) -> str:
    return "field-" + path.replace(".", "-").replace("_", "-")
