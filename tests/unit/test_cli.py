"""The command line: help, version, manifest, config-file resolution."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui import __version__
from tui.cli import CONFIG_ENV, build_parser, default_config_path, main, resolve_config_path
from tui.guide import EWS_ACCESS_AS_USER_SCOPE_ID, GRAPH_USER_READ_SCOPE_ID


def test_manifest_prints_exactly_the_two_resource_entries(capsys):
    assert main(["manifest"]) == 0
    block = json.loads(capsys.readouterr().out)
    assert block == [
        {
            "resourceAppId": "00000002-0000-0ff1-ce00-000000000000",
            "resourceAccess": [{"id": EWS_ACCESS_AS_USER_SCOPE_ID, "type": "Scope"}],
        },
        {
            "resourceAppId": "00000003-0000-0000-c000-000000000000",
            "resourceAccess": [{"id": GRAPH_USER_READ_SCOPE_ID, "type": "Scope"}],
        },
    ]
    assert EWS_ACCESS_AS_USER_SCOPE_ID == "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5"
    assert GRAPH_USER_READ_SCOPE_ID == "e1fe6dd8-ba31-4d61-89e7-88639da4683d"


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mailsetup {__version__}"


def test_help_names_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("check", "sandbox", "manifest", "--config", "--demo", "--css", "MAILSETUP_CONFIG"):
        assert word in out


def test_config_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert resolve_config_path(None) == default_config_path()
    assert default_config_path().name == "settings.toml"
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "env.toml"))
    assert resolve_config_path(None) == tmp_path / "env.toml"
    assert resolve_config_path(str(tmp_path / "arg.toml")) == tmp_path / "arg.toml"


def test_subcommands_take_config():
    args = build_parser().parse_args(["check", "--config", "x.toml"])
    assert args.command == "check" and args.config == "x.toml"


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "tui", "manifest"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert json.loads(out.stdout)[0]["resourceAppId"] == "00000002-0000-0ff1-ce00-000000000000"


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        ([], None),
        (["--demo"], None),
        (["--config", "check"], None),  # a file named "check" is not the command
        (["--config=x.toml", "check", "--json"], "check"),
        (["--css", "a.tcss", "sandbox", "--json"], "sandbox"),
        (["manifest"], "manifest"),
        (["settings.toml"], None),
    ],
)
def test_command_found_without_parsing(argv, command):
    from tui.cli import command_in

    assert command_in(argv) == command


def test_wizard_start_loads_no_sub_command_modules():
    code = "import sys; from tui.cli import build_parser; build_parser(only=None); print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert not {m for m in out.stdout.split() if m.startswith(("tui.checks", "tui.sandbox"))}


def _help(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("columns", ["200", "80", "60"])
@pytest.mark.parametrize("argv", [[], ["sandbox"], ["check"], ["manifest"]], ids=" ".join)
def test_every_help_fits_80_columns(monkeypatch, capsys, argv, columns):
    monkeypatch.setenv("COLUMNS", columns)
    lines = _help(argv, capsys).splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)


def test_scenario_names_are_never_broken_in_sandbox_help(monkeypatch, capsys):
    from tui.sandbox.state import shipped_scenarios

    monkeypatch.setenv("COLUMNS", "80")
    words = _help(["sandbox"], capsys).replace(",", " ").replace(";", " ").split()
    for name in shipped_scenarios():
        assert name in words, f"{name} is broken across lines"


@pytest.mark.parametrize("argv", [["--config", ""], ["check", "--config", " "], ["--config="]])
def test_an_empty_config_name_is_refused_not_replaced_by_the_environment(
    monkeypatch, capsys, tmp_path, argv
):
    import types

    def fell_back(**kwargs):
        raise AssertionError(f"the wizard started with {kwargs['config_path']}")

    monkeypatch.setitem(sys.modules, "tui.app", types.SimpleNamespace(run=fell_back))
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "env.toml"))
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "the file name is empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("{tmp}/missing/settings.toml", "the folder {tmp}/missing does not exist"),
        ("{tmp}", "is a folder; name a file in it"),
        ("", "the file name is empty"),
    ],
)
def test_sandbox_write_config_needs_an_existing_folder(
    monkeypatch, capsys, tmp_path, target, words
):
    from tui.sandbox.sandbox import Sandbox

    def started(self):
        raise AssertionError("the sandbox started before the target was checked")

    monkeypatch.setattr(Sandbox, "start", started)
    assert main(["sandbox", "--write-config", target.format(tmp=tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mailsetup sandbox: --write-config: ")
    assert words.format(tmp=tmp_path) in err and "Traceback" not in err
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--timeout", value]
        for value in ("nan", "inf", "-1", "0", "1e308", "601", "²", "9" * 5000)
    ]
    + [["check", "--wait", value] for value in ("-1", "nan", "inf", "1e308")]
    + [["sandbox", "--port", value] for value in ("-1", "70000", "²", "--5", "9" * 5000)],
    ids=lambda argv: f"{argv[1]} {argv[2][:8]}",
)
def test_numeric_options_are_checked_when_parsed(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {argv[1]}" in err and "Traceback" not in err and len(err) < 600


def test_numeric_options_in_range_are_taken():
    args = build_parser().parse_args(["check", "--timeout", "2.5", "--wait", "0"])
    assert (args.timeout, args.wait) == (2.5, 0.0)
    assert build_parser().parse_args(["sandbox", "--port", "8443"]).port == 8443


_TOKENS = ["--demo", "--config", "--css", "--config=", "--css=", "a.toml", "x.tcss", "",
           " ", "-x", "--con", "--demo=1", "check", "--help", "=", "b=c"]


def _argparse_reading(argv: list[str]) -> tuple[str | None, bool, list[str]] | str:
    """What the full parser makes of argv: the wizard's options, or "error"/"sub-command"."""
    try:
        args = build_parser(only=None).parse_args(argv)
    except SystemExit:
        return "error"
    if args.command is not None:
        return "sub-command"
    return (args.config, args.demo, args.css)


@given(st.lists(st.sampled_from(_TOKENS), max_size=6))
@settings(max_examples=300, deadline=None)
def test_the_plain_wizard_reading_agrees_with_argparse(argv):
    """The wizard's start reads its few options without argparse: whatever it accepts, argparse
    reads the same way; what it declines goes to argparse, which explains."""
    from tui.cli import plain_wizard_args

    plain = plain_wizard_args(argv)
    if plain is not None:
        assert _argparse_reading(argv) == (plain.config, plain.demo, plain.css)


@pytest.mark.parametrize(
    "argv",
    [[], ["--demo"], ["--config", "a.toml"], ["--config=a.toml", "--demo", "--css", "x.tcss"]],
    ids=" ".join,
)
def test_a_plain_wizard_start_does_not_load_argparse(argv):
    code = (
        "import sys; from tui.cli import plain_wizard_args; "
        f"assert plain_wizard_args({argv!r}) is not None; print('argparse' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
