"""The sandbox tenant: a local Entra ID + Exchange Online (EWS) emulator on 127.0.0.1.

Headless (no Textual) and independent of ``tui.checks``: it answers as Microsoft documents, so the
checks are tested against Microsoft's behaviour, not against a shared table.
"""

from __future__ import annotations

from tui.sandbox.sandbox import Sandbox
from tui.sandbox.state import ScenarioError, shipped_scenarios

__all__ = ["Sandbox", "ScenarioError", "shipped_scenarios"]
