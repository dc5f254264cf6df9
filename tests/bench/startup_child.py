"""One start-up, timed from inside: ``python startup_child.py minimal|wizard [SETTINGS FILE]``.

Prints ``time.time()`` at the moment the first screen is on the terminal and ready for keys
(Textual's ``Ready`` event: DOM mounted and the first frame drawn), then exits. The parent noted
the time just before it started this process; the difference is the start-up time. Both apps run
headless, through the same code path a user's start takes (``tui.cli.main`` for the wizard).
"""

from __future__ import annotations

import sys
import time


def _headless(app_class: type) -> None:
    """Make ``App.run`` headless and report the first ready frame."""
    original_run = app_class.run

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["headless"] = True
        return original_run(self, *args, **kwargs)

    def on_ready(self) -> None:  # type: ignore[no-untyped-def]
        print(f"READY {time.time():.6f}", flush=True)
        if "msal" in sys.modules or "exchangelib" in sys.modules:
            print("HEAVY-IMPORTS", flush=True)
        self.exit(0)

    app_class.run = run
    app_class.on_ready = on_ready


def minimal() -> int:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class OneLabel(App[int]):
        def compose(self) -> ComposeResult:
            yield Label("Hello")

    _headless(OneLabel)
    OneLabel().run()
    return 0


def wizard(settings_file: str) -> int:
    from tui import cli
    from tui.app import MailSetupApp

    _headless(MailSetupApp)
    return cli.main(["--config", settings_file])


if __name__ == "__main__":
    sys.exit(minimal() if sys.argv[1] == "minimal" else wizard(sys.argv[2]))
