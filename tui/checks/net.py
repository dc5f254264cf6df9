"""The reach step: DNS, TCP and TLS to a host, each failure named, through a proxy if one is set.

Works on raw sockets (no HTTP) so it can tell "no DNS" from "refused" from "timed out" from
"certificate not trusted" before any credentials are sent. HTTPS_PROXY from the environment is
honoured with a CONNECT tunnel, which is also where a proxy asking for authentication (407)
shows up. Connect, tunnel and TLS handshake together are one call under a whole-call deadline
(:mod:`tui.checks.deadline`): a server that drips its handshake cannot hold the step.
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from tui.checks import deadline
from tui.checks.http import environment_proxies
from tui.settings.files import CA_BUNDLE_MAX_BYTES, check_regular_file


@dataclass(frozen=True)
class ReachResult:
    host: str
    port: int
    ok: bool
    code: str = ""  # a key of diagnoses.NETWORK / HTTP ("DNS_FAILED", "HTTP407" …)
    detail: str = ""  # what happened, without the host (the step's message names it once)
    via_proxy: str = ""
    duration_ms: int = 0


class ReachFailure(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def ssl_context(verify: str | bool) -> ssl.SSLContext:
    """The trust requests would apply for this ``verify`` value."""
    if isinstance(verify, str):
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        # A FIFO here would block OpenSSL's read forever, /dev/zero would fill memory: only a
        # bounded regular file goes to OpenSSL (UnusableFile is an OSError with one plain line).
        check_regular_file(verify, CA_BUNDLE_MAX_BYTES)
        return ssl.create_default_context(cafile=verify)
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    import certifi  # requests' own default trust store

    return ssl.create_default_context(cafile=certifi.where())


def resolve(host: str, port: int, timeout: float) -> list[tuple[str, int]]:
    """getaddrinfo with a timeout (the call itself has none, so it runs in a helper thread)."""
    result: list[tuple[str, int]] = []
    error: list[BaseException] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            result.extend((str(info[4][0]), int(info[4][1])) for info in infos)
        except BaseException as exc:  # reported to the caller, not lost in the thread
            error.append(exc)

    worker = threading.Thread(target=lookup, daemon=True, name=f"dns-{host}")
    worker.start()
    # Waited for in slices so an aborted run (Ctrl+C, Esc) does not wait for a slow resolver.
    run = deadline.current_scope()
    until = time.monotonic() + timeout
    while worker.is_alive() and time.monotonic() < until:
        worker.join(min(0.1, max(0.0, until - time.monotonic())))
        if run is not None and run.aborted.is_set():
            raise ReachFailure("CANCELLED", "DNS lookup stopped")
    if worker.is_alive():
        raise ReachFailure("TIMED_OUT", f"DNS lookup took longer than {timeout:g} s")
    if error:
        raise ReachFailure("DNS_FAILED", f"DNS lookup failed ({error[0]})")
    if not result:
        raise ReachFailure("DNS_FAILED", "DNS lookup found no address")
    return result


def connect(host: str, port: int, timeout: float) -> socket.socket:
    last: ReachFailure | None = None
    for address in dict.fromkeys(resolve(host, port, timeout)):
        try:
            sock = socket.create_connection(address, timeout=timeout)
            deadline.track(sock)
            return sock
        except ConnectionRefusedError as exc:
            last = ReachFailure("CONNECTION_REFUSED", f"refused the connection ({exc})")
        except TimeoutError:
            last = ReachFailure("TIMED_OUT", f"did not accept within {timeout:g} s")
        except OSError as exc:
            last = ReachFailure("CONNECTION_REFUSED", str(exc))
    assert last is not None
    raise last


def open_tunnel(proxy_url: str, host: str, port: int, timeout: float) -> socket.socket:
    """CONNECT through an HTTP proxy; a 407 answer is the proxy asking for credentials."""
    proxy = urlsplit(proxy_url if "://" in proxy_url else f"http://{proxy_url}")
    proxy_host = proxy.hostname or ""
    try:
        sock = connect(proxy_host, proxy.port or 8080, timeout)
    except ReachFailure as exc:
        raise ReachFailure("PROXY_FAILED", f"proxy {proxy_host}: {exc.detail}") from exc
    if proxy.scheme == "https":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=proxy_host)
    lines = [f"CONNECT {host}:{port} HTTP/1.1", f"Host: {host}:{port}"]
    if proxy.username:
        pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
        lines.append("Proxy-Authorization: Basic " + base64.b64encode(pair).decode())
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = _read_head(sock)
    except TimeoutError as exc:
        sock.close()
        raise ReachFailure("TIMED_OUT", f"proxy {proxy_host} did not answer CONNECT") from exc
    status_line = answer.split("\r\n", 1)[0]
    parts = status_line.split()
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    if status == 407:
        sock.close()
        raise ReachFailure("HTTP407", f"proxy {proxy_host}: {status_line}")
    if status != 200:
        sock.close()
        raise ReachFailure("PROXY_FAILED", f"proxy {proxy_host}: {status_line or 'no answer'}")
    return sock


def _read_head(sock: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode("latin-1")


def tls_handshake(sock: socket.socket, host: str, verify: str | bool, timeout: float) -> str:
    """Complete TLS on a connected socket; returns the protocol version."""
    sock.settimeout(timeout)
    try:
        context = ssl_context(verify)
    except (OSError, ssl.SSLError) as exc:
        sock.close()
        raise ReachFailure("CA_BUNDLE_UNREADABLE", f"{verify}: {exc}") from exc
    try:
        with context.wrap_socket(sock, server_hostname=host) as tls:
            return tls.version() or "TLS"
    except ssl.SSLCertVerificationError as exc:
        raise ReachFailure("TLS_UNTRUSTED", str(exc.verify_message or exc)) from exc
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError) as exc:
        raise ReachFailure(
            "CONNECTION_CLOSED", f"closed during the TLS handshake ({exc})"
        ) from exc
    except TimeoutError as exc:
        raise ReachFailure("TIMED_OUT", f"no TLS answer within {timeout:g} s") from exc
    except ssl.SSLError as exc:
        raise ReachFailure("TLS_FAILED", str(exc)) from exc
    except OSError as exc:
        raise ReachFailure("CONNECTION_CLOSED", str(exc)) from exc


def reach(url: str, verify: str | bool, timeout: float) -> ReachResult:
    """DNS, TCP and TLS to the host of ``url`` (via the environment's proxy, if any)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    proxy = environment_proxies(url).get("https", "")
    started = time.monotonic()
    try:
        with deadline.watch(timeout, f"{host}:{port}") as call:
            try:
                sock = (
                    open_tunnel(proxy, host, port, timeout)
                    if proxy
                    else connect(host, port, timeout)
                )
                version = tls_handshake(sock, host, verify, timeout)
            except ReachFailure as exc:
                if call.aborted:
                    raise ReachFailure("CANCELLED", "stopped") from exc
                if call.expired:
                    raise ReachFailure(
                        "TIMED_OUT", f"no complete TLS answer within {timeout:g} s"
                    ) from exc
                raise
    except ReachFailure as exc:
        return ReachResult(
            host, port, False, exc.code, exc.detail, _safe_proxy(proxy), _ms(started)
        )
    return ReachResult(host, port, True, "", version, _safe_proxy(proxy), _ms(started))


def _safe_proxy(proxy: str) -> str:
    """The proxy address without credentials, for messages."""
    if not proxy:
        return ""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
