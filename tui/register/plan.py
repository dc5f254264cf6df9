"""Stage A as a plan: what the tenant has, what the guide asks for, and the changes in between.

:func:`observe` reads the registration over Graph into :class:`Observed`; :func:`plan` compares
it with the guide (one :class:`Action` per guide step, ``planned`` or ``unchanged``);
:func:`requirements` is the read-only doctor behind ``--check``. Both are pure functions of what
was observed, so a second run after a complete one plans nothing, and a run that died half-way
is completed, never duplicated (the app is found again by its client ID or its name).

:class:`Observed` and the questions asked of it are in :mod:`tui.register.observed`, the doctor
in :mod:`tui.register.doctor`; the register modules and tests reach them all through this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.guide import EXCHANGE_RESOURCE_APP_ID, GRAPH_RESOURCE_APP_ID
from tui.register.doctor import SECRET_WARN_DAYS, Requirement, requirements
from tui.register.observed import (
    EWS_SCOPE,
    FULL_ACCESS_AS_APP_ROLE_ID,
    SINGLE_TENANT,
    USER_READ_SCOPE,
    Observed,
    granted_scopes,
    has_app_role,
    merged_access,
    missing_access,
    secret_days_left,
    tenant_grant,
    wanted_access,
)
from tui.settings.model import AuthFlow

DEFAULT_APP_NAME = "Monitor ERP e-mail"

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
class Action:
    """One line of the plan: the guide step, what changes, and where it stands."""

    key: str
    step: str
    what: str
    status: str = "planned"  # planned | unchanged | done | failed

    def to_dict(self) -> dict[str, str]:
        return {"step": self.step, "what": self.what, "status": self.status}


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


# Observed, the questions asked of it and the doctor live in their own modules; the register
# modules and tests import them from here (``from tui.register import plan as p``).
__all__ = [
    "APP_ROLE",
    "CONSENT_EXCHANGE",
    "CONSENT_GRAPH",
    "CREATE_APP",
    "DEFAULT_APP_NAME",
    "EWS_SCOPE",
    "EXCHANGE_RESOURCE_APP_ID",
    "FULL_ACCESS_AS_APP_ROLE_ID",
    "GRAPH_RESOURCE_APP_ID",
    "PERMISSIONS",
    "PORTAL_STEPS_DONE",
    "PUBLIC_CLIENT",
    "SECRET",
    "SECRET_WARN_DAYS",
    "SERVICE_PRINCIPAL",
    "SETTINGS",
    "SINGLE_TENANT",
    "SINGLE_TENANT_ONLY",
    "USER_READ_SCOPE",
    "Action",
    "Observed",
    "Requirement",
    "granted_scopes",
    "has_app_role",
    "merged_access",
    "missing_access",
    "plan",
    "requirements",
    "secret_days_left",
    "tenant_grant",
    "wanted_access",
]
