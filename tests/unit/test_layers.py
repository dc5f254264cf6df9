"""The layering rules, proved in a fresh interpreter: headless layers never pull in the UI, and
start-up never pays for msal or exchangelib."""

from __future__ import annotations

import subprocess
import sys

import pytest


def imported_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.parametrize("module", ["tui.settings", "tui.settings.store", "tui.guide"])
def test_settings_layer_is_headless_and_offline(module):
    loaded = imported_after(module)
    assert not loaded & {"textual", "msal", "exchangelib", "requests", "socket_server"}


@pytest.mark.parametrize("module", ["tui.checks", "tui.sandbox"])
def test_headless_layers_do_not_import_textual(module):
    assert "textual" not in imported_after(module)


@pytest.mark.parametrize("module", ["tui.cli", "tui.checks"])
def test_start_up_does_not_import_msal_or_exchangelib(module):
    assert not imported_after(module) & {"msal", "exchangelib"}


def test_cli_parser_is_cheap():
    code = "import sys; from tui.cli import build_parser; build_parser(); print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert not {n.split(".")[0] for n in out.stdout.split()} & {"msal", "exchangelib", "textual"}
