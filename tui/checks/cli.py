"""``mailsetup check``: argument definitions and the headless runner (filled in by the checks work)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, config_path: Path) -> int:
    raise SystemExit("mailsetup check is not built yet")
