"""The wheel ships every package: the tests import from the checkout, so a package missing from
pyproject.toml would pass here and fail on an admin's machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import tomlkit

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_in_the_tree_is_listed_in_pyproject():
    config = tomlkit.parse((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    in_tree = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "tui").rglob("__init__.py")
    }
    assert in_tree <= listed, f"missing from pyproject.toml: {sorted(in_tree - listed)}"
    assert config["package-dir"]["tui.styles"] == "styles"
    assert {"*.tcss"} <= set(config["package-data"]["tui.styles"])


def test_the_installed_package_imports_every_screen(tmp_path):
    """Run outside the checkout, so the installed copy (the wheel, in CI) is what imports."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = (
        "import importlib, pkgutil, tui, tui.screens, tui.screens.panes, tui.widgets;"
        "[importlib.import_module(m.name) for p in (tui.screens, tui.screens.panes, tui.widgets)"
        " for m in pkgutil.iter_modules(p.__path__, p.__name__ + '.')];"
        "import tui.app; from tui.resources import css_paths; print(len(css_paths(demo=True, extra=[])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
