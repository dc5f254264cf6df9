"""The check pipeline: runs the steps of every target, reports events, retries within bounds.

:class:`CheckRunner` is the one entry point for the UI and ``mailsetup check``. Outgoing runs
settings → reach → tenant → token → token contents → mailbox → send (→ round trip); each incoming
account runs the first six. Targets run on daemon threads, at most ``checks.concurrency`` at
once; reach and tenant answers are shared per run, and one token per user is reused while valid.
Failures that fix themselves (propagation right after setup, throttling) are retried after a
cancellable, announced wait, never beyond the ``wait`` budget. Every string that leaves goes
through the redactor.

Stopping: each network call has a whole-call deadline (:mod:`tui.checks.deadline`); the thread
that called :meth:`CheckRunner.run` watches ``cancel`` and, when it is set, shuts the sockets of
the calls in flight so the workers end at once. The threads are daemons, not an executor's: a
hung server can never make the interpreter (or the wizard quitting) wait for them. The whole run
is bounded too (:meth:`CheckRunner.run_limit`), from the timeout and the waits allowed.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tui.checks import deadline, diagnose
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
# The most network calls one target makes in a row, each bounded by the timeout: reach (DNS and
# connect+TLS for two hosts), discovery, the token (instance discovery, token), token renewals,
# the mailbox and the send (each possibly once more after a renewal). Used for the run's bound.
CALLS_PER_TARGET = 16
RUN_MARGIN = 5.0  # seconds on top, for the bookkeeping between calls
# Bounds for values that reach the runner unchecked (the CLI and the settings validate their
# own): NaN, infinity or 1e308 would break socket timeouts and the deadline arithmetic.
MAX_TIMEOUT = 3600.0
MAX_WAIT = 86400.0

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
        self.timeout = _sane(timeout or settings.checks.timeout, default=30.0, most=MAX_TIMEOUT)
        self.wait = _sane(wait, default=0.0, most=MAX_WAIT)
        self.cancel = cancel or threading.Event()
        self.retry_interval = retry_interval
        self.round_trip_timeout = round_trip_timeout
        self.concurrency = max(1, int(concurrency or settings.checks.concurrency or 4))
        self.redactor = Redactor(settings.secrets())
        self._final: list[CheckEvent] = []
        self._lock = threading.Lock()
        self._scope = deadline.Scope()
        self._stopped_why = ""

    def run_limit(self, targets: int, *, round_trip: bool = False) -> float:
        """The longest a run of ``targets`` targets may take: every call at its deadline, every
        wait at its budget, the targets in rounds of ``concurrency``. A backstop: calls and waits
        are bounded one by one already."""
        rounds = math.ceil(max(1, targets) / self.concurrency)
        per_target = CALLS_PER_TARGET * self.timeout + max(self.wait, THROTTLE_BUDGET)
        if round_trip:
            per_target += self.round_trip_timeout
        return rounds * per_target + RUN_MARGIN

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
        self._scope = deadline.Scope()
        self._stopped_why = ""
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
        if not found:
            return
        todo: queue.SimpleQueue[Target] = queue.SimpleQueue()
        for target in found:
            todo.put(target)

        count = min(self.concurrency, len(found))
        running = [count]
        lock = threading.Lock()
        # Set by the last worker to finish: the wait below ends the moment the run does. It
        # polled the workers every 50 ms, which doubled a 30 ms check.
        finished = threading.Event()

        def worker() -> None:
            try:
                with deadline.scope(self._scope):
                    while True:
                        try:
                            target = todo.get_nowait()
                        except queue.Empty:
                            return
                        try:
                            self._run_target(context, target, send=send, round_trip=round_trip)
                        except Exception:  # a bug in a step must not leave the run waiting
                            logging.getLogger(__name__).exception(
                                "check of %s failed", target.name
                            )
            finally:
                with lock:
                    running[0] -= 1
                    if not running[0]:
                        finished.set()

        # Daemon threads: Python's exit never joins them (an executor's would be joined, and a
        # call stuck on a server would hold Ctrl+C or the wizard's quit).
        threads = [
            threading.Thread(target=worker, name=f"mailsetup-check-{i}", daemon=True)
            for i in range(count)
        ]
        for thread in threads:
            thread.start()
        allowed = self.run_limit(len(found), round_trip=round_trip)
        limit = time.monotonic() + allowed
        # Short waits, so Ctrl+C (a signal, handled between waits) and cancel are seen at once.
        while not finished.wait(0.05):
            if self.cancel.is_set():
                break
            if time.monotonic() > limit:
                self._stopped_why = f"stopped: the run took longer than its {allowed:g} s limit"
                self.cancel.set()
                break
        # Stopped: cut every call in flight so the workers see it at once, and give them a
        # moment to report their steps as cancelled; a worker that still hangs is left behind.
        self._scope.abort()
        grace = time.monotonic() + 0.5
        for thread in threads:
            thread.join(max(0.0, grace - time.monotonic()))
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
                why = (
                    (self._stopped_why or "cancelled")
                    if self.cancel.is_set()
                    else f"not run: {failed_at} failed"
                )
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
            deadline.take_aborted()
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
            if deadline.take_aborted() and outcome.status is Status.FAILED:
                # The failure is the run being stopped (its sockets were shut), not the server.
                outcome = StepOutcome(Status.SKIPPED, self._stopped_why or "cancelled")
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


def _sane(value: Any, *, default: float, most: float) -> float:
    try:
        number = float(value or 0.0)
    except (TypeError, ValueError):
        return default
    if not math.isfinite(number) or number <= 0:
        return default
    return min(number, most)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__
