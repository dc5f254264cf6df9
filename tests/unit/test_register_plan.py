"""The register plan and doctor: pure functions of what Graph showed (no network here)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui.guide import EWS_ACCESS_AS_USER_SCOPE_ID, GRAPH_USER_READ_SCOPE_ID, MANIFEST
from tui.register import plan as p
from tui.settings.model import AuthFlow

NOW = datetime(2026, 12, 2, tzinfo=timezone.utc)
TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def _complete(flow: AuthFlow = AuthFlow.USER_PASSWORD) -> p.Observed:
    app = {
        "id": "app-object",
        "appId": CLIENT,
        "displayName": p.DEFAULT_APP_NAME,
        "signInAudience": "AzureADMyOrg",
        "isFallbackPublicClient": flow is AuthFlow.USER_PASSWORD,
        "requiredResourceAccess": p.wanted_access(flow),
        "passwordCredentials": [{"endDateTime": (NOW + timedelta(days=200)).isoformat()}],
    }
    exchange = {"id": "sp-exchange", "appId": p.EXCHANGE_RESOURCE_APP_ID}
    graph = {"id": "sp-graph", "appId": p.GRAPH_RESOURCE_APP_ID}
    app_sp = {"id": "sp-app", "appId": CLIENT}
    grants = [
        {
            "id": "g1",
            "clientId": "sp-app",
            "resourceId": "sp-exchange",
            "consentType": "AllPrincipals",
            "scope": "EWS.AccessAsUser.All",
        },
        {
            "id": "g2",
            "clientId": "sp-app",
            "resourceId": "sp-graph",
            "consentType": "AllPrincipals",
            "scope": "User.Read",
        },
    ]
    roles = [
        {
            "principalId": "sp-app",
            "resourceId": "sp-exchange",
            "appRoleId": p.FULL_ACCESS_AS_APP_ROLE_ID,
        }
    ]
    return p.Observed(
        TENANT,
        "contoso.onmicrosoft.com",
        app,
        app_sp,
        exchange,
        graph,
        grants,
        roles if flow is AuthFlow.CLIENT_SECRET else [],
    )


def _plan(
    observed: p.Observed, flow: AuthFlow = AuthFlow.USER_PASSWORD, **kw: object
) -> dict[str, str]:
    args: dict[str, object] = {
        "flow": flow,
        "name": p.DEFAULT_APP_NAME,
        "settings_client_id": CLIENT,
        "settings_tenant_id": TENANT,
        "settings_has_secret": True,
        "ticked": set(p.PORTAL_STEPS_DONE),
        "now": NOW,
    }
    args.update(kw)
    return {a.key: a.status for a in p.plan(observed, **args)}  # type: ignore[arg-type]


def test_a_complete_registration_plans_nothing() -> None:
    assert set(_plan(_complete()).values()) == {"unchanged"}
    assert set(_plan(_complete(AuthFlow.CLIENT_SECRET), AuthFlow.CLIENT_SECRET).values()) == {
        "unchanged"
    }


def test_an_empty_tenant_plans_every_step_in_guide_order() -> None:
    observed = p.Observed(
        TENANT, "contoso.onmicrosoft.com", exchange_sp={"id": "x"}, graph_sp={"id": "g"}
    )
    actions = p.plan(
        observed,
        flow=AuthFlow.USER_PASSWORD,
        name="ERP",
        settings_client_id="",
        settings_tenant_id="",
        settings_has_secret=False,
        ticked=set(),
        now=NOW,
    )
    assert [a.step for a in actions] == [
        "A5–A6",
        "A10–A11",
        "A17–A18",
        "A14",
        "A14–A15",
        "A14–A15",
        "A8",
    ]
    assert all(a.status == "planned" for a in actions)


def test_half_done_registration_plans_only_what_is_missing() -> None:
    observed = _complete()
    observed.app_sp, observed.grants = None, []  # the app exists; consent never happened
    planned = {k for k, v in _plan(observed).items() if v == "planned"}
    assert planned == {p.SERVICE_PRINCIPAL, p.CONSENT_EXCHANGE, p.CONSENT_GRAPH}


def test_manifest_merge_keeps_other_permissions_and_adds_only_the_missing() -> None:
    other = {"resourceAppId": "abc", "resourceAccess": [{"id": "r1", "type": "Scope"}]}
    app = {
        "requiredResourceAccess": [
            other,
            {
                "resourceAppId": p.GRAPH_RESOURCE_APP_ID,
                "resourceAccess": [{"id": GRAPH_USER_READ_SCOPE_ID, "type": "Scope"}],
            },
        ]
    }
    assert p.missing_access(app, AuthFlow.USER_PASSWORD) == [
        (p.EXCHANGE_RESOURCE_APP_ID, EWS_ACCESS_AS_USER_SCOPE_ID, "Scope")
    ]
    merged = p.merged_access(app, AuthFlow.USER_PASSWORD)
    assert other in merged
    assert p.missing_access({"requiredResourceAccess": merged}, AuthFlow.USER_PASSWORD) == []
    assert p.missing_access({"requiredResourceAccess": merged}, AuthFlow.CLIENT_SECRET) == [
        (p.EXCHANGE_RESOURCE_APP_ID, p.FULL_ACCESS_AS_APP_ROLE_ID, "Role")
    ]
    assert MANIFEST[0]["resourceAccess"] == [{"id": EWS_ACCESS_AS_USER_SCOPE_ID, "type": "Scope"}]


def test_consent_for_one_user_is_not_tenant_wide() -> None:
    observed = _complete()
    observed.grants[0]["consentType"] = "Principal"
    assert _plan(observed)[p.CONSENT_EXCHANGE] == "planned"
    found = {
        r.step: r.status for r in p.requirements(observed, flow=AuthFlow.USER_PASSWORD, now=NOW)
    }
    assert found["A14"] == "failed"


def test_settings_action_when_ids_or_ticks_differ() -> None:
    assert _plan(_complete(), settings_client_id="")[p.SETTINGS] == "planned"
    assert _plan(_complete(), ticked={"A1"})[p.SETTINGS] == "planned"
    assert (
        _plan(_complete(), settings_tenant_id="contoso.onmicrosoft.com")[p.SETTINGS] == "unchanged"
    )


def test_secret_planned_when_expired_or_not_kept() -> None:
    observed = _complete(AuthFlow.CLIENT_SECRET)
    assert _plan(observed, AuthFlow.CLIENT_SECRET, settings_has_secret=False)[p.SECRET] == "planned"
    observed.app["passwordCredentials"] = [{"endDateTime": "2026-01-01T00:00:00Z"}]  # type: ignore[index]
    assert _plan(observed, AuthFlow.CLIENT_SECRET)[p.SECRET] == "planned"


def test_doctor_on_a_good_app_and_each_missing_requirement() -> None:
    good = p.requirements(_complete(), flow=AuthFlow.USER_PASSWORD, now=NOW)
    assert [r.status for r in good] == ["ok"] * len(good)
    assert [r.step for r in good] == ["A8", "A5", "A10", "A14", "A17"]

    def failed(observed: p.Observed, flow: AuthFlow = AuthFlow.USER_PASSWORD) -> list[str]:
        return [r.step for r in p.requirements(observed, flow=flow, now=NOW) if r.status != "ok"]

    o = _complete()
    o.app["signInAudience"] = "AzureADMultipleOrgs"  # type: ignore[index]
    assert failed(o) == ["A5"]
    o = _complete()
    o.app["requiredResourceAccess"] = []  # type: ignore[index]
    assert failed(o) == ["A10"]
    o = _complete()
    o.app["isFallbackPublicClient"] = False  # type: ignore[index]
    assert failed(o) == ["A17"]
    o = _complete()
    o.grants = []
    assert failed(o) == ["A14"]
    nothing = p.requirements(p.Observed(TENANT), flow=AuthFlow.USER_PASSWORD)
    assert [(r.code, r.status) for r in nothing] == [
        ("NO_EXCHANGE_ONLINE", "failed"),
        ("APP_MISSING", "failed"),
    ]


def test_doctor_secret_days_and_app_role() -> None:
    o = _complete(AuthFlow.CLIENT_SECRET)
    found = {
        r.code: (r.status, r.detail)
        for r in p.requirements(o, flow=AuthFlow.CLIENT_SECRET, now=NOW)
    }
    assert found["SECRET_MISSING"] == ("ok", "200 days left")
    o.app["passwordCredentials"] = [{"endDateTime": (NOW + timedelta(days=10)).isoformat()}]  # type: ignore[index]
    found = {r.code: r.status for r in p.requirements(o, flow=AuthFlow.CLIENT_SECRET, now=NOW)}
    assert found["SECRET_EXPIRING"] == "warning"
    o.app["passwordCredentials"] = [{"endDateTime": (NOW - timedelta(days=3)).isoformat()}]  # type: ignore[index]
    o.exchange_roles = []
    found = {r.code: r.status for r in p.requirements(o, flow=AuthFlow.CLIENT_SECRET, now=NOW)}
    assert found["SECRET_MISSING"] == "failed" and found["APP_ROLE_MISSING"] == "failed"
