"""Checkboxes whose state and extent read without colour: ``[✓]`` when on, ``[ ]`` when off.

Textual draws the same "X" for on and off and tells them apart by colour only, and draws the
box's sides in the box's background colour (navy on black in the default theme, one grey on
another under ``NO_COLOR``), so an unticked box was close to invisible. These subclasses draw
brackets in the text colour and a tick or a blank inside; nothing else changes.
The selection-list variant lives in :mod:`tui.widgets.tick_list` (only the account modal needs
it, and SelectionList is not worth importing before the first frame).
"""

from __future__ import annotations

from textual.content import Content, ContentText
from textual.style import Style
from textual.widgets import Checkbox

TICK = "✓"
LEFT, RIGHT = "[", "]"


class TickBox(Checkbox):
    """A Checkbox showing ``[✓]`` when ticked and ``[ ]`` when not."""

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

    @property
    def _button(self) -> Content:
        # The brackets take the widget's own text colour, so they show on every background.
        inner = self.get_visual_style("toggle--button")
        side = Style(foreground=self.styles.color, background=self.background_colors[1])
        return Content.assemble((LEFT, side), (self.BUTTON_INNER, inner), (RIGHT, side))
