"""The building blocks of the diagnosis table: :class:`Entry`, guide-step pairs, evidence, words.

:mod:`tui.checks.diagnoses` (Entra ID), :mod:`tui.checks.diagnoses_exchange` (EWS codes, HTTP,
network, warnings) and :mod:`tui.checks.diagnoses_access` (Exchange's 401/403 refusals) are
written with these. Every entry says where its meaning comes from (``evidence``): a Microsoft
document, a public wire sample, or our own inference; a unit test refuses an entry without one.
"""

from __future__ import annotations

from dataclasses import dataclass

EWS_DEADLINE = "1 April 2027"

# The PowerShell an Exchange admin runs for E2. Set-OrganizationConfig -EwsAllowedAppIDs replaces
# the whole list (Microsoft: "Control access to EWS in Exchange"), so the command reads the list
# first, adds this app's ID and writes every ID back; $_ filters the empty value of a fresh tenant.
EWS_POWERSHELL = (
    "Connect-ExchangeOnline; "
    "$ids = @((Get-OrganizationConfig).EwsAllowedAppIDs | Where-Object { $_ }) + "
    "'<Application (client) ID>' | Select-Object -Unique; "
    "Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs $ids"
)
# E3: read a mailbox's own switch; $null (empty) or True lets it use EWS.
EWS_MAILBOX_POWERSHELL = (
    "Get-CASMailbox <mailbox> | Format-List EwsEnabled; Set-CASMailbox <mailbox> -EwsEnabled $true"
)

# Guide steps by what they fix, (outgoing, incoming).
CREDENTIALS = ("B12", "C11")  # the password of the user being checked
USER = ("B12", "C10")  # the user name being checked
MAILBOX = ("B12", "C9")  # the mailbox address being opened
SECRET = ("B8", "C7")  # authentication flow and client secret
SERVER = ("B5", "C3")  # the Exchange server address
PORT = ("B9", "C3")
RETEST = ("B13", "C14")  # nothing to change in the settings: wait, fix the network, test again

# Where meanings come from. An evidence string starts with one of these kinds (a standard only
# where the meaning is the protocol's own, e.g. an HTTP status from a proxy).
DOC = "Microsoft doc: "
WIRE = "wire sample: "
STANDARD = "standard: "
INFERENCE = "inference"
EVIDENCE_KINDS = (DOC, WIRE, STANDARD, INFERENCE)

ENTRA_CODES_DOC = (
    DOC + "Microsoft Entra authentication and authorization error codes "
    "(learn.microsoft.com/entra/identity-platform/reference-error-codes)"
)
EWS_CODES_DOC = (
    DOC + "EWS ResponseCode reference "
    "(learn.microsoft.com/exchange/client-developer/web-service-reference/responsecode)"
)
EWS_THROTTLING_DOC = (
    DOC + "EWS throttling in Exchange "
    "(learn.microsoft.com/exchange/client-developer/exchange-web-services/"
    "ews-throttling-in-exchange)"
)
EWS_ACCESS_DOC = DOC + "Control access to EWS in Exchange; message center MC1015893"
HTTP_RFC = STANDARD + "RFC 9110, HTTP semantics (the status code itself)"
LIBRARY = INFERENCE + ": how requests, urllib3 and exchangelib report this (seen on the wire)"


@dataclass(frozen=True)
class Entry:
    title: str
    cause: str
    step: str | tuple[str, str]
    fix: str
    retryable: bool = False
    evidence: str = ""

    def guide_step(self, kind: str) -> str:
        """The step id for a target kind ("outgoing" or "incoming")."""
        if isinstance(self.step, str):
            return self.step
        return self.step[0] if kind == "outgoing" else self.step[1]


def _e(
    title: str,
    cause: str,
    step: str | tuple[str, str],
    fix: str,
    retryable: bool = False,
    *,
    evidence: str = "",
) -> Entry:
    return Entry(title, " ".join(cause.split()), step, " ".join(fix.split()), retryable, evidence)


THROTTLED = _e(
    "Too many requests",
    "Microsoft is throttling the requests of this app or user.",
    RETEST,
    "Wait the time Microsoft asks for and test again; do not run several checks in a loop.",
    retryable=True,
    evidence=ENTRA_CODES_DOC + " (50196, temporarily_unavailable); HTTP 429 with Retry-After",
)


def uncatalogued(kind: str) -> Entry:
    """The entry for an error this table does not know: says so plainly; the raw error follows."""
    return _e(
        "Not in mailsetup's table",
        f"{kind} answered with an error mailsetup does not know yet (shown raw below).",
        RETEST,
        "Look the code up in Microsoft's documentation; give Microsoft support the raw error, "
        "trace and correlation IDs below.",
        evidence=INFERENCE + ": nothing is claimed beyond the raw error",
    )
