"""Why `mailsetup register` could not do stage A, as data: cause, guide step, fix, evidence.

The same :class:`~tui.checks.events.Diagnosis` shape as the live checks, so the wizard and
``--json`` show a refusal exactly as they show a failed check. Network, proxy and TLS trouble
take their words from the checks' own table (one explanation for one cause).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tui.checks.events import Diagnosis

FIX_BY_HAND = "or do stage A by hand in the Entra admin center (steps A1–A19 in the wizard)"


@dataclass(frozen=True)
class Refusal:
    cause: str
    step: str
    fix: str
    evidence: str
    retryable: bool = False


_ROLES = (
    "Creating the app and consenting to its delegated permissions (EWS.AccessAsUser.All, "
    "User.Read) needs Application Administrator or Cloud Application Administrator; those roles "
    "may also assign application permissions of APIs other than Microsoft Graph, such as "
    "Exchange's full_access_as_app. Privileged Role Administrator or Global Administrator can do "
    "all of it."
)

REFUSALS: dict[str, Refusal] = {
    "Authorization_RequestDenied": Refusal(
        "Microsoft Graph refused the change: the admin who signed in lacks the directory role "
        "for it.",
        "A1",
        f"{_ROLES} Sign in again with such an admin (or ask one to run this), {FIX_BY_HAND}.",
        "Microsoft Graph error codes (Authorization_RequestDenied, 'Insufficient privileges to "
        "complete the operation'); Entra 'Least privileged roles by task' (consent to "
        "application permissions for APIs other than Microsoft Graph)",
    ),
    "AADSTS65001": Refusal(
        "The tenant does not let this admin consent to the sign-in app mailsetup uses "
        "(Microsoft Graph Command Line Tools): user consent is off and it has no admin consent.",
        "A1",
        "A Global Administrator can grant consent to 'Microsoft Graph Command Line Tools' once "
        "(Enterprise applications), or set azure.admin_client_id to a public client app of your "
        f"own that has the delegated Graph permissions; {FIX_BY_HAND}.",
        "Entra error codes reference (AADSTS65001 consent_required)",
    ),
    "AADSTS90094": Refusal(
        "Admin approval is required before this sign-in app may be used in the tenant (the admin "
        "consent workflow holds the request).",
        "A1",
        "Sign in as a Global Administrator, or have the pending request approved under "
        f"Enterprise applications → Admin consent requests, then run again; {FIX_BY_HAND}.",
        "Entra error codes reference (AADSTS90094 admin consent required)",
    ),
    "AADSTS53003": Refusal(
        "A Conditional Access policy blocked the sign-in, most likely an authentication-flows "
        "policy that forbids device code sign-in.",
        "A1",
        "Ask who manages Conditional Access to exclude this admin from the device-code block for "
        f"the duration, {FIX_BY_HAND} (the wizard guides it; F1 on each step).",
        "Entra error codes reference (AADSTS53003); Microsoft: 'Block authentication flows with "
        "Conditional Access policy'",
    ),
    "authorization_declined": Refusal(
        "The sign-in was declined on the device-code page.",
        "A1",
        "Run again and approve the sign-in, with an admin account of the tenant that holds the "
        "mailboxes.",
        "Microsoft identity platform: OAuth 2.0 device authorization grant (error codes)",
    ),
    "expired_token": Refusal(
        "The device code expired before the sign-in was completed (codes live about 15 minutes).",
        "A1",
        "Run again and enter the new code promptly.",
        "Microsoft identity platform: OAuth 2.0 device authorization grant (error codes)",
    ),
    "bad_verification_code": Refusal(
        "Entra ID did not recognise the device code.",
        "A1",
        "Run again; if it repeats, check that the sign-in host (azure.authority_host) is right.",
        "Microsoft identity platform: OAuth 2.0 device authorization grant (error codes)",
    ),
    "NO_EXCHANGE_ONLINE": Refusal(
        "The tenant has no service principal for Office 365 Exchange Online "
        "(00000002-0000-0ff1-ce00-000000000000): it has no Exchange Online, so there is nothing "
        "to grant EWS access to.",
        "A8",
        "Check that you signed in to the tenant that holds the mailboxes (azure.tenant_id), and "
        "that it has Exchange Online licences.",
        "inference: every tenant with Exchange Online has that service principal (Microsoft: "
        "'Application and service principal objects'; the appId is Office 365 Exchange Online's)",
    ),
    "SEVERAL_APPS": Refusal(
        "Several app registrations have this name, so mailsetup cannot tell which one to use.",
        "A8",
        "Run again with --client-id set to the Application (client) ID of the one to use (listed "
        "below), or with --name to choose another name.",
        "inference: display names are not unique in Entra ID (Graph application resource)",
    ),
    "APP_NOT_FOUND": Refusal(
        "No app registration with this Application (client) ID exists in the tenant you signed "
        "in to.",
        "A8",
        "Check the ID (A8) and the tenant; leave --client-id out to let mailsetup create the app.",
        "Microsoft Graph: GET /applications?$filter=appId eq '…' returns an empty list",
    ),
    "SECRET_NOWHERE": Refusal(
        "A client secret is needed, but store_secrets is false and no terminal is attached to "
        "show it once, so the value would be lost.",
        "23",
        "Run in a terminal, or set store_secrets = true for this run.",
        "inference: Graph returns secretText only in the addPassword answer",
    ),
    "Request_ResourceNotFound": Refusal(
        "Microsoft Graph did not find an object mailsetup had just read or created; a new object "
        "can take a while to reach every replica.",
        "A1",
        "Wait a minute and run again: the run picks up where this one stopped.",
        "Microsoft Graph: 'Known issues' and eventual consistency of directory objects",
        retryable=True,
    ),
    "TooManyRequests": Refusal(
        "Microsoft Graph is throttling this tenant or app and asked for a longer wait than a run "
        "accepts.",
        "A1",
        "Wait a few minutes and run again; the run picks up where this one stopped.",
        "Microsoft Graph throttling guidance (429 with Retry-After)",
        retryable=True,
    ),
}


def diagnosis(code: str, raw: Mapping[str, Any] | None = None, *, step: str = "") -> Diagnosis:
    """The diagnosis for a code of :data:`REFUSALS`, else an honest "not in the table"."""
    entry = REFUSALS.get(code)
    if entry is None:
        return Diagnosis(
            code=code or "UNCATALOGUED",
            cause=f"Microsoft answered with an error mailsetup does not know yet ({code}).",
            guide_step=step or "A1",
            fix="Look the code up in Microsoft's documentation; give Microsoft support the raw "
            "error below (request-id and date), " + FIX_BY_HAND + ".",
            raw=dict(raw or {}),
        )
    return Diagnosis(
        code=code,
        cause=entry.cause,
        guide_step=step or entry.step,
        fix=entry.fix,
        raw=dict(raw or {}),
        retryable=entry.retryable,
    )


def from_graph_error(error: Any, step: str) -> Diagnosis:
    """A Graph refusal (:class:`~tui.register.graph.GraphError`) during the action at ``step``."""
    code = error.code
    if error.status == 429:
        code = "TooManyRequests"
    elif error.status == 403:
        code = "Authorization_RequestDenied"  # Graph's code for a missing role; 403 means the same
    return diagnosis(code, error.raw(), step=step)


def from_entra(result: Mapping[str, Any]) -> Diagnosis:
    """A refused sign-in: msal's result dict with Entra's error fields."""
    raw = {
        k: result[k]
        for k in (
            "error",
            "error_description",
            "error_codes",
            "trace_id",
            "correlation_id",
            "timestamp",
            "suberror",
        )
        if k in result
    }
    codes = result.get("error_codes") or []
    for number in codes:
        code = f"AADSTS{number}"
        if code in REFUSALS:
            return diagnosis(code, raw)
    error = str(result.get("error") or "")
    if error in REFUSALS:
        return diagnosis(error, raw)
    if error in ("authorization_pending", "slow_down"):
        # msal stops polling by itself once the code's lifetime is over, and hands back the last
        # answer it had: the code expired before anyone signed in.
        return diagnosis("expired_token", raw)
    if error == "consent_required" or result.get("suberror") == "consent_required":
        return diagnosis("AADSTS65001", raw)
    label = f"AADSTS{codes[0]}" if codes else (error or "UNCATALOGUED")
    return diagnosis(label, raw)


def from_exception(exc: BaseException, step: str) -> Diagnosis:
    """Network, proxy and TLS trouble, worded as the live checks word them."""
    from tui.checks import diagnose

    checked = diagnose.from_exception(exc, "outgoing")
    return Diagnosis(
        code=checked.code,
        cause=checked.cause,
        guide_step=step or "A1",
        fix=checked.fix,
        raw=checked.raw,
        retryable=checked.retryable,
    )
