"""The server itself: loopback only, the control API, and surviving garbage (fuzzed).

Raw TLS sockets are used where requests would tidy the traffic up; hypothesis drives the fuzzing
with a bounded number of examples.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.sandbox import Sandbox, clients
from tui.sandbox.server import MAX_BODY

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,  # nothing written next to the tests
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def tls_connect(sandbox: Sandbox, timeout: float = 5.0) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=sandbox.info["ca_file"])
    raw = socket.create_connection(("127.0.0.1", sandbox.port), timeout=timeout)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def read_response(sock: ssl.SSLSocket) -> tuple[int, dict[str, str], bytes] | None:
    """One HTTP/1.1 response from the socket, or None if the server closed without one."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None if not data else (0, {}, data)  # HTTP/0.9 style: body only
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body[:length]


def exchange(sandbox: Sandbox, data: bytes) -> tuple[int, dict[str, str], bytes] | None:
    with tls_connect(sandbox) as sock:
        sock.sendall(data)
        try:
            return read_response(sock)
        except (ConnectionError, ssl.SSLError):
            return None


def still_serving(sandbox: Sandbox) -> bool:
    session = clients.http_session(sandbox.info["ca_file"])
    url = f"{sandbox.base_url}/{sandbox.info['tenant_id']}/v2.0/.well-known/openid-configuration"
    return session.get(url, timeout=5).status_code == 200


@pytest.fixture(scope="module")
def bearer(sandbox: Sandbox) -> str:
    sandbox.load_scenario("ready")
    info = sandbox.info
    user = info["users"][0]
    return clients.ropc_token(info, user["email"], user["password"])["access_token"]


def ews_request(token: str, body: bytes, content_type: str = "text/xml; charset=utf-8") -> bytes:
    head = (
        f"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


# -- loopback only ------------------------------------------------------------------------------
def test_listens_on_loopback_only(sandbox: Sandbox) -> None:
    assert sandbox._server is not None
    assert sandbox._server.socket.getsockname()[0] == "127.0.0.1"
    # Another loopback address reaches the same machine but not a socket bound to 127.0.0.1 only.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", sandbox.port), timeout=2).close()
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the outward address
        outward = probe.getsockname()[0]
    except OSError:
        outward = ""
    finally:
        probe.close()
    if outward and not outward.startswith("127."):
        with pytest.raises(OSError):
            socket.create_connection((outward, sandbox.port), timeout=2).close()


# -- control API --------------------------------------------------------------------------------
def control(
    sandbox: Sandbox, method: str, path: str, body: Any = None, token: str | None = None
) -> requests.Response:
    session = clients.http_session(sandbox.info["ca_file"])
    headers = {"Authorization": f"Bearer {token or sandbox.control_token}"}
    return session.request(
        method,
        f"{sandbox.info['control_url']}{path}",
        headers=headers,
        data=None if body is None else json.dumps(body),
        timeout=5,
    )


def test_control_api(sandbox: Sandbox) -> None:
    sandbox.load_scenario("ready")
    client_id = sandbox.info["client_id"]
    assert control(sandbox, "GET", "/state", token="wrong").status_code == 401
    shown = control(sandbox, "GET", "/state").json()
    assert shown["state"]["name"] == "ready"
    assert "mfa-required" in shown["scenarios"]
    patched = control(
        sandbox, "PATCH", "/state", {"apps": {client_id: {"public_client_flows": False}}}
    ).json()
    assert patched["state"]["apps"][client_id]["public_client_flows"] is False
    assert patched["state"]["apps"][client_id]["admin_consent"] is True  # merged, not replaced
    info = sandbox.info
    user = info["users"][0]
    assert clients.ropc_token(info, user["email"], user["password"])["error_codes"] == [7000218]
    loaded = control(sandbox, "POST", "/scenario", {"name": "mfa-required"})
    assert loaded.json()["state"]["name"] == "mfa-required"
    assert clients.ropc_token(info, user["email"], user["password"])["error_codes"] == [50076]
    assert control(sandbox, "POST", "/scenario", {"name": "no-such"}).status_code == 400
    assert control(sandbox, "PATCH", "/state", {"users": {"x@y": {"bogus": 1}}}).status_code == 400
    assert control(sandbox, "PATCH", "/state", "not an object").status_code == 400
    assert control(sandbox, "GET", "/outbox").json() == []
    sandbox.load_scenario("ready")


def test_user_realm_and_unknown_paths(sandbox: Sandbox) -> None:
    session = clients.http_session(sandbox.info["ca_file"])
    domain = sandbox.info["tenant_domain"]
    realm = session.get(
        f"{sandbox.base_url}/common/userrealm/a@{domain}?api-version=1.0", timeout=5
    )
    assert realm.json()["account_type"] == "Managed"
    assert session.get(f"{sandbox.base_url}/nothing/here", timeout=5).status_code == 404


# -- garbage ------------------------------------------------------------------------------------
@FUZZ
@given(junk=st.binary(max_size=3000))
def test_fuzz_random_requests(sandbox: Sandbox, junk: bytes) -> None:
    answer = exchange(sandbox, junk.replace(b"\n", b" ") + b"\r\n\r\n")
    if answer is not None and answer[0]:
        assert 200 <= answer[0] < 600
    assert sandbox.unhandled_errors == 0


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=4000),
        st.text(max_size=500).map(
            lambda t: (
                '<?xml version="1.0"?>'
                '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
                'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body>'
                f"<m:GetFolder>{t}</m:GetFolder></s:Body></s:Envelope>"
            ).encode()
        ),
        st.sampled_from(
            ["GetFolder", "FindItem", "CreateItem", "ResolveNames", "GetItem", "Nope"]
        ).map(
            lambda op: (
                '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
                f"<s:Body><m:{op}/></s:Body></s:Envelope>"
            ).encode()
        ),
    )
)
def test_fuzz_malformed_soap(sandbox: Sandbox, bearer: str, body: bytes) -> None:
    answer = exchange(sandbox, ews_request(bearer, body))
    assert answer is not None
    status, headers, content = answer
    assert status in (200, 500)
    assert headers.get("connection", "").lower() != "close"
    assert headers["content-type"].startswith("text/xml")
    if status == 500:
        assert b"<faultcode" in content and b"<e:ResponseCode" in content
    assert sandbox.unhandled_errors == 0


@FUZZ
@given(
    content_type=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
)
def test_fuzz_content_types(sandbox: Sandbox, bearer: str, content_type: str) -> None:
    answer = exchange(sandbox, ews_request(bearer, b"<x/>", content_type.strip() or "x"))
    assert answer is not None
    lowered = content_type.lower()
    if "text/xml" in lowered or "application/soap+xml" in lowered:
        assert answer[0] == 500  # then it is parsed: not a SOAP envelope -> schema fault
    else:
        assert answer[0] == 415
    assert sandbox.unhandled_errors == 0


def test_huge_bodies_are_bounded(sandbox: Sandbox, bearer: str) -> None:
    head = (
        f"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {bearer}\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n"
    ).encode()
    answer = exchange(sandbox, head + b"x" * 1000)
    assert answer is not None and answer[0] == 413
    big = b"<a>" + b"y" * (5 * 1024 * 1024) + b"</a>"  # within the limit: read, then refused
    answer = exchange(sandbox, ews_request(bearer, big))
    assert answer is not None and answer[0] == 500 and b"ErrorSchemaValidation" in answer[2]
    for bad in (b"-5", b"abc"):
        answer = exchange(sandbox, b"POST /x HTTP/1.1\r\nContent-Length: " + bad + b"\r\n\r\n")
        assert answer is not None and answer[0] == 400
    answer = exchange(sandbox, b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert answer is not None and answer[0] == 411
    assert still_serving(sandbox)


def test_plain_http_and_broken_tls_do_not_hurt(sandbox: Sandbox) -> None:
    for junk in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x00\x05hello", b""):
        # The server may already have dropped the junk connection: that is the point.
        with (
            socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as raw,
            contextlib.suppress(OSError),
        ):
            raw.sendall(junk)
            raw.shutdown(socket.SHUT_WR)
            raw.recv(100)
    assert still_serving(sandbox)
    assert sandbox.unhandled_errors == 0


def test_keep_alive_across_error_answers(sandbox: Sandbox, bearer: str) -> None:
    """EWS errors keep the connection open (exchangelib reads 'Connection: close' as busy)."""
    with tls_connect(sandbox) as sock:
        for body in (b"not xml", b"<still-not-soap/>"):
            sock.sendall(ews_request(bearer, body))
            answer = read_response(sock)
            assert answer is not None and answer[0] == 500
        sock.sendall(ews_request("bad.token.here", b"<x/>"))
        answer = read_response(sock)
        assert answer is not None and answer[0] == 401 and answer[2] == b""


# -- changing the tenant while it runs ----------------------------------------------------------
def test_new_app_answers_700016_until_it_has_propagated(sandbox: Sandbox) -> None:
    sandbox.load_scenario("ready")
    info = sandbox.info
    user = info["users"][0]
    new_app = "0f0e0d0c-0b0a-4909-8807-060504030201"
    sandbox.patch({"propagation": {"seconds": 30}})
    response = control(
        sandbox,
        "PATCH",
        "/state",
        {
            "apps": {
                new_app: {
                    "public_client_flows": True,
                    "admin_consent": True,
                    "permissions": ["EWS.AccessAsUser.All"],
                }
            }
        },
    )
    assert response.json()["propagating"] is True
    result = clients.ropc_token(info, user["email"], user["password"], client_id=new_app)
    assert result["error_codes"] == [700016]
    assert control(sandbox, "POST", "/settle").json()["propagating"] is False
    result = clients.ropc_token(info, user["email"], user["password"], client_id=new_app)
    assert "access_token" in result
    sandbox.load_scenario("ready")


def test_ews_disabled_for_the_organisation(sandbox: Sandbox, bearer: str) -> None:
    sandbox.load_scenario("ready")
    sandbox.patch({"tenant": {"ews_enabled": False}})
    answer = exchange(sandbox, ews_request(bearer, b"<x/>"))
    assert answer is not None and answer[0] == 403 and answer[2] == b""
    assert answer[1].get("connection", "").lower() != "close"
    sandbox.load_scenario("ready")


def test_added_latency(sandbox: Sandbox) -> None:
    import time

    sandbox.load_scenario("ready")
    sandbox.patch({"latency_ms": 300})
    started = time.monotonic()
    assert still_serving(sandbox)
    assert time.monotonic() - started >= 0.3  # a lower bound: the delay was added
    sandbox.load_scenario("ready")


def _inbox_count(sandbox: Sandbox) -> int:
    """The guide's mail account reads its inbox through exchangelib (a fresh connection)."""
    clients.close_connections()
    info = sandbox.info
    user = info["users"][0]
    token = clients.ropc_token(info, user["email"], user["password"])
    return int(clients.ews_account(info, token, user["email"]).inbox.total_count)


def _refused(sandbox: Sandbox) -> str | None:
    from exchangelib.errors import MalformedResponseError

    sandbox.last_ews_refusal = None
    try:
        _inbox_count(sandbox)
    except MalformedResponseError as error:
        assert "Code: 403" in str(error)
        return sandbox.last_ews_refusal
    return None


def test_ews_switches_act_after_the_propagation_delay(sandbox: Sandbox) -> None:
    """E2 and E3 over the control API: Exchange keeps its old view until the change has spread."""
    from tui.sandbox import ews_access

    sandbox.load_scenario("ews-org-off")
    client_id, user = sandbox.info["client_id"], sandbox.info["users"][0]["email"]
    sandbox.patch({"propagation": {"seconds": 30, "ews_forbidden": False, "token_stale": False}})
    assert _refused(sandbox) == ews_access.ORG_OFF
    e2 = {"tenant": {"ews_enabled": True, "ews_allowed_app_ids": [client_id]}}
    assert control(sandbox, "PATCH", "/state", e2).json()["propagating"] is True
    assert _refused(sandbox) == ews_access.ORG_OFF  # Exchange's cached settings, for now
    control(sandbox, "POST", "/settle")
    assert _refused(sandbox) is None
    control(sandbox, "PATCH", "/state", {"users": {user: {"ews_enabled": False}}})
    assert _refused(sandbox) is None  # still allowed until Exchange learns it
    control(sandbox, "POST", "/settle")
    assert _refused(sandbox) == ews_access.MAILBOX_OFF
    control(sandbox, "PATCH", "/state", {"users": {user: {"ews_enabled": None}}})  # $null again
    control(sandbox, "POST", "/settle")
    assert _refused(sandbox) is None
    sandbox.load_scenario("ready")


def test_user_agent_policy_and_licences(sandbox: Sandbox) -> None:
    from tui.sandbox import ews_access

    sandbox.load_scenario("ready")
    user = sandbox.info["users"][0]["email"]
    sandbox.patch({"tenant": {"ews_application_access_policy": "EnforceAllowList"}})
    assert _refused(sandbox) == ews_access.AGENT_NOT_ALLOWED
    sandbox.patch({"tenant": {"ews_allow_list": ["exchangelib/*"]}})
    assert _refused(sandbox) is None
    sandbox.patch(
        {
            "tenant": {
                "ews_application_access_policy": "EnforceBlockList",
                "ews_block_list": ["EXCHANGELIB*"],  # matched without regard to case
            }
        }
    )
    assert _refused(sandbox) == ews_access.AGENT_BLOCKED
    sandbox.patch({"tenant": {"ews_application_access_policy": ""}})
    for license_name, refused in (("F3", True), ("kiosk", True), ("F1", True), ("E5", False)):
        sandbox.patch({"users": {user: {"license": license_name}}})
        assert (_refused(sandbox) == ews_access.LICENSE_REFUSED) is refused, license_name
    sandbox.load_scenario("ready")
