"""The wizard's panes in the guide's order and the steps each one holds, without importing them.

A pane's module is imported, and the pane built, the first time it is shown: start-up shows a
single pane, and importing every pane module up front (stage C alone brings DataTable,
the account modal and SelectionList) cost ~40 ms before the first frame. The step ids here must
match each pane's ``STEP_IDS``; :meth:`PaneCatalog.pane` checks that when it builds a pane.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

from tui.widgets.sidebar import SUMMARY

if TYPE_CHECKING:
    from tui.screens.panes.base import StepPane


class PaneSlot(NamedTuple):  # a NamedTuple: a frozen dataclass costs ~1 ms of start-up to create
    """One pane's place in the walk: its widget id, its steps, and the module that builds it
    (``tui.screens.panes.<module>``, whose ``PANES`` maps pane ids to factories)."""

    id: str
    step_ids: tuple[str, ...]
    module: str


SLOTS: tuple[PaneSlot, ...] = (
    PaneSlot("pane-a-register", ("A1", "A2", "A3", "A4", "A5", "A6", "A7"), "stage_a"),
    PaneSlot("pane-a-ids", ("A8",), "stage_a"),
    PaneSlot("pane-a-manifest", ("A9", "A10", "A11"), "stage_a"),
    PaneSlot("pane-a-consent", ("A12", "A13", "A14", "A15"), "stage_a"),
    PaneSlot("pane-a-public", ("A16", "A17", "A18", "A19"), "stage_a"),
    # Stage E (not in the vendor guide) between A and B, one pane per step: each has a block.
    PaneSlot("pane-e-read", ("E1",), "stage_e"),
    PaneSlot("pane-e-allow", ("E2",), "stage_e"),
    PaneSlot("pane-e-mailboxes", ("E3",), "stage_e"),
    PaneSlot("pane-b-open", ("B1", "B2", "B3"), "stage_b"),
    PaneSlot("pane-b-system", ("B4", "B5", "B6", "B7", "B8", "B9"), "stage_b"),
    PaneSlot("pane-b-check", ("B10", "B11", "B12", "B13"), "stage_b"),
    PaneSlot("pane-c-server", ("C1", "C2", "C3", "C4", "C5", "C6", "C7"), "stage_c"),
    PaneSlot(
        "pane-c-accounts", ("C8", "C9", "C10", "C11", "C12", "C13", "C14", "C15"), "stage_c"
    ),
    PaneSlot("pane-summary", (SUMMARY,), "summary"),
)

SLOT_OF_STEP: dict[str, PaneSlot] = {s: slot for slot in SLOTS for s in slot.step_ids}


class PaneCatalog:
    """The panes of one wizard screen, each built once, on first use."""

    def __init__(self) -> None:
        self._built: dict[str, StepPane] = {}

    @staticmethod
    def slot_of(step_id: str) -> PaneSlot:
        """The slot holding a step; the summary for anything unknown."""
        return SLOT_OF_STEP.get(step_id) or SLOT_OF_STEP[SUMMARY]

    @staticmethod
    def index(pane_id: str | None) -> int:
        return next(i for i, slot in enumerate(SLOTS) if slot.id == pane_id)

    def pane(self, slot: PaneSlot) -> StepPane:
        """The slot's pane, built (and its module imported) the first time it is asked for."""
        found = self._built.get(slot.id)
        if found is None:
            module = importlib.import_module(f"tui.screens.panes.{slot.module}")
            found = module.PANES[slot.id]()
            if found.id != slot.id or slot.step_ids != found.STEP_IDS:
                raise RuntimeError(f"pane catalog out of date for {slot.id}")
            self._built[slot.id] = found
        return found
