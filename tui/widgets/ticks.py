"""Checkboxes whose state reads without colour: a tick when on, a blank when off.

Textual draws the same "X" for on and off and tells them apart by colour only, which is lost
with ``NO_COLOR`` and on monochrome projectors. These subclasses change the glyph and nothing else.
The selection-list variant lives in :mod:`tui.widgets.tick_list` (only the account modal needs
it, and SelectionList is not worth importing before the first frame).
"""

from __future__ import annotations

from textual.content import ContentText
from textual.widgets import Checkbox

TICK = "✓"


class TickBox(Checkbox):
    """A Checkbox showing ✓ when ticked."""

    def __init__(
        self,
        label: ContentText = "",
        value: bool = False,
        button_first: bool = True,
        *,
        compact: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(label, False, button_first, **kwargs)  # type: ignore[arg-type]
        # Set quietly, as Textual's Footer sets its own ``compact``: through the reactives each
        # box restyled itself before it was even mounted (~1 ms a box at start-up). No Changed
        # message is lost: ToggleButton suppresses the initial one too.
        self.set_reactive(TickBox.value, value)
        self.set_reactive(TickBox.compact, compact)
        self.set_class(value, "-on", update=False)
        self.set_class(compact, "-textual-compact", update=False)

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 - the name Textual's ToggleButton reads
        return TICK if self.value else " "
