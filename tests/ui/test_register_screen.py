"""Stage A by mailsetup in the wizard, against the sandbox: the device code on screen and copied,
the plan, apply, the IDs filled in and A1–A18 ticked, the outgoing test one key away; the doctor
jumps to the failed step; Esc stops at once while the sign-in waits.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox_runs import app_on, running_sandbox
from tui.app import MailSetupApp
from tui.sandbox.sandbox import Sandbox
from tui.screens.checks import CheckScreen
from tui.screens.register import RegisterScreen
from tui.screens.wizard import WizardScreen

SIZE = (80, 24)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("unregistered") as sb:
        yield sb


@pytest.fixture(autouse=True)
def _unregistered(sandbox: Sandbox) -> None:
    sandbox.load_scenario("unregistered")
    sandbox.patch({"sign_in": {"interval": 1}, "propagation": {"seconds": 0}})
    sandbox.sign_ins.auto_approve = False


def unregistered_app(sandbox: Sandbox, tmp_path: Path) -> MailSetupApp:
    app = app_on(sandbox, tmp_path)
    app.settings.azure.client_id = ""
    app.settings.done_steps = []
    return app


async def wait_for(pilot, condition, limit: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.1)


def footer_keys(app: MailSetupApp) -> set[str]:
    """The screen's own keys the footer offers now (check_action hides the others)."""
    screen = app.screen
    return {
        b.action
        for _, b in screen._bindings
        if b.show and screen.check_action(b.action, ()) is True
    }


def footer_line(app: MailSetupApp) -> str:
    return "".join(s.text for s in app.screen._compositor.render_update(full=True).strips[-1])


def screen_text(app: MailSetupApp) -> str:
    return "\n".join(str(s.render()) for s in app.screen.query("Static"))


async def test_let_mailsetup_do_stage_a(sandbox: Sandbox, tmp_path: Path) -> None:
    app = unregistered_app(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RegisterScreen)
        await wait_for(pilot, lambda: screen.code is not None)
        code = screen.code
        assert code is not None and code.user_code in screen_text(app)
        assert footer_keys(app) == {"back", "copy_code"}  # nothing to apply or go to yet
        await pilot.press("c")
        assert app.clipboard == code.user_code
        ok, _ = sandbox.sign_ins.approve(sandbox.state, code.user_code)
        assert ok
        await wait_for(pilot, lambda: screen.has_class("-confirm"))
        assert footer_keys(app) == {"back", "apply", "goto_fix"}
        await pilot.press("a")
        await wait_for(pilot, lambda: screen.result is not None)
        await pilot.pause()
        assert footer_keys(app) == {"back", "goto_fix", "test_outgoing"}
        assert "t Test outgoing" in footer_line(app)  # was cut at 80 columns with all six
        assert screen.result is not None and screen.result.ok, screen.result
        assert app.settings.azure.client_id == screen.result.client_id != ""
        assert {"A1", "A10", "A14", "A17"} <= set(app.settings.done_steps)
        from tui.screens.panes.base import StepTick

        ticks = {t.step_id: t.value for t in app.screen_stack[0].query(StepTick)}
        assert ticks["A1"] and ticks["A7"]  # the pane under this screen shows them too
        assert app.dirty  # the admin saves with Ctrl+S, as every other change
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, CheckScreen)


async def test_check_my_registration_jumps_to_the_failed_step(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.sign_ins.auto_approve = True
    app = unregistered_app(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RegisterScreen)
        await wait_for(pilot, lambda: screen.result is not None)
        assert screen.result is not None and not screen.result.ok  # no app at all yet
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        assert app.screen.current_pane.id == "pane-a-ids"  # A8: the app is missing


async def test_esc_while_the_sign_in_waits_returns_at_once(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app = unregistered_app(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, RegisterScreen)
        await wait_for(pilot, lambda: screen.code is not None)
        started = time.monotonic()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        assert time.monotonic() - started < 1.0
        assert screen.cancel.is_set()
        await wait_for(pilot, lambda: not sandbox.sign_ins.pending() or True)
        assert app.settings.azure.client_id == ""
