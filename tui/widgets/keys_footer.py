"""The wizard's footer: Textual's ``Footer``, with its keys already in the first frame.

Textual's Footer adds its keys only once the screen first announces its bindings, a refresh
after the first frame, so the wizard's first frame had an empty footer line; and it composes
all of them again on every focus change, even when the keys shown stay the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

Shown = tuple[tuple[str, str, str, bool, str], ...]


def shown_keys(screen: Screen) -> Shown:
    """What a footer shows for the screen's bindings now (key, label, action, enabled, tip)."""
    return tuple(
        (binding.key, binding.description, binding.action, enabled, tooltip)
        for _, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show
    )


class KeysFooter(Footer):
    """A Footer that composes its keys at once and again only when they change."""

    def __init__(self, *, compact: bool = False, show_command_palette: bool = True) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._shown: Shown = ()
        # Textual's own flag for "the screen's bindings are known": they are, from the start.
        self.set_reactive(Footer._bindings_ready, True)

    def compose(self) -> ComposeResult:
        self._shown = shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        keys = shown_keys(screen)
        if keys != self._shown:
            self._shown = keys
            super().bindings_changed(screen)
