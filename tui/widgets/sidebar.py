"""The sidebar: the guide's stages A, B, C and the summary, each step with its status marker.

A Tree keeps the overview at 80x24: the open stage is expanded, the others show one line with
their overall marker. Labels are built as ``rich.text.Text`` (never markup).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tui.guide import STAGES, steps_of
from tui.widgets.step_status import StepStatus, stage_status

SUMMARY = "Summary"


class StepSidebar(Tree[str]):
    """Stages and steps; Enter on a step posts :class:`StepSidebar.StepChosen`."""

    DEFAULT_CSS = """
    StepSidebar {
        width: 19; border-right: vkey $primary 50%; padding: 0;
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
        super().__init__(Text("Guide"), id=id)  # Text: a str label loads rich's emoji table
        self.show_root = False
        self.guide_depth = 2
        self.stage_nodes: dict[str, TreeNode[str]] = {}
        self.step_nodes: dict[str, TreeNode[str]] = {}
        self.statuses: dict[str, StepStatus] = dict(statuses or {})
        self._open_step = open_step
        # Built here, labelled and expanded as they will first be seen, so the first layout is
        # also the last one before the first frame (relabelling and expanding after mount each
        # cost the sidebar another layout and the screen another full render).
        open_stage = open_step[0] if open_step and open_step != SUMMARY else None
        for stage in STAGES:
            node = self.root.add(
                self._stage_label(stage), data=stage, expand=stage == open_stage
            )
            self.stage_nodes[stage] = node
            for s in steps_of(stage):
                self.step_nodes[s.id] = node.add_leaf(self._step_label(s.id), data=s.id)
        self.step_nodes[SUMMARY] = self.root.add_leaf(Text("  Summary"), data=SUMMARY)

    def on_mount(self) -> None:
        target = self.step_nodes.get(self._open_step or "")
        # ``last_line`` lays out the tree's lines, which gives the target its line number. The
        # cursor needs no size, so it is in the first frame; scrolling to it waits for a size,
        # and costs nothing when the line is already in view.
        if target is not None and self.last_line >= 0:
            self.cursor_line = target.line
            self.call_after_refresh(self._move_to, target)

    def _stage_label(self, stage: str) -> Text:
        marker = (
            stage_status(self.statuses, stage).marker if self.statuses else StepStatus.TODO.marker
        )
        return Text(f"{marker} {stage} {STAGES[stage]}", style="bold")

    def _step_label(self, step_id: str) -> Text:
        from tui.guide import step

        status = self.statuses.get(step_id, StepStatus.TODO)
        label = Text(f"{status.marker} ", style="bold")
        label.append(f"{step_id:<4}", style="bold")
        label.append(step(step_id).title)
        return label

    def update_statuses(self, statuses: Mapping[str, StepStatus]) -> None:
        """Relabel only what changed: this runs on every keystroke."""
        before = {stage: self._stage_label(stage).plain for stage in self.stage_nodes}
        changed = [k for k, v in statuses.items() if self.statuses.get(k) is not v]
        if not changed:
            return
        self.statuses = dict(statuses)
        for step_id in changed:
            node = self.step_nodes.get(step_id)
            if node is not None:
                node.set_label(self._step_label(step_id))
        for stage, node in self.stage_nodes.items():
            label = self._stage_label(stage)
            if label.plain != before[stage]:
                node.set_label(label)

    def show_step(self, step_id: str) -> None:
        """Open the step's stage (closing the others) and put the cursor on the step."""
        target = self.step_nodes.get(step_id)
        if target is None:
            return
        for stage, node in self.stage_nodes.items():
            if stage == step_id[0] and step_id != SUMMARY:
                node.expand()
            else:
                node.collapse()
        self.call_after_refresh(self._move_to, target)

    def _move_to(self, node: TreeNode[str]) -> None:
        if node.line >= 0:
            self.move_cursor(node, animate=False)

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        data = event.node.data
        if data and (data == SUMMARY or data[1:].isdigit()):
            self.post_message(self.StepChosen(data))
