"""What the check screen shows as a run reports: its rows, the retry countdown, the verdict and
the diagnosis of the selected problem.

:class:`CheckResultsScreen` is the middle layer of :class:`tui.screens.checks.CheckScreen`: it
handles the messages the run's thread posts (``tui.screens.check_run``), keeps the list of
problems the keys step through, and at the end hands the outcome to the app (the sidebar's
B13 / C14, each account's Val. column). Messages from a run that was replaced are dropped.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.widgets import ProgressBar, Static

from tui.checks.events import CheckEvent, CheckReport, Status
from tui.safe_text import terminal_safe
from tui.screens.check_outcomes import (
    crash_report,
    guide_marks,
    record_outcomes,
    stage_verdicts,
    waiting_note,
)
from tui.screens.check_run import CheckRunScreen
from tui.widgets.diagnosis import DiagnosisPanel


class CheckResultsScreen(CheckRunScreen):
    """The run's messages turned into rows, a verdict and the diagnosis panel."""

    # --- events from the worker ---------------------------------------------------------------

    @on(CheckRunScreen.StepReported)
    def _step_reported(self, message: CheckRunScreen.StepReported) -> None:
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
        panel = self.query_one(DiagnosisPanel)
        shown = panel.event
        if (
            event.status is not Status.FAILED
            and event.retry_in is None
            and shown is not None
            and (shown.target, shown.step) == (event.target, event.step)
        ):
            panel.show(None)  # the step passed on a retry: its old diagnosis no longer holds
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
        note.update(waiting_note(event, len(self.waiting), self.RETRY_WAIT))
        note.display = True
        if event.diagnosis is not None and not self.problems:
            self.query_one(DiagnosisPanel).show(event)

    @on(CheckRunScreen.RunFinished)
    def _run_finished(self, message: CheckRunScreen.RunFinished) -> None:
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
        else:
            self.query_one(DiagnosisPanel).show(None)  # nothing failed: no old diagnosis stays
        marks = self.query_one("#guide-marks", Static)
        if not report.cancelled or self.stopped_waiting:
            before = list(self.wizard.outcomes.blames(self.wizard.settings))
            record_outcomes(self.wizard, report)
            marks.update(guide_marks(self.wizard, report, before))
        else:
            marks.update("")
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
        shown = {
            e.diagnosis.code: e.diagnosis
            for e in report.checks
            if e.status is Status.WARNING and e.diagnosis
        }
        for diagnosis in shown.values():
            warnings.append("\n" if warnings else "")
            warnings.append(f"! {terminal_safe(diagnosis.title)}: ", style="bold")
            warnings.append(terminal_safe(diagnosis.cause))
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
        self.refresh_bindings()  # r is offered only for a problem with Microsoft's error
        self.call_after_refresh(panel.scroll_visible, animate=False)

    @property
    def current_problem(self) -> CheckEvent | None:
        panel = self.query_one(DiagnosisPanel)
        return panel.event if panel.display else None
