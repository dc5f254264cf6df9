"""Shared helpers of the classifiers: build a :class:`Diagnosis` from a table entry, read the
response headers support needs, and quote a server's own words safely.

Used by :mod:`tui.checks.diagnose` (Entra, exceptions), :mod:`tui.checks.diagnose_http` (HTTP
answers, Exchange's 401) and :mod:`tui.checks.diagnose_run` (rules over a whole run).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tui.checks.diagnosis_entry import Entry
from tui.checks.events import Diagnosis

# Response headers Microsoft support and the diagnosis care about.
KEPT_HEADERS = (
    "www-authenticate",
    "x-ms-diagnostics",
    "retry-after",
    "request-id",
    "x-ms-request-id",
    "client-request-id",
    "x-ms-ags-diagnostic",
    "x-feserver",
    "x-beserver",
    "date",
)
# Control characters (C0, DEL, C1) a server could use to move the cursor or recolour a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
QUOTE_LIMIT = 300


def target_kind(target: str) -> str:
    return "incoming" if target.startswith("incoming") else "outgoing"


def make(
    code: str,
    entry: Entry,
    target: str,
    raw: Mapping[str, Any] | None = None,
    retry_after: float | None = None,
    cause_suffix: str = "",
) -> Diagnosis:
    cause = entry.cause + (f" {cause_suffix}" if cause_suffix else "")
    return Diagnosis(
        code=code,
        cause=cause,
        guide_step=entry.guide_step(target_kind(target)),
        fix=entry.fix,
        raw=dict(raw or {}),
        retryable=entry.retryable,
        title=entry.title,
        retry_after=retry_after,
    )


def with_raw(diagnosis: Diagnosis, extra: dict[str, Any]) -> Diagnosis:
    """The diagnosis with more raw facts; the diagnosis's own raw wins on clashes."""
    merged = {**extra, **diagnosis.raw}
    return Diagnosis(
        diagnosis.code,
        diagnosis.cause,
        diagnosis.guide_step,
        diagnosis.fix,
        merged,
        diagnosis.retryable,
        diagnosis.title,
        diagnosis.retry_after,
    )


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A server's words fit to show: one line, no control characters, bounded."""
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def header(headers: Mapping[str, str] | None, name: str) -> str:
    if not headers:
        return ""
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value)
    return ""


def headers_raw(headers: Mapping[str, str] | None) -> dict[str, Any]:
    kept = {name: header(headers, name) for name in KEPT_HEADERS}
    kept = {k: v for k, v in kept.items() if v}
    return {"headers": kept} if kept else {}


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = header(headers, "retry-after")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
