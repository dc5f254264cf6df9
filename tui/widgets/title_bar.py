"""The wizard's title line: Textual's ``Header`` (no clock) drawn by one widget.

``Header`` is four widgets (itself, the icon, the title, the clock space), each styled, laid out
and painted on its own before the first frame. This one draws the same line: the icon in the
first eight columns, the title and sub-title (as the app formats them) centred between, ten
columns kept free on the right, in the header's colours. It follows title changes the way
``Header`` does. The icon does not open the command palette on a click: no mouse here, and
ctrl+p does.

In training mode (``--demo``, the sandbox tenant running in this process) the line says so for as
long as the wizard runs, in words that read without colour: a reversed TRAINING badge where the
icon is, then "sandbox tenant · F2 portal", and the file's status on the right. A toast said it
once at start-up, but covered the sidebar and F1's help, and with other toasts a dialog's buttons.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

ICON = "⭘"
ICON_WIDTH = 8  # Header's icon column: one space, the icon, padding to eight
CLOCK_WIDTH = 10  # the clock space Header keeps on the right even without a clock
TRAINING_BADGE = " TRAINING "  # training mode: 37 columns with the note after it


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
        if getattr(app, "sandbox", None) is not None:
            return self._training_line(sub_title)
        middle = max(self.size.width - ICON_WIDTH - CLOCK_WIDTH, 0)
        return Content.assemble(
            f" {ICON}".ljust(ICON_WIDTH),
            app.format_title(title, sub_title).center(middle, ellipsis=True),
            " " * CLOCK_WIDTH,
        )

    def _training_line(self, sub_title: str) -> Content:
        """Badge and note on the left, the status (file, unsaved changes) right-aligned: the
        app's name gives way, so that "unsaved changes" still fits at 80 columns."""
        left = Content.assemble(
            (TRAINING_BADGE, "bold reverse"),
            " sandbox tenant · ",
            ("F2", "bold"),
            " portal ",
        )
        room = max(self.size.width - left.cell_length - 1, 0)
        status = Content(sub_title).truncate(room, ellipsis=True)
        return Content.assemble(left, status.pad_left(room - status.cell_length), " ")
