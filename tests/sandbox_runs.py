"""One way to run a sandbox tenant for a test module: started, then stopped with exchangelib's
process-wide cached connections closed, so the next module starts clean."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tui.sandbox.sandbox import Sandbox

if TYPE_CHECKING:
    from tui.app import MailSetupApp


@contextmanager
def running_sandbox(scenario: str = "ready", port: int = 0) -> Iterator[Sandbox]:
    sb = Sandbox(scenario, port=port).start()
    try:
        yield sb
    finally:
        from exchangelib import close_connections

        close_connections()
        sb.stop()


def app_on(sandbox: Sandbox, tmp_path: Path, timeout: float = 10.0) -> MailSetupApp:
    """The wizard on a settings file written for this sandbox, with a short network timeout."""
    from tui.app import MailSetupApp
    from tui.settings.store import save_settings

    settings = sandbox.settings()
    settings.checks.timeout = timeout
    return MailSetupApp(save_settings(settings, tmp_path / "settings.toml"))
