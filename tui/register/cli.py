"""``mailsetup register``: stage A from the command line (sign in once, plan, confirm, apply).

Text goes to stderr while the run talks to the admin (the device code, the plan, the question);
stdout carries the result: a short report, or with ``--json`` one JSON document. Exit codes: 0
done (or, with ``--check``, every requirement met); 1 refused or failed; 2 settings problems;
130 Ctrl+C.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tui.register import plan as p
from tui.register.signin import DeviceCode
from tui.safe_text import json_safe, terminal_safe
from tui.settings.model import AuthFlow, Settings

if TYPE_CHECKING:
    from tui.checks.redact import Redactor
    from tui.register.run import Result

_MARKS = {"planned": "•", "unchanged": "=", "done": "✓", "failed": "✗", "ok": "✓", "warning": "!"}


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a whole number of months, 1 to 24") from None
    if not 1 <= value <= 24:
        raise argparse.ArgumentTypeError("a whole number of months, 1 to 24 (Entra's maximum)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--name",
        default=p.DEFAULT_APP_NAME,
        help=f"the app's display name (default: {p.DEFAULT_APP_NAME})",
    )
    parser.add_argument(
        "--client-id",
        default="",
        metavar="ID",
        help="use this existing app; without it: the settings' client ID, else "
        "the app with --name, else a new one",
    )
    parser.add_argument(
        "--flow",
        choices=[f.value for f in AuthFlow],
        help="authentication flow (default: the settings' azure.auth_flow)",
    )
    parser.add_argument(
        "--secret-months",
        type=_months,
        default=12,
        metavar="N",
        help="Client secret flow: the new secret's lifetime (default 12)",
    )
    parser.add_argument(
        "--check", action="store_true", help="read-only: check the registration against the guide"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    parser.add_argument("--yes", action="store_true", help="apply without asking (scripts)")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


class TerminalReporter:
    """Talks to the admin on stderr; asks on the terminal."""

    def __init__(self, err: TextIO, *, quiet_plan: bool = False) -> None:
        self.err = err
        self.live = err.isatty()
        self.quiet_plan = quiet_plan

    def _say(self, text: str = "") -> None:
        # App names, tenant names and Microsoft's texts come from outside: no escape sequences.
        print(terminal_safe(text, keep_newlines=True), file=self.err, flush=True)

    def signing_in(self, code: DeviceCode) -> None:
        self._say("Sign in as an admin of the tenant (your own MFA is fine):")
        self._say(f"  open   {code.verification_uri}")
        self._say(f"  code   {code.user_code}")
        self._say(f"  within {_clock(code.seconds_left())} (Ctrl+C stops)")

    def waiting(self, code: DeviceCode) -> None:
        if self.live:
            print(
                f"\r  waiting for the sign-in… {_clock(code.seconds_left())} left ",
                end="",
                file=self.err,
                flush=True,
            )

    def observed(self, observed: p.Observed) -> None:
        if self.live:
            print("\r" + " " * 40 + "\r", end="", file=self.err)
        domain = f" ({observed.default_domain})" if observed.default_domain else ""
        self._say(f"Tenant {observed.tenant_id}{domain}")
        if observed.app:
            self._say(
                f"App    {observed.app.get('displayName', '')}, client ID {observed.client_id}"
            )
        else:
            self._say("App    none yet")

    def planned(self, actions: list[p.Action]) -> None:
        if self.quiet_plan:
            return
        todo = [a for a in actions if a.status == "planned"]
        self._say(
            "Nothing to change: the registration already follows the guide."
            if not todo
            else f"Plan ({len(todo)} change{'s' if len(todo) != 1 else ''}):"
        )
        for a in actions:
            self._say(
                f"  {_MARKS[a.status]} {a.step:<8} {a.what}"
                + ("" if a.status == "planned" else "  (already so)")
            )

    def confirm(self, actions: list[p.Action]) -> bool:
        if not sys.stdin.isatty():
            self._say(
                "Not applied: no terminal to ask; run with --yes to apply, --dry-run to only plan."
            )
            return False
        self.err.write("Apply these changes? [y/N] ")
        self.err.flush()
        answer = sys.stdin.readline().strip().lower()
        return answer in ("y", "yes")

    def progress(self, action: p.Action) -> None:
        self._say(f"  {_MARKS[action.status]} {action.step:<8} {action.what}")

    def checked(self, found: list[p.Requirement]) -> None:
        if self.quiet_plan:
            return
        for r in found:
            detail = f" ({r.detail})" if r.detail else ""
            self._say(f"  {_MARKS[r.status]} {r.step:<4} {r.what}{detail}")

    def can_show_secret(self) -> bool:
        return self.live

    def show_secret_once(self, value: str, end: str) -> None:
        self._say("")
        self._say("The new client secret, shown this once (store_secrets is false, so it is not")
        self._say("written to the settings); keep it in an environment variable and name it there:")
        self._say(f"  {value}")
        self._say(f"  valid until {end}")
        self._say("")


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def run(
    args: argparse.Namespace,
    config_path: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    from tui.register.run import Options, Registered, register
    from tui.settings.store import SettingsFileError, SettingsStore
    from tui.settings.validation import validate_register

    out = out or sys.stdout
    err = err or sys.stderr
    store = SettingsStore(config_path)
    try:
        settings = store.load()
    except SettingsFileError as exc:
        return _settings_error(args, out, err, str(exc), [])
    problems = validate_register(settings)
    if problems:
        lines = [f"{pr.field}: {pr.message}" for pr in problems]
        return _settings_error(
            args, out, err, f"{config_path}: settings mailsetup register needs", lines
        )
    options = Options(
        name=args.name.strip() or p.DEFAULT_APP_NAME,
        client_id=args.client_id.strip(),
        flow=AuthFlow(args.flow) if args.flow else None,
        secret_months=args.secret_months,
        check=args.check,
        dry_run=args.dry_run,
        yes=args.yes,
    )
    reporter = TerminalReporter(err)
    try:

        def persist(registered: Registered) -> None:
            registered.apply_to(settings)
            store.save(settings)

        result = register(settings, options, reporter, persist)
    except KeyboardInterrupt:
        print("\ninterrupted", file=err)
        return 130
    if result.diagnosis is not None:
        result.diagnosis = result.diagnosis.redacted(_redactor(settings))
    if args.json:
        print(json_safe(json.dumps(result.to_dict(), indent=2)), file=out)
    else:
        _print_result(result, args, config_path, out)
    if result.cancelled:
        return 1
    return 0 if result.ok else 1


def _redactor(settings: Settings) -> Redactor:
    from tui.checks.redact import Redactor

    return Redactor(settings.secrets())


def _print_result(result: Result, args: argparse.Namespace, config_path: Path, out: TextIO) -> None:
    d = result.diagnosis
    if d is not None:
        print(terminal_safe(f"✗ {d.cause}"), file=out)
        print(terminal_safe(f"  Fix at {d.guide_step}: {d.fix}"), file=out)
        for key, value in d.raw.items():
            if value in ("", None, []):
                continue
            # Entra puts trace id, correlation id and timestamp on lines of their own.
            text = " / ".join(part.strip() for part in str(value).splitlines() if part.strip())
            print(terminal_safe(f"  raw {key}: {text}"), file=out)
        return
    if result.cancelled:
        print("Nothing changed.", file=out)
    elif args.check:
        print("The registration follows the guide.", file=out)
    elif args.dry_run:
        print("Dry run: nothing changed.", file=out)
    elif not any(a.status == "done" for a in result.actions):
        print("Nothing to change: the registration already follows the guide.", file=out)
    else:
        ids = f"client ID {result.client_id}, tenant {result.tenant_id}"
        print(f"Done: {ids}, written to {config_path}.", file=out)
        print(
            "Next: stage E (let the app use EWS), then `mailsetup check`. A brand-new app can be "
            "refused for a few minutes (AADSTS700016, or 401 with 2000008) until Microsoft has "
            "caught up: wait and test again.",
            file=out,
        )


def _settings_error(
    args: argparse.Namespace, out: TextIO, err: TextIO, message: str, problems: list[str]
) -> int:
    if args.json:
        # The same shape and code as `mailsetup check --json` gives for a file it cannot use.
        error = {"code": "SETTINGS_INVALID", "message": message, "problems": problems}
        doc = {"ok": False, "error": error}
        print(json_safe(json.dumps(doc, indent=2)), file=out)
    else:
        print(terminal_safe(message), file=err)
        for line in problems:
            print(terminal_safe(f"  {line}"), file=err)
    return 2
