"""The ``mailsetup`` argument parser: every sub-command's options and the help texts.

Loaded only when ``tui.cli`` cannot read the command line by itself (help, a sub-command, a
mistake): argparse and building the parser cost the wizard's plain start ~5 ms. Help is at most
80 columns wide (an admin's SSH window) and never breaks a word at a hyphen.
"""

from __future__ import annotations

import argparse

from tui import __version__
from tui.cli import CONFIG_ENV, default_config_path

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


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=config_file,
        help=f"settings file to use (default: ${CONFIG_ENV} or the config directory's "
        "settings.toml)",
    )


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
