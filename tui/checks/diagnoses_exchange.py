"""The diagnosis table, Exchange side: EWS response codes and exchangelib's exceptions, HTTP
statuses, network failures, token-content warnings and the pipeline's own failures.

Data only, in the shape of :class:`tui.checks.diagnosis_entry.Entry`.
"""

from __future__ import annotations

from tui.checks.diagnosis_entry import (
    EWS_DEADLINE,
    EWS_POWERSHELL,
    MAILBOX,
    PORT,
    RETEST,
    SECRET,
    SERVER,
    THROTTLED,
    USER,
    Entry,
    _e,
)

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
    "TOKEN_NO_PERMISSIONS": _e(
        "No EWS permission in the token",
        "Exchange found no permission it understands in the token: EWS.AccessAsUser.All "
        "(User name/Password) or full_access_as_app (Client secret) is missing or has no admin "
        "consent.",
        "A14",
        "Check the permissions under API permissions (A12–A13; for the Client secret flow the "
        "application permission full_access_as_app) and grant admin consent (A14).",
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
    "HTTP429": THROTTLED,
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
    "CA_BUNDLE_UNREADABLE": _e(
        "CA bundle file unreadable",
        "The CA bundle file named in the settings does not exist or holds no PEM certificate.",
        RETEST,
        "Point the CA bundle file setting (azure.ca_bundle) at your proxy's root certificate in "
        "PEM format, or leave it empty to use the system's trust.",
    ),
    "CONNECTION_CLOSED": _e(
        "Connection closed",
        "The server (or something in between) closed the connection before answering.",
        RETEST,
        "Test again; if it repeats, a proxy or firewall is cutting HTTPS connections to this host.",
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
        "msal warns that Microsoft has deprecated the User name/Password flow for public clients: "
        "it keeps working, but never for accounts that need MFA.",
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
