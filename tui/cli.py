"""The ``mailsetup`` command line: the wizard and the sub-commands (check, register, ...).

Start-up cost matters (the wizard must be interactive within a blink), so this module imports
almost nothing at the top. A plain wizard start (``--config FILE``, ``--demo``, ``--css FILE``
and nothing else) is read here without argparse; anything else goes to the full parser in
:mod:`tui.cli_parser`, which explains mistakes. Textual, msal and exchangelib are imported by
the sub-command that needs them, when it runs.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

CONFIG_ENV = "MAILSETUP_CONFIG"


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


def build_parser(only: str | None = "all") -> argparse.ArgumentParser:
    """The whole parser (see :func:`tui.cli_parser.build_parser`)."""
    from tui.cli_parser import build_parser as build

    return build(only)


class WizardArgs:
    """What a plain wizard start asked for (the names argparse's namespace has)."""

    def __init__(self) -> None:
        self.config: str | None = None
        self.demo = False
        self.css: list[str] = []


def plain_wizard_args(argv: list[str]) -> WizardArgs | None:
    """The wizard's options when ``argv`` holds only exact ``--config FILE``/``--config=FILE``,
    ``--demo`` and ``--css FILE``/``--css=FILE``; ``None`` for anything else (help, a sub-command,
    an abbreviation, an empty or missing value), which argparse then reads and explains. Same
    result as argparse for what it accepts (a test compares them)."""
    args = WizardArgs()
    rest = iter(argv)
    for arg in rest:
        name, equals, value = arg.partition("=")
        if arg == "--demo":
            args.demo = True
            continue
        if name not in _TAKES_VALUE:
            return None
        if not equals:
            value = next(rest, "")
            if value.startswith("-"):  # argparse: "expected one argument"
                return None
        if not value.strip():  # argparse's config_file refuses it in words
            return None
        if name == "--config":
            args.config = value
        else:
            args.css.append(value)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    plain = plain_wizard_args(argv)
    try:
        if plain is not None:
            return _wizard(plain.config, plain.demo, plain.css)
        args = build_parser(only=command_in(argv)).parse_args(argv)
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
        return _wizard(args.config, args.demo, args.css)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _wizard(config: str | None, demo: bool, css: list[str]) -> int:
    # No cyclic garbage collection until the wizard's first frame (the app turns it back on
    # then): the imports and the first screen allocate much and free little, and the
    # collections they triggered were ~5% of the start-up.
    gc.disable()
    from tui.app import run as run_wizard

    return run_wizard(
        # Training never touches the admin's real file: a private temporary one unless --config.
        config_path=None if demo and not config else resolve_config_path(config),
        demo=demo,
        extra_css=[Path(p) for p in css],
    )
