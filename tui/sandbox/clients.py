"""Talking to a running sandbox with the real msal and exchangelib (for tests and demos).

msal and exchangelib are imported when a function runs, never at import time. TLS trust goes to
the sandbox's CA only: msal gets a ``requests.Session`` with ``trust_env=False`` (the environment's
``REQUESTS_CA_BUNDLE`` would otherwise override ``verify``), exchangelib an HTTP adapter class
that forces ``verify=<ca_file>``. msal's port-less user-realm lookup is answered locally with 404
("no realm information"), which makes msal carry on with plain ROPC, as it does for such hosts.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from requests.adapters import BaseAdapter

TIMEOUT = 10.0
EWS_SCOPE = "https://outlook.office365.com/EWS.AccessAsUser.All"
APP_SCOPE = "https://outlook.office365.com/.default"
_adapter_lock = threading.Lock()


class NoRealmAdapter(BaseAdapter):
    """Answers msal's ``https://127.0.0.1/common/userrealm/…`` (no port) with 404, locally."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 404
        response.url = request.url or ""
        response.request = request
        response._content = b"{}"
        response.headers["Content-Type"] = "application/json"
        return response

    def close(self) -> None:
        pass


def http_session(ca_file: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_file
    session.mount("https://127.0.0.1/common/userrealm/", NoRealmAdapter())
    return session


def public_app(
    info: dict[str, Any], *, client_id: str | None = None, tenant: str | None = None
) -> Any:
    import msal

    return msal.PublicClientApplication(
        client_id or info["client_id"],
        authority=f"https://{info['authority_host']}/{tenant or info['tenant_id']}",
        instance_discovery=False,
        http_client=http_session(info["ca_file"]),
        timeout=TIMEOUT,
    )


def confidential_app(
    info: dict[str, Any],
    *,
    secret: str | None = None,
    client_id: str | None = None,
    tenant: str | None = None,
) -> Any:
    import msal

    return msal.ConfidentialClientApplication(
        client_id or info["client_id"],
        client_credential=info["client_secret"] if secret is None else secret,
        authority=f"https://{info['authority_host']}/{tenant or info['tenant_id']}",
        instance_discovery=False,
        azure_region=False,
        http_client=http_session(info["ca_file"]),
        timeout=TIMEOUT,
    )


def ropc_token(
    info: dict[str, Any],
    username: str,
    password: str,
    scopes: list[str] | None = None,
    **app_options: Any,
) -> dict[str, Any]:
    """msal's result dict for the User name/Password flow (a token or Entra's error)."""
    import warnings

    app = public_app(info, **app_options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # msal discourages ROPC since 1.35
        return app.acquire_token_by_username_password(username, password, scopes or [EWS_SCOPE])


def app_token(info: dict[str, Any], **app_options: Any) -> dict[str, Any]:
    """msal's result dict for the Client secret flow."""
    return confidential_app(info, **app_options).acquire_token_for_client([APP_SCOPE])


def trust_ca_for_exchangelib(ca_file: str) -> None:
    """Make exchangelib (process-wide) verify TLS against the sandbox CA."""
    from exchangelib.protocol import BaseProtocol, TLSClientAuth  # noqa: F401

    class SandboxAdapter(requests.adapters.HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            kwargs["verify"] = ca_file
            return super().send(request, *args, **kwargs)

    with _adapter_lock:
        BaseProtocol.HTTP_ADAPTER_CLS = SandboxAdapter


def ews_account(
    info: dict[str, Any], token: dict[str, Any], address: str, *, impersonation: bool = False
) -> Any:
    """An exchangelib Account on the sandbox's EWS with an msal token dict."""
    from exchangelib import (
        DELEGATE,
        IMPERSONATION,
        OAUTH2,
        Account,
        Configuration,
        OAuth2AuthorizationCodeCredentials,
        Version,
    )
    from exchangelib.version import EXCHANGE_O365

    trust_ca_for_exchangelib(info["ca_file"])
    credentials = OAuth2AuthorizationCodeCredentials(access_token=token)
    config = Configuration(
        service_endpoint=info["ews_url"],
        credentials=credentials,
        auth_type=OAUTH2,
        version=Version(build=EXCHANGE_O365),
        max_connections=2,
    )
    return Account(
        address,
        config=config,
        autodiscover=False,
        access_type=IMPERSONATION if impersonation else DELEGATE,
    )


def send_mail(
    account: Any, to: str, subject: str, body: str = "", *, save_copy: bool = True
) -> None:
    from exchangelib import Message

    message = Message(account=account, subject=subject, body=body, to_recipients=[to])
    if save_copy:
        message.send_and_save()
    else:
        message.send(save_copy=False)


def close_connections() -> None:
    from exchangelib import close_connections as close

    close()
