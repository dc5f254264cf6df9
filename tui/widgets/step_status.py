"""The status of every guide step (todo / done / has problems / checked OK), as pure data.

The sidebar, the summary and the tests all ask the same question, so it is answered here once,
without Textual: from the settings, the current validation problems, the steps the admin has
seen in this session, and the results live checks reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

from tui.guide import STEPS, Step, steps_for_field
from tui.settings.model import Settings
from tui.settings.validation import Problem


class StepStatus(str, Enum):
    TODO = "todo"
    DONE = "done"
    PROBLEM = "problem"
    CHECKED_OK = "checked"

    @property
    def marker(self) -> str:
        return MARKERS[self]


MARKERS: dict[StepStatus, str] = {
    StepStatus.TODO: "○",
    StepStatus.DONE: "●",
    StepStatus.PROBLEM: "✗",
    StepStatus.CHECKED_OK: "✓",
}

# Steps whose "done" is proven by a live check rather than by ticking or filling in.
CHECK_STEPS = ("B13", "C14")


def step_statuses(
    settings: Settings,
    problems: Iterable[Problem],
    *,
    seen: Iterable[str] = (),
    checked: Mapping[str, bool] | None = None,
    saved: bool = False,
) -> dict[str, StepStatus]:
    """Status by step id.

    ``seen`` lists the steps whose problems may be shown: a fresh form is not an error until the
    admin has been there (or the values came from a file). ``checked`` maps step ids to the
    outcome of their last live check. ``saved`` says the settings file holds what is on screen.
    """
    seen_ids = set(seen)
    results = dict(checked or {})
    by_step: dict[str, int] = {}
    for problem in problems:
        if problem.is_error:
            for step_id in _steps_of_problem(settings, problem):
                by_step[step_id] = by_step.get(step_id, 0) + 1
    return {s.id: _status(s, settings, by_step, seen_ids, results, saved) for s in STEPS}


def _status(
    s: Step,
    settings: Settings,
    by_step: dict[str, int],
    seen: set[str],
    checked: dict[str, bool],
    saved: bool,
) -> StepStatus:
    if checked.get(s.id) is False or (by_step.get(s.id) and s.id in seen):
        return StepStatus.PROBLEM
    if checked.get(s.id):
        return StepStatus.CHECKED_OK
    if s.id in settings.done_steps:
        return StepStatus.DONE
    if s.id == "C8":
        return StepStatus.DONE if settings.incoming.accounts else StepStatus.TODO
    if s.id == "C15":
        return StepStatus.DONE if saved and settings.incoming.accounts else StepStatus.TODO
    if s.id == "C14":
        accounts = settings.incoming.accounts
        if accounts and all(a.last_validated for a in accounts):
            return StepStatus.CHECKED_OK
        return StepStatus.TODO
    if s.fields and s.id in seen and not by_step.get(s.id):
        if s.id.startswith("C") and "accounts" in s.fields[0]:
            return StepStatus.DONE if settings.incoming.accounts else StepStatus.TODO
        return StepStatus.DONE
    return StepStatus.TODO


def _steps_of_problem(settings: Settings, problem: Problem) -> list[str]:
    """The problem's own step, plus B6–B8 / C5–C7 when those show the shared stage A value."""
    found = [problem.step_id] if problem.step_id else []
    head, _, name = problem.field.partition(".")
    if head == "azure":
        for section in ("outgoing", "incoming"):
            if getattr(getattr(settings, section).azure, name, None) is None:
                found.extend(s.id for s in steps_for_field(f"{section}.azure.{name}"))
    return found


def stage_status(statuses: Mapping[str, StepStatus], stage: str) -> StepStatus:
    """One marker for a whole stage: a problem anywhere wins, then todo, then done."""
    mine = [v for k, v in statuses.items() if k.startswith(stage)]
    if StepStatus.PROBLEM in mine:
        return StepStatus.PROBLEM
    if StepStatus.TODO in mine:
        return StepStatus.TODO
    if all(v is StepStatus.CHECKED_OK for v in mine):
        return StepStatus.CHECKED_OK
    return StepStatus.DONE
