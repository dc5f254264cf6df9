"""What a check screen run means beyond its rows: which targets a screen target names, the
per-stage verdict line, an unexpected exception turned into a report, and the outcome recorded
in the app (the outcome of each target and the guide steps its failures blame, which the one
status function turns into the sidebar's, the summary's and this screen's markers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from rich.text import Text

from tui.checks.diagnose_run import duration_text
from tui.checks.events import CheckEvent, CheckReport, Diagnosis, Status
from tui.widgets.diagnosis import goto_target
from tui.widgets.step_status import Blame, account_target

if TYPE_CHECKING:
    from tui.app import MailSetupApp

ROUND_TRIP = "round-trip"
ALL = "all"
# How long, in seconds, one account may wait in the screen for failures that can fix themselves
# (propagation right after setup or consent, throttling): a few minutes, then the diagnosis says
# what to do instead of counting down again. Headless, `mailsetup check --wait` sets it.
RETRY_BOUND = 180.0
# Codes that are usual in the first minutes after setup: the screen says so during the countdown.
PROPAGATION_CODES = (
    "AADSTS700016",
    "AADSTS65001",
    "error:consent_required",
    "error:unauthorized_client",
    "TOKEN_NO_PERMISSIONS",
)
# A 403 is a policy block first (stage E) and propagation only second.
POLICY_BLOCK_CODES = ("HTTP403",)


def waiting_note(event: CheckEvent, accounts_waiting: int = 1, bound: float = RETRY_BOUND) -> Text:
    """The note pinned at the top while a failed step waits to be tried again: why, when, the
    bound, and where the fix is. Short, so it is never cut at 80x24; the full fix is below it."""
    diagnosis = event.diagnosis
    code = diagnosis.code if diagnosis else ""
    text = Text()
    if code in POLICY_BLOCK_CODES:
        text.append("Exchange refused EWS (403): ", style="bold")
        text.append("most likely this app is not allowed yet (E2); a change made a moment ago may "
                    "still pass on its own. ")
    elif code in PROPAGATION_CODES:
        text.append("Usual in the first minutes after setup: ", style="bold")
        text.append("Microsoft takes a while to learn about a new app or consent. ")
    elif diagnosis is not None:
        text.append(f"{diagnosis.title}. ", style="bold")
    text.append(f"Trying again in {event.retry_in or 0:.0f} s")
    if accounts_waiting > 1:
        text.append(f" ({accounts_waiting} accounts waiting)")
    text.append(f"; gives up after {duration_text(bound)}. s: stop waiting · Esc: back")
    if diagnosis is not None:
        text.append(
            f"\nIf it stays: the fix is at {goto_target(diagnosis.guide_step)}", style="bold"
        )
        text.append(" (below; g goes there).")
    return text


def requested_targets(target: str) -> tuple[list[str], bool]:
    """(runner targets, round trip?) for a screen target string."""
    names: list[str] = []
    round_trip = False
    for part in (p.strip() for p in target.split(",")):
        if part == ALL:
            names += ["outgoing", "incoming"]
        elif part == ROUND_TRIP:
            names.append("outgoing")
            round_trip = True
        elif part:
            names.append(part)
    return list(dict.fromkeys(names)), round_trip


def screen_title(target: str) -> str:
    names, round_trip = requested_targets(target)
    if round_trip:
        return "Round trip: send from the outgoing account and watch it arrive"
    if ALL in target.split(","):
        return "Test everything: outgoing (B13) and every incoming account (C14)"
    if names == ["outgoing"]:
        return "Check e-mail settings (B10–B13)"
    return "Validate incoming e-mail accounts (C14)"


def stage_verdicts(report: CheckReport) -> str:
    parts = []
    outgoing = report.for_target("outgoing")
    if outgoing:
        ok = all(e.status is not Status.FAILED for e in outgoing)
        parts.append("B outgoing: " + ("OK" if ok else "failed"))
    incoming = {e.target for e in report.checks if e.target.startswith("incoming")}
    if incoming:
        bad = {e.target for e in report.failures if e.target.startswith("incoming")}
        parts.append(f"C incoming: {len(incoming) - len(bad)} of {len(incoming)} OK")
    return " · ".join(parts)


def crash_report(targets: list[str], error: str) -> CheckReport:
    """An unexpected exception, shown as an uncatalogued failure with its text."""
    target = targets[0] if targets else "outgoing"
    diagnosis = Diagnosis(
        code="UNCATALOGUED",
        cause="The check stopped with an error this tool does not know.",
        guide_step="B13" if target == "outgoing" else "C14",
        fix="Test again (t). If it happens again, copy the details (y) for support.",
        raw={"exception": error},
        title="Unexpected error",
    )
    event = CheckEvent(target, "settings", Status.FAILED, 0, error, diagnosis)
    return CheckReport(checks=[event])


def record_outcomes(app: MailSetupApp, report: CheckReport) -> None:
    """Tell the app each target's outcome and the guide steps its failures blame.

    The outcome of a target replaces its previous one, so a passing retest clears the old blame.
    A passing account gets its last-validated time in memory (saved with the settings next time);
    the outcomes go to the state file beside the settings, so checking never marks work unsaved.
    """
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for target in dict.fromkeys(e.target for e in report.checks):
        failed = [e for e in report.for_target(target) if e.status is Status.FAILED]
        blames = [
            Blame(goto_target(e.diagnosis.guide_step), e.diagnosis.title or e.diagnosis.code)
            for e in failed
            if e.diagnosis is not None
        ]
        app.outcomes.record(target, not failed, blames, now)
        if failed or not target.startswith("incoming:"):
            continue
        for account in app.settings.incoming.accounts:
            if account_target(account.email) == account_target(target.removeprefix("incoming:")):
                account.last_validated = now
    app.checks_recorded()
    from tui.screens.wizard import WizardScreen

    for screen in app.screen_stack:
        if isinstance(screen, WizardScreen):
            screen.current_pane.refresh_values()  # the Val. column, B13's result line


def guide_marks(app: MailSetupApp, report: CheckReport, before: Iterable[str] = ()) -> Text:
    """What the run changed in the guide, in the sidebar's own markers: "B13 ✓ · A17 ✗".

    ``before`` are the steps blamed before this run: a passing retest shows them cleared.
    """
    statuses = app.statuses()
    steps = ["B13"] if report.for_target("outgoing") else []
    if any(e.target.startswith("incoming") for e in report.checks):
        steps.append("C14")
    for event in report.failures:
        if event.diagnosis is not None:
            steps.append(goto_target(event.diagnosis.guide_step))
    steps += before
    shown = [s for s in dict.fromkeys(steps) if s in statuses]
    text = Text("In the guide now: ", style="dim")
    for i, step_id in enumerate(shown):
        text.append(" · " if i else "")
        text.append(f"{step_id} {statuses[step_id].marker}")
    return text if shown else Text("")
