"""A two-level tree (stages and their steps) drawn like Textual's ``Tree``, but light, and wrapping.

Same guides, ▼/▶ toggles, cursor, hover, keys and mouse as a ``Tree`` with hidden root and guide
depth 2, as one line-API widget over a fixed set of nodes. The ``Tree`` it replaces in the
sidebar was the costliest part of the wizard's start-up (~60 ms): it rebuilt and re-rendered
every line on each resize and style change, and the first frame sees several. Here a row is
rendered once per look and kept until its label, the cursor, hover, focus or the styles change.

Unlike ``Tree``, a label longer than the width wraps onto more rows (at word boundaries, with a
hanging indent under the node's ``head``: the status mark and step id), so at 80 columns the
step names stay readable instead of being cut after ten letters. A node is the unit of the
cursor, hover and keys; rows are only how it is drawn.

The nodes are in :mod:`tui.widgets.stage_node`, the drawing of a row in
:mod:`tui.widgets.stage_rows`; this module is the widget: layout, wrapping, cursor, keys, mouse.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.stage_node import ICON_NODE, ICON_NODE_EXPANDED, TOGGLE_STYLE, StageNode
from tui.widgets.stage_rows import render_node_line
from tui.widgets.wrap_text import hang_wrap

# The node data (stage_node) and the row drawing (stage_rows) live in their own modules; the
# sidebar imports StageNode from here with the tree, so the names stay importable from here.
__all__ = ["ICON_NODE", "ICON_NODE_EXPANDED", "TOGGLE_STYLE", "StageNode", "StageTree"]


class StageTree(ScrollView, can_focus=True):
    """Top-level nodes, each optionally with one level of children; add them before mounting."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("space", "toggle_node", "Toggle", show=False),
        Binding("up", "cursor_up", "Cursor Up", show=False),
        Binding("down", "cursor_down", "Cursor Down", show=False),
        Binding("shift+left", "cursor_parent", "Cursor to parent", show=False),
        Binding("shift+right", "cursor_parent_next_sibling", "Next ancestor", show=False),
        Binding("shift+up", "cursor_previous_sibling", "Previous sibling", show=False),
        Binding("shift+down", "cursor_next_sibling", "Next sibling", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "stage-tree--cursor",
        "stage-tree--guides",
        "stage-tree--guides-hover",
        "stage-tree--guides-selected",
        "stage-tree--highlight",
        "stage-tree--highlight-line",
        "stage-tree--label",
    }

    # Tree's colours, so the look is the same with every theme and with NO_COLOR.
    DEFAULT_CSS = """
    StageTree {
        background: $surface; color: $foreground;
        & > .stage-tree--guides, & > .stage-tree--guides-hover { color: $surface-lighten-2; }
        & > .stage-tree--guides-selected { color: $block-cursor-blurred-background; }
        & > .stage-tree--cursor {
            text-style: $block-cursor-blurred-text-style;
            background: $block-cursor-blurred-background;
        }
        & > .stage-tree--highlight-line { background: $block-hover-background; }
        &:focus {
            background-tint: $foreground 5%;
            & > .stage-tree--cursor {
                color: $block-cursor-foreground; background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
            & > .stage-tree--guides, & > .stage-tree--guides-hover { color: $surface-lighten-3; }
            & > .stage-tree--guides-selected { color: $block-cursor-background; }
        }
        &:light {
            & > .stage-tree--guides { color: $surface-darken-1; }
            & > .stage-tree--guides-hover, & > .stage-tree--guides-selected {
                color: $block-cursor-background;
            }
        }
    }
    StageTree:ansi {
        color: ansi_default;
        & > .stage-tree--guides { color: $ansi-background; }
        &:nocolor > .stage-tree--cursor { text-style: reverse; }
    }
    /* Without colour two greys cannot say which list has the keys: the cursor of a focused
       tree is reversed, the current step of an unfocused one only underlined. */
    StageTree:nocolor {
        & > .stage-tree--cursor { text-style: bold underline; background: transparent; }
        &:focus > .stage-tree--cursor { text-style: bold reverse; }
    }
    """

    cursor_line: var[int] = var(-1, always_update=True)
    hover_line: var[int] = var(-1)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._roots: list[StageNode] = []
        self._lines: list[StageNode] = []  # the shown nodes; cursor_line and hover_line index it
        self._rows: list[tuple[StageNode, int]] = []  # (node, part) for each drawn row
        self._wrap_width = 0  # 0 until the widget knows its width: one row per node
        self._strips: dict[tuple[object, ...], Strip] = {}
        # The widget's own Rich style (it walks every ancestor's styles): once per restyle,
        # not once a row.
        self._own_style: Style | None = None
        self._count = 0

    def add(
        self, data: str, label: Text, parent: StageNode | None = None, *, head: int = 0
    ) -> StageNode:
        """Add a node; ``head`` cells of its label (mark, id) stay left of wrapped rows."""
        self._count += 1
        node = StageNode(self._count, data, label, parent, head)
        (parent.children if parent is not None else self._roots).append(node)
        return node

    def _relabel(self, node: StageNode, label: Text) -> None:
        node.label = label
        rows = len(node.parts)
        self._wrap(node)
        if len(node.parts) != rows:  # a status mark of another width: re-number the rows
            self._lay_out()
            self.refresh(layout=True)
            return
        self._strips.clear()
        if node.line >= 0:
            self._refresh_line(node.line)

    # --- structure ----------------------------------------------------------------------------

    def _lay_out(self) -> None:
        """Number the shown nodes and their rows, and size the virtual canvas."""
        for root in self._roots:
            for child in root.children:
                child.line = child.row = -1
        lines: list[StageNode] = []
        rows: list[tuple[StageNode, int]] = []
        for root in self._roots:
            for node in [root, *(root.children if root.expanded else [])]:
                node.line, node.row = len(lines), len(rows)
                lines.append(node)
                rows.extend((node, part) for part in range(len(node.parts)))
        self._lines = lines
        self._rows = rows
        self._strips.clear()
        width = max(self._label_width(node) for node in lines)
        self.virtual_size = Size(width, len(rows))

    def _indent(self, node: StageNode) -> int:
        """Cells left of the label: the guide of a step, the ▼/▶ of a stage."""
        return (2 if node.parent else 0) + (len(ICON_NODE) if node.allow_expand else 0)

    def _label_width(self, node: StageNode) -> int:
        return self._indent(node) + max(part.cell_len for part in node.parts)

    def _wrap(self, node: StageNode) -> None:
        """Split the label into rows of the width; continuation rows hang under ``head``."""
        width = self._wrap_width - self._indent(node)
        label = node.label
        room = width - node.head
        if self._wrap_width <= 0 or label.cell_len <= width or room < 8:
            node.set_parts([label])
            return
        node.set_parts(hang_wrap(label, node.head, room))

    def _rewrap(self, width: int) -> None:
        if width == self._wrap_width:
            return
        self._wrap_width = width
        for root in self._roots:
            for node in [root, *root.children]:
                self._wrap(node)
        if self._lines:
            self._lay_out()
            self.scroll_to_line(self.cursor_line)

    def on_resize(self, event: events.Resize) -> None:
        # Wrap to the room left of the vertical scrollbar whether or not it shows: wrapping to
        # the room it actually leaves could add rows, bring the scrollbar, wrap again, and so on.
        self._rewrap(max(0, self.size.width - self.styles.scrollbar_size_vertical))

    def _set_expanded(self, node: StageNode, expanded: bool) -> None:
        if node.allow_expand and node.expanded != expanded:
            cursor = self.cursor_node
            node.expanded = expanded
            self._lay_out()
            if cursor is not None:
                # Keep the cursor on its node; on the stage when the node was folded away.
                shown = cursor if cursor.line >= 0 else cursor.parent
                self.set_reactive(StageTree.cursor_line, shown.line if shown else -1)
            self.refresh(layout=True)

    def _toggle(self, node: StageNode) -> None:
        self._set_expanded(node, not node.expanded)

    @property
    def cursor_node(self) -> StageNode | None:
        """The node under the cursor (its ``data`` is a stage letter, a step id or Summary)."""
        return self._lines[self.cursor_line] if 0 <= self.cursor_line < len(self._lines) else None

    @property
    def last_line(self) -> int:
        return len(self._lines) - 1

    def _move_to(self, node: StageNode) -> None:
        if node.line >= 0:
            self.move_cursor(node)

    def move_cursor(self, node: StageNode | None) -> None:
        self.cursor_line = -1 if node is None else node.line
        if node is not None:
            self.scroll_to_line(node.line)

    def scroll_to_line(self, line: int) -> None:
        if 0 <= line < len(self._lines):
            node = self._lines[line]
            region = Region(0, node.row, self._label_width(node), len(node.parts))
            self.scroll_to_region(
                region, animate=False, force=True, origin_visible=False, x_axis=False
            )

    def validate_cursor_line(self, value: int) -> int:
        return max(0, min(value, len(self._lines) - 1))

    def watch_cursor_line(self, previous: int, line: int) -> None:
        if previous != line:
            self._strips.clear()  # the stage's guides follow the cursor
            self.refresh()

    def watch_hover_line(self, previous: int, line: int) -> None:
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._own_style = None

    # --- drawing ------------------------------------------------------------------------------

    def _refresh_line(self, line: int) -> None:
        node = self._lines[line]
        self.refresh(Region(0, node.row - self.scroll_offset.y, self.size.width, len(node.parts)))

    def _base_style(self) -> Style:
        if self._own_style is None:
            self._own_style = self.rich_style
        return self._own_style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        index = y + scroll_y
        if index >= len(self._rows):
            return Strip.blank(width, self._base_style())
        key = (index, width, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            node, part = self._rows[index]
            strip = self._strips[key] = render_node_line(
                self, node, part, width, self._base_style()
            )
        return strip.crop(scroll_x, scroll_x + width)

    # --- keys and mouse -----------------------------------------------------------------------

    def _select(self, node: StageNode) -> None:
        """A stage opens or closes; a step or the summary is chosen."""
        if node.allow_expand:
            self._toggle(node)
        else:
            self.leaf_chosen(node)

    def leaf_chosen(self, node: StageNode) -> None:
        """Enter or a click on a node without children: for subclasses."""

    def action_select_cursor(self) -> None:
        if self.cursor_node is not None:
            self._select(self.cursor_node)

    def action_toggle_node(self) -> None:
        if self.cursor_node is not None:
            self._toggle(self.cursor_node)

    def action_cursor_up(self) -> None:
        self.cursor_line = self.last_line if self.cursor_line == -1 else self.cursor_line - 1
        self.scroll_to_line(self.cursor_line)

    def action_cursor_down(self) -> None:
        self.cursor_line = 0 if self.cursor_line == -1 else self.cursor_line + 1
        self.scroll_to_line(self.cursor_line)

    def action_cursor_parent(self) -> None:
        node = self.cursor_node
        if node is not None and node.parent is not None:
            self.move_cursor(node.parent)

    def _sibling(self, node: StageNode | None, step: int) -> StageNode | None:
        if node is None:
            return None
        siblings = node.parent.children if node.parent is not None else self._roots
        index = siblings.index(node) + step
        return siblings[index] if 0 <= index < len(siblings) else None

    def action_cursor_parent_next_sibling(self) -> None:
        node = self.cursor_node
        if node is not None and node.parent is not None:
            self.move_cursor(self._sibling(node.parent, 1))

    def action_cursor_previous_sibling(self) -> None:
        node = self.cursor_node
        if node is not None:
            self.move_cursor(self._sibling(node, -1) or node.parent)

    def action_cursor_next_sibling(self) -> None:
        node = self.cursor_node
        if node is not None:
            target = self._sibling(node, 1) or self._sibling(node.parent, 1)
            if target is not None:
                self.move_cursor(target)

    def action_page_down(self) -> None:
        self.cursor_line = max(self.cursor_line, 0) + self.scrollable_content_region.height - 1
        self.scroll_to_line(self.cursor_line)

    def action_page_up(self) -> None:
        start = self.last_line if self.cursor_line == -1 else self.cursor_line
        self.cursor_line = start - (self.scrollable_content_region.height - 1)
        self.scroll_to_line(self.cursor_line)

    def action_scroll_home(self) -> None:
        self.cursor_line = 0
        self.scroll_to_line(0)

    def action_scroll_end(self) -> None:
        self.cursor_line = self.last_line
        self.scroll_to_line(self.cursor_line)

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        meta = event.style.meta
        self.hover_line = meta["line"] if meta and "line" in meta else -1

    def _on_leave(self, _: events.Leave) -> None:
        self.hover_line = -1

    async def _on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if "line" not in meta or not 0 <= meta["line"] < len(self._lines):
            return
        node = self._lines[meta["line"]]
        if meta.get("toggle", False):
            self._toggle(node)
        else:
            self.cursor_line = node.line
            self._select(node)
