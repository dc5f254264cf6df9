"""Turning raw failures into :class:`Diagnosis` objects using the table in :mod:`diagnoses`.

Inputs are what the libraries hand us: an Entra error dict (msal returns 4xx answers as a dict),
an HTTP status with headers, or an exception from requests, msal or exchangelib (matched by class
name so this module imports neither library). The raw error always travels along.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tui.checks import diagnoses as table
from tui.checks.diagnoses import Entry
from tui.checks.events import Diagnosis

_AADSTS = re.compile(r"AADSTS(\d+)")
_HTTP_CODE = re.compile(r"Code: (\d{3})")
# Response headers Microsoft support and the diagnosis care about.
_KEPT_HEADERS = (
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
_EWS_BLOCK_MARKERS = (
    "ewsallowedappids",
    "ewsenabled",
    "ews is disabled",
    "ews is blocked",
    "ewsblocked",
    "ews has been disabled",
    "not allowed to access ews",
)


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


def from_code(code: str, target: str, raw: Mapping[str, Any] | None = None, **kw: Any) -> Diagnosis:
    """A diagnosis for one of the table's own codes (network, warnings, pipeline, HTTP, EWS)."""
    entry = table.all_entries().get(code)
    if entry is None:
        return make(code, table.uncatalogued("The check"), target, raw, **kw)
    return make(code, entry, target, raw, **kw)


# --- Entra ID ------------------------------------------------------------------------------------


def aadsts_number(payload: Mapping[str, Any]) -> int | None:
    codes = payload.get("error_codes")
    if isinstance(codes, list) and codes:
        try:
            return int(codes[0])
        except (TypeError, ValueError):
            pass
    found = _AADSTS.search(str(payload.get("error_description", "")))
    return int(found.group(1)) if found else None


def entra_raw(
    payload: Mapping[str, Any], status: int | None = None, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What support needs from an Entra error answer."""
    keep = (
        "error",
        "error_description",
        "error_codes",
        "suberror",
        "trace_id",
        "correlation_id",
        "timestamp",
        "error_uri",
        "claims",
        "password_change_url",
    )
    raw: dict[str, Any] = {k: payload[k] for k in keep if k in payload}
    if status is not None:
        raw["http_status"] = status
    raw.update(_headers_raw(headers))
    return raw


def from_entra(
    payload: Mapping[str, Any],
    target: str,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Diagnosis:
    """Diagnose an Entra error answer (token endpoint or discovery)."""
    raw = entra_raw(payload, status, headers)
    retry_after = _retry_after(headers)
    number = aadsts_number(payload)
    if number is not None and number in table.ENTRA:
        return make(f"AADSTS{number}", table.ENTRA[number], target, raw, retry_after)
    if status == 429:
        return make("HTTP429", table.HTTP["HTTP429"], target, raw, retry_after)
    error = str(payload.get("error", ""))
    code = f"AADSTS{number}" if number is not None else (error or "entra_error")
    if number is None and error in table.ENTRA_ERRORS:
        return make(code, table.ENTRA_ERRORS[error], target, raw, retry_after)
    if status is not None and status >= 500:
        return make(code, table.HTTP["HTTP5xx"], target, raw, retry_after)
    return make(code, table.uncatalogued("Entra ID"), target, raw, retry_after)


# --- HTTP ----------------------------------------------------------------------------------------


def from_http(
    status: int, target: str, headers: Mapping[str, str] | None = None, body: str = ""
) -> Diagnosis:
    """Diagnose an HTTP answer without a usable JSON error (EWS, proxies, gateways)."""
    raw: dict[str, Any] = {"http_status": status, **_headers_raw(headers)}
    if body:
        raw["body"] = body[:2000]
    retry_after = _retry_after(headers)
    if status in (401, 403) and _ews_blocked(headers, body):
        return make("EWS_BLOCKED", table.EWS["EWS_BLOCKED"], target, raw)
    if status == 401 and token_expired_answer(headers):
        return make("TOKEN_EXPIRED", table.EWS["TOKEN_EXPIRED"], target, raw)
    reason = _header(headers, "x-ms-diagnostics").lower()
    if status == 401 and reason.startswith("2000003"):
        return make("TOKEN_AUDIENCE", table.WARNINGS["TOKEN_AUDIENCE"], target, raw)
    if status == 401 and "no permissions" in reason:
        return make("TOKEN_NO_PERMISSIONS", table.EWS["TOKEN_NO_PERMISSIONS"], target, raw)
    if status == 401 and "issuer" in reason:
        return make("TOKEN_TENANT", table.WARNINGS["TOKEN_TENANT"], target, raw)
    key = "HTTP5xx" if status >= 500 else f"HTTP{status}"
    entry = table.HTTP.get(key)
    if entry is None:
        return make(f"HTTP{status}", table.uncatalogued(f"The server (HTTP {status})"), target, raw)
    return make(key, entry, target, raw, retry_after)


def token_expired_answer(headers: Mapping[str, str] | None) -> bool:
    """Exchange Online's 401 for an expired token (x-ms-diagnostics 2000001 / "expired")."""
    text = _header(headers, "x-ms-diagnostics").lower()
    return text.startswith("2000001") or "expired" in text


def _ews_blocked(headers: Mapping[str, str] | None, body: str) -> bool:
    text = " ".join(
        [_header(headers, "x-ms-diagnostics"), _header(headers, "www-authenticate"), body]
    ).lower()
    return any(marker in text for marker in _EWS_BLOCK_MARKERS)


def _header(headers: Mapping[str, str] | None, name: str) -> str:
    if not headers:
        return ""
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return ""


def _headers_raw(headers: Mapping[str, str] | None) -> dict[str, Any]:
    kept = {name: _header(headers, name) for name in _KEPT_HEADERS}
    kept = {k: v for k, v in kept.items() if v}
    return {"headers": kept} if kept else {}


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = _header(headers, "retry-after")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


# --- exceptions ----------------------------------------------------------------------------------


def _class_names(exc: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(exc).__mro__]


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def network_code(exc: BaseException) -> str | None:
    """Name the network failure behind an exception (requests, urllib3, ssl, socket, EWS)."""
    text = " ".join(f"{type(e).__name__}: {e}" for e in _chain(exc)).lower()
    names = {n for e in _chain(exc) for n in _class_names(e)}
    if "407" in text and ("proxy" in text or "ProxyError" in names):
        return "HTTP407"
    if (
        "certificate_verify_failed" in text
        or "certificate verify failed" in text
        or "SSLCertVerificationError" in names
    ):
        return "TLS_UNTRUSTED"
    if names & {"ProxyError"}:
        return "PROXY_FAILED"
    if any(
        s in text
        for s in (
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo failed",
            "temporary failure in name resolution",
            "no address associated",
            "name resolution",
        )
    ):
        return "DNS_FAILED"
    if "refused" in text or "ConnectionRefusedError" in names:
        return "CONNECTION_REFUSED"
    if (
        names & {"ConnectTimeout", "ReadTimeout", "Timeout", "TimeoutError", "timeout"}
        or "timed out" in text
    ):
        return "TIMED_OUT"
    if names & {"SSLError", "SSLZeroReturnError", "SSLEOFError"} or "ssl" in text:
        return "TLS_FAILED"
    if (
        names
        & {
            "RemoteDisconnected",
            "ChunkedEncodingError",
            "IncompleteRead",
            "ConnectionResetError",
            "ProtocolError",
            "BrokenPipeError",
        }
        or "connection aborted" in text
        or "remote end closed" in text
        or "connection reset" in text
    ):
        return "CONNECTION_CLOSED"
    if names & {"ConnectionError", "OSError"} and "ErrorTimeoutExpired" not in names:
        return "CONNECTION_CLOSED" if "closed" in text else None
    return None


def from_exception(
    exc: BaseException, target: str, response: Mapping[str, Any] | None = None
) -> Diagnosis:
    """Diagnose an exception from any layer.

    ``response`` is the last HTTP answer seen on this thread (status, headers, body), which
    exchangelib does not keep on its exceptions but which tells a blocked EWS from a bad token.
    """
    raw: dict[str, Any] = {"exception": type(exc).__name__, "message": str(exc)[:2000]}
    names = _class_names(exc)
    status = int(response["status"]) if response and response.get("status") else None
    headers = response.get("headers") if response else None
    body = str(response.get("body", "")) if response else ""

    # EWS response codes come first: exchangelib names its exception classes after them.
    for name in names:
        if name in table.EWS and name not in (
            "UnauthorizedError",
            "ErrorTimeoutExpired",
            "TransportError",
            "ErrorServerBusy",
        ):
            return make(name, table.EWS[name], target, raw)
    if "ErrorServerBusy" in names or "ErrorInternalServerTransientError" in names:
        back_off = getattr(exc, "back_off", None)
        if status is not None and status not in (200, 500) and not back_off:
            return _with_raw(from_http(status, target, headers, body), raw)
        return make(
            "ErrorServerBusy",
            table.EWS["ErrorServerBusy"],
            target,
            raw,
            retry_after=float(back_off) if back_off else _retry_after(headers),
        )
    if "UnauthorizedError" in names or (status in (401, 403) and "MalformedResponseError" in names):
        return _with_raw(from_http(status or 401, target, headers, body), raw)
    if "MalformedResponseError" in names:
        found = _HTTP_CODE.search(str(exc))
        if found:
            return _with_raw(from_http(int(found.group(1)), target, headers, body), raw)
    if "MsalServiceError" in names:
        return _with_raw(from_http(status or 500, target, headers, body), raw)
    if "ValueError" in names and "authority configuration" in str(exc):
        return make("AADSTS90002", table.ENTRA[90002], target, raw)
    code = network_code(exc)
    if code is not None:
        entry = table.HTTP[code] if code.startswith("HTTP") else table.NETWORK[code]
        return make(code, entry, target, raw)
    for name in names:
        if name in table.EWS:
            return make(name, table.EWS[name], target, raw)
    return make(type(exc).__name__, table.uncatalogued("The check"), target, raw)


def _with_raw(diagnosis: Diagnosis, extra: dict[str, Any]) -> Diagnosis:
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
