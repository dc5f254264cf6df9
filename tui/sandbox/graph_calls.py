"""The Graph v1.0 calls themselves: one function per route, each checking scope and role first.

Reads answer from the current tenant state; writes build a merge patch and hand it to
``Sandbox.patch`` (one truth; propagation starts there). See :mod:`tui.sandbox.graph` for the
shape of answers and errors, :mod:`tui.sandbox.graph_objects` for the mapping.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import TYPE_CHECKING, Any

from tui.sandbox import graph_objects as objects
from tui.sandbox.graph import (
    APP_WRITERS,
    CONSENTERS,
    GRAPH_ROLE_CONSENTERS,
    IGNORED,
    READ_APPS,
    READ_GRANTS,
    READ_ORG,
    SETTABLE,
    WRITE_APPS,
    WRITE_ASSIGNMENTS,
    WRITE_GRANTS,
    Caller,
    GraphService,
    Reply,
    Request,
    bad_request,
    denied,
    entity,
    error,
    json_body,
    key_form,
    listing,
    new_secret_text,
    not_found,
    parse_filter,
)
from tui.sandbox.state import ScenarioError

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox

_WRITE_LOCK = threading.Lock()  # read-modify-patch of one app must not interleave
DEFAULT_SECRET_YEARS = 2  # addPassword without endDateTime: two years (Graph reference)


def route(
    graph: GraphService, sandbox: Sandbox, state: dict[str, Any], caller: Caller, req: Request
) -> Reply:
    parts, method = req.parts, req.method
    head = parts[0] if parts else ""
    keyed = key_form(head)
    if keyed and len(parts) == 1:
        kind, app_id = keyed
        wanted = app_id.lower()
        if kind == "applications":
            return _application(graph, sandbox, state, caller, req, _by_app_id(graph, state, wanted))
        if method == "GET" and caller.may(READ_APPS):
            if wanted in _visible_sps(graph, state):
                return entity("servicePrincipals", objects.service_principal(state, wanted))
            return not_found(app_id)
        return denied() if method == "GET" else _method_not_allowed()
    if parts == ["organization"] and method == "GET":
        if not caller.may(READ_ORG):
            return denied()
        return listing("organization", [objects.organization(state)])
    if head == "applications":
        if len(parts) == 1:
            return _applications(graph, sandbox, state, caller, req)
        client_id = objects.find_app_by_object_id(state, parts[1])
        if client_id and graph.replicating(state, parts[1]):
            client_id = None
        if client_id is None and caller.may(READ_APPS):
            return not_found(parts[1])
        if len(parts) == 2:
            return _application(graph, sandbox, state, caller, req, client_id)
        if parts[2:] == ["addPassword"] and method == "POST":
            return _add_password(sandbox, caller, req, client_id)
    if head == "servicePrincipals":
        if len(parts) == 1:
            return _service_principals(graph, sandbox, state, caller, req)
        app_id = objects.find_sp(state, parts[1])
        if app_id is None or app_id not in _visible_sps(graph, state):
            return not_found(parts[1]) if caller.may(READ_APPS) else denied()
        if len(parts) == 2 and method == "GET":
            return entity("servicePrincipals", objects.service_principal(state, app_id))
        if parts[2:] == ["appRoleAssignedTo"]:
            return _assignments(sandbox, state, caller, req, app_id)
    if parts == ["oauth2PermissionGrants"]:
        return _grants(graph, sandbox, state, caller, req)
    if parts and method not in ("GET", "POST", "PATCH"):
        return _method_not_allowed()
    return bad_request(f"Resource not found for the segment '{parts[-1] if parts else ''}'.",
                       "BadRequest")


def _method_not_allowed() -> Reply:
    return error(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request "
                 "target.")


def _by_app_id(graph: GraphService, state: dict[str, Any], app_id: str) -> str | None:
    if app_id in state["apps"] and not graph.replicating(state, objects.app_object_id(app_id)):
        return app_id
    return None


def _visible_sps(graph: GraphService, state: dict[str, Any]) -> list[str]:
    return [
        a for a in objects.service_principal_app_ids(state)
        if not graph.replicating(state, objects.sp_id(a))
    ]


def _patch(sandbox: Sandbox, changes: dict[str, Any]) -> Reply | None:
    try:
        sandbox.patch(changes)
    except ScenarioError as problem:
        return bad_request(str(problem))
    return None


# -- applications ------------------------------------------------------------------------------
def _applications(
    graph: GraphService, sandbox: Sandbox, state: dict[str, Any], caller: Caller, req: Request
) -> Reply:
    if req.method == "GET":
        if not caller.may(READ_APPS):
            return denied()
        wanted = parse_filter(req.query, ("appId", "displayName"))
        if isinstance(wanted, tuple) and len(wanted) == 3:
            return wanted  # a 400 for the filter
        found = [c for c in state["apps"] if _by_app_id(graph, state, c)]
        if wanted:
            name, value = wanted  # type: ignore[misc]
            if name == "appId":
                found = [c for c in found if c == value.lower()]
            else:  # directory string comparisons ignore case
                found = [c for c in found if state["apps"][c]["display_name"].lower() == value.lower()]
        return listing("applications", [objects.application(state, c) for c in found])
    if req.method != "POST":
        return _method_not_allowed()
    if not caller.may(WRITE_APPS, APP_WRITERS):
        return denied()
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    name = data.get("displayName")
    if not isinstance(name, str) or not name.strip():
        return bad_request("Property 'displayName' is required and cannot be empty.")
    app, problem = _app_fields(data, {"display_name": name.strip()})
    if problem:
        return problem
    client_id = str(uuid.uuid4())
    new = {"public_client_flows": False, "permissions": [], "admin_consent": False,
           "secrets": [], "service_principal": False, **app}
    with _WRITE_LOCK:
        changes: dict[str, Any] = {"apps": {client_id: new}}
        if not sandbox.snapshot()["primary_app"]:
            changes["primary_app"] = client_id  # the portal then shows the new app
        failed = _patch(sandbox, changes)
    if failed:
        return failed
    graph.created(objects.app_object_id(client_id))
    return entity("applications", objects.application(sandbox.snapshot(), client_id), 201)


def _app_fields(data: dict[str, Any], into: dict[str, Any]) -> tuple[dict[str, Any], Reply | None]:
    """The state fields for an application body's properties, or Graph's 400."""
    for key, value in data.items():
        if key in IGNORED or key == "displayName":
            continue
        if key not in SETTABLE:
            return into, bad_request(
                f"Property '{key}' does not exist on type 'microsoft.graph.application'."
                if key != "passwordCredentials"
                else "Use addPassword to add a password credential.", "Request_BadRequest")
        if key == "signInAudience":
            if value not in objects.SIGN_IN_AUDIENCES:
                return into, bad_request(f"Invalid value specified for property 'signInAudience' "
                                         f"of resource 'Application'.")
            into["sign_in_audience"] = value
        elif key == "isFallbackPublicClient":
            if value is not None and not isinstance(value, bool):
                return into, bad_request("Invalid value for property 'isFallbackPublicClient'.")
            into["public_client_flows"] = bool(value)
        elif key == "requiredResourceAccess":
            names = objects.permissions_from(value)
            if isinstance(names, str):
                return into, bad_request(names)
            into["permissions"] = names
    if "displayName" in data:
        if not isinstance(data["displayName"], str) or not data["displayName"].strip():
            return into, bad_request("Property 'displayName' cannot be empty.")
        into["display_name"] = data["displayName"].strip()
    return into, None


def _application(
    graph: GraphService, sandbox: Sandbox, state: dict[str, Any], caller: Caller, req: Request,
    client_id: str | None,
) -> Reply:
    if req.method == "GET":
        if not caller.may(READ_APPS):
            return denied()
        if client_id is None:
            return not_found(req.parts[-1])
        return entity("applications", objects.application(state, client_id))
    if req.method != "PATCH":
        return _method_not_allowed()
    if not caller.may(WRITE_APPS, APP_WRITERS):
        return denied()
    if client_id is None:
        return not_found(req.parts[-1])
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    fields, problem = _app_fields(data, {})
    if problem:
        return problem
    if fields:
        failed = _patch(sandbox, {"apps": {client_id: fields}})
        if failed:
            return failed
    return 204, None, {}


def _add_password(sandbox: Sandbox, caller: Caller, req: Request, client_id: str | None) -> Reply:
    if not caller.may(WRITE_APPS, APP_WRITERS):
        return denied()
    if client_id is None:
        return not_found(req.parts[1])
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    credential = data.get("passwordCredential") or {}
    if not isinstance(credential, dict):
        return bad_request("Invalid value for 'passwordCredential'.")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    end_text = credential.get("endDateTime")
    if end_text is None:
        end = now.replace(year=now.year + DEFAULT_SECRET_YEARS)
    else:
        try:
            end = dt.datetime.fromisoformat(str(end_text).replace("Z", "+00:00")[:25])
        except ValueError:
            return bad_request("Invalid value specified for property 'endDateTime'.")
        if end.tzinfo is None:
            end = end.replace(tzinfo=dt.timezone.utc)
        if end <= now:
            return bad_request("Invalid value specified for property 'endDateTime': it must be "
                               "later than the start date.")
    display = credential.get("displayName")
    secret = {
        "id": str(uuid.uuid4()),
        "value": new_secret_text(),
        "expires": end.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "display_name": str(display) if display is not None else None,
    }
    with _WRITE_LOCK:
        current = sandbox.snapshot()["apps"].get(client_id)
        if current is None:
            return not_found(req.parts[1])
        failed = _patch(sandbox, {"apps": {client_id: {"secrets": [*current["secrets"], secret]}}})
    if failed:
        return failed
    answer = objects.password_credential(secret, with_text=True)
    return 200, {"@odata.context": f"{objects.GRAPH_ROOT}/$metadata#microsoft.graph."
                 "passwordCredential", **answer}, {}


# -- service principals ------------------------------------------------------------------------
def _service_principals(
    graph: GraphService, sandbox: Sandbox, state: dict[str, Any], caller: Caller, req: Request
) -> Reply:
    if req.method == "GET":
        if not caller.may(READ_APPS):
            return denied()
        wanted = parse_filter(req.query, ("appId", "displayName"))
        if isinstance(wanted, tuple) and len(wanted) == 3:
            return wanted
        found = _visible_sps(graph, state)
        if wanted:
            name, value = wanted  # type: ignore[misc]
            found = [
                a for a in found
                if (a == value.lower() if name == "appId" else
                    objects.service_principal(state, a)["displayName"].lower() == value.lower())
            ]
        return listing("servicePrincipals", [objects.service_principal(state, a) for a in found])
    if req.method != "POST":
        return _method_not_allowed()
    if not caller.may(WRITE_APPS, APP_WRITERS):
        return denied()
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    app_id = str(data.get("appId", "")).lower()
    if _by_app_id(graph, state, app_id) is None:
        return bad_request(f"The appId '{app_id}' of the service principal does not reference a "
                           "valid application object.", "Request_BadRequest")
    if state["apps"][app_id]["service_principal"]:
        return bad_request("Another object with the same value for property servicePrincipalNames "
                           "already exists.", "Request_MultipleObjectsWithSameKeyValue")
    failed = _patch(sandbox, {"apps": {app_id: {"service_principal": True}}})
    if failed:
        return failed
    graph.created(objects.sp_id(app_id))
    return entity("servicePrincipals", objects.service_principal(sandbox.snapshot(), app_id), 201)


# -- consent -----------------------------------------------------------------------------------
def _grants(
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
        return _method_not_allowed()
    if not caller.may(WRITE_GRANTS, CONSENTERS):
        return denied()
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    client = objects.find_sp(state, str(data.get("clientId", "")))
    if client is None or client not in state["apps"] or client not in _visible_sps(graph, state):
        return not_found(str(data.get("clientId", "")))
    resource = objects.find_sp(state, str(data.get("resourceId", "")))
    if resource not in objects.RESOURCE_NAMES:
        return not_found(str(data.get("resourceId", "")))
    if data.get("consentType") != "AllPrincipals" or data.get("principalId"):
        return bad_request("Only consentType 'AllPrincipals' without a principalId is supported "
                           "for tenant-wide consent.")
    scope = data.get("scope")
    published = {n for n, (r, _p, k) in objects.PERMISSIONS.items() if r == resource and k == "Scope"}
    names = str(scope or "").split()
    if not names or not set(names) <= published:
        return bad_request(f"Invalid value specified for property 'scope' of resource "
                           f"'OAuth2PermissionGrant': {str(scope)[:200]}.")
    failed = _patch(sandbox, {"apps": {client: {"admin_consent": True}}})
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


def _assignments(
    sandbox: Sandbox, state: dict[str, Any], caller: Caller, req: Request, resource: str
) -> Reply:
    if req.method == "GET":
        if not caller.may(READ_APPS | WRITE_ASSIGNMENTS):
            return denied()
        found = objects.role_assignments(state, resource) if resource in objects.RESOURCE_NAMES else []
        return listing(f"servicePrincipals('{objects.sp_id(resource)}')/appRoleAssignedTo", found)
    if req.method != "POST":
        return _method_not_allowed()
    needed = GRAPH_ROLE_CONSENTERS if resource == objects.GRAPH_APP_ID else CONSENTERS
    if not caller.may(WRITE_ASSIGNMENTS, needed):
        return denied()
    data = json_body(req.body)
    if not isinstance(data, dict):
        return data
    if str(data.get("resourceId", "")).lower() != objects.sp_id(resource):
        return bad_request("The resourceId in the body does not match the service principal in "
                           "the URL.")
    role = str(data.get("appRoleId", "")).lower()
    name = objects.BY_ID.get((resource, role))
    if name is None or objects.PERMISSIONS[name][2] != "Role":
        return bad_request("Permission being assigned was not found on application "
                           f"'{resource}'.")
    client = objects.find_sp(state, str(data.get("principalId", "")))
    if client is None or client not in state["apps"]:
        return not_found(str(data.get("principalId", "")))
    with _WRITE_LOCK:
        app = sandbox.snapshot()["apps"][client]
        permissions = app["permissions"] if name in app["permissions"] else [*app["permissions"], name]
        failed = _patch(sandbox, {"apps": {client: {"admin_consent": True, "permissions": permissions}}})
    if failed:
        return failed
    made = [a for a in objects.role_assignments(sandbox.snapshot(), resource)
            if a["principalId"] == objects.sp_id(client)]
    return entity(f"servicePrincipals('{objects.sp_id(resource)}')/appRoleAssignedTo", made[0], 201)
