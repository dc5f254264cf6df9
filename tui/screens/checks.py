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
"""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static

from tui.checks.events import (
    INCOMING_STEPS,
    OUTGOING_STEPS,
    CheckEvent,
    CheckReport,
    Status,
)
from tui.checks.redact import Redactor
from tui.screens.check_outcomes import (
    RETRY_BOUND,
    crash_report,
    record_outcomes,
    requested_targets,
    screen_title,
    stage_verdicts,
    waiting_note,
)
from tui.screens.secrets_prompt import SecretsPrompt, missing_secrets
from tui.widgets.check_rows import CheckStepRow, CheckTargetHeading
from tui.widgets.diagnosis import DiagnosisPanel, goto_target, support_details

if TYPE_CHECKING:
    from tui.app import MailSetupApp
    from tui.settings.model import Settings

class CheckScreen(Screen[None]):
    """Runs the live checks for one target string and shows them as they happen."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("g", "goto_fix", "Go to fix"),
        Binding("r", "toggle_raw", "Raw error"),
        Binding("y", "copy_details", "Copy"),
        Binding("t,enter", "test_again", "Test again"),
        Binding("f", "retry_failed", "Retry failed"),
        Binding("n", "next_problem", "Next problem", show=False),
        Binding("s", "stop_waiting", "Stop waiting"),
    ]

    # How long the runner may wait for the failures that fix themselves right after setup.
    RETRY_WAIT: ClassVar[float] = RETRY_BOUND

    class StepReported(Message):
        def __init__(self, run_id: int, event: CheckEvent) -> None:
            super().__init__()
            self.run_id = run_id
            self.event = event

    class RunFinished(Message):
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

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="check-body"):
            yield Static(Text(screen_title(self.target)), id="check-title", classes="pane-title")
            yield Static("", id="check-route")
            yield ProgressBar(id="check-progress", show_eta=False)
            yield VerticalScroll(id="check-rows")
            yield Static("", id="retry-note")
            yield Static("", id="check-verdict")
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
        self.run_checks(self.run_id, settings, names, round_trip, self.cancel)

    def _build_rows(self, settings: Settings, names: list[str], round_trip: bool) -> None:
        from tui.checks.targets import expand

        found, unknown = expand(settings, names)
        container = self.query_one("#check-rows", VerticalScroll)
        container.remove_children()
        self.rows, self.headings = {}, {}
        widgets: list[Static] = []
        for target in found:
            widgets += self._rows_for(target.name, OUTGOING_STEPS if target.kind == "outgoing" else INCOMING_STEPS)
        for name in unknown:
            widgets += self._rows_for(name if name.startswith("incoming") else f"incoming:{name}", ("settings",))
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

    @work(thread=True, exclusive=True, exit_on_error=False, group="checks")
    def run_checks(
        self, run_id: int, settings: Settings, names: list[str], round_trip: bool, cancel: threading.Event
    ) -> None:
        def post(message: Message) -> None:
            try:
                self.post_message(message)
            except RuntimeError:  # the app's loop is gone (quit while a request hung)
                pass

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
            return
        post(self.RunFinished(run_id, report))

    # --- events from the worker ---------------------------------------------------------------

    @on(StepReported)
    def _step_reported(self, message: StepReported) -> None:
        if message.run_id != self.run_id:
            return  # a cancelled run still finishing in its thread
        event = message.event
        row = self.rows.get((event.target, event.step))
        if row is None:
            heading_and_rows = self._rows_for(event.target, (event.step,))
            self.query_one("#check-rows").mount_all(heading_and_rows)
            row = self.rows[(event.target, event.step)]
        was_final = row.final
        row.show_event(event)
        if event.retry_in is not None:
            self.waiting[event.target] = event
        else:
            self.waiting.pop(event.target, None)
        self._show_waiting()
        if event.is_final and not was_final:
            self.query_one(ProgressBar).advance(1)
            if event.status is Status.FAILED and event.diagnosis is not None:
                self.problems.append(event)
                if len(self.problems) == 1:
                    self.select_problem(0)
        self.refresh_bindings()

    def _show_waiting(self) -> None:
        note = self.query_one("#retry-note", Static)
        if not self.waiting:
            note.display = False
            return
        event = min(self.waiting.values(), key=lambda e: e.retry_in or 0)
        diagnosis = event.diagnosis
        note.update(waiting_note(event, len(self.waiting), self.RETRY_WAIT))
        note.display = True
        if diagnosis is not None and not self.problems:
            self.query_one(DiagnosisPanel).show(event)

    @on(RunFinished)
    def _run_finished(self, message: RunFinished) -> None:
        if message.run_id != self.run_id:
            return
        self.running = False
        self.waiting = {}
        self._show_waiting()
        report = message.report
        if report is None:
            report = crash_report(self.run_targets, message.error)
            for event in report.checks:
                self.problems.append(event)
        self.report = report
        # The report may know more than the streamed events (a 403 beside passing mailboxes: E3).
        final = {(e.target, e.step): e for e in report.checks}
        self.problems = [final.get((e.target, e.step), e) for e in self.problems]
        for event in self.problems:
            if (row := self.rows.get((event.target, event.step))) is not None:
                row.show_event(event)
        for target, heading in self.headings.items():
            events = report.for_target(target)
            failed = any(e.status is Status.FAILED for e in events)
            finished = events and (failed or not report.cancelled)
            heading.set_verdict(not failed if finished else None)
        self.query_one(ProgressBar).update(progress=len(self.rows))
        self._show_verdict(report)
        if self.problems:
            self.select_problem(min(self.selected, len(self.problems) - 1))
        if not report.cancelled or self.stopped_waiting:
            record_outcomes(self.wizard, report)
        self.refresh_bindings()

    def _show_verdict(self, report: CheckReport) -> None:
        verdict = self.query_one("#check-verdict", Static)
        if report.ok:
            text = Text("OK!", style="bold")
            text.append(f"  {stage_verdicts(report)}" if len(self.headings) > 1 else "")
        elif report.cancelled and not report.failures:
            text = Text("Stopped.", style="bold")
        else:
            failed = len({e.target for e in report.failures})
            text = Text(f"✗ Failed: {failed} of {len(self.headings) or 1} ", style="bold")
            text.append("checked. " if len(self.headings) > 1 else "")
            text.append(stage_verdicts(report) if len(self.headings) > 1 else "")
            text.append("  n: next problem" if len(report.failures) > 1 else "")
        verdict.set_class(report.ok, "-ok")
        verdict.set_class(not report.ok, "-failed")
        verdict.update(text)
        warnings = Text()
        shown = {e.diagnosis.code: e.diagnosis for e in report.checks if e.status is Status.WARNING and e.diagnosis}
        for diagnosis in shown.values():
            warnings.append("\n" if warnings else "")
            warnings.append(f"! {diagnosis.title}: ", style="bold")
            warnings.append(diagnosis.cause)
        notes = self.query_one("#check-warnings", Static)
        notes.update(warnings)
        notes.display = bool(shown)

    # --- the diagnosis ------------------------------------------------------------------------

    def select_problem(self, index: int) -> None:
        if not self.problems:
            return
        self.selected = index % len(self.problems)
        event = self.problems[self.selected]
        chosen = self.rows.get((event.target, event.step))
        for row in self.rows.values():
            row.set_class(row is chosen, "-selected")
        panel = self.query_one(DiagnosisPanel)
        panel.show(event)
        self.call_after_refresh(panel.scroll_visible, animate=False)

    @property
    def current_problem(self) -> CheckEvent | None:
        panel = self.query_one(DiagnosisPanel)
        return panel.event if panel.display else None

    # --- actions ------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.cancel.set()
        self.dismiss(None)

    def action_goto_fix(self) -> None:
        event = self.current_problem
        if event is None or event.diagnosis is None:
            self.app.bell()
            return
        self.cancel.set()
        self.wizard.action_goto_step(goto_target(event.diagnosis.guide_step))

    def action_toggle_raw(self) -> None:
        if self.current_problem is not None:
            panel = self.query_one(DiagnosisPanel)
            panel.toggle_raw()
            self.call_after_refresh(panel.scroll_visible, animate=False)

    def action_copy_details(self) -> None:
        event = self.current_problem
        if event is None:
            self.app.bell()
            return
        text = support_details(event, self.wizard.settings.secrets())
        self.app.copy_to_clipboard(text)
        note = "Copied the details for support (passwords and tokens masked); r shows them here too."
        self.query_one("#copied-note", Static).update(Text(note))
        self.notify(note, title="Copied", markup=False)

    def action_test_again(self) -> None:
        if self.running:
            self.notify("The check is still running (s stops a wait, Esc goes back).", markup=False)
            return
        self.start(self.target)

    def action_retry_failed(self) -> None:
        if self.running or self.report is None or not self.report.failures:
            self.app.bell()
            return
        failed = list(dict.fromkeys(e.target for e in self.report.failures))
        self.start(",".join(failed))

    def action_next_problem(self) -> None:
        if len(self.problems) > 1:
            self.select_problem(self.selected + 1)

    def action_stop_waiting(self) -> None:
        if not self.waiting:
            self.app.bell()
            return
        self.stopped_waiting = True
        self.cancel.set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something now (the footer follows)."""
        if action == "stop_waiting":
            return bool(self.waiting)
        if action in ("goto_fix", "toggle_raw", "copy_details", "next_problem"):
            return bool(self.problems)
        if action == "retry_failed":
            return bool(self.report and self.report.failures and len(self.headings) > 1)
        return True

    def details_for_test(self) -> dict[str, Any]:
        """What the screen shows, for tests: verdict text and the problem's guide step."""
        event = self.current_problem
        verdict = self.query_one("#check-verdict", Static).render()
        return {
            "verdict": str(verdict),
            "step": event.diagnosis.guide_step if event and event.diagnosis else None,
            "code": event.diagnosis.code if event and event.diagnosis else None,
        }
