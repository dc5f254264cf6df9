"""Masking of secrets in everything that leaves the check pipeline.

A :class:`Redactor` is seeded with the settings' secrets and learns every token the run obtains;
it then masks them (and anything that merely looks like a JWT or a bearer header) in strings,
nested dicts/lists, and log records of msal, exchangelib and their HTTP stack.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

MASK = "•••"

# A JWT is three base64url parts; access tokens from Entra start with "eyJ". Masked even when we
# never saw the token, so a token echoed by a server or a library log cannot slip through.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*")
# Not a challenge's auth-params (WWW-Authenticate: Bearer client_id="00000002-…"): they are public.
_BEARER = re.compile(r"(?i)(bearer\s+)(?![A-Za-z_]+=\")[A-Za-z0-9._~+/=-]{8,}")
# A secret-named field's value: in JSON or a dict's repr the key is quoted ("password": "…"), in
# a form body or query it is key=value. Plain prose ("user name and password: 'Allow …'") must
# stay readable, so an unquoted "password:" is not taken for a field.
_FIELD_NAMES = r"(?:password|client_secret|access_token|refresh_token|id_token)"
_SECRET_FIELDS = re.compile(
    rf"""(?i)(?P<key>"{_FIELD_NAMES}"\s*:\s*")(?:\\.|[^"\\])*(?=")"""
    rf"""|(?P<key2>'{_FIELD_NAMES}'\s*:\s*')[^']*(?=')"""
    rf"""|(?P<key3>(?<![\w.-]){_FIELD_NAMES}=)[^&\s'"]+"""
)

# Short strings would mask ordinary words; no real password or secret of ours is this short.
_MIN_SECRET_LENGTH = 4

# Loggers whose records may carry request headers, bodies or tokens.
LIBRARY_LOGGERS = ("exchangelib", "msal", "requests_oauthlib", "oauthlib", "urllib3", "requests")


class Redactor:
    """Callable that masks known secrets and token-shaped text; thread-safe to extend."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        with self._lock:
            for secret in secrets:
                if secret and len(secret) >= _MIN_SECRET_LENGTH:
                    self._secrets.add(secret)

    def add_token_result(self, result: dict[str, Any] | None) -> None:
        """Learn the tokens of an msal result dict."""
        if result:
            self.add(
                *(str(result.get(k) or "") for k in ("access_token", "refresh_token", "id_token"))
            )

    def __call__(self, text: str) -> str:
        if not text:
            return text
        with self._lock:
            known = sorted(
                self._secrets, key=len, reverse=True
            )  # longest first: no partial leftovers
        for secret in known:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _JWT.sub(MASK, text)
        text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
        return _SECRET_FIELDS.sub(
            lambda m: (m.group('key') or m.group('key2') or m.group('key3')) + MASK, text
        )

    def redact_obj(self, value: Any) -> Any:
        """Mask every string inside nested dicts, lists and tuples."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.redact_obj(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.redact_obj(v) for v in value)
        return value


class RedactingLogFilter(logging.Filter):
    """Renders a record's message, masks it, and stores the masked text back in the record."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor
        self.loggers: list[logging.Logger] = []  # where install_log_filter attached it

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break the check
            message = str(record.msg)
        record.msg = self.redactor(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redactor(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_log_filter(redactor: Redactor) -> RedactingLogFilter:
    """Attach a redacting filter to the library loggers, their existing children and the root
    logger's handlers.

    Logger filters are not inherited by child loggers, so each existing child gets its own
    reference to the same filter. Remove it with :func:`remove_log_filter`.
    """
    flt = RedactingLogFilter(redactor)
    flt.loggers = _library_loggers()  # the same ones lose it again, without a second search
    for logger in flt.loggers:
        logger.addFilter(flt)
    # Loggers created later (a library imported mid-run) have no filter of their own, but their
    # records reach the root logger's handlers: filter there too.
    for handler in logging.getLogger().handlers:
        handler.addFilter(flt)
    return flt


def remove_log_filter(flt: RedactingLogFilter) -> None:
    for logger in flt.loggers:
        logger.removeFilter(flt)
    for handler in logging.getLogger().handlers:
        handler.removeFilter(flt)


def _library_loggers() -> list[logging.Logger]:
    # exchangelib alone registers hundreds of loggers: one startswith per name, with a tuple.
    children = tuple(root + "." for root in LIBRARY_LOGGERS)
    known = logging.Logger.manager.loggerDict
    found = {logging.getLogger(root) for root in LIBRARY_LOGGERS}
    found.update(
        logger
        for name, logger in list(known.items())
        if isinstance(logger, logging.Logger) and name.startswith(children)
    )
    return list(found)
