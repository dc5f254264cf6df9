"""One way to run a sandbox tenant for a test module: started, then stopped with exchangelib's
process-wide cached connections closed, so the next module starts clean."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tui.sandbox.sandbox import Sandbox


@contextmanager
def running_sandbox(scenario: str = "ready", port: int = 0) -> Iterator[Sandbox]:
    sb = Sandbox(scenario, port=port).start()
    try:
        yield sb
    finally:
        from exchangelib import close_connections

        close_connections()
        sb.stop()
