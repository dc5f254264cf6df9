"""The checklist of portal steps: a step's checkbox (``StepTick``), its help and call-out.

A portal step is ticked off by hand. Panes with a run of them yield :func:`checklist_widgets`
(the widgets straight in the pane); :class:`ChecklistItem` wraps one step in a container.
:class:`~tui.screens.panes.base.StepPane` finds these widgets to focus a step, show the blame of
the last checks under it and record a tick in the settings.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from tui.guide import step
from tui.widgets.ticks import TickBox


def step_range(ids: tuple[str, ...]) -> str:
    """How a pane's title names its run of steps: ``A1`` or ``A1–A7``."""
    return ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}"


class StepTick(TickBox, inherit_css=False):
    """A portal step's checkbox, labelled with the step's id and title; ticked = done.

    Its look is spelled out here instead of inherited (``inherit_css=False``): the first frame
    shows two of these and no other toggle, and Textual's ToggleButton sheet (13 rules, ~3 ms
    to parse, plus restyling) is written for every variant. These rules give the same look as a
    compact Checkbox with app.tcss's focus rules, in colour, ANSI and NO_COLOR (the snapshots
    hold it). It is not a "Checkbox" to CSS or queries any more: query ``StepTick``.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"toggle--button", "toggle--label"}
    DEFAULT_CSS = """
    StepTick {
        width: auto; height: auto; padding: 0; border: none; background: $surface;
        text-wrap: nowrap; text-overflow: ellipsis; pointer: pointer;
        & > .toggle--button { color: $panel-darken-2; background: $panel; }
        &.-on > .toggle--button { color: $text-success; background: $panel; }
        &:focus {
            background-tint: $foreground 5%; text-style: bold;
            & > .toggle--label {
                color: $block-cursor-foreground; background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
        &:nocolor:focus > .toggle--label { text-style: bold reverse; }
        &:blur:hover > .toggle--label { background: $block-hover-background; }
        &:ansi {
            background: ansi_default;
            & > .toggle--button {
                background: $ansi-background; color: $ansi-foreground; text-style: dim;
            }
            &.-on > .toggle--button {
                color: $accent; background: $ansi-background; text-style: bold not dim;
            }
        }
    }
    """

    def __init__(self, step_id: str, done: bool, *, id: str | None = None) -> None:
        s = step(step_id)
        super().__init__(Text(f"{s.id} {s.title}"), done, compact=True, id=id)
        self.step_id = step_id

    def on_focus(self) -> None:
        pane = self.parent
        if isinstance(pane, ChecklistItem) or pane is None:
            return  # the item brings itself into view (on_descendant_focus)
        # Straight in a pane: the help and call-out below the box come into view with it, as
        # the item container did (its region and the gap after it).
        siblings = list(pane.children)
        rest = []
        for widget in siblings[siblings.index(self) + 1 :]:
            if not (widget.has_class("step-help") or widget.has_class("callout")):
                break
            rest.append(widget)

        def show() -> None:
            region = self.virtual_region_with_margin
            for widget in rest:
                region = region.union(widget.virtual_region_with_margin)
            pane.scroll_to_region(region, animate=False)

        self.call_after_refresh(show)


def blame_text(titles: list[str]) -> Text:
    """The note under a step the last live check blames (the diagnoses' titles)."""
    text = Text(f"✗ The last check failed here: {'; '.join(titles)}. ")
    text.append("Fix it, then test again.")
    return text


class ChecklistItem(Vertical):
    """One portal step to tick off: the checkbox with the step's title, its help below.

    Panes with a run of steps (``ChecklistPane``) yield :func:`checklist_widgets` instead: the
    same widgets without a container each, which the first frame waits less for."""

    DEFAULT_CSS = """
    ChecklistItem { height: auto; margin: 0 0 1 0; }
    ChecklistItem > .step-help { color: $text-muted; padding: 0 0 0 4; }
    ChecklistItem > .callout { border-left: thick $warning; padding: 0 1; margin: 1 0 0 4; }
    ChecklistItem > .step-blame {
        display: none; border-left: thick $error; padding: 0 1; margin: 1 0 0 4; text-style: bold;
    }
    ChecklistItem.-blamed > .step-blame { display: block; }
    """

    def __init__(self, step_id: str, done: bool, callout: str = "") -> None:
        super().__init__(id=f"step-{step_id.lower()}")
        self.step_id = step_id
        self.done = done
        self.callout = callout

    def compose(self) -> ComposeResult:
        yield StepTick(self.step_id, self.done)
        yield Static(Text(step(self.step_id).help), classes="step-help")
        if self.callout:
            yield Static(Text(self.callout), classes="callout")

    def show_blame(self, titles: list[str]) -> None:
        """✗ under a step the last live check blames (ticked or not), until a check passes.
        Mounted on first need: start-up composes no widget for it."""
        self.set_class(bool(titles), "-blamed")
        if not titles:
            return
        text = blame_text(titles)
        found = self.query(".step-blame")
        if found:
            found.first(Static).update(text)
        else:
            self.mount(Static(text, classes="step-blame"))

    @property
    def checkbox(self) -> StepTick:
        return self.query_one(StepTick)

    def on_descendant_focus(self) -> None:
        # The help sits below the checkbox: bring the whole item into view, not just the box.
        self.scroll_visible(animate=False)


def checklist_widgets(step_id: str, done: bool, callout: str = "") -> list[Widget]:
    """A checklist item as widgets straight in a pane: the box (``#step-a1``), its help and
    call-out, the last of them keeping the gap to the next item. A container per item was a
    tenth of the wizard's start-up (seven items on the first pane)."""
    help_classes = "step-help" if callout else "step-help -item-end"
    widgets: list[Widget] = [
        StepTick(step_id, done, id=f"step-{step_id.lower()}"),
        Static(Text(step(step_id).help), classes=help_classes),
    ]
    if callout:
        widgets.append(Static(Text(callout), classes="callout -item-end"))
    return widgets
