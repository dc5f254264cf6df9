"""The wizard's title line: Textual's ``Header`` (no clock) drawn by one widget.

``Header`` is four widgets (itself, the icon, the title, the clock space), each styled, laid out
and painted on its own before the first frame. This one draws the same line: the icon in the
first eight columns, the title and sub-title (as the app formats them) centred between, ten
columns kept free on the right, in the header's colours. It follows title changes the way
``Header`` does. The icon does not open the command palette on a click: no mouse here, and
ctrl+p does.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

ICON = "⭘"
ICON_WIDTH = 8  # Header's icon column: one space, the icon, padding to eight
CLOCK_WIDTH = 10  # the clock space Header keeps on the right even without a clock


class TitleBar(Widget, can_focus=False):
    """One line at the top: icon, then the screen's title and sub-title centred."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            self.watch(node, "title", self._retitle, init=False)
            self.watch(node, "sub_title", self._retitle, init=False)

    def _retitle(self) -> None:
        self.refresh()

    def render(self) -> Content:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        middle = max(self.size.width - ICON_WIDTH - CLOCK_WIDTH, 0)
        return Content.assemble(
            f" {ICON}".ljust(ICON_WIDTH),
            app.format_title(title, sub_title).center(middle, ellipsis=True),
            " " * CLOCK_WIDTH,
        )
