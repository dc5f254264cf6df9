"""Entra's answers as pure functions: decision order, error shape, token claims."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tui.sandbox import entra
from tui.sandbox.state import load_scenario, merge_patch, normalize
from tui.sandbox.tokens import TokenError, TokenSigner

SIGNER = TokenSigner.generate()


def ropc(state: dict[str, Any], **form: str) -> tuple[int, dict[str, Any]]:
    user, data = next(iter(state["users"].items()))
    base = {
        "grant_type": "password",
        "client_id": state["primary_app"],
        "username": user,
        "password": data["password"],
        "client_info": "1",
        "scope": "https://outlook.office365.com/EWS.AccessAsUser.All offline_access openid profile",
    }
    return entra.token(state, state["tenant"]["id"], {**base, **form}, SIGNER)


def claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_error_shape_is_entras() -> None:
    status, body = entra.error(50126)
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert body["error_codes"] == [50126]
    lines = body["error_description"].split("\r\n")
    assert lines[0].startswith("AADSTS50126: Error validating credentials")
    assert lines[1] == f"Trace ID: {body['trace_id']}"
    assert lines[2] == f"Correlation ID: {body['correlation_id']}"
    assert lines[3] == f"Timestamp: {body['timestamp']}"
    assert body["error_uri"].endswith("code=50126")
    assert entra.error(50126)[1]["trace_id"] != body["trace_id"]  # fresh ids each time


def test_ropc_decision_order() -> None:
    """Each failing condition hides the ones after it, as in Entra."""
    state = load_scenario("ready")
    first = next(iter(state["users"]))
    app = state["primary_app"]
    everything_wrong = {
        "apps": {app: {"public_client_flows": False, "admin_consent": False}},
        "users": {
            first: {
                "locked": True,
                "disabled": True,
                "password_expired": True,
                "mfa_required": True,
            }
        },
    }
    broken = normalize(merge_patch(state, everything_wrong))
    assert ropc(broken, client_id="0000")[1]["error_codes"] == [700016]
    assert ropc(broken)[1]["error_codes"] == [7000218]
    order = [
        ({"apps": {app: {"public_client_flows": True}}}, 50053),
        ({"users": {first: {"locked": False}}}, 50057),
        ({"users": {first: {"disabled": False}}}, 50055),
        ({"users": {first: {"password_expired": False}}}, 50076),
        ({"users": {first: {"mfa_required": False}}}, 65001),
    ]
    for fix, expected in order:
        broken = normalize(merge_patch(broken, fix))
        assert ropc(broken)[1]["error_codes"] == [expected]
        assert ropc(broken, password="wrong")[1]["error_codes"] == [50126]
        assert ropc(broken, username="ghost@" + state["tenant"]["domain"])[1]["error_codes"] == [
            50034
        ]
    broken = normalize(merge_patch(broken, {"apps": {app: {"admin_consent": True}}}))
    status, body = ropc(broken)
    assert status == 200 and "access_token" in body


def test_token_endpoint_unknown_tenant_and_missing_parameters() -> None:
    state = load_scenario("ready")
    assert entra.token(state, "contoso.example", {}, SIGNER)[1]["error_codes"] == [90002]
    assert ropc(state, grant_type="")[1]["error_codes"] == [900144]
    assert ropc(state, grant_type="device_code")[1]["error"] == "unsupported_grant_type"
    assert ropc(state, scope="https://outlook.office365.com/EWS.AccessAsUser.All User.Read")[1][
        "error_codes"
    ] == [28000]
    assert ropc(state, scope="https://unknown.example/x")[1]["error_codes"] == [500011]


def test_ropc_token_claims_and_body() -> None:
    state = load_scenario("ready")
    status, body = ropc(state)
    assert status == 200
    assert body["scope"].startswith("https://outlook.office365.com/EWS.AccessAsUser.All")
    assert {"refresh_token", "id_token", "client_info"} <= set(body)
    access = SIGNER.verify(body["access_token"])
    assert access["scp"] == "EWS.AccessAsUser.All"
    assert access["aud"] == "https://outlook.office365.com"
    assert access["upn"] == next(iter(state["users"]))
    assert claims(body["id_token"])["preferred_username"] == access["upn"]


def test_client_credentials_secrets() -> None:
    state = load_scenario("ready")
    app = state["apps"][state["primary_app"]]
    form = {
        "grant_type": "client_credentials",
        "client_id": state["primary_app"],
        "scope": "https://outlook.office365.com/.default",
    }
    tenant = state["tenant"]["id"]
    good = entra.token(state, tenant, {**form, "client_secret": app["secrets"][0]["value"]}, SIGNER)
    assert good[0] == 200 and SIGNER.verify(good[1]["access_token"])["roles"] == [
        "full_access_as_app"
    ]
    assert good[1]["scope"] == "https://outlook.office365.com/.default"
    by_id = entra.token(state, tenant, {**form, "client_secret": app["secrets"][0]["id"]}, SIGNER)
    assert by_id[0] == 401 and by_id[1]["error_codes"] == [7000215]
    assert entra.token(state, tenant, form, SIGNER)[1]["error_codes"] == [7000218]
    bad_scope = {
        **form,
        "client_secret": app["secrets"][0]["value"],
        "scope": "https://outlook.office365.com/EWS.AccessAsUser.All",
    }
    assert entra.token(state, tenant, bad_scope, SIGNER)[1]["error_codes"] == [1002012]
    public_only = normalize(merge_patch(state, {"apps": {state["primary_app"]: {"secrets": []}}}))
    assert entra.token(public_only, tenant, {**form, "client_secret": "x"}, SIGNER)[1][
        "error_codes"
    ] == [700025]


def test_signer_refuses_what_exchange_refuses() -> None:
    now = 1_800_000_000
    token = SIGNER.make({"aud": "https://outlook.office365.com", "exp": now + 10})
    assert SIGNER.verify(token, now=now)["exp"] == now + 10
    with pytest.raises(TokenError, match="expired"):
        SIGNER.verify(token, now=now + 11)
    with pytest.raises(TokenError, match="audience"):
        SIGNER.verify(SIGNER.make({"aud": "https://graph.microsoft.com", "exp": now + 10}), now=now)
    with pytest.raises(TokenError, match="signature"):
        TokenSigner.generate().verify(token, now=now)
    for junk in ("", "a.b", "a.b.c", "!!.??.**"):
        with pytest.raises(TokenError):
            SIGNER.verify(junk, now=now)
