"""Graph v1.0 calls for service principals and consent: the enterprise app (A14's service
principal), tenant-wide delegated grants (oauth2PermissionGrants) and app role assignments
(appRoleAssignedTo, full_access_as_app for the Client secret flow). Split from
:mod:`tui.sandbox.graph_calls`, which routes here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.sandbox import graph_objects as objects
from tui.sandbox.graph import (
    APP_WRITERS,
    CONSENTERS,
    GRAPH_ROLE_CONSENTERS,
    READ_APPS,
    READ_GRANTS,
    WRITE_APPS,
    WRITE_ASSIGNMENTS,
    WRITE_GRANTS,
    WRITE_LOCK,
    Caller,
    GraphService,
    Reply,
    Request,
    app_visible,
    apply_patch,
    bad_request,
    denied,
    entity,
    json_body,
    listing,
    method_not_allowed,
    not_found,
    parse_filter,
    visible_sps,
)

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox


# -- service principals ------------------------------------------------------------------------
def service_principals(
    graph: GraphService, sandbox: Sandbox, state: dict[str, Any], caller: Caller, req: Request
) -> Reply:
    if req.method == "GET":
        if not caller.may(READ_APPS):
            return denied()
        wanted = parse_filter(req.query, ("appId", "displayName"))
        if isinstance(wanted, tuple) and len(wanted) == 3:
            return wanted
        found = visible_sps(graph, state)
        if wanted:
            name, value = wanted  # type: ignore[misc]
            found = [
                a
                for a in found
                if (
                    a == value.lower()
                    if name == "appId"
                    else objects.service_principal(state, a)["displayName"].lower() == value.lower()
                )
            ]
        return listing("servicePrincipals", [objects.service_principal(state, a) for a in found])
    if req.method != "POST":
        return method_not_allowed()
    if not caller.may(WRITE_APPS, APP_WRITERS):
        return denied()
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    app_id = str(data.get("appId", "")).lower()
    if app_visible(graph, state, app_id) is None:
        return bad_request(
            f"The appId '{app_id}' of the service principal does not reference a "
            "valid application object.",
            "Request_BadRequest",
        )
    if objects.has_service_principal(state["apps"][app_id]):
        return bad_request(
            "Another object with the same value for property servicePrincipalNames already exists.",
            "Request_MultipleObjectsWithSameKeyValue",
        )
    failed = apply_patch(sandbox, {"apps": {app_id: {"service_principal": True}}})
    if failed:
        return failed
    graph.created(objects.sp_id(app_id))
    return entity("servicePrincipals", objects.service_principal(sandbox.snapshot(), app_id), 201)


# -- consent -----------------------------------------------------------------------------------
def grants(
    graph: GraphService, sandbox: Sandbox, state: dict[str, Any], caller: Caller, req: Request
) -> Reply:
    if req.method == "GET":
        if not caller.may(READ_GRANTS):
            return denied()
        wanted = parse_filter(req.query, ("clientId", "resourceId", "consentType"))
        if isinstance(wanted, tuple) and len(wanted) == 3:
            return wanted
        found = objects.grants(state)
        if wanted:
            name, value = wanted  # type: ignore[misc]
            found = [g for g in found if str(g[name]).lower() == value.lower()]
        return listing("oauth2PermissionGrants", found)
    if req.method != "POST":
        return method_not_allowed()
    if not caller.may(WRITE_GRANTS, CONSENTERS):
        return denied()
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    client = objects.find_sp(state, str(data.get("clientId", "")))
    if client is None or client not in state["apps"] or client not in visible_sps(graph, state):
        return not_found(str(data.get("clientId", "")))
    resource = objects.find_sp(state, str(data.get("resourceId", "")))
    if resource not in objects.RESOURCE_NAMES:
        return not_found(str(data.get("resourceId", "")))
    if data.get("consentType") != "AllPrincipals" or data.get("principalId"):
        return bad_request(
            "Only consentType 'AllPrincipals' without a principalId is supported "
            "for tenant-wide consent."
        )
    scope = data.get("scope")
    published = {
        n for n, (r, _p, k) in objects.PERMISSIONS.items() if r == resource and k == "Scope"
    }
    names = str(scope or "").split()
    if not names or not set(names) <= published:
        return bad_request(
            f"Invalid value specified for property 'scope' of resource "
            f"'OAuth2PermissionGrant': {str(scope)[:200]}."
        )
    failed = apply_patch(sandbox, {"apps": {client: {"admin_consent": True}}})
    if failed:
        return failed
    grant = {
        "id": objects.grant_id(client, resource),
        "clientId": objects.sp_id(client),
        "consentType": "AllPrincipals",
        "principalId": None,
        "resourceId": objects.sp_id(resource),
        "scope": " ".join(names),
    }
    return entity("oauth2PermissionGrants", grant, 201)


def assignments(
    sandbox: Sandbox, state: dict[str, Any], caller: Caller, req: Request, resource: str
) -> Reply:
    if req.method == "GET":
        if not caller.may(READ_APPS | WRITE_ASSIGNMENTS):
            return denied()
        found = (
            objects.role_assignments(state, resource) if resource in objects.RESOURCE_NAMES else []
        )
        return listing(f"servicePrincipals('{objects.sp_id(resource)}')/appRoleAssignedTo", found)
    if req.method != "POST":
        return method_not_allowed()
    needed = GRAPH_ROLE_CONSENTERS if resource == objects.GRAPH_APP_ID else CONSENTERS
    if not caller.may(WRITE_ASSIGNMENTS, needed):
        return denied()
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    if str(data.get("resourceId", "")).lower() != objects.sp_id(resource):
        return bad_request(
            "The resourceId in the body does not match the service principal in the URL."
        )
    role = str(data.get("appRoleId", "")).lower()
    name = objects.BY_ID.get((resource, role))
    if name is None or objects.PERMISSIONS[name][2] != "Role":
        return bad_request(f"Permission being assigned was not found on application '{resource}'.")
    client = objects.find_sp(state, str(data.get("principalId", "")))
    if client is None or client not in state["apps"]:
        return not_found(str(data.get("principalId", "")))
    with WRITE_LOCK:
        app = sandbox.snapshot()["apps"][client]
        permissions = (
            app["permissions"] if name in app["permissions"] else [*app["permissions"], name]
        )
        failed = apply_patch(
            sandbox, {"apps": {client: {"admin_consent": True, "permissions": permissions}}}
        )
    if failed:
        return failed
    made = [
        a
        for a in objects.role_assignments(sandbox.snapshot(), resource)
        if a["principalId"] == objects.sp_id(client)
    ]
    return entity(f"servicePrincipals('{objects.sp_id(resource)}')/appRoleAssignedTo", made[0], 201)
