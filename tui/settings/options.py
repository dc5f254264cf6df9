"""Types for numeric command-line options, checked when the command line is parsed.

They share the settings' domains (:mod:`tui.settings.validation`), so ``--timeout nan`` is refused
in the same words as ``checks.timeout = nan`` in the file, with exit 2 before anything runs.
"""

from __future__ import annotations

import argparse
import math

from tui.settings.domains import MAX_TIMEOUT, whole_number
from tui.settings.toml_errors import cut

MAX_WAIT = 3600.0  # retrying for a propagation delay longer than an hour is waiting, not checking


def _finite(text: str) -> float:
    cleaned = text.strip()
    try:
        if len(cleaned) > 32 or not cleaned.isascii():
            raise ValueError
        value = float(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{cut(text, 40)!r} is not a number of seconds") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{cut(text, 40)!r} is not a finite number of seconds")
    return value


def timeout_seconds(text: str) -> float:
    """``--timeout``: more than 0 and at most MAX_TIMEOUT seconds."""
    value = _finite(text)
    if not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_TIMEOUT:g} seconds, not {cut(text, 40)}"
        )
    return value


def wait_seconds(text: str) -> float:
    """``--wait``: from 0 to MAX_WAIT seconds."""
    value = _finite(text)
    if not 0 <= value <= MAX_WAIT:
        raise argparse.ArgumentTypeError(
            f"must be from 0 to {MAX_WAIT:g} seconds, not {cut(text, 40)}"
        )
    return value


def port_number(text: str) -> int:
    """``--port``: a whole number from 0 (any free port) to 65535."""
    value = whole_number(text)
    if value is None or not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to 65535, not {cut(text, 40)}"
        )
    return value
