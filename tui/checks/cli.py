"""``mailsetup check``: the live checks without the wizard, for admins, scripts and monitoring.

Readable output is one line per step (✓ / ✗ / ! / -) with the diagnosis under a failure; with
``--json`` one JSON document in the shape of :meth:`CheckReport.to_json`. Exit codes: 0 nothing
failed, 1 a check failed, 2 the settings file is missing, unreadable or invalid (or a secret is
missing and nobody can be asked), 130 on Ctrl+C.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.checks.events import INCOMING_STEPS, OUTGOING_STEPS, CheckEvent, CheckReport, Status
from tui.settings.options import timeout_seconds, wait_seconds

if TYPE_CHECKING:
    from tui.settings.model import Settings

STEPS_OF = {"outgoing": OUTGOING_STEPS, "incoming": INCOMING_STEPS}

EXIT_OK, EXIT_FAILED, EXIT_SETTINGS, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only",
        metavar="WHAT",
        action="append",
        help="check only 'outgoing', only 'incoming' (every account), or one account by its "
        "e-mail address; repeatable",
    )
    parser.add_argument("--no-send", action="store_true", help="skip sending the test message")
    parser.add_argument(
        "--round-trip",
        action="store_true",
        help="also send a message to the first incoming account and wait until it arrives",
    )
    parser.add_argument(
        "--wait",
        metavar="SECONDS",
        type=wait_seconds,
        default=0.0,
        help="right after setup Microsoft may answer 403, AADSTS700016 or AADSTS65001 for a few "
        "minutes; keep retrying for up to this many seconds (default: 0, report at once)",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=timeout_seconds,
        default=None,
        help="limit for each network call (default: the settings' checks.timeout, 30 s)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document instead of text"
    )


def run(args: argparse.Namespace, config_path: Path) -> int:
    out, err = sys.stdout, sys.stderr
    settings = _load(config_path, err)
    if settings is None:
        return EXIT_SETTINGS
    targets = list(args.only or ["outgoing", "incoming"])
    if not args.only and not settings.incoming.accounts:
        targets = ["outgoing"]
    missing = _ask_for_missing_secrets(settings, targets, interactive=sys.stdin.isatty())
    if missing:
        print("mailsetup check: secrets missing and no terminal to ask for them:", file=err)
        for line in missing:
            print(f"  {line}", file=err)
        return EXIT_SETTINGS
    problems = _problems(settings, targets)
    if problems:
        from tui.settings.validation import summarize

        print(f"mailsetup check: {config_path}: {summarize(problems)}", file=err)
        for p in problems:
            step = f" (step {p.step_id})" if p.step_id else ""
            print(f"  {p.label} [{p.field}]: {p.message}{step}", file=err)
        return EXIT_SETTINGS

    from tui.checks.runner import CheckRunner

    printer = (
        _HumanPrinter(out, several=len(targets) > 1 or "incoming" in targets)
        if not args.json
        else None
    )
    cancel = threading.Event()
    runner = CheckRunner(
        settings,
        on_event=printer.on_event if printer else None,
        timeout=args.timeout,
        wait=args.wait,
        cancel=cancel,
    )
    result: dict[str, CheckReport] = {}

    def work() -> None:
        result["report"] = runner.run(targets, send=not args.no_send, round_trip=args.round_trip)

    worker = threading.Thread(target=work, name="mailsetup-check", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        cancel.set()
        worker.join(2.0)  # let the current step notice; a stuck call is bounded by its timeout
        print("\ninterrupted", file=err)
        return EXIT_INTERRUPTED
    report = result.get("report")
    if report is None:  # the worker died: a bug, reported without secrets
        print("mailsetup check: the check stopped unexpectedly", file=err)
        return EXIT_FAILED
    if args.json:
        print(report.to_json(), file=out)
    else:
        assert printer is not None
        printer.summary(report)
    return EXIT_OK if report.ok else EXIT_FAILED


# --- settings ------------------------------------------------------------------------------------


def _load(path: Path, err: TextIO) -> Settings | None:
    from tui.settings.store import SettingsFileError, SettingsStore

    store = SettingsStore(path)
    if not store.exists():
        print(f"mailsetup check: no settings file at {path}", file=err)
        print("  run `mailsetup` to create one, or pass --config FILE", file=err)
        return None
    try:
        return store.load()
    except SettingsFileError as exc:  # "<file>, line L, column C: what is wrong"
        print(f"mailsetup check: {exc}", file=err)
        return None
    except OSError as exc:
        print(f"mailsetup check: cannot read {path}: {exc.strerror or exc}", file=err)
        return None


def _problems(settings: Settings, targets: list[str]) -> list[Any]:
    from tui.checks.targets import account_index
    from tui.settings import validation

    found: list[Any] = []
    for target in targets:
        if target == "outgoing":
            found += validation.validate_outgoing(settings)
        elif target == "incoming":
            found += validation.validate_incoming(settings)
        else:
            index = account_index(settings, target.removeprefix("incoming:"))
            if index is not None:
                own = f"incoming.accounts[{index}]"
                found += [
                    p
                    for p in validation.validate_incoming(settings)
                    if not p.field.startswith("incoming.accounts[") or p.field.startswith(own)
                ]
    found += validation.validate_checks(settings)
    seen: set[tuple[str, str]] = set()
    errors = []
    for p in found:
        if p.is_error and (p.field, p.message) not in seen:
            seen.add((p.field, p.message))
            errors.append(p)
    return errors


def _ask_for_missing_secrets(
    settings: Settings, targets: list[str], *, interactive: bool
) -> list[str]:
    """Prompt (in a terminal) for secrets that are neither stored nor in the environment."""
    from tui.checks.targets import needed_secrets

    missing: list[str] = []
    asked: set[int] = set()
    for label, field, secret in needed_secrets(settings, targets):
        if secret.resolve() or id(secret) in asked:
            continue
        if not secret.env and settings.store_secrets:
            continue  # simply not filled in: validation names it with the guide's words
        asked.add(id(secret))
        if interactive:
            secret.value = getpass.getpass(f"{label}: ")
            continue
        where = (
            f"environment variable {secret.env} is not set"
            if secret.env
            else "not stored in the file"
        )
        missing.append(f"{label} [{field}]: {where}")
    return missing


# --- human output --------------------------------------------------------------------------------


class _HumanPrinter:
    """Prints one line per step, with the diagnosis under a failure.

    With one target the lines stream as steps finish. With several (checked concurrently), each
    target's block is printed when its last step is done, so blocks do not interleave; retry
    notices show at once so a wait is never silent.
    """

    def __init__(self, out: TextIO, *, several: bool) -> None:
        self.out = out
        self.several = several
        self._lock = threading.Lock()
        self._explained: set[str] = set()
        self._pending: dict[str, list[CheckEvent]] = {}

    def on_event(self, event: CheckEvent) -> None:
        if event.status is Status.FAILED and event.retry_in is not None:
            wait = f"retrying in {event.retry_in:.0f} s"
            who = f"{event.target}  " if self.several else ""
            self._write(f"  … {who}{event.step}: {_code(event)} — {wait}")
            return
        if not event.is_final:
            return
        if not self.several:
            self._write("\n".join(self._lines(event, indent="")))
            return
        with self._lock:
            block = self._pending.setdefault(event.target, [])
            block.append(event)
            done = len(block) == len(STEPS_OF[event.target.partition(":")[0]])
        if done:
            self._flush(event.target)

    def _flush(self, target: str) -> None:
        with self._lock:
            block = self._pending.pop(target, [])
        if block:
            title = target.replace("incoming:", "incoming ")
            lines = [title] + [line for e in block for line in self._lines(e, indent="  ")]
            self._write("\n".join(lines))

    def _lines(self, event: CheckEvent, indent: str) -> list[str]:
        ms = f"  {event.duration_ms} ms" if event.duration_ms else ""
        text = f"  {event.message}" if event.message else ""
        lines = [f"{indent}{event.status.symbol} {event.step}{ms}{text}"]
        diag = event.diagnosis
        with self._lock:
            first_time = diag is not None and diag.code not in self._explained
            if diag is not None:
                self._explained.add(diag.code)
        if diag is not None and (event.status is Status.FAILED or first_time):
            lines += [indent + line for line in _diagnosis_lines(diag, event.status)]
        return lines

    def _write(self, text: str) -> None:
        with self._lock:
            print(text, file=self.out, flush=True)

    def summary(self, report: CheckReport) -> None:
        for target in list(self._pending):
            self._flush(target)  # targets that stopped early (unknown account, cancel)
        failed = len(report.failures)
        warned = sum(1 for c in report.checks if c.status is Status.WARNING)
        if report.ok:
            text = "All checks passed" + (
                f" ({warned} warning{'s' * (warned != 1)})" if warned else ""
            )
        else:
            text = f"{failed} check{'s' * (failed != 1)} failed"
        self._write(text)


def _code(event: CheckEvent) -> str:
    return event.diagnosis.code if event.diagnosis else "failed"


def _diagnosis_lines(diag: Any, status: Status) -> list[str]:
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
        lines.append("    raw: " + " ".join(str(detail).split())[:400])
    return lines
