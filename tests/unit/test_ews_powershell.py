"""Stage E's PowerShell builder: filled in from the settings, placeholders only where a value is
missing, safe quoting, lines that fit the pane, and the allow list read and written back whole."""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys

import pytest

from tests.ui.conftest import CLIENT_ID, filled_settings
from tui.ews_powershell import (
    CLIENT_ID_PLACEHOLDER,
    HIDDEN_ID,
    MAILBOX_PLACEHOLDER,
    NOT_READY,
    USER_AGENT_ENTRY,
    WIDTH,
    exchangelib_user_agent,
    ps_quote,
    shown_value,
    stage_e_commands,
)
from tui.settings.model import Account, Secret, Settings

OTHER_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def test_filled_in_from_the_settings() -> None:
    commands = stage_e_commands(filled_settings())
    assert commands.client_ids == (CLIENT_ID,)
    # The test user, sender and field 11 are one mailbox (case aside); then each account.
    assert [m.address for m in commands.mailboxes] == [
        "erp@contoso.com",
        "orders@contoso.com",
        "cases@contoso.com",
    ]
    assert commands.mailboxes[0].sources == ("B12 user", "B12 sender", "field 11")
    for step_id in ("E1", "E2", "E3"):
        assert commands.missing(step_id) == ()
        block = commands.block(step_id)
        assert "<" not in block  # no placeholder anywhere
        assert not block.startswith(NOT_READY)

    e1 = commands.block("E1")
    assert e1.splitlines()[2] == "Connect-ExchangeOnline"
    assert e1.splitlines()[1] == "#   Install-Module ExchangeOnlineManagement"
    for name in ("EwsEnabled", "EwsAllowedAppIDs", "EwsApplicationAccessPolicy", "EwsAllowList"):
        assert f"'{name}'" in e1
    assert "Get-OrganizationConfig | Format-List $show" in e1
    assert "  Get-CASMailbox $m |\n    Format-List Identity, EwsEnabled" in e1  # | continues
    for address in ("erp@contoso.com", "orders@contoso.com", "cases@contoso.com"):
        assert e1.count(f"'{address}'") == 1

    e2 = commands.block("E2")
    assert f"$add = '{CLIENT_ID}'" in e2
    assert "Set-OrganizationConfig -EwsAllowedAppIDs $list" in e2
    assert "Set-OrganizationConfig -EwsEnabled $true" in e2
    assert f"$ua = '{USER_AGENT_ENTRY}'" in e2
    assert "  $change = @{Add=$ua}\n  Set-OrganizationConfig -EwsAllowList $change" in e2
    assert "'EnforceAllowList'" in e2

    e3 = commands.block("E3")
    assert "Set-CASMailbox $m -EwsEnabled $true" in e3
    assert e3.count("'orders@contoso.com'") == 1


def test_unfilled_settings_show_unquoted_placeholders() -> None:
    commands = stage_e_commands(Settings())
    assert commands.client_ids == () and commands.mailboxes == ()
    assert "A8" in commands.missing("E2")[0]
    assert "C9" in commands.missing("E1")[0] and commands.missing("E3") == commands.missing("E1")
    e2 = commands.block("E2")
    # Unquoted, PowerShell refuses the line: nothing is written to the list in its name.
    assert f"$add = {CLIENT_ID_PLACEHOLDER}" in e2.splitlines()
    assert e2.splitlines()[0] == NOT_READY
    for step_id in ("E1", "E3"):
        lines = commands.block(step_id).splitlines()
        assert lines[0] == NOT_READY
        assert f"  {MAILBOX_PLACEHOLDER}" in lines


def test_only_missing_values_are_placeholders() -> None:
    s = Settings()
    s.azure.client_id = CLIENT_ID
    commands = stage_e_commands(s)
    assert commands.missing("E2") == ()
    assert f"'{CLIENT_ID}'" in commands.block("E2")
    assert NOT_READY not in commands.block("E2")
    assert NOT_READY in commands.block("E1")

    s = Settings()
    s.incoming.accounts = [Account("orders@contoso.com", "orders", Secret("x"))]
    commands = stage_e_commands(s)
    assert commands.missing("E1") == () and commands.missing("E2")
    assert "'orders@contoso.com'" in commands.block("E3")


def test_every_client_id_in_use_is_allowed_once() -> None:
    s = filled_settings()
    s.incoming.azure.client_id = OTHER_ID  # incoming e-mail uses a second app (C5)
    s.outgoing.azure.client_id = CLIENT_ID.upper()  # the same app as A8, typed in capitals
    commands = stage_e_commands(s)
    assert commands.client_ids == (CLIENT_ID.upper(), OTHER_ID)
    lines = commands.block("E2").splitlines()
    start = lines.index("$add = @(")
    added = ["$add = @(", f"  '{CLIENT_ID.upper()}'", f"  '{OTHER_ID}'", ")"]
    assert lines[start : start + 4] == added


def test_an_invalid_client_id_is_left_out_with_the_reason() -> None:
    s = Settings()
    s.azure.client_id = "not-a-guid"
    commands = stage_e_commands(s)
    assert commands.client_ids == ()
    assert commands.skipped("E2") == ("not-a-guid (not an Application (client) ID)",)
    assert commands.skipped("E1") == ()
    assert "not-a-guid" not in commands.block("E2")
    assert commands.missing("E2")


def test_quoting_keeps_names_literal() -> None:
    assert ps_quote("o'brien@contoso.com") == "'o''brien@contoso.com'"
    # PowerShell also ends a single-quoted string at typographic quotes: doubled as well.
    assert ps_quote("a\u2019b") == "'a\u2019\u2019b'"
    assert ps_quote("$(Remove-Item x)") == "'$(Remove-Item x)'"
    s = Settings()
    s.outgoing.test.sender = "o'brien@contoso.com"
    s.outgoing.exchange_user = "evil\x1b[2J@contoso.com"
    s.incoming.accounts = [Account("a\tb@contoso.com", "", Secret(""))]
    commands = stage_e_commands(s)
    assert [m.address for m in commands.mailboxes] == ["o'brien@contoso.com"]
    assert "  'o''brien@contoso.com'" in commands.block("E3").splitlines()
    assert commands.skipped("E1") == (
        "evil\\x1b[2J@contoso.com (field 11: not a mailbox name)",
        "a\\x09b@contoso.com (C9: not a mailbox name)",
    )
    assert "\x1b" not in "".join(commands.skipped("E3"))
    assert shown_value("x" * 100).endswith("…") and len(shown_value("x" * 100)) == 40


def test_lines_fit_the_pane_at_80_columns() -> None:
    s = filled_settings()
    s.incoming.azure.client_id = OTHER_ID
    commands = stage_e_commands(s)
    for step_id in ("E1", "E2", "E3"):
        for hide in (False, True):
            for line in commands.block(step_id, hide_ids=hide).splitlines():
                assert len(line) <= WIDTH, line
    for step_id in ("E1", "E2", "E3"):
        for line in stage_e_commands(Settings()).block(step_id).splitlines():
            assert len(line) <= WIDTH, line


def test_hidden_ids_only_on_screen() -> None:
    commands = stage_e_commands(filled_settings())
    shown = commands.block("E2", hide_ids=True)
    assert CLIENT_ID not in shown and f"$add = {HIDDEN_ID}" in shown
    assert CLIENT_ID in commands.block("E2")


def run_allow_list_logic(block: str, current: object) -> str:
    """What E2's lines do to the list, step by step, with PowerShell's documented semantics:
    ``-split`` splits each string of a collection ($null gives one empty string), Where-Object
    drops empty strings, ``-notcontains`` compares case-insensitively, ``-join`` joins."""
    lines = block.splitlines()
    add_at = next(i for i, line in enumerate(lines) if line.startswith("$add ="))
    if lines[add_at] == "$add = @(":
        end = lines.index(")", add_at)
        add = [line.strip().strip("'") for line in lines[add_at + 1 : end]]
    else:
        add = [lines[add_at].split("=", 1)[1].strip().strip("'")]
    split_line = next(line for line in lines if "$cfg.EwsAllowedAppIDs -split" in line)
    pattern = re.search(r"-split '([^']*)'", split_line).group(1)  # type: ignore[union-attr]
    assert "$ids = @($now | Where-Object { $_ })" in lines
    assert "  if ($ids -notcontains $id) { $ids += $id }" in lines
    join = re.search(r"\$list = \$ids -join '([^']*)'", block).group(1)  # type: ignore[union-attr]
    # Read before written: the list comes from Get-OrganizationConfig, the whole list goes back.
    assert lines.index("$cfg = Get-OrganizationConfig") < lines.index(
        "Set-OrganizationConfig -EwsAllowedAppIDs $list"
    )
    items = current if isinstance(current, list) else ["" if current is None else str(current)]
    ids = [part for item in items for part in re.split(pattern, item) if part]
    for new in add:
        if new.lower() not in (i.lower() for i in ids):
            ids.append(new)
    return join.join(ids)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (None, CLIENT_ID),  # an empty list: just this app (and it now restricts EWS to it)
        ("", CLIENT_ID),
        (OTHER_ID, f"{OTHER_ID},{CLIENT_ID}"),  # other apps keep their place
        (f"{OTHER_ID}, {CLIENT_ID.upper()}", f"{OTHER_ID},{CLIENT_ID.upper()}"),  # no duplicate
        ([OTHER_ID, CLIENT_ID], f"{OTHER_ID},{CLIENT_ID}"),  # read back as a collection
    ],
)
def test_allow_list_is_read_and_written_back_whole(current: object, expected: str) -> None:
    block = stage_e_commands(filled_settings()).block("E2")
    assert run_allow_list_logic(block, current) == expected


def test_two_apps_are_both_added() -> None:
    s = filled_settings()
    s.incoming.azure.client_id = OTHER_ID
    block = stage_e_commands(s).block("E2")
    assert run_allow_list_logic(block, OTHER_ID) == f"{OTHER_ID},{CLIENT_ID}"
    assert run_allow_list_logic(block, None) == f"{CLIENT_ID},{OTHER_ID}"


def test_user_agent_is_what_exchangelib_sends_and_the_entry_matches_it() -> None:
    from exchangelib.protocol import BaseProtocol

    assert exchangelib_user_agent() == BaseProtocol.USERAGENT
    assert exchangelib_user_agent().startswith("exchangelib/")
    # EwsAllowList supports the * wildcard (Set-OrganizationConfig reference).
    assert fnmatch.fnmatchcase(BaseProtocol.USERAGENT, USER_AGENT_ENTRY)


def test_builder_is_headless() -> None:
    code = "import sys, tui.ews_powershell; print('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = {name.split(".")[0] for name in out.stdout.split()}
    assert not loaded & {"textual", "msal", "exchangelib", "requests"}
