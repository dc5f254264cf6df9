"""The admin's device code sign-in at the sandbox, with the real msal device flow over HTTPS.

Pending → approved (control API) → a Microsoft Graph token; slow_down; declined; expired; a bad
device code; Conditional Access (53003); consent blocked (65001); automatic approval.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tui.sandbox import Sandbox, clients
from tui.sandbox.tokens import _unb64

ADMIN_SCOPES = [
    "Application.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
]


@pytest.fixture(autouse=True)
def _unregistered(sandbox: Sandbox) -> Iterator[None]:
    sandbox.load_scenario("unregistered")
    sandbox.patch({"sign_in": {"interval": 1}})  # a real tenant says 5 s; the tests poll faster
    sandbox.sign_ins.auto_approve = False
    yield


def admin_app(sandbox: Sandbox, tenant: str = "organizations") -> Any:
    info = sandbox.info
    return clients.public_app(info, client_id=info["admin_client_id"], tenant=tenant)


def control(sandbox: Sandbox, action: str, **body: str) -> requests.Response:
    info = sandbox.info
    return requests.post(
        f"{info['control_url']}/sign-ins/{action}",
        json=body,
        headers={"Authorization": f"Bearer {info['control_token']}"},
        verify=info["ca_file"],
        timeout=10,
    )


def claims(token: str) -> dict[str, Any]:
    return json.loads(_unb64(token.split(".")[1]))


def later(seconds: float, action: Any) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_pending_then_approved_gives_a_graph_token(sandbox: Sandbox) -> None:
    app = admin_app(sandbox)
    flow = app.initiate_device_flow(scopes=ADMIN_SCOPES)
    assert flow["verification_uri"] == "https://microsoft.com/devicelogin"
    assert flow["user_code"] in flow["message"] and flow["interval"] == 1
    # First poll: pending (msal keeps polling); the admin enters the code a moment later.
    first = app.acquire_token_by_device_flow(dict(flow), exit_condition=lambda f: True)
    assert first["error"] == "authorization_pending"
    assert "AADSTS70016" in first["error_description"] and first["error_codes"] == [70016]
    listed = sandbox.sign_ins.pending()
    assert [s["user_code"] for s in listed] == [flow["user_code"]]
    assert "device_code" not in json.dumps(listed)  # the device code is the secret half
    timer = later(1.2, lambda: control(sandbox, "approve", user_code=flow["user_code"]))
    result = app.acquire_token_by_device_flow(flow)
    timer.join()
    assert "access_token" in result, result
    token = claims(result["access_token"])
    assert token["aud"] == "https://graph.microsoft.com"
    assert set(ADMIN_SCOPES) <= set(token["scp"].split())
    assert token["upn"] == "admin@contoso-sandbox.onmicrosoft.com"
    assert token["appid"] == "14d82eec-204b-4c2f-b7e8-296a70dab67e"
    assert token["wids"] == ["62e90394-69f5-4237-9190-012177145e10"]  # Global Administrator
    # A device code is good for one token only.
    with pytest.warns(UserWarning):  # msal notes the quick retry
        again = app.acquire_token_by_device_flow(dict(flow, expires_at=0))
    assert again["error"] == "bad_verification_code"


def test_the_tenant_id_authority_works_too(sandbox: Sandbox) -> None:
    sandbox.sign_ins.auto_approve = True
    app = admin_app(sandbox, tenant=sandbox.info["tenant_id"])
    result = app.acquire_token_by_device_flow(app.initiate_device_flow(scopes=ADMIN_SCOPES))
    assert "access_token" in result, result


def test_polling_faster_than_the_interval_is_slow_down(sandbox: Sandbox) -> None:
    app = admin_app(sandbox)
    sandbox.patch({"sign_in": {"interval": 3}})
    flow = app.initiate_device_flow(scopes=ADMIN_SCOPES)
    once = app.acquire_token_by_device_flow(flow, exit_condition=lambda f: True)
    assert once["error"] == "authorization_pending"
    with pytest.warns(UserWarning):  # msal itself warns that it polls too soon
        twice = app.acquire_token_by_device_flow(flow, exit_condition=lambda f: True)
    assert twice["error"] == "slow_down"
    assert flow["interval"] == 8  # msal added 5 s, as the RFC says


def test_declined(sandbox: Sandbox) -> None:
    app = admin_app(sandbox)
    flow = app.initiate_device_flow(scopes=ADMIN_SCOPES)
    assert control(sandbox, "decline", user_code=flow["user_code"]).json()["ok"] is True
    result = app.acquire_token_by_device_flow(flow)
    assert result["error"] == "authorization_declined"
    assert "AADSTS65004" in result["error_description"]
    # A declined code cannot be approved afterwards.
    assert control(sandbox, "approve", user_code=flow["user_code"]).status_code == 409


def test_expired(sandbox: Sandbox) -> None:
    sandbox.patch({"sign_in": {"expires_in": 1}})
    app = admin_app(sandbox)
    flow = app.initiate_device_flow(scopes=ADMIN_SCOPES)
    flow["expires_at"] = time.time() + 30  # msal would stop on its own clock; Entra says first
    started = time.monotonic()
    result = app.acquire_token_by_device_flow(flow)
    assert result["error"] == "expired_token" and result["error_codes"] == [70020]
    assert time.monotonic() - started < 5
    reply = control(sandbox, "approve", user_code=flow["user_code"])
    assert reply.status_code == 409 and "expired" in reply.json()["message"]


def test_a_wrong_device_code_and_a_wrong_user_code(sandbox: Sandbox) -> None:
    app = admin_app(sandbox)
    flow = app.initiate_device_flow(scopes=ADMIN_SCOPES)
    result = app.acquire_token_by_device_flow(dict(flow, device_code="DAQABIQEAAABnope"))
    assert result["error"] == "bad_verification_code"
    reply = control(sandbox, "approve", user_code="NOTACODE1")
    assert reply.status_code == 409 and "recognize" in reply.json()["message"]


def test_device_code_blocked_by_conditional_access(sandbox: Sandbox) -> None:
    sandbox.load_scenario("device-code-blocked")
    sandbox.patch({"sign_in": {"interval": 1}})
    app = admin_app(sandbox)
    flow = app.initiate_device_flow(scopes=ADMIN_SCOPES)
    reply = control(sandbox, "approve", user_code=flow["user_code"])
    assert reply.status_code == 409 and "53003" in reply.json()["message"]
    result = app.acquire_token_by_device_flow(flow)
    assert result["error"] == "invalid_grant" and result["error_codes"] == [53003]


def test_consent_blocked(sandbox: Sandbox) -> None:
    sandbox.load_scenario("consent-blocked")
    sandbox.patch({"sign_in": {"interval": 1}})
    app = admin_app(sandbox)
    flow = app.initiate_device_flow(scopes=ADMIN_SCOPES)
    reply = control(sandbox, "approve", user_code=flow["user_code"])
    assert "Need admin approval" in reply.json()["message"] and "90094" in reply.json()["message"]
    result = app.acquire_token_by_device_flow(flow)
    assert result["error"] == "invalid_grant" and result["suberror"] == "consent_required"
    assert result["error_codes"] == [65001]


def test_a_global_admin_consents_for_the_client_while_signing_in(sandbox: Sandbox) -> None:
    sandbox.load_scenario("consent-blocked")
    sandbox.patch(
        {
            "sign_in": {"interval": 1},
            "admins": {
                "admin@contoso-sandbox.onmicrosoft.com": {"roles": ["Global Administrator"]}
            },
        }
    )
    sandbox.sign_ins.auto_approve = True
    app = admin_app(sandbox)
    assert "access_token" in app.acquire_token_by_device_flow(
        app.initiate_device_flow(ADMIN_SCOPES)
    )


def test_unknown_client_and_wrong_scopes_at_the_device_code_endpoint(sandbox: Sandbox) -> None:
    unknown = clients.public_app(
        sandbox.info, client_id="11111111-2222-3333-4444-555555555555", tenant="organizations"
    )
    flow = unknown.initiate_device_flow(scopes=ADMIN_SCOPES)
    assert flow["error"] == "unauthorized_client" and flow["error_codes"] == [700016]
    two = admin_app(sandbox).initiate_device_flow(
        scopes=["User.Read", "https://outlook.office365.com/EWS.AccessAsUser.All"]
    )
    assert two["error_codes"] == [28000]


def test_the_admin_token_is_not_an_exchange_token(sandbox: Sandbox) -> None:
    sandbox.sign_ins.auto_approve = True
    app = admin_app(sandbox)
    token = app.acquire_token_by_device_flow(app.initiate_device_flow(scopes=ADMIN_SCOPES))
    session = clients.http_session(sandbox.info["ca_file"])
    answer = session.post(
        sandbox.ews_url,
        data=b"<x/>",
        headers={"Authorization": f"Bearer {token['access_token']}", "Content-Type": "text/xml"},
        timeout=10,
    )
    assert answer.status_code == 401
    assert "2000003" in answer.headers["x-ms-diagnostics"]  # wrong audience
