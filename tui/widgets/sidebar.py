"""The sidebar: the guide's stages A, B, C and the summary, each step with its status marker.

A two-level tree keeps the overview at 80x24: the open stage is expanded, the others show one
line with their overall marker. Names longer than the sidebar is wide wrap under their title
(mark and id keep their own column), so every name reads in full. It is a
:class:`~tui.widgets.stage_tree.StageTree` (drawn like Textual's ``Tree``, a fraction of its
start-up cost). Labels are ``rich.text.Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.message import Message

from tui.guide import STAGES, step, steps_of
from tui.widgets.stage_tree import StageNode, StageTree
from tui.widgets.step_status import StepStatus, stage_status

SUMMARY = "Summary"


class StepSidebar(StageTree):
    """Stages and steps; Enter on a step posts :class:`StepSidebar.StepChosen`."""

    DEFAULT_CSS = """
    StepSidebar {
        width: 26; border-right: vkey $primary 50%; padding: 0;
        overflow-x: hidden; scrollbar-size-vertical: 1;
    }
    """

    class StepChosen(Message):
        def __init__(self, step_id: str) -> None:
            super().__init__()
            self.step_id = step_id

    def __init__(
        self,
        statuses: Mapping[str, StepStatus] | None = None,
        open_step: str | None = None,
        *,
        id: str | None = "sidebar",
    ) -> None:
        super().__init__(id=id)
        self.statuses: dict[str, StepStatus] = dict(statuses or {})
        self.stage_nodes: dict[str, StageNode] = {}
        self.step_nodes: dict[str, StageNode] = {}
        # Labelled, expanded and with the cursor as first seen: the first layout is final.
        open_stage = open_step[0] if open_step and open_step != SUMMARY else None
        for stage in STAGES:
            label = self._stage_label(stage)
            node = self.add(stage, label, head=label.cell_len - len(STAGES[stage]))
            node.expanded = stage == open_stage
            self.stage_nodes[stage] = node
            for s in steps_of(stage):
                label = self._step_label(s.id)
                head = label.cell_len - len(s.title)  # the mark and the id
                self.step_nodes[s.id] = self.add(s.id, label, node, head=head)
        self.step_nodes[SUMMARY] = self.add(SUMMARY, Text("  Summary"))
        self._lay_out()
        target = self.step_nodes.get(open_step or "")
        if target is not None and target.line >= 0:
            self.set_reactive(StepSidebar.cursor_line, target.line)

    def _stage_label(self, stage: str) -> Text:
        marker = (
            stage_status(self.statuses, stage).marker if self.statuses else StepStatus.TODO.marker
        )
        return Text(f"{marker} {stage} {STAGES[stage]}", style="bold")

    def _step_label(self, step_id: str) -> Text:
        status = self.statuses.get(step_id, StepStatus.TODO)
        label = Text(f"{status.marker} ", style="bold")
        label.append(f"{step_id:<4}", style="bold")
        label.append(step(step_id).title)
        return label

    def update_statuses(self, statuses: Mapping[str, StepStatus]) -> None:
        """Relabel only what changed: this runs on every keystroke."""
        changed = [k for k, v in statuses.items() if self.statuses.get(k) is not v]
        if not changed:
            return
        self.statuses = dict(statuses)
        for step_id in changed:
            node = self.step_nodes.get(step_id)
            if node is not None:
                self._relabel(node, self._step_label(step_id))
        for stage, node in self.stage_nodes.items():
            label = self._stage_label(stage)
            if label.plain != node.label.plain:
                self._relabel(node, label)

    def show_step(self, step_id: str) -> None:
        """Open the step's stage (closing the others) and put the cursor on the step."""
        target = self.step_nodes.get(step_id)
        if target is None:
            return
        for stage, node in self.stage_nodes.items():
            self._set_expanded(node, stage == step_id[0] and step_id != SUMMARY)
        self.call_after_refresh(self._move_to, target)

    def leaf_chosen(self, node: StageNode) -> None:
        self.post_message(self.StepChosen(node.data))
