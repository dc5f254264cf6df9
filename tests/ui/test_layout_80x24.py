"""The 80x24 layout reads: sidebar names in full, Summary values wrapped at @ and dots with
labelled account rows, and the portal's done marks where a long line cannot hide them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Checkbox

from tests.sandbox_runs import running_sandbox
from tests.ui.conftest import filled_settings
from tui.app import MailSetupApp
from tui.demo import PORTAL_STEPS
from tui.guide import STAGES, steps_of
from tui.sandbox.sandbox import Sandbox
from tui.screens.panes.summary import grouped_values
from tui.screens.portal import PortalScreen
from tui.settings.store import save_settings

SIZE = (80, 24)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("fresh") as sb:
        yield sb


async def test_sidebar_shows_every_step_name_in_full(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        sidebar = app.screen.sidebar  # type: ignore[attr-defined]
        for stage in STAGES:
            app.action_goto_step(steps_of(stage)[0].id)
            await pilot.pause()
            room = sidebar.scrollable_content_region.width
            for s in steps_of(stage):
                node = sidebar.step_nodes[s.id]
                assert node.line >= 0, f"{s.id} is folded away while its stage is open"
                words = " ".join(part.plain[node.head :].strip() for part in node.parts)
                assert words.replace(" .", ".") == s.title, s.id
                assert node.parts[0].plain.split()[1] == s.id  # the id keeps its column
                assert all(2 + part.cell_len <= room for part in node.parts), s.id
        # The stages that are not open stay one node each, with their mark.
        app.action_goto_step("C3")
        await pilot.pause()
        assert [n.data for n in sidebar._lines if n.parent is None] == [*STAGES, "Summary"]


def test_summary_wraps_addresses_at_dots_and_labels_account_rows() -> None:
    settings = filled_settings()
    settings.incoming.accounts[0].email = "orders@contoso.onmicrosoft.com"
    console = Console(width=50, record=True, color_system=None)
    for heading, table in grouped_values(settings):
        console.print(heading)
        console.print(table)
    text = console.export_text()
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.endswith("orders@contoso") for line in lines)
    assert ".onmicrosoft.com" in lines
    labels = ("C9 E-mail, row 1", "C10 User name", "C11 Password", "C12 Type", "C13 Available")
    assert all(label in text for label in labels)
    assert "C9 E-mail, row 2" in text


async def test_portal_done_marks_come_first(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.load_scenario("fresh")
    sandbox.patch({"propagation": {"seconds": 0}})
    path = save_settings(filled_settings(), tmp_path / "s.toml")
    app = MailSetupApp(path, demo=True, sandbox=sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape", "f2")
        await pilot.pause()
        assert isinstance(app.screen, PortalScreen)
        boxes = [app.screen.query_one(f"#portal-{a.key}", Checkbox) for a in PORTAL_STEPS]
        await pilot.press("space")
        await pilot.pause()
        assert str(boxes[0].label).startswith("done ")
        assert all(not str(b.label).startswith("done") for b in boxes[1:])


async def test_type_list_lights_its_row_only_when_focused(config_path: Path) -> None:
    """C12: a lit row in a list the keys do not reach reads as "the focus is here"."""
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_goto_step("C8")
        await pilot.pause()
        await pilot.press("plus")
        await pilot.pause()
        types = app.screen.query_one("#account-types")
        types.focus()
        await pilot.pause()

        def backgrounds() -> set[object]:
            return {seg.style.bgcolor for y in range(2) for seg in types.render_line(y)
                    if seg.text.strip() and seg.style is not None and seg.text not in "[]✓"}

        assert len(backgrounds()) == 2  # focused: the highlighted row stands out
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is not types
        assert len(backgrounds()) == 1  # blurred: every row alike
