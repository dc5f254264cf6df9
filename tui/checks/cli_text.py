"""The readable output of ``mailsetup check``: one line per step, targets in the report's order.

Targets are checked concurrently and finish in any order, yet the report (like the JSON) lists
outgoing first, then the accounts in file order. So each target's block goes to stdout as soon
as it and every target before it are done; with one target its lines stream as steps finish.
What happens meanwhile shows on stderr: retry notices as lines, and, when stderr is a terminal,
one live line ("3 of 20 steps done · outgoing: token…") erased before anything else is printed.

Every line passes :func:`tui.safe_text.terminal_safe`: server text, settings values and exception
messages never reach the terminal with control characters or escape sequences.
"""

from __future__ import annotations

import os
import threading
from typing import Any, TextIO

from tui.checks.events import INCOMING_STEPS, OUTGOING_STEPS, CheckEvent, CheckReport, Status
from tui.safe_text import terminal_safe

STEPS_OF = {"outgoing": OUTGOING_STEPS, "incoming": INCOMING_STEPS}
_CLEAR_LINE = "\r\x1b[K"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def write_lines(stream: TextIO, text: str) -> None:
    """Print ``text`` made terminal-safe line by line (the line breaks are ours)."""
    write_raw(stream, "\n".join(terminal_safe(line) for line in str(text).split("\n")) + "\n")


def write_raw(stream: TextIO, text: str) -> None:
    """Write and flush; a reader that went away (``| head``) silences the stream, no traceback.

    The stream's descriptor then points at /dev/null, so the interpreter's own last flush is
    quiet too; the checks run on and the exit code still tells the outcome."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass


class HumanPrinter:
    """Collects the run's events and prints them in the report's order (thread-safe)."""

    def __init__(self, out: TextIO, err: TextIO, order: list[str]) -> None:
        self.out = out
        self.err = err
        self.order = order
        self.several = len(order) > 1
        # One account still gets its heading (which one?); the outgoing check alone needs none.
        self.headed = self.several or order != ["outgoing"]
        self.live = _is_terminal(err)
        self._lock = threading.Lock()
        self._explained: set[str] = set()
        self._shown: dict[tuple[str, str], str] = {}  # (target, step) -> diagnosis code printed
        self._blocks: dict[str, list[CheckEvent]] = {name: [] for name in order}
        self._printed = 0  # how many targets of ``order`` are on stdout already
        self._status = ""
        self._total = sum(len(STEPS_OF[name.partition(":")[0]]) for name in order)
        self._done = 0

    # --- events, from the runner's threads ------------------------------------------------------

    def on_event(self, event: CheckEvent) -> None:
        with self._lock:
            if event.status is Status.FAILED and event.retry_in is not None:
                who = f"{event.target}  " if self.several else ""
                code = event.diagnosis.code if event.diagnosis else "failed"
                self._to_err(f"  … {who}{event.step}: {code} — retrying in {event.retry_in:.0f} s")
                return
            if not event.is_final:
                if event.status is Status.STARTED:
                    self._status = f"{event.target}: {event.step}…" if self.several else event.step
                    self._redraw()
                return
            self._done += 1
            if not self.several:  # one target: its lines stream as its steps finish
                lines = self._lines(event, indent="  " if self.headed else "")
                if self.headed and not self._printed:
                    lines.insert(0, _title(event.target))
                    self._printed = 1
                self._to_out("\n".join(lines))
                return
            self._blocks.setdefault(event.target, []).append(event)
            self._flush_ready()
            self._redraw()

    def _flush_ready(self) -> None:
        while self._printed < len(self.order):
            name = self.order[self._printed]
            block = self._blocks.get(name, [])
            if len(block) < len(STEPS_OF[name.partition(":")[0]]):
                return
            self._print_block(name, block)
            self._printed += 1

    def _print_block(self, name: str, block: list[CheckEvent]) -> None:
        steps = {s: i for i, s in enumerate(OUTGOING_STEPS)}
        lines = [_title(name)] + [
            line
            for event in sorted(block, key=lambda e: steps.get(e.step, 0))
            for line in self._lines(event, indent="  ")
        ]
        self._to_out("\n".join(lines))

    def _lines(self, event: CheckEvent, indent: str) -> list[str]:
        ms = f"  {event.duration_ms} ms" if event.duration_ms else ""
        text = f"  {event.message}" if event.message else ""
        lines = [f"{indent}{event.status.symbol} {event.step}{ms}{text}"]
        diag = event.diagnosis
        self._shown[(event.target, event.step)] = diag.code if diag else ""
        first_time = diag is not None and diag.code not in self._explained
        if diag is not None:
            self._explained.add(diag.code)
        if diag is not None and (event.status is Status.FAILED or first_time):
            lines += [indent + line for line in diagnosis_lines(diag, event.status, event.message)]
        return lines

    # --- the end --------------------------------------------------------------------------------

    def summary(self, report: CheckReport) -> None:
        with self._lock:
            self._status = ""
            self._redraw()
            # Targets the run left unfinished (cancelled, or stopped at its time limit): what
            # they reported, still in order.
            for name in self.order[self._printed :]:
                block = self._blocks.get(name, [])
                if block and self.several:
                    self._print_block(name, block)
            self._printed = len(self.order)
            # Read again across the whole run (a 403 beside mailboxes that pass is E3, not E2):
            # say so, or the text would name another step than the JSON.
            for event in report.failures:
                shown = self._shown.get((event.target, event.step))
                if event.diagnosis and shown is not None and shown != event.diagnosis.code:
                    lines = [f"{_title(event.target)} {event.step}, seen across the whole run:"]
                    lines += diagnosis_lines(event.diagnosis, event.status, event.message)
                    self._to_out("\n".join(lines))
            failed = len(report.failures)
            warned = sum(1 for c in report.checks if c.status is Status.WARNING)
            if report.ok:
                text = "All checks passed" + (f" ({plural(warned, 'warning')})" if warned else "")
            elif report.cancelled and not failed:
                text = "Stopped before the end"
            else:
                text = f"{plural(failed, 'check')} failed"
            self._to_out(text)

    def clear(self) -> None:
        """Erase the live line (on interrupt, before the last words)."""
        with self._lock:
            self._status = ""
            self._redraw()

    # --- writing --------------------------------------------------------------------------------

    def _to_out(self, text: str) -> None:
        self._erase()
        write_lines(self.out, text)
        self._draw()

    def _to_err(self, text: str) -> None:
        self._erase()
        write_lines(self.err, text)
        self._draw()

    def _redraw(self) -> None:
        self._erase()
        self._draw()

    def _erase(self) -> None:
        if self.live:
            write_raw(self.err, _CLEAR_LINE)

    def _draw(self) -> None:
        if self.live and self._status:
            line = f"{self._done} of {plural(self._total, 'step')} done · {self._status}"
            write_raw(self.err, terminal_safe(line)[:79])


def _title(target: str) -> str:
    return target.replace("incoming:", "incoming ", 1)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def diagnosis_lines(diag: Any, status: Status, message: str = "") -> list[str]:
    """The explanation under a failed (or first warned) step: cause, fix, support details."""
    from tui.guide import step as guide_step

    try:
        title = guide_step(diag.guide_step).title
    except KeyError:
        title = ""
    lines = [f"    {diag.code} — {diag.title}" if diag.title else f"    {diag.code}"]
    lines.append(f"    {diag.cause}")
    if status is Status.FAILED:
        where = f"{diag.guide_step} — {title}" if title else diag.guide_step
        lines.append(f"    Fix at {where}: {diag.fix}")
    else:
        lines.append(f"    What to do: {diag.fix}")
    raw = diag.raw or {}
    support = [
        f"{k}={raw[k]}"
        for k in ("error", "trace_id", "correlation_id", "timestamp", "http_status")
        if raw.get(k)
    ]
    if support:
        lines.append("    for support: " + "  ".join(support))
    detail = raw.get("error_description") or raw.get("detail") or raw.get("message")
    if detail:
        shown = " ".join(terminal_safe(detail).split())[:400]
        if shown not in message:  # already on the step's line: once is enough
            lines.append("    raw: " + shown)
    return lines
