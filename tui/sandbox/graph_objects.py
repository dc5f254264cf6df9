"""Microsoft Graph's directory objects as views of the sandbox's tenant state (one truth).

The tenant state keeps an app as the portal sees it (``display_name``, ``permissions`` by name,
``admin_consent``, ``public_client_flows``, ``secrets``, ``service_principal``); Graph shows the
same data as Microsoft's objects: an ``application`` (object id, appId, requiredResourceAccess,
isFallbackPublicClient, passwordCredentials), its ``servicePrincipal``, the tenant-wide
``oauth2PermissionGrant`` per API, and the ``appRoleAssignment`` of full_access_as_app. Object ids
are derived from the client id (uuid5), so they stay the same across runs and need no storage.

What the one-bool consent model means: tenant-wide consent (``admin_consent``) covers the app's
configured permissions, as the portal's "Grant admin consent" does. A delegated grant therefore
lists the manifest's delegated permissions of that API; a grant for a permission that is not in
the manifest records the consent but does not add the permission (the A10 check stays honest).
An app role assignment adds full_access_as_app to the app's permissions, because Entra honours an
assignment with or without a manifest entry.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

GRAPH_ROOT = "https://graph.microsoft.com/v1.0"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
# permission name -> (resource appId, permission id, "Scope" (delegated) or "Role" (application))
PERMISSIONS: dict[str, tuple[str, str, str]] = {
    "EWS.AccessAsUser.All": (EXCHANGE_APP_ID, "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5", "Scope"),
    "full_access_as_app": (EXCHANGE_APP_ID, "dc890d15-9560-4a4c-9b7f-a736ec74ec40", "Role"),
    "User.Read": (GRAPH_APP_ID, "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "Scope"),
}
BY_ID = {(res, pid): name for name, (res, pid, _kind) in PERMISSIONS.items()}
RESOURCE_NAMES = {EXCHANGE_APP_ID: "Office 365 Exchange Online", GRAPH_APP_ID: "Microsoft Graph"}
SIGN_IN_AUDIENCES = (
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
)


def _uuid(kind: str, key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}:{key.lower()}"))


def app_object_id(client_id: str) -> str:
    return _uuid("app", client_id)


def sp_id(app_id: str) -> str:
    """A service principal's object id (the same uuid the sandbox's app-only tokens carry)."""
    return _uuid("sp", app_id)


def _opaque_id(*parts: str) -> str:
    """Graph's grant and assignment ids are base64url strings, not GUIDs."""
    raw = uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)).bytes * 2
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def grant_id(client_id: str, resource: str) -> str:
    return _opaque_id("grant", client_id, resource)


def resources(state: dict[str, Any]) -> list[str]:
    """The Microsoft APIs with a service principal in this tenant."""
    found = [GRAPH_APP_ID]
    if state["tenant"]["exchange_online"]:
        found.insert(0, EXCHANGE_APP_ID)
    return found


# -- applications ------------------------------------------------------------------------------
def required_resource_access(permissions: list[str]) -> list[dict[str, Any]]:
    blocks: dict[str, list[dict[str, str]]] = {}
    for name in permissions:
        if name in PERMISSIONS:
            resource, pid, kind = PERMISSIONS[name]
            blocks.setdefault(resource, []).append({"id": pid, "type": kind})
    return [{"resourceAppId": r, "resourceAccess": access} for r, access in blocks.items()]


def permissions_from(blocks: Any) -> list[str] | str:
    """Permission names for a requiredResourceAccess value, or the message for a bad one."""
    if not isinstance(blocks, list):
        return "Invalid value specified for property 'requiredResourceAccess'."
    names: list[str] = []
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("resourceAccess"), list):
            return "Invalid value specified for property 'requiredResourceAccess'."
        resource = str(block.get("resourceAppId", "")).lower()
        for access in block["resourceAccess"]:
            pid = str(access.get("id", "")).lower() if isinstance(access, dict) else ""
            name = BY_ID.get((resource, pid))
            if name is None or PERMISSIONS[name][2] != access.get("type"):
                # The sandbox knows only the permissions the guide uses.
                return (
                    f"Invalid value specified for property 'resourceAccess' of resource "
                    f"'RequiredResourceAccess': {resource}/{pid}."
                )
            if name not in names:
                names.append(name)
    return names


def password_credential(secret: dict[str, Any], with_text: bool = False) -> dict[str, Any]:
    value = str(secret.get("value", ""))
    return {
        "customKeyIdentifier": None,
        "displayName": secret.get("display_name"),
        "endDateTime": _date_time(str(secret.get("expires", "2099-12-31"))),
        "hint": value[:3],
        "keyId": secret.get("id"),
        "secretText": value if with_text else None,  # only in addPassword's own answer
        "startDateTime": _date_time(str(secret.get("start", "2026-01-01"))),
    }


def _date_time(text: str) -> str:
    return text if "T" in text else f"{text}T00:00:00Z"


def application(state: dict[str, Any], client_id: str) -> dict[str, Any]:
    app = state["apps"][client_id]
    return {
        "id": app_object_id(client_id),
        "appId": client_id,
        "displayName": app["display_name"],
        "signInAudience": app["sign_in_audience"],
        # Graph shows null until someone sets it; the portal's "No" is the same to a token.
        "isFallbackPublicClient": True if app["public_client_flows"] else None,
        "requiredResourceAccess": required_resource_access(app["permissions"]),
        "passwordCredentials": [password_credential(s) for s in app["secrets"]],
        "publisherDomain": state["tenant"]["domain"],
        "publicClient": {"redirectUris": []},
        "web": {"redirectUris": [], "implicitGrantSettings": {}},
        "keyCredentials": [],
    }


def find_app_by_object_id(state: dict[str, Any], object_id: str) -> str | None:
    wanted = object_id.lower()
    return next((c for c in state["apps"] if app_object_id(c) == wanted), None)


# -- service principals ------------------------------------------------------------------------
def service_principal(state: dict[str, Any], app_id: str) -> dict[str, Any]:
    if app_id in RESOURCE_NAMES:
        scopes = [n for n, (r, _p, k) in PERMISSIONS.items() if r == app_id and k == "Scope"]
        roles = [n for n, (r, _p, k) in PERMISSIONS.items() if r == app_id and k == "Role"]
        return {
            "id": sp_id(app_id),
            "appId": app_id,
            "displayName": RESOURCE_NAMES[app_id],
            "servicePrincipalType": "Application",
            "accountEnabled": True,
            "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",  # Microsoft's
            "oauth2PermissionScopes": [
                {"id": PERMISSIONS[n][1], "value": n, "type": "User", "isEnabled": True}
                for n in scopes
            ],
            "appRoles": [
                {
                    "id": PERMISSIONS[n][1],
                    "value": n,
                    "allowedMemberTypes": ["Application"],
                    "isEnabled": True,
                }
                for n in roles
            ],
        }
    app = state["apps"][app_id]
    return {
        "id": sp_id(app_id),
        "appId": app_id,
        "displayName": app["display_name"],
        "servicePrincipalType": "Application",
        "accountEnabled": True,
        "appOwnerOrganizationId": state["tenant"]["id"],
        "oauth2PermissionScopes": [],
        "appRoles": [],
    }


def has_service_principal(app: dict[str, Any]) -> bool:
    """Consent needs a service principal: the portal's "Grant admin consent" makes one."""
    return bool(app["service_principal"] or app["admin_consent"])


def service_principal_app_ids(state: dict[str, Any]) -> list[str]:
    own = [c for c, app in state["apps"].items() if has_service_principal(app)]
    return [*resources(state), *own]


def find_sp(state: dict[str, Any], object_id: str) -> str | None:
    """The appId of the service principal with this object id, if it exists."""
    wanted = object_id.lower()
    return next((a for a in service_principal_app_ids(state) if sp_id(a) == wanted), None)


# -- consent -----------------------------------------------------------------------------------
def grants(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Every tenant-wide delegated grant (consentType AllPrincipals) in the tenant."""
    found = []
    for client_id, app in state["apps"].items():
        if not app["admin_consent"]:
            continue
        for resource in resources(state):
            names = [
                n
                for n in app["permissions"]
                if n in PERMISSIONS
                and PERMISSIONS[n][0] == resource
                and PERMISSIONS[n][2] == "Scope"
            ]
            if names:
                found.append(
                    {
                        "id": grant_id(client_id, resource),
                        "clientId": sp_id(client_id),
                        "consentType": "AllPrincipals",
                        "principalId": None,
                        "resourceId": sp_id(resource),
                        "scope": " ".join(names),
                    }
                )
    return found


def role_assignments(state: dict[str, Any], resource: str) -> list[dict[str, Any]]:
    """The app role assignments on one API's service principal (full_access_as_app)."""
    found = []
    for client_id, app in state["apps"].items():
        if not app["admin_consent"]:
            continue
        for name in app["permissions"]:
            if name in PERMISSIONS and PERMISSIONS[name][0] == resource:
                if PERMISSIONS[name][2] != "Role":
                    continue
                found.append(
                    {
                        "id": _opaque_id("assignment", client_id, name),
                        "appRoleId": PERMISSIONS[name][1],
                        "createdDateTime": "2026-01-01T00:00:00Z",
                        "principalDisplayName": app["display_name"],
                        "principalId": sp_id(client_id),
                        "principalType": "ServicePrincipal",
                        "resourceDisplayName": RESOURCE_NAMES[resource],
                        "resourceId": sp_id(resource),
                    }
                )
    return found


def organization(state: dict[str, Any]) -> dict[str, Any]:
    tenant = state["tenant"]
    return {
        "id": tenant["id"],
        "displayName": tenant["name"],
        "tenantType": "AAD",
        "verifiedDomains": [
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": True,
                "isInitial": True,
                "name": tenant["domain"],
                "type": "Managed",
            }
        ],
    }
