"""The diagnosis table: every failure the checks know, as data (Entra ID here; EWS codes, HTTP and
network in :mod:`tui.checks.diagnoses_exchange`; Exchange's 401/403 refusals in
:mod:`tui.checks.diagnoses_access`; all re-exported from here).

Each entry says in plain words what went wrong (``cause``), which guide step fixes it (``step``:
one id, or an (outgoing, incoming) pair when the fix lives in stage B or C depending on what was
checked), what to do (``fix``) and where that meaning comes from (``evidence``). Keys are Entra's
AADSTS numbers, Entra's ``error`` field as a fallback, EWS response codes / exchangelib exception
names, HTTP statuses and our own network and token codes. :mod:`tui.checks.diagnose` turns raw
errors into :class:`Diagnosis` objects with these words; nothing here talks to the network.
"""

from __future__ import annotations

from tui.checks.diagnoses_access import ACCESS, EXCHANGE_401
from tui.checks.diagnoses_exchange import EWS, HTTP, NETWORK, PIPELINE, WARNINGS
from tui.checks.diagnosis_entry import (
    CREDENTIALS,
    ENTRA_CODES_DOC,
    EWS_DEADLINE,
    EWS_POWERSHELL,
    RETEST,
    SECRET,
    THROTTLED,
    USER,
    WIRE,
    Entry,
    _e,
    uncatalogued,
)

__all__ = [
    "ACCESS",
    "ENTRA",
    "ENTRA_ERRORS",
    "EWS",
    "EWS_DEADLINE",
    "EWS_POWERSHELL",
    "EXCHANGE_401",
    "HTTP",
    "MISSING_FIELD_STEPS",
    "NETWORK",
    "PIPELINE",
    "RETEST",
    "WARNINGS",
    "Entry",
    "all_entries",
    "uncatalogued",
]

_SIGN_IN_LOGS = (
    "In Entra ID → Sign-in logs, look up the correlation ID below to see which policy applied"
)

_WRONG_PASSWORD = _e(
    "Wrong user name or password",
    "Entra ID refused the user name and password.",
    CREDENTIALS,
    "Type the password again (no leading or trailing spaces). If the user signs in through a "
    "federated (on-premises) identity provider, this flow cannot check the password in the "
    "cloud: use a cloud account.",
    evidence=ENTRA_CODES_DOC + " (50126)",
)
_PASSWORD_EXPIRED = _e(
    "Password expired",
    "The user's password has expired, so Entra ID will not issue a token until it is changed.",
    CREDENTIALS,
    "Sign in once as this user (e.g. at https://myaccount.microsoft.com), set a new password, "
    "then enter the new password here. Consider a password that does not expire for a mailbox "
    "used by a service.",
    evidence=ENTRA_CODES_DOC + " (50055, 50144)",
)
# The account is picked at A19, and the guide's own limitation text lives there and at A17: this
# flow sends a password and can never answer an MFA prompt. B12 is only where it is typed.
_MFA = _e(
    "Multi-factor authentication required",
    "The sign-in needs a second factor (MFA or MFA registration), which the User name/Password "
    "flow can never provide.",
    "A19",
    "Use a mailbox account that is not asked for MFA: exclude it from MFA with a Conditional "
    "Access policy scoped to this app (see A17 and A19), or switch the authentication flow to "
    "Client secret (B8/C7).",
    evidence=ENTRA_CODES_DOC + " (50076, 50079, 50072, 50074, 50158)",
)
_BLOCKED_BY_POLICY = _e(
    "Blocked by Conditional Access",
    "A Conditional Access policy or the tenant's security defaults blocked this sign-in.",
    "A19",
    f"{_SIGN_IN_LOGS}; exclude this account or app from it, or turn off security defaults if "
    "your tenant relies on Conditional Access instead.",
    evidence=ENTRA_CODES_DOC + " (53003, 530035, 50131, 530032)",
)
_DEVICE_POLICY = _e(
    "Conditional Access asks for a managed device",
    "A Conditional Access policy demands a compliant, domain-joined or approved device (or app). "
    "A user name and password sent from a server can never satisfy that, so waiting or "
    "retrying will not help.",
    "A19",
    f"{_SIGN_IN_LOGS}, then exclude this mailbox account (or this app) from that policy, or use "
    "the Client secret flow (B8/C7), which device policies do not cover.",
    evidence=ENTRA_CODES_DOC + " (53000 DeviceNotCompliant, 53001 DeviceNotDomainJoined, "
    "53002 ApplicationUsedIsNotAnApprovedApp)",
)
_RISKY = _e(
    "Sign-in blocked as risky",
    "Entra ID Protection considers this user or sign-in risky and asks for a password change or "
    "MFA registration, which this flow cannot do.",
    "A19",
    "An admin looks at Entra ID → Protection → Risky users, remediates or dismisses the risk "
    "(or the user changes the password interactively), then test again.",
    evidence=ENTRA_CODES_DOC + " (50135 PasswordChangeCompromisedPassword, 53004 "
    "ProofUpBlockedDueToRisk, 53011 user blocked due to risk on home tenant)",
)
_MFA_CODES = (50076, 50079, 50072, 50074, 50158)
_SECRET_WRONG = _e(
    "Client secret not accepted",
    "Entra ID did not accept the client secret.",
    SECRET,
    "In the app's Certificates & secrets, create a new client secret and copy its Value (not the "
    "Secret ID) into Client secret (field 23).",
    evidence=ENTRA_CODES_DOC + " (70002, invalid_client)",
)
_PERMISSION_MISSING = _e(
    "Permission missing from the app registration",
    "The app registration does not list the Exchange permission this check asks for.",
    "A10",
    "Paste the permission block into the manifest (A10, see `mailsetup manifest`), save it, "
    "confirm EWS.AccessAsUser.All (A13) and grant admin consent again (A14).",
    evidence=ENTRA_CODES_DOC + " (650056, 650057)",
)
_NO_EXCHANGE = _e(
    "Exchange Online not found in the tenant",
    "Entra ID does not know the Exchange Online resource in this tenant: the scope is wrong or "
    "the tenant has no Exchange Online licence.",
    "A10",
    "Check that the tenant has Exchange Online (a licensed mailbox) and that the manifest block "
    "(A10) names resource 00000002-0000-0ff1-ce00-000000000000.",
    evidence=ENTRA_CODES_DOC + " (500011)",
)
_SCOPE_BUG = _e(
    "Scope rejected",
    "Entra ID rejected the scope the check asked for. This is a fault in mailsetup, not in your "
    "setup.",
    RETEST,
    "Report it to the vendor with the raw error below; your settings need no change.",
    evidence=ENTRA_CODES_DOC + " (70011, 700022, 1002012)",
)
_PERSONAL_ACCOUNT = _e(
    "Not a work account of this tenant",
    "The user is a personal Microsoft account or a guest from another tenant; the User "
    "name/Password flow only works for the tenant's own work accounts.",
    USER,
    "Use a work account that belongs to this tenant (its user principal name).",
    evidence=ENTRA_CODES_DOC + " (500208, 50020)",
)
_APP_DISABLED = _e(
    "The app is disabled in this tenant",
    "Entra ID knows the app but it is disabled here: its enterprise application is not enabled "
    "for sign-in, or Microsoft disabled it.",
    "A8",
    "In Entra ID → Enterprise applications → this app → Properties, set 'Enabled for users to "
    "sign in?' to Yes and save; check that the Application (client) ID (A8) is the app you "
    "mean.",
    evidence=ENTRA_CODES_DOC + " (7000112 UnauthorizedClientApplicationDisabled, 70001)",
)
_EMPTY_FIELD = _e(
    "A value reached Microsoft empty",
    "Entra ID says a value it requires was missing from the request: a field of the settings "
    "is empty (the field is named in the raw error below).",
    USER,
    "Fill in the field named below (user name, password, client ID or client secret) and test "
    "again.",
    evidence=ENTRA_CODES_DOC + " (90014 MissingRequiredField, 900144 request body must contain "
    "the parameter)",
)

# Which guide step fills the parameter Entra names in 90014 / 900144, by flow-neutral name.
MISSING_FIELD_STEPS: dict[str, str | tuple[str, str]] = {
    "client_id": "A8",
    "username": USER,
    "password": CREDENTIALS,
    "client_secret": SECRET,
    "client_assertion": SECRET,
}

# Entra ID (AADSTS numbers), from Microsoft's error code reference and ../shared/notes/microsoft.md.
ENTRA: dict[int, Entry] = {
    90002: _e(
        "Tenant not found",
        "Entra ID does not know the Directory (tenant) ID.",
        "A8",
        "Copy the Directory (tenant) ID again from the app's Overview page (A8); a verified domain "
        "of the tenant also works.",
        evidence=ENTRA_CODES_DOC + " (90002)",
    ),
    # 9001023 is about the grant type, 50194 about a single-tenant app: they were swapped once.
    9001023: _e(
        "This sign-in does not work through /common",
        "The user name/password and client secret grants are not supported on the shared "
        "/common or /consumers endpoints: the tenant must be named.",
        "A8",
        "Enter the Directory (tenant) ID from A8 (or a verified domain) instead of 'common' or "
        "'consumers'.",
        evidence=WIRE + "microsoft/mscloudloginassistant issue 100 (AADSTS9001023: The grant "
        "type is not supported over the /common or /consumers endpoints)",
    ),
    50194: _e(
        "Single-tenant app used through /common",
        "The app is registered for its own tenant only, so it cannot sign in through the "
        "shared /common endpoint.",
        "A8",
        "Enter the Directory (tenant) ID from A8 instead of 'common' or 'organizations'.",
        evidence=WIRE + "Microsoft Q&A answer 982308 (AADSTS50194: Application ... is not "
        "configured as a multi-tenant application. Usage of the /common endpoint is not "
        "supported)",
    ),
    700016: _e(
        "Application not found in the tenant",
        "Entra ID does not know the Application (client) ID in this tenant: it is mistyped, "
        "belongs to another tenant, or the app was registered a moment ago and has not reached "
        "every server yet.",
        "A8",
        "Compare the Application (client) ID and Directory (tenant) ID with the app's Overview "
        "page (A8). If the app is brand new, wait a few minutes and test again.",
        retryable=True,
        evidence=ENTRA_CODES_DOC + " (700016)",
    ),
    7000218: _e(
        "Public client flows are off",
        "The app is not allowed to sign in with a user name and password: 'Allow public client "
        "flows' is off, so Entra ID asks for a client secret.",
        "A17",
        "In the app's Authentication page, Advanced settings, set 'Allow public client flows' to "
        "Yes (A17) and save (A18).",
        evidence=ENTRA_CODES_DOC + " (7000218)",
    ),
    65001: _e(
        "No admin consent",
        "Nobody has consented to the app's permissions in this tenant (or consent was granted a "
        "moment ago and has not reached every server yet).",
        "A14",
        "In API permissions, press 'Grant admin consent for <tenant>' (A14) and check that the "
        "status turns green (A15); if you just did, wait a few minutes and test again.",
        retryable=True,
        evidence=ENTRA_CODES_DOC + " (65001, suberror consent_required)",
    ),
    650056: _PERMISSION_MISSING,
    650057: _PERMISSION_MISSING,
    500011: _NO_EXCHANGE,
    70011: _SCOPE_BUG,
    700022: _SCOPE_BUG,
    1002012: _e(
        "Client-credentials scope without /.default",
        "The Client secret flow must ask for the resource's /.default scope; mailsetup asked for "
        "another one. This is a fault in mailsetup, not in your setup.",
        RETEST,
        "Report it to the vendor with the raw error below; your settings need no change.",
        evidence=ENTRA_CODES_DOC + " (1002012: client credential flows must have a scope value "
        "with /.default suffixed to the resource identifier)",
    ),
    50126: _WRONG_PASSWORD,
    50034: _e(
        "User not found",
        "The user name does not exist in this tenant.",
        USER,
        "Use the user principal name of an existing user of this tenant (A19), usually the "
        "e-mail address; check for typos and the domain.",
        evidence=ENTRA_CODES_DOC + " (50034)",
    ),
    50053: _e(
        "Account locked",
        "Entra ID's smart lockout has locked the account after failed sign-ins; it also answers "
        "so for sign-ins from an IP address it considers suspicious. The lock starts at about a "
        "minute and grows with each further failed attempt.",
        CREDENTIALS,
        "Stop testing now: every retry with a wrong password extends the lock. Check the "
        "password first; an admin sees the reason in Entra ID → Sign-in logs (correlation ID "
        "below) and can reset the password or unblock the user.",
        evidence=ENTRA_CODES_DOC + " (50053 IdsLocked); Microsoft doc: Protect user accounts "
        "from attacks with Microsoft Entra smart lockout (one minute at first, longer after)",
    ),
    50055: _PASSWORD_EXPIRED,
    50144: _PASSWORD_EXPIRED,
    50056: _e(
        "No password in the cloud",
        "The user has no password stored in Entra ID (e.g. a federated user without password "
        "hash sync).",
        CREDENTIALS,
        "Enable password hash synchronisation for this user, or use a cloud-only account.",
        evidence=ENTRA_CODES_DOC + " (50056)",
    ),
    50057: _e(
        "Account disabled",
        "The user account is disabled in Entra ID. A shared mailbox's account is disabled by "
        "default: it is not meant to sign in.",
        USER,
        "Enable the account (Entra ID → Users → the user → Account enabled) or use another "
        "account. For a shared mailbox, sign in as a licensed user with Full Access to it, or "
        "use the Client secret flow.",
        evidence=ENTRA_CODES_DOC + " (50057 UserDisabled); Microsoft doc: About shared "
        "mailboxes (sign-in for the shared mailbox account is blocked)",
    ),
    **{code: _MFA for code in _MFA_CODES},
    53000: _DEVICE_POLICY,
    53001: _DEVICE_POLICY,
    53002: _DEVICE_POLICY,
    53003: _BLOCKED_BY_POLICY,
    530035: _BLOCKED_BY_POLICY,
    50131: _BLOCKED_BY_POLICY,
    530032: _BLOCKED_BY_POLICY,
    50135: _RISKY,
    53004: _RISKY,
    53011: _RISKY,
    7000112: _APP_DISABLED,
    70001: _APP_DISABLED,
    90014: _EMPTY_FIELD,
    900144: _EMPTY_FIELD,
    50105: _e(
        "User not assigned to the app",
        "The app requires user assignment and this user is not assigned to it.",
        "A19",
        "In Enterprise applications → the app → Users and groups, add this user, or set "
        "'Assignment required' to No.",
        evidence=ENTRA_CODES_DOC + " (50105)",
    ),
    7000215: _e(
        "Secret ID pasted instead of the secret value",
        "The client secret is not valid; most often the Secret ID was copied instead of the Value.",
        SECRET,
        "Create a new client secret and copy the Value column (shown only once) into Client "
        "secret (field 23), not the Secret ID.",
        evidence=ENTRA_CODES_DOC + " (7000215)",
    ),
    7000222: _e(
        "Client secret expired",
        "The client secret has passed its expiry date.",
        SECRET,
        "Create a new client secret in Certificates & secrets and enter its Value in Client "
        "secret (field 23).",
        evidence=ENTRA_CODES_DOC + " (7000222)",
    ),
    70002: _SECRET_WRONG,
    700025: _e(
        "Secret sent by a public client",
        "The app is a public client (public client flows are on), so it must not send a client "
        "secret.",
        SECRET,
        "Choose User name/Password as authentication flow (B8/C7), or turn 'Allow public client "
        "flows' off (A17) to use the Client secret flow.",
        evidence=ENTRA_CODES_DOC + " (700025)",
    ),
    50173: _e(
        "Sign-in revoked",
        "The user's earlier sign-ins were revoked (password change or an admin's action).",
        CREDENTIALS,
        "Enter the user's current password and test again.",
        evidence=ENTRA_CODES_DOC + " (50173)",
    ),
    50196: THROTTLED,
    500208: _PERSONAL_ACCOUNT,
    50020: _PERSONAL_ACCOUNT,
}

# Entra's `error` field, for answers without a known AADSTS number (Microsoft advises branching
# on it).
ENTRA_ERRORS: dict[str, Entry] = {
    "invalid_tenant": ENTRA[90002],
    "invalid_client": _SECRET_WRONG,
    "unauthorized_client": ENTRA[700016],
    "invalid_grant": _WRONG_PASSWORD,
    "interaction_required": _MFA,
    "consent_required": ENTRA[65001],
    "invalid_scope": _SCOPE_BUG,
    "temporarily_unavailable": THROTTLED,
}


def all_entries() -> dict[str, Entry]:
    """Every catalogued entry by code, e.g. for a test that every guide step id exists."""
    table = {f"AADSTS{n}": e for n, e in ENTRA.items()}
    table.update({f"error:{k}": e for k, e in ENTRA_ERRORS.items()})
    for part in (ACCESS, EWS, HTTP, NETWORK, WARNINGS, PIPELINE):
        table.update(part)
    return table
