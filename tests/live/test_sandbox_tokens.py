"""Bearer tokens at EWS: refused exactly as Exchange Online refuses them.

Wrong audience, expired, tampered, missing, another tenant, an unknown user, no permissions,
another user's mailbox, app-only without impersonation — over raw HTTPS (to see the 401's
headers and empty body) and through exchangelib. The x-ms-diagnostics numbers, reasons and
categories are Exchange's (sources in ``tui/sandbox/tokens.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from exchangelib import errors as ews_errors

from tui.sandbox import Sandbox, clients

GET_INBOX = b"""<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
 <s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header>
 <s:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>
  <m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></s:Body>
</s:Envelope>"""


@pytest.fixture(autouse=True)
def _ready(sandbox: Sandbox) -> Iterator[None]:
    sandbox.load_scenario("ready")
    yield
    clients.close_connections()


def post_ews(
    sandbox: Sandbox, token: str | None, body: bytes = GET_INBOX, **headers: str
) -> requests.Response:
    session = clients.http_session(sandbox.info["ca_file"])
    sent = {"Content-Type": "text/xml; charset=utf-8", **headers}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return session.post(sandbox.ews_url, data=body, headers=sent, timeout=10)


def user_token(sandbox: Sandbox, index: int = 0, scopes: list[str] | None = None) -> dict[str, Any]:
    info = sandbox.info
    user = info["users"][index]
    result = clients.ropc_token(info, user["email"], user["password"], scopes)
    assert "access_token" in result, result
    return result


def assert_exo_401(
    response: requests.Response, diagnostics_code: str, reason: str, category: str
) -> None:
    assert response.status_code == 401
    assert response.content == b""
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer client_id="00000002-0000-0ff1-ce00-000000000000"')
    for part in ("trusted_issuers=", "authorization_uri=", 'error="invalid_token"'):
        assert part in challenge
    assert response.headers["x-ms-diagnostics"] == (
        f'{diagnostics_code};reason="{reason}";error_category="{category}"'
    )
    assert response.headers.get("Connection", "").lower() != "close"


def test_valid_token_reads_the_inbox(sandbox: Sandbox) -> None:
    response = post_ews(
        sandbox,
        user_token(sandbox)["access_token"],
        **{"X-AnchorMailbox": sandbox.info["users"][0]["email"]},
    )
    assert response.status_code == 200
    assert b'ResponseClass="Success"' in response.content


def test_wrong_audience_is_refused(sandbox: Sandbox) -> None:
    graph = user_token(sandbox, scopes=["User.Read"])  # a Microsoft Graph token
    assert_exo_401(
        post_ews(sandbox, graph["access_token"]),
        "2000003",
        "The audience claim value is invalid 'aud'.",
        "invalid_resource",
    )
    account = clients.ews_account(sandbox.info, graph, sandbox.info["users"][0]["email"])
    with pytest.raises(ews_errors.UnauthorizedError):
        _ = account.inbox.total_count


def test_expired_token_is_refused(sandbox: Sandbox) -> None:
    sandbox.patch({"tenant": {"token_lifetime_seconds": 1}})
    token = user_token(sandbox)
    time.sleep(1.2)
    # Exchange's own code for it: OAuthErrorCategory.TokenExpired (see tui/sandbox/tokens.py).
    assert_exo_401(
        post_ews(sandbox, token["access_token"]),
        "2000002",
        "The token has expired.",
        "token_expired",
    )
    # Without expiry data exchangelib cannot know, sends it, and gets Exchange's 401.
    stale = {k: v for k, v in token.items() if k not in ("expires_in", "ext_expires_in")}
    account = clients.ews_account(sandbox.info, stale, sandbox.info["users"][0]["email"])
    with pytest.raises(ews_errors.UnauthorizedError):
        _ = account.inbox.total_count


def test_tampered_missing_and_garbage_tokens_are_refused(sandbox: Sandbox) -> None:
    token = user_token(sandbox)["access_token"]
    header, claims, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert_exo_401(
        post_ews(sandbox, f"{header}.{claims}.{flipped}"),
        "2000000",
        "The token has an invalid signature.",
        "invalid_signature",
    )
    unparsable = "OAuth token submitted with the request cannot be parsed."
    assert_exo_401(post_ews(sandbox, "not-a-jwt"), "2000001", unparsable, "invalid_token")
    assert_exo_401(post_ews(sandbox, "a.b.c"), "2000001", unparsable, "invalid_token")
    # No token at all never reaches token validation: the bare challenge, no diagnostics.
    missing = post_ews(sandbox, None)
    assert missing.status_code == 401 and missing.content == b""
    assert "x-ms-diagnostics" not in missing.headers
    assert missing.headers["WWW-Authenticate"].startswith('Bearer client_id="00000002-')
    assert "error=" not in missing.headers["WWW-Authenticate"]


def test_token_of_another_tenant_is_refused(sandbox: Sandbox) -> None:
    token = user_token(sandbox)["access_token"]
    tenant = sandbox.info["tenant_id"]
    sandbox.patch({"tenant": {"id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}})
    assert_exo_401(
        post_ews(sandbox, token),
        "2000004",
        f"The tenant for tenant guid '{tenant}' does not exist.",
        "invalid_tenant",
    )


def test_token_of_a_deleted_user_is_refused(sandbox: Sandbox) -> None:
    info = sandbox.info
    token = user_token(sandbox, 2)["access_token"]
    sandbox.patch({"users": {info["users"][2]["email"]: None}})
    assert_exo_401(
        post_ews(sandbox, token),
        "2000005",
        "The user specified by the user-context in the token does not exist.",
        "invalid_user",
    )


def test_token_without_the_ews_permission_is_refused(sandbox: Sandbox) -> None:
    info = sandbox.info
    # An app-only token without full_access_as_app: consent missing for the app role.
    sandbox.patch({"apps": {info["client_id"]: {"admin_consent": False}}})
    token = clients.app_token(info)
    assert "access_token" in token, token
    assert_exo_401(
        post_ews(sandbox, token["access_token"], **{"X-AnchorMailbox": info["users"][0]["email"]}),
        "2000008",
        "The token contains no permissions, or permissions can not be understood.",
        "invalid_grant",
    )


def test_another_users_mailbox_is_refused(sandbox: Sandbox) -> None:
    info = sandbox.info
    token = user_token(sandbox, 0)
    other = info["users"][1]["email"]
    account = clients.ews_account(info, token, other)
    with pytest.raises(ews_errors.ErrorAccessDenied):
        _ = account.inbox.total_count
    with pytest.raises(ews_errors.ErrorNonExistentMailbox):
        _ = clients.ews_account(info, token, f"ghost@{info['tenant_domain']}").inbox.total_count


def test_sending_as_someone_else_is_denied(sandbox: Sandbox) -> None:
    from exchangelib import Mailbox, Message

    info = sandbox.info
    account = clients.ews_account(info, user_token(sandbox, 0), info["users"][0]["email"])
    message = Message(
        account=account,
        subject="spoof",
        to_recipients=[info["users"][2]["email"]],
        author=Mailbox(email_address=info["users"][1]["email"]),
    )
    with pytest.raises(ews_errors.ErrorSendAsDenied):
        message.send(save_copy=False)
    assert sandbox.mailbox(info["users"][2]["email"]) == []


def test_app_only_needs_impersonation_and_delegated_must_not_use_it(sandbox: Sandbox) -> None:
    info = sandbox.info
    app = clients.app_token(info)
    assert "access_token" in app, app
    mailbox = info["users"][1]["email"]
    with pytest.raises(
        ews_errors.ErrorInvalidExchangeImpersonationHeaderData, match="must be present"
    ):
        _ = clients.ews_account(info, app, mailbox).inbox.total_count
    assert clients.ews_account(info, app, mailbox, impersonation=True).inbox.total_count == 0
    delegated = user_token(sandbox, 1)
    with pytest.raises(
        ews_errors.ErrorInvalidExchangeImpersonationHeaderData, match="must not exist"
    ):
        _ = clients.ews_account(info, delegated, mailbox, impersonation=True).inbox.total_count


def test_app_only_send_and_receive(sandbox: Sandbox) -> None:
    info = sandbox.info
    app = clients.app_token(info)
    sender, recipient = info["users"][0]["email"], info["users"][1]["email"]
    clients.send_mail(
        clients.ews_account(info, app, sender, impersonation=True), recipient, "app only"
    )
    assert clients.ews_account(info, app, recipient, impersonation=True).inbox.total_count == 1


def test_token_claims_look_like_entra(sandbox: Sandbox) -> None:
    import base64
    import json

    def claims_of(token: str) -> dict[str, Any]:
        part = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    info = sandbox.info
    delegated = claims_of(user_token(sandbox)["access_token"])
    assert delegated["aud"] == "https://outlook.office365.com"
    assert delegated["scp"] == "EWS.AccessAsUser.All"
    assert delegated["tid"] == info["tenant_id"]
    assert delegated["appid"] == info["client_id"]
    assert delegated["upn"] == info["users"][0]["email"]
    assert delegated["exp"] > delegated["iat"]
    app = claims_of(clients.app_token(info)["access_token"])
    assert app["roles"] == ["full_access_as_app"]
    assert "upn" not in app and "scp" not in app
