"""The TOML store: round trips that keep comments, atomic private saves, and bad files left alone."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
import tomlkit

from tui.settings import Account, AuthFlow, Secret, Settings
from tui.settings.store import (
    ChangedOnDiskError,
    SettingsFileError,
    SettingsStore,
    load_settings,
    save_settings,
    settings_from_toml,
    settings_to_toml,
)

HAND_WRITTEN = """\
# Mail settings for the ERP server -- edited by hand, keep this comment
store_secrets = true
owner = "it-team"  # a key mailsetup does not know

[azure]
# from the app's Overview page (A8)
client_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
tenant_id = "contoso.onmicrosoft.com"
auth_flow = "user_password"

[outgoing]
server_address = "outlook.office365.com"
port = 443   # the guide's B9

[outgoing.test]
recipient = "someone@contoso.com"
sender = "erp@contoso.com"
user_name = "erp@contoso.com"
password = { env = "ERP_MAIL_PASSWORD" }

[incoming]
polling_interval = "60,00"

[[incoming.accounts]]
email = "orders@contoso.com"  # the main inbox
user_name = "orders@contoso.com"
password = "s3cret-orders"
types = ["Customer order", "Quote"]
note = "kept by hand"

[[incoming.accounts]]
email = "hr@contoso.com"
user_name = "hr@contoso.com"
password = "s3cret-hr"
types = ["Personnel"]
available_to = ["HR"]
last_validated = 2026-11-20T08:00:00Z
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_load_reads_every_value(tmp_path):
    s = load_settings(write(tmp_path / "s.toml", HAND_WRITTEN))
    assert s.azure.tenant_id == "contoso.onmicrosoft.com"
    assert s.outgoing.port == 443
    assert s.outgoing.test.password == Secret(env="ERP_MAIL_PASSWORD")
    assert s.outgoing.test.password.resolve({"ERP_MAIL_PASSWORD": "from-env"}) == "from-env"
    assert s.incoming.polling_interval == 60.0
    assert [a.email for a in s.incoming.accounts] == ["orders@contoso.com", "hr@contoso.com"]
    assert s.incoming.accounts[1].available_to == ["HR"]
    assert s.incoming.accounts[1].last_validated == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    assert s.incoming.accounts[0].availability_label == "Available to all"


def test_missing_file_gives_defaults(tmp_path):
    store = SettingsStore(tmp_path / "none.toml")
    assert not store.exists()
    assert store.load() == Settings()


def test_round_trip_keeps_comments_unknown_keys_and_order(tmp_path):
    path = write(tmp_path / "s.toml", HAND_WRITTEN)
    store = SettingsStore(path)
    s = store.load()
    s.outgoing.port = 0
    s.incoming.accounts[0].types.append("CRM")
    s.incoming.accounts.append(Account(email="new@contoso.com", user_name="new@contoso.com", password=Secret("n")))
    store.save(s)
    text = path.read_text()
    for kept in (
        "# Mail settings for the ERP server -- edited by hand, keep this comment",
        'owner = "it-team"  # a key mailsetup does not know',
        "# from the app's Overview page (A8)",
        'email = "orders@contoso.com"  # the main inbox',
        'note = "kept by hand"',
        'password = { env = "ERP_MAIL_PASSWORD" }',
    ):
        assert kept in text
    assert "port = 0" in text
    assert text.index("[azure]") < text.index("[outgoing]") < text.index("[incoming]")
    again = load_settings(path)
    assert again.incoming.accounts[0].types == ["Customer order", "Quote", "CRM"]
    assert again.incoming.accounts[2].email == "new@contoso.com"
    assert again == s


def test_removed_account_rows_go_away(tmp_path):
    path = write(tmp_path / "s.toml", HAND_WRITTEN)
    store = SettingsStore(path)
    s = store.load()
    del s.incoming.accounts[1]
    store.save(s)
    assert [a.email for a in load_settings(path).incoming.accounts] == ["orders@contoso.com"]
    s.incoming.accounts.clear()
    store.save(s)
    assert load_settings(path).incoming.accounts == []


def test_new_file_round_trips_the_whole_tree(tmp_path):
    s = Settings()
    s.azure.client_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    s.azure.auth_flow = AuthFlow.CLIENT_SECRET
    s.azure.client_secret = Secret("Abc8Q~secret")
    s.outgoing.azure.tenant_id = "other.onmicrosoft.com"
    s.incoming.accounts.append(
        Account(email="a@b.cd", types=["CRM"], last_validated=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc))
    )
    path = save_settings(s, tmp_path / "deep" / "new.toml")
    assert load_settings(path) == s
    assert settings_from_toml(settings_to_toml(s)) == s


def test_new_files_are_private_existing_ones_keep_their_mode_and_a_backup(tmp_path):
    fresh = tmp_path / "new.toml"
    save_settings(Settings(), fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    path = write(tmp_path / "s.toml", HAND_WRITTEN)
    os.chmod(path, 0o644)  # the admin chose this; a save does not second-guess it
    store = SettingsStore(path)
    s = store.load()
    s.outgoing.port = 0
    store.save(s)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    backup = tmp_path / "s.toml.bak"
    assert backup.read_text() == HAND_WRITTEN
    assert stat.S_IMODE(backup.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_crash_mid_save_leaves_old_file_intact(tmp_path, monkeypatch):
    path = write(tmp_path / "s.toml", HAND_WRITTEN)
    store = SettingsStore(path)
    s = store.load()
    s.outgoing.port = 25

    def crash(*args):  # the process dies between writing the temp file and the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.save(s)
    monkeypatch.undo()
    assert path.read_text() == HAND_WRITTEN
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('[azure]\nclient_id = "abc\n', 2, None),
        ("[azure]\nclient_id = 1\nclient_id = 2\n", None, None),
        ("[outgoing]\nport = = 3\n", 2, 8),
    ],
)
def test_unparsable_file_reported_with_position_and_never_overwritten(tmp_path, text, line, column):
    path = write(tmp_path / "bad.toml", text)
    store = SettingsStore(path)
    with pytest.raises(SettingsFileError) as info:
        store.load()
    err = info.value
    if line is not None:
        assert err.line == line
        assert f"line {line}" in str(err)
    if column is not None:
        assert err.column == column
    with pytest.raises(SettingsFileError):
        store.save(Settings())
    assert path.read_text() == text


def test_wrong_type_names_the_key_and_its_line(tmp_path):
    path = write(tmp_path / "bad.toml", '[azure]\nclient_id = "x"\n\n[outgoing]\nuse_ssl = "yes"\nport = "abc"\n')
    with pytest.raises(SettingsFileError) as info:
        load_settings(path)
    assert "outgoing.port: expected a whole number, got 'abc'" in str(info.value)
    assert info.value.line == 6


def test_bad_enum_and_account_field(tmp_path):
    with pytest.raises(SettingsFileError, match="auth_flow: expected one of 'user_password', 'client_secret'"):
        settings_from_toml('[azure]\nauth_flow = "device_code"\n')
    with pytest.raises(SettingsFileError) as info:
        settings_from_toml('[incoming]\n[[incoming.accounts]]\nemail = "a@b.cd"\ntypes = "CRM"\n')
    assert "incoming.accounts[0].types" in str(info.value)
    assert info.value.line == 4


def test_not_utf8(tmp_path):
    path = tmp_path / "bin.toml"
    path.write_bytes(b'[azure]\nclient_id = "\xff"\n')
    with pytest.raises(SettingsFileError, match="UTF-8") as info:
        load_settings(path)
    assert info.value.line == 2


def test_changed_on_disk_is_not_clobbered(tmp_path):
    path = write(tmp_path / "s.toml", HAND_WRITTEN)
    store = SettingsStore(path)
    s = store.load()
    write(path, HAND_WRITTEN.replace("port = 443", "port = 587"))
    with pytest.raises(ChangedOnDiskError):
        store.save(s)
    assert "port = 587" in path.read_text()
    store.save(s, force=True)  # the admin said overwrite
    assert load_settings(path).outgoing.port == 443


def test_file_created_by_someone_else_after_load(tmp_path):
    path = tmp_path / "s.toml"
    store = SettingsStore(path)
    store.load()
    write(path, HAND_WRITTEN)
    with pytest.raises(ChangedOnDiskError):
        store.save(Settings())


def test_secrets_kept_out_of_the_file_when_asked(tmp_path):
    path = write(tmp_path / "s.toml", HAND_WRITTEN)
    store = SettingsStore(path)
    s = store.load()
    s.store_secrets = False
    store.save(s)
    text = path.read_text()
    assert "s3cret" not in text
    assert 'password = { env = "ERP_MAIL_PASSWORD" }' in text  # a reference is not a secret
    assert "store_secrets = false" in text


def test_secret_repr_never_shows_the_value():
    s = Secret("hunter2")
    assert "hunter2" not in repr(s)
    assert "hunter2" not in str(s)
    assert "hunter2" not in repr(Settings(outgoing=Settings().outgoing))
    acc = Account(email="a@b.cd", password=Secret("hunter2"))
    assert "hunter2" not in repr(acc)


def test_settings_secrets_lists_every_known_value():
    s = settings_from_toml(HAND_WRITTEN)
    assert sorted(s.secrets()) == ["s3cret-hr", "s3cret-orders"]


def test_document_is_valid_toml_for_other_tools(tmp_path):
    s = settings_from_toml(HAND_WRITTEN)
    parsed = tomlkit.parse(settings_to_toml(s))
    assert parsed["incoming"]["accounts"][0]["email"] == "orders@contoso.com"
