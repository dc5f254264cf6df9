"""The Graph v1.0 calls themselves: one function per route, each checking scope and role first.

Reads answer from the current tenant state; writes build a merge patch and hand it to
``Sandbox.patch`` (one truth; propagation starts there). See :mod:`tui.sandbox.graph` for the
shape of answers and errors, :mod:`tui.sandbox.graph_objects` for the mapping.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import TYPE_CHECKING, Any

from tui.sandbox import graph_objects as objects
from tui.sandbox.graph import (
    APP_WRITERS,
    IGNORED,
    READ_APPS,
    READ_ORG,
    SETTABLE,
    WRITE_APPS,
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
    key_form,
    listing,
    method_not_allowed,
    new_secret_text,
    not_found,
    parse_filter,
    visible_sps,
)
from tui.sandbox.graph_consent import assignments, grants, service_principals

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox

DEFAULT_SECRET_YEARS = 2  # addPassword without endDateTime: two years (Graph reference)
# Edm.DateTimeOffset as clients send it: .NET sends 7 fraction digits, Python 3.10 reads 6.
DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
)


def _date_time(value: Any) -> dt.datetime | None:
    """An endDateTime as an aware datetime, or None for anything else."""
    match = DATE_TIME.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        return None
    day, clock, zone = match.group(1), match.group(2) or "00:00:00", match.group(3) or "Z"
    try:
        moment = dt.datetime.fromisoformat(f"{day}T{clock}{'+00:00' if zone == 'Z' else zone}")
    except ValueError:
        return None
    return moment.astimezone(dt.timezone.utc)


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
            return _application(
                graph, sandbox, state, caller, req, app_visible(graph, state, wanted)
            )
        if method == "GET" and caller.may(READ_APPS):
            if wanted in visible_sps(graph, state):
                return entity("servicePrincipals", objects.service_principal(state, wanted))
            return not_found(app_id)
        return denied() if method == "GET" else method_not_allowed()
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
            return service_principals(graph, sandbox, state, caller, req)
        app_id = objects.find_sp(state, parts[1])
        if app_id is None or app_id not in visible_sps(graph, state):
            return not_found(parts[1]) if caller.may(READ_APPS) else denied()
        if len(parts) == 2 and method == "GET":
            return entity("servicePrincipals", objects.service_principal(state, app_id))
        if parts[2:] == ["appRoleAssignedTo"]:
            return assignments(sandbox, state, caller, req, app_id)
    if parts == ["oauth2PermissionGrants"]:
        return grants(graph, sandbox, state, caller, req)
    if parts and method not in ("GET", "POST", "PATCH"):
        return method_not_allowed()
    return bad_request(
        f"Resource not found for the segment '{parts[-1] if parts else ''}'.", "BadRequest"
    )


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
        found = [c for c in state["apps"] if app_visible(graph, state, c)]
        if wanted:
            name, value = wanted  # type: ignore[misc]
            if name == "appId":
                found = [c for c in found if c == value.lower()]
            else:  # directory string comparisons ignore case
                found = [
                    c for c in found if state["apps"][c]["display_name"].lower() == value.lower()
                ]
        return listing("applications", [objects.application(state, c) for c in found])
    if req.method != "POST":
        return method_not_allowed()
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
    new = {
        "public_client_flows": False,
        "permissions": [],
        "admin_consent": False,
        "secrets": [],
        "service_principal": False,
        **app,
    }
    with WRITE_LOCK:
        changes: dict[str, Any] = {"apps": {client_id: new}}
        if not sandbox.snapshot()["primary_app"]:
            changes["primary_app"] = client_id  # the portal then shows the new app
        failed = apply_patch(sandbox, changes)
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
                else "Use addPassword to add a password credential.",
                "Request_BadRequest",
            )
        if key == "signInAudience":
            if value not in objects.SIGN_IN_AUDIENCES:
                return into, bad_request(
                    "Invalid value specified for property 'signInAudience' "
                    "of resource 'Application'."
                )
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
    graph: GraphService,
    sandbox: Sandbox,
    state: dict[str, Any],
    caller: Caller,
    req: Request,
    client_id: str | None,
) -> Reply:
    if req.method == "GET":
        if not caller.may(READ_APPS):
            return denied()
        if client_id is None:
            return not_found(req.parts[-1])
        return entity("applications", objects.application(state, client_id))
    if req.method != "PATCH":
        return method_not_allowed()
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
        failed = apply_patch(sandbox, {"apps": {client_id: fields}})
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
    unknown = set(data) - {"passwordCredential"}
    if unknown:
        return bad_request(
            f"Property '{sorted(unknown)[0][:100]}' does not exist on type "
            "'microsoft.graph.application.addPassword'."
        )
    credential = data.get("passwordCredential") or {}
    if not isinstance(credential, dict) or not isinstance(credential.get("displayName", ""), str):
        return bad_request("Invalid value for 'passwordCredential'.")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    end_text = credential.get("endDateTime")
    if end_text is None:  # 29 February + 2 years is 1 March
        end = now + (
            dt.datetime(now.year + DEFAULT_SECRET_YEARS, 3, 1) - dt.datetime(now.year, 3, 1)
        )
    else:
        end = _date_time(end_text)
        if end is None:
            return bad_request("Invalid value specified for property 'endDateTime'.")
        if end <= now:
            return bad_request(
                "Invalid value specified for property 'endDateTime': it must be "
                "later than the start date."
            )
    display = credential.get("displayName")
    secret = {
        "id": str(uuid.uuid4()),
        "value": new_secret_text(),
        "expires": end.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "display_name": str(display) if display is not None else None,
    }
    with WRITE_LOCK:
        current = sandbox.snapshot()["apps"].get(client_id)
        if current is None:
            return not_found(req.parts[1])
        failed = apply_patch(
            sandbox, {"apps": {client_id: {"secrets": [*current["secrets"], secret]}}}
        )
    if failed:
        return failed
    answer = objects.password_credential(secret, with_text=True)
    return (
        200,
        {
            "@odata.context": f"{objects.GRAPH_ROOT}/$metadata#microsoft.graph.passwordCredential",
            **answer,
        },
        {},
    )
