"""``mailsetup register --check``: the read-only doctor of a registration.

:func:`requirements` says, for each thing the guide asks of the app registration, whether the
tenant meets it (``ok``, ``warning`` or ``failed``, with a detail), from what was observed
(:class:`~tui.register.observed.Observed`); it changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.guide import EWS_ACCESS_AS_USER_SCOPE_ID, GRAPH_USER_READ_SCOPE_ID
from tui.register.observed import (
    EWS_SCOPE,
    FULL_ACCESS_AS_APP_ROLE_ID,
    SINGLE_TENANT,
    Observed,
    granted_scopes,
    has_app_role,
    missing_access,
    secret_days_left,
)
from tui.settings.model import AuthFlow

SECRET_WARN_DAYS = 30


@dataclass
class Requirement:
    """One line of ``--check``: a guide requirement and whether the registration meets it."""

    code: str
    step: str
    what: str
    status: str  # ok | warning | failed
    detail: str = ""


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
