"""Reading the registration from Graph, and carrying out a plan's actions one by one.

Each action re-reads nothing it does not need: what it creates is put into :class:`Observed`, so
the next action (the service principal needs the app, consent needs the service principal) uses
it at once. A failure stops the run at that action with a diagnosis; the next run observes again
and carries on from there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from tui.register import plan as p
from tui.register.graph import GraphClient, GraphError
from tui.settings.model import AuthFlow


class Refused(Exception):
    """The run cannot go on; ``code`` is a key of :data:`tui.register.refusals.REFUSALS`."""

    def __init__(self, code: str, detail: str = "", raw: dict[str, Any] | None = None) -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.raw = raw or {}


def observe(graph: GraphClient, *, client_id: str, name: str, by_id_only: bool) -> p.Observed:
    """Read the tenant and the app (by client ID first, else by name) and what hangs off it."""
    org = graph.organization()
    domains = org.get("verifiedDomains") or []
    default = next((d.get("name", "") for d in domains if d.get("isDefault")), "")
    observed = p.Observed(tenant_id=str(org.get("id") or ""), default_domain=str(default))
    apps: list[dict[str, Any]] = []
    if client_id:
        apps = graph.applications_by_app_id(client_id)
        if not apps and by_id_only:
            raise Refused("APP_NOT_FOUND", client_id)
    if not apps:
        apps = graph.applications_by_name(name)
        if len(apps) > 1:
            ids = ", ".join(sorted(str(a.get("appId")) for a in apps))
            raise Refused("SEVERAL_APPS", ids, {"name": name, "client_ids": ids})
    observed.app = apps[0] if apps else None
    observed.exchange_sp = graph.service_principal(p.EXCHANGE_RESOURCE_APP_ID)
    observed.graph_sp = graph.service_principal(p.GRAPH_RESOURCE_APP_ID)
    if observed.app is not None:
        observed.app_sp = graph.service_principal(observed.client_id)
    if observed.app_sp is not None:
        observed.grants = graph.permission_grants(str(observed.app_sp["id"]))
    if observed.exchange_sp is not None and observed.app_sp is not None:
        sp_id = observed.app_sp["id"]
        observed.exchange_roles = [
            a
            for a in graph.role_assignments(str(observed.exchange_sp["id"]))
            if a.get("principalId") == sp_id
        ]
    return observed


def needs_exchange(actions: list[p.Action]) -> bool:
    keys = {a.key for a in actions if a.status == "planned"}
    return bool(keys & {p.CONSENT_EXCHANGE, p.APP_ROLE})


class Applier:
    """Carries out planned actions against Graph, updating :class:`Observed` as it goes."""

    def __init__(
        self,
        graph: GraphClient,
        observed: p.Observed,
        *,
        flow: AuthFlow,
        name: str,
        secret_months: int,
        keep_secret: Callable[[str, str], None],
    ) -> None:
        self.graph = graph
        self.observed = observed
        self.flow = flow
        self.name = name
        self.secret_months = secret_months
        self.keep_secret = keep_secret  # (secret value, end date) -> stores or shows it once

    def run(self, action: p.Action) -> None:
        getattr(self, "_" + action.key)()

    # The app (A5–A6, A10–A11, A17–A18) -------------------------------------------------------

    def _create_app(self) -> None:
        body: dict[str, Any] = {
            "displayName": self.name,
            "signInAudience": p.SINGLE_TENANT,
            "requiredResourceAccess": p.wanted_access(self.flow),
        }
        if self.flow is AuthFlow.USER_PASSWORD:
            body["isFallbackPublicClient"] = True
        self.observed.app = self.graph.create_application(body)

    def _single_tenant(self) -> None:
        app = self._app()
        self.graph.update_application(app["id"], {"signInAudience": p.SINGLE_TENANT})
        app["signInAudience"] = p.SINGLE_TENANT

    def _permissions(self) -> None:
        app = self._app()
        access = p.merged_access(app, self.flow)
        self.graph.update_application(app["id"], {"requiredResourceAccess": access})
        app["requiredResourceAccess"] = access

    def _public_client(self) -> None:
        app = self._app()
        self.graph.update_application(app["id"], {"isFallbackPublicClient": True})
        app["isFallbackPublicClient"] = True

    # Consent (A14–A15) ------------------------------------------------------------------------

    def _service_principal(self) -> None:
        client_id = self.observed.client_id
        try:
            self.observed.app_sp = self.graph.create_service_principal(client_id)
        except GraphError as exc:
            # Someone (or a run that died after this call) made it already: use that one.
            if exc.status not in (400, 409) or "already" not in exc.message.lower():
                raise
            self.observed.app_sp = self.graph.retry_read(
                lambda: self.graph.service_principal(client_id), until=lambda sp: sp is not None
            )

    def _consent(self, resource_sp: dict[str, Any] | None, scope: str) -> None:
        if resource_sp is None:
            raise Refused("NO_EXCHANGE_ONLINE")
        app_sp = self._app_sp()
        grant = p.tenant_grant(self.observed, resource_sp)
        if grant is None:
            made = self.graph.create_permission_grant(
                str(app_sp["id"]), str(resource_sp["id"]), scope
            )
            self.observed.grants.append(made)
            return
        scopes = str(grant.get("scope", "")).split()
        if scope not in scopes:
            joined = " ".join([*scopes, scope])
            self.graph.update_permission_grant(str(grant["id"]), joined)
            grant["scope"] = joined

    def _consent_exchange(self) -> None:
        self._consent(self.observed.exchange_sp, p.EWS_SCOPE)

    def _consent_graph(self) -> None:
        if self.observed.graph_sp is None:
            raise GraphError(
                404, "Request_ResourceNotFound", "Microsoft Graph has no service principal"
            )
        self._consent(self.observed.graph_sp, p.USER_READ_SCOPE)

    # Client secret flow (field 23) ------------------------------------------------------------

    def _app_role(self) -> None:
        if self.observed.exchange_sp is None:
            raise Refused("NO_EXCHANGE_ONLINE")
        made = self.graph.assign_app_role(
            str(self._app_sp()["id"]),
            str(self.observed.exchange_sp["id"]),
            p.FULL_ACCESS_AS_APP_ROLE_ID,
        )
        self.observed.exchange_roles.append(made)

    def _secret(self) -> None:
        app = self._app()
        end = datetime.now(timezone.utc) + timedelta(days=round(30.4 * self.secret_months))
        end_text = end.strftime("%Y-%m-%dT%H:%M:%SZ")
        made = self.graph.add_password(app["id"], "mailsetup", end_text)
        value = str(made.pop("secretText", "") or "")
        app.setdefault("passwordCredentials", []).append(made)
        self.keep_secret(value, end_text)

    def _settings(self) -> None:
        """Written by the caller, which owns the settings file (see :mod:`tui.register.run`)."""

    # ------------------------------------------------------------------------------------------

    def _app(self) -> dict[str, Any]:
        if self.observed.app is None:
            raise Refused("APP_NOT_FOUND")
        return self.observed.app

    def _app_sp(self) -> dict[str, Any]:
        if self.observed.app_sp is None:
            self._service_principal()
        assert self.observed.app_sp is not None
        return self.observed.app_sp
