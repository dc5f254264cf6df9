"""Checkboxes whose state reads without colour: a tick when on, a blank when off.

Textual draws the same "X" for on and off and tells them apart by colour only, which is lost
with ``NO_COLOR`` and on monochrome projectors. These subclasses change the glyph and nothing else.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton

TICK = "✓"


class TickBox(Checkbox):
    """A Checkbox showing ✓ when ticked."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 - the name Textual's ToggleButton reads
        return TICK if self.value else " "


class TickSelectionList(SelectionList[str]):
    """A SelectionList showing ✓ on the selected items."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        style = segments[1].style
        index = style.meta.get("option") if style is not None else None
        if index is None:
            return strip
        selected = self.get_option_at_index(index).value in self.selected
        segments[1] = Segment(TICK if selected else " ", style)
        return Strip(segments, strip.cell_length)
