"""What a check screen run means beyond its rows: which targets a screen target names, the
per-stage verdict line, an unexpected exception turned into a report, and the outcome recorded
in the app (B13 / C14 in the sidebar, each account's Val. and last-validated time)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from rich.text import Text

from tui.checks.diagnose_run import duration_text
from tui.checks.events import CheckEvent, CheckReport, Diagnosis, Status

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
    """The line shown while a failed step waits to be tried again: why, how long, and the bound."""
    diagnosis = event.diagnosis
    code = diagnosis.code if diagnosis else ""
    text = Text()
    if code in POLICY_BLOCK_CODES:
        text.append("Exchange refused EWS (403): ", style="bold")
        text.append(
            "most likely this app is not allowed yet (E2). If the allow list or consent was "
            "changed a moment ago, it may still pass on its own. "
        )
    elif code in PROPAGATION_CODES:
        text.append("This is usual in the first minutes after setup: ", style="bold")
        text.append("Microsoft's services take a while to learn about a new app or consent. ")
    elif diagnosis is not None:
        text.append(f"{diagnosis.title}. ", style="bold")
    text.append(f"Trying again automatically in {event.retry_in or 0:.0f} s")
    if accounts_waiting > 1:
        text.append(f" ({accounts_waiting} accounts waiting)")
    text.append(f"; gives up after {duration_text(bound)} and says what to do")
    text.append(". s: stop waiting · Esc: back")
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
        parts.append("B outgoing: " + ("OK" if all(e.status is not Status.FAILED for e in outgoing) else "failed"))
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
    """Tell the app: B13 / C14 in the sidebar, each account's Val. and last-validated time."""
    results = app.check_results
    touched = False
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for target in {e.target for e in report.checks}:
        ok = not any(e.status is Status.FAILED for e in report.for_target(target))
        if target == "outgoing":
            results["B13"] = ok
            continue
        email = target.removeprefix("incoming:").strip().lower()
        results[f"C14:{email}"] = ok
        for account in app.settings.incoming.accounts:
            if ok and account.email.strip().lower() == email:
                account.last_validated = now
                touched = True
    accounts = [a.email.strip().lower() for a in app.settings.incoming.accounts]
    seen = [results.get(f"C14:{e}") for e in accounts]
    if accounts and any(v is False for v in seen):
        results["C14"] = False
    elif accounts and all(v is True for v in seen):
        results["C14"] = True
    if touched:
        app.settings_changed()
    else:
        app.refresh_wizard()
    from tui.screens.wizard import WizardScreen

    for screen in app.screen_stack:
        if isinstance(screen, WizardScreen):
            screen.current_pane.refresh_values()  # the Val. column, B13's result line
