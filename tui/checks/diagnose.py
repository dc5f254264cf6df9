"""Turning raw failures into :class:`Diagnosis` objects using the table in :mod:`diagnoses`.

Inputs are what the libraries hand us: an Entra error dict (msal returns 4xx answers as a dict),
an HTTP status with headers, or an exception from requests, msal or exchangelib (matched by class
name so this module imports neither library). The raw error always travels along. HTTP answers
(Exchange's 401 and 403) are read in :mod:`tui.checks.diagnose_http`, the rules over a whole run
in :mod:`tui.checks.diagnose_run`; both are re-exported here for the runner and the steps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tui.checks import diagnoses as table
from tui.checks.diagnose_base import (
    headers_raw,
    make,
    quote,
    retry_after,
    target_kind,
    with_raw,
)
from tui.checks.diagnose_http import from_http, parse_ms_diagnostics, token_expired_answer
from tui.checks.diagnose_run import across_targets, after_waiting
from tui.checks.events import Diagnosis

__all__ = [
    "across_targets",
    "after_waiting",
    "from_code",
    "from_entra",
    "from_exception",
    "from_http",
    "make",
    "network_code",
    "parse_ms_diagnostics",
    "target_kind",
    "token_expired_answer",
]

_AADSTS = re.compile(r"AADSTS(\d+)")
_HTTP_CODE = re.compile(r"Code: (\d{3})")
# The parameter Entra names when a required value reached it empty (90014 / 900144).
_MISSING_FIELD = re.compile(r"(?:parameter|field)[:\s]+'([A-Za-z_]+)'")
# exchangelib's text for an inner code it has no class for, and the SOAP fault's own element.
_INNER_TEXT = re.compile(r"inner error: (Error[A-Za-z]+)")
_INNER_XML = re.compile(r'Name="InnerErrorResponseCode"[^>]*>\s*(Error[A-Za-z]+)')
_EMPTY_FIELD_CODES = (90014, 900144)


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
    raw.update(headers_raw(headers))
    return raw


def from_entra(
    payload: Mapping[str, Any],
    target: str,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Diagnosis:
    """Diagnose an Entra error answer (token endpoint or discovery)."""
    raw = entra_raw(payload, status, headers)
    wait = retry_after(headers)
    number = aadsts_number(payload)
    if number in _EMPTY_FIELD_CODES:
        return _empty_field(payload, number, target, raw)
    if number is not None and number in table.ENTRA:
        return make(f"AADSTS{number}", table.ENTRA[number], target, raw, wait)
    if status == 429:
        return make("HTTP429", table.HTTP["HTTP429"], target, raw, wait)
    error = str(payload.get("error", ""))
    code = f"AADSTS{number}" if number is not None else (error or "entra_error")
    if number is None and error in table.ENTRA_ERRORS:
        return make(code, table.ENTRA_ERRORS[error], target, raw, wait)
    if status is not None and status >= 500:
        return make(code, table.HTTP["HTTP5xx"], target, raw, wait)
    return make(code, table.uncatalogued("Entra ID"), target, raw, wait)


def _empty_field(
    payload: Mapping[str, Any], number: int, target: str, raw: dict[str, Any]
) -> Diagnosis:
    """90014 / 900144: a settings problem; the step is the one that fills the named field."""
    entry = table.ENTRA[number]
    found = _MISSING_FIELD.search(str(payload.get("error_description", "")))
    name = found.group(1).lower() if found else ""
    step = table.MISSING_FIELD_STEPS.get(name)
    if step is not None:
        entry = replace(entry, step=step)
    suffix = f"Entra named the field '{quote(name, 40)}'." if name else ""
    return make(f"AADSTS{number}", entry, target, raw, cause_suffix=suffix)


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
    exchangelib does not keep on its exceptions: exchangelib raises ``UnauthorizedError`` for a
    401 without the headers, and those (x-ms-diagnostics, WWW-Authenticate) say why.
    """
    raw: dict[str, Any] = {"exception": type(exc).__name__, "message": str(exc)[:2000]}
    names = _class_names(exc)
    status = int(response["status"]) if response and response.get("status") else None
    headers = response.get("headers") if response else None
    body = str(response.get("body", "")) if response else ""

    if "ErrorInternalServerError" in names:
        return _internal_error(exc, target, raw, body)
    # EWS response codes come first: exchangelib names its exception classes after them.
    for name in names:
        if name in table.EWS and name not in _GENERIC_EWS:
            return make(name, table.EWS[name], target, raw)
    if "ErrorServerBusy" in names or "ErrorInternalServerTransientError" in names:
        back_off = getattr(exc, "back_off", None)
        if status is not None and status not in (200, 500) and not back_off:
            return with_raw(from_http(status, target, headers, body), raw)
        if "raised from: ErrorInternalServerError" in str(exc):
            raw["inner_code"] = "ErrorServerBusy"  # exchangelib re-raised the inner code
        return make(
            "ErrorServerBusy",
            table.EWS["ErrorServerBusy"],
            target,
            raw,
            retry_after=float(back_off) if back_off else retry_after(headers),
        )
    if "UnauthorizedError" in names or (status in (401, 403) and "MalformedResponseError" in names):
        return with_raw(from_http(status or 401, target, headers, body), raw)
    if "MalformedResponseError" in names:
        found = _HTTP_CODE.search(str(exc))
        if found:
            return with_raw(from_http(int(found.group(1)), target, headers, body), raw)
    if "MsalServiceError" in names:
        return with_raw(from_http(status or 500, target, headers, body), raw)
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


# Exceptions whose name alone says too little: the HTTP answer or the network cause decides.
_GENERIC_EWS = ("ErrorTimeoutExpired", "TransportError", "ErrorServerBusy")


def _internal_error(exc: BaseException, target: str, raw: dict[str, Any], body: str) -> Diagnosis:
    """ErrorInternalServerError: the inner code says what happened (inner ErrorServerBusy =
    throttling, per Microsoft's EWS throttling docs). exchangelib re-raises inner codes it knows
    as their own class; the others it appends to the text, and a SOAP fault keeps them in XML."""
    found = _INNER_TEXT.search(str(exc)) or _INNER_XML.search(body)
    inner = found.group(1) if found else ""
    if inner:
        raw["inner_code"] = inner
    if inner in table.EWS and inner != "ErrorInternalServerError":
        return make(inner, table.EWS[inner], target, raw)
    suffix = f"Inner code: {quote(inner, 80)}." if inner else ""
    return make(
        "ErrorInternalServerError",
        table.EWS["ErrorInternalServerError"],
        target,
        raw,
        cause_suffix=suffix,
    )
