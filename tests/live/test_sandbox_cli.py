"""``mailsetup sandbox`` as a subprocess: the --json line, --write-config, and a clean Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tui.sandbox import clients


def start_cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def stop_cli(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()


def test_json_line_then_serves_then_stops_on_ctrl_c(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.toml"
    started = time.monotonic()
    process = start_cli("--json", "--scenario", "ready", "--write-config", str(config))
    try:
        line = process.stdout.readline() if process.stdout else ""
        elapsed = time.monotonic() - started
        info = json.loads(line)
        for key in (
            "authority_host",
            "ews_url",
            "ca_file",
            "tenant_id",
            "client_id",
            "users",
            "control_url",
            "control_token",
        ):
            assert key in info
        assert all(set(u) == {"email", "password"} for u in info["users"])
        assert elapsed < 30  # the 2-second promise is measured in the report, not asserted here
        user = info["users"][0]
        token = clients.ropc_token(info, user["email"], user["password"])
        assert "access_token" in token

        from tui.settings.store import load_settings

        settings = load_settings(config)
        assert settings.azure.client_id == info["client_id"]
        assert settings.azure.authority_host == info["authority_host"]
        assert settings.azure.ca_bundle == info["ca_file"]
        assert settings.outgoing.ews_url == info["ews_url"]
        assert settings.incoming.ews_url == info["ews_url"]
        assert settings.outgoing.test.recipient and settings.outgoing.test.sender
        assert [a.email for a in settings.incoming.accounts] == [u["email"] for u in info["users"]]
        assert settings.incoming.accounts[0].password.resolve() == user["password"]
        from tui.settings.validation import validate

        assert [p for p in validate(settings) if p.severity == "error"] == []
    finally:
        code = stop_cli(process)
    assert code == 0
    assert not Path(info["ca_file"]).exists()


def test_unknown_scenario_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "sandbox", "--scenario", "nope", "--json"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "unknown scenario 'nope'" in result.stderr
    assert result.stdout == ""


def test_human_output_names_what_to_type(tmp_path: Path) -> None:
    process = start_cli("--scenario", "secret-expired")
    try:
        lines = []
        assert process.stdout is not None
        while not any(line.startswith("Control token") for line in lines):
            lines.append(process.stdout.readline().strip())
            assert lines[-1] != "" or len(lines) < 40
        text = "\n".join(lines)
        assert "Directory (tenant) ID" in text and "Application (client) ID" in text
        assert "Client secret" in text and "CA file to trust" in text
    finally:
        assert stop_cli(process) == 0
