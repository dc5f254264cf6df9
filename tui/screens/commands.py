"""Command palette (Ctrl+P): "Go to step A17 — Allow public client flows" for each step, Save."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.guide import STAGES, STEPS

if TYPE_CHECKING:
    from tui.app import MailSetupApp


Command = tuple[str, Callable[[], object], str]  # text, callback, help


class ListedCommands(Provider):
    """A provider over a plain list of commands; subclasses say which in ``_commands``."""

    def _commands(self) -> list[Command]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for text, callback, help in self._commands():
            yield DiscoveryHit(text, callback, help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help)


class StepCommands(ListedCommands):
    """Every guide step, the summary and Save as palette commands."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast("MailSetupApp", self.app)
        found: list[tuple[str, Callable[[], object], str]] = [
            (f"Go to step {s.id} — {s.title}", partial(app.action_goto_step, s.id), STAGES[s.stage])
            for s in STEPS
        ]
        found.append(
            ("Go to the summary", partial(app.action_goto_step, "Summary"), "Every value, Save")
        )
        found.append(("Save settings", app.action_save, str(app.store.path.name)))
        return found
