"""Rules that need more than one answer: what a whole run, or a bounded wait, tells about a failure.

* :func:`across_targets` — a 403 for one mailbox while other mailboxes of the same app (same
  client ID, same EWS host) passed in the same run means the organisation lets the app in: the
  block is that mailbox's own switch or licence (guide step E3), not the allow list (E2).
* :func:`after_waiting` — once the retry bound is spent, the diagnosis says how long mailsetup
  waited and that waiting longer here will not help; the fix it already gives is what to do.

The runner calls both; they take plain events and targets and never talk to the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Protocol

from tui.checks import diagnoses as table
from tui.checks.diagnose_base import make, quote, with_raw
from tui.checks.events import STEP_MAILBOX, CheckEvent, Diagnosis, Status

BLOCKED = "HTTP403"
BLOCKED_MAILBOX = "HTTP403_MAILBOX"
_PASSED = (Status.OK, Status.WARNING)  # the mailbox step warns about EWS_RETIREMENT on success


class _Azure(Protocol):
    client_id: str


class _Target(Protocol):
    name: str
    mailbox: str
    ews_url: str
    azure: _Azure


def across_targets(checks: list[CheckEvent], targets: Iterable[_Target]) -> list[CheckEvent]:
    """The run's final events with a 403 turned into E3 where other mailboxes of the app passed."""
    seen = {t.name: (t.mailbox.strip().lower(), _app(t)) for t in targets}
    passed = [
        seen[e.target]
        for e in checks
        if e.step == STEP_MAILBOX and e.status in _PASSED and e.target in seen
    ]
    revised: list[CheckEvent] = []
    for event in checks:
        diagnosis = event.diagnosis
        if (
            event.step == STEP_MAILBOX
            and event.status is Status.FAILED
            and diagnosis is not None
            and diagnosis.code == BLOCKED
            and event.target in seen
        ):
            mailbox, app = seen[event.target]
            others = sorted({m for m, a in passed if a == app and m != mailbox})
            if others:
                event = replace(event, diagnosis=_mailbox_blocked(event.target, diagnosis, others))
        revised.append(event)
    return revised


def after_waiting(diagnosis: Diagnosis, waited: float) -> Diagnosis:
    """The diagnosis of a failure that outlived the retry bound: says so, and stops the circle."""
    if waited <= 0:
        return diagnosis
    note = (
        f"mailsetup waited {duration_text(waited)}, testing again in between, and the answer "
        "stayed the same."
    )
    if diagnosis.retry_after is not None:  # throttling: the server set the pace, not a change
        fix = f"{diagnosis.fix} Microsoft kept asking to wait: test again later."
    else:
        fix = (
            f"{diagnosis.fix} Waiting longer here will not help, unless a change was made in the "
            "last hours: then test again later."
        )
    return replace(
        diagnosis,
        cause=f"{diagnosis.cause} {note}",
        fix=fix,
        raw={**diagnosis.raw, "waited_s": round(waited)},
        retryable=False,
    )


def _mailbox_blocked(target: str, blocked: Diagnosis, others: list[str]) -> Diagnosis:
    shown = ", ".join(quote(m, 80) for m in others[:3]) + (" …" if len(others) > 3 else "")
    diagnosis = with_raw(
        make(
            BLOCKED_MAILBOX,
            table.ACCESS[BLOCKED_MAILBOX],
            target,
            cause_suffix=f"Passed in this run: {shown}.",
        ),
        {**blocked.raw, "passed_mailboxes": others},
    )
    waited = blocked.raw.get("waited_s")
    return (
        after_waiting(diagnosis, float(waited)) if isinstance(waited, (int, float)) else diagnosis
    )


def _app(target: Any) -> tuple[str, str]:
    return (target.azure.client_id.strip().lower(), target.ews_url.strip().lower())


def duration_text(seconds: float) -> str:
    """ "45 s", "3 min", "2 min 30 s": how long a wait or a bound is, for people."""
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min" + (f" {rest} s" if rest else "")
