"""The diagnosis table, Exchange Online's refusals: a 401 (the token was refused) by its
``x-ms-diagnostics`` number, and a 403 (a policy block: stage E of the guide).

Evidence (../shared/notes/microsoft.md, "Exchange Online's refusals"): Exchange answers 401 with
``WWW-Authenticate: Bearer ... error="invalid_token"`` and usually
``x-ms-diagnostics: NNNNNNN;reason="...";error_category="..."``; a 401 is never the EWS switch.
A blocked tenant, app or mailbox gets a bare 403 ("403 is policy block"). Data only.
"""

from __future__ import annotations

from tui.checks.diagnosis_entry import (
    DOC,
    EWS_ACCESS_DOC,
    EWS_DEADLINE,
    EWS_MAILBOX_POWERSHELL,
    EWS_POWERSHELL,
    INFERENCE,
    RETEST,
    SERVER,
    USER,
    WIRE,
    Entry,
    _e,
)

_FREE_BUSY_DOC = (
    DOC + "troubleshooting free/busy issues in Exchange hybrid environments (x-ms-diagnostics "
    "2000000, 2000003, 2000005)"
)
_NOT_THE_SWITCH = "A 401 means the token was refused, not that EWS is switched off."

ACCESS: dict[str, Entry] = {
    "TOKEN_NO_PERMISSIONS": _e(
        "No EWS permission in the token",
        "Exchange found no permission it understands in the token (x-ms-diagnostics 2000008): "
        "EWS.AccessAsUser.All (User name/Password) or full_access_as_app (Client secret) is "
        "missing, has no admin consent, or consent was granted within the last hour and Exchange "
        f"has not learnt it yet. {_NOT_THE_SWITCH}",
        "A14",
        "Check the permissions under API permissions (A12–A13; for the Client secret flow the "
        "application permission full_access_as_app) and grant admin consent (A14, green at "
        "A15). Right after consent, test again within the hour.",
        retryable=True,
        evidence=WIRE + "otris/ews-cpp issue 148 (Exchange Online, 2000008 'The token contains "
        "no permissions, or permissions can not be understood.'); the hour after consent is "
        f"{INFERENCE} from Microsoft's propagation notes",
    ),
    "TOKEN_WRONG_AUDIENCE": _e(
        "Token is for another server",
        "Exchange refused the token because its audience does not match the EWS host it was "
        "sent to (x-ms-diagnostics 2000003, invalid_resource). mailsetup asks for a token for "
        f"the server address in the settings, so that address is the likely mismatch. "
        f"{_NOT_THE_SWITCH}",
        SERVER,
        "Use outlook.office365.com as server address (B5/C3), the host name only.",
        evidence=_FREE_BUSY_DOC + "; wire sample: a 2017 Exchange Online capture of 2000003 "
        "\"The audience claim value is invalid 'aud'.\"",
    ),
    "TOKEN_TENANT_UNKNOWN": _e(
        "Tenant unknown to Exchange Online",
        "Exchange Online does not know the tenant the token was issued for (x-ms-diagnostics "
        "2000004): the Directory (tenant) ID names another tenant, or this tenant has no "
        "Exchange Online.",
        "A8",
        "Copy the Directory (tenant) ID again from the app's Overview page (A8) and check that "
        "the tenant has Exchange Online (a licensed mailbox).",
        evidence=DOC + "Microsoft support article on Skype for Business and Exchange "
        "integration (2000004 'The tenant for tenant guid ... does not exist.')",
    ),
    "TOKEN_USER_UNKNOWN": _e(
        "User unknown to Exchange Online",
        "Exchange Online does not know the user the token was issued for, or finds it "
        "ambiguous (x-ms-diagnostics 2000005): a wrong user name, or a user without an Exchange "
        "Online licence or mailbox.",
        USER,
        "Check the user name (its user principal name) and, in the Microsoft 365 admin center, "
        "that the user has a licence with Exchange Online.",
        evidence=_FREE_BUSY_DOC,
    ),
    "TOKEN_INVALID": _e(
        "Exchange refused the token as invalid",
        "Exchange could not accept the token (x-ms-diagnostics 2000001, invalid_token); its own "
        "reason follows. This is Exchange's general refusal; on its own it does not mean the "
        "token expired.",
        RETEST,
        "Read Exchange's reason below and test again (mailsetup fetches a new token); if it "
        "stays, give Microsoft support the raw answer.",
        evidence=DOC + "Microsoft Information Protection SDK, quick app initialization (2000001 "
        "'OAuth token submitted with the request cannot be parsed.')",
    ),
    "TOKEN_WEAK_AUTH": _e(
        "Sign-in method too weak for Exchange",
        "Exchange refused the token because the sign-in behind it used an authentication method "
        "it considers too weak (x-ms-diagnostics 2000001); its own reason follows.",
        "A19",
        "Look at the tenant's Conditional Access authentication strength for this account (A19) "
        "or use the Client secret flow (B8/C7).",
        evidence=WIRE + "Stack Overflow question 35610506 (2000001 'The access token is "
        "acquired using an authentication method that is too weak...')",
    ),
    "TOKEN_EXPIRED": _e(
        "Exchange says the token has expired",
        "Exchange's reason text says the token has expired; its own reason follows.",
        RETEST,
        "Test again: mailsetup fetches a new token for every run. If a fresh token is refused "
        "the same way, give Microsoft support the raw answer below.",
        retryable=True,
        evidence=INFERENCE + " from Exchange Server's own OAuth code (decompiled, public "
        "repository evilashz/exchange-server-27065, OAuthErrorCategory.cs: 2000002 token_expired, "
        "'The token has expired.'); no Exchange Online capture, so read only when the reason "
        "says so",
    ),
    "TOKEN_BAD_SIGNATURE": _e(
        "Token signature not accepted",
        "Exchange could not verify the token's signature (x-ms-diagnostics 2000000): it was not "
        "issued by the Entra ID that Exchange trusts for this tenant.",
        "A8",
        "Check the sign-in host in the check settings (login.microsoftonline.com for Exchange "
        "Online) and the Directory (tenant) ID (A8).",
        evidence=_FREE_BUSY_DOC,
    ),
    "HTTP401": _e(
        "Exchange refused the token",
        "Exchange answered 401: it refused the token without a reason mailsetup can read "
        f"(WWW-Authenticate follows). {_NOT_THE_SWITCH}",
        "A14",
        "Check the EWS permission and its admin consent (A12–A15) and the server address "
        "(B5/C3); give Microsoft support the raw answer below if both are right.",
        evidence=WIRE + "Exchange Online 401 answers carry WWW-Authenticate "
        'error="invalid_token" (see the x-ms-diagnostics samples); the causes named are '
        + INFERENCE,
    ),
    # 403 = policy block: the guide's stage E. One answer, several switches; which one is read
    # from the run (E3 when other mailboxes of the same app pass, see diagnose_run).
    "HTTP403": _e(
        "EWS not allowed for this app",
        "Exchange Online answered 403, a policy block. Most likely the organisation does not "
        "let this app use EWS: EwsEnabled is not true, or the app's client ID is missing from "
        "EwsAllowedAppIDs (tenants that never set it are blocked since 1 October 2026). A "
        "change to the allow list or consent in the last hours may also still be spreading "
        f"(up to 24 hours). EWS in Exchange Online ends on {EWS_DEADLINE}.",
        "E2",
        f"An Exchange admin runs E2 (read the list, add this app, write it back whole): "
        f"{EWS_POWERSHELL} — with the Application (client) ID from A8.",
        retryable=True,
        evidence=WIRE + "David-Barrett-MS/PowerShell-EWS-Scripts issue 62 ('403 is policy "
        "block'); " + EWS_ACCESS_DOC[len(DOC) :] + "; a bare 403 body is " + INFERENCE,
    ),
    "HTTP403_MAILBOX": _e(
        "EWS not allowed for this mailbox",
        "Exchange Online answered 403 for this mailbox while other mailboxes of the same app "
        "passed in this run, so the organisation allows this app: the mailbox's own EwsEnabled "
        "is false, or its only licence is Kiosk, F1 or F3 (refused EWS since 30 June 2026). A "
        "change made in the last hours may also still be spreading.",
        "E3",
        f"An Exchange admin checks the mailbox (E3): {EWS_MAILBOX_POWERSHELL}; or gives it a "
        "licence other than Kiosk, F1 or F3.",
        evidence=DOC + "message center MC1191578 (Kiosk/F1/F3 mailboxes get HTTP 403 from 30 "
        "June 2026); " + EWS_ACCESS_DOC[len(DOC) :] + " (per-mailbox EwsEnabled); the "
        "cross-mailbox reading is " + INFERENCE,
    ),
}

# x-ms-diagnostics number -> the code above (2000001 is split by its reason text in diagnose).
EXCHANGE_401: dict[int, str] = {
    2000000: "TOKEN_BAD_SIGNATURE",
    2000001: "TOKEN_INVALID",
    2000003: "TOKEN_WRONG_AUDIENCE",
    2000004: "TOKEN_TENANT_UNKNOWN",
    2000005: "TOKEN_USER_UNKNOWN",
    2000008: "TOKEN_NO_PERMISSIONS",
}
