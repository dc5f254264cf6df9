"""The nodes of a :class:`~tui.widgets.stage_tree.StageTree`: a stage or a step, and its rows.

Plain data, no Textual: the tree numbers the nodes and wraps their labels into ``parts`` (one per
row); :mod:`tui.widgets.stage_rows` draws them. The ▼/▶ icons and the toggle's meta style live
here because both the tree's layout (the icon's width) and the drawing need them.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text

TOGGLE_STYLE = Style.from_meta({"toggle": True})  # a click on ▼/▶ toggles, as in Tree
ICON_NODE, ICON_NODE_EXPANDED = "▶ ", "▼ "


class StageNode:
    """A top-level node (a stage, with its steps as children) or a step."""

    def __init__(
        self, node_id: int, data: str, label: Text, parent: StageNode | None, head: int = 0
    ) -> None:
        self.id = node_id
        self.data = data
        self.label = label
        self.head = head  # cells of the label that continuation rows are indented by
        self.parent = parent
        self.children: list[StageNode] = []
        self.expanded = False
        self.line = -1  # index among the shown nodes; -1 while hidden in a collapsed stage
        self.row = -1  # first row it is drawn on
        self.parts: list[Text] = [label]  # the label wrapped to the width, one Text per row
        # Each part drawn alone (stage_rows.drawn), kept until the parts change: Rich's
        # Text.render was most of the ~0.2 ms a row cost before the first frame.
        self.drawn_parts: dict[int, list[Segment]] = {}

    def set_parts(self, parts: list[Text]) -> None:
        self.parts = parts
        self.drawn_parts = {}

    @property
    def allow_expand(self) -> bool:
        return bool(self.children)

    @property
    def is_last(self) -> bool:
        return self.parent is not None and self.parent.children[-1] is self
