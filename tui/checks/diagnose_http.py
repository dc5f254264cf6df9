"""Diagnosing an HTTP answer without a usable JSON error: Exchange's 401 by its
``x-ms-diagnostics`` header, the 403 policy block, proxies and gateways.

Exchange Online refuses a token with ``401``, ``WWW-Authenticate: Bearer ...,
error="invalid_token"`` and usually ``x-ms-diagnostics: 2000003;reason="...";error_category=
"invalid_resource"``; the number picks the entry, the reason is quoted, and "expired" is read only
from the reason text (../shared/notes/microsoft.md, "Exchange Online's refusals"). A 401 is never
"EWS blocked": that is a 403. No body text is matched: no source shows Microsoft naming its EWS
switches in an answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from tui.checks import diagnoses as table
from tui.checks.diagnose_base import header, headers_raw, make, quote, retry_after
from tui.checks.events import Diagnosis

_NUMBER = re.compile(r"^\s*(\d{5,9})\b")
_REASON = re.compile(r'\breason="([^"]*)"')
_CATEGORY = re.compile(r'\berror_category="([^"]*)"')
_AUTH_ERROR = re.compile(r'\berror="([^"]*)"')
_AUTH_DESCRIPTION = re.compile(r'\berror_description="([^"]*)"')


class MsDiagnostics(NamedTuple):
    """Exchange's ``x-ms-diagnostics`` header, split: number, reason text, error category."""

    number: int | None
    reason: str
    category: str


def parse_ms_diagnostics(value: str) -> MsDiagnostics:
    text = str(value or "")
    number = _NUMBER.match(text)
    reason = _REASON.search(text)
    category = _CATEGORY.search(text)
    return MsDiagnostics(
        int(number.group(1)) if number else None,
        reason.group(1).strip() if reason else "",
        category.group(1).strip() if category else "",
    )


def token_expired_answer(headers: Mapping[str, str] | None) -> bool:
    """Exchange's 401 says in words that the token expired (its reason or the Bearer error
    description); the number 2000001 alone is the general "invalid token" and does not count."""
    said = parse_ms_diagnostics(header(headers, "x-ms-diagnostics")).reason
    found = _AUTH_DESCRIPTION.search(header(headers, "www-authenticate"))
    described = found.group(1) if found else ""
    return "expired" in f"{said} {described}".lower()


def from_http(
    status: int, target: str, headers: Mapping[str, str] | None = None, body: str = ""
) -> Diagnosis:
    """Diagnose an HTTP answer without a usable JSON error (EWS, proxies, gateways)."""
    raw: dict[str, Any] = {"http_status": status, **headers_raw(headers)}
    if body:
        raw["body"] = body[:2000]
    if status == 401:
        return _refused_token(target, headers, raw)
    key = "HTTP5xx" if status >= 500 else f"HTTP{status}"
    entry = table.HTTP.get(key) or table.ACCESS.get(key)
    if entry is None:
        return make(f"HTTP{status}", table.uncatalogued(f"The server (HTTP {status})"), target, raw)
    return make(key, entry, target, raw, retry_after(headers))


def _refused_token(
    target: str, headers: Mapping[str, str] | None, raw: dict[str, Any]
) -> Diagnosis:
    diagnostics = parse_ms_diagnostics(header(headers, "x-ms-diagnostics"))
    reason = diagnostics.reason.lower()
    if token_expired_answer(headers):
        code = "TOKEN_EXPIRED"
    elif diagnostics.number == 2000001 and "too weak" in reason:
        code = "TOKEN_WEAK_AUTH"
    else:
        code = table.EXCHANGE_401.get(diagnostics.number or 0, "HTTP401")
    return make(
        code, table.ACCESS[code], target, raw, cause_suffix=_exchange_said(diagnostics, headers)
    )


def _exchange_said(diagnostics: MsDiagnostics, headers: Mapping[str, str] | None) -> str:
    """Exchange's own words, quoted: the x-ms-diagnostics reason, else the Bearer error."""
    if diagnostics.reason or diagnostics.number is not None:
        number = f"{diagnostics.number} " if diagnostics.number is not None else ""
        category = f" ({quote(diagnostics.category, 60)})" if diagnostics.category else ""
        return f'Exchange said: {number}"{quote(diagnostics.reason)}"{category}.'
    challenge = header(headers, "www-authenticate")
    error = _AUTH_ERROR.search(challenge)
    description = _AUTH_DESCRIPTION.search(challenge)
    if error is None and description is None:
        return "Exchange gave no reason (no x-ms-diagnostics, no Bearer error)."
    said = f'error="{quote(error.group(1), 60)}"' if error else ""
    if description:
        said += f' "{quote(description.group(1))}"'
    return f"Exchange said: {said.strip()}."
