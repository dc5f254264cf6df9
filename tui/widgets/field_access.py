"""Read and write one settings field by its dotted path, as the text a form shows.

Forms are built from field paths (the same paths validation problems and ``tui.guide`` use), so
one pair of functions converts between the dataclass tree and input text: numbers, the decimal
comma of the polling interval, secrets, and the Azure values that B (fields 20–23) and C (C5–C7)
share with stage A. No Textual here.

Shared Azure values: a section's field edits stage A's value, so one app registration serves
both directions, unless the file already holds an override for that section (then the override
is edited). That keeps files written elsewhere with different apps per direction intact.
"""

from __future__ import annotations

from typing import Any

from tui.settings.model import AuthFlow, Secret, Settings
from tui.settings.validation import parse_polling_interval

SECRET_NAMES = ("client_secret", "exchange_password", "smtp_password", "password")


def _resolve(settings: Settings, path: str) -> tuple[Any, str]:
    """The object holding the field and the attribute name, following section Azure sharing."""
    parts = path.split(".")
    if len(parts) == 3 and parts[1] == "azure" and parts[0] in ("outgoing", "incoming"):
        override = getattr(settings, parts[0]).azure
        if getattr(override, parts[2]) is not None:
            return override, parts[2]
        return settings.azure, parts[2]
    target: Any = settings
    for name in parts[:-1]:
        target = getattr(target, name)
    return target, parts[-1]


def get_value(settings: Settings, path: str) -> Any:
    holder, name = _resolve(settings, path)
    return getattr(holder, name)


def get_text(settings: Settings, path: str) -> str:
    """The field as a form shows it (secrets as their value: inputs mask them)."""
    value = get_value(settings, path)
    if isinstance(value, Secret):
        return value.value
    if isinstance(value, AuthFlow):
        return value.value
    if path.endswith("polling_interval"):
        return format_minutes(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def set_text(settings: Settings, path: str, text: str) -> None:
    """Parse ``text`` into the field; ValueError when it cannot be parsed (the field stays)."""
    holder, name = _resolve(settings, path)
    current = getattr(holder, name)
    new: Any
    if isinstance(current, Secret) or name in SECRET_NAMES:
        env = current.env if isinstance(current, Secret) else ""
        new = Secret(value=text, env=env)
    elif name == "auth_flow":
        new = AuthFlow(text)
    elif name == "polling_interval":
        new = parse_polling_interval(text)
    elif isinstance(current, bool):
        new = text.strip().lower() in ("yes", "true", "1", "on")
    elif isinstance(current, int):
        new = int(text.strip())
    elif isinstance(current, float):
        new = float(text.strip().replace(",", "."))
    else:
        new = text.strip()
    setattr(holder, name, new)


def format_minutes(value: float) -> str:
    """The guide writes minutes with a decimal comma: ``60,00``."""
    return f"{value:.2f}".replace(".", ",")
