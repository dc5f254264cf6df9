"""The diagnosis table: every failure the checks know, as data (Entra ID here, the Exchange,
HTTP and network side in :mod:`tui.checks.diagnoses_exchange`; both re-exported from here).

Each entry says in plain words what went wrong (``cause``), which guide step fixes it (``step``:
one id, or an (outgoing, incoming) pair when the fix lives in stage B or C depending on what was
checked) and what to do (``fix``). Keys are Entra's AADSTS numbers, Entra's ``error`` field as a
fallback, EWS response codes / exchangelib exception names, HTTP statuses and our own network and
token codes. :mod:`tui.checks.diagnose` turns raw errors into :class:`Diagnosis`
objects with these words; nothing here talks to the network.
"""

from __future__ import annotations

from tui.checks.diagnoses_exchange import EWS, HTTP, NETWORK, PIPELINE, WARNINGS
from tui.checks.diagnosis_entry import (
    CREDENTIALS,
    EWS_DEADLINE,
    EWS_POWERSHELL,
    RETEST,
    SECRET,
    THROTTLED,
    USER,
    Entry,
    _e,
    uncatalogued,
)

__all__ = [
    "ENTRA",
    "ENTRA_ERRORS",
    "EWS",
    "EWS_DEADLINE",
    "EWS_POWERSHELL",
    "HTTP",
    "NETWORK",
    "PIPELINE",
    "RETEST",
    "WARNINGS",
    "Entry",
    "all_entries",
    "uncatalogued",
]

_WRONG_PASSWORD = _e(
    "Wrong user name or password",
    "Entra ID refused the user name and password.",
    CREDENTIALS,
    "Type the password again (no leading or trailing spaces). If the user signs in through a "
    "federated (on-premises) identity provider, this flow cannot check the password in the "
    "cloud: use a cloud account.",
)
_PASSWORD_EXPIRED = _e(
    "Password expired",
    "The user's password has expired, so Entra ID will not issue a token until it is changed.",
    CREDENTIALS,
    "Sign in once as this user (e.g. at https://myaccount.microsoft.com), set a new password, "
    "then enter the new password here. Consider a password that does not expire for a mailbox "
    "used by a service.",
)
_MFA = _e(
    "Multi-factor authentication required",
    "The sign-in needs a second factor (MFA or MFA registration), which the User name/Password "
    "flow cannot provide.",
    USER,
    "Exclude this mailbox account from MFA with a Conditional Access policy scoped to this app, "
    "or switch the authentication flow to Client secret (B8/C7).",
)
_BLOCKED_BY_POLICY = _e(
    "Blocked by Conditional Access",
    "A Conditional Access policy or the tenant's security defaults blocked this sign-in.",
    USER,
    "In Entra ID → Sign-in logs, look up the correlation ID below to see which policy applied; "
    "exclude this account or app from it, or turn off security defaults if your tenant relies "
    "on Conditional Access instead.",
)
_MFA_CODES = (50076, 50079, 50072, 50074, 50158)
_SECRET_WRONG = _e(
    "Client secret not accepted",
    "Entra ID did not accept the client secret.",
    SECRET,
    "In the app's Certificates & secrets, create a new client secret and copy its Value (not the "
    "Secret ID) into Client secret (field 23).",
)
_PERMISSION_MISSING = _e(
    "Permission missing from the app registration",
    "The app registration does not list the Exchange permission this check asks for.",
    "A10",
    "Paste the permission block into the manifest (A10, see `mailsetup manifest`), save it, "
    "confirm EWS.AccessAsUser.All (A13) and grant admin consent again (A14).",
)
_NO_EXCHANGE = _e(
    "Exchange Online not found in the tenant",
    "Entra ID does not know the Exchange Online resource in this tenant: the scope is wrong or "
    "the tenant has no Exchange Online licence.",
    "A10",
    "Check that the tenant has Exchange Online (a licensed mailbox) and that the manifest block "
    "(A10) names resource 00000002-0000-0ff1-ce00-000000000000.",
)
_SCOPE_BUG = _e(
    "Scope rejected",
    "Entra ID rejected the scope the check asked for. This is a fault in the tool, not in your "
    "setup.",
    "A10",
    "Report it to the vendor with the raw error below; your settings need no change.",
)
_PERSONAL_ACCOUNT = _e(
    "Not a work account of this tenant",
    "The user is a personal Microsoft account or a guest from another tenant; the User "
    "name/Password flow only works for the tenant's own work accounts.",
    USER,
    "Use a work account that belongs to this tenant (its user principal name).",
)

# Entra ID (AADSTS numbers), from Microsoft's error code reference and ../shared/notes/microsoft.md.
ENTRA: dict[int, Entry] = {
    90002: _e(
        "Tenant not found",
        "Entra ID does not know the Directory (tenant) ID.",
        "A8",
        "Copy the Directory (tenant) ID again from the app's Overview page (A8); a verified domain "
        "of the tenant also works.",
    ),
    9001023: _e(
        "Sign-in through /common not allowed",
        "A single-tenant app must sign in through its own tenant, not the shared endpoint.",
        "A8",
        "Enter the Directory (tenant) ID from A8 instead of 'common' or 'organizations'.",
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
    ),
    7000218: _e(
        "Public client flows are off",
        "The app is not allowed to sign in with a user name and password: 'Allow public client "
        "flows' is off, so Entra ID asks for a client secret.",
        "A17",
        "In the app's Authentication page, Advanced settings, set 'Allow public client flows' to "
        "Yes (A17) and save (A18).",
    ),
    65001: _e(
        "No admin consent",
        "Nobody has consented to the app's permissions in this tenant (or consent was granted a "
        "moment ago and has not reached every server yet).",
        "A14",
        "In API permissions, press 'Grant admin consent for <tenant>' (A14) and check that the "
        "status turns green (A15); if you just did, wait a few minutes and test again.",
        retryable=True,
    ),
    650056: _PERMISSION_MISSING,
    650057: _PERMISSION_MISSING,
    500011: _NO_EXCHANGE,
    70011: _SCOPE_BUG,
    700022: _SCOPE_BUG,
    50126: _WRONG_PASSWORD,
    50034: _e(
        "User not found",
        "The user name does not exist in this tenant.",
        USER,
        "Use the user principal name of an existing user of this tenant (A19), usually the "
        "e-mail address; check for typos and the domain.",
    ),
    50053: _e(
        "Account locked",
        "The account is locked after too many failed sign-ins (or sign-ins from a suspicious "
        "place).",
        CREDENTIALS,
        "Stop testing for about 30 minutes so the lock can expire, then check the password "
        "before testing again. An admin can also unblock the user in Entra ID.",
    ),
    50055: _PASSWORD_EXPIRED,
    50144: _PASSWORD_EXPIRED,
    50056: _e(
        "No password in the cloud",
        "The user has no password stored in Entra ID (e.g. a federated user without password "
        "hash sync).",
        CREDENTIALS,
        "Enable password hash synchronisation for this user, or use a cloud-only account.",
    ),
    50057: _e(
        "Account disabled",
        "The user account is disabled in Entra ID.",
        USER,
        "Enable the account (Entra ID → Users → the user → Account enabled) or use another "
        "account.",
    ),
    **{code: _MFA for code in _MFA_CODES},
    53003: _BLOCKED_BY_POLICY,
    530035: _BLOCKED_BY_POLICY,
    50105: _e(
        "User not assigned to the app",
        "The app requires user assignment and this user is not assigned to it.",
        "A19",
        "In Enterprise applications → the app → Users and groups, add this user, or set "
        "'Assignment required' to No.",
    ),
    7000215: _e(
        "Secret ID pasted instead of the secret value",
        "The client secret is not valid; most often the Secret ID was copied instead of the Value.",
        SECRET,
        "Create a new client secret and copy the Value column (shown only once) into Client "
        "secret (field 23), not the Secret ID.",
    ),
    7000222: _e(
        "Client secret expired",
        "The client secret has passed its expiry date.",
        SECRET,
        "Create a new client secret in Certificates & secrets and enter its Value in Client "
        "secret (field 23).",
    ),
    70002: _SECRET_WRONG,
    700025: _e(
        "Secret sent by a public client",
        "The app is a public client (public client flows are on), so it must not send a client "
        "secret.",
        SECRET,
        "Choose User name/Password as authentication flow (B8/C7), or turn 'Allow public client "
        "flows' off (A17) to use the Client secret flow.",
    ),
    50173: _e(
        "Sign-in revoked",
        "The user's earlier sign-ins were revoked (password change or an admin's action).",
        CREDENTIALS,
        "Enter the user's current password and test again.",
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
    for part in (EWS, HTTP, NETWORK, WARNINGS, PIPELINE):
        table.update(part)
    return table
