"""The check screen's keys: back, go to the fix, Microsoft's raw error, copy for support, test
again, retry the failed accounts, next problem, and stop waiting for a retry.

:class:`CheckKeysScreen` is the layer of :class:`tui.screens.checks.CheckScreen` above the run
and its results. The footer offers a key only while it does something
(:meth:`CheckKeysScreen.check_action`), so an admin on an 80x24 terminal sees what can be done
now, not everything there is.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from tui.screens.check_results import CheckResultsScreen
from tui.widgets.diagnosis import DiagnosisPanel, goto_target, support_details


class CheckKeysScreen(CheckResultsScreen):
    """The key bindings and their actions."""

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
        if self.current_problem is not None and self.query_one(DiagnosisPanel).has_raw:
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
        note = (
            "Copied the details for support (passwords and tokens masked); r shows them here too."
        )
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
        if action == "toggle_raw":
            return self.current_problem is not None and self.query_one(DiagnosisPanel).has_raw
        if action in ("goto_fix", "copy_details", "next_problem"):
            return bool(self.problems)
        if action == "retry_failed":
            return bool(self.report and self.report.failures and len(self.headings) > 1)
        return True
