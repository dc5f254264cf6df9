"""Live checks: msal gets a token, exchangelib opens mailboxes and sends; failures are diagnosed.

Headless (no Textual). msal, exchangelib and requests are imported only when a check runs, so
importing this package stays cheap (``CheckRunner`` is loaded on first use).

Public API (stable; the check screens and ``mailsetup check`` use exactly this)::

    from tui.checks import CheckRunner, CheckEvent, CheckReport, Diagnosis, Status

    runner = CheckRunner(settings, on_event=callback, timeout=None, wait=0,
                         cancel=threading.Event())
    report = runner.run(targets=["outgoing", "incoming"],   # or ["incoming:a@b.com"]
                        send=True, round_trip=False)
    report.ok            # True when no step failed (and the run was not cancelled)
    report.checks        # list[CheckEvent]: the final event of every step of every target
    report.to_json()     # {"ok": bool, "checks": [{"target", "step", "status", "duration_ms",
                         #                          "diagnosis": null | {code, cause, guide_step,
                         #                                               fix, raw}}]}

``CheckRunner(settings, on_event=None, *, timeout=None, wait=0.0, cancel=None,
retry_interval=15.0, round_trip_timeout=120.0, concurrency=None)``
  ``timeout`` bounds every network call (default ``settings.checks.timeout``); ``wait`` is how
  many seconds in total a target may wait for the failures that appear right after setup
  (403 at EWS, AADSTS700016, AADSTS65001) before they count; retries come after 2, 4, 8 …
  seconds, never more than ``retry_interval`` apart. Throttling (Retry-After,
  BackOffMilliseconds) is waited out up to max(wait, 30) s per target. ``concurrency`` defaults
  to ``settings.checks.concurrency``. ``cancel.set()`` stops the run at once: the runner shuts the
  sockets of the calls in flight (steps end as ``skipped``, "cancelled") and never waits for a
  hung thread (its workers are daemon threads). Each network call may last ``timeout`` seconds
  from connect to the last byte; the whole run is bounded by ``runner.run_limit(n)``.
  One runner runs one check at a time (exchangelib's adapter, timeout and connection pool are
  process-wide; the run closes exchangelib's connections at its end).

``on_event(event: CheckEvent)`` is called from worker threads (post a message to the UI from
it). Events per step: ``started``, optionally ``progress`` (countdowns, round-trip polling), and
one final ``ok`` / ``warning`` / ``failed`` / ``skipped``. A ``failed`` event with ``retry_in``
set is not final: the runner waits ``retry_in`` seconds (emitting ``progress`` events whose
``retry_in`` counts down) and tries again with a fresh msal application.

``CheckEvent(target, step, status, duration_ms, message, diagnosis, progress, retry_in)``
  ``target``: "outgoing" or "incoming:<email>"; ``step``: one of :data:`STEPS`
  ("settings", "reach", "tenant", "token", "token contents", "mailbox", "send", "round trip");
  ``event.is_final``.

``Diagnosis(code, cause, guide_step, fix, raw, retryable, title, retry_after)``
  ``code``: "AADSTS7000218", an EWS code ("ErrorNonExistentMailbox"), "HTTP403", or a network
  code ("CONNECTION_REFUSED", "TLS_UNTRUSTED" …); ``guide_step``: a :mod:`tui.guide` step id
  ("A17"); ``raw``: Microsoft's error (error, error_description, trace_id, correlation_id,
  timestamp, headers …) for support. Events already carry redacted diagnoses;
  ``diagnosis.redacted(redactor=None)`` masks token-shaped text again if needed.

Helpers the UI may use: ``tui.checks.targets.expand(settings, names) -> (targets, unknown)``
(which targets a selection means), ``tui.checks.redact.Redactor(secrets)`` (mask text the same
way), ``tui.checks.diagnoses.all_entries()`` (the whole table, by code).

Warnings a passing run still shows: the token step warns that Microsoft discourages the User
name/Password flow (code ROPC_DISCOURAGED), the mailbox step that EWS in Exchange Online ends on
1 April 2027 (code EWS_RETIREMENT); the token contents step warns about claims that will fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.checks.events import (
    INCOMING_STEPS,
    OUTGOING_STEPS,
    CheckEvent,
    CheckReport,
    Diagnosis,
    Status,
)

STEPS = OUTGOING_STEPS

if TYPE_CHECKING:
    from tui.checks.runner import CheckRunner

__all__ = [
    "INCOMING_STEPS",
    "OUTGOING_STEPS",
    "STEPS",
    "CheckEvent",
    "CheckReport",
    "CheckRunner",
    "Diagnosis",
    "Status",
]


def __getattr__(name: str) -> Any:
    # The runner pulls in requests; load it only when someone actually runs checks.
    if name == "CheckRunner":
        from tui.checks.runner import CheckRunner

        return CheckRunner
    raise AttributeError(name)
