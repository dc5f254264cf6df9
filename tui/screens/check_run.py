"""A run of the live checks on the check screen: its state, its rows, and the thread it runs in.

:class:`CheckRunScreen` is the bottom layer of :class:`tui.screens.checks.CheckScreen`. It starts
a run (asking first for passwords kept out of the settings file), lays out one row per step per
target, and runs :class:`tui.checks.CheckRunner` in a daemon thread whose events come back as
messages. What the screen does with those messages is in ``tui.screens.check_results``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from tui.checks.events import INCOMING_STEPS, OUTGOING_STEPS, CheckEvent, CheckReport
from tui.checks.redact import Redactor
from tui.screens.check_outcomes import RETRY_BOUND, requested_targets
from tui.screens.secrets_prompt import SecretsPrompt, missing_secrets
from tui.widgets.check_rows import CheckStepRow, CheckTargetHeading
from tui.widgets.diagnosis import DiagnosisPanel

if TYPE_CHECKING:
    from tui.app import MailSetupApp
    from tui.settings.model import Settings


class CheckRunScreen(Screen[None]):
    """The run behind the check screen; composed, shown and keyed by its subclasses."""

    # How long the runner may wait for the failures that fix themselves right after setup.
    RETRY_WAIT: ClassVar[float] = RETRY_BOUND

    # The namespace keeps the handler names these messages had when they were declared inside
    # CheckScreen (on_check_screen_step_reported), so nothing that names them changes.
    class StepReported(Message, namespace="check_screen"):
        def __init__(self, run_id: int, event: CheckEvent) -> None:
            super().__init__()
            self.run_id = run_id
            self.event = event

    class RunFinished(Message, namespace="check_screen"):
        def __init__(self, run_id: int, report: CheckReport | None, error: str = "") -> None:
            super().__init__()
            self.run_id = run_id
            self.report = report
            self.error = error

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.run_id = 0
        self.cancel = threading.Event()
        self.running = False
        self.stopped_waiting = False
        self.rows: dict[tuple[str, str], CheckStepRow] = {}
        self.headings: dict[str, CheckTargetHeading] = {}
        self.problems: list[CheckEvent] = []
        self.selected = 0
        self.report: CheckReport | None = None
        self.waiting: dict[str, CheckEvent] = {}
        self.run_targets: list[str] = []

    @property
    def wizard(self) -> MailSetupApp:
        return cast("MailSetupApp", self.app)

    # --- running ------------------------------------------------------------------------------

    def check_settings(self) -> Settings:
        """A private copy for the worker thread; in training mode routed to the sandbox."""
        settings = copy.deepcopy(self.wizard.settings)
        sandbox = getattr(self.wizard, "sandbox", None)
        if sandbox is not None:
            from tui.demo import routed_settings

            settings = routed_settings(settings, sandbox)
        return settings

    def start(self, target: str) -> None:
        missing = missing_secrets(self.wizard.settings, requested_targets(target)[0])
        if missing:
            # Passwords kept out of the file: ask now, then run; Cancel goes back to the wizard.
            def answered(given: bool | None) -> None:
                if given:
                    self.start(target)
                else:
                    self.app.pop_screen()

            self.app.push_screen(SecretsPrompt(missing), answered)
            return
        self.cancel.set()  # a previous run still in its thread stops at its next step
        self.cancel = threading.Event()
        self.run_id += 1
        self.running = True
        self.stopped_waiting = False
        self.problems = []
        self.selected = 0
        self.report = None
        self.waiting = {}
        settings = self.check_settings()
        names, round_trip = requested_targets(target)
        self.run_targets = names
        self._build_rows(settings, names, round_trip)
        self.query_one(DiagnosisPanel).show(None)
        self.query_one("#check-verdict", Static).update(Text("Checking…", style="dim"))
        self.query_one("#retry-note", Static).display = False
        self.query_one("#check-warnings", Static).display = False
        self.query_one("#copied-note", Static).update("")
        self.query_one("#guide-marks", Static).update("")
        self.run_checks(self.run_id, settings, names, round_trip, self.cancel)

    def _build_rows(self, settings: Settings, names: list[str], round_trip: bool) -> None:
        from tui.checks.targets import expand

        found, unknown = expand(settings, names)
        container = self.query_one("#check-rows", VerticalScroll)
        container.remove_children()
        self.rows, self.headings = {}, {}
        widgets: list[Static] = []
        for target in found:
            steps = OUTGOING_STEPS if target.kind == "outgoing" else INCOMING_STEPS
            widgets += self._rows_for(target.name, steps)
        for name in unknown:
            label = name if name.startswith("incoming") else f"incoming:{name}"
            widgets += self._rows_for(label, ("settings",))
        if widgets:
            widgets[0].add_class("-first")
        container.mount_all(widgets)
        progress = self.query_one(ProgressBar)
        progress.update(total=max(1, len(self.rows)), progress=0)
        progress.display = len(self.headings) > 1

    def _rows_for(self, target: str, steps: tuple[str, ...]) -> list[Static]:
        heading = CheckTargetHeading(target)
        self.headings[target] = heading
        rows: list[Static] = [heading]
        for step in steps:
            row = CheckStepRow(target, step)
            self.rows[(target, step)] = row
            rows.append(row)
        return rows

    @work(exclusive=True, exit_on_error=False, group="checks")
    async def run_checks(
        self,
        run_id: int,
        settings: Settings,
        names: list[str],
        round_trip: bool,
        cancel: threading.Event,
    ) -> None:
        # An async worker around a daemon thread, not a thread worker: Textual runs those in
        # asyncio's default executor, which the app's exit joins, so a hung server would hold
        # Ctrl+Q. Cancelling this worker (Esc, a new run, quitting) cancels the run, whose
        # sockets are then shut; the thread ends on its own and nothing waits for it.
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def post(message: Message) -> None:
            # RuntimeError: the app's loop is gone (quit while a request hung)
            with contextlib.suppress(RuntimeError):
                self.post_message(message)

        def finished() -> None:
            if not done.done():
                done.set_result(None)

        def check() -> None:
            try:
                from tui.checks import CheckRunner

                runner = CheckRunner(
                    settings,
                    on_event=lambda event: post(self.StepReported(run_id, event)),
                    wait=self.RETRY_WAIT,
                    cancel=cancel,
                )
                report = runner.run(names, send=True, round_trip=round_trip)
            except BaseException as exc:  # noqa: BLE001 - whatever happens, the app must not crash
                text = Redactor(settings.secrets())(f"{type(exc).__name__}: {exc}")
                post(self.RunFinished(run_id, None, text))
            else:
                post(self.RunFinished(run_id, report))
            finally:
                with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
                    loop.call_soon_threadsafe(finished)

        threading.Thread(target=check, name=f"mailsetup-check-run-{run_id}", daemon=True).start()
        try:
            await done
        except asyncio.CancelledError:
            cancel.set()
            raise

