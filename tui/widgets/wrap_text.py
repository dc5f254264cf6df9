"""A Rich renderable that wraps values where an admin reads a break: at spaces, before ``@``
and dots, after hyphens (a GUID), and only when nothing else fits, in the middle of a word.

Rich wraps at whitespace and folds anything longer mid-word, so at 80x24 the Summary showed
``orders@contoso.onmicro`` / ``soft.com``; this shows ``orders@contoso`` / ``.onmicrosoft.com``.
Styles of the ``Text`` are kept (each row is a slice of it).
"""

from __future__ import annotations

import re

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

# Zero-width split points: after a run of spaces, before "@" and ".", and after a hyphen
# between hex digits (a GUID; "e-mail" stays whole).
_BREAKS = re.compile(r"(?<=\s)(?=\S)|(?=[@.])|(?<=[0-9a-fA-F]-)(?=[0-9a-fA-F])")


def break_rows(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each row of ``text`` wrapped to ``width`` cells at the break points.

    Pure, for tests. Trailing spaces stay off the row; a piece longer than the width is cut.
    """
    width = max(1, width)
    rows: list[tuple[int, int]] = []

    def emit(offset: int, line: str, start: int, end: int) -> None:
        end = start + len(line[start:end].rstrip())
        while end - start > width:  # one piece alone is wider than the row: fold it
            rows.append((offset + start, offset + start + width))
            start += width
        rows.append((offset + start, offset + end))

    for offset, line in _lines(text):
        cuts = [m.start() for m in _BREAKS.finditer(line) if m.start() > 0] + [len(line)]
        start = end = 0
        for cut in cuts:
            if cut - start > width and end > start:
                emit(offset, line, start, end)
                start = end
            end = cut
        emit(offset, line, start, end)
    return rows


def _lines(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def hang_wrap(label: Text, head: int, room: int) -> list[Text]:
    """``label`` in rows: its first ``head`` cells (a mark, an id) start the first row, the
    rest wraps to ``room`` cells under it (a hanging indent), at :func:`break_rows`' points.

    Plain-text breaks and cheap Text pieces: Rich's own wrap and slicing cost ~0.5 ms a label,
    and the sidebar wraps every label again on its first resize, before the first frame.
    """
    plain = label.plain
    first = label.copy()
    first.right_crop(len(plain) - head)
    body = plain[head:]
    if any(span.end > head for span in label.spans):  # styled inside the body: slice it
        pieces = [label[head + a : head + b] for a, b in break_rows(body, room)]
    else:
        pieces = [Text(body[a:b], style=label.style) for a, b in break_rows(body, room)]
    pad = Text(" " * head)
    return [first + pieces[0]] + [pad + piece for piece in pieces[1:]]


class BreakAtDots:
    """``Text`` that wraps at spaces, ``@`` and dots (see :func:`break_rows`)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        plain = self.text.plain
        pieces = [p for line in plain.split("\n") for p in _BREAKS.split(line)]
        longest = max((len(p.rstrip()) for p in pieces), default=0)
        widest = max((len(line) for line in plain.split("\n")), default=0)
        return Measurement(min(longest, options.max_width), min(widest, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = break_rows(self.text.plain, options.max_width)
        yield Text("\n").join(self.text[start:end] for start, end in rows)
