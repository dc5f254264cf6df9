"""Stage A as a plan: what the tenant has, what the guide asks for, and the changes in between.

:func:`observe` reads the registration over Graph into :class:`Observed`; :func:`plan` compares
it with the guide (one :class:`Action` per guide step, ``planned`` or ``unchanged``);
:func:`requirements` is the read-only doctor behind ``--check``. Both are pure functions of what
was observed, so a second run after a complete one plans nothing, and a run that died half-way
is completed, never duplicated (the app is found again by its client ID or its name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tui.guide import (
    EWS_ACCESS_AS_USER_SCOPE_ID,
    EXCHANGE_RESOURCE_APP_ID,
    GRAPH_RESOURCE_APP_ID,
    GRAPH_USER_READ_SCOPE_ID,
    MANIFEST,
)
from tui.settings.model import AuthFlow

DEFAULT_APP_NAME = "Monitor ERP e-mail"
FULL_ACCESS_AS_APP_ROLE_ID = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
EWS_SCOPE = "EWS.AccessAsUser.All"
USER_READ_SCOPE = "User.Read"
SINGLE_TENANT = "AzureADMyOrg"
SECRET_WARN_DAYS = 30

# Action keys, in the order they are applied (each needs what the ones before it made).
CREATE_APP = "create_app"
SINGLE_TENANT_ONLY = "single_tenant"
PERMISSIONS = "permissions"
PUBLIC_CLIENT = "public_client"
SERVICE_PRINCIPAL = "service_principal"
CONSENT_EXCHANGE = "consent_exchange"
CONSENT_GRAPH = "consent_graph"
APP_ROLE = "app_role"
SECRET = "secret"
SETTINGS = "settings"


@dataclass
class Observed:
    """The registration as Graph showed it (objects are Graph's JSON, as dicts)."""

    tenant_id: str
    default_domain: str = ""
    app: dict[str, Any] | None = None
    app_sp: dict[str, Any] | None = None
    exchange_sp: dict[str, Any] | None = None
    graph_sp: dict[str, Any] | None = None
    grants: list[dict[str, Any]] = field(default_factory=list)  # the app's oauth2PermissionGrants
    exchange_roles: list[dict[str, Any]] = field(default_factory=list)  # app roles on Exchange

    @property
    def client_id(self) -> str:
        return str((self.app or {}).get("appId") or "")


@dataclass
class Action:
    """One line of the plan: the guide step, what changes, and where it stands."""

    key: str
    step: str
    what: str
    status: str = "planned"  # planned | unchanged | done | failed

    def to_dict(self) -> dict[str, str]:
        return {"step": self.step, "what": self.what, "status": self.status}


@dataclass
class Requirement:
    """One line of ``--check``: a guide requirement and whether the registration meets it."""

    code: str
    step: str
    what: str
    status: str  # ok | warning | failed
    detail: str = ""


# --- what the guide asks for -------------------------------------------------------------------


def wanted_access(flow: AuthFlow) -> list[dict[str, Any]]:
    """requiredResourceAccess the guide's manifest (A10) asks for, plus full_access_as_app for
    the Client secret flow (field 23)."""
    # A deep copy through JSON: the manifest in tui.guide is the one source and must not change.
    wanted: list[dict[str, Any]] = json.loads(json.dumps(MANIFEST))
    if flow is AuthFlow.CLIENT_SECRET:
        for entry in wanted:
            if entry["resourceAppId"] == EXCHANGE_RESOURCE_APP_ID:
                entry["resourceAccess"].append({"id": FULL_ACCESS_AS_APP_ROLE_ID, "type": "Role"})
    return wanted


def missing_access(app: dict[str, Any], flow: AuthFlow) -> list[tuple[str, str, str]]:
    """(resourceAppId, id, type) the app's requiredResourceAccess lacks."""
    have = {
        (
            str(e.get("resourceAppId", "")).lower(),
            str(a.get("id", "")).lower(),
            str(a.get("type", "")),
        )
        for e in app.get("requiredResourceAccess") or []
        for a in e.get("resourceAccess") or []
    }
    return [
        (e["resourceAppId"], a["id"], a["type"])
        for e in wanted_access(flow)
        for a in e["resourceAccess"]
        if (e["resourceAppId"].lower(), a["id"].lower(), a["type"]) not in have
    ]


def merged_access(app: dict[str, Any] | None, flow: AuthFlow) -> list[dict[str, Any]]:
    """The app's requiredResourceAccess with what the guide asks for added; nothing removed."""
    current = [
        {
            "resourceAppId": e.get("resourceAppId"),
            "resourceAccess": list(e.get("resourceAccess") or []),
        }
        for e in ((app or {}).get("requiredResourceAccess") or [])
    ]
    for resource, access_id, kind in missing_access(app or {}, flow):
        entry = next(
            (e for e in current if str(e["resourceAppId"]).lower() == resource.lower()), None
        )
        if entry is None:
            entry = {"resourceAppId": resource, "resourceAccess": []}
            current.append(entry)
        entry["resourceAccess"].append({"id": access_id, "type": kind})
    return current


def granted_scopes(observed: Observed, resource_sp: dict[str, Any] | None) -> set[str]:
    """Scopes consented tenant-wide (AllPrincipals) for the app on one API."""
    if resource_sp is None:
        return set()
    return {
        scope
        for g in observed.grants
        if g.get("resourceId") == resource_sp.get("id") and g.get("consentType") == "AllPrincipals"
        for scope in str(g.get("scope", "")).split()
    }


def tenant_grant(observed: Observed, resource_sp: dict[str, Any] | None) -> dict[str, Any] | None:
    if resource_sp is None:
        return None
    for g in observed.grants:
        if g.get("resourceId") == resource_sp.get("id") and g.get("consentType") == "AllPrincipals":
            return g
    return None


def has_app_role(observed: Observed) -> bool:
    sp_id = (observed.app_sp or {}).get("id")
    return any(
        a.get("principalId") == sp_id
        and str(a.get("appRoleId", "")).lower() == FULL_ACCESS_AS_APP_ROLE_ID
        for a in observed.exchange_roles
    )


def secret_days_left(app: dict[str, Any] | None, now: datetime | None = None) -> float | None:
    """Days until the newest client secret expires (negative: expired); None when there is none."""
    now = now or datetime.now(timezone.utc)
    ends = []
    for cred in (app or {}).get("passwordCredentials") or []:
        end = _parse_time(str(cred.get("endDateTime") or ""))
        if end is not None:
            ends.append(end)
    if not ends:
        return None
    return (max(ends) - now).total_seconds() / 86400


def _parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# --- the plan ------------------------------------------------------------------------------------


def plan(
    observed: Observed,
    *,
    flow: AuthFlow,
    name: str,
    settings_client_id: str,
    settings_tenant_id: str,
    settings_has_secret: bool,
    ticked: set[str],
    now: datetime | None = None,
) -> list[Action]:
    """One action per guide step, ``planned`` where the tenant or the settings lack it."""
    app = observed.app
    secret_flow = flow is AuthFlow.CLIENT_SECRET
    actions = [
        Action(
            CREATE_APP,
            "A5–A6",
            f"create the app registration '{name}' (single tenant)",
            "unchanged" if app else "planned",
        ),
    ]
    if app is not None and app.get("signInAudience") not in (None, SINGLE_TENANT):
        actions.append(
            Action(SINGLE_TENANT_ONLY, "A5", "make the app single tenant (AzureADMyOrg)")
        )
    missing = missing_access(app or {}, flow)
    what = "add the A10 permission block (EWS.AccessAsUser.All, User.Read)"
    if secret_flow:
        what += " and full_access_as_app"
    actions.append(Action(PERMISSIONS, "A10–A11", what, "planned" if missing else "unchanged"))
    if not secret_flow:
        public = bool((app or {}).get("isFallbackPublicClient"))
        actions.append(
            Action(
                PUBLIC_CLIENT,
                "A17–A18",
                "allow public client flows",
                "unchanged" if public else "planned",
            )
        )
    actions.append(
        Action(
            SERVICE_PRINCIPAL,
            "A14",
            "create the app's service principal (enterprise app)",
            "unchanged" if observed.app_sp else "planned",
        )
    )
    actions.append(
        Action(
            CONSENT_EXCHANGE,
            "A14–A15",
            "grant admin consent for EWS.AccessAsUser.All (all users)",
            "unchanged"
            if EWS_SCOPE in granted_scopes(observed, observed.exchange_sp)
            else "planned",
        )
    )
    actions.append(
        Action(
            CONSENT_GRAPH,
            "A14–A15",
            "grant admin consent for User.Read (all users)",
            "unchanged"
            if USER_READ_SCOPE in granted_scopes(observed, observed.graph_sp)
            else "planned",
        )
    )
    if secret_flow:
        actions.append(
            Action(
                APP_ROLE,
                "23",
                "assign full_access_as_app (application permission)",
                "unchanged" if has_app_role(observed) else "planned",
            )
        )
        days = secret_days_left(app, now)
        fresh = days is not None and days > 0 and settings_has_secret
        actions.append(
            Action(
                SECRET,
                "23",
                "create a client secret and keep it as store_secrets says",
                "unchanged" if fresh else "planned",
            )
        )
    same_ids = (
        observed.client_id
        and settings_client_id.strip().lower() == observed.client_id.lower()
        and settings_tenant_id.strip().lower()
        in (observed.tenant_id.lower(), observed.default_domain.lower())
    )
    all_ticked = set(PORTAL_STEPS_DONE) <= ticked
    actions.append(
        Action(
            SETTINGS,
            "A8",
            "write the client and tenant IDs to the settings, tick A1–A18",
            "unchanged" if same_ids and all_ticked else "planned",
        )
    )
    return actions


# The portal steps register does for the admin (A8 is the form step it fills in).
PORTAL_STEPS_DONE: tuple[str, ...] = tuple(f"A{n}" for n in range(1, 19) if n != 8)


# --- the doctor --------------------------------------------------------------------------------


def requirements(
    observed: Observed, *, flow: AuthFlow, now: datetime | None = None
) -> list[Requirement]:
    """``--check``: each guide requirement met or not, read-only."""
    app = observed.app
    out: list[Requirement] = []
    if observed.exchange_sp is None:
        out.append(
            Requirement(
                "NO_EXCHANGE_ONLINE",
                "A8",
                "Exchange Online in this tenant",
                "failed",
                "no service principal for Office 365 Exchange Online",
            )
        )
    if app is None:
        return out + [
            Requirement(
                "APP_MISSING",
                "A8",
                "app registration exists in this tenant",
                "failed",
                "no app with this client ID or name",
            )
        ]
    out.append(
        Requirement(
            "APP_MISSING",
            "A8",
            "app registration exists in this tenant",
            "ok",
            f"{app.get('displayName', '')} ({observed.client_id})",
        )
    )
    audience = str(app.get("signInAudience") or "")
    out.append(
        Requirement(
            "NOT_SINGLE_TENANT",
            "A5",
            "single tenant",
            "ok" if audience == SINGLE_TENANT else "failed",
            audience,
        )
    )
    missing = missing_access(app, flow)
    out.append(
        Requirement(
            "PERMISSION_MISSING",
            "A10",
            "the A10 permissions are in the registration",
            "failed" if missing else "ok",
            ", ".join(_access_name(m) for m in missing),
        )
    )
    consented = EWS_SCOPE in granted_scopes(observed, observed.exchange_sp)
    out.append(
        Requirement(
            "CONSENT_MISSING",
            "A14",
            "admin consent for EWS.AccessAsUser.All, all users",
            "ok" if consented else "failed",
            "" if observed.app_sp else "the app has no service principal yet",
        )
    )
    if flow is AuthFlow.USER_PASSWORD:
        public = bool(app.get("isFallbackPublicClient"))
        out.append(
            Requirement(
                "PUBLIC_CLIENT_OFF",
                "A17",
                "public client flows allowed",
                "ok" if public else "failed",
            )
        )
    else:
        days = secret_days_left(app, now)
        if days is None:
            status, detail = "failed", "no client secret"
        elif days <= 0:
            status, detail = "failed", f"expired {int(-days)} days ago"
        elif days < SECRET_WARN_DAYS:
            status, detail = "warning", f"{int(days)} days left"
        else:
            status, detail = "ok", f"{int(days)} days left"
        out.append(
            Requirement(
                "SECRET_EXPIRING" if status == "warning" else "SECRET_MISSING",
                "23",
                "client secret present and valid",
                status,
                detail,
            )
        )
        out.append(
            Requirement(
                "APP_ROLE_MISSING",
                "23",
                "full_access_as_app assigned",
                "ok" if has_app_role(observed) else "failed",
            )
        )
    return out


_ACCESS_NAMES = {
    EWS_ACCESS_AS_USER_SCOPE_ID: "EWS.AccessAsUser.All",
    GRAPH_USER_READ_SCOPE_ID: "User.Read",
    FULL_ACCESS_AS_APP_ROLE_ID: "full_access_as_app",
}


def _access_name(item: tuple[str, str, str]) -> str:
    return _ACCESS_NAMES.get(item[1], item[1])


__all__ = [
    "DEFAULT_APP_NAME",
    "EXCHANGE_RESOURCE_APP_ID",
    "GRAPH_RESOURCE_APP_ID",
    "Action",
    "Observed",
    "Requirement",
    "plan",
    "requirements",
]
