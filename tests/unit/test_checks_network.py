"""Network faults made on loopback: each is named by the reach step (or the tenant step) and the
pipeline stops there, with the right diagnosis, exit code and JSON, and no secret in the output.

The servers are built here: a closed port, a socket that accepts and never answers, a TLS server
whose self-signed certificate nobody trusts, a TLS server that closes mid-response, and an HTTP
proxy that asks for authentication. Short timeouts keep the module fast.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tui.checks import CheckRunner, Status
from tui.checks.net import reach
from tui.cli import main
from tui.settings.model import Account, Secret, Settings
from tui.settings.store import save_settings

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
PASSWORD = "Loopback-Passw0rd!"


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "loopback test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class _Server:
    """A listening socket on 127.0.0.1 whose connections are handled by ``handle``."""

    def __init__(self, handle: Callable[[socket.socket], None] | None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.handle = handle
        self.stopped = threading.Event()
        self.held: list[socket.socket] = []
        if handle is not None:
            self.sock.settimeout(0.1)
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(conn)
            threading.Thread(target=self._handle_quietly, args=(conn,), daemon=True).start()

    def _handle_quietly(self, conn: socket.socket) -> None:
        try:
            assert self.handle is not None
            self.handle(conn)
        except (OSError, ssl.SSLError):
            pass  # the client hung up or refused our certificate: that is the test

    def close(self) -> None:
        self.stopped.set()
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _certificate(tmp_path_factory.mktemp("loopback-tls"))


@pytest.fixture
def servers() -> Iterator[list[_Server]]:
    made: list[_Server] = []
    yield made
    for server in made:
        server.close()


def _tls_server(
    servers: list[_Server],
    certificate: tuple[Path, Path],
    after_handshake: Callable[[ssl.SSLSocket], None],
) -> _Server:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)

    def handle(conn: socket.socket) -> None:
        conn.settimeout(5)
        with context.wrap_socket(conn, server_side=True) as tls:
            after_handshake(tls)

    server = _Server(handle)
    servers.append(server)
    return server


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _settings(authority_port: int, ews_port: int | None = None, ca_bundle: str = "") -> Settings:
    s = Settings()
    s.azure.client_id, s.azure.tenant_id = CLIENT, TENANT
    s.azure.authority_host = f"127.0.0.1:{authority_port}"
    s.azure.ca_bundle = ca_bundle
    s.outgoing.server_address, s.outgoing.port = "127.0.0.1", ews_port or authority_port
    s.outgoing.test.recipient = "someone@contoso.example"
    s.outgoing.test.sender = s.outgoing.test.user_name = "erp@contoso.example"
    s.outgoing.test.password = Secret(PASSWORD)
    s.incoming.server_name, s.incoming.port = "127.0.0.1", ews_port or authority_port
    s.incoming.accounts = [
        Account(
            email="in@contoso.example",
            user_name="in@contoso.example",
            password=Secret(PASSWORD),
            types=["CRM"],
        )
    ]
    s.checks.timeout = 1.0
    return s


def _failure(settings: Settings, targets: list[str] | None = None):
    report = CheckRunner(settings).run(targets or ["outgoing"])
    failed = report.failures
    assert len(failed) == 1, report.to_json()
    return report, failed[0]


# --- the reach step on its own --------------------------------------------------------------------


def test_closed_port_is_named_refused():
    result = reach(f"https://127.0.0.1:{_closed_port()}/", True, 1.0)
    assert not result.ok and result.code == "CONNECTION_REFUSED"


def test_a_server_that_accepts_and_never_answers_times_out(servers):
    silent = _Server(None)  # listening: the kernel completes TCP, nobody ever speaks TLS
    servers.append(silent)
    result = reach(f"https://127.0.0.1:{silent.port}/", True, 0.5)
    assert not result.ok and result.code == "TIMED_OUT"


def test_an_untrusted_certificate_is_named(servers, certificate):
    server = _tls_server(servers, certificate, lambda tls: None)
    result = reach(f"https://127.0.0.1:{server.port}/", True, 2.0)
    assert not result.ok and result.code == "TLS_UNTRUSTED", result
    trusted = reach(f"https://127.0.0.1:{server.port}/", str(certificate[0]), 2.0)
    assert trusted.ok, trusted


def test_a_proxy_asking_for_authentication_is_named(servers, monkeypatch):
    def proxy(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
            b'Proxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n'
        )

    server = _Server(proxy)
    servers.append(server)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = reach("https://login.microsoftonline.com/", True, 1.0)  # never leaves loopback
    assert not result.ok and result.code == "HTTP407"
    assert result.via_proxy == f"127.0.0.1:{server.port}"


# --- through the pipeline and the command line ---------------------------------------------------


def test_refused_stops_the_pipeline_at_reach_with_a_diagnosis():
    report, failure = _failure(_settings(_closed_port()))
    assert failure.step == "reach"
    assert failure.diagnosis.code == "CONNECTION_REFUSED"
    assert failure.diagnosis.guide_step == "B13"  # the sign-in host: fix the network, test again
    later = [c for c in report.checks if c.step in ("tenant", "token", "mailbox", "send")]
    assert later and all(c.status is Status.SKIPPED for c in later)


def test_untrusted_certificate_through_the_cli_points_to_the_ca_bundle(
    servers, certificate, tmp_path, capsys
):
    server = _tls_server(servers, certificate, lambda tls: None)
    config = save_settings(_settings(server.port), tmp_path / "s.toml")
    assert main(["check", "--config", str(config), "--json", "--only", "outgoing"]) == 1
    out = capsys.readouterr().out
    document = json.loads(out)
    reach_check = next(c for c in document["checks"] if c["step"] == "reach")
    assert reach_check["status"] == "failed"
    assert reach_check["diagnosis"]["code"] == "TLS_UNTRUSTED"
    assert "CA bundle" in reach_check["diagnosis"]["fix"]
    assert PASSWORD not in out


def test_a_server_closing_mid_response_fails_the_tenant_step(servers, certificate):
    def half_answer(tls: ssl.SSLSocket) -> None:
        tls.recv(65536)
        tls.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b'Content-Length: 4000\r\n\r\n{"token_endpoint": "https://127.0'
        )

    server = _tls_server(servers, certificate, half_answer)
    report, failure = _failure(_settings(server.port, ca_bundle=str(certificate[0])))
    assert [c.status for c in report.checks[:2]] == [Status.OK, Status.OK]  # settings, reach
    assert failure.step == "tenant"
    assert failure.diagnosis.code == "CONNECTION_CLOSED", failure.diagnosis


def test_a_silent_server_fails_within_the_timeout_on_every_account(servers):
    silent = _Server(None)
    servers.append(silent)
    settings = _settings(silent.port)
    settings.checks.timeout = 0.5
    report = CheckRunner(settings).run(["outgoing", "incoming"], send=False)
    failed = report.failures
    assert {c.target for c in failed} == {"outgoing", "incoming:in@contoso.example"}
    assert all(c.step == "reach" and c.diagnosis.code == "TIMED_OUT" for c in failed)
    assert all(c.diagnosis.guide_step in ("B13", "C14") for c in failed)


def test_an_unreadable_ca_bundle_is_named(servers, certificate, tmp_path):
    server = _tls_server(servers, certificate, lambda tls: None)
    result = reach(f"https://127.0.0.1:{server.port}/", str(tmp_path / "missing.pem"), 2.0)
    assert not result.ok and result.code == "CA_BUNDLE_UNREADABLE"


def test_missing_values_fail_the_settings_step_before_any_network_call():
    report = CheckRunner(Settings()).run(["outgoing"])
    settings_check, *rest = report.checks
    assert settings_check.status is Status.FAILED
    assert settings_check.diagnosis.code == "SETTINGS_INVALID"
    assert settings_check.diagnosis.guide_step == "A8"
    assert "Application (client) ID is missing" in settings_check.diagnosis.cause
    assert all(c.status is Status.SKIPPED for c in rest)
