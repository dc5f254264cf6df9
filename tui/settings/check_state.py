"""The small state file beside the settings: the last live check of each target.

``settings.toml`` gets ``settings.checks.json`` next to it. Running a check writes only this
file, so checks never mark the settings unsaved; an account's ``last_validated`` goes into the
settings file itself with the next save. The file holds outcomes, times, guide step ids and
diagnosis titles: no values from the settings and no secrets. A missing, unreadable or odd file
reads as "nothing checked yet", never as an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.settings.store import _write_atomic

MAX_BYTES = 1_000_000  # a hand-edited or hostile file is not read whole into memory


def state_path(settings_path: Path) -> Path:
    return settings_path.with_name(f"{settings_path.stem}.checks.json")


def load_state(settings_path: Path) -> dict[str, Any]:
    path = state_path(settings_path)
    try:
        if not path.is_file():  # a FIFO or a folder of that name is not read
            return {}
        import json  # here, not at the top: a first start has no file, and json costs ~3 ms

        with path.open("rb") as fh:
            data = json.loads(fh.read(MAX_BYTES + 1)[:MAX_BYTES])
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(settings_path: Path, data: dict[str, Any]) -> None:
    """Write atomically (mode 0600, like the settings); OSError goes to the caller."""
    import json

    text = json.dumps({"version": 1, **data}, indent=2, ensure_ascii=False)
    path = state_path(settings_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, text.encode("utf-8"))
