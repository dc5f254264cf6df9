"""What ``mailsetup register`` saw in the tenant, and what the guide asks of it.

:class:`Observed` is the registration as Graph showed it; the functions here answer the
questions both the plan (:mod:`tui.register.plan`) and the doctor (:mod:`tui.register.doctor`)
ask of it: which permissions the app lacks, what was consented, whether the app role is
assigned, how long the client secret lasts. Pure functions, no network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tui.guide import EXCHANGE_RESOURCE_APP_ID, MANIFEST
from tui.settings.model import AuthFlow

FULL_ACCESS_AS_APP_ROLE_ID = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
EWS_SCOPE = "EWS.AccessAsUser.All"
USER_READ_SCOPE = "User.Read"
SINGLE_TENANT = "AzureADMyOrg"


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
