"""The settings file as hostile input and as part of a deployment.

Loading: only a regular file of at most 1 MiB is read, without blocking; a FIFO, a device, a
folder, a socket, a huge file, a folder this user cannot enter, odd values and TOML mistakes all
end as one plain line (SettingsFileError or a validation problem with its key path), never as a
hang or a traceback. Saving: through a symlink the target is replaced and the link kept; owner,
group and mode survive, for the backup too, and a backup holds no secret once secrets are off.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tui.cli import main
from tui.settings import Settings
from tui.settings.store import SettingsFileError, SettingsStore, load_settings, settings_from_toml
from tui.settings.validation import validate

SECRET_FILE = """\
# keep this comment
store_secrets = true

[outgoing.test]
recipient = "someone@contoso.com"
password = "s3cret-outgoing"

[[incoming.accounts]]
email = "orders@contoso.com"
password = "s3cret-orders"
"""


def bounded(call: Callable[[], Any], seconds: float = 3.0) -> Any:
    """Run ``call`` in a thread and fail (instead of hanging the suite) if it blocks."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except BaseException as exc:  # handed to the test below
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"blocked for more than {seconds} s"
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    os.mkfifo(path)
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    path.mkdir()
    return path


def _socket(tmp_path: Path) -> Path:
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))  # left bound: a socket file with (or without) a listener is no file
    return path


def _huge(tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    path.write_bytes(b"# " + b"x" * (1 << 20) + b"\n")
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_fifo, "a named pipe (FIFO), not a file"),
        (lambda _: Path("/dev/zero"), "a device, not a file"),
        (_folder, "a folder, not a file"),
        (_socket, "a socket, not a file"),
        (_huge, "too large (1.0 MiB; the limit is 1.0 MiB)"),
    ],
    ids=["fifo", "dev-zero", "folder", "socket", "over-1-MiB"],
)
def test_only_small_regular_files_are_read(tmp_path, capsys, make, words):
    path = make(tmp_path)
    with pytest.raises(SettingsFileError) as info:
        bounded(lambda: SettingsStore(path).load())
    assert str(info.value) == f"{path}: {words}"
    # the CLI says the same in one line and exits 2, also for a FIFO nobody writes to
    assert bounded(lambda: main(["check", "--config", str(path)])) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"mailsetup check: {path}: {words}"]


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    import tui.settings.files as files

    path = tmp_path / "settings.toml"
    path.write_text("a = 1\n" * 10)
    with pytest.raises(files.UnusableFile, match=r"too large \(60 bytes; the limit is 30 bytes\)"):
        files.read_regular_file(path, 30)
    monkeypatch.setattr(files, "_judge", lambda *args: None)  # stat saw it small; it grew since
    with pytest.raises(files.UnusableFile, match="more than 30 bytes"):
        files.read_regular_file(path, 30)


DROP_PRIVILEGES = """
import os, sys
from tui.settings.store import SettingsFileError, SettingsStore
from tui.settings.validation import check_ca_bundle
os.setegid(65534); os.seteuid(65534)  # after the imports: the interpreter lives under /root
try:
    SettingsStore(sys.argv[1]).load()
except SettingsFileError as exc:
    print(exc)
print(check_ca_bundle(sys.argv[1]))
print(SettingsStore(sys.argv[1]).exists())
"""


def test_a_folder_this_user_cannot_enter_is_one_line(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to drop to another user")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)  # root's: nobody may enter
    (locked / "settings.toml").write_text("store_secrets = true\n")
    done = subprocess.run(
        [sys.executable, "-c", DROP_PRIVILEGES, str(locked / "settings.toml")],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    denied = "permission denied (this user cannot read the file or enter a folder on its path)"
    assert done.stdout.splitlines() == [
        f"{locked / 'settings.toml'}: {denied}",
        f"{locked / 'settings.toml'}: {denied}",
        "True",  # there is something; load() says what is wrong with it
    ]


# --- odd values: a problem with its key path, or a SettingsFileError; never anything else --------

HUGE = "x" * 200_000  # long enough to show it is cut; tomlkit needs 2 s per 10 MB


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[outgoing]\nport = "²"\n', "outgoing.port"),
        ('[outgoing]\nport = "--5"\n', "outgoing.port"),
        ('[outgoing]\nport = "' + "9" * 5000 + '"\n', "outgoing.port"),
        ("[outgoing]\nport = " + "9" * 5000 + "\n", None),  # TOML itself refuses it
        ("[outgoing]\nport = 70000\n", "outgoing.port"),
        ("[incoming]\nport = -1\n", "incoming.port"),
        ("[checks]\ntimeout = 1e308\n", "checks.timeout"),
        ("[checks]\ntimeout = nan\n", "checks.timeout"),
        ("[checks]\ntimeout = inf\n", "checks.timeout"),
        ("[checks]\ntimeout = -1\n", "checks.timeout"),
        ("[checks]\ntimeout = 0\n", "checks.timeout"),
        ('[checks]\ntimeout = "1e999"\n', "checks.timeout"),
        ("[checks]\nconcurrency = 0\n", "checks.concurrency"),
        ("[checks]\nconcurrency = 100000\n", "checks.concurrency"),
        ("[incoming]\npolling_interval = 1e308\n", "incoming.polling_interval"),
        ("[incoming]\npolling_interval = -inf\n", "incoming.polling_interval"),
        ('[incoming]\npolling_interval = "0,00"\n', "incoming.polling_interval"),
        ("[outgoing]\nmax_file_size_mb = 9223372036854775807\n", "outgoing.max_file_size_mb"),
        (f'[outgoing]\nserver_address = "{HUGE}"\n', "outgoing.server_address"),
        (f'[outgoing.test]\nrecipient = "{HUGE}@contoso.com"\n', "outgoing.test.recipient"),
        (f'[outgoing]\nuse_ssl = "{HUGE}"\n', "outgoing.use_ssl"),
        ('[azure]\nca_bundle = "/no/such/ca.pem"\n', "azure.ca_bundle"),
        ('[azure]\nca_bundle = "/dev/zero"\n', "azure.ca_bundle"),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) and "=" in value else None,
)
def test_values_outside_their_domain_are_named_never_a_crash(text, field):
    try:
        problems = [p for p in validate(settings_from_toml(text)) if p.field == field]
    except SettingsFileError as exc:
        message = str(exc)
        assert field is None or field in message
    else:
        assert problems, f"no problem reported for {field}"
        message = problems[0].message
    assert len(message) < 300  # a 10 MB value is cut, not echoed


def test_port_text_that_isdigit_accepts_but_int_refuses():
    from tui.settings.validation import check_port

    for odd in ("²", "--5", "٣", "9" * 5000, 10**5000, True):
        assert check_port(odd)  # a message, not a ValueError
    assert check_port("443") is None and check_port(0) is None


def test_a_fifo_as_ca_bundle_is_a_problem_not_a_hang(tmp_path):
    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    settings = Settings()
    settings.azure.ca_bundle = str(fifo)
    problems = bounded(lambda: [p for p in validate(settings) if p.field == "azure.ca_bundle"])
    fifo_words = f"{fifo}: a named pipe (FIFO), not a file"
    assert [p.message for p in problems] == [fifo_words]
    pem = tmp_path / "real.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    settings.azure.ca_bundle = str(pem)
    assert not [p for p in validate(settings) if p.field == "azure.ca_bundle"]


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ('[azure]\nclient_id = "abc\n', "line 2, column 17", "quoted text is not closed"),
        ("[azure]\nclient_id = \n", "line 2, column 13", "the value after = is missing"),
        ("[azure]\nclient_id = abc\n", "line 2, column 13", "a text value needs quotes"),
        ("[azure\nclient_id = 1\n", "line 1, column 7", "closing ] of the table name"),
        ("[azure]\nclient_id = 1\nclient_id = 2\n", "line 3, column 1",
         '"client_id" is given twice'),
        ('types = ["CRM",\n\n', "line 1, column 16", "the file ends before something opened"),
        ("port = 1 2\n", "line 1, column 10", 'unexpected "2" here'),
    ],
)
def test_toml_mistakes_are_told_with_line_column_and_plain_words(
    tmp_path, capsys, text, where, words
):
    path = tmp_path / "settings.toml"
    path.write_text(text)
    with pytest.raises(SettingsFileError) as info:
        load_settings(path)
    assert str(info.value).startswith(f"{path}, {where}: ")
    assert words in info.value.message
    assert "Unexpected character" not in info.value.message
    assert main(["check", "--config", str(path)]) == 2
    assert f"{where}: " in capsys.readouterr().err


# --- saves that keep the deployment ------------------------------------------------------------


def _owned_by_someone_else(path: Path, text: str) -> None:
    path.write_text(text)
    os.chown(path, 1234, 2345)
    os.chmod(path, 0o640)


def test_save_through_a_symlink_updates_the_target_and_keeps_owner_group_and_mode(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give files to another owner")
    real_dir = tmp_path / "srv"
    real_dir.mkdir()
    target = real_dir / "mail-v3.toml"
    _owned_by_someone_else(target, SECRET_FILE)
    link = tmp_path / "settings.toml"
    link.symlink_to(target)
    store = SettingsStore(link)
    settings = store.load()
    settings.outgoing.port = 587
    assert store.save(settings) == link
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "port = 587" in target.read_text() and "# keep this comment" in target.read_text()
    for path in (target, real_dir / "mail-v3.toml.bak"):
        st = path.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 2345, 0o640), path
    assert (real_dir / "mail-v3.toml.bak").read_text() == SECRET_FILE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml", "srv"]
    assert sorted(p.name for p in real_dir.iterdir()) == ["mail-v3.toml", "mail-v3.toml.bak"]


def test_a_dangling_symlink_gets_its_target_created_private(tmp_path):
    link = tmp_path / "settings.toml"
    link.symlink_to(tmp_path / "real.toml")
    SettingsStore(link).save(Settings())
    assert link.is_symlink()
    assert stat.S_IMODE((tmp_path / "real.toml").stat().st_mode) == 0o600


def test_backup_holds_no_secret_once_secrets_are_kept_out(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(SECRET_FILE)
    (tmp_path / "settings.toml.bak").write_text('password = "s3cret-older"\n')
    store = SettingsStore(path)
    settings = store.load()
    settings.store_secrets = False
    store.save(settings)
    backup = (tmp_path / "settings.toml.bak").read_text()
    assert "s3cret" not in backup and "s3cret" not in path.read_text()
    assert "# keep this comment" in backup and 'recipient = "someone@contoso.com"' in backup


def test_an_unparsable_old_file_leaves_no_backup_with_secrets(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('password = "s3cret-broken\n')
    (tmp_path / "settings.toml.bak").write_text('password = "s3cret-older"\n')
    store = SettingsStore(path)
    with pytest.raises(SettingsFileError):
        store.load()
    settings = Settings(store_secrets=False)
    store.save(settings, force=True)  # the admin chose to overwrite it
    assert not (tmp_path / "settings.toml.bak").exists()
    assert "s3cret" not in path.read_text()


def test_the_checks_never_hand_a_fifo_to_openssl(tmp_path):
    from tui.checks.net import ssl_context
    from tui.settings.files import UnusableFile

    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    with pytest.raises(UnusableFile, match="named pipe"):
        bounded(lambda: ssl_context(str(fifo)))  # before: OpenSSL blocked reading it forever


@pytest.mark.parametrize("opener", ["[", "{a = "])
def test_a_value_nested_without_end_is_an_error_in_words_not_a_crash(tmp_path, opener):
    """The reader is compiled code (tomli's wheel): a hostile file nested 200 000 levels deep
    must still come back as a settings error with a position, never as a crashed process."""
    path = tmp_path / "settings.toml"
    path.write_text("[azure]\nclient_id = " + opener * 200_000 + "\n")
    code = (
        "import sys; from tui.settings.store import load_settings, SettingsFileError\n"
        f"try:\n    load_settings({str(path)!r})\n"
        "except SettingsFileError as e:\n    print(str(e)[:300])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert "line 2, column" in done.stdout and "nested" in done.stdout
