"""Stage E's PowerShell (E1–E3), filled in from the settings: the admin lets this app use EWS.

Since 1 October 2026 Exchange Online refuses EWS to every app unless the organisation allows it
(../shared/notes/microsoft.md, "The switches"). The wizard cannot flip those switches itself: an
Exchange admin runs these commands in Exchange Online PowerShell. Each block is built here,
without Textual, from the app's one Settings tree: the effective Application (client) IDs and
every mailbox the settings name. A value not filled in yet shows as an unquoted ``<…>``
placeholder: PowerShell refuses to parse that line, so nothing is ever written in its name (a
quoted placeholder could land in the allow list and lock every real app out).

Parameter names and list semantics, from Microsoft's cmdlet reference (MicrosoftDocs/
office-docs-powershell, exchange/exchange-ps/ExchangePowerShell/Set-OrganizationConfig.md):
- ``-EwsEnabled`` (Boolean): $true, $false or $null for the organisation.
- ``-EwsAllowedAppIDs`` (String, Exchange Online only): "a comma-separated list of GUIDs";
  when EwsEnabled is $true "only applications specified by this parameter can access EWS". The
  value replaces the whole list, so E2 reads it, adds the ID(s) and writes every ID back.
- ``-EwsAllowList`` (MultiValuedProperty of user-agent strings, "Wildcard characters (*) are
  supported"; ``@{Add=…}`` adds without touching existing entries); it only matters when
  ``-EwsApplicationAccessPolicy`` is EnforceAllowList.
- ``Set-CASMailbox -EwsEnabled`` (CASMailbox.EwsEnabled is a nullable Boolean): per mailbox.
Changes to EwsAllowedAppIDs can take up to 24 hours to apply (David-Barrett-MS/
PowerShell-EWS-Scripts wiki, "Testing EWS App Access").

Every line is kept within :data:`WIDTH` columns, breaking only where PowerShell itself continues
a statement (an open ``(``/``{``, a trailing comma in an expression), so the block on screen is
the block copied: an admin whose terminal drops OSC 52 can select or retype it as shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.settings.model import Settings
from tui.settings.validation import GUID_RE

# The block's room at 80x24: 80 columns less the sidebar (26, and 30 under the training sheet
# demo.tcss), its border, the pane's padding and scrollbar: 46. A longer line wrapped on screen,
# and a comment's wrapped tail read as a command to anyone copying the block from the screen.
WIDTH = 46

CLIENT_ID_PLACEHOLDER = "<Application (client) ID>"
MAILBOX_PLACEHOLDER = "<mailbox>"
HIDDEN_ID = "<hidden in demo: c copies it>"
MISSING_CLIENT_ID = "the Application (client) ID (A8)"
MISSING_MAILBOX = "a mailbox (the user at B12, field 11 or an account at C9)"
NOT_READY = "# Not ready: fill in each <...> in the wizard"
# exchangelib sends "exchangelib/<version> (python-requests/<version>)" (exchangelib/__init__.py
# sets BaseProtocol.USERAGENT so); a wildcard entry keeps working after an upgrade.
USER_AGENT_ENTRY = "exchangelib/*"

# Characters no mailbox identity holds (a display name may hold spaces; quoting keeps those
# literal); a value with one is left out, never put into a command.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# PowerShell ends a single-quoted string at any of these (ASCII and typographic single quotes);
# doubling one keeps it literal, as PowerShell's own CodeGeneration.EscapeSingleQuotedString does.
_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


@dataclass(frozen=True)
class Mailbox:
    """A mailbox the settings name, and where (the guide's field or step) it comes from."""

    address: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class StageECommands:
    """The filled-in commands of E1–E3 and what is still missing from the settings."""

    client_ids: tuple[str, ...]
    mailboxes: tuple[Mailbox, ...]
    # Values left out, each with the reason: they cannot be an app ID or a mailbox name.
    skipped_ids: tuple[str, ...] = ()
    skipped_mailboxes: tuple[str, ...] = ()

    def missing(self, step_id: str) -> tuple[str, ...]:
        """What the step's placeholders stand for, and where the admin fills it in."""
        if step_id.upper() == "E2":
            return () if self.client_ids else (MISSING_CLIENT_ID,)
        return () if self.mailboxes else (MISSING_MAILBOX,)

    def skipped(self, step_id: str) -> tuple[str, ...]:
        return self.skipped_ids if step_id.upper() == "E2" else self.skipped_mailboxes

    def block(self, step_id: str, *, hide_ids: bool = False) -> str:
        """The exact PowerShell of E1, E2 or E3; ``hide_ids`` for a projected (demo) screen."""
        builders = {"E1": self._read_state, "E2": self._allow_app, "E3": self._enable_mailboxes}
        lines = builders[step_id.upper()](hide_ids)
        if any(p in line for line in lines for p in (CLIENT_ID_PLACEHOLDER, MAILBOX_PLACEHOLDER)):
            lines.insert(0, NOT_READY)
        return "\n".join(lines)

    # --- the blocks ---------------------------------------------------------------------------

    def _mailbox_list(self) -> list[str]:
        names = [ps_quote(m.address) for m in self.mailboxes] or [MAILBOX_PLACEHOLDER]
        return ["$mailboxes = @(", *(f"  {n}" for n in names), ")"]

    def _read_state(self, hide_ids: bool) -> list[str]:
        return [
            "# Once, if the module is missing:",
            "#   Install-Module ExchangeOnlineManagement",
            "Connect-ExchangeOnline",
            "$show = 'EwsEnabled', 'EwsAllowedAppIDs',",
            "  'EwsApplicationAccessPolicy', 'EwsAllowList'",
            "Get-OrganizationConfig | Format-List $show",
            *self._mailbox_list(),
            "foreach ($m in $mailboxes) {",
            "  Get-CASMailbox $m |",
            "    Format-List Identity, EwsEnabled",
            "}",
        ]

    def _allow_app(self, hide_ids: bool) -> list[str]:
        ids = [HIDDEN_ID if hide_ids else ps_quote(i) for i in self.client_ids]
        ids = ids or [CLIENT_ID_PLACEHOLDER]
        if len(ids) == 1:
            add = [f"$add = {ids[0]}"]
        else:
            add = ["$add = @(", *(f"  {i}" for i in ids), ")"]
        return [
            "# The set command replaces the whole list:",
            "# keep the IDs already on it and add this",
            "# app's. Apps not on the list lose EWS: put",
            "# the IDs of other EWS tools in $add too.",
            *add,
            "$cfg = Get-OrganizationConfig",
            "$now = $cfg.EwsAllowedAppIDs -split '[,\\s]+'",
            "$ids = @($now | Where-Object { $_ })",
            "foreach ($id in $add) {",
            "  if ($ids -notcontains $id) { $ids += $id }",
            "}",
            "$list = $ids -join ','",
            "Set-OrganizationConfig -EwsAllowedAppIDs $list",
            "Set-OrganizationConfig -EwsEnabled $true",
            "# Only where the older user-agent allow",
            "# list is enforced:",
            f"$ua = {ps_quote(USER_AGENT_ENTRY)}",
            "$p = $cfg.EwsApplicationAccessPolicy",
            "$known = $cfg.EwsAllowList -contains $ua",
            "$enforced = $p -eq 'EnforceAllowList'",
            "if ($enforced -and -not $known) {",
            "  $change = @{Add=$ua}",
            "  Set-OrganizationConfig -EwsAllowList $change",
            "}",
            "(Get-OrganizationConfig).EwsAllowedAppIDs",
        ]

    def _enable_mailboxes(self, hide_ids: bool) -> list[str]:
        return [
            *self._mailbox_list(),
            "foreach ($m in $mailboxes) {",
            "  Set-CASMailbox $m -EwsEnabled $true",
            "  Get-CASMailbox $m |",
            "    Format-List Identity, EwsEnabled",
            "}",
        ]


def ps_quote(value: str) -> str:
    """A PowerShell single-quoted literal: nothing inside is expanded or run."""
    return "'" + "".join(c + c if c in _SINGLE_QUOTES else c for c in value) + "'"


def stage_e_commands(settings: Settings) -> StageECommands:
    """E1–E3 for these settings: every client ID the checks sign in with, every mailbox named."""
    skipped: list[str] = []
    ids: list[str] = []
    seen: set[str] = set()
    # Outgoing and incoming may override stage A's ID (fields 20 and C5): allow each one used.
    for section in ("outgoing", "incoming"):
        value = settings.effective_azure(section).client_id.strip()
        if not value or value.lower() in seen:
            continue
        seen.add(value.lower())
        if GUID_RE.match(value):
            ids.append(value)
        else:
            skipped.append(f"{shown_value(value)} (not an Application (client) ID)")
    skipped_mailboxes: list[str] = []
    mailboxes = _mailboxes(settings, skipped_mailboxes)
    return StageECommands(tuple(ids), mailboxes, tuple(skipped), tuple(skipped_mailboxes))


def _mailboxes(settings: Settings, skipped: list[str]) -> tuple[Mailbox, ...]:
    """The outgoing test user and sender, field 11's user, every incoming account's address."""
    out = settings.outgoing
    named: list[tuple[str, str]] = [
        (out.test.user_name, "B12 user"),
        (out.test.sender, "B12 sender"),
        (out.exchange_user, "field 11"),
        *((a.email, "C9") for a in settings.incoming.accounts),
    ]
    found: dict[str, tuple[str, list[str]]] = {}
    for value, source in named:
        address = value.strip()
        if not address:
            continue
        if _UNSAFE.search(address):
            skipped.append(f"{shown_value(address)} ({source}: not a mailbox name)")
            continue
        key = address.lower()  # Exchange matches addresses without regard to case
        if key not in found:
            found[key] = (address, [])
        if source not in found[key][1]:
            found[key][1].append(source)
    return tuple(Mailbox(address, tuple(sources)) for address, sources in found.values())


def shown_value(value: str, limit: int = 40) -> str:
    """A settings value safe to show in a message: control characters escaped, length bounded."""
    text = "".join(f"\\x{ord(c):02x}" if _UNSAFE.match(c) else c for c in value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def exchangelib_user_agent() -> str:
    """The User-Agent exchangelib sends, read from the installed versions without importing it
    (importing exchangelib costs ~0.6 s): "exchangelib/<version> (python-requests/<version>)"."""
    from importlib import metadata

    try:
        return (
            f"exchangelib/{metadata.version('exchangelib')} "
            f"(python-requests/{metadata.version('requests')})"
        )
    except metadata.PackageNotFoundError:
        return "exchangelib/<version> (python-requests/<version>)"
