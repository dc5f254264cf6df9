"""The Exchange side of the checks: exchangelib configured once per run, mailbox, send, poll.

exchangelib keeps process-wide state (the HTTP adapter class, the timeout, cached protocols), so
:func:`configure` sets it for the run and :func:`close` drops cached connections afterwards.
Tokens come from msal: :class:`RenewingCredentials` asks the runner for a new token when
exchangelib finds the old one expired, a bounded number of times, instead of looping forever.
Every exchangelib import is inside a function so ``import tui.checks`` stays light.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tui.checks.http import DeadlineAdapter, remember

MAX_RENEWALS = 2


class TokenRefreshFailed(Exception):
    """The token expired and a fresh one could not be had within the bound."""


class PinnedVerifyAdapter(DeadlineAdapter):
    """exchangelib's HTTP adapter: forces our trust setting, bounds each EWS request as a whole
    (``deadline``, set per run like exchangelib's own process-wide TIMEOUT) and remembers each
    answer.

    exchangelib's sessions keep ``trust_env`` on, so REQUESTS_CA_BUNDLE would otherwise replace
    the CA bundle from the settings; pinning ``verify`` in ``send`` wins over both.
    """

    verify: str | bool = True

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["verify"] = PinnedVerifyAdapter.verify
        response = super().send(request, *args, **kwargs)
        remember(response)
        return response


_configure_lock = threading.Lock()


def configure(verify: str | bool, timeout: float) -> None:
    """Set exchangelib's process-wide adapter and timeout for this run."""
    from exchangelib.protocol import BaseProtocol

    with _configure_lock:
        PinnedVerifyAdapter.verify = verify
        PinnedVerifyAdapter.deadline = timeout
        BaseProtocol.HTTP_ADAPTER_CLS = PinnedVerifyAdapter
        BaseProtocol.TIMEOUT = timeout


def close() -> None:
    from exchangelib import close_connections

    close_connections()


def _credentials_class() -> type:
    from exchangelib import OAuth2AuthorizationCodeCredentials

    class RenewingCredentials(OAuth2AuthorizationCodeCredentials):  # type: ignore[misc]
        """An msal token for exchangelib, renewed through ``renew`` when it expires."""

        def __init__(
            self, access_token: dict[str, Any], renew: Callable[[], dict[str, Any]], client_id: str
        ) -> None:
            super().__init__(client_id=client_id, access_token=_as_oauth_token(access_token))
            self._renew = renew
            self.renewals = 0

        def refresh(self, session: Any) -> None:
            # exchangelib retries "immediately" after this; without a bound an unrenewable
            # token would loop forever.
            self.renewals += 1
            if self.renewals > MAX_RENEWALS:
                raise TokenRefreshFailed(f"token renewed {MAX_RENEWALS} times and still refused")
            self.access_token = _as_oauth_token(self._renew())

    return RenewingCredentials


def _as_oauth_token(result: dict[str, Any]) -> dict[str, Any]:
    """msal's result as the token dict oauthlib expects (token_type is compared literally)."""
    token = {k: v for k, v in result.items() if k in ("access_token", "token_type", "expires_in")}
    token["token_type"] = "Bearer"
    return token


_credential_cls: type | None = None


def make_credentials(
    token: dict[str, Any], renew: Callable[[], dict[str, Any]], client_id: str
) -> Any:
    global _credential_cls
    if _credential_cls is None:
        _credential_cls = _credentials_class()
    return _credential_cls(token, renew, client_id)


def open_account(address: str, ews_url: str, credentials: Any, *, impersonate: bool) -> Any:
    """An exchangelib Account on a fixed endpoint (no autodiscover, no version probe)."""
    from exchangelib import DELEGATE, IMPERSONATION, Account, Configuration
    from exchangelib.transport import OAUTH2
    from exchangelib.version import EXCHANGE_O365, Version

    config = Configuration(
        service_endpoint=ews_url,
        credentials=credentials,
        auth_type=OAUTH2,
        version=Version(build=EXCHANGE_O365),
    )
    return Account(
        primary_smtp_address=address,
        config=config,
        autodiscover=False,
        access_type=IMPERSONATION if impersonate else DELEGATE,
    )


def inbox_summary(account: Any) -> tuple[str, int]:
    """Open the inbox (GetFolder) and return its name and item count."""
    from exchangelib.folders import Inbox, Root

    # Not ``account.inbox``: exchangelib's Account.root and Account.inbox are threaded cached
    # properties whose lock belongs to the class, so every account's GetFolder would wait for
    # every other account's (50 accounts checked one after the other despite the pool).
    # The inbox by its distinguished id in one GetFolder; the root folder object is only its
    # parent here and is never fetched (that would be one more round trip per account).
    inbox = Inbox.get_distinguished(root=Root(account=account))
    # Kept where the property would have put it, so later steps reuse it.
    account.__dict__["inbox"] = inbox
    total = inbox.total_count
    if total is None:
        total = inbox.all().count()
    return str(inbox.name or "Inbox"), int(total)


def send_message(account: Any, *, sender: str, recipient: str, subject: str, body: str) -> None:
    """Send without saving a copy (CreateItem SendOnly); ``author`` set when sending as another."""
    from exchangelib import Mailbox, Message

    message = Message(
        account=account,
        subject=subject,
        body=body,
        to_recipients=[Mailbox(email_address=recipient)],
    )
    if sender and sender.lower() != str(account.primary_smtp_address).lower():
        message.author = Mailbox(email_address=sender)
    message.send(save_copy=False)


def has_message(account: Any, subject: str) -> bool:
    """Whether the inbox holds a message with this subject."""
    for found in account.inbox.all().only("subject"):
        if getattr(found, "subject", None) == subject:
            return True
    return False
