"""The building blocks of the diagnosis table: :class:`Entry`, guide-step pairs, shared words.

:mod:`tui.checks.diagnoses` (Entra ID) and :mod:`tui.checks.diagnoses_exchange` (EWS, HTTP,
network, warnings) are written with these.
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


def _e(
    title: str, cause: str, step: str | tuple[str, str], fix: str, retryable: bool = False
) -> Entry:
    return Entry(title, " ".join(cause.split()), step, " ".join(fix.split()), retryable)


THROTTLED = _e(
    "Too many requests",
    "Microsoft is throttling the requests of this app or user.",
    RETEST,
    "Wait the time Microsoft asks for and test again; do not run several checks in a loop.",
    retryable=True,
)


def uncatalogued(kind: str) -> Entry:
    """The entry for an error this table does not know: says so plainly; the raw error follows."""
    return _e(
        "Not in mailsetup's table",
        f"{kind} answered with an error mailsetup does not know yet (shown raw below).",
        RETEST,
        "Look the code up in Microsoft's documentation; give Microsoft support the raw error, "
        "trace and correlation IDs below.",
    )
