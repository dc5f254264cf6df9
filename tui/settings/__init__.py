"""The settings layer: the typed model of every value the guide names, its validation, and the
TOML store. No Textual and no network here, so the CLI, the checks and the UI all share it."""

from __future__ import annotations

from tui.settings.model import (
    ACCOUNT_TYPES,
    AUTH_FLOWS,
    EMAIL_METHODS,
    INCOMING_SERVICES,
    Account,
    AuthFlow,
    Azure,
    AzureOverride,
    CheckOptions,
    CheckValues,
    Incoming,
    Outgoing,
    Secret,
    Settings,
)

__all__ = [
    "ACCOUNT_TYPES",
    "AUTH_FLOWS",
    "EMAIL_METHODS",
    "INCOMING_SERVICES",
    "Account",
    "AuthFlow",
    "Azure",
    "AzureOverride",
    "CheckOptions",
    "CheckValues",
    "Incoming",
    "Outgoing",
    "Secret",
    "Settings",
]
