"""The guide's error summary: "2 errors" and one line per problem that jumps to its field.

Used under the accounts table (stage C, as in the guide's dialog) and on the summary page, which
also lists the failed live checks by the step they blame. Enter on a line posts
:class:`ErrorSummary.GoTo` (a field) or :class:`ErrorSummary.GoToStep` (a failed check); whoever
shows the summary decides where that leads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.settings.validation import Problem, summarize

ROW_RE = re.compile(r"^incoming\.accounts\[(\d+)\]")


def problem_line(problem: Problem) -> str:
    """A problem as the summary lists it: where (step, row, label), then what."""
    label = problem.label
    what = (
        problem.message
        if label and label.lower() in problem.message.lower()
        else f"{label}: {problem.message}"
    )
    row = ROW_RE.match(problem.field)
    where = f"Row {int(row.group(1)) + 1}" if row else problem.step_id
    marker = "" if problem.is_error else "(warning) "
    return f"{where:<4} {marker}{what}"


class ErrorSummary(Vertical):
    """A count and a list of problems; empty lists say so instead of vanishing."""

    DEFAULT_CSS = """
    ErrorSummary { height: auto; margin: 1 0 0 0; }
    ErrorSummary > .summary-count { text-style: bold; }
    ErrorSummary.-has-errors > .summary-count { color: $error; }
    ErrorSummary > OptionList { height: auto; max-height: 8; }
    ErrorSummary.-clean > OptionList { display: none; }
    """

    class GoTo(Message):
        """Enter on a problem: open the field it is about."""

        def __init__(self, problem: Problem) -> None:
            super().__init__()
            self.problem = problem

    class GoToStep(Message):
        """Enter on a failed check: open the guide step it blames."""

        def __init__(self, step_id: str) -> None:
            super().__init__()
            self.step_id = step_id

    def __init__(self, *, id: str | None = None, clean_text: str = "No errors") -> None:
        super().__init__(id=id)
        self.problems: list[Problem] = []
        self.failures: list[tuple[str, str]] = []
        self.clean_text = clean_text

    def compose(self) -> ComposeResult:
        yield Static("", classes="summary-count")
        yield OptionList(compact=True)

    def show(
        self,
        problems: list[Problem],
        keep: Callable[[Problem], bool] = lambda p: True,
        failures: Sequence[tuple[str, str]] = (),
    ) -> None:
        """``failures`` are (guide step, line) of failed live checks, listed after the fields."""
        self.problems = [p for p in problems if keep(p)]
        self.failures = list(failures)
        count = summarize(self.problems)
        if self.failures:
            n = len(self.failures)
            count = ", ".join(filter(None, [count, f"{n} failed check" + ("s" if n != 1 else "")]))
        self.query_one(".summary-count", Static).update(Text(count or self.clean_text))
        total = len(self.problems) + len(self.failures)
        self.set_class(not total, "-clean")
        self.set_class(bool(self.failures) or any(p.is_error for p in self.problems), "-has-errors")
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(Text(problem_line(p))) for p in self.problems])
        options.add_options([Option(Text(f"{step:<4} {line}")) for step, line in self.failures])
        if total and highlighted is not None:
            options.highlighted = min(highlighted, total - 1)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if index < len(self.problems):
            self.post_message(self.GoTo(self.problems[index]))
        else:
            self.post_message(self.GoToStep(self.failures[index - len(self.problems)][0]))
