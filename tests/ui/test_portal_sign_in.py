"""The training portal as microsoft.com/devicelogin: the trainee sees the waiting sign-in's code,
types it (or confirms the only one) and approves or declines, while the real msal device flow
polls the embedded sandbox over HTTPS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.widgets import Input, Static

from tests.sandbox_runs import running_sandbox
from tui.app import MailSetupApp
from tui.sandbox import clients
from tui.sandbox.sandbox import Sandbox
from tui.screens.portal import PortalScreen

SIZE = (80, 24)
SCOPES = ["Application.ReadWrite.All"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("unregistered") as sb:
        yield sb


def start_sign_in(sandbox: Sandbox) -> tuple[dict[str, Any], dict[str, Any], threading.Thread]:
    """msal's device flow, polling in a thread until the portal answers (or 20 s pass)."""
    sandbox.load_scenario("unregistered")
    sandbox.patch({"sign_in": {"interval": 1}})
    info = sandbox.info
    app = clients.public_app(info, client_id=info["admin_client_id"], tenant="organizations")
    flow = app.initiate_device_flow(scopes=SCOPES)
    flow["expires_at"] = time.time() + 20
    result: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: result.update(app.acquire_token_by_device_flow(flow)), daemon=True
    )
    thread.start()
    return flow, result, thread


async def open_portal(pilot: Any, app: MailSetupApp) -> PortalScreen:
    await pilot.press("f2")
    await pilot.pause()
    assert isinstance(app.screen, PortalScreen)
    return app.screen


async def test_typed_code_approves_and_msal_gets_its_token(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    flow, result, thread = start_sign_in(sandbox)
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        portal = await open_portal(pilot, app)
        shown = str(portal.query_one("#portal-sign-ins", Static).render())
        assert flow["user_code"] in shown and "Microsoft Graph Command Line Tools" in shown
        portal.query_one("#portal-user-code", Input).focus()
        await pilot.press(*flow["user_code"].lower(), "enter")  # case does not matter
        await pilot.pause()
    thread.join(timeout=10)
    assert "access_token" in result, result


async def test_confirming_the_only_waiting_code_and_declining(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    _flow, result, thread = start_sign_in(sandbox)
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        portal = await open_portal(pilot, app)
        portal.query_one("#portal-decline").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert sandbox.sign_ins.pending() == []
    thread.join(timeout=10)
    assert result["error"] == "authorization_declined"


async def test_a_wrong_code_is_said_plainly(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("unregistered")
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        portal = await open_portal(pilot, app)
        portal.query_one("#portal-user-code", Input).focus()
        await pilot.press(*"WRONGCODE", "enter")
        await pilot.pause()
        assert any("recognize" in str(n.message) for n in app._notifications)


def shown_on_screen(app: MailSetupApp, widget_id: str) -> bool:
    """The widget is focused and at least partly inside the 80x24 screen (scrolled to)."""
    widget = app.screen.query_one(widget_id)
    region = widget.region
    return app.focused is widget and region.height > 0 and 0 <= region.y < SIZE[1] - 1


async def test_a_waiting_sign_in_opens_the_portal_at_its_code_field(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """F2 while `mailsetup register` waits: the code field has the focus, in view, and the code
    typed as people do (lower case, in groups with hyphens) is taken, as Microsoft's page does."""
    flow, result, thread = start_sign_in(sandbox)
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_portal(pilot, app)
        await pilot.pause()
        assert shown_on_screen(app, "#portal-user-code")
        code = flow["user_code"].lower()
        await pilot.press(*f"{code[:3]}-{code[3:6]}-{code[6:]}", "enter")
        await pilot.pause()
        assert sandbox.sign_ins.pending() == []
    thread.join(timeout=10)
    assert "access_token" in result, result


async def test_key_a_goes_to_the_code_field_and_is_listed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """With nothing waiting the portal opens at its first step; `a` (in the footer and F1) jumps
    past the switches and users to the code field."""
    from tui.screens.help import PORTAL_KEYS

    sandbox.load_scenario("unregistered")
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        portal = await open_portal(pilot, app)
        assert app.focused is not None and app.focused.id == "portal-manifest"
        shown = {b.key: b for b in portal.BINDINGS if isinstance(b, Binding) and b.show}
        assert shown["a"].description == "Approve sign-in"
        assert "\n  a the code field of Approve sign-in" in PORTAL_KEYS
        await pilot.press("a")
        await pilot.pause()
        assert shown_on_screen(app, "#portal-user-code")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PortalScreen)
