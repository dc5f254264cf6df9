"""Summary values wrap where an admin reads a break: spaces, before "@" and dots."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from tui.widgets.wrap_text import BreakAtDots, break_rows, hang_wrap


def rows(text: str, width: int) -> list[str]:
    return [text[start:end] for start, end in break_rows(text, width)]


def test_addresses_break_before_at_and_dots_never_mid_word() -> None:
    assert rows("orders@contoso.onmicrosoft.com", 22) == ["orders@contoso", ".onmicrosoft.com"]
    narrow = ["orders", "@contoso", ".onmicrosoft", ".com"]
    assert rows("orders@contoso.onmicrosoft.com", 12) == narrow
    assert rows("a@b.se", 20) == ["a@b.se"]


def test_words_break_at_spaces_and_lines_stay_lines() -> None:
    assert rows("Server based, via Microsoft Exchange Online", 20) == [
        "Server based, via",
        "Microsoft Exchange",
        "Online",
    ]
    assert rows("user, ••••\nCase; to all", 30) == ["user, ••••", "Case; to all"]


def test_guids_break_after_a_hyphen() -> None:
    guid = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
    assert rows(guid, 26) == ["1b2c3d4e-5f60-4a7b-8c9d-", "0e1f2a3b4c5d"]


def test_a_piece_wider_than_the_row_is_folded() -> None:
    assert rows("1b2c3d4e5f604a7b", 10) == ["1b2c3d4e5f", "604a7b"]
    assert all(len(r) <= 5 for r in rows("verylongname@x.com", 5))


def test_renders_in_a_rich_console_with_styles_kept() -> None:
    console = Console(width=16, record=True, color_system=None)
    console.print(BreakAtDots(Text("orders@contoso.onmicrosoft.com", style="bold")))
    assert console.export_text().splitlines() == ["orders@contoso", ".onmicrosoft.com"]


def test_hanging_rows_keep_the_head_column_and_the_styles() -> None:
    label = Text("● ", style="bold")
    label.append("A1  ", style="bold")
    label.append("Sign in to the Entra admin center")
    parts = hang_wrap(label, 6, 16)
    assert [p.plain for p in parts] == ["● A1  Sign in to the", "      Entra admin", "      center"]
    assert parts[0].get_style_at_offset(Console(), 2).bold
