"""The sandbox tenant: a local Entra ID + Exchange Online (EWS) emulator on 127.0.0.1.

Headless (no Textual) and independent of ``tui.checks``: it answers as Microsoft documents, so the
checks are tested against Microsoft's behaviour, not against a shared table.

``Sandbox`` is loaded on first use: the CLI builds its ``sandbox`` sub-command parser at every
start, and the server's imports (cryptography, http.server) would otherwise cost the wizard
~0.17 s before its first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.sandbox.state import ScenarioError, shipped_scenarios

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox

__all__ = ["Sandbox", "ScenarioError", "shipped_scenarios"]


def __getattr__(name: str) -> Any:
    if name == "Sandbox":
        from tui.sandbox.sandbox import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
