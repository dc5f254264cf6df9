"""The status of every guide step (todo / done / has problems / checked OK), as pure data.

One function, :func:`step_statuses`, answers for the sidebar, the panes, the summary, the check
screen and the tests, from the settings (values and ticks), the validation problems, the steps the
admin has visited, and the last live check of each target (:class:`CheckOutcomes`). Nothing here
imports Textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from tui.guide import STEPS, Step, steps_for_field
from tui.settings.model import Settings
from tui.settings.validation import Problem
from tui.widgets.field_access import get_text

OUTGOING = "outgoing"


class StepStatus(str, Enum):
    TODO = "todo"
    DONE = "done"
    PROBLEM = "problem"
    CHECKED_OK = "checked"

    @property
    def marker(self) -> str:
        return MARKERS[self]

    @property
    def finished(self) -> bool:
        return self in (StepStatus.DONE, StepStatus.CHECKED_OK)


MARKERS: dict[StepStatus, str] = {
    StepStatus.TODO: "○",
    StepStatus.DONE: "●",
    StepStatus.PROBLEM: "✗",
    StepStatus.CHECKED_OK: "✓",
}

# Steps whose "done" is proven by a live check rather than by ticking or filling in.
CHECK_STEPS = ("B13", "C14")
# Steps with a tick box: the portal steps, and B10 (open the check dialog).
TICK_STEPS: tuple[str, ...] = tuple(s.id for s in STEPS if s.kind == "portal") + ("B10",)
_IDS = {s.id for s in STEPS}


def account_target(email: str) -> str:
    """The check target of an incoming account, as the runner names it (case does not count)."""
    return "incoming:" + email.strip().lower()


# Records are NamedTuples and plain classes: each dataclass costs ~1 ms of start-up to create.
class Blame(NamedTuple):
    """A failed check's verdict on one guide step: "fix at A17", with the diagnosis title."""

    step: str
    title: str = ""


class TargetOutcome(NamedTuple):
    """The last finished live check of one target ("outgoing", "incoming:<email>")."""

    ok: bool
    at: datetime | None = None
    blames: tuple[Blame, ...] = ()


class CheckOutcomes:
    """The last outcome of each check target. A new outcome replaces the old one whole, so a
    passing retest clears what the failed run blamed."""

    def __init__(self, targets: dict[str, TargetOutcome] | None = None) -> None:
        self.targets: dict[str, TargetOutcome] = {} if targets is None else targets

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckOutcomes) and other.targets == self.targets

    def __repr__(self) -> str:
        return f"CheckOutcomes({self.targets!r})"

    def record(
        self, target: str, ok: bool, blames: Iterable[Blame] = (), at: datetime | None = None
    ) -> None:
        key = _key(target)
        self.targets[key] = TargetOutcome(ok, at, () if ok else tuple(dict.fromkeys(blames)))

    def ok(self, target: str) -> bool | None:
        """True / False for the last check of ``target``; None when it was never checked."""
        found = self.targets.get(_key(target))
        return None if found is None else found.ok

    def account_ok(self, email: str) -> bool | None:
        return self.ok(account_target(email))

    def blames(self, settings: Settings | None = None) -> dict[str, list[tuple[str, Blame]]]:
        """Guide step -> (target, blame) for every target whose last check failed."""
        found: dict[str, list[tuple[str, Blame]]] = {}
        for target, outcome in self.failed(settings):
            for blame in outcome.blames:
                found.setdefault(blame.step, []).append((target, blame))
        return found

    def failed(self, settings: Settings | None = None) -> list[tuple[str, TargetOutcome]]:
        """Targets whose last check failed; with ``settings``, only those that still exist (a
        deleted account's old failure must not keep a step ✗ with no way to clear it)."""
        live = None if settings is None else live_targets(settings)
        return [
            (t, o) for t, o in self.targets.items() if not o.ok and (live is None or t in live)
        ]

    # --- the state file (JSON, see tui.settings.check_state) ----------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            target: {
                "ok": o.ok,
                "at": o.at.isoformat() if o.at else None,
                "blames": [{"step": b.step, "title": b.title} for b in o.blames],
            }
            for target, o in self.targets.items()
        }

    @classmethod
    def from_dict(cls, data: object) -> CheckOutcomes:
        """Whatever a state file holds; entries that do not fit are left out, never raised."""
        outcomes = cls()
        if not isinstance(data, dict):
            return outcomes
        for target, entry in data.items():
            if not isinstance(target, str) or not isinstance(entry, dict):
                continue
            if not isinstance(entry.get("ok"), bool):
                continue
            try:
                at = datetime.fromisoformat(entry["at"]) if entry.get("at") else None
            except (TypeError, ValueError):
                at = None
            blames = [
                Blame(str(b.get("step", "")), str(b.get("title", "")))
                for b in entry.get("blames") or []
                if isinstance(b, dict)
            ]
            outcomes.record(target, entry["ok"], blames, at)
        return outcomes


def live_targets(settings: Settings) -> set[str]:
    """The check targets the settings hold now: outgoing and each incoming account."""
    return {OUTGOING} | {account_target(a.email) for a in settings.incoming.accounts}


def _key(target: str) -> str:
    if target.startswith("incoming:"):
        return account_target(target.removeprefix("incoming:"))
    return target


def step_statuses(
    settings: Settings,
    problems: Iterable[Problem],
    *,
    seen: Iterable[str] = (),
    visited: Iterable[str] = (),
    outcomes: CheckOutcomes | None = None,
    saved: bool = False,
) -> dict[str, StepStatus]:
    """Status by step id: the one answer every screen shows.

    ``seen`` lists the steps whose problems may be shown: a fresh form is not an error until the
    admin has left its page (or the values came from a file); ``visited`` adds the steps whose
    page has been open: a valid default there counts as filled in. ``outcomes`` holds the last
    live check of each target: the step a failed check blames is a problem until that check
    passes.
    ``saved`` says the settings file holds what is on screen.
    """
    seen_ids = set(seen)
    results = outcomes or CheckOutcomes()
    blamed = {step for step in results.blames(settings) if step in _IDS}
    by_step: dict[str, int] = {}
    for problem in problems:
        if problem.is_error:
            for step_id in _steps_of_problem(settings, problem):
                by_step[step_id] = by_step.get(step_id, 0) + 1
    looked_at = seen_ids | set(visited)
    if results.ok(OUTGOING) is not None:
        looked_at.update(("B11", "B12"))  # the outgoing check ran with these values
    context = _Context(settings, by_step, seen_ids, looked_at, results, saved)
    return {s.id: StepStatus.PROBLEM if s.id in blamed else context.status(s) for s in STEPS}


class _Context(NamedTuple):
    settings: Settings
    by_step: dict[str, int]
    seen: set[str]
    looked_at: set[str]
    outcomes: CheckOutcomes
    saved: bool

    def status(self, s: Step) -> StepStatus:
        settings = self.settings
        accounts = settings.incoming.accounts
        if s.id == "B13":
            return _checked(self.outcomes.ok(OUTGOING))
        if s.id == "C14":
            return self._accounts_checked()
        if s.id == "C15":
            return StepStatus.DONE if self.saved and accounts else StepStatus.TODO
        if s.id == "C8":
            return StepStatus.DONE if accounts else StepStatus.TODO
        if s.id in TICK_STEPS:
            if s.id in settings.done_steps:
                return StepStatus.DONE
            # Opening the check dialog (B10) is proven by having run the check from it.
            ran = s.id == "B10" and self.outcomes.ok(OUTGOING) is not None
            return StepStatus.DONE if ran else StepStatus.TODO
        if not s.fields:
            return StepStatus.DONE if s.id in settings.done_steps else StepStatus.TODO
        errors = self.by_step.get(s.id, 0)
        if s.fields[0].startswith("incoming.accounts"):
            # C9–C13 are the account dialog's fields: filled in once an account exists.
            if not accounts:
                return StepStatus.TODO
            return StepStatus.PROBLEM if errors else StepStatus.DONE
        if errors:
            return StepStatus.PROBLEM if s.id in self.seen else StepStatus.TODO
        if s.id in self.looked_at or any(_filled_in(settings, path) for path in s.fields):
            return StepStatus.DONE
        return StepStatus.TODO

    def _accounts_checked(self) -> StepStatus:
        accounts = self.settings.incoming.accounts
        if not accounts:
            return StepStatus.TODO
        results = [self.outcomes.account_ok(a.email) for a in accounts]
        if any(r is False for r in results):
            return StepStatus.PROBLEM
        pairs = zip(results, accounts, strict=True)
        if all(r or (r is None and a.last_validated) for r, a in pairs):
            return StepStatus.CHECKED_OK
        return StepStatus.TODO


_DEFAULTS = Settings()


def _filled_in(settings: Settings, path: str) -> bool:
    """A value the admin (or the file) put there: not empty and not the built-in default."""
    text = get_text(settings, path)
    return bool(text.strip()) and text != get_text(_DEFAULTS, path)


def _checked(result: bool | None) -> StepStatus:
    return {None: StepStatus.TODO, True: StepStatus.CHECKED_OK, False: StepStatus.PROBLEM}[result]


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
    mine = [v for k, v in statuses.items() if k.startswith(stage) and k[1:].isdigit()]
    if StepStatus.PROBLEM in mine:
        return StepStatus.PROBLEM
    if StepStatus.TODO in mine:
        return StepStatus.TODO
    if mine and all(v is StepStatus.CHECKED_OK for v in mine):
        return StepStatus.CHECKED_OK
    return StepStatus.DONE


def ticked_counts(settings: Settings) -> dict[str, tuple[int, int]]:
    """Stage -> (ticked, tick boxes): each step counted once, only steps that have a tick box."""
    ticked = set(settings.done_steps)
    counts: dict[str, tuple[int, int]] = {}
    for step_id in TICK_STEPS:
        done, total = counts.get(step_id[0], (0, 0))
        counts[step_id[0]] = (done + (step_id in ticked), total + 1)
    return counts
