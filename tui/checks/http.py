"""HTTP plumbing shared by the Entra and EWS steps: trust, proxies, timeouts, the last answer seen.

* :func:`effective_verify` decides what to trust: the settings' CA bundle if set, else what
  requests itself would use (REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, else certifi).
* :class:`CheckSession` is the ``requests.Session`` handed to msal: ``trust_env`` off so the CA
  bundle is really used, proxies still taken from the environment (HTTPS_PROXY, NO_PROXY), and a
  timeout on every request.
* :class:`DeadlineAdapter` bounds each request from connect to the last byte of the body (msal's
  through :class:`CheckSession`, exchangelib's through its ``HTTP_ADAPTER_CLS``): requests'
  own timeout bounds each read only, which a server dripping one byte a second never trips
  (requests documents that its timeout is no limit on the whole download; its maintainers
  declined a total timeout: https://github.com/psf/requests/issues/4276).
* :func:`mount_userrealm_stub` answers msal's port-less user-realm lookup locally when the
  authority runs on a non-443 port (the sandbox, a test server); real Entra gets the real call.
* :data:`last_response` remembers, per thread, the last answer's status and headers: msal and
  exchangelib drop them, yet they tell throttling and a blocked EWS apart.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from tui.checks import deadline

_BODY_KEPT = 2000


class _LastResponse(threading.local):
    value: dict[str, Any] | None = None


last_response = _LastResponse()


def remember(response: requests.Response) -> None:
    """Keep status, headers and (for errors) the start of the body of an answer, per thread."""
    body = ""
    if response.status_code >= 400:
        try:
            body = response.text[:_BODY_KEPT]
        except Exception:  # a body cut off mid-way still leaves status and headers useful
            body = ""
    last_response.value = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "body": body,
        "url": response.url,
    }


def take_last_response() -> dict[str, Any] | None:
    value, last_response.value = last_response.value, None
    return value


def effective_verify(ca_bundle: str) -> str | bool:
    """The ``verify=`` value for requests: the CA bundle setting, else requests' own default."""
    if ca_bundle.strip():
        return os.path.expanduser(ca_bundle.strip())
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


# --- whole-call deadlines ------------------------------------------------------------------------


class _TrackedConnection(HTTPConnection):
    """Registers its socket with the call running on this thread (see :mod:`deadline`)."""

    def _new_conn(self) -> Any:
        sock = super()._new_conn()
        deadline.track(sock)  # before TLS, so a handshake that drips is cut off too
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        deadline.track(self.sock)  # a kept-alive connection from the pool
        super().request(*args, **kwargs)


class _TrackedHTTPSConnection(_TrackedConnection, HTTPSConnection):
    pass


class _TrackedPool(HTTPConnectionPool):
    ConnectionCls = _TrackedConnection


class _TrackedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


_TRACKED_POOLS = {"http": _TrackedPool, "https": _TrackedHTTPSPool}


class CallTimedOut(requests.exceptions.ReadTimeout):
    """No complete answer within the whole-call deadline (read as a time-out by diagnose)."""


class CallAborted(requests.exceptions.ConnectionError):
    """The run was stopped (Ctrl+C, Esc, quit) while this call was in flight."""


def _seconds_of(timeout: Any) -> float | None:
    if isinstance(timeout, (int, float)):
        return float(timeout)
    if isinstance(timeout, tuple) and all(isinstance(t, (int, float)) for t in timeout):
        return float(sum(timeout))
    return None


class DeadlineAdapter(HTTPAdapter):
    """An HTTP adapter whose ``send`` may last ``deadline`` seconds in all, body included.

    The body is read inside ``send`` (requests would read it later, outside any bound); a caller
    asking for a stream gets it from memory. ``deadline`` None: the request's own timeout.
    """

    deadline: float | None = None

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if deadline is not None:
            self.deadline = deadline

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _TRACKED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _TRACKED_POOLS
        return manager

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        seconds = self.deadline or _seconds_of(kwargs.get("timeout")) or 30.0
        where = urlsplit(request.url or "").netloc
        with deadline.watch(seconds, where) as call:
            try:
                response = super().send(request, *args, **kwargs)
                _ = response.content  # the last byte, under the same deadline
            except Exception as exc:
                if call.expired:
                    raise _cut_short(call, request) from exc
                raise
            if call.expired:  # a body read to a shut socket ends early, without an error
                response.close()
                raise _cut_short(call, request)
        return response


def _cut_short(call: deadline.Call, request: requests.PreparedRequest) -> Exception:
    if call.aborted:
        return CallAborted(f"{call.what}: stopped", request=request)
    return CallTimedOut(
        f"{call.what}: no complete answer within {call.seconds:g} s (timed out)", request=request
    )


# --- the session msal uses -----------------------------------------------------------------------


class CheckSession(requests.Session):
    """A session with a default timeout, a whole-call deadline, fixed trust and env proxies."""

    def __init__(self, verify: str | bool, timeout: float) -> None:
        super().__init__()
        for prefix in ("https://", "http://"):
            self.mount(prefix, DeadlineAdapter(deadline=timeout))
        self.trust_env = False  # otherwise REQUESTS_CA_BUNDLE silently overrides `verify`
        self.verify = verify
        self.default_timeout = timeout
        self.hooks["response"].append(lambda r, *a, **kw: remember(r))
        # Answers already fetched in this run, by URL: the tenant step's OpenID configuration,
        # which msal would otherwise fetch again for every token (one more round trip each).
        self.known_answers: dict[str, requests.Response] = {}

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        text_url = url.decode() if isinstance(url, bytes) else url
        text_method = method.decode() if isinstance(method, bytes) else method
        known = self.known_answers.get(text_url)
        if known is not None and text_method.upper() == "GET":
            return known
        if not kwargs.get("proxies"):
            kwargs["proxies"] = environment_proxies(text_url)
        return super().request(text_method, text_url, *args, **kwargs)


def environment_proxies(url: str) -> dict[str, str]:
    """HTTPS_PROXY and friends for this URL, honouring NO_PROXY."""
    return dict(get_environ_proxies(url))


class _UserRealmNotFound(HTTPAdapter):
    """Answers 404 ("no realm information") without touching the network."""

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = 404
        response.url = request.url or ""
        response.request = request
        response._content = b"{}"
        response.headers["Content-Type"] = "application/json"
        return response


def mount_userrealm_stub(session: requests.Session, authority_host: str) -> bool:
    """Short-circuit msal's user-realm lookup when the authority is on a non-443 port.

    msal builds that URL from the host name without the port, so against ``127.0.0.1:8443`` it
    would go to port 443 and fail; Entra ID itself is always on 443 and gets the real call.
    """
    parts = urlsplit(f"https://{authority_host}")
    if parts.port in (None, 443):
        return False
    prefix = f"https://{parts.hostname}/common/userrealm/"
    # A session shared by the run's threads: mounting again would reorder its adapters while
    # another thread looks one up.
    if not isinstance(session.adapters.get(prefix), _UserRealmNotFound):
        session.mount(prefix, _UserRealmNotFound())
    return True


def host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or 443
