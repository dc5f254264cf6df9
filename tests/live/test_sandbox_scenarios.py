"""Every shipped scenario, driven by the real msal and exchangelib, with Microsoft's exact outcome.

One sandbox for the module (``sandbox`` fixture); each test loads its scenario into it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from exchangelib import errors as ews_errors

from tui.sandbox import Sandbox, clients, ews_access, shipped_scenarios

TOKEN = "token"

# scenario -> (ROPC outcome, client-credentials outcome); outcome = TOKEN or (AADSTS, error)
ENTRA: dict[str, tuple[Any, Any]] = {
    "ready": (TOKEN, TOKEN),
    "fresh": ((7000218, "invalid_client"), (7000215, "invalid_client")),
    "public-client-flows-off": ((7000218, "invalid_client"), TOKEN),
    "no-admin-consent": ((65001, "invalid_grant"), TOKEN),
    "mfa-required": ((50076, "invalid_grant"), TOKEN),
    "password-expired": ((50055, "invalid_grant"), TOKEN),
    "account-locked": ((50053, "invalid_grant"), TOKEN),
    "account-disabled": ((50057, "invalid_grant"), TOKEN),
    "ews-org-off": (TOKEN, TOKEN),
    "ews-app-not-allowed": (TOKEN, TOKEN),
    "ews-mailbox-off": (TOKEN, TOKEN),
    "token-no-permissions": (TOKEN, TOKEN),
    "propagating": (TOKEN, TOKEN),
    "throttled": (TOKEN, TOKEN),
    "mailbox-missing": (TOKEN, TOKEN),
    "secret-expired": (TOKEN, (7000222, "invalid_client")),
}
SUBERRORS = {65001: "consent_required", 50076: "basic_action", 50055: "user_password_expired"}
# scenario -> what exchangelib raises for the guide's mail account with a delegated token
# (None = works); for scenarios without a delegated token, the app-only token is used.
EWS_OUTCOME: dict[str, type[Exception] | None] = {
    "ready": None,
    "public-client-flows-off": None,  # app-only token, impersonating the mail account
    "no-admin-consent": ews_errors.UnauthorizedError,  # app-only token without roles
    "mfa-required": None,
    "password-expired": None,
    "account-locked": None,
    "account-disabled": None,
    "ews-org-off": ews_errors.MalformedResponseError,  # HTTP 403
    "ews-app-not-allowed": ews_errors.MalformedResponseError,  # HTTP 403
    "ews-mailbox-off": ews_errors.MalformedResponseError,  # HTTP 403 for the guide's account
    "token-no-permissions": ews_errors.UnauthorizedError,  # 401 2000008 until it settles
    "propagating": ews_errors.MalformedResponseError,  # HTTP 403 until it settles
    "throttled": ews_errors.ErrorServerBusy,
    "mailbox-missing": ews_errors.ErrorNonExistentMailbox,
    "secret-expired": None,
}


@pytest.fixture(autouse=True)
def _fresh_connections() -> Iterator[None]:
    yield
    clients.close_connections()


def assert_outcome(result: dict[str, Any], expected: Any) -> None:
    if expected == TOKEN:
        assert "access_token" in result, result.get("error_description")
        return
    code, error = expected
    assert "access_token" not in result
    assert result["error"] == error
    assert result["error_codes"] == [code]
    assert result["error_description"].startswith(f"AADSTS{code}: ")
    assert "\r\nTrace ID: " in result["error_description"]
    assert "\r\nCorrelation ID: " in result["error_description"]
    for key in ("timestamp", "trace_id", "correlation_id", "error_uri"):
        assert result[key]
    if code in SUBERRORS:
        assert result["suberror"] == SUBERRORS[code]


# Scenarios before stage A (no app yet): covered by test_sandbox_devicecode.py / _graph.py.
REGISTER_SCENARIOS = {
    "unregistered",
    "admin-no-role",
    "consent-blocked",
    "device-code-blocked",
    "no-exchange-online",
}


def test_every_scenario_has_a_case() -> None:
    assert set(shipped_scenarios()) - REGISTER_SCENARIOS == set(ENTRA)
    assert set(ENTRA) - set(EWS_OUTCOME) == {"fresh"}  # no token of any kind in fresh


@pytest.mark.parametrize("scenario", sorted(ENTRA))
def test_entra_outcomes(sandbox: Sandbox, scenario: str) -> None:
    sandbox.load_scenario(scenario)
    info = sandbox.info
    user = info["users"][0]
    ropc, app_only = ENTRA[scenario]
    assert_outcome(clients.ropc_token(info, user["email"], user["password"]), ropc)
    secret = info["client_secret"] or "Sbx8Q~trainingSecretValue.0123456789abcd"
    assert_outcome(clients.app_token(info, secret=secret), app_only)


@pytest.mark.parametrize("scenario", sorted(ENTRA))
def test_wrong_values_answered_as_entra_does(sandbox: Sandbox, scenario: str) -> None:
    sandbox.load_scenario(scenario)
    info = sandbox.info
    user = info["users"][0]
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        clients.public_app(info, tenant="00000000-1111-2222-3333-444444444444")
    unknown_app = str(uuid.uuid4())
    assert_outcome(
        clients.ropc_token(info, user["email"], user["password"], client_id=unknown_app),
        (700016, "unauthorized_client"),
    )
    assert_outcome(
        clients.app_token(info, secret="x", client_id=unknown_app), (700016, "unauthorized_client")
    )
    flows_on = sandbox.state["apps"][info["client_id"]]["public_client_flows"]
    wrong_password = (50126, "invalid_grant") if flows_on else (7000218, "invalid_client")
    unknown_user = (50034, "invalid_grant") if flows_on else (7000218, "invalid_client")
    assert_outcome(clients.ropc_token(info, user["email"], "not-the-password"), wrong_password)
    assert_outcome(clients.ropc_token(info, f"nobody@{info['tenant_domain']}", "x"), unknown_user)
    # The verified domain works as well as the tenant id.
    assert_outcome(
        clients.ropc_token(info, user["email"], user["password"], tenant=info["tenant_domain"]),
        ENTRA[scenario][0],
    )


def _account_for(sandbox: Sandbox, scenario: str) -> Any:
    info = sandbox.info
    user = info["users"][0]
    token = clients.ropc_token(info, user["email"], user["password"])
    if "access_token" in token:
        return clients.ews_account(info, token, user["email"])
    token = clients.app_token(info)
    assert "access_token" in token, token
    return clients.ews_account(info, token, user["email"], impersonation=True)


@pytest.mark.parametrize("scenario", sorted(EWS_OUTCOME))
def test_ews_outcomes(sandbox: Sandbox, scenario: str) -> None:
    sandbox.load_scenario(scenario)
    info = sandbox.info
    account = _account_for(sandbox, scenario)
    expected = EWS_OUTCOME[scenario]
    recipient = info["users"][1]["email"]
    subject = f"{scenario} {uuid.uuid4()}"
    if expected is not None:
        with pytest.raises(expected) as caught:
            _ = account.inbox.total_count
        with pytest.raises(expected):
            clients.send_mail(account, recipient, subject, save_copy=False)
        if expected is ews_errors.ErrorServerBusy:
            assert caught.value.back_off == 5.0
        if expected is ews_errors.MalformedResponseError:
            assert "Code: 403" in str(caught.value)
        assert sandbox.mailbox(recipient) == []
        return
    before = account.inbox.total_count
    assert account.inbox.all().count() == before
    clients.send_mail(account, recipient, subject, "sent by the scenario test")
    clients.send_mail(account, "someone@example.org", subject, save_copy=False)
    assert [m["subject"] for m in sandbox.mailbox(recipient)] == [subject]
    assert [m["subject"] for m in sandbox.mailbox(info["users"][0]["email"], "sentitems")] == [
        subject
    ]
    assert sandbox.outbox[-1]["external"] == ["someone@example.org"]


def test_round_trip_counts_go_up(sandbox: Sandbox) -> None:
    sandbox.load_scenario("ready")
    info = sandbox.info
    (a, b) = info["users"][:2]
    sender = clients.ews_account(
        info, clients.ropc_token(info, a["email"], a["password"]), a["email"]
    )
    receiver = clients.ews_account(
        info, clients.ropc_token(info, b["email"], b["password"]), b["email"]
    )
    assert receiver.inbox.total_count == 0
    subjects = [f"round trip {n} {uuid.uuid4()}" for n in range(3)]
    for subject in subjects:
        clients.send_mail(sender, b["email"], subject)
    receiver.inbox.refresh()
    assert receiver.inbox.total_count == 3
    assert receiver.inbox.all().count() == 3
    assert receiver.inbox.filter(subject=subjects[1]).count() == 1
    assert {m.subject for m in receiver.inbox.all()} == set(subjects)
    assert sender.sent.all().count() == 3


def test_propagating_settles_after_the_delay(sandbox: Sandbox) -> None:
    sandbox.load_scenario("propagating")
    info = sandbox.info
    user = info["users"][0]
    token = clients.ropc_token(info, user["email"], user["password"])
    account = clients.ews_account(info, token, user["email"])
    with pytest.raises(ews_errors.MalformedResponseError, match="Code: 403"):
        _ = account.inbox.total_count
    sandbox.patch({"propagation": {"seconds": 0.5}})  # shorten the window, not restart it
    deadline = time.monotonic() + 5
    while sandbox.propagating and time.monotonic() < deadline:
        time.sleep(0.05)
    clients.close_connections()
    account = clients.ews_account(info, token, user["email"])
    assert account.inbox.total_count == 0


def test_portal_step_while_running_with_propagation(sandbox: Sandbox) -> None:
    """The trainer grants consent; Entra keeps answering 65001 until the change has spread."""
    sandbox.load_scenario("no-admin-consent")
    info = sandbox.info
    user = info["users"][0]
    sandbox.patch({"propagation": {"seconds": 30, "on_change": True}})
    sandbox.patch({"apps": {info["client_id"]: {"admin_consent": True}}})
    assert sandbox.propagating
    assert_outcome(
        clients.ropc_token(info, user["email"], user["password"]), (65001, "invalid_grant")
    )
    sandbox.settle()
    assert_outcome(clients.ropc_token(info, user["email"], user["password"]), TOKEN)


# -- the new EWS refusals on the wire ------------------------------------------------------------
NO_PERMISSIONS = (
    '2000008;reason="The token contains no permissions, or permissions can not be understood.";'
    'error_category="invalid_grant"'
)
# scenario -> (HTTP status, x-ms-diagnostics or None, the rule that refused a 403)
WIRE: dict[str, tuple[int, str | None, str | None]] = {
    "ews-org-off": (403, None, ews_access.ORG_OFF),
    "ews-app-not-allowed": (403, None, ews_access.APP_NOT_ALLOWED),
    "ews-mailbox-off": (403, None, ews_access.MAILBOX_OFF),
    "token-no-permissions": (401, NO_PERMISSIONS, None),
}
GET_INBOX = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    b'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    b'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body>'
    b"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
    b'<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
    b"</s:Body></s:Envelope>"
)


def post_inbox(sandbox: Sandbox, token: str, mailbox: str) -> Any:
    session = clients.http_session(sandbox.info["ca_file"])
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "text/xml; charset=utf-8",
        "X-AnchorMailbox": mailbox,
        "User-Agent": "exchangelib/5.6.0 (python-requests/2.34.2)",
    }
    return session.post(sandbox.ews_url, data=GET_INBOX, headers=headers, timeout=10)


def delegated(sandbox: Sandbox, index: int = 0) -> str:
    info = sandbox.info
    user = info["users"][index]
    result = clients.ropc_token(info, user["email"], user["password"])
    assert "access_token" in result, result
    return str(result["access_token"])


@pytest.mark.parametrize("scenario", sorted(WIRE))
def test_wire_answer_of_each_ews_refusal(sandbox: Sandbox, scenario: str) -> None:
    sandbox.load_scenario(scenario)
    status, diagnostics, rule = WIRE[scenario]
    mailbox = sandbox.info["users"][0]["email"]
    sandbox.last_ews_refusal = None
    answer = post_inbox(sandbox, delegated(sandbox), mailbox)
    assert answer.status_code == status
    assert answer.content == b""  # no body, no marker text naming the switch
    assert answer.headers.get("Connection", "").lower() != "close"
    assert "Content-Type" not in answer.headers
    if status == 401:
        assert answer.headers["x-ms-diagnostics"] == diagnostics
        challenge = answer.headers["WWW-Authenticate"]
        assert challenge.startswith('Bearer client_id="00000002-0000-0ff1-ce00-000000000000"')
        assert challenge.endswith('error="invalid_token"')
    else:
        assert "x-ms-diagnostics" not in answer.headers
        assert "WWW-Authenticate" not in answer.headers
        assert sandbox.last_ews_refusal == rule
    # App-only tokens meet the same switches (the impersonated mailbox for the mailbox switch).
    app = clients.app_token(sandbox.info)
    assert "access_token" in app, app
    assert post_inbox(sandbox, app["access_token"], mailbox).status_code == status


def test_mailbox_off_refuses_only_that_mailbox(sandbox: Sandbox) -> None:
    sandbox.load_scenario("ews-mailbox-off")
    info = sandbox.info
    other = info["users"][1]["email"]
    assert post_inbox(sandbox, delegated(sandbox, 1), other).status_code == 200
    account = clients.ews_account(info, clients.app_token(info), other, impersonation=True)
    assert account.inbox.total_count == 0


def test_token_no_permissions_works_once_settled(sandbox: Sandbox) -> None:
    sandbox.load_scenario("token-no-permissions")
    info = sandbox.info
    user = info["users"][0]
    token = clients.ropc_token(info, user["email"], user["password"])
    account = clients.ews_account(info, token, user["email"])
    with pytest.raises(ews_errors.UnauthorizedError):
        _ = account.inbox.total_count
    sandbox.patch({"propagation": {"seconds": 0.3}})  # shorten the window, not restart it
    deadline = time.monotonic() + 5
    while sandbox.propagating and time.monotonic() < deadline:
        time.sleep(0.05)
    clients.close_connections()
    assert clients.ews_account(info, token, user["email"]).inbox.total_count == 0


def test_fresh_needs_e2_after_stage_a(sandbox: Sandbox) -> None:
    """Stage A done in the fresh tenant: tokens work, EWS still refuses until E2."""
    sandbox.load_scenario("fresh")
    client_id = sandbox.info["client_id"]
    stage_a = {
        "permissions": ["EWS.AccessAsUser.All", "User.Read"],
        "admin_consent": True,
        "public_client_flows": True,
    }
    sandbox.patch({"apps": {client_id: stage_a}})
    sandbox.settle()
    mailbox = sandbox.info["users"][0]["email"]
    token = delegated(sandbox)
    assert post_inbox(sandbox, token, mailbox).status_code == 403
    assert sandbox.last_ews_refusal == ews_access.ORG_OFF
    sandbox.patch({"tenant": {"ews_enabled": True, "ews_allowed_app_ids": [client_id]}})
    assert post_inbox(sandbox, token, mailbox).status_code == 403  # E2 still propagating
    sandbox.settle()
    assert post_inbox(sandbox, token, mailbox).status_code == 200
