"""A small Microsoft Graph v1.0 client on plain ``requests``: the calls stage A needs, nothing more.

Not the Graph SDK: its import and install size would cost the start-up and the install that the
rest of mailsetup has won, and stage A needs a dozen calls. Every call has the run's timeout,
throttling (429 with Retry-After) is honoured within a bound, and a refusal becomes a
:class:`GraphError` that keeps what Microsoft support asks for (code, message, request-id, date).

Shapes follow Microsoft's Graph v1.0 reference (application, servicePrincipal,
oauth2PermissionGrant, appRoleAssignment resources; the JSON error response with ``innerError``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

# Graph asks a throttled client to wait Retry-After seconds; a run never waits longer than this
# in all, so a script is not held for minutes by a busy tenant.
MAX_THROTTLE_WAIT = 60.0
# A brand-new object can 404 for a few seconds on another replica (Graph's documented eventual
# consistency); reads of objects this run created are retried for this long.
REPLICATION_WAIT = 20.0


class GraphError(Exception):
    """Graph refused a call: HTTP status, Graph's error code and message, the support IDs."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        method: str = "",
        path: str = "",
        request_id: str = "",
        date: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.request_id = request_id
        self.date = date
        self.retry_after = retry_after

    def raw(self) -> dict[str, Any]:
        """The error as kept for the support ticket (never holds a token: only Graph's answer)."""
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request": f"{self.method} {self.path}".strip(),
            "request_id": self.request_id,
            "date": self.date,
        }


def _error_from(response: requests.Response, method: str, path: str) -> GraphError:
    code, message, request_id, date = f"HTTP{response.status_code}", "", "", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        code = str(error.get("code") or code)
        message = str(error.get("message") or "")
        inner = error.get("innerError") or error.get("innererror") or {}
        if isinstance(inner, dict):
            request_id = str(inner.get("request-id") or "")
            date = str(inner.get("date") or "")
    if not request_id:
        request_id = response.headers.get("request-id", "")
    retry_after = None
    if response.status_code == 429 or response.status_code >= 500:
        try:
            retry_after = float(response.headers.get("Retry-After", ""))
        except ValueError:
            retry_after = None
    return GraphError(
        response.status_code,
        code,
        message or (response.reason or ""),
        method=method,
        path=path,
        request_id=request_id,
        date=date,
        retry_after=retry_after,
    )


def odata_quote(value: str) -> str:
    """A string literal for an OData ``$filter``: single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


class GraphClient:
    """Graph v1.0 calls with one admin token; ``session`` carries trust, proxies and timeouts."""

    def __init__(
        self,
        session: requests.Session,
        graph_host: str,
        token: str,
        *,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._session = session
        self._base = f"https://{graph_host.strip()}/v1.0"
        self._token = token
        self._timeout = timeout
        self._sleep = sleep
        self._throttled_for = 0.0

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = self._base + path
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        while True:
            response = self._session.request(
                method, url, json=body, headers=headers, timeout=self._timeout
            )
            if response.status_code < 400:
                if response.status_code == 204 or not response.content:
                    return None
                try:
                    return response.json()
                except ValueError:
                    raise GraphError(
                        response.status_code,
                        "InvalidResponse",
                        "Graph's answer is not JSON",
                        method=method,
                        path=path,
                    ) from None
            error = _error_from(response, method, path)
            wait = error.retry_after
            if (
                error.status == 429
                and wait is not None
                and (self._throttled_for + wait <= MAX_THROTTLE_WAIT)
            ):
                self._throttled_for += wait
                self._sleep(wait)
                continue
            raise error

    # --- reads -------------------------------------------------------------------------------

    def organization(self) -> dict[str, Any]:
        found = self._call("GET", "/organization").get("value") or []
        if not found:
            raise GraphError(404, "Request_ResourceNotFound", "No organization in the answer")
        return dict(found[0])

    def applications_by_app_id(self, app_id: str) -> list[dict[str, Any]]:
        return self._list("/applications", f"appId eq {odata_quote(app_id)}")

    def applications_by_name(self, name: str) -> list[dict[str, Any]]:
        return self._list("/applications", f"displayName eq {odata_quote(name)}")

    def service_principal(self, app_id: str) -> dict[str, Any] | None:
        found = self._list("/servicePrincipals", f"appId eq {odata_quote(app_id)}")
        return found[0] if found else None

    def permission_grants(self, client_sp_id: str) -> list[dict[str, Any]]:
        return self._list("/oauth2PermissionGrants", f"clientId eq {odata_quote(client_sp_id)}")

    def role_assignments(self, resource_sp_id: str) -> list[dict[str, Any]]:
        return self._list(f"/servicePrincipals/{quote(resource_sp_id)}/appRoleAssignedTo", None)

    def _list(self, path: str, odata_filter: str | None) -> list[dict[str, Any]]:
        query = f"?$filter={quote(odata_filter, safe='')}" if odata_filter else ""
        answer = self._call("GET", path + query)
        items = list(answer.get("value") or [])
        next_link = answer.get("@odata.nextLink")
        pages = 0
        while next_link and pages < 20:  # a tenant with thousands of grants: bounded, not endless
            pages += 1
            path_part = str(next_link).split("/v1.0", 1)[-1]
            answer = self._call("GET", path_part)
            items.extend(answer.get("value") or [])
            next_link = answer.get("@odata.nextLink")
        return [dict(i) for i in items]

    # --- writes ------------------------------------------------------------------------------

    def create_application(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/applications", body))

    def update_application(self, object_id: str, body: dict[str, Any]) -> None:
        self._call("PATCH", f"/applications/{quote(object_id)}", body)

    def add_password(self, object_id: str, display_name: str, end: str) -> dict[str, Any]:
        body = {"passwordCredential": {"displayName": display_name, "endDateTime": end}}
        return dict(self._call("POST", f"/applications/{quote(object_id)}/addPassword", body))

    def create_service_principal(self, app_id: str) -> dict[str, Any]:
        return dict(self._call("POST", "/servicePrincipals", {"appId": app_id}))

    def create_permission_grant(
        self, client_sp_id: str, resource_sp_id: str, scope: str
    ) -> dict[str, Any]:
        body = {
            "clientId": client_sp_id,
            "consentType": "AllPrincipals",
            "resourceId": resource_sp_id,
            "scope": scope,
        }
        return dict(self._call("POST", "/oauth2PermissionGrants", body))

    def update_permission_grant(self, grant_id: str, scope: str) -> None:
        self._call("PATCH", f"/oauth2PermissionGrants/{quote(grant_id)}", {"scope": scope})

    def assign_app_role(
        self, client_sp_id: str, resource_sp_id: str, app_role_id: str
    ) -> dict[str, Any]:
        body = {"principalId": client_sp_id, "resourceId": resource_sp_id, "appRoleId": app_role_id}
        path = f"/servicePrincipals/{quote(resource_sp_id)}/appRoleAssignedTo"
        return dict(self._call("POST", path, body))

    def retry_read(self, read: Callable[[], Any], *, until: Callable[[Any], bool]) -> Any:
        """Read again while a just-created object is not visible yet (404 or not in the list)."""
        deadline = time.monotonic() + REPLICATION_WAIT
        delay = 0.5
        while True:
            try:
                value = read()
                if until(value):
                    return value
            except GraphError as exc:
                if exc.status != 404 or time.monotonic() >= deadline:
                    raise
            if time.monotonic() >= deadline:
                return value
            self._sleep(delay)
            delay = min(delay * 2, 4.0)
