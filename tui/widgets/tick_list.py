"""A SelectionList whose items read without colour: ``[✓]`` when selected, ``[ ]`` when not.

The same reason as :class:`tui.widgets.ticks.TickBox`; kept apart so that the wizard's first
frame does not wait for SelectionList (only the account modal uses it).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton

from tui.widgets.ticks import LEFT, RIGHT, TICK


class TickSelectionList(SelectionList[str]):
    """A SelectionList showing ``[✓]`` on the selected items and ``[ ]`` on the others."""

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
        # Textual draws the sides in the button's background colour: invisible without colour.
        side = self.rich_style
        segments[0] = Segment(LEFT, side)
        segments[2] = Segment(RIGHT, side)
        return Strip(segments, strip.cell_length)
