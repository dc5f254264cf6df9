"""Shared pieces of the Pilot tests: a settings path, a filled-in settings tree, helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.settings.model import Account, Secret, Settings

CLIENT_ID = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
TENANT_ID = "9f8e7d6c-5b4a-4321-9fed-cba987654321"
# Passwords the tests type; snapshots and screenshots must never contain them.
TEST_PASSWORDS = ("Sup3r-Secret-Pw!", "Inb0x-Secret-Pw", "Other-Secret-Pw9", "Backup-Secret-Pw7")


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check screen retries at once instead of counting down (the bound is tested apart)."""
    from tui.screens.checks import CheckScreen

    monkeypatch.setattr(CheckScreen, "RETRY_WAIT", 0.0)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return tmp_path / "settings.toml"


def filled_settings() -> Settings:
    """A complete, valid tree like an admin's finished file."""
    s = Settings()
    s.azure.client_id = CLIENT_ID
    s.azure.tenant_id = TENANT_ID
    s.outgoing.backup_sender = "backup@contoso.com"
    s.outgoing.exchange_user = "erp@contoso.com"
    s.outgoing.exchange_password = Secret(TEST_PASSWORDS[3])
    s.outgoing.port = 443
    s.outgoing.test.recipient = "admin@contoso.com"
    s.outgoing.test.sender = "erp@contoso.com"
    s.outgoing.test.user_name = "erp@contoso.com"
    s.outgoing.test.password = Secret(TEST_PASSWORDS[0])
    s.incoming.polling_interval = 60.0
    s.incoming.accounts = [
        Account(
            "orders@contoso.com",
            "orders@contoso.com",
            Secret(TEST_PASSWORDS[1]),
            ["Customer order", "CRM"],
        ),
        Account(
            "cases@contoso.com",
            "cases@contoso.com",
            Secret(TEST_PASSWORDS[2]),
            ["Case"],
            ["Support"],
        ),
    ]
    s.done_steps = ["A1", "A2", "A3"]
    return s
