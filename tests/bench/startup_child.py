"""One start-up, timed from inside: ``python startup_child.py minimal|wizard [SETTINGS FILE]``.

Prints ``time.time()`` at the moment the first screen is on the terminal and ready for keys
(Textual's ``Ready`` event: DOM mounted and the first frame drawn), and the CPU time the process
used until then, then exits. The parent noted the time just before it started this process; the
difference is the start-up time. Both apps run
headless, through the same code path a user's start takes (``tui.cli.main`` for the wizard).

It also prints ``SOURCE n``: how many of the loaded modules were compiled from source in this
start (no up-to-date ``.pyc`` beside them), so the parent can say which case it measured.
"""

from __future__ import annotations

import sys
import time


def _compiled_from_source() -> list[str]:
    """Loaded modules whose ``.pyc`` is missing or stale (the start compiled them afresh)."""
    import os
    from importlib.machinery import SourceFileLoader

    stale = []
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        if spec is None or not isinstance(spec.loader, SourceFileLoader) or not spec.cached:
            continue
        try:
            with open(spec.cached, "rb") as pyc:
                header = pyc.read(16)
            source = os.stat(spec.origin)
        except OSError:
            stale.append(name)
            continue
        flags = int.from_bytes(header[4:8], "little")
        # Timestamp-based .pyc (flags 0) hold the source's mtime and size; hash-based ones are
        # checked against the source only when asked to, so they count as compiled.
        if flags == 0 and (
            int.from_bytes(header[8:12], "little") != int(source.st_mtime) & 0xFFFFFFFF
            or int.from_bytes(header[12:16], "little") != source.st_size & 0xFFFFFFFF
        ):
            stale.append(name)
    return stale


def _headless(app_class: type) -> None:
    """Make ``App.run`` headless and report the first ready frame."""
    original_run = app_class.run

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["headless"] = True
        return original_run(self, *args, **kwargs)

    def on_ready(self) -> None:  # type: ignore[no-untyped-def]
        print(f"READY {time.time():.6f} CPU {time.process_time():.6f}", flush=True)
        if "msal" in sys.modules or "exchangelib" in sys.modules:
            print("HEAVY-IMPORTS", flush=True)
        stale = _compiled_from_source()
        print(f"SOURCE {len(stale)} {' '.join(sorted(stale)[:5])}", flush=True)
        self.exit(0)

    app_class.run = run
    app_class.on_ready = on_ready


def minimal() -> int:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class OneLabel(App[int]):
        def compose(self) -> ComposeResult:
            yield Label("Hello")

    _headless(OneLabel)
    OneLabel().run()
    return 0


class _PatchWhenImported:
    """A meta path finder that makes ``tui.app.MailSetupApp`` headless as the module loads, so
    the child imports what ``mailsetup`` imports, in the same order (``tui.cli`` first, which
    imports ``tui.app`` only once it knows the wizard is wanted)."""

    def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
        if name != "tui.app":
            return None
        import importlib.util

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        load = spec.loader.exec_module

        def exec_module(module):  # type: ignore[no-untyped-def]
            load(module)
            _headless(module.MailSetupApp)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def wizard(settings_file: str) -> int:
    sys.meta_path.insert(0, _PatchWhenImported())  # type: ignore[arg-type]
    from tui import cli

    return cli.main(["--config", settings_file])


if __name__ == "__main__":
    sys.exit(minimal() if sys.argv[1] == "minimal" else wizard(sys.argv[2]))
