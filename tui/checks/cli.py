"""``mailsetup check``: the live checks without the wizard, for admins, scripts and monitoring.

Readable output is one line per step (✓ / ✗ / ! / -) with the diagnosis under a failure, targets
in the report's order (:mod:`tui.checks.cli_text`); with ``--json`` exactly one JSON document on
stdout, whatever happens: the report (:meth:`CheckReport.to_json`), or ``{"ok": false, "error":
{"code", "message", "problems"}}`` when the run cannot start or is interrupted.

Exit codes: 0 nothing failed, 1 a check failed, 2 the settings file is missing, unreadable or
invalid, a secret is missing and nobody can be asked, or ``--only`` names an unknown target;
128 + the signal on SIGINT (130, Ctrl+C), SIGHUP (129) and SIGTERM (143) — within a second,
whatever the network is doing: the run's sockets are shut and nothing waits for a hung thread.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.checks.cli_text import HumanPrinter, write_lines, write_raw
from tui.checks.events import CheckReport
from tui.safe_text import json_safe, terminal_safe
from tui.settings.domains import MAX_TIMEOUT
from tui.settings.options import MAX_WAIT, timeout_seconds, wait_seconds

if TYPE_CHECKING:
    from tui.settings.model import Settings

EXIT_OK, EXIT_FAILED, EXIT_SETTINGS, EXIT_INTERRUPTED = 0, 1, 2, 130
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")



def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Help texts stay short: `mailsetup check --help` must fit 80 columns.
    parser.add_argument(
        "--only",
        metavar="WHAT",
        action="append",
        help="check only 'outgoing', 'incoming' (every account) or one account by its "
        "e-mail address; repeatable",
    )
    parser.add_argument("--no-send", action="store_true", help="skip sending the test message")
    parser.add_argument(
        "--round-trip",
        action="store_true",
        help="also send a message to the first incoming account and wait for it",
    )
    parser.add_argument(
        "--wait",
        metavar="SECONDS",
        type=wait_seconds,
        default=0.0,
        help="keep retrying for up to this long while Microsoft still answers 403, "
        "AADSTS700016 or AADSTS65001, as it does for a few minutes after setup "
        f"(default: 0, report at once; at most {MAX_WAIT:g})",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=timeout_seconds,
        default=None,
        help="longest time one network call may take, from connect to the last byte "
        f"(default: the settings' checks.timeout, 30; at most {MAX_TIMEOUT:g})",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document instead of text"
    )


class _Stopped(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def run(args: argparse.Namespace, config_path: Path) -> int:
    out, err = sys.stdout, sys.stderr
    as_json = bool(args.json)

    def refuse(
        code: str,
        message: str,
        details: list[str],
        problems: list[dict[str, Any]],
        **extra: Any,
    ) -> int:
        write_lines(err, "\n".join([f"mailsetup check: {message}", *details]))
        if as_json:
            error = {"code": code, "message": message, "problems": problems, **extra}
            document = json.dumps({"ok": False, "error": error}, indent=2, ensure_ascii=False)
            write_raw(out, json_safe(document) + "\n")
        return EXIT_SETTINGS

    settings = _load(config_path, refuse)
    if isinstance(settings, int):
        return settings
    targets = list(args.only or ["outgoing", "incoming"])
    if not args.only and not settings.incoming.accounts:
        targets = ["outgoing"]
    unknown = _unknown_targets(settings, targets)
    if unknown:
        known = _known_targets(settings)
        names = ", ".join(f"'{n}'" for n in unknown)
        return refuse(
            "UNKNOWN_TARGET",
            f"--only {names}: no such check target",
            ["  known targets: " + ", ".join(known)],
            [{"target": n, "message": "unknown target"} for n in unknown],
            known_targets=known,
        )
    missing = _ask_for_missing_secrets(settings, targets, interactive=sys.stdin.isatty())
    if missing:
        return refuse(
            "SECRETS_MISSING",
            "secrets missing and no terminal to ask for them:",
            [f"  {label} [{field}]: {why}" for label, field, why in missing],
            [{"field": field, "message": why} for _, field, why in missing],
        )
    problems = _problems(settings, targets)
    if problems:
        from tui.settings.validation import summarize

        return refuse(
            "SETTINGS_INVALID",
            f"{config_path}: {summarize(problems)}",
            [
                f"  {p.label} [{p.field}]: {p.message}"
                + (f" (step {p.step_id})" if p.step_id else "")
                for p in problems
            ],
            [
                {"field": p.field, "message": p.message, "guide_step": p.step_id or None}
                for p in problems
            ],
        )
    return _run_checks(args, settings, targets, out, err)


def _run_checks(
    args: argparse.Namespace, settings: Settings, targets: list[str], out: TextIO, err: TextIO
) -> int:
    from tui.checks.runner import CheckRunner
    from tui.checks.targets import expand

    order = [t.name for t in expand(settings, targets)[0]]
    printer = None if args.json else HumanPrinter(out, err, order)
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
    restore = _catch_stop_signals()
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    except (_Stopped, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, _Stopped) else signal.SIGINT
        _stop(cancel, printer, args.json, out, err, signum)
    finally:
        restore()
    report = result.get("report")
    if report is None:  # the worker died: a bug, reported without secrets
        message = "the check stopped unexpectedly"
        write_lines(err, f"mailsetup check: {message}")
        if args.json:
            error = {"code": "INTERNAL", "message": message, "problems": []}
            write_raw(out, json.dumps({"ok": False, "error": error}, indent=2) + "\n")
        return EXIT_FAILED
    if args.json:
        write_raw(out, json_safe(report.to_json()) + "\n")
    else:
        assert printer is not None
        printer.summary(report)
    return EXIT_OK if report.ok else EXIT_FAILED


def _stop(
    cancel: threading.Event,
    printer: HumanPrinter | None,
    as_json: bool,
    out: TextIO,
    err: TextIO,
    signum: int,
) -> None:
    """Stop at once: cancel the run (the runner shuts its sockets), say so, and leave.

    The process ends with ``os._exit``: a thread still inside a call must not be waited for by
    the interpreter's shutdown, nor get a second Ctrl+C turned into a traceback there."""
    code = 128 + int(signum)
    cancel.set()
    try:
        if printer is not None:
            printer.clear()
        name = signal.Signals(signum).name
        print(f"\ninterrupted ({name})" if name != "SIGINT" else "\ninterrupted", file=err)
        if as_json:
            error = {"code": "INTERRUPTED", "message": f"interrupted by {name}", "problems": []}
            print(json.dumps({"ok": False, "error": error}, indent=2), file=out)
        out.flush()
        err.flush()
    finally:
        os._exit(code)


def _catch_stop_signals() -> Callable[[], None]:
    """SIGINT, SIGTERM and SIGHUP raise :class:`_Stopped` in the main thread; any later one
    ends the process on the spot (a second Ctrl+C while stopping)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    wanted = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
    previous = {signum: signal.getsignal(signum) for signum in wanted}

    def again(signum: int, frame: Any) -> None:
        os._exit(128 + signum)

    def first(signum: int, frame: Any) -> None:
        for other in wanted:
            signal.signal(other, again)
        raise _Stopped(signum)

    for signum in wanted:
        signal.signal(signum, first)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


# --- settings ------------------------------------------------------------------------------------


def _load(path: Path, refuse: Callable[..., int]) -> Settings | int:
    """The settings, or the exit code after saying why they cannot be used."""
    from tui.settings.store import SettingsFileError, SettingsStore

    store = SettingsStore(path)
    try:
        if not store.exists():
            return refuse(
                "SETTINGS_MISSING",
                f"no settings file at {path}",
                ["  run `mailsetup` to create one, or pass --config FILE"],
                [],
            )
        return store.load()
    except SettingsFileError as exc:
        line, column = getattr(exc, "line", None), getattr(exc, "column", None)
        where = f"{exc.path}" + (f", line {line}" if line else "")
        where += f", column {column}" if line and column else ""
        message = str(getattr(exc, "message", exc))
        problem: dict[str, Any] = {"message": terminal_safe(message)[:500]}
        if line:
            problem.update(line=line, column=column)
        return refuse("SETTINGS_INVALID", f"{where}: {message}", [], [problem])
    except (OSError, ValueError) as exc:  # unreadable, not text, not a regular file …
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return refuse(
            "SETTINGS_UNREADABLE",
            f"cannot read {path}: {why}",
            [],
            [{"message": terminal_safe(why)[:500]}],
        )


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


def _unknown_targets(settings: Settings, targets: list[str]) -> list[str]:
    from tui.checks.targets import expand

    return expand(settings, targets)[1]


def _known_targets(settings: Settings) -> list[str]:
    """What --only accepts here: the two kinds, then every account and the outgoing addresses."""
    test = settings.outgoing.test
    names = ["outgoing"]
    if settings.incoming.accounts:
        names.append("incoming")
    names += [a.email.strip() for a in settings.incoming.accounts if a.email.strip()]
    names += [a.strip() for a in (test.sender, test.user_name) if "@" in a]
    return [terminal_safe(n) for n in dict.fromkeys(names)]


def _ask_for_missing_secrets(
    settings: Settings, targets: list[str], *, interactive: bool
) -> list[tuple[str, str, str]]:
    """Prompt (in a terminal) for secrets that are neither stored nor in the environment;
    without a terminal, (label, field, why) of each one missing."""
    from tui.checks.targets import needed_secrets

    missing: list[tuple[str, str, str]] = []
    asked: set[int] = set()
    for label, field, secret in needed_secrets(settings, targets):
        if secret.resolve() or id(secret) in asked:
            continue
        if not secret.env and settings.store_secrets:
            continue  # simply not filled in: validation names it with the guide's words
        asked.add(id(secret))
        if interactive:
            secret.value = getpass.getpass(f"{terminal_safe(label)}: ")
            continue
        where = (
            f"environment variable {secret.env} is not set"
            if secret.env
            else "not stored in the file"
        )
        missing.append((label, field, where))
    return missing
