"""The diagnosis table: every failure the checks know, as data.

Each :class:`Entry` says in plain words what went wrong (``cause``), which guide step fixes it
(``step``: one id, or an (outgoing, incoming) pair when the fix lives in stage B or C depending on
what was checked) and what to do (``fix``). Keys are Entra's AADSTS numbers, Entra's ``error``
field as a fallback, EWS response codes / exchangelib exception names, HTTP statuses and our own
network and token codes. :mod:`tui.checks.diagnose` turns raw errors into :class:`Diagnosis`
objects with these words; nothing here talks to the network.
"""

from __future__ import annotations

from dataclasses import dataclass

EWS_DEADLINE = "1 April 2027"

# The PowerShell an Exchange admin runs when EWS is blocked for the tenant or the app.
EWS_POWERSHELL = (
    "Connect-ExchangeOnline; Get-OrganizationConfig | Format-List EwsEnabled,EwsAllowedAppIDs; "
    "Set-OrganizationConfig -EWSEnabled $true; "
    'Set-OrganizationConfig -EwsAllowedAppIDs "<existing ids>,<Application (client) ID>"'
)

# Guide steps by what they fix, (outgoing, incoming).
CREDENTIALS = ("B12", "C11")  # the password of the user being checked
USER = ("B12", "C10")  # the user name being checked
MAILBOX = ("B12", "C9")  # the mailbox address being opened
SECRET = ("B8", "C7")  # authentication flow and client secret
SERVER = ("B5", "C3")  # the Exchange server address
PORT = ("B9", "C3")
RETEST = ("B13", "C14")  # nothing to change in the settings: wait, fix the network, test again


@dataclass(frozen=True)
class Entry:
    title: str
    cause: str
    step: str | tuple[str, str]
    fix: str
    retryable: bool = False

    def guide_step(self, kind: str) -> str:
        """The step id for a target kind ("outgoing" or "incoming")."""
        if isinstance(self.step, str):
            return self.step
        return self.step[0] if kind == "outgoing" else self.step[1]


def _e(title: str, cause: str, step: str | tuple[str, str], fix: str, retryable: bool = False) -> Entry:
    return Entry(title, " ".join(cause.split()), step, " ".join(fix.split()), retryable)


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
_THROTTLED = _e(
    "Too many requests",
    "Microsoft is throttling the requests of this app or user.",
    RETEST,
    "Wait the time Microsoft asks for and test again; do not run several checks in a loop.",
    retryable=True,
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
        "The client secret is not valid; most often the Secret ID was copied instead of the "
        "Value.",
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
    50196: _THROTTLED,
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
    "temporarily_unavailable": _THROTTLED,
}

_EWS_BLOCKED = _e(
    "EWS blocked for this app or tenant",
    "Exchange Online refused EWS: it is switched off for the tenant (EWSEnabled) or this app's "
    f"client ID is not in EwsAllowedAppIDs. Microsoft switches EWS in Exchange Online off for "
    f"good on {EWS_DEADLINE}.",
    "A8",
    f"An Exchange admin runs: {EWS_POWERSHELL} — with the Application (client) ID from A8. "
    "Changes can take up to 24 hours. Plan the move to Microsoft Graph before "
    f"{EWS_DEADLINE}.",
)
_MAILBOX_MISSING = _e(
    "Mailbox does not exist",
    "Exchange Online has no mailbox for this address (no licence, a typo, or a mailbox created "
    "minutes ago).",
    MAILBOX,
    "Check the e-mail address; in the Microsoft 365 admin center make sure the user has a "
    "licence with Exchange Online and that the mailbox exists.",
)
_EWS_BUSY = _e(
    "Exchange is busy",
    "Exchange Online asked the check to slow down (throttling) or had a passing fault.",
    RETEST,
    "Wait the back-off time Exchange asked for and test again.",
    retryable=True,
)
_NETWORK_TIMEOUT = _e(
    "No answer in time",
    "The server did not answer within the timeout (a firewall that drops packets, a wrong port, "
    "or a very slow link).",
    RETEST,
    "Check that this machine may reach the host on port 443 (firewall, proxy: set HTTPS_PROXY); "
    "raise the timeout in the check settings for a slow link.",
)
_TRANSPORT = _e(
    "Secure connection failed",
    "The HTTPS connection to Exchange failed.",
    RETEST,
    "See the raw error below; if a TLS-inspecting proxy sits in between, set the CA bundle file "
    "in the check settings.",
)

# EWS response codes and exchangelib's own exceptions (named like the class).
EWS: dict[str, Entry] = {
    "ErrorAccessDenied": _e(
        "Access denied to the mailbox",
        "Exchange refused access: the user has no rights on this mailbox, or EWS is turned off "
        "for the user or the app.",
        MAILBOX,
        "Open the user's own mailbox, or give the user Full Access to this mailbox; if EWS is "
        f"blocked, an Exchange admin runs: {EWS_POWERSHELL}.",
    ),
    "ErrorNonExistentMailbox": _MAILBOX_MISSING,
    "ErrorInvalidSmtpAddress": _MAILBOX_MISSING,
    "ErrorMailRecipientNotFound": _MAILBOX_MISSING,
    "ErrorNotDelegate": _e(
        "No delegate access",
        "The signed-in user has no delegate rights on this mailbox.",
        MAILBOX,
        "Give the user Full Access on the mailbox (Exchange admin center → the mailbox → "
        "Delegation), or check that mailbox with its own user.",
    ),
    "ErrorSendAsDenied": _e(
        "No right to send as the sender",
        "The user may not send as this sender address.",
        "B12",
        "Make the sender the user's own address, or give the user 'Send as' on the sender's "
        "mailbox (Exchange admin center → mailbox → Delegation). Changes can take up to 2 hours.",
    ),
    "ErrorImpersonateUserDenied": _e(
        "Impersonation denied",
        "The app may not act as this mailbox: the application permission full_access_as_app "
        "is missing or has no admin consent.",
        "A14",
        "Add the Office 365 Exchange Online application permission full_access_as_app and grant "
        "admin consent (A14).",
    ),
    "ErrorNameResolutionNoResults": _e(
        "Recipient not found",
        "Exchange could not resolve the recipient address.",
        "B12",
        "Check the recipient e-mail address of the test.",
    ),
    "ErrorInvalidRecipients": _e(
        "Recipient rejected",
        "Exchange rejected the recipient address.",
        "B12",
        "Check the recipient e-mail address of the test.",
    ),
    "ErrorQuotaExceeded": _e(
        "Mailbox full",
        "The mailbox has reached its size quota.",
        MAILBOX,
        "Free up space in the mailbox or raise its quota.",
    ),
    "ErrorServerBusy": _EWS_BUSY,
    "ErrorTooManyObjectsOpened": _EWS_BUSY,
    "ErrorExceededConnectionCount": _EWS_BUSY,
    "ErrorInternalServerTransientError": _EWS_BUSY,
    "ErrorMailboxMoveInProgress": _EWS_BUSY,
    "ErrorMailboxStoreUnavailable": _EWS_BUSY,
    "ErrorNoRespondingCASInDestinationSite": _EWS_BUSY,
    "CASError": _EWS_BUSY,
    "ErrorInternalServerError": _e(
        "Exchange server error",
        "Exchange answered with an internal error.",
        RETEST,
        "Test again later; if it persists, give Microsoft support the raw error below.",
    ),
    "ErrorTimeoutExpired": _NETWORK_TIMEOUT,
    "TransportError": _TRANSPORT,
    "RedirectError": _e(
        "Redirected elsewhere",
        "The EWS address redirects to another place: the server address is probably not an "
        "Exchange server.",
        SERVER,
        "Use outlook.office365.com as server address (B5/C3) and the default port.",
    ),
    "ErrorInvalidSchemaVersionForMailboxVersion": _e(
        "Not Exchange Online",
        "The server does not speak the Exchange Online version of EWS.",
        SERVER,
        "Use outlook.office365.com as server address (B5/C3).",
    ),
    "UnauthorizedError": _EWS_BLOCKED,
    "EWS_BLOCKED": _EWS_BLOCKED,
    "TOKEN_EXPIRED": _e(
        "Token refused as expired",
        "Exchange refused the token as expired, even a fresh one: the clock of this computer is "
        "probably wrong (tokens are only valid for a limited time).",
        RETEST,
        "Set this computer's date, time and time zone correctly (turn on time synchronisation) "
        "and test again.",
    ),
    "TokenRefreshFailed": _e(
        "Token could not be renewed",
        "The token expired during the check and a new one could not be obtained.",
        RETEST,
        "Test again; if it repeats, look at the token step's error.",
    ),
}

HTTP: dict[str, Entry] = {
    "HTTP401": _EWS_BLOCKED,
    "HTTP403": _e(
        "403 Forbidden right after setup",
        "Exchange refused the token. Right after the app registration or consent this is normal "
        "for a while (Exchange's permission cache takes 30 minutes to 2 hours); if it lasts, EWS "
        "is blocked for the tenant (EWSEnabled) or this app is not in EwsAllowedAppIDs. EWS in "
        f"Exchange Online ends for good on {EWS_DEADLINE}.",
        RETEST,
        "Wait and test again (mailsetup check --wait 300). If it persists, an Exchange admin "
        f"runs: {EWS_POWERSHELL} — changes can take up to 24 hours.",
        retryable=True,
    ),
    "HTTP404": _e(
        "EWS not found at this address",
        "The server answered, but has no EWS service at /EWS/Exchange.asmx.",
        SERVER,
        "Use outlook.office365.com as server address (B5/C3).",
    ),
    "HTTP407": _e(
        "Proxy asks for authentication",
        "The HTTPS proxy wants a user name and password before it lets the check through.",
        RETEST,
        "Put the proxy credentials into HTTPS_PROXY (https://user:password@proxy:port) or ask "
        "for an exception for login.microsoftonline.com and outlook.office365.com.",
    ),
    "HTTP429": _THROTTLED,
    "HTTP5xx": _e(
        "Microsoft had a server error",
        "The server answered with a 5xx error: a passing fault on Microsoft's side.",
        RETEST,
        "Test again in a few minutes; if it persists, check the Microsoft 365 service health and "
        "give support the raw error below.",
        retryable=True,
    ),
}

NETWORK: dict[str, Entry] = {
    "DNS_FAILED": _e(
        "Host name not found",
        "The host name does not resolve (DNS): a typo, or no DNS on this machine.",
        SERVER,
        "Check the server address; from this machine, `nslookup <host>` must answer.",
    ),
    "CONNECTION_REFUSED": _e(
        "Connection refused",
        "Nothing accepts connections at this host and port.",
        PORT,
        "Check the server address and port (0 or 443 for Exchange Online); a firewall may "
        "reject the connection.",
    ),
    "TIMED_OUT": _NETWORK_TIMEOUT,
    "TLS_UNTRUSTED": _e(
        "Certificate not trusted",
        "The server's certificate is not signed by an authority this machine trusts: often a "
        "TLS-inspecting proxy or firewall.",
        RETEST,
        "Get your proxy's root certificate (PEM) from the network team and set it as CA bundle "
        "file in the check settings (azure.ca_bundle).",
    ),
    "TLS_FAILED": _TRANSPORT,
    "CONNECTION_CLOSED": _e(
        "Connection closed",
        "The server (or something in between) closed the connection before answering.",
        RETEST,
        "Test again; if it repeats, a proxy or firewall is cutting HTTPS connections to this "
        "host.",
    ),
    "PROXY_FAILED": _e(
        "Proxy unreachable",
        "The HTTPS proxy from the environment (HTTPS_PROXY) cannot be reached or refused the "
        "tunnel.",
        RETEST,
        "Check HTTPS_PROXY / NO_PROXY for this machine.",
    ),
}

# Problems that do not fail now but will later; token contents compared with the settings.
WARNINGS: dict[str, Entry] = {
    "TOKEN_AUDIENCE": _e(
        "Token is not for Exchange",
        "The token's audience is not Exchange Online, so EWS will refuse it.",
        "A10",
        "Check the manifest block (A10): resource 00000002-0000-0ff1-ce00-000000000000.",
    ),
    "TOKEN_SCOPE": _e(
        "EWS permission missing from the token",
        "The token does not carry EWS.AccessAsUser.All, so EWS will refuse it.",
        "A13",
        "Confirm EWS.AccessAsUser.All under API permissions (A13) and grant admin consent (A14).",
    ),
    "TOKEN_ROLES": _e(
        "Application permission missing from the token",
        "The app-only token does not carry full_access_as_app, so EWS will refuse it.",
        "A14",
        "Add the application permission full_access_as_app (Office 365 Exchange Online) and "
        "grant admin consent (A14).",
    ),
    "TOKEN_TENANT": _e(
        "Token from another tenant",
        "The token was issued by a different tenant than the Directory (tenant) ID.",
        "A8",
        "Copy the Directory (tenant) ID again (A8).",
    ),
    "TOKEN_USER": _e(
        "Token for another user",
        "The token belongs to a different user than the user name in the settings.",
        USER,
        "Check the user name (its user principal name).",
    ),
    "TOKEN_CLIENT": _e(
        "Token for another app",
        "The token was issued to a different application than the Application (client) ID.",
        "A8",
        "Copy the Application (client) ID again (A8).",
    ),
    "TOKEN_UNREADABLE": _e(
        "Token could not be read",
        "The token is not a readable JWT, so its contents cannot be compared with the settings.",
        RETEST,
        "Nothing to change; the mailbox step shows whether Exchange accepts it.",
    ),
    "EWS_RETIREMENT": _e(
        "EWS ends in Exchange Online",
        f"EWS works today, but Microsoft switches it off in Exchange Online on {EWS_DEADLINE} "
        "(and from 1 October 2026 only for tenants that allow it and list this app in "
        "EwsAllowedAppIDs).",
        RETEST,
        "Nothing to change now; plan the move to Microsoft Graph before the deadline.",
    ),
    "ROPC_DISCOURAGED": _e(
        "User name/Password flow is discouraged",
        "Microsoft discourages the User name/Password flow; it keeps working, but never with MFA.",
        SECRET,
        "Keep the mailbox accounts excluded from MFA, or move to the Client secret flow.",
    ),
}

# Failures found by the pipeline itself.
PIPELINE: dict[str, Entry] = {
    "SETTINGS_INVALID": _e(
        "Settings incomplete",
        "Values this check needs are missing or invalid.",
        "A8",
        "Fill in the fields listed.",
    ),
    "TENANT_DISCOVERY": _e(
        "Not an Entra ID sign-in host",
        "The sign-in host answered, but not with the tenant's OpenID configuration.",
        "A8",
        "Check the Directory (tenant) ID (A8) and the sign-in host (login.microsoftonline.com).",
    ),
    "ROUND_TRIP_TIMEOUT": _e(
        "Test message did not arrive",
        "The message was sent, but did not reach the incoming mailbox in time.",
        "C9",
        "Check the incoming e-mail address (C9) and mail flow rules; delivery may also just be "
        "slow: run the round trip again.",
    ),
    "CANCELLED": _e("Cancelled", "The check was cancelled.", RETEST, "Run the check again."),
}


def uncatalogued(kind: str) -> Entry:
    """The entry for an error this table does not know: says so plainly; the raw error follows."""
    return _e(
        "Not in mailsetup's table",
        f"{kind} answered with an error mailsetup does not know yet (shown raw below).",
        RETEST,
        "Look the code up in Microsoft's documentation; give Microsoft support the raw error, "
        "trace and correlation IDs below.",
    )


def all_entries() -> dict[str, Entry]:
    """Every catalogued entry by code, e.g. for a test that every guide step id exists."""
    table = {f"AADSTS{n}": e for n, e in ENTRA.items()}
    table.update({f"error:{k}": e for k, e in ENTRA_ERRORS.items()})
    for part in (EWS, HTTP, NETWORK, WARNINGS, PIPELINE):
        table.update(part)
    return table
