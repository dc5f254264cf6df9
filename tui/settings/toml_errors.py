"""Plain words for TOML syntax errors: where (line and column, counted from 1) and what to fix.

tomlkit says "Unexpected character: '\\n' at line 3 col 12", which tells an admin little, and for
an unclosed list or table it names line 1, column 0. :func:`describe_parse_error` looks at the
text around the spot and says what is most likely wrong, in the terms of someone editing the file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tomlkit import exceptions as tk

SHOWN_CHARS = 60  # how much of a key or value a message repeats


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` shortened to ``limit`` characters with an ellipsis, so a 10 MB value is not
    echoed whole into a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` for a message, cut; never formats more than it shows (a 5000-digit
    integer is not turned into a string: Python refuses that above 4300 digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number with about {int(value.bit_length() * 0.30103):,} digits"
    if isinstance(value, str):
        return repr(cut(value, limit))
    if isinstance(value, list | tuple | dict):
        return f"a {type(value).__name__} of {len(value)} item" + ("" if len(value) == 1 else "s")
    return cut(repr(value), limit)


def _char_name(char: str) -> str:
    names = {" ": "a space", "\t": "a tab", '"': 'a quote (")', "'": "an apostrophe (')"}
    if char in names:
        return names[char]
    if char.isprintable():
        return f'"{char}"'
    return f"the invisible character U+{ord(char):04X}"


def _end_of(text: str) -> tuple[int, int]:
    """Line and column (from 1) just after the last character of the text."""
    lines = text.split("\n")
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return len(lines), len(lines[-1]) + 1


def describe_parse_error(exc: tk.ParseError, text: str) -> tuple[str, int, int]:
    # tomlkit only when a file failed to parse: the wizard's start-up does not pay for it.
    from tomlkit import exceptions as tk

    """(message, line, column) for a tomlkit ParseError on ``text``; line and column from 1."""
    line, column = exc.line, exc.col + 1
    lines = text.split("\n")
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    before = source[: column - 1].strip()
    char = source[column - 1] if 0 < column <= len(source) else "\n"
    raw = str(exc).rsplit(" at line ", 1)[0]

    if isinstance(exc, tk.UnexpectedEofError) or (
        isinstance(exc, tk.UnexpectedCharError) and "'\\x00'" in raw
    ):
        line, column = _end_of(text)
        return (
            "the file ends before something opened earlier is closed: a list [ ], "
            'an inline table { } or a text in triple quotes ("""). Look for the one '
            "that is not closed",
            line,
            column,
        )
    if isinstance(exc, tk.InvalidControlChar):
        if "\\u000a" in raw or "\\u000d" in raw:
            return (
                "the quoted text is not closed before the end of the line: add the closing "
                'quote (text over several lines goes in triple quotes """ … """)',
                line,
                column,
            )
        return (
            "a control character is not allowed inside quotes; remove it or write it as "
            "an escape such as \\t",
            line,
            column,
        )
    if isinstance(exc, tk.UnexpectedCharError):
        if char in "\r\n":
            if before.endswith("="):
                what = "the value after = is missing (text goes in quotes, e.g. key = \"value\")"
            elif before.startswith("["):
                what = "the closing ] of the table name is missing"
            else:
                what = "the line ends too early: a value, = or a closing bracket is missing"
            return what, line, column
        if before.endswith("=") and (char.isalpha() or char == "_"):
            key = cut(source.split("=", 1)[0].strip(), 40)
            return (
                f'a text value needs quotes: write {key} = "…" (only true, false, numbers '
                "and dates go without quotes)",
                line,
                column,
            )
        return (
            f"unexpected {_char_name(char)} here: each line holds one key = value, "
            "a [table] header or a # comment",
            line,
            column,
        )
    if isinstance(exc, tk.EmptyKeyError):
        return "a key is missing before the =", line, column
    if isinstance(exc, tk.EmptyTableNameError):
        return "the table name between [ ] is missing", line, column
    if isinstance(exc, tk.InvalidCharInStringError):
        return (
            "this backslash escape is not allowed in double quotes: write \\\\ for a "
            "backslash, or put the text in single quotes ('C:\\path')",
            line,
            column,
        )
    if isinstance(exc, tk.InvalidUnicodeValueError):
        return "this \\u escape does not name a Unicode character", line, column
    if isinstance(exc, tk.InvalidNumberError):
        return (
            "not a valid number (no leading zeros, no spaces, at most 19 digits; "
            "put it in quotes if it is meant as text)",
            line,
            column,
        )
    if isinstance(
        exc,
        tk.InvalidDateError
        | tk.InvalidTimeError
        | tk.InvalidDateTimeError
        | tk.InvalidNumberOrDateError,
    ):
        return "not a valid date or time (write it like 2026-11-20T08:00:00Z)", line, column
    if isinstance(exc, tk.MixedArrayTypesError):
        return "a list mixes different kinds of values", line, column
    duplicate = re.match(r'Key "(.*)" already exists', raw, re.S)
    if duplicate:
        return (
            f'"{cut(duplicate.group(1), 40)}" is given twice: each key, and each [table], may '
            "appear only once",
            line,
            column,
        )
    if raw.startswith("Invalid key"):
        return (
            "not a valid key = value line: a key is letters, digits, - and _ (quote anything "
            "else), then = and the value",
            line,
            column,
        )
    return cut(raw, 120), line, column


def describe_other_error(exc: Exception, text: str) -> tuple[str, int | None, int | None]:
    """(message, line, column) for the errors tomlkit raises without a position, such as a key
    given twice inside one table (``KeyAlreadyPresent``)."""
    raw = str(exc)
    duplicate = re.match(r'Key "(.*)" already exists', raw, re.S)
    if duplicate:
        key = duplicate.group(1)
        name = re.escape(key)
        pattern = re.compile(rf"""^\s*(?:{name}|"{name}"|'{name}')\s*=""")
        lines = [n for n, line in enumerate(text.split("\n"), 1) if pattern.match(line)]
        line = lines[1] if len(lines) > 1 else None
        return (
            f'"{cut(key, 40)}" is given twice: each key, and each [table], may appear only once',
            line,
            1 if line else None,
        )
    return f"not valid TOML ({cut(raw, 120)})", None, None
