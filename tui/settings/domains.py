"""The domains of the settings' numbers and files: what range, what form, what kind of file.

Shared by validation (problems with their key paths), the codec (text that spells a number) and
the command line's option types, so a value is judged the same way wherever it comes from. Never
``str.isdigit()`` then ``int()``: ``"²".isdigit()`` is true and ``int("²")`` raises.
"""

from __future__ import annotations

import math
import os
import re

from tui.settings.files import CA_BUNDLE_MAX_BYTES, UnusableFile, check_regular_file
from tui.settings.toml_errors import cut as _cut

# Whole numbers typed as text: ASCII digits only (str.isdigit() also accepts "²", which int()
# refuses) and short enough that int() is instant; the range check follows.
WHOLE_NUMBER_RE = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)

# Value domains. A check waiting more than ten minutes for one answer is a hang, not patience.
MAX_TIMEOUT = 600.0
MAX_CONCURRENCY = 64
MAX_POLLING_MINUTES = 7 * 24 * 60  # a week; less often than that is not polling
# Exchange Online's largest configurable message size is 150 MB ("Exchange Online limits",
# learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/
# exchange-online-limits#message-limits); a larger attachment limit could never be sent.
MAX_FILE_SIZE_MB = 150


def whole_number(value: object) -> int | None:
    """``value`` as an int when it is one, or text that plainly spells one; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and WHOLE_NUMBER_RE.fullmatch(value.strip()):
        return int(value.strip())
    return None


def check_port(text: str | int) -> str | None:
    value = whole_number(text)
    if value is None:
        return "Port must be a whole number (0 = default)"
    if not 0 <= value <= 65535:
        return "Port must be from 0 to 65535 (0 = default)"
    return None


def parse_polling_interval(text: str | float) -> float:
    """Minutes; the guide writes "60,00" (decimal comma), so both separators are accepted."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)  # OverflowError for an int beyond any float
    cleaned = str(text).strip().replace(" ", "")
    if len(cleaned) > 32:
        raise ValueError("too long for a number of minutes")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return float(cleaned)


def check_polling_interval(text: str | float) -> str | None:
    try:
        value = parse_polling_interval(text)
    except (ValueError, OverflowError):
        return "Polling interval must be a number of minutes, e.g. 60,00"
    if not (math.isfinite(value) and 0 < value <= MAX_POLLING_MINUTES):
        return (
            f"Polling interval must be more than 0 and at most {MAX_POLLING_MINUTES} minutes "
            "(a week)"
        )
    return None


def check_timeout(value: object) -> str | None:
    """Seconds any one network call may take: a finite number, more than 0, at most 600."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"Timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds"
    if math.isfinite(value) and 0 < value <= MAX_TIMEOUT:
        return None
    return f"Timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds"


def check_ca_bundle(text: str) -> str | None:
    """An empty setting means the system's trust; anything else must be a readable PEM file."""
    text = text.strip()
    if not text:
        return None
    try:
        check_regular_file(os.path.expanduser(text), CA_BUNDLE_MAX_BYTES)
    except UnusableFile as exc:
        return f"{_cut(text, 240)}: {exc.reason}"  # the label already says "CA bundle file"
    return None
