"""The live check screen against the embedded sandbox: each scenario's failure names the right
guide step and the jump key lands there; the countdown retry ends in "OK!" once propagation is
over; Esc returns at once while a request hangs; the copied details and every screen carry no
password, secret or token. One sandbox for the module; scenarios are switched, never restarted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox_runs import app_on, running_sandbox
from tui.app import MailSetupApp
from tui.sandbox.sandbox import Sandbox
from tui.screens.checks import CheckScreen
from tui.screens.panes.catalog import SLOT_OF_STEP
from tui.screens.portal import PortalScreen
from tui.screens.wizard import WizardScreen

SIZE = (80, 24)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("ready") as sb:
        yield sb


async def run_until_done(pilot, screen: CheckScreen, limit: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    waited = 0.0
    while screen.running and waited < limit:
        await pilot.pause(0.05)
        waited += 0.05
    assert not screen.running, "the check did not finish"
    await pilot.pause()


def screen_text(app: MailSetupApp) -> str:
    """What the terminal shows, as plain text (the SVG screenshot without its markup)."""
    svg = app.export_screenshot()
    body = svg[svg.index("<g class=\"terminal"):] if "<g class=\"terminal" in svg else svg
    return html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")


@pytest.mark.parametrize(
    ("scenario", "code", "step", "pane"),
    [
        ("public-client-flows-off", "AADSTS7000218", "A17", "pane-a-auth"),
        ("no-admin-consent", "AADSTS65001", "A14", "pane-a-consent"),
        ("mfa-required", "AADSTS50076", "A19", "pane-a-public"),
        ("password-expired", "AADSTS50055", "B12", "pane-b-check"),
        ("account-locked", "AADSTS50053", "B12", "pane-b-check"),
        ("ews-app-not-allowed", "HTTP403", "E2", "pane-e-allow"),
        ("ews-org-off", "HTTP403", "E2", "pane-e-allow"),
        ("token-no-permissions", "TOKEN_NO_PERMISSIONS", "A14", "pane-a-consent"),
    ],
)
async def test_failure_names_the_step_and_g_jumps_there(
    sandbox: Sandbox, tmp_path: Path, no_waiting: None, scenario: str, code: str, step: str, pane: str
) -> None:
    sandbox.load_scenario(scenario)
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_run_checks("outgoing")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await run_until_done(pilot, screen)
        shown = screen.details_for_test()
        assert (shown["code"], shown["step"]) == (code, step)
        assert "Failed" in shown["verdict"]
        assert f"Fix at {step} — " in screen_text(app)
        assert app.check_results["B13"] is False
        assert step in SLOT_OF_STEP  # every step a diagnosis names has its pane (E2 too)
        await pilot.press("g")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, WizardScreen)
        assert step in wizard.current_pane.STEP_IDS, (wizard.current_pane.id, pane)


async def test_countdown_retry_succeeds_after_propagation(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("ready")
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        sandbox.load_scenario("propagating")
        sandbox.patch({"propagation": {"seconds": 1.5}})  # the clock started at load: 1.5 s of 403
        app.action_run_checks("outgoing")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        saw_countdown = False
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.waiting:
                note = str(screen.query_one("#retry-note").render())
                # A 403 is a policy block first (E2), propagation second: the note says both.
                saw_countdown = saw_countdown or ("E2" in note and "on its own" in note)
            if not screen.running:
                break
        assert saw_countdown
        assert screen.details_for_test()["verdict"].startswith("OK!")
        assert app.check_results["B13"] is True


async def test_stop_waiting_key_ends_the_countdown(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("propagating")  # 60 s of 403: only the key ends this quickly
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_run_checks("outgoing")
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.waiting:
                break
        assert screen.waiting
        await pilot.press("s")
        await run_until_done(pilot, screen, limit=5)
        assert screen.details_for_test()["code"] == "HTTP403"
        assert app.check_results["B13"] is False


async def test_escape_returns_at_once_while_a_request_hangs(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("ready")
    sandbox.patch({"latency_ms": 4000})  # longer than the check timeout
    try:
        app = app_on(sandbox, tmp_path, timeout=2.0)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.action_run_checks("outgoing")
            await pilot.pause(0.3)  # the reach step is now waiting on the sandbox
            screen = app.screen
            assert isinstance(screen, CheckScreen) and screen.running
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, WizardScreen)  # back while the thread still waits
            assert screen.cancel.is_set()
            assert "B13" not in app.check_results  # a cancelled run records nothing
    finally:
        sandbox.patch({"latency_ms": 0})


async def test_no_secret_on_screens_or_in_copied_details(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("mfa-required")
    settings = sandbox.settings()
    secrets = set(settings.secrets())
    assert secrets
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app.settings = settings
        await pilot.pause()
        pictures = []
        app.action_run_checks("all")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await run_until_done(pilot, screen)
        pictures.append(screen_text(app))
        await pilot.press("r")  # Microsoft's raw error open
        await pilot.pause()
        pictures.append(screen_text(app))
        await pilot.press("y")
        await pilot.pause()
        copied = app.clipboard
        assert "AADSTS50076" in copied and "Guide step: A19" in copied
        assert "Copied the details" in str(screen.query_one("#copied-note").render())
        pictures.append(screen_text(app))
        await pilot.press("escape", "f2")
        await pilot.pause()
        assert isinstance(app.screen, PortalScreen)
        pictures.append(screen_text(app))
        for text in [copied, *pictures]:
            for secret in secrets:
                assert secret not in text
            assert "eyJ" not in text  # no JWT, not even a stray one


async def test_a_mailbox_of_its_own_blocked_is_e3_in_the_wizard(
    sandbox: Sandbox, tmp_path: Path, no_waiting: None
) -> None:
    """The other mailboxes of the same app pass in the same run: the 403 is this mailbox's own
    switch (or licence), E3, not the organisation's allow list."""
    sandbox.load_scenario("ews-mailbox-off")
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_run_checks("all")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await run_until_done(pilot, screen, limit=30)
        shown = screen.details_for_test()
        assert (shown["code"], shown["step"]) == ("HTTP403_MAILBOX", "E3")
        assert "Fix at E3 — " in screen_text(app)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        assert app.screen.current_pane.id == "pane-e-mailboxes"
