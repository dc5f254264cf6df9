"""The checks against servers that misbehave on purpose: silent, dripping a byte now and then,
or answering with terminal escape sequences. One small TLS server on 127.0.0.1 (certificates from
the sandbox's CA helper) plays every part; the Directory (tenant) ID in the settings picks the
part ("drip-…", "tokendrip-…", "ewsdrip-…", "escape-…"), so the tests share nothing else.

What must hold (issue 11): Ctrl+C, SIGTERM and SIGHUP end `mailsetup check` within a second and a
second Ctrl+C leaves no traceback; `--timeout` bounds each call from connect to the last byte for
our own requests, msal's and exchangelib's alike; Esc on the check screen and the wizard's quit
do not wait for a hung call, whose socket is closed at once; server text reaches no terminal raw.
Timeouts here are short (2 s) so the module stays fast.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.checks import CheckRunner, Status
from tui.sandbox.tls import create_certificates
from tui.settings.store import SettingsStore

DRIP_EVERY = 0.5  # seconds between two bytes: shorter than any read timeout used here
PROMISE = 1.0  # seconds: how soon Ctrl+C, Esc and quit must take effect
SLACK = 0.5  # for a test machine shared by many (measured with a busy CPU, under 1 s)
ESCAPES = "\x1b]52;c;cHduZWQ=\x07\x1b]0;owned\x07\x1b[2J\x9b31m\x9d52;c;eA==\x9c\rBACK\x08"


class HostileServer:
    """HTTPS on 127.0.0.1 whose behaviour follows the first label of the tenant in the path."""

    def __init__(self, folder: Path) -> None:
        self.certs = create_certificates(folder)
        self.context = self.certs.server_context()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.seen: dict[str, threading.Event] = {}
        self.seen_at: dict[str, float] = {}
        self.closed_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def seen_event(self, tenant: str) -> threading.Event:
        with self._lock:
            return self.seen.setdefault(tenant, threading.Event())

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        self.certs.remove()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(raw,), daemon=True).start()

    def _handle(self, raw: socket.socket) -> None:
        raw.settimeout(5)
        try:
            tls = self.context.wrap_socket(raw, server_side=True)
        except OSError:  # the reach step closes right after its handshake
            raw.close()
            return
        with tls, contextlib.suppress(OSError):
            while self._answer(tls):
                pass

    def _answer(self, tls: ssl.SSLSocket) -> bool:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = tls.recv(4096)
            if not chunk:
                return False
            head += chunk
        head, _, body = head.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split()[1]
        length = next(
            (
                int(v)
                for k, _, v in (x.partition(":") for x in lines[1:])
                if k.lower() == "content-length"
            ),
            0,
        )
        while len(body) < length:
            body += tls.recv(4096)
        tenant = path.split("/")[1] if not path.startswith("/EWS/") else "ews"
        part = tenant.split("-")[0]
        self.seen_at.setdefault(tenant, time.monotonic())
        self.seen_event(tenant).set()
        if path.startswith("/EWS/"):
            return self._drip(tls, self._ews_tenant)
        if path.endswith("/openid-configuration"):
            if part == "drip":
                return self._drip(tls, tenant)
            if part == "escape":
                error = {
                    "error": "invalid_tenant",
                    "error_description": f"AADSTS90002: Tenant {ESCAPES} not found.",
                    "error_codes": [90002],
                }
                return self._send(tls, 400, error)
            base = f"https://127.0.0.1:{self.port}/{tenant}"
            return self._send(
                tls,
                200,
                {
                    "issuer": f"{base}/v2.0",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                },
            )
        if "/oauth2/v2.0/token" in path:
            if part == "tokendrip":
                return self._drip(tls, tenant)
            self._ews_tenant = tenant
            return self._send(
                tls, 200, {"access_token": _token(), "token_type": "Bearer", "expires_in": 3600}
            )
        return self._send(tls, 404, {"error": "not_found"})

    _ews_tenant = "ews"

    def _send(self, tls: ssl.SSLSocket, status: int, payload: dict) -> bool:
        body = json.dumps(payload, ensure_ascii=False).encode()
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        tls.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        return True

    def _drip(self, tls: ssl.SSLSocket, tenant: str) -> bool:
        """An answer that starts and never ends: a header byte every DRIP_EVERY seconds."""
        try:
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Drip: ")
            for _ in range(int(300 / DRIP_EVERY)):  # longer than this module ever runs
                readable, _, _ = select.select([tls], [], [], DRIP_EVERY)
                if readable and not tls.recv(1):
                    break  # the client went away
                tls.sendall(b"x")
        except OSError:
            pass
        self.closed_at[tenant] = time.monotonic()
        return False


def _token() -> str:
    claims = {"aud": "https://outlook.office365.com", "scp": "EWS.AccessAsUser.All"}
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{part}.c2ln"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    hostile = HostileServer(tmp_path_factory.mktemp("hostile") / "ca")
    try:
        yield hostile
    finally:
        hostile.close()


def settings_for(server: HostileServer, folder: Path, tenant: str, timeout: float = 2.0) -> Path:
    """A complete settings file (outgoing only) whose tenant names the server's part."""
    text = f"""store_secrets = true
[azure]
client_id = "3f2a8c1e-5b7d-4e19-9a60-2d4c8b1f7e35"
tenant_id = "{tenant}.example.com"
auth_flow = "user_password"
authority_host = "127.0.0.1:{server.port}"
ca_bundle = "{server.certs.ca_file}"
[outgoing]
exchange_user = "erp@contoso.example.com"
exchange_password = "Hostile-Pass-1!"
email_method = "exchange_online"
server_address = "127.0.0.1"
port = {server.port}
[outgoing.test]
recipient = "adele@contoso.example.com"
sender = "erp@contoso.example.com"
user_name = "erp@contoso.example.com"
password = "Hostile-Pass-1!"
[checks]
timeout = {timeout}
"""
    path = folder / f"{tenant}.toml"
    path.write_text(text)
    SettingsStore(path).load()  # a broken template would make every test below meaningless
    return path


def check_argv(config: Path, *extra: str) -> list[str]:
    argv = [sys.executable, "-m", "tui", "check", "--config", str(config), "--only", "outgoing"]
    return [*argv, *extra]


QUIT_CHILD = """\
import sys, threading
from pathlib import Path
from tui.app import MailSetupApp

class App(MailSetupApp):
    def on_ready(self):
        self.action_run_checks("outgoing")

app = App(Path(sys.argv[1]))

def quit_when_told():
    sys.stdin.readline()
    app.call_from_thread(app.exit)

threading.Thread(target=quit_when_told, daemon=True).start()
app.run(headless=True, size=(80, 24))
"""

# Every child process of the module, started at once so their start-up costs overlap (one
# interpreter after the other would cost seconds each): tenant -> argv without the config.
SIGNALLED = {
    "drip-int": ([signal.SIGINT], 130),
    "drip-term": ([signal.SIGTERM], 143),
    "drip-hup": ([signal.SIGHUP], 129),
    "drip-twice": ([signal.SIGINT, signal.SIGINT], 130),
}


@pytest.fixture(scope="module")
def children(
    server: HostileServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, subprocess.Popen[str]]]:
    folder = tmp_path_factory.mktemp("children")
    argvs = {
        t: check_argv(settings_for(server, folder, t, 30), "--timeout", "30") for t in SIGNALLED
    }
    argvs["drip-cli"] = check_argv(settings_for(server, folder, "drip-cli", 30), "--timeout", "2")
    escape = settings_for(server, folder, "escape-text")
    argvs["escape-text"] = check_argv(escape)
    argvs["escape-json"] = check_argv(escape, "--json")
    argvs["drip-quit"] = [
        sys.executable,
        "-c",
        QUIT_CHILD,
        str(settings_for(server, folder, "drip-quit", 20)),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs = {
        name: subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name, argv in argvs.items()
    }
    try:
        yield procs
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


def wait_seen(server: HostileServer, tenant: str, proc: subprocess.Popen[str]) -> None:
    if not server.seen_event(f"{tenant}.example.com").wait(30):
        proc.kill()
        pytest.fail(f"the check never reached the server: {proc.communicate()}")


def finish(proc: subprocess.Popen[str], within: float) -> tuple[int, str, str, float]:
    started = time.monotonic()
    try:
        out, err = proc.communicate(timeout=within + 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"still running {within + 5:.0f} s later; stderr: {err[-2000:]}")
    return proc.returncode, out, err, time.monotonic() - started


# --- signals ---------------------------------------------------------------------------------


def test_signals_end_hung_checks_within_a_second_without_a_traceback(
    server: HostileServer, children: dict[str, subprocess.Popen[str]]
) -> None:
    """SIGINT, SIGTERM, SIGHUP and a double Ctrl+C, each to a check waiting on a drip."""
    for tenant in SIGNALLED:
        wait_seen(server, tenant, children[tenant])
    time.sleep(0.3)  # well inside the dripping answers
    for tenant, (signals, code) in SIGNALLED.items():
        proc = children[tenant]
        for number, signum in enumerate(signals):
            if number:
                time.sleep(0.05)
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)
        returncode, _, err, took = finish(proc, within=PROMISE)
        assert (returncode, "Traceback" not in err) == (code, True), (tenant, err)
        assert "interrupted" in err, (tenant, err)
        assert took < PROMISE + SLACK, f"{tenant}: exit {took:.2f} s after the signal"


# --- whole-call deadlines --------------------------------------------------------------------


def test_timeout_ends_a_dripping_answer_in_the_time_out_diagnosis(
    server: HostileServer, children: dict[str, subprocess.Popen[str]]
) -> None:
    proc = children["drip-cli"]  # --timeout 2
    wait_seen(server, "drip-cli", proc)
    returncode, out, err, _ = finish(proc, within=10.0)
    took = time.monotonic() - server.seen_at["drip-cli.example.com"]
    assert returncode == 1, err
    assert any(line.startswith("✗ tenant") for line in out.splitlines()), out
    assert "TIMED_OUT" in out and "Traceback" not in err
    # "Within a few seconds": the 2 s deadline, then the report and the exit on a busy machine.
    assert took < 2.0 + 4.0, f"ended {took:.1f} s after the call began, with --timeout 2"


@pytest.mark.parametrize(
    ("part", "step"),
    [("tokendrip", "token"), ("ewsdrip", "mailbox")],
    ids=["msal", "exchangelib"],
)
def test_each_library_call_is_bounded_as_a_whole(
    server: HostileServer, tmp_path: Path, part: str, step: str
) -> None:
    config = settings_for(server, tmp_path, f"{part}-runner")
    settings = SettingsStore(config).load()
    started = time.monotonic()
    report = CheckRunner(settings, timeout=2.0).run(["outgoing"], send=False)
    took = time.monotonic() - started
    failed = {c.step: c for c in report.checks if c.status is Status.FAILED}
    assert list(failed) == [step], report.to_json()
    assert failed[step].diagnosis is not None and failed[step].diagnosis.code == "TIMED_OUT"
    assert took < 6.0, f"took {took:.1f} s with a 2 s timeout"


def test_a_run_stops_at_its_overall_limit(
    server: HostileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backstop over all calls and waits: shrunk here so a 30 s call outlives it."""
    from tui.checks import runner as runner_module

    for name, value in (("CALLS_PER_TARGET", 0), ("THROTTLE_BUDGET", 0.0), ("RUN_MARGIN", 0.5)):
        monkeypatch.setattr(runner_module, name, value)
    settings = SettingsStore(settings_for(server, tmp_path, "drip-limit", timeout=30)).load()
    runner = CheckRunner(settings)
    assert runner.run_limit(1) == 0.5
    started = time.monotonic()
    report = runner.run(["outgoing"], send=False)
    assert time.monotonic() - started < 0.5 + PROMISE + SLACK
    assert report.cancelled and not report.ok
    tenant = next(c for c in report.checks if c.step == "tenant")
    assert tenant.status is Status.SKIPPED and "limit" in tenant.message


# --- terminal safety -------------------------------------------------------------------------


def test_escape_sequences_in_an_error_description_never_reach_the_terminal(
    children: dict[str, subprocess.Popen[str]],
) -> None:
    returncode, out, err, _ = finish(children["escape-text"], within=15.0)
    assert returncode == 1
    for stream in (out, err):
        assert not any(c in stream for c in "\x1b\x07\x08\r\x9b\x9d\x9c"), repr(stream)
    assert "raw: AADSTS90002: Tenant" in out and "not found." in out

    returncode, out, err, _ = finish(children["escape-json"], within=15.0)
    assert returncode == 1
    assert not any(c in out + err for c in "\x1b\x07\x08\r\x9b\x9d\x9c"), repr(out)
    tenant = next(c for c in json.loads(out)["checks"] if c["step"] == "tenant")
    assert ESCAPES in tenant["diagnosis"]["raw"]["error_description"]  # the data, kept whole


# --- the wizard ------------------------------------------------------------------------------


async def test_escape_on_the_check_screen_closes_the_hung_call_at_once(
    server: HostileServer, tmp_path: Path
) -> None:
    from tui.app import MailSetupApp
    from tui.screens.checks import CheckScreen

    tenant = "drip-esc"
    app = MailSetupApp(settings_for(server, tmp_path, tenant, timeout=20))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_run_checks("outgoing")
        seen = server.seen_event(f"{tenant}.example.com")
        for _ in range(200):
            if seen.is_set():
                break
            await pilot.pause(0.05)
        assert seen.is_set() and isinstance(app.screen, CheckScreen)
        pressed = time.monotonic()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CheckScreen)
        assert time.monotonic() - pressed < PROMISE + SLACK
        for _ in range(40):
            if f"{tenant}.example.com" in server.closed_at:
                break
            await pilot.pause(0.05)
        closed = server.closed_at.get(f"{tenant}.example.com")
        assert closed is not None and closed - pressed < PROMISE + SLACK, "the call kept its socket"


def test_the_wizard_quits_within_a_second_while_a_check_hangs(
    server: HostileServer, children: dict[str, subprocess.Popen[str]]
) -> None:
    proc = children["drip-quit"]
    wait_seen(server, "drip-quit", proc)
    time.sleep(0.3)
    assert proc.stdin is not None
    proc.stdin.write("quit\n")
    proc.stdin.flush()
    returncode, _, err, took = finish(proc, within=PROMISE)
    assert returncode == 0 and "Traceback" not in err, err
    assert took < PROMISE + SLACK, f"the wizard quit {took:.2f} s after being asked"


async def test_the_check_screen_shows_escapes_from_a_server_as_plain_text(
    server: HostileServer, tmp_path: Path
) -> None:
    from textual.widgets import Static

    from tui.app import MailSetupApp
    from tui.screens.checks import CheckScreen

    app = MailSetupApp(settings_for(server, tmp_path, "escape-wizard"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_run_checks("outgoing")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        for _ in range(200):
            if not screen.running:
                break
            await pilot.pause(0.05)
        await pilot.press("r")  # Microsoft's raw error, where error_description shows
        await pilot.pause()
        shown = "\n".join(str(w.render()) for w in screen.query(Static))
        assert "AADSTS90002: Tenant" in shown and "not found." in shown
        assert not any(c in shown for c in "\x1b\x07\x08\r\x9b\x9d\x9c"), repr(shown)
