"""`mailsetup check` before any network: numeric flags checked when the line is parsed, one JSON
document for every refusal (missing, unparsable or invalid settings, unknown --only targets,
secrets nobody can type in), and a help that fits 80 columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main

VALID = """\
store_secrets = true
[azure]
client_id = "3f2a8c1e-5b7d-4e19-9a60-2d4c8b1f7e35"
tenant_id = "contoso.example.com"
auth_flow = "user_password"
authority_host = "127.0.0.1:9"
[outgoing]
email_method = "exchange_online"
server_address = "127.0.0.1"
port = 9
[outgoing.test]
recipient = "adele@contoso.example.com"
sender = "erp@contoso.example.com"
user_name = "erp@contoso.example.com"
password = "Pass-word-1!"
[incoming]
service = "exchange_online"
server_name = "127.0.0.1"
port = 9
[[incoming.accounts]]
email = "orders@contoso.example.com"
user_name = "orders@contoso.example.com"
password = "Pass-word-2!"
"""


def settings_file(tmp_path: Path, text: str = VALID) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--timeout", "nan"),
        ("--timeout", "inf"),
        ("--timeout", "-1"),
        ("--timeout", "0"),
        ("--timeout", "1e308"),
        pytest.param("--timeout", "9" * 5000, id="--timeout-5000-digits"),
        ("--timeout", "ten"),
        ("--wait", "-5"),
        ("--wait", "nan"),
        ("--wait", "1e9"),
    ],
)
def test_numeric_flags_are_refused_when_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["check", "--config", str(settings_file(tmp_path)), f"{flag}={value}"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}:" in err and "Traceback" not in err
    assert len(err) < 400  # a 5000-digit value is not echoed whole


def test_sensible_numbers_are_taken(tmp_path: Path) -> None:
    from tui.cli import build_parser

    args = build_parser().parse_args(["check", "--timeout", "2.5", "--wait", "0"])
    assert (args.timeout, args.wait) == (2.5, 0.0)


def refusal(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[dict, str]:
    assert main(argv) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # exactly one JSON document
    assert document["ok"] is False and set(document["error"]) >= {"code", "message", "problems"}
    return document["error"], captured.err


def test_json_when_the_settings_file_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    error, err = refusal(capsys, ["check", "--config", str(tmp_path / "nope.toml"), "--json"])
    assert error["code"] == "SETTINGS_MISSING" and "nope.toml" in error["message"]
    assert err.count("no settings file") == 1


def test_json_when_the_settings_file_does_not_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = settings_file(tmp_path, "[azure\nclient_id = ")
    error, _ = refusal(capsys, ["check", "--config", str(bad), "--json"])
    assert error["code"] == "SETTINGS_INVALID" and str(bad) in error["message"]
    assert error["problems"][0]["line"] == 1


def test_json_when_the_settings_are_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = VALID.replace('client_id = "3f2a8c1e-5b7d-4e19-9a60-2d4c8b1f7e35"', 'client_id = ""')
    error, err = refusal(
        capsys, ["check", "--config", str(settings_file(tmp_path, text)), "--json"]
    )
    assert error["code"] == "SETTINGS_INVALID"
    fields = {p["field"]: p for p in error["problems"]}
    assert fields["azure.client_id"]["guide_step"] == "A8"
    assert "Application (client) ID is missing" in err


def test_json_when_a_secret_cannot_be_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILSETUP_NOT_SET", raising=False)
    text = VALID.replace('password = "Pass-word-1!"', 'password = { env = "MAILSETUP_NOT_SET" }')
    config = settings_file(tmp_path, text)
    error, _ = refusal(capsys, ["check", "--config", str(config), "--only", "outgoing", "--json"])
    assert error["code"] == "SECRETS_MISSING"
    assert error["problems"][0]["field"] == "outgoing.test.password"


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_an_unknown_only_target_exits_2_naming_the_known_ones_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    argv = ["check", "--config", str(settings_file(tmp_path)), "--only", "nobody@example.com"]
    assert main(argv + (["--json"] if as_json else [])) == 2
    captured = capsys.readouterr()
    assert captured.err.count("nobody@example.com") == 1
    assert "known targets: outgoing, incoming, orders@contoso.example.com" in captured.err
    if as_json:
        error = json.loads(captured.out)["error"]
        assert error["code"] == "UNKNOWN_TARGET"
        assert error["known_targets"][:3] == ["outgoing", "incoming", "orders@contoso.example.com"]
    else:
        assert captured.out == ""


def test_check_help_fits_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    lines = capsys.readouterr().out.splitlines()
    assert "--timeout SECONDS" in "\n".join(lines)
    assert max(len(line) for line in lines) <= 80


def test_a_reader_that_goes_away_gets_no_traceback(tmp_path: Path) -> None:
    """`mailsetup check --json | head -1`: the pipe closes before the document is written."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "check", "--config", str(tmp_path / "no.toml"), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the child can write anything
    err = proc.stderr.read()
    assert proc.wait(timeout=30) == 2
    assert "Traceback" not in err and "no settings file" in err
