"""`mailsetup check` as an admin meets it, against the sandbox: readable output, exit codes for
missing/invalid settings and secrets, Ctrl+C, cancellation, and the bounded token refresh."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_checks_scenarios import assert_no_secrets, secrets_of

from tui.checks import CheckRunner, Status
from tui.cli import main
from tui.settings.model import Secret
from tui.settings.store import save_settings


def write(sandbox, tmp_path: Path, **changes) -> Path:
    settings = sandbox.settings()
    for key, value in changes.items():
        target = settings
        *path, last = key.split("__")
        for part in path:
            target = getattr(target, part)
        setattr(target, last, value)
    return save_settings(settings, tmp_path / "settings.toml")


def test_a_failure_reads_as_cause_guide_step_and_fix(sandbox, tmp_path, capsys):
    sandbox.load_scenario("public-client-flows-off")
    config = write(sandbox, tmp_path)
    assert main(["check", "--config", str(config), "--only", "outgoing"]) == 1
    out = capsys.readouterr().out
    assert_no_secrets(out, secrets_of(sandbox))
    lines = out.splitlines()
    assert any(line.startswith("✓ settings") for line in lines)
    assert any(line.startswith("✗ token") and " ms" in line for line in lines)
    assert "    AADSTS7000218 — Public client flows are off" in lines
    assert any(line.startswith("    Fix at A17 — Allow public client flows:") for line in lines)
    assert any(
        line.startswith("    for support: error=invalid_client") and "trace_id=" in line
        for line in lines
    )
    assert any(line.startswith("- mailbox") for line in lines)
    assert lines[-1] == "1 check failed"


def test_a_passing_run_still_warns_once_about_ews_and_the_password_flow(sandbox, tmp_path, capsys):
    sandbox.load_scenario("ready")
    config = write(sandbox, tmp_path)
    assert main(["check", "--config", str(config), "--no-send"]) == 0
    out = capsys.readouterr().out
    assert_no_secrets(out, secrets_of(sandbox))
    assert out.count("1 April 2027") == 1  # explained under the first mailbox line only
    assert out.count("ROPC_DISCOURAGED") == 1
    block = out.split("\noutgoing\n")[1] if not out.startswith("outgoing\n") else out[9:]
    assert "  ! mailbox" in block and "  - send  not run: --no-send" in block
    assert "\nincoming erp@contoso-sandbox.onmicrosoft.com\n" in "\n" + out
    assert out.splitlines()[-1].startswith("All checks passed (")


def test_missing_settings_file_exits_2(tmp_path, capsys):
    assert main(["check", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no settings file" in capsys.readouterr().err


def test_unparsable_settings_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[azure\nclient_id = ")
    assert main(["check", "--config", str(bad), "--json"]) == 2
    captured = capsys.readouterr()
    assert str(bad) in captured.err and captured.out == ""


def test_invalid_settings_exit_2_listing_the_problems_in_the_guides_words(
    sandbox, tmp_path, capsys
):
    sandbox.load_scenario("ready")
    config = write(
        sandbox, tmp_path, azure__client_id="", outgoing__test__recipient="not-an-address"
    )
    assert main(["check", "--config", str(config), "--only", "outgoing"]) == 2
    err = capsys.readouterr().err
    assert "Application (client) ID is missing" in err and "(step A8)" in err
    assert "outgoing.test.recipient" in err and "2 errors" in err


def test_a_secret_from_an_unset_variable_exits_2_without_a_terminal(
    sandbox, tmp_path, capsys, monkeypatch
):
    sandbox.load_scenario("ready")
    monkeypatch.delenv("MAILSETUP_TEST_PW", raising=False)
    config = write(sandbox, tmp_path, outgoing__test__password=Secret(env="MAILSETUP_TEST_PW"))
    assert main(["check", "--config", str(config), "--only", "outgoing"]) == 2
    assert "MAILSETUP_TEST_PW is not set" in capsys.readouterr().err
    password = next(u["password"] for u in sandbox.info["users"] if u["email"].startswith("erp@"))
    monkeypatch.setenv("MAILSETUP_TEST_PW", password)
    assert main(["check", "--config", str(config), "--only", "outgoing", "--no-send"]) == 0
    assert_no_secrets(capsys.readouterr().out, [password])


def test_an_unknown_account_fails_with_a_pointer_to_c8(sandbox, tmp_path, capsys):
    sandbox.load_scenario("ready")
    config = write(sandbox, tmp_path)
    assert main(["check", "--config", str(config), "--only", "nobody@example.com", "--json"]) == 1
    assert '"guide_step": "C9"' in capsys.readouterr().out


def test_cancel_during_a_propagation_wait_stops_the_run(sandbox):
    sandbox.load_scenario("propagating")  # EWS answers 403 for a minute
    cancel = threading.Event()
    seen: list = []

    def on_event(event):
        seen.append(event)
        if event.retry_in is not None and event.status is Status.FAILED:
            cancel.set()

    report = CheckRunner(sandbox.settings(), on_event=on_event, wait=60, cancel=cancel).run(
        ["outgoing"], send=False
    )
    assert report.cancelled and not report.ok
    mailbox = next(c for c in report.checks if c.step == "mailbox")
    assert mailbox.status is Status.FAILED and mailbox.diagnosis.code == "HTTP403"
    assert all(
        c.status is Status.SKIPPED for c in report.checks if c.step in ("send", "round trip")
    )


def test_a_token_exchange_calls_expired_is_renewed_once_then_explained(sandbox):
    sandbox.load_scenario("ready")
    sandbox.patch({"tenant": {"token_lifetime_seconds": 0}})  # every token is born expired
    events: list = []
    report = CheckRunner(sandbox.settings(), on_event=events.append).run(["outgoing"], send=False)
    mailbox = next(c for c in report.checks if c.step == "mailbox")
    assert mailbox.status is Status.FAILED
    # Exchange's own words say "expired"; no story about this computer's clock (issue 10).
    assert mailbox.diagnosis.code == "TOKEN_EXPIRED" and "clock" not in mailbox.diagnosis.cause


def test_ctrl_c_exits_130(sandbox, tmp_path):
    sandbox.load_scenario("propagating")
    config = write(sandbox, tmp_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui",
            "check",
            "--config",
            str(config),
            "--only",
            "outgoing",
            "--wait",
            "120",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        line = ""
        while "retrying" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
        assert "retrying" in line
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(autouse=True)
def _calm_sandbox(sandbox):
    yield
    sandbox.load_scenario("ready")


def test_one_token_per_user_and_a_bounded_number_of_accounts_at_once(sandbox, monkeypatch):
    """The outgoing user is also an incoming account: asked once. A spy counts the real calls."""
    from tui.checks import entra

    sandbox.load_scenario("ready")
    real = entra.acquire_token
    lock = threading.Lock()
    users: list[str] = []
    running = [0, 0]  # now, most at once

    def counting(*args, **kwargs):
        with lock:
            users.append(kwargs["user_name"])
            running[0] += 1
            running[1] = max(running)
        try:
            time.sleep(0.05)  # widen the window in which overlapping calls would be seen
            return real(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(entra, "acquire_token", counting)
    settings = sandbox.settings()
    settings.checks.concurrency = 2
    report = CheckRunner(settings).run(["outgoing", "incoming"], send=False)
    assert report.ok
    assert sorted(users) == sorted({u.lower() for u in users})  # nobody asked twice
    assert len(users) == 3 and running[1] <= 2


def test_an_https_proxy_from_the_environment_carries_every_call(sandbox, monkeypatch):
    """A CONNECT proxy on loopback in front of the sandbox: reach, msal and exchangelib use it."""
    import socket

    sandbox.load_scenario("ready")
    tunnels: list[str] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def handle(client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        target = head.split()[1].decode()
        tunnels.append(target)
        host, _, port = target.rpartition(":")
        upstream = socket.create_connection((host, int(port)), timeout=5)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=handle, args=(client,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{listener.getsockname()[1]}")
        from exchangelib import close_connections

        close_connections()  # pooled sessions from earlier tests would bypass the proxy
        report = CheckRunner(sandbox.settings()).run(["outgoing"], send=False)
        assert report.ok, report.to_json()
        assert "via proxy" in next(c.message for c in report.checks if c.step == "reach")
        assert len(tunnels) >= 3  # reach, Entra (discovery + token), EWS
    finally:
        stop.set()
        listener.close()


def test_client_secret_flow_without_consent_warns_on_roles_and_points_to_consent(sandbox):
    sandbox.load_scenario("no-admin-consent")
    sandbox.patch({"auth_flow": "client_secret"})
    settings = sandbox.settings()
    if settings.azure.auth_flow.value != "client_secret":
        pytest.skip("sandbox settings() does not follow a patched auth_flow")
    report = CheckRunner(settings).run(["outgoing"], send=False)
    steps = {c.step: c for c in report.checks}
    assert steps["token contents"].diagnosis.code == "TOKEN_ROLES"
    assert steps["mailbox"].status is Status.FAILED
    assert (steps["mailbox"].diagnosis.code, steps["mailbox"].diagnosis.guide_step) == (
        "TOKEN_NO_PERMISSIONS",
        "A14",
    )


def test_a_missing_secret_is_asked_for_in_a_terminal(sandbox, tmp_path, monkeypatch):
    import pty

    sandbox.load_scenario("ready")
    config = write(sandbox, tmp_path, outgoing__test__password=Secret(env="MAILSETUP_UNSET_PW"))
    password = next(u["password"] for u in sandbox.info["users"] if u["email"].startswith("erp@"))
    env = {k: v for k, v in os.environ.items() if k != "MAILSETUP_UNSET_PW"}
    argv = [
        sys.executable,
        "-m",
        "tui",
        "check",
        "--config",
        str(config),
        "--only",
        "outgoing",
        "--no-send",
    ]
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty, so getpass asks there
        os.execve(sys.executable, argv, env)
    output = b""
    try:
        deadline = time.monotonic() + 30
        while b"Password" not in output and time.monotonic() < deadline:
            output += os.read(fd, 1024)
        os.write(fd, password.encode() + b"\n")
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "All checks passed" in text and password not in text
