"""The live check screen: B10–B13 "Check e-mail settings", C14 "Validate", and "Test everything".

``CheckScreen(target)`` with target "outgoing", "incoming", "incoming:<email>", "all" (outgoing
and every incoming account), "round-trip" (outgoing plus the round trip to an incoming mailbox),
or several of these joined by commas ("retry failed" passes the failed accounts that way).

The pipeline (:class:`tui.checks.CheckRunner`) runs in a thread worker; its events come back as
messages and fill one row per step per target. A failed step opens its diagnosis right here, with
keys to jump to the guide step that fixes it, show Microsoft's raw error, and copy the details
(secrets masked). Failures that are usual right after setup (403, AADSTS700016, AADSTS65001) are
retried after an announced countdown that the admin may stop. Esc returns at once, whatever the
worker is doing: the thread cannot be killed, so it is told to cancel and finishes in the
background, bounded by the check timeout. After a run the outcome goes to the app: the sidebar's
B13 / C14 and each account's Val. column and last-validated time.

The screen is built in layers, one module each, every one a ``Screen`` so that Textual finds its
message handlers and key actions: the run and its thread (``check_run``), what the screen shows
as the run reports (``check_results``), the keys (``check_keys``), and here the layout.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, ProgressBar, Static

from tui.safe_text import terminal_safe
from tui.screens.check_keys import CheckKeysScreen
from tui.screens.check_outcomes import screen_title
from tui.widgets.diagnosis import DiagnosisPanel

__all__ = ["CheckScreen"]


class CheckScreen(CheckKeysScreen):
    """Runs the live checks for one target string and shows them as they happen."""

    # The title, the route and the advice during a retry stay on screen (80x24: the rows and
    # the diagnosis below scroll); before, the countdown pushed them out of view.
    # Here rather than in a sheet of styles/: the wizard's first frame need not parse them.
    DEFAULT_CSS = """
    CheckScreen #check-head { height: auto; max-height: 50%; padding: 0 1; }
    CheckScreen #guide-marks { height: auto; }
    CheckScreen #check-body { height: 1fr; padding: 0 1; }
    CheckScreen #check-title { text-style: bold; }
    CheckScreen #check-route { color: $warning; text-style: bold; }
    CheckScreen #check-progress { height: 1; }
    CheckScreen #check-rows { height: auto; }
    CheckScreen #retry-note {
        height: auto; border-left: thick $warning; padding: 0 1; margin: 1 0 0 0;
    }
    CheckScreen #check-verdict { height: auto; margin: 1 0 0 0; }
    CheckScreen #check-verdict.-ok { color: $success; }
    CheckScreen #check-verdict.-failed { color: $error; }
    CheckScreen #copied-note { height: auto; color: $success; }
    CheckScreen #check-warnings { height: auto; color: $warning; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="check-head"):
            # account addresses come from the settings file
            title = terminal_safe(screen_title(self.target))
            yield Static(Text(title), id="check-title", classes="pane-title")
            yield Static("", id="check-route")
            yield Static("", id="retry-note")
        with VerticalScroll(id="check-body"):
            yield ProgressBar(id="check-progress", show_eta=False)
            yield VerticalScroll(id="check-rows")
            yield Static("", id="check-verdict")
            yield Static("", id="guide-marks")
            yield Static("", id="check-warnings")
            yield Static("", id="copied-note")
            yield DiagnosisPanel()
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        sandbox = getattr(self.wizard, "sandbox", None)
        self.query_one("#check-route", Static).display = sandbox is not None
        if sandbox is not None:
            self._update_route()
            self.set_interval(1.0, self._update_route)
        self.set_interval(0.1, self._tick)
        self.start(self.target)

    def _update_route(self) -> None:
        """Training mode: where the checks go, and whether a portal change is still settling —
        otherwise a trainee who just flipped a switch sees the old error and thinks it failed."""
        from tui.demo import sandbox_address

        sandbox = self.wizard.sandbox
        text = Text(f"Training: checks go to the sandbox tenant at {sandbox_address(sandbox)}")
        left = sandbox.seconds_to_settle()
        if left > 0:
            text.append(
                f"\nThe tenant is still applying a portal change ({left:.0f} s left): until then "
                "it answers as before, as Microsoft does right after setup.",
                style="bold",
            )
        self.query_one("#check-route", Static).update(text)

    def _tick(self) -> None:
        for row in self.rows.values():
            row.tick()

    def on_unmount(self) -> None:
        self.cancel.set()  # the wizard quitting: the run's sockets are shut, its thread ends

    def details_for_test(self) -> dict[str, Any]:
        """What the screen shows, for tests: verdict text and the problem's guide step."""
        event = self.current_problem
        verdict = self.query_one("#check-verdict", Static).render()
        return {
            "verdict": str(verdict),
            "step": event.diagnosis.guide_step if event and event.diagnosis else None,
            "code": event.diagnosis.code if event and event.diagnosis else None,
        }
