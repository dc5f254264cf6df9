"""Graph v1.0 at the sandbox over real HTTPS (requests), with an admin token from the real msal
device flow: each call, Graph's error shape, the role refusals, replication and throttling, and
an app registered over Graph that ROPC (real msal) and EWS (real exchangelib) accept once the
tenant's propagation delay is over.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tui.guide import MANIFEST
from tui.sandbox import Sandbox, clients

ADMIN_SCOPES = [
    "Application.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
]
EXO = "00000002-0000-0ff1-ce00-000000000000"
GRAPH = "00000003-0000-0000-c000-000000000000"
FULL_ACCESS_AS_APP = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
ERP = "erp@contoso-sandbox.onmicrosoft.com"


class Graph:
    """requests against the sandbox's Graph with the admin's bearer token."""

    def __init__(self, sandbox: Sandbox, token: str) -> None:
        self.root = f"https://{sandbox.info['graph_host']}/v1.0"
        self.session = clients.http_session(sandbox.info["ca_file"])
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.root + path, timeout=10, **kwargs)

    def one(self, path: str, **params: str) -> dict[str, Any]:
        answer = self("GET", path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


def admin_token(sandbox: Sandbox, scopes: list[str] = ADMIN_SCOPES) -> str:
    sandbox.sign_ins.auto_approve = True
    info = sandbox.info
    app = clients.public_app(info, client_id=info["admin_client_id"], tenant="organizations")
    result = app.acquire_token_by_device_flow(app.initiate_device_flow(scopes=scopes))
    assert "access_token" in result, result
    return str(result["access_token"])


@pytest.fixture(autouse=True)
def _unregistered(sandbox: Sandbox) -> Iterator[None]:
    sandbox.load_scenario("unregistered")
    sandbox.patch({"sign_in": {"interval": 1}, "propagation": {"seconds": 0}})
    yield
    clients.close_connections()


def graph_error(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert answer.headers["request-id"] == error["innerError"]["request-id"]
    return error


def register(graph: Graph, name: str = "Monitor ERP e-mail") -> dict[str, Any]:
    """What mailsetup register does for the User name/Password flow (A5-A18)."""
    made = graph(
        "POST", "/applications", json={"displayName": name, "signInAudience": "AzureADMyOrg"}
    )
    assert made.status_code == 201, made.text
    app = made.json()
    patched = graph(
        "PATCH",
        f"/applications/{app['id']}",
        json={"requiredResourceAccess": MANIFEST, "isFallbackPublicClient": True},
    )
    assert patched.status_code == 204 and patched.content == b""
    sp = graph("POST", "/servicePrincipals", json={"appId": app["appId"]})
    assert sp.status_code == 201, sp.text
    for resource, scope in ((EXO, "EWS.AccessAsUser.All"), (GRAPH, "User.Read")):
        api = graph.one("/servicePrincipals", **{"$filter": f"appId eq '{resource}'"})["value"][0]
        grant = graph(
            "POST",
            "/oauth2PermissionGrants",
            json={
                "clientId": sp.json()["id"],
                "consentType": "AllPrincipals",
                "resourceId": api["id"],
                "scope": scope,
            },
        )
        assert grant.status_code == 201, grant.text
    return {**app, "sp": sp.json()}


def test_organization_and_bad_tokens(sandbox: Sandbox) -> None:
    graph = Graph(sandbox, admin_token(sandbox))
    org = graph.one("/organization")["value"][0]
    assert org["id"] == sandbox.info["tenant_id"]
    assert org["verifiedDomains"][0]["name"] == sandbox.info["tenant_domain"]
    graph.session.headers["Authorization"] = "Bearer nonsense"
    refused = graph("GET", "/organization")
    graph_error(refused, 401, "InvalidAuthenticationToken")
    assert refused.headers["WWW-Authenticate"].startswith("Bearer ")
    del graph.session.headers["Authorization"]
    graph_error(graph("GET", "/organization"), 401, "InvalidAuthenticationToken")
    # An Exchange token (the ERP user's, ROPC) is for another audience.
    password = sandbox.state["users"][ERP]["password"]
    sandbox.load_scenario("ready")
    exo = clients.ropc_token(sandbox.info, ERP, password)["access_token"]
    graph.session.headers["Authorization"] = f"Bearer {exo}"
    error = graph_error(graph("GET", "/organization"), 401, "InvalidAuthenticationToken")
    assert "audience" in error["message"]


def test_register_read_back_and_find_by_each_key(sandbox: Sandbox) -> None:
    graph = Graph(sandbox, admin_token(sandbox))
    assert (
        graph.one("/applications", **{"$filter": "displayName eq 'Monitor ERP e-mail'"})["value"]
        == []
    )
    app = register(graph)
    by_name = graph.one("/applications", **{"$filter": "displayName eq 'monitor erp E-MAIL'"})[
        "value"
    ]
    by_app_id = graph.one("/applications", **{"$filter": f"appId eq '{app['appId']}'"})["value"]
    keyed = graph.one(f"/applications(appId='{app['appId']}')")
    by_id = graph.one(f"/applications/{app['id']}")
    assert (
        [a["id"] for a in by_name] == [a["id"] for a in by_app_id] == [keyed["id"]] == [by_id["id"]]
    )
    assert by_id["requiredResourceAccess"] == MANIFEST
    assert by_id["isFallbackPublicClient"] is True and by_id["signInAudience"] == "AzureADMyOrg"
    sps = graph.one("/servicePrincipals", **{"$filter": f"appId eq '{app['appId']}'"})["value"]
    assert [s["id"] for s in sps] == [app["sp"]["id"]]
    grants = graph.one("/oauth2PermissionGrants", **{"$filter": f"clientId eq '{app['sp']['id']}'"})
    assert sorted(g["scope"] for g in grants["value"]) == ["EWS.AccessAsUser.All", "User.Read"]
    assert {g["consentType"] for g in grants["value"]} == {"AllPrincipals"}
    # The portal shows the same app (one truth): the new app is the tenant's primary app.
    state = sandbox.state
    assert state["primary_app"] == app["appId"]
    assert state["apps"][app["appId"]]["admin_consent"] is True
    # Duplicates of a service principal are refused; unknown ids are 404 in Graph's shape.
    graph_error(
        graph("POST", "/servicePrincipals", json={"appId": app["appId"]}),
        400,
        "Request_MultipleObjectsWithSameKeyValue",
    )
    graph_error(
        graph("GET", "/applications/00000000-0000-0000-0000-000000000001"),
        404,
        "Request_ResourceNotFound",
    )
    graph_error(
        graph("GET", "/applications", params={"$filter": "startswith(displayName,'M')"}),
        400,
        "BadRequest",
    )
    graph_error(
        graph("GET", "/applications", params={"$filter": "notes eq 'x'"}),
        400,
        "Request_UnsupportedQuery",
    )


def test_an_app_made_over_graph_works_for_ropc_and_ews_after_the_delay(sandbox: Sandbox) -> None:
    sandbox.patch({"propagation": {"seconds": 2}})
    graph = Graph(sandbox, admin_token(sandbox))
    app = register(graph)
    info = {**sandbox.info, "client_id": app["appId"]}
    password = sandbox.state["users"][ERP]["password"]
    early = clients.ropc_token(info, ERP, password)
    assert early.get("error_codes") == [700016]  # not replicated to Entra yet
    time.sleep(sandbox.seconds_to_settle() + 0.2)
    token = clients.ropc_token(info, ERP, password)
    assert "access_token" in token, token
    account = clients.ews_account(info, token, ERP)
    assert account.inbox.total_count == 0


def test_client_secret_flow_add_password_and_full_access_as_app(sandbox: Sandbox) -> None:
    graph = Graph(sandbox, admin_token(sandbox))
    app = register(graph)
    exo = graph.one(f"/servicePrincipals(appId='{EXO}')")
    assigned = graph(
        "POST",
        f"/servicePrincipals/{exo['id']}/appRoleAssignedTo",
        json={
            "principalId": app["sp"]["id"],
            "resourceId": exo["id"],
            "appRoleId": FULL_ACCESS_AS_APP,
        },
    )
    assert assigned.status_code == 201, assigned.text
    listed = graph.one(f"/servicePrincipals/{exo['id']}/appRoleAssignedTo")["value"]
    assert [(a["principalId"], a["appRoleId"]) for a in listed] == [
        (app["sp"]["id"], FULL_ACCESS_AS_APP)
    ]
    added = graph(
        "POST",
        f"/applications/{app['id']}/addPassword",
        json={
            "passwordCredential": {
                "displayName": "mailsetup",
                "endDateTime": "2027-06-30T00:00:00Z",
            }
        },
    )
    assert added.status_code == 200, added.text
    secret = added.json()
    assert secret["secretText"] and secret["hint"] == secret["secretText"][:3]
    listed_app = graph.one(f"/applications/{app['id']}")
    assert [c["keyId"] for c in listed_app["passwordCredentials"]] == [secret["keyId"]]
    assert all(c["secretText"] is None for c in listed_app["passwordCredentials"])
    assert (
        secret["secretText"]
        not in graph(  # never again in a read
            "GET", f"/applications/{app['id']}"
        ).text
    )
    token = clients.app_token(
        {**sandbox.info, "client_id": app["appId"]}, secret=secret["secretText"]
    )
    assert "access_token" in token, token
    account = clients.ews_account(
        {**sandbox.info, "client_id": app["appId"]}, token, ERP, impersonation=True
    )
    assert account.inbox.total_count == 0


@pytest.mark.parametrize(
    ("role", "apps", "consent", "assign"),
    [
        ([], 403, 403, 403),
        (["Cloud Application Administrator"], 201, 201, 201),
        (["Privileged Role Administrator"], 403, 201, 201),
    ],
)
def test_roles(sandbox: Sandbox, role: list[str], apps: int, consent: int, assign: int) -> None:
    graph = Graph(sandbox, admin_token(sandbox))
    app = register(graph)  # as Global Administrator
    sandbox.patch({"admins": {"admin@contoso-sandbox.onmicrosoft.com": {"roles": role}}})
    made = graph("POST", "/applications", json={"displayName": "another"})
    assert made.status_code == apps
    if apps == 403:
        error = graph_error(made, 403, "Authorization_RequestDenied")
        assert error["message"] == "Insufficient privileges to complete the operation."
    exo = graph.one(f"/servicePrincipals(appId='{EXO}')")
    granted = graph(
        "POST",
        "/oauth2PermissionGrants",
        json={
            "clientId": app["sp"]["id"],
            "consentType": "AllPrincipals",
            "resourceId": exo["id"],
            "scope": "EWS.AccessAsUser.All",
        },
    )
    assert granted.status_code == consent
    assigned = graph(
        "POST",
        f"/servicePrincipals/{exo['id']}/appRoleAssignedTo",
        json={
            "principalId": app["sp"]["id"],
            "resourceId": exo["id"],
            "appRoleId": FULL_ACCESS_AS_APP,
        },
    )
    assert assigned.status_code == assign
    assert graph("GET", "/organization").status_code == 200  # reading needs no role


def test_admin_without_role_scenario(sandbox: Sandbox) -> None:
    sandbox.load_scenario("admin-no-role")
    sandbox.patch({"sign_in": {"interval": 1}})
    graph = Graph(sandbox, admin_token(sandbox))
    graph_error(
        graph("POST", "/applications", json={"displayName": "x"}),
        403,
        "Authorization_RequestDenied",
    )


def test_a_token_without_the_scope_is_refused(sandbox: Sandbox) -> None:
    graph = Graph(sandbox, admin_token(sandbox, scopes=["Application.Read.All"]))
    assert graph.one("/applications")["value"] == []
    graph_error(
        graph("POST", "/applications", json={"displayName": "x"}),
        403,
        "Authorization_RequestDenied",
    )


def test_no_exchange_online(sandbox: Sandbox) -> None:
    sandbox.load_scenario("no-exchange-online")
    sandbox.patch({"sign_in": {"interval": 1}, "propagation": {"seconds": 0}})
    graph = Graph(sandbox, admin_token(sandbox))
    assert graph.one("/servicePrincipals", **{"$filter": f"appId eq '{EXO}'"})["value"] == []
    graph_error(graph("GET", f"/servicePrincipals(appId='{EXO}')"), 404, "Request_ResourceNotFound")
    made = graph(
        "POST",
        "/applications",
        json={
            "displayName": "Monitor ERP e-mail",
            "isFallbackPublicClient": True,
            "requiredResourceAccess": MANIFEST,
        },
    ).json()  # the manifest may name any API
    sp = graph("POST", "/servicePrincipals", json={"appId": made["appId"]}).json()
    graph_error(
        graph(
            "POST",
            "/oauth2PermissionGrants",
            json={
                "clientId": sp["id"],
                "consentType": "AllPrincipals",
                "resourceId": "00000000-0000-0000-0000-000000000002",
                "scope": "EWS.AccessAsUser.All",
            },
        ),
        404,
        "Request_ResourceNotFound",
    )
    password = sandbox.state["users"][ERP]["password"]
    refused = clients.ropc_token({**sandbox.info, "client_id": made["appId"]}, ERP, password)
    assert refused["error_codes"] == [500011]  # no resource principal for Exchange Online


def test_replication_window_and_throttling(sandbox: Sandbox) -> None:
    sandbox.patch({"graph": {"replication_seconds": 1}})
    graph = Graph(sandbox, admin_token(sandbox))
    made = graph("POST", "/applications", json={"displayName": "brand new"}).json()
    graph_error(graph("GET", f"/applications/{made['id']}"), 404, "Request_ResourceNotFound")
    time.sleep(1.1)
    assert graph.one(f"/applications/{made['id']}")["appId"] == made["appId"]
    sandbox.patch({"graph": {"throttled": True, "retry_after": 3, "throttled_requests": 1}})
    throttled = graph("GET", "/organization")
    graph_error(throttled, 429, "TooManyRequests")
    assert throttled.headers["Retry-After"] == "3"
    assert graph("GET", "/organization").status_code == 200  # only one 429 in this scenario


def test_hostile_requests_get_designed_answers(sandbox: Sandbox) -> None:
    graph = Graph(sandbox, admin_token(sandbox))
    app = graph("POST", "/applications", json={"displayName": "x\x1b[2J\u202eevil"}).json()
    before = sandbox.unhandled_errors
    odd_bodies: list[Any] = [b"", b"{", b"[]", b"null", b"\xff\xfe", b'{"displayName": 5}']
    for body in odd_bodies:
        for method, path in (
            ("POST", "/applications"),
            ("PATCH", f"/applications/{app['id']}"),
            ("POST", f"/applications/{app['id']}/addPassword"),
            ("POST", "/servicePrincipals"),
            ("POST", "/oauth2PermissionGrants"),
        ):
            answer = graph(method, path, data=body, headers={"Content-Type": "application/json"})
            # (the answer's text stays out of the message: a 200 here would carry a secret)
            assert 400 <= answer.status_code < 500, (method, path, body, answer.status_code)
    for method, path, params in (
        ("GET", "/applications", {"$filter": "appId eq '"}),
        ("GET", "/applications", {"$filter": "appId eq 'a''b'"}),
        ("GET", "/applications", {"$filter": "x" * 5000}),
        ("GET", "/applications(appId='x')/owners", {}),
        ("GET", "/servicePrincipals/not-a-guid/appRoleAssignedTo", {}),
        ("DELETE", f"/applications/{app['id']}", {}),
        ("PUT", "/organization", {}),
        ("GET", "/nothing/here", {}),
        ("GET", "/", {}),
    ):
        answer = graph(method, path, params=params)
        assert 200 <= answer.status_code < 500, (method, path, answer.text)
        if answer.status_code >= 400:
            assert set(answer.json()["error"]) == {"code", "message", "innerError"}
    for end in ("2027-02-30T00:00:00Z", "yesterday", 7, "2001-01-01T00:00:00Z"):
        answer = graph(
            "POST",
            f"/applications/{app['id']}/addPassword",
            json={"passwordCredential": {"endDateTime": end}},
        )
        graph_error(answer, 400, "Request_BadRequest")
    info = sandbox.info
    session = clients.http_session(info["ca_file"])
    for form in (
        {},
        {"client_id": ""},
        {"client_id": "x" * 3000, "scope": "\x00"},
        {"client_id": info["admin_client_id"], "scope": "a b c"},
    ):
        answer = session.post(f"{info['authority']}/oauth2/v2.0/devicecode", data=form, timeout=10)
        assert answer.status_code == 400 and answer.json()["error"]
    poll = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "client_id": "x",
        "device_code": "\u0000" * 100,
    }
    answer = session.post(f"{info['authority']}/oauth2/v2.0/token", data=poll, timeout=10)
    assert answer.json()["error"] == "bad_verification_code"
    assert sandbox.unhandled_errors == before


def test_completing_the_fresh_app_over_graph_is_what_the_portal_shows(sandbox: Sandbox) -> None:
    """`--demo` both ways: the half-done app of `fresh` (A8 only), finished over Graph, ticks the
    portal's A10, A14 and A17 switches and then gives the guide's user a token."""
    from tui.demo import PORTAL_STEPS

    sandbox.load_scenario("fresh")
    sandbox.patch({"sign_in": {"interval": 1}, "propagation": {"seconds": 0}})
    graph = Graph(sandbox, admin_token(sandbox))
    found = graph.one("/applications", **{"$filter": "displayName eq 'Monitor ERP e-mail'"})
    [app] = found["value"]
    assert app["appId"] == sandbox.info["client_id"] and app["requiredResourceAccess"] == []
    steps = {s.step_id: s for s in PORTAL_STEPS}
    assert not any(steps[k].is_on(sandbox.state) for k in ("A10", "A14", "A17"))
    patched = graph(
        "PATCH",
        f"/applications/{app['id']}",
        json={"requiredResourceAccess": MANIFEST, "isFallbackPublicClient": True},
    )
    assert patched.status_code == 204
    [sp] = graph.one("/servicePrincipals", **{"$filter": f"appId eq '{app['appId']}'"})["value"]
    exo = graph.one(f"/servicePrincipals(appId='{EXO}')")
    granted = graph(
        "POST",
        "/oauth2PermissionGrants",
        json={
            "clientId": sp["id"],
            "consentType": "AllPrincipals",
            "resourceId": exo["id"],
            "scope": "EWS.AccessAsUser.All",
        },
    )
    assert granted.status_code == 201
    assert all(steps[k].is_on(sandbox.state) for k in ("A10", "A14", "A17"))
    password = sandbox.state["users"][ERP]["password"]
    assert "access_token" in clients.ropc_token(sandbox.info, ERP, password)
