"""The ``mailsetup`` command line: the wizard, ``check``, ``sandbox`` and ``manifest``.

Start-up cost matters (the wizard must be interactive within a blink), so this module imports
only argparse and the settings paths at the top. Textual, msal and exchangelib are imported by
the sub-command that needs them, when it runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from tui import __version__

CONFIG_ENV = "MAILSETUP_CONFIG"

HELP_WIDTH = 80  # an admin's SSH window; wider terminals get the same help

DESCRIPTION = """\
Set up e-mail over Microsoft Exchange Online with OAuth, step by step, and
prove that it works.

Without a sub-command, starts the wizard: it follows the vendor guide's stages
A (app registration in Microsoft Entra ID), B (outgoing e-mail) and
C (incoming e-mail), keeps every value in one TOML settings file, and tests
each stage live."""

EPILOG = """\
settings file:
  --config FILE, else $MAILSETUP_CONFIG, else settings.toml in your config
  directory (%(default_config)s).

examples:
  mailsetup --demo                   practise on the built-in sandbox tenant
  mailsetup --config /etc/erp/mail.toml
  mailsetup check --json             headless checks, for scripts and monitoring
  mailsetup register                 stage A over Microsoft Graph (sign in once)
  mailsetup manifest                 the A10 permission block, ready to paste"""


class HelpFormatter(argparse.HelpFormatter):
    """Help at most :data:`HELP_WIDTH` columns wide, and never broken inside a word: argparse
    wraps at hyphens by default, which cut scenario names like ``mfa-required`` in two."""

    # shutil and textwrap are imported when help is shown: the wizard's start does not pay.
    def __init__(self, prog: str, **kwargs: object) -> None:
        import shutil

        columns = min(shutil.get_terminal_size().columns, HELP_WIDTH)
        kwargs.setdefault("width", max(columns - 2, 40))
        super().__init__(prog, **kwargs)  # type: ignore[arg-type]

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        text = " ".join(text.split())
        return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        text = " ".join(text.split())
        return textwrap.fill(
            text,
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        )


class RawDescriptionFormatter(HelpFormatter):
    """The same, with the description and epilog printed as written (they are laid out by hand
    within the width)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "".join(indent + line for line in text.splitlines(keepends=True))


def config_file(text: str) -> str:
    """``--config``'s type: an empty name is a mistake (a variable that expanded to nothing),
    not a request to fall back to $MAILSETUP_CONFIG or the default file."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "the file name is empty; name a settings file, or leave --config out to use "
            f"${CONFIG_ENV} or the default"
        )
    return text


def default_config_path() -> Path:
    """``settings.toml`` in the user's config directory (platformdirs)."""
    from platformdirs import user_config_path

    return user_config_path("mailsetup", appauthor=False) / "settings.toml"


def resolve_config_path(given: str | None) -> Path:
    """--config wins, then $MAILSETUP_CONFIG, then the default."""
    if given:
        return Path(given).expanduser()
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    return default_config_path()


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=config_file,
        help=f"settings file to use (default: ${CONFIG_ENV} or the config directory's settings.toml)",
    )


SUBCOMMANDS = ("check", "sandbox", "register", "manifest")
_TAKES_VALUE = ("--config", "--css")


def command_in(argv: list[str]) -> str | None:
    """The sub-command named in argv, found without parsing (option values are skipped)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _TAKES_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in SUBCOMMANDS else None
    return None


class _MainParser(argparse.ArgumentParser):
    """Fills in the epilog's default settings path only when the help is shown: finding it
    imports platformdirs (~9 ms), which the wizard's first frame need not wait for."""

    def format_help(self) -> str:
        self.epilog = EPILOG % {"default_config": default_config_path()}
        return super().format_help()


def build_parser(only: str | None = "all") -> argparse.ArgumentParser:
    """The whole parser. ``only`` names the one sub-command whose options are loaded (``None``:
    none, as for the wizard): their modules cost ~60 ms the wizard's start need not pay."""
    parser = _MainParser(
        prog="mailsetup",
        description=DESCRIPTION,
        formatter_class=RawDescriptionFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mailsetup {__version__}")
    _add_config_option(parser)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="training mode: start the sandbox tenant inside the wizard and use the demo overlay",
    )
    parser.add_argument(
        "--css",
        metavar="FILE",
        action="append",
        default=[],
        help="extra stylesheet loaded on top of the built-in ones (repeatable), e.g. demo.tcss",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser(
        "check",
        help="run the live checks without the wizard",
        formatter_class=HelpFormatter,
        description="Run the live checks headless: token from Entra ID, mailbox over EWS, test "
        "message. Exit 0 when nothing failed, 1 when a check failed, 2 when the settings file is "
        "missing, unreadable or invalid, 130 on Ctrl+C.",
    )
    _add_config_option(check)
    if only in ("all", "check"):
        from tui.checks.cli import add_arguments as add_check_arguments

        add_check_arguments(check)

    sandbox = sub.add_parser(
        "sandbox",
        help="run the local training tenant (Entra ID + EWS emulator) on 127.0.0.1",
        formatter_class=HelpFormatter,
        description="Run the sandbox tenant in the foreground until Ctrl+C, and print what to "
        "type into the wizard.",
    )
    if only in ("all", "sandbox"):
        from tui.sandbox.cli import add_arguments as add_sandbox_arguments

        add_sandbox_arguments(sandbox)

    register = sub.add_parser(
        "register",
        help="do stage A over Microsoft Graph: sign in once, plan, confirm, apply",
        description="Sign in once as an admin (device code) and let mailsetup create or repair "
        "the app registration as the guide's stage A asks (A5-A18), or only check it (--check). "
        "Exit 0 done or all met, 1 refused or failed, 2 settings problems, 130 Ctrl+C.",
    )
    _add_config_option(register)
    if only in ("all", "register"):
        from tui.register.cli import add_arguments as add_register_arguments

        add_register_arguments(register)

    sub.add_parser(
        "manifest",
        help="print the A10 manifest permission block, ready to paste",
        formatter_class=HelpFormatter,
        description="Print the JSON block that guide step A10 adds to the app's manifest: "
        "EWS.AccessAsUser.All (Exchange) and User.Read (Microsoft Graph), both delegated.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(only=command_in(argv))
    args = parser.parse_args(argv)
    try:
        if args.command == "manifest":
            from tui.guide import manifest_json

            print(manifest_json())
            return 0
        if args.command == "check":
            from tui.checks.cli import run as run_check

            return run_check(args, resolve_config_path(args.config))
        if args.command == "register":
            from tui.register.cli import run as run_register

            return run_register(args, resolve_config_path(args.config))
        if args.command == "sandbox":
            from tui.sandbox.cli import run as run_sandbox

            return run_sandbox(args)
        # No cyclic garbage collection until the wizard's first frame (the app turns it back on
        # then): the imports and the first screen allocate much and free little, and the
        # collections they triggered were ~5% of the start-up.
        gc.disable()
        from tui.app import run as run_wizard

        return run_wizard(
            # Training never touches the admin's real file: a private temporary one unless --config.
            config_path=None if args.demo and not args.config else resolve_config_path(args.config),
            demo=args.demo,
            extra_css=[Path(p) for p in args.css],
        )
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
