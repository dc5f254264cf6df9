"""The diagnosis table, Exchange side: EWS response codes and exchangelib's exceptions, HTTP
statuses, network failures, token-content warnings and the pipeline's own failures.

Exchange's 401/403 refusals live in :mod:`tui.checks.diagnoses_access`. Data only, in the shape
of :class:`tui.checks.diagnosis_entry.Entry`, each with its evidence.
"""

from __future__ import annotations

from tui.checks.diagnosis_entry import (
    DOC,
    EWS_ACCESS_DOC,
    EWS_CODES_DOC,
    EWS_DEADLINE,
    EWS_THROTTLING_DOC,
    HTTP_RFC,
    INFERENCE,
    LIBRARY,
    MAILBOX,
    PORT,
    RETEST,
    SECRET,
    SERVER,
    THROTTLED,
    USER,
    WIRE,
    Entry,
    _e,
)

_MAILBOX_MISSING = _e(
    "Mailbox does not exist",
    "Exchange Online has no mailbox for this address: a typo, a mailbox created minutes ago, a "
    "user whose Exchange Online licence was removed, or (in a hybrid setup) a mailbox that still "
    "lives on the on-premises Exchange server.",
    MAILBOX,
    "Check the e-mail address; in the Microsoft 365 admin center make sure the user has a "
    "licence with Exchange Online and that the mailbox exists there (Get-Mailbox in Exchange "
    "Online PowerShell). An on-premises mailbox must be moved to Exchange Online first.",
    evidence=EWS_CODES_DOC + "; wire samples: OfficeDev/ews-managed-api issue 219 (licence "
    "removed), mguessan/davmail issue 295 (mailbox still on-premises)",
)
_EWS_BUSY = _e(
    "Exchange is busy",
    "Exchange Online asked the check to slow down (throttling) or had a passing fault.",
    RETEST,
    "Wait the back-off time Exchange asked for and test again.",
    retryable=True,
    evidence=EWS_THROTTLING_DOC + " (ErrorServerBusy with BackOffMilliseconds; an inner "
    "ErrorServerBusy inside ErrorInternalServerError)",
)
_NETWORK_TIMEOUT = _e(
    "No answer in time",
    "The server did not answer within the timeout (a firewall that drops packets, a wrong port, "
    "or a very slow link).",
    RETEST,
    "Check that this machine may reach the host on port 443 (firewall, proxy: set HTTPS_PROXY); "
    "raise the timeout in the check settings for a slow link.",
    evidence=LIBRARY,
)
_TRANSPORT = _e(
    "Secure connection failed",
    "The HTTPS connection to Exchange failed.",
    RETEST,
    "See the raw error below; if a TLS-inspecting proxy sits in between, set the CA bundle file "
    "in the check settings.",
    evidence=LIBRARY,
)

# EWS response codes and exchangelib's own exceptions (named like the class).
EWS: dict[str, Entry] = {
    "ErrorAccessDenied": _e(
        "Access denied to the mailbox",
        "Exchange refused access: the signed-in user (or the app) has no rights on this mailbox "
        "or item.",
        MAILBOX,
        "Open the user's own mailbox, or give the user Full Access to this mailbox (Exchange "
        "admin center → the mailbox → Delegation).",
        evidence=EWS_CODES_DOC + " (ErrorAccessDenied: the caller lacks rights to the item or "
        "mailbox; not the 'EWS switched off' answer, which is a 403)",
    ),
    "ErrorNonExistentMailbox": _MAILBOX_MISSING,
    "ErrorInvalidSmtpAddress": _MAILBOX_MISSING,
    "ErrorMailRecipientNotFound": _MAILBOX_MISSING,
    "ErrorNotDelegate": _e(
        "Not a delegate of this mailbox",
        "Exchange says the user is not a delegate of this mailbox. Exchange documents this "
        "answer for its delegate-management operations, which mailsetup does not use, so it is "
        "unexpected here.",
        MAILBOX,
        "Check the mailbox with its own user, or give the user Full Access on it (Exchange admin "
        "center → the mailbox → Delegation); if it repeats, give support the raw error.",
        evidence=EWS_CODES_DOC + " (ErrorNotDelegate: returned by the delegate-management "
        "operations)",
    ),
    "ErrorSendAsDenied": _e(
        "No right to send as the sender",
        "The user may not send as this sender address.",
        "B12",
        "Make the sender the user's own address, or give the user 'Send as' on the sender's "
        "mailbox (Exchange admin center → mailbox → Delegation). Changes can take up to 2 hours.",
        evidence=EWS_CODES_DOC + " (ErrorSendAsDenied)",
    ),
    "ErrorImpersonateUserDenied": _e(
        "The app has no rights to this mailbox",
        "Exchange will not let the app act as this mailbox. With the Client secret flow the "
        "rights come from the application permission full_access_as_app with admin consent, "
        "narrowed by an application access policy, or from RBAC for Applications in Exchange "
        "Online; one of these leaves this mailbox out. (The ApplicationImpersonation role was "
        "retired in February 2025 and no longer grants anything.)",
        "A14",
        "Check full_access_as_app and its admin consent (A14); then an Exchange admin checks "
        "that no application access policy (Get-ApplicationAccessPolicy) or RBAC for "
        "Applications scope (Get-ManagementRoleAssignment -RoleAssigneeType ServicePrincipal) "
        "excludes this mailbox.",
        evidence=EWS_CODES_DOC + " (ErrorImpersonateUserDenied); Microsoft doc: Role Based "
        "Access Control for Applications in Exchange Online ('Limit mailbox access'); Exchange "
        "Team blog on retiring ApplicationImpersonation (February 2025)",
    ),
    "ErrorInvalidExchangeImpersonationHeaderData": _e(
        "Token and access type disagree",
        "Exchange refused the request because the kind of token and the way mailsetup opened the "
        "mailbox do not match (an app-only token without the impersonation header, or a user "
        "token with it). This is a fault in mailsetup, not in your setup.",
        RETEST,
        "Report it to the vendor with the raw error below; your settings need no change.",
        evidence=EWS_CODES_DOC + " (ErrorInvalidExchangeImpersonationHeaderData)",
    ),
    "ErrorNameResolutionNoResults": _e(
        "Recipient not found",
        "Exchange could not resolve the recipient address.",
        "B12",
        "Check the recipient e-mail address of the test.",
        evidence=EWS_CODES_DOC + " (ErrorNameResolutionNoResults)",
    ),
    "ErrorInvalidRecipients": _e(
        "Recipient rejected",
        "Exchange rejected the recipient address.",
        "B12",
        "Check the recipient e-mail address of the test.",
        evidence=EWS_CODES_DOC + " (ErrorInvalidRecipients)",
    ),
    "ErrorQuotaExceeded": _e(
        "Mailbox full",
        "The mailbox has reached its size quota.",
        MAILBOX,
        "Free up space in the mailbox or raise its quota.",
        evidence=EWS_CODES_DOC + " (ErrorQuotaExceeded)",
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
        "Exchange answered with an internal error and no inner code mailsetup knows (an inner "
        "ErrorServerBusy would mean throttling).",
        RETEST,
        "Test again later; if it persists, give Microsoft support the raw error below.",
        evidence=EWS_CODES_DOC + "; " + EWS_THROTTLING_DOC[len(DOC) :],
    ),
    "ErrorTimeoutExpired": _NETWORK_TIMEOUT,
    "TransportError": _TRANSPORT,
    "RedirectError": _e(
        "Redirected elsewhere",
        "The EWS address redirects to another place: the server address is probably not an "
        "Exchange server.",
        SERVER,
        "Use outlook.office365.com as server address (B5/C3) and the default port.",
        evidence=LIBRARY,
    ),
    "ErrorInvalidSchemaVersionForMailboxVersion": _e(
        "Not Exchange Online",
        "The server does not speak the Exchange Online version of EWS.",
        SERVER,
        "Use outlook.office365.com as server address (B5/C3).",
        evidence=EWS_CODES_DOC + " (ErrorInvalidSchemaVersionForMailboxVersion)",
    ),
    "TokenRefreshFailed": _e(
        "Token could not be renewed",
        "The token expired during the check and a new one could not be obtained.",
        RETEST,
        "Test again; if it repeats, look at the token step's error.",
        evidence=INFERENCE + ": mailsetup's own renewal of an expired token failed",
    ),
}

HTTP: dict[str, Entry] = {
    "HTTP404": _e(
        "EWS not found at this address",
        "The server answered, but has no EWS service at /EWS/Exchange.asmx.",
        SERVER,
        "Use outlook.office365.com as server address (B5/C3).",
        evidence=HTTP_RFC,
    ),
    "HTTP407": _e(
        "Proxy asks for authentication",
        "The HTTPS proxy wants a user name and password before it lets the check through.",
        RETEST,
        "Put the proxy credentials into HTTPS_PROXY (https://user:password@proxy:port) or ask "
        "for an exception for login.microsoftonline.com and outlook.office365.com.",
        evidence=HTTP_RFC,
    ),
    "HTTP429": THROTTLED,
    "HTTP5xx": _e(
        "Microsoft had a server error",
        "The server answered with a 5xx error: a passing fault on Microsoft's side.",
        RETEST,
        "Test again in a few minutes; if it persists, check the Microsoft 365 service health and "
        "give support the raw error below.",
        retryable=True,
        evidence=HTTP_RFC,
    ),
}

NETWORK: dict[str, Entry] = {
    "DNS_FAILED": _e(
        "Host name not found",
        "The host name does not resolve (DNS): a typo, or no DNS on this machine.",
        SERVER,
        "Check the server address; from this machine, `nslookup <host>` must answer.",
        evidence=LIBRARY,
    ),
    "CONNECTION_REFUSED": _e(
        "Connection refused",
        "Nothing accepts connections at this host and port.",
        PORT,
        "Check the server address and port (0 or 443 for Exchange Online); a firewall may "
        "reject the connection.",
        evidence=LIBRARY,
    ),
    "TIMED_OUT": _NETWORK_TIMEOUT,
    "TLS_UNTRUSTED": _e(
        "Certificate not trusted",
        "The server's certificate is not signed by an authority this machine trusts: often a "
        "TLS-inspecting proxy or firewall.",
        RETEST,
        "Get your proxy's root certificate (PEM) from the network team and set it as CA bundle "
        "file in the check settings (azure.ca_bundle).",
        evidence=LIBRARY,
    ),
    "TLS_FAILED": _TRANSPORT,
    "CA_BUNDLE_UNREADABLE": _e(
        "CA bundle file unreadable",
        "The CA bundle file named in the settings does not exist or holds no PEM certificate.",
        RETEST,
        "Point the CA bundle file setting (azure.ca_bundle) at your proxy's root certificate in "
        "PEM format, or leave it empty to use the system's trust.",
        evidence=INFERENCE + ": mailsetup reads the file itself before any request",
    ),
    "CONNECTION_CLOSED": _e(
        "Connection closed",
        "The server (or something in between) closed the connection before answering.",
        RETEST,
        "Test again; if it repeats, a proxy or firewall is cutting HTTPS connections to this host.",
        evidence=LIBRARY,
    ),
    "PROXY_FAILED": _e(
        "Proxy unreachable",
        "The HTTPS proxy from the environment (HTTPS_PROXY) cannot be reached or refused the "
        "tunnel.",
        RETEST,
        "Check HTTPS_PROXY / NO_PROXY for this machine.",
        evidence=LIBRARY,
    ),
}

# Problems that do not fail now but will later; token contents compared with the settings.
WARNINGS: dict[str, Entry] = {
    "TOKEN_AUDIENCE": _e(
        "Token is not for Exchange",
        "The token's audience is not Exchange Online, so Exchange will refuse it (401, "
        "x-ms-diagnostics 2000003).",
        "A10",
        "Check the manifest block (A10): resource 00000002-0000-0ff1-ce00-000000000000.",
        evidence=DOC + "Microsoft identity platform access tokens (the aud claim); Exchange's "
        "401 for a wrong audience is x-ms-diagnostics 2000003",
    ),
    "TOKEN_SCOPE": _e(
        "EWS permission missing from the token",
        "The token does not carry EWS.AccessAsUser.All, so EWS will refuse it.",
        "A13",
        "Confirm EWS.AccessAsUser.All under API permissions (A13) and grant admin consent (A14).",
        evidence=DOC
        + "Authenticate an EWS application by using OAuth (delegated EWS.AccessAsUser.All)",
    ),
    "TOKEN_ROLES": _e(
        "No full_access_as_app in the token",
        "The app-only token carries no full_access_as_app role. That works only if an Exchange "
        "admin gave the app mailbox access with RBAC for Applications; otherwise Exchange will "
        "refuse the mailbox (the mailbox step shows which).",
        "A14",
        "If the app is meant to use full_access_as_app: add that application permission (Office "
        "365 Exchange Online) and grant admin consent (A14). If access comes from RBAC for "
        "Applications, nothing to change here.",
        evidence=DOC + "Role Based Access Control for Applications in Exchange Online; "
        "Authenticate an EWS application by using OAuth (full_access_as_app)",
    ),
    "TOKEN_TENANT": _e(
        "Token from another tenant",
        "The token was issued by a different tenant than the Directory (tenant) ID.",
        "A8",
        "Copy the Directory (tenant) ID again (A8).",
        evidence=DOC + "Microsoft identity platform access tokens (the tid claim)",
    ),
    "TOKEN_USER": _e(
        "Token for another user",
        "The token belongs to a different user than the user name in the settings.",
        USER,
        "Check the user name (its user principal name).",
        evidence=DOC + "Microsoft identity platform access tokens (upn, preferred_username)",
    ),
    "TOKEN_CLIENT": _e(
        "Token for another app",
        "The token was issued to a different application than the Application (client) ID.",
        "A8",
        "Copy the Application (client) ID again (A8).",
        evidence=DOC + "Microsoft identity platform access tokens (appid, azp)",
    ),
    "TOKEN_UNREADABLE": _e(
        "Token could not be read",
        "The token is not a readable JWT, so its contents cannot be compared with the settings.",
        RETEST,
        "Nothing to change; the mailbox step shows whether Exchange accepts it.",
        evidence=INFERENCE
        + ": Microsoft may change the token format; only the mailbox step counts",
    ),
    "EWS_RETIREMENT": _e(
        "EWS ends in Exchange Online",
        f"EWS works today, but Microsoft switches it off in Exchange Online on {EWS_DEADLINE} "
        "(and from 1 October 2026 only for tenants that allow it and list this app in "
        "EwsAllowedAppIDs).",
        RETEST,
        "Nothing to change now; plan the move to Microsoft Graph before the deadline.",
        evidence=EWS_ACCESS_DOC,
    ),
    "ROPC_DISCOURAGED": _e(
        "User name/Password flow is discouraged",
        "msal warns that Microsoft has deprecated the User name/Password flow for public clients: "
        "it keeps working, but never for accounts that need MFA.",
        SECRET,
        "Keep the mailbox accounts excluded from MFA, or move to the Client secret flow.",
        evidence=WIRE + "msal 1.35+ DeprecationWarning (aka.ms/msal-ropc-migration)",
    ),
}

# Failures found by the pipeline itself.
PIPELINE: dict[str, Entry] = {
    "SETTINGS_INVALID": _e(
        "Settings incomplete",
        "Values this check needs are missing or invalid.",
        "A8",
        "Fill in the fields listed.",
        evidence=INFERENCE + ": mailsetup's own validation of the settings",
    ),
    "TENANT_DISCOVERY": _e(
        "Not an Entra ID sign-in host",
        "The sign-in host answered, but not with the tenant's OpenID configuration.",
        "A8",
        "Check the Directory (tenant) ID (A8) and the sign-in host (login.microsoftonline.com).",
        evidence=DOC + "OpenID Connect discovery on the Microsoft identity platform",
    ),
    "ROUND_TRIP_TIMEOUT": _e(
        "Test message did not arrive",
        "The message was sent, but did not reach the incoming mailbox in time.",
        "C9",
        "Check the incoming e-mail address (C9) and mail flow rules; delivery may also just be "
        "slow: run the round trip again.",
        evidence=INFERENCE + ": mailsetup's own round trip ran out of time",
    ),
    "CANCELLED": _e(
        "Cancelled",
        "The check was cancelled.",
        RETEST,
        "Run the check again.",
        evidence=INFERENCE + ": the admin stopped the run",
    ),
}
