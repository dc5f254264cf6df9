"""The sandbox portal's stage E (F2 in training): E1 shows Exchange's EWS settings, E2 and E3
switch them with the keyboard, the trainer's EWS mistakes break them, and the real exchangelib
sees each change only after the tenant's propagation delay. One sandbox for the module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Static

from tests.sandbox_runs import running_sandbox
from tui.app import MailSetupApp
from tui.sandbox import clients, ews_access
from tui.sandbox.sandbox import Sandbox
from tui.screens.portal import PortalScreen

SIZE = (80, 24)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("ews-org-off") as sb:
        yield sb


def ews_answer(sandbox: Sandbox) -> str:
    """What exchangelib gets reading the guide's account's inbox: "ok", "403" or "401"."""
    from exchangelib.errors import MalformedResponseError, UnauthorizedError

    clients.close_connections()
    info = sandbox.info
    user = info["users"][0]
    token = clients.ropc_token(info, user["email"], user["password"])
    try:
        clients.ews_account(info, token, user["email"]).inbox.total_count  # noqa: B018
    except MalformedResponseError:
        return "403"
    except UnauthorizedError:
        return "401"
    return "ok"


def box(app: MailSetupApp, key: str) -> Checkbox:
    return app.screen.query_one(f"#{key}", Checkbox)


async def open_portal(pilot) -> PortalScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.press("f2")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PortalScreen)
    return screen


async def test_e2_with_keys_lets_ews_in_after_the_delay(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("ews-org-off")
    sandbox.patch({"propagation": {"seconds": 1.0}})  # a class waits longer; the test does not
    assert ews_answer(sandbox) == "403" and sandbox.last_ews_refusal == ews_access.ORG_OFF
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_portal(pilot)
        e1 = str(screen.query_one("#portal-ews-state", Static).render())
        assert "Get-OrganizationConfig" in e1 and "Get-CASMailbox" in e1
        assert "EwsEnabled                 : \n" in e1  # never set: shown empty, as PowerShell
        assert not box(app, "portal-ews-org").value
        await pilot.press("tab", "tab", "tab")  # A10 → A14 → A17 → E2 (E1 only shows)
        assert app.focused is box(app, "portal-ews-org")
        await pilot.press("space")
        await pilot.pause()
        tenant = sandbox.state["tenant"]
        assert tenant["ews_enabled"] is True
        assert tenant["ews_allowed_app_ids"] == [sandbox.info["client_id"]]
        assert box(app, "portal-ews-org").value
        assert "EwsEnabled                 : True" in str(
            screen.query_one("#portal-ews-state", Static).render()
        )
        assert sandbox.propagating
        assert ews_answer(sandbox) == "403"  # Exchange has not caught up yet
        deadline = time.monotonic() + 5
        while sandbox.propagating and time.monotonic() < deadline:
            await pilot.pause(0.1)
        assert ews_answer(sandbox) == "ok"


async def test_mailbox_mistake_and_e3(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("ready")
    # Only Exchange's cached switches, not its blanket "403 while propagating".
    sandbox.patch({"propagation": {"seconds": 30, "ews_forbidden": False}})
    user = sandbox.info["users"][0]["email"]
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_portal(pilot)
        assert box(app, "portal-ews-mailbox").value  # nothing set to $false in ready
        box(app, "mistake-ews-mailbox-off").focus()
        await pilot.press("space")
        await pilot.pause()
        assert sandbox.state["users"][user]["ews_enabled"] is False
        assert not box(app, "portal-ews-mailbox").value
        assert ews_answer(sandbox) == "ok"  # still Exchange's old view
        sandbox.settle()
        assert ews_answer(sandbox) == "403"
        assert sandbox.last_ews_refusal == ews_access.MAILBOX_OFF
        box(app, "portal-ews-mailbox").focus()
        await pilot.press("space")
        await pilot.pause()
        assert sandbox.state["users"][user]["ews_enabled"] is True
        assert not box(app, "mistake-ews-mailbox-off").value
        sandbox.settle()
        assert ews_answer(sandbox) == "ok"


async def test_ews_mistakes_each_block_until_e2(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("ready")
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_portal(pilot)
        for mistake, rule in (
            ("ews-off", ews_access.ORG_OFF),
            ("ews-other-app", ews_access.APP_NOT_ALLOWED),
            ("ews-agent", ews_access.AGENT_NOT_ALLOWED),
        ):
            box(app, f"mistake-{mistake}").focus()
            await pilot.press("space")
            await pilot.pause()
            assert box(app, f"mistake-{mistake}").value
            assert not box(app, "portal-ews-org").value, mistake
            assert ews_answer(sandbox) == "403" and sandbox.last_ews_refusal == rule, mistake
            box(app, "portal-ews-org").focus()  # E2 repairs every one of them
            await pilot.press("space")
            await pilot.pause()
            assert box(app, "portal-ews-org").value and not box(app, f"mistake-{mistake}").value
            assert ews_answer(sandbox) == "ok", mistake
        box(app, "mistake-kiosk").focus()
        await pilot.press("space")
        await pilot.pause()
        assert ews_answer(sandbox) == "403"
        assert sandbox.last_ews_refusal == ews_access.LICENSE_REFUSED
        await pilot.press("space")
        await pilot.pause()
        assert ews_answer(sandbox) == "ok"


async def test_slow_consent_mistake_answers_2000008(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("ready")
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_portal(pilot)
        box(app, "mistake-no-permissions").focus()
        await pilot.press("space")
        await pilot.pause()
        assert sandbox.propagating
        assert ews_answer(sandbox) == "401"
        sandbox.settle()
        assert ews_answer(sandbox) == "ok"
        await pilot.press("space")
        await pilot.pause()
        assert not sandbox.state["propagation"]["ews_no_permissions"]


async def test_skipping_e2_says_fix_at_e2_and_e2_in_the_portal_fixes_it(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trainee did stage A in the fresh tenant but not E2: the check names E2, the portal's
    E2 lets the retest pass (once Exchange has caught up)."""
    from tests.sandbox_runs import app_on
    from tests.ui.test_checks_scenarios import run_until_done, screen_text
    from tui.screens.checks import CheckScreen

    monkeypatch.setattr(CheckScreen, "RETRY_WAIT", 0.0)
    sandbox.load_scenario("fresh")
    client_id = sandbox.info["client_id"]
    stage_a = {"permissions": ["EWS.AccessAsUser.All", "User.Read"], "admin_consent": True}
    sandbox.patch({"apps": {client_id: {**stage_a, "public_client_flows": True}}})
    sandbox.settle()
    app = app_on(sandbox, tmp_path)
    app.sandbox = sandbox  # the portal of this tenant, as --demo has it
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_run_checks("outgoing")
        await pilot.pause()
        check = app.screen
        assert isinstance(check, CheckScreen)
        await run_until_done(pilot, check, limit=30)
        shown = check.details_for_test()
        assert (shown["code"], shown["step"]) == ("HTTP403", "E2")
        assert "Fix at E2 — " in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        await open_portal(pilot)
        box(app, "portal-ews-org").focus()
        await pilot.press("space")
        await pilot.pause()
        assert box(app, "portal-ews-org").value
        sandbox.settle()  # what waiting out the propagation delay does
        await pilot.press("escape")
        await pilot.pause()
        app.action_run_checks("outgoing")
        await pilot.pause()
        check = app.screen
        assert isinstance(check, CheckScreen)
        await run_until_done(pilot, check, limit=30)
        assert check.details_for_test()["verdict"].startswith("OK!")


async def test_p_shows_the_passwords_where_they_can_be_read(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """At 80x24 the A19 list is below the switches: p scrolls it into view as it reveals."""
    app = MailSetupApp(tmp_path / "settings.toml", sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_portal(pilot)
        users = screen.query_one("#portal-users", Static)
        password = sandbox.info["users"][0]["password"]
        assert password not in str(users.render())
        await pilot.press("p")
        await pilot.pause()
        assert password in str(users.render())
        top = users.region.y
        assert 0 <= top < SIZE[1] - 1, users.region  # on screen, not below the fold
