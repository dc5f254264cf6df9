"""Loading the settings reads with tomllib; tomlkit (comments kept) is needed only to save.

Issue 12.7: tomlkit's import and parse were ~20 ms of the wizard's first frame (~55 ms with 50
accounts). These tests hold the split: loading leaves tomlkit unimported, a save still keeps
the admin's comments and unknown keys, and a file only tomlkit reads still loads.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tui.settings.store import SettingsStore

ROOT = Path(__file__).resolve().parents[2]

COMMENTED = """\
# Our ERP's mail settings: ask Jo before changing.
[azure]
client_id = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"  # from A8
tenant_id = "contoso.onmicrosoft.com"
future_key = "kept"

[outgoing]
exchange_user = "erp@contoso.com"
"""


def test_loading_does_not_import_tomlkit_and_saving_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    # A fresh interpreter: the test session itself has imported tomlkit long ago.
    script = textwrap.dedent(
        f"""
        import sys
        from tui.settings.store import SettingsStore
        store = SettingsStore({str(path)!r})
        settings = store.load()
        assert settings.azure.tenant_id == "contoso.onmicrosoft.com", settings.azure
        print("after load:", "tomlkit" in sys.modules)
        settings.outgoing.exchange_user = "mail@contoso.com"
        store.save(settings)
        print("after save:", "tomlkit" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["after load: False", "after save: True"]
    saved = path.read_text(encoding="utf-8")
    assert "# Our ERP's mail settings: ask Jo before changing." in saved
    assert 'client_id = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"  # from A8' in saved
    assert 'future_key = "kept"' in saved
    assert 'exchange_user = "mail@contoso.com"' in saved
    assert 'exchange_user = "erp@contoso.com"' not in saved


def test_a_file_only_tomlkit_reads_still_loads_and_saves(tmp_path: Path) -> None:
    # "\x40" is TOML 1.1 (tomllib refuses it, tomlkit reads "@"): the loader falls back to
    # tomlkit instead of calling the admin's file broken.
    path = tmp_path / "settings.toml"
    path.write_text(
        '# kept\n[outgoing]\nbackup_sender = "backup\\x40contoso.com"\n', encoding="utf-8"
    )
    store = SettingsStore(path)
    settings = store.load()
    assert settings.outgoing.backup_sender == "backup@contoso.com"
    settings.outgoing.exchange_user = "erp@contoso.com"
    store.save(settings)
    saved = path.read_text(encoding="utf-8")
    assert saved.startswith("# kept\n")
    assert 'exchange_user = "erp@contoso.com"' in saved
    assert SettingsStore(path).load().outgoing.backup_sender == "backup@contoso.com"


def test_changed_on_disk_is_noticed_after_a_tomllib_load(tmp_path: Path) -> None:
    from tui.settings.store import ChangedOnDiskError

    path = tmp_path / "settings.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    store = SettingsStore(path)
    settings = store.load()
    path.write_text(COMMENTED.replace("Jo", "Sam"), encoding="utf-8")
    with pytest.raises(ChangedOnDiskError):
        store.save(settings)
    assert "Sam" in path.read_text(encoding="utf-8")
