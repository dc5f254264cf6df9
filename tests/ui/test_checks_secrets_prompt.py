"""Passwords kept out of the file are asked for when a check needs them, used for the session,
and still not written to the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox_runs import running_sandbox
from tui.app import MailSetupApp
from tui.sandbox.sandbox import Sandbox
from tui.screens.checks import CheckScreen
from tui.screens.secrets_prompt import SecretsPrompt, missing_secrets
from tui.settings.model import Secret
from tui.settings.store import load_settings, save_settings

SIZE = (80, 24)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("ready") as sb:
        yield sb


def file_without_passwords(sandbox: Sandbox, tmp_path: Path) -> tuple[Path, str]:
    settings = sandbox.settings()
    password = settings.outgoing.test.password.value
    settings.store_secrets = False
    path = save_settings(settings, tmp_path / "settings.toml")
    assert password and password not in path.read_text()
    return path, password


def test_only_secrets_nothing_provides_are_missing(sandbox: Sandbox) -> None:
    settings = sandbox.settings()
    assert missing_secrets(settings, ["outgoing"]) == []
    settings.outgoing.test.password = Secret()
    assert missing_secrets(settings, ["outgoing"]) == []  # stored file, empty: validation says it
    settings.outgoing.test.password = Secret(env="MAILSETUP_TEST_UNSET_VARIABLE")
    ((label, field, _),) = missing_secrets(settings, ["outgoing"])
    assert field == "outgoing.test.password" and "Password (Exchange)" in label
    settings.store_secrets = False
    settings.incoming.accounts[0].password = Secret()
    first = settings.incoming.accounts[0].email
    fields = [f for _, f, _ in missing_secrets(settings, ["outgoing", f"incoming:{first}"])]
    assert fields == ["outgoing.test.password", "incoming.accounts[0].password"]


async def test_check_asks_then_passes_and_the_file_stays_without_password(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    path, password = file_without_passwords(sandbox, tmp_path)
    app = MailSetupApp(path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_run_checks("outgoing")
        await pilot.pause(0.3)
        assert isinstance(app.screen, SecretsPrompt)
        await pilot.press(*password, "enter")
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        for _ in range(400):
            if not screen.running:
                break
            await pilot.pause(0.05)
        assert screen.report is not None and screen.report.ok
        assert app.settings.outgoing.test.password.value == password  # kept for the session
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert password not in path.read_text()
    assert load_settings(path).store_secrets is False


async def test_cancel_goes_back_without_checking(sandbox: Sandbox, tmp_path: Path) -> None:
    path, _ = file_without_passwords(sandbox, tmp_path)
    app = MailSetupApp(path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_run_checks("outgoing")
        await pilot.pause(0.3)
        assert isinstance(app.screen, SecretsPrompt)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, (SecretsPrompt, CheckScreen))
        assert not app.settings.outgoing.test.password.value


async def test_summary_switch_keeps_passwords_out_of_the_file(sandbox: Sandbox, tmp_path: Path) -> None:
    path = save_settings(sandbox.settings(), tmp_path / "settings.toml")
    password = sandbox.settings().outgoing.test.password.value
    assert password in path.read_text()
    app = MailSetupApp(path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_goto_step("Summary")
        await pilot.pause(0.2)
        app.screen.query_one("#keep-secrets-out").focus()
        await pilot.press("space", "ctrl+s")
        await pilot.pause(0.2)
    assert password not in path.read_text()
    assert "store_secrets = false" in path.read_text()
