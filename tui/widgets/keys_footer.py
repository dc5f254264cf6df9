"""The wizard's footer: the screen's keys on one line, drawn by one widget.

Textual's ``Footer`` is a container with one ``FooterKey`` widget per key; each is styled, laid
out and painted on its own, which made the footer about a fifth of what the wizard's first frame
waited for beyond a one-label app. This widget draws the same line (compact style: the key in
the footer's key colours, its label after one space, one space between keys, disabled keys dim)
from the screen's active bindings, and redraws only when the keys shown change. Keys are not
clickable: the wizard is used from the keyboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen

Shown = tuple[tuple[str, str, str, bool, str], ...]


def shown_keys(screen: Screen) -> Shown:
    """What a footer shows for the screen's bindings now (key as shown, label, action, enabled,
    tip), as Textual's Footer lists them."""
    app = screen.app
    shown: dict[str, tuple[str, str, str, bool, str]] = {}
    for _, binding, enabled, tooltip in screen.active_bindings.values():
        if binding.show and binding.action not in shown:  # one entry per action, as Footer does
            shown[binding.action] = (
                app.get_key_display(binding), binding.description, binding.action, enabled, tooltip
            )
    return tuple(shown.values())


class KeysFooter(Widget, can_focus=False):
    """One line at the bottom of the screen: each shown key and what it does."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keys-footer--key", "keys-footer--description"}
    # The colours are Textual's own footer variables, so themes and NO_COLOR treat it alike.
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        text-wrap: nowrap;
        text-overflow: clip;
        color: $footer-foreground;
        background: $footer-background;
        .keys-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .keys-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._shown: Shown = ()

    def on_mount(self) -> None:
        self._shown = shown_keys(self.screen)
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        keys = shown_keys(screen)
        if keys != self._shown:
            self._shown = keys
            self.refresh()

    def render(self) -> Text:
        if not self._shown and self.is_attached:
            self._shown = shown_keys(self.screen)
        key_style = self.get_component_rich_style("keys-footer--key")
        label_style = self.get_component_rich_style("keys-footer--description")
        line = Text(no_wrap=True, overflow="crop")
        for index, (key, label, _action, enabled, _tip) in enumerate(self._shown):
            if index:
                line.append(" ")
            dim = Style() if enabled else Style(dim=True)
            line.append(key, key_style + dim)
            if label:
                line.append(" " + label, label_style + dim)
        return line
