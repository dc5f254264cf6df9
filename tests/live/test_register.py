"""``mailsetup register`` against the sandbox: the real msal device flow, real HTTPS to its Graph.

Create, then a second run that changes nothing; a half-done registration completed; each
refusal; ``--check`` on a good app and on broken ones; the Client secret flow; and no token or
secret in any output. After ``register`` the live checks pass.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tui.cli import build_parser
from tui.register.cli import run as run_register
from tui.sandbox import Sandbox, clients
from tui.settings.store import load_settings

ADMIN_SCOPES = ["Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"]


@pytest.fixture(autouse=True)
def _unregistered(sandbox: Sandbox) -> Iterator[None]:
    sandbox.load_scenario("unregistered")
    sandbox.patch({"sign_in": {"interval": 1}, "propagation": {"seconds": 0}})
    sandbox.sign_ins.auto_approve = True
    yield
    clients.close_connections()


@pytest.fixture()
def config(sandbox: Sandbox, tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    sandbox.write_config(path)
    return path


def register(config: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """One in-process run with --json: exit code, the JSON document, stderr."""
    parsed = build_parser(only="register").parse_args(
        ["register", "--config", str(config), "--json", *args]
    )
    out, err = io.StringIO(), io.StringIO()
    code = run_register(parsed, config, out, err)
    return code, json.loads(out.getvalue()), err.getvalue()


def graph(sandbox: Sandbox) -> requests.Session:
    """The admin's own Graph session, to break or half-make a registration behind its back."""
    info = sandbox.info
    app = clients.public_app(info, client_id=info["admin_client_id"], tenant="organizations")
    token = app.acquire_token_by_device_flow(app.initiate_device_flow(scopes=ADMIN_SCOPES))[
        "access_token"
    ]
    session = clients.http_session(info["ca_file"])
    session.headers["Authorization"] = f"Bearer {token}"
    session.headers["x-root"] = f"https://{info['graph_host']}/v1.0"
    return session


def call(session: requests.Session, method: str, path: str, **kw: Any) -> Any:
    answer = session.request(method, session.headers["x-root"] + path, timeout=10, **kw)
    assert answer.status_code < 400, answer.text
    return answer.json() if answer.content else None


def check_passes_after_register(config: Path) -> subprocess.CompletedProcess[str]:
    """`mailsetup check` on what register wrote, in its own process (as the admin runs it)."""
    command = [sys.executable, "-m", "tui", "check", "--config", str(config)]
    return subprocess.run(
        [*command, "--no-send", "--json", "--wait", "20"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {f"{a['step']} {a['what']}": a["status"] for a in doc["actions"]}


def test_create_then_nothing_to_change_then_the_checks_pass(sandbox: Sandbox, config: Path) -> None:
    code, doc, err = register(config, "--yes")
    assert code == 0, doc
    assert doc["ok"] and doc["diagnosis"] is None
    assert set(statuses(doc).values()) == {"done"}
    assert [a["step"] for a in doc["actions"]][:2] == ["A5–A6", "A10–A11"]
    assert "code" in err and "devicelogin" in err  # the admin was told where to sign in
    settings = load_settings(config)
    assert settings.azure.client_id == doc["client_id"]
    assert settings.azure.tenant_id == doc["tenant_id"] == sandbox.info["tenant_id"]
    assert {"A1", "A10", "A14", "A17", "A18"} <= set(settings.done_steps)

    again, doc2, _ = register(config, "--yes")
    assert again == 0 and doc2["client_id"] == doc["client_id"]
    assert set(statuses(doc2).values()) == {"unchanged"}

    checked = check_passes_after_register(config)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["ok"] is True


def test_dry_run_plans_and_changes_nothing(sandbox: Sandbox, config: Path) -> None:
    code, doc, _ = register(config, "--dry-run")
    assert code == 0
    assert set(statuses(doc).values()) == {"planned"}
    assert load_settings(config).azure.client_id == ""
    assert call(graph(sandbox), "GET", "/applications")["value"] == []


def test_a_half_done_registration_is_completed_not_duplicated(
    sandbox: Sandbox, config: Path
) -> None:
    session = graph(sandbox)
    made = call(
        session,
        "POST",
        "/applications",
        json={"displayName": "Monitor ERP e-mail", "signInAudience": "AzureADMyOrg"},
    )
    code, doc, _ = register(config, "--yes")
    assert code == 0, doc
    assert doc["client_id"] == made["appId"]
    done = {k for k, v in statuses(doc).items() if v == "done"}
    assert not any(k.startswith("A5–A6") for k in done)  # found, not made again
    assert any(k.startswith("A10–A11") for k in done) and any(k.startswith("A17–A18") for k in done)
    apps = call(
        session, "GET", "/applications", params={"$filter": "displayName eq 'Monitor ERP e-mail'"}
    )
    assert len(apps["value"]) == 1


def test_check_on_a_good_app_and_on_broken_ones(sandbox: Sandbox, config: Path) -> None:
    assert register(config, "--yes")[0] == 0
    code, doc, _ = register(config, "--check")
    assert code == 0 and [r["status"] for r in doc["requirements"]] == ["ok"] * 5
    assert doc["actions"] == []

    session = graph(sandbox)
    app_id = load_settings(config).azure.client_id
    app = call(session, "GET", f"/applications(appId='{app_id}')")
    call(session, "PATCH", f"/applications/{app['id']}", json={"isFallbackPublicClient": False})
    code, doc, _ = register(config, "--check")
    assert code == 1
    assert {r["step"]: r["status"] for r in doc["requirements"]}["A17"] == "failed"
    assert doc["diagnosis"]["guide_step"] == "A17"
    assert "mailsetup register" in doc["diagnosis"]["fix"]
    call(session, "PATCH", f"/applications/{app['id']}", json={"requiredResourceAccess": []})
    code, doc, _ = register(config, "--check")
    failed = [r["step"] for r in doc["requirements"] if r["status"] == "failed"]
    assert code == 1 and {"A10", "A17"} <= set(failed)
    code, doc, _ = register(config, "--yes")  # and register repairs exactly those
    assert code == 0
    done = [a["step"] for a in doc["actions"] if a["status"] == "done"]
    assert {"A10–A11", "A17–A18"} <= set(done) and "A5–A6" not in done
    assert register(config, "--check")[0] == 0


def test_client_secret_flow_keeps_the_secret_only_in_the_file(
    sandbox: Sandbox, config: Path
) -> None:
    code, doc, err = register(config, "--yes", "--flow", "client_secret", "--secret-months", "3")
    assert code == 0, doc
    steps = statuses(doc)
    assert steps["23 assign full_access_as_app (application permission)"] == "done"
    settings = load_settings(config)
    secret = settings.azure.client_secret.resolve()
    assert settings.azure.auth_flow.value == "client_secret" and len(secret) > 20
    assert secret not in json.dumps(doc) and secret not in err
    code, doc, _ = register(config, "--check", "--flow", "client_secret")
    assert code == 0, doc
    checked = check_passes_after_register(config)
    assert checked.returncode == 0, checked.stdout
    for text in (checked.stdout, checked.stderr):
        assert secret not in text and "eyJ" not in text


@pytest.mark.parametrize(
    ("scenario", "code", "step"),
    [
        ("admin-no-role", "Authorization_RequestDenied", "A5"),
        ("consent-blocked", "AADSTS65001", "A1"),
        ("device-code-blocked", "AADSTS53003", "A1"),
        ("no-exchange-online", "NO_EXCHANGE_ONLINE", "A8"),
    ],
)
def test_refusals_are_explained(
    sandbox: Sandbox, config: Path, scenario: str, code: str, step: str
) -> None:
    sandbox.load_scenario(scenario)
    sandbox.patch({"sign_in": {"interval": 1}, "propagation": {"seconds": 0}})
    exit_code, doc, err = register(config, "--yes")
    assert exit_code == 1
    assert doc["ok"] is False
    assert doc["diagnosis"]["code"] == code, doc["diagnosis"]
    assert doc["diagnosis"]["guide_step"] == step
    assert doc["diagnosis"]["raw"]  # Microsoft's answer is kept for support
    assert "eyJ" not in json.dumps(doc) + err


def test_several_apps_with_one_name_are_refused_and_listed(sandbox: Sandbox, config: Path) -> None:
    session = graph(sandbox)
    ids = {
        call(session, "POST", "/applications", json={"displayName": "Twice"})["appId"]
        for _ in range(2)
    }
    code, doc, _ = register(config, "--yes", "--name", "Twice")
    assert code == 1 and doc["diagnosis"]["code"] == "SEVERAL_APPS"
    assert set(doc["diagnosis"]["raw"]["client_ids"].split(", ")) == ids


def test_declined_sign_in(sandbox: Sandbox, config: Path) -> None:
    sandbox.sign_ins.auto_approve = False

    def decline_when_asked() -> None:
        for _ in range(50):
            pending = sandbox.sign_ins.pending()
            if pending:
                sandbox.sign_ins.decline(pending[0]["user_code"])
                return
            time.sleep(0.1)

    import threading

    threading.Thread(target=decline_when_asked, daemon=True).start()
    code, doc, _ = register(config, "--yes")
    assert code == 1 and doc["diagnosis"]["code"] == "authorization_declined"


def test_settings_problems_exit_2_with_a_json_document(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[azure]\ngraph_host = "https://graph.microsoft.com/v1.0"\n')
    code, doc, _ = register(path, "--yes")
    assert code == 2 and doc["ok"] is False
    assert any("azure.graph_host" in p for p in doc["error"]["problems"])


def test_ctrl_c_while_waiting_for_the_sign_in_stops_at_once(sandbox: Sandbox, config: Path) -> None:
    sandbox.sign_ins.auto_approve = False
    child = subprocess.Popen(
        [sys.executable, "-m", "tui", "register", "--config", str(config), "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not sandbox.sign_ins.pending() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sandbox.sign_ins.pending(), "the sign-in never started"
        started = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=5)
        assert time.monotonic() - started < 1.5
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert "Traceback" not in err


def test_a_hostile_app_name_never_reaches_the_terminal_raw(sandbox: Sandbox, config: Path) -> None:
    """A display name is anyone's text: an OSC 52 clipboard write in it is shown inert."""
    session = graph(sandbox)
    hostile = "ERP \x1b]52;c;aGVsbG8=\x07mail\x1b[2J"
    made = call(session, "POST", "/applications", json={"displayName": hostile})
    code, doc, err = register(config, "--check", "--client-id", made["appId"])
    assert code == 1  # a bare app misses most requirements
    assert "\x1b" not in err and "\x07" not in err
    assert "ERP" in err and "mail" in err
    text = json.dumps(doc)
    assert "\x1b" not in text


def test_throttling_is_waited_out_as_graph_asks(sandbox: Sandbox, config: Path) -> None:
    """Two 429s with Retry-After: 1 s: register waits them out and carries on."""
    sandbox.patch({"graph": {"throttled": True, "retry_after": 1, "throttled_requests": 2}})
    started = time.monotonic()
    code, doc, _ = register(config, "--yes")
    assert code == 0, doc
    assert time.monotonic() - started >= 2.0  # it did wait, as asked


def test_throttling_longer_than_a_run_accepts_is_explained(sandbox: Sandbox, config: Path) -> None:
    sandbox.patch({"graph": {"throttled": True, "retry_after": 3600, "throttled_requests": 0}})
    code, doc, _ = register(config, "--yes")
    assert code == 1 and doc["diagnosis"]["code"] == "TooManyRequests"
    assert doc["diagnosis"]["raw"]["status"] == 429


def test_an_expired_device_code_is_explained(sandbox: Sandbox, config: Path) -> None:
    sandbox.sign_ins.auto_approve = False
    sandbox.patch({"sign_in": {"expires_in": 2, "interval": 1}})
    code, doc, _ = register(config, "--yes")
    assert code == 1 and doc["diagnosis"]["code"] == "expired_token"
    assert "15 minutes" in doc["diagnosis"]["cause"] or "expired" in doc["diagnosis"]["cause"]
