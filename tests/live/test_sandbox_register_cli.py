"""``mailsetup sandbox --approve-sign-ins --json --write-config`` for ``mailsetup register``:
graph_host, the admin client and the admins in the JSON line and the settings file, and a device
code sign-in that is approved without anybody entering the code."""

from __future__ import annotations

import json
from pathlib import Path

import tomlkit

from tests.live.test_sandbox_cli import start_cli, stop_cli
from tui.sandbox import clients


def test_json_and_config_name_graph_and_the_admin_and_sign_ins_approve_themselves(
    tmp_path: Path,
) -> None:
    config = tmp_path / "sandbox.toml"
    process = start_cli(
        "--json", "--scenario", "unregistered", "--approve-sign-ins", "--write-config", str(config)
    )
    try:
        info = json.loads(process.stdout.readline() if process.stdout else "")
        assert info["graph_host"] == info["authority_host"]  # Graph shares the port
        assert info["admin_client_id"] == "14d82eec-204b-4c2f-b7e8-296a70dab67e"
        assert info["admins"] == [
            {
                "email": "admin@contoso-sandbox.onmicrosoft.com",
                "password": "Sandbox-Admin-1!",
                "roles": ["Global Administrator"],
            }
        ]
        azure = tomlkit.parse(config.read_text(encoding="utf-8"))["azure"]
        assert azure["graph_host"] == info["graph_host"]
        assert azure["admin_client_id"] == info["admin_client_id"]
        assert config.stat().st_mode & 0o077 == 0  # still private after the second write

        from tui.settings.store import load_settings

        assert load_settings(config).azure.tenant_id == info["tenant_id"]  # keys it ignores

        app = clients.public_app(info, client_id=info["admin_client_id"], tenant="organizations")
        flow = app.initiate_device_flow(scopes=["Application.ReadWrite.All"])
        result = app.acquire_token_by_device_flow(flow)
        assert "access_token" in result, result
        answer = clients.http_session(info["ca_file"]).get(
            f"https://{info['graph_host']}/v1.0/organization",
            headers={"Authorization": f"Bearer {result['access_token']}"},
            timeout=10,
        )
        assert answer.json()["value"][0]["id"] == info["tenant_id"]
    finally:
        assert stop_cli(process) == 0
