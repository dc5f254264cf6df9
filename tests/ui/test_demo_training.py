"""The whole training path with keys only: ``fresh`` sandbox → portal steps → wizard → "OK!".

What a trainee does in ``mailsetup --demo``: the first test fails at A17 (public client flows
off), the portal switches fix stage A, and the outgoing check and two incoming accounts end in
"OK!" — all routed to the embedded sandbox while the settings keep Microsoft's host names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox_runs import running_sandbox
from tests.ui.test_walk import add_account, type_text
from tui.app import MailSetupApp
from tui.sandbox.sandbox import Sandbox
from tui.screens.checks import CheckScreen
from tui.screens.portal import PortalScreen
from tui.screens.wizard import WizardScreen

SIZE = (80, 24)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("fresh") as sb:
        yield sb


async def finish(pilot, screen: CheckScreen) -> dict[str, object]:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if not screen.running:
            break
        await pilot.pause(0.05)
    await pilot.pause()
    return screen.details_for_test()


async def test_fresh_to_ok_with_keys_only(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("fresh")
    sandbox.patch({"propagation": {"seconds": 0}})  # a class waits minutes; the test does not
    state = sandbox.state
    client_id, tenant_id = state["primary_app"], state["tenant"]["id"]
    users = {e: u["password"] for e, u in state["users"].items()}
    erp, adele, orders = (e for e in users)
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, WizardScreen)
        assert app.settings.azure.client_id == ""  # nothing prefilled

        # A8: the IDs as the portal shows them (c copies; the trainee pastes).
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, PortalScreen)
        await pilot.press("c")
        assert app.clipboard == client_id
        await pilot.press("escape", "ctrl+n")
        await pilot.pause()
        assert wizard.current_pane.id == "pane-a-ids"
        await type_text(pilot, client_id)
        await pilot.press("enter")
        await type_text(pilot, tenant_id)

        # B: the check form, as the guide's dialog asks.
        app.action_goto_step("B12")
        await pilot.pause()
        assert wizard.current_pane.id == "pane-b-check"
        await pilot.press("ctrl+b", "ctrl+n")  # opened from the top, as Next does
        await pilot.pause()
        await pilot.press("tab", "tab")
        for value in (adele, erp, erp, users[erp]):
            await type_text(pilot, value)
            await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "test-outgoing"
        await pilot.press("enter")
        await pilot.pause()
        check = app.screen
        assert isinstance(check, CheckScreen)
        shown = await finish(pilot, check)
        assert (shown["code"], shown["step"]) == ("AADSTS7000218", "A17")  # the fresh tenant

        # Stage A's portal steps in the sandbox portal, keys only.
        await pilot.press("escape", "f2")
        await pilot.pause()
        assert isinstance(app.screen, PortalScreen)
        await pilot.press("space", "tab", "space", "tab", "space", "tab", "space")
        await pilot.pause()
        app_state = sandbox.state["apps"][client_id]
        assert app_state["public_client_flows"] and app_state["admin_consent"]
        # Stage E: E2 (the tab after A17 skips E1, which only shows the settings).
        assert client_id in sandbox.state["tenant"]["ews_allowed_app_ids"]
        assert sandbox.state["tenant"]["ews_enabled"] is True
        await pilot.press("escape")
        await pilot.pause()

        # Test again: OK!
        wizard.goto_step("B13")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        check = app.screen
        assert isinstance(check, CheckScreen)
        shown = await finish(pilot, check)
        assert str(shown["verdict"]).startswith("OK!")
        assert app.check_results["B13"] is True
        assert app.settings.outgoing.server_address == "outlook.office365.com"  # routed, not changed

        # C: two incoming accounts, validated together.
        await pilot.press("escape")
        await pilot.pause()
        app.action_goto_step("C8")
        await pilot.pause()
        assert wizard.current_pane.id == "pane-c-accounts"
        await add_account(pilot, orders, orders, users[orders])
        await add_account(pilot, adele, adele, users[adele])
        await pilot.press("V")
        await pilot.pause()
        check = app.screen
        assert isinstance(check, CheckScreen)
        shown = await finish(pilot, check)
        assert str(shown["verdict"]).startswith("OK!")
        await pilot.press("escape")
        await pilot.pause()
        assert app.check_results["C14"] is True
        assert all(a.last_validated for a in app.settings.incoming.accounts)
        assert wizard.statuses["B13"].value == wizard.statuses["C14"].value == "checked"
