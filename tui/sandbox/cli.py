"""``mailsetup sandbox``: argument definitions and the foreground runner (filled in by the sandbox work)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("mailsetup sandbox is not built yet")
