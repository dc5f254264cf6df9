"""The check pipeline: runs the steps of every target, reports events, retries within bounds.

:class:`CheckRunner` is the one entry point for the UI and ``mailsetup check``. Outgoing runs
settings → reach → tenant → token → token contents → mailbox → send (→ round trip); each incoming
account runs the first six. Targets run in a thread pool bounded by ``checks.concurrency``; reach
and tenant answers are shared per run, and one token per user is reused while valid. Failures
that fix themselves (propagation right after setup, throttling) are retried after a cancellable,
announced wait, never beyond the ``wait`` budget. Every string that leaves goes through the
redactor.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from tui.checks import diagnose
from tui.checks.events import (
    INCOMING_STEPS,
    OUTGOING_STEPS,
    STEP_ROUND_TRIP,
    STEP_SEND,
    STEP_SETTINGS,
    CheckEvent,
    CheckReport,
    Diagnosis,
    Status,
)
from tui.checks.redact import Redactor, install_log_filter, remove_log_filter
from tui.checks.targets import INCOMING, Target, expand
from tui.settings.model import Settings

# Throttling answers (Retry-After, BackOffMilliseconds) are honoured up to this many seconds in
# total per target even when no --wait was given: waiting what the server asks is the polite way.
THROTTLE_BUDGET = 30.0
MAX_THROTTLE_RETRIES = 4
DEFAULT_RETRY_INTERVAL = 15.0  # the longest pause between two retries of the same step
FIRST_RETRY = 2.0
DEFAULT_ROUND_TRIP_TIMEOUT = 120.0

EventCallback = Callable[[CheckEvent], None]


@dataclass
class StepOutcome:
    """What a step function returns; exceptions are turned into failed outcomes by the runner."""

    status: Status
    message: str = ""
    diagnosis: Diagnosis | None = None


class Cancelled(Exception):
    pass


class _Budget:
    """The waits one target may still spend on retries."""

    def __init__(self, wait: float) -> None:
        self.wait_left = max(0.0, wait)
        self.throttle_left = max(THROTTLE_BUDGET, wait)
        self.throttle_retries = 0
        self.retries = 0

    def delay_for(self, diagnosis: Diagnosis, interval: float) -> float | None:
        if diagnosis.retry_after is not None:
            delay = max(0.1, diagnosis.retry_after)
            if self.throttle_retries < MAX_THROTTLE_RETRIES and delay <= self.throttle_left:
                self.throttle_retries += 1
                self.throttle_left -= delay
                return delay
            return None
        if diagnosis.retryable and self.wait_left > 0:
            # Short first, then longer: propagation often ends within seconds, sometimes minutes.
            delay = min(FIRST_RETRY * 2**self.retries, interval, self.wait_left)
            self.retries += 1
            self.wait_left -= delay
            return delay
        return None


class CheckRunner:
    """Runs the live checks for a :class:`Settings` tree and reports each step as it goes.

    ``on_event`` is called from worker threads with every :class:`CheckEvent` (already redacted).
    ``timeout`` bounds every network call (default ``settings.checks.timeout``); ``wait`` is the
    number of seconds the runner may spend waiting for propagation right after setup;
    ``cancel`` stops the run between steps and during waits.
    """

    def __init__(
        self,
        settings: Settings,
        on_event: EventCallback | None = None,
        *,
        timeout: float | None = None,
        wait: float = 0.0,
        cancel: threading.Event | None = None,
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
        round_trip_timeout: float = DEFAULT_ROUND_TRIP_TIMEOUT,
        concurrency: int | None = None,
    ) -> None:
        self.settings = settings
        self.on_event = on_event
        self.timeout = float(timeout or settings.checks.timeout or 30.0)
        self.wait = float(wait or 0.0)
        self.cancel = cancel or threading.Event()
        self.retry_interval = retry_interval
        self.round_trip_timeout = round_trip_timeout
        self.concurrency = max(1, int(concurrency or settings.checks.concurrency or 4))
        self.redactor = Redactor(settings.secrets())
        self._final: list[CheckEvent] = []
        self._lock = threading.Lock()

    # --- public ---------------------------------------------------------------------------------

    def run(
        self,
        targets: Sequence[str] = ("outgoing", "incoming"),
        *,
        send: bool = True,
        round_trip: bool = False,
    ) -> CheckReport:
        """Check the targets ("outgoing", "incoming", "incoming:<email>") and return the report."""
        from tui.checks.context import StepContext

        self._final = []
        found, unknown = expand(self.settings, list(targets))
        if found:
            # Loaded before the log filter is attached, so their loggers exist and get it.
            import exchangelib  # noqa: F401
            import msal  # noqa: F401
        log_filter = install_log_filter(self.redactor)
        context = StepContext(self)
        # catch_warnings is process-wide, not per thread: one context for the whole run records
        # msal's ROPC DeprecationWarning from every worker, and the token step turns it into a
        # plain-words warning instead of a Python warning on stderr.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DeprecationWarning)
            context.caught_warnings = caught
            try:
                self._run_targets(context, found, unknown, send=send, round_trip=round_trip)
            finally:
                context.close()
                remove_log_filter(log_filter)
        order = {t.name: i for i, t in enumerate(found)}
        steps = {s: i for i, s in enumerate(OUTGOING_STEPS)}
        checks = sorted(self._final, key=lambda e: (order.get(e.target, -1), steps.get(e.step, 0)))
        checks = diagnose.across_targets(checks, found)  # a 403 next to passing mailboxes: E3
        return CheckReport(checks=checks, cancelled=self.cancel.is_set())

    def _run_targets(
        self, context: Any, found: list[Target], unknown: list[str], *, send: bool, round_trip: bool
    ) -> None:
        for name in unknown:
            self._report_unknown_target(name)
        if len(found) <= 1 or self.concurrency == 1:
            for target in found:
                self._run_target(context, target, send=send, round_trip=round_trip)
            return
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="check") as pool:
            futures = [
                pool.submit(self._run_target, context, t, send=send, round_trip=round_trip)
                for t in found
            ]
            for future in futures:
                future.result()

    # --- events ---------------------------------------------------------------------------------

    def emit(self, event: CheckEvent) -> None:
        safe = replace(
            event,
            message=self.redactor(event.message),
            diagnosis=event.diagnosis.redacted(self.redactor) if event.diagnosis else None,
        )
        if safe.is_final:
            with self._lock:
                self._final.append(safe)
        if self.on_event is not None:
            try:
                self.on_event(safe)
            except Exception:  # a broken listener must not turn into a failed check
                logging.getLogger(__name__).exception("check event listener failed")

    def sleep(self, seconds: float) -> None:
        """A cancellable wait."""
        if self.cancel.wait(max(0.0, seconds)):
            raise Cancelled()

    # --- the pipeline ---------------------------------------------------------------------------

    def _report_unknown_target(self, name: str) -> None:
        if name == INCOMING:
            why = "No incoming e-mail accounts are set up."
            step = "C8"
        else:
            why = f"No outgoing test values or incoming account for {name!r}."
            step = "C9"
        diag = diagnose.from_code("SETTINGS_INVALID", INCOMING, {"target": name})
        diag = replace(
            diag, cause=why, guide_step=step, fix="Add the account (C8) or check the name."
        )
        target = name if name == INCOMING else f"incoming:{name.removeprefix('incoming:')}"
        self.emit(CheckEvent(target, STEP_SETTINGS, Status.FAILED, 0, why, diag))

    def _run_target(self, context: Any, target: Target, *, send: bool, round_trip: bool) -> None:
        from tui.checks.steps import STEP_FUNCTIONS

        names = OUTGOING_STEPS if target.kind == "outgoing" else INCOMING_STEPS
        budget = _Budget(self.wait)
        failed_at = ""
        for name in names:
            if failed_at or self.cancel.is_set():
                why = "cancelled" if self.cancel.is_set() else f"not run: {failed_at} failed"
                self.emit(CheckEvent(target.name, name, Status.SKIPPED, 0, why))
                continue
            if name == STEP_SEND and not send:
                self.emit(CheckEvent(target.name, name, Status.SKIPPED, 0, "not run: --no-send"))
                continue
            if name == STEP_ROUND_TRIP and not round_trip:
                self.emit(CheckEvent(target.name, name, Status.SKIPPED, 0, "not run (opt-in)"))
                continue
            outcome = self._run_step(context, target, name, STEP_FUNCTIONS[name], budget)
            if outcome.status is Status.FAILED:
                failed_at = name

    def _run_step(
        self,
        context: Any,
        target: Target,
        name: str,
        function: Callable[[Any, Target], StepOutcome],
        budget: _Budget,
    ) -> StepOutcome:
        self.emit(CheckEvent(target.name, name, Status.STARTED, message=f"{name}…"))
        started = time.monotonic()
        waited = 0.0
        while True:
            try:
                outcome = function(context, target)
            except Cancelled:
                outcome = StepOutcome(Status.SKIPPED, "cancelled")
            except Exception as exc:  # every failure ends as a diagnosis, never a traceback
                outcome = StepOutcome(
                    Status.FAILED,
                    _first_line(exc),
                    diagnose.from_exception(exc, target.name, context.last_response()),
                )
            elapsed = int((time.monotonic() - started) * 1000)
            diag = outcome.diagnosis
            if outcome.status is Status.FAILED and diag is not None and not self.cancel.is_set():
                delay = budget.delay_for(diag, self.retry_interval)
                if delay is not None:
                    self.emit(
                        CheckEvent(
                            target.name,
                            name,
                            Status.FAILED,
                            elapsed,
                            outcome.message,
                            diag,
                            retry_in=delay,
                        )
                    )
                    try:
                        self._count_down(target.name, name, delay, diag)
                    except Cancelled:
                        outcome = StepOutcome(
                            Status.FAILED, outcome.message + " (cancelled while waiting)", diag
                        )
                    else:
                        waited += delay
                        continue
                elif waited > 0:  # the bound is spent: say so instead of promising another wait
                    outcome.diagnosis = diagnose.after_waiting(diag, waited)
            elapsed = int((time.monotonic() - started) * 1000)
            self.emit(
                CheckEvent(
                    target.name, name, outcome.status, elapsed, outcome.message, outcome.diagnosis
                )
            )
            return outcome

    def _count_down(self, target: str, step: str, delay: float, diag: Diagnosis) -> None:
        waited = 0.0
        while waited < delay:
            chunk = min(1.0, delay - waited)
            self.sleep(chunk)
            waited += chunk
            left = max(0.0, delay - waited)
            self.emit(
                CheckEvent(
                    target,
                    step,
                    Status.PROGRESS,
                    message=f"retrying in {left:.0f} s",
                    diagnosis=diag,
                    progress=(int(waited), int(round(delay))),
                    retry_in=left,
                )
            )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__
