"""What the steps of one check run share: HTTP sessions, reach and tenant answers computed once
per host/tenant, one token per user while it is valid, and exchangelib set up once.

Concurrent targets ask for the same thing at the same time (four accounts of one tenant); the
per-key locks make the second one wait for the first answer instead of asking Microsoft again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tui.checks import entra, ews, net
from tui.checks.http import (
    CheckSession,
    effective_verify,
    mount_userrealm_stub,
    take_last_response,
)
from tui.checks.targets import Target

if TYPE_CHECKING:
    from tui.checks.runner import CheckRunner

# A token is reused while it has at least this long to live.
TOKEN_MARGIN = 120.0


class _Once:
    """Compute a value once per key, concurrently safe.

    A cached value that ``fresh`` rejects (an expired or failed token) is computed again;
    exceptions are not cached, so a retry really asks again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[Any, threading.Lock] = {}
        self._values: dict[Any, Any] = {}

    def get(
        self,
        key: Any,
        compute: Callable[[], Any],
        *,
        fresh: Callable[[Any], bool] = lambda v: True,
        force: bool = False,
    ) -> Any:
        with self._lock:
            key_lock = self._keys.setdefault(key, threading.Lock())
        with key_lock:
            if not force and key in self._values and fresh(self._values[key]):
                return self._values[key]
            value = compute()
            self._values[key] = value
            return value


class StepContext:
    """What the steps of one run share."""

    def __init__(self, runner: CheckRunner) -> None:
        self.runner = runner
        self.settings = runner.settings
        self.timeout = runner.timeout
        self._reach = _Once()
        self._tenant = _Once()
        self._tokens = _Once()
        self._ews_ready = _Once()
        self._used_ews = False
        self.caught_warnings: list[Any] = []
        self._accounts: dict[str, Any] = {}
        self._accounts_lock = threading.Lock()
        self._sessions: dict[str, CheckSession] = {}
        self._sessions_lock = threading.Lock()

    def verify(self, target: Target) -> str | bool:
        return effective_verify(target.azure.ca_bundle)

    def session(self, target: Target) -> CheckSession:
        """One session per trust setting for the whole run, shared by its threads, so the
        tenant step and every token request reuse kept-alive connections (no new TLS
        handshake per account) and msal reads the OpenID configuration the tenant step got."""
        verify = self.verify(target)
        with self._sessions_lock:
            session = self._sessions.get(str(verify))
            if session is None:
                session = self._sessions[str(verify)] = CheckSession(verify, self.timeout)
                mount_userrealm_stub(session, target.azure.authority_host.strip())
            return session

    def last_response(self) -> dict[str, Any] | None:
        return take_last_response()

    def close(self) -> None:
        if self._used_ews:
            ews.close()
        with self._sessions_lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    # --- shared, computed once ------------------------------------------------------------------

    def reach(self, url: str, verify: str | bool) -> net.ReachResult:
        parts = urlsplit(url)
        key = (parts.hostname, parts.port or 443, str(verify))
        return self._reach.get(key, lambda: net.reach(url, verify, self.timeout))  # type: ignore[no-any-return]

    def discovery(self, target: Target) -> entra.Discovery:
        key = (entra.authority_url(target.azure), str(self.verify(target)))

        def discover() -> entra.Discovery:
            session = self.session(target)
            found = entra.discover_tenant(session, target.azure)
            if found.ok and found.response is not None:
                session.known_answers[entra.openid_configuration_url(target.azure)] = (
                    found.response
                )
            return found

        return self._tenant.get(key, discover)  # type: ignore[no-any-return]

    def token(self, target: Target, *, force: bool = False) -> entra.TokenAttempt:
        """One token per user (or per app, for the Client secret flow) while it is valid."""
        azure = target.azure
        key = (
            entra.authority_url(azure),
            azure.client_id,
            azure.auth_flow,
            target.user_name.lower(),
            entra.exchange_resource(target.ews_url),
        )

        def fetch() -> entra.TokenAttempt:
            attempt = entra.acquire_token(
                azure,
                user_name=target.user_name,
                password=target.password,
                client_secret=target.client_secret,
                scopes=entra.token_scopes(azure.auth_flow, entra.exchange_resource(target.ews_url)),
                session=self.session(target),
            )
            self.runner.redactor.add_token_result(attempt.result)
            return attempt

        def still_good(attempt: entra.TokenAttempt) -> bool:
            return attempt.ok and attempt.expires_at - time.time() > TOKEN_MARGIN

        return self._tokens.get(key, fetch, fresh=still_good, force=force)  # type: ignore[no-any-return]

    def account(self, target: Target) -> Any:
        """The exchangelib Account for the target's mailbox, with renewing credentials."""
        self._ews_ready.get("configured", lambda: ews.configure(self.verify(target), self.timeout))
        self._used_ews = True
        attempt = self.token(target)

        def renew() -> dict[str, Any]:
            fresh = self.token(target, force=True)
            if not fresh.ok:
                raise ews.TokenRefreshFailed(fresh.result.get("error_description") or "no token")
            return fresh.result

        credentials = ews.make_credentials(attempt.result, renew, target.azure.client_id)
        return ews.open_account(
            target.mailbox, target.ews_url, credentials, impersonate=target.app_only
        )
