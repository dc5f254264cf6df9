"""Where the wizard's stylesheets live, from a checkout and from an installed wheel.

The wheel ships ``styles/`` as the package-data folder ``tui/styles`` (see pyproject.toml); a
plain checkout or an editable install has ``styles/`` next to ``tui/``. Both are plain paths;
``importlib.resources`` (package ``tui.styles``) is the last resort for other loaders. Every
caller goes through :func:`styles_dir`, never through ad-hoc paths.
"""

from __future__ import annotations

from pathlib import Path

DEMO_STYLESHEET = "demo.tcss"


def styles_dir() -> Path:
    """The folder holding ``app.tcss`` and the other sheets."""
    here = Path(__file__).resolve().parent
    # Plain paths first: they cover the wheel and the checkout, and importlib.resources costs
    # a few milliseconds of start-up to import.
    for folder in (here / "styles", here.parent / "styles"):  # wheel layout, then checkout
        if (folder / "app.tcss").is_file():
            return folder
    import importlib.resources

    try:
        # ``tui/styles`` has no __init__.py, so this is a namespace package whose files() is a
        # MultiplexedPath: join a file name to get a real filesystem path back.
        packaged = importlib.resources.files("tui.styles") / "app.tcss"
    except (ModuleNotFoundError, TypeError):
        packaged = None
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged.parent
    raise FileNotFoundError(f"the wizard's stylesheets (app.tcss) are missing near {here}")


def stylesheet(name: str) -> Path:
    """One sheet by file name (``"demo.tcss"``); FileNotFoundError names the folder searched."""
    path = styles_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"stylesheet {name} not found in {path.parent}")
    return path


def app_stylesheets() -> list[Path]:
    """The built-in sheets in load order: ``app.tcss`` first, then the rest by name, never demo."""
    folder = styles_dir()
    rest = sorted(p for p in folder.glob("*.tcss") if p.name not in ("app.tcss", DEMO_STYLESHEET))
    return [folder / "app.tcss", *rest]


def css_paths(*, demo: bool = False, extra: list[Path] | tuple[Path, ...] = ()) -> list[Path]:
    """Everything the App loads: built-in sheets, the demo overlay if asked, then ``--css`` files.

    ``App(css_path=...)`` replaces ``CSS_PATH`` instead of adding to it, hence the full list.
    A ``--css demo.tcss`` that does not exist where the admin stands is taken from the package.
    """
    paths = app_stylesheets()
    if demo:
        paths.append(stylesheet(DEMO_STYLESHEET))
    for given in extra:
        # Absolute: Textual reads a relative CSS path relative to the app's module, not the cwd.
        path = Path(given).expanduser().absolute()
        if not path.is_file() and path.name == DEMO_STYLESHEET:
            path = stylesheet(DEMO_STYLESHEET)
        if path not in paths:
            paths.append(path)
    return paths
