"""How a :class:`~tui.widgets.stage_tree.StageTree` row is drawn: guide, toggle, label part.

Plain functions over the tree, not a widget class between ``StageTree`` and ``ScrollView``: an
extra ``Widget`` subclass would shift Textual's CSS tie-breakers and cost start-up time. The tree
keeps each finished row in its strip cache; :func:`drawn` keeps each label part's segments on
the node, so a restyle only recombines styles instead of rendering the text again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tui.widgets.stage_node import ICON_NODE, ICON_NODE_EXPANDED, TOGGLE_STYLE, StageNode

if TYPE_CHECKING:
    from tui.widgets.stage_tree import StageTree


def drawn(node: StageNode, part: int, console: Console) -> list[Segment]:
    """The part's segments in its own styles (the row's styles go on top)."""
    found = node.drawn_parts.get(part)
    if found is None:
        # Appended to an empty Text, the part's own style becomes a span: Text.render
        # leaves a Text's base style out when it has no spans.
        alone = Text()
        alone.append(node.parts[part])
        found = node.drawn_parts[part] = list(alone.render(console))
    return found


def render_node_line(
    tree: StageTree, node: StageNode, part: int, width: int, base_style: Style
) -> Strip:
    """One row as Tree draws a line: guide, toggle icon, label (or the part of it), padding.

    Built from segments: the label part's own (drawn once, :func:`drawn`) under the row's
    styles, as Rich would combine them (line, label's own, label, node meta). ``base_style`` is
    the tree's own Rich style, which the tree keeps between restyles."""
    y = node.line
    stage = node.parent or node
    component = tree.get_component_rich_style
    hovered = tree.hover_line
    stage_hovered = hovered >= 0 and hovered == stage.line
    if hovered >= 0 and (hovered == y or stage_hovered):
        line_style = component("stage-tree--highlight-line")
    else:
        line_style = base_style
    line_style += Style(meta={"line": y})
    segments: list[Segment] = []
    if node.parent is not None:
        guide_style = component("stage-tree--guides", partial=True)
        if stage_hovered:
            guide_style += component("stage-tree--guides-hover", partial=True)
        if tree.cursor_line == stage.line and tree.has_focus:
            guide_style = component("stage-tree--guides", partial=True) + component(
                "stage-tree--guides-selected", partial=True
            )
        if part:
            corner = ("  ", "┃ ") if guide_style.bold else ("  ", "│ ")
        else:
            corner = ("┗ ", "┣ ") if guide_style.bold else ("└ ", "├ ")
        guide = corner[0] if node.is_last else corner[1]
        segments.append(Segment(guide, line_style + guide_style))
    label_style = component("stage-tree--label", partial=True)
    if hovered == y:
        label_style += component("stage-tree--highlight", partial=True)
    if tree.cursor_line == y:
        label_style += component("stage-tree--cursor", partial=False)
    node_meta = Style(meta={"node": node.id})
    if node.allow_expand:
        icon = ICON_NODE_EXPANDED if node.expanded else ICON_NODE
        shown = icon if not part else " " * len(icon)
        segments.append(Segment(shown, line_style + TOGGLE_STYLE + node_meta))
    cells = sum(segment.cell_length for segment in segments)
    for text, style, _ in drawn(node, part, tree.app.console):
        own = line_style + style if style is not None else line_style
        segments.append(Segment(text, own + label_style + node_meta))
    cells += node.parts[part].cell_len
    pad = max(tree.virtual_size.width, width) - cells
    if pad > 0:
        segments.append(Segment(" " * pad, line_style))
    return Strip(segments)
