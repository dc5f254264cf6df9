"""Keys handled in the order they were typed, also when several arrive at once.

Textual hands a key to the focused widget's message queue and looks at the ordinary (not
priority) bindings only when the key has bubbled back up to the app, one widget queue at a time:
an Input's own Backspace and arrows, a screen's keys, the app's. Keys that arrive together
(typed ahead over a lagging SSH link, or while the app was busy drawing) were all handed out
before the first came back: "abc<Backspace>d<Left>x" became "abcd", and "user<Tab>password" put
the password, readable, into the user name field (measured; `tests/ui/test_typeahead.py`).

:class:`KeysInOrder` (mixed into the App) finishes one key before it takes the next: it follows
the key up the focused widget's ancestors, waiting for each queue to reach it, and when the key
comes back to the app it runs the app's bindings for it there and then, instead of queueing it
behind the keys typed after it. A widget that does not answer within :data:`STEP_TIMEOUT` (one
closing, or busy) is not waited for longer: keys then go on as Textual would send them.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App
from textual.message import Message

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

STEP_TIMEOUT = 0.5  # seconds one widget's queue may take to reach the key


class KeysInOrder(App[Any]):
    """An App that handles each key completely before the next one."""

    _key_in_flight: events.Key | None = None
    _key_came_back = False

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        self._key_in_flight, self._key_came_back = event, False
        try:
            await super().on_event(event)  # priority bindings, else to the focused widget
            if event.is_forwarded:
                await self._follow(event, self.focused or self.screen)
        finally:
            self._key_in_flight = None

    async def _follow(self, key: events.Key, node: MessagePump | None) -> None:
        """Wait until the key is handled below the app; if it comes back, handle it here."""
        while node is not None and node is not self and not self._key_came_back:
            await _caught_up(node)
            node = node._parent
        if self._key_came_back:
            await App._on_key(self, key)  # the app's bindings, as when a key bubbles up

    def post_message(self, message: Message) -> bool:
        if message is self._key_in_flight and message.is_forwarded:
            self._key_came_back = True  # handled by _follow, in its turn
            return True
        return super().post_message(message)


async def _caught_up(node: MessagePump) -> None:
    """Return once ``node`` has handled what was in its queue (or at once if it is closing)."""
    done = asyncio.get_running_loop().create_future()

    def mark() -> None:
        if not done.done():
            done.set_result(None)

    if not node.call_later(mark):
        return
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(done, STEP_TIMEOUT)
