"""The wizard's first frame (issue 12.7): what it waits for stays cut, and cutting it changed
nothing a user sees or does."""

from __future__ import annotations

import gc
from pathlib import Path

from textual import events
from textual.geometry import Size
from textual.screen import Screen

from tests.ui.conftest import filled_settings
from tui.app import MailSetupApp
from tui.screens.panes.base import ChecklistItem, StepTick
from tui.screens.wizard import WizardScreen
from tui.settings.store import save_settings
from tui.widgets.keys_footer import KeysFooter


def _footer_text(app: MailSetupApp) -> str:
    return str(app.screen.query_one(KeysFooter).render()).strip()


async def test_footer_lists_the_keys_of_the_pane_shown(config_path: Path) -> None:
    save_settings(filled_settings(), config_path)
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # Resumed at A4, on the pane that offers stage A by mailsetup (m) and the doctor (k).
        assert _footer_text(app) == (
            "m mailsetup does A k Check registration f1 Help ^n Next ^b Back ^q Quit ^s Save"
        )
        app.action_goto_step("A10")  # the manifest pane adds its copy key
        await pilot.pause()
        await pilot.pause(0.1)
        assert _footer_text(app).startswith("c Copy manifest f1 Help")
        app.action_goto_step("A1")  # stage A by mailsetup: m does it, k checks the registration
        await pilot.pause()
        await pilot.pause(0.1)
        assert _footer_text(app).startswith("m mailsetup does A k Check registration f1 Help")


async def test_a_resize_to_the_same_size_is_not_laid_out_again_but_a_real_one_is(
    config_path: Path, monkeypatch
) -> None:
    # At start-up Textual sends the screen Resize events at the size it has just been laid out
    # at; each was a full reflow and repaint before the first frame.
    save_settings(filled_settings(), config_path)
    layouts: list[tuple[int, int]] = []
    original = Screen._refresh_layout

    def counting(self, size=None, scroll=False):  # type: ignore[no-untyped-def]
        if isinstance(self, WizardScreen) and not scroll:
            layouts.append(tuple(size or self.outer_size))
        return original(self, size, scroll)

    monkeypatch.setattr(Screen, "_refresh_layout", counting)
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause(0.1)
        before = len(layouts)
        app.screen.post_message(events.Resize(Size(80, 24), Size(80, 24)))
        await pilot.pause()
        await pilot.pause(0.1)
        assert len(layouts) == before
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        await pilot.pause(0.1)
        assert (120, 30) in layouts[before:]
        assert app.screen.has_class("-wide") and not app.screen.has_class("-narrow")


async def test_garbage_collection_is_back_on_after_the_first_frame(config_path: Path) -> None:
    gc.disable()  # as ``mailsetup`` does before importing the app
    try:
        app = MailSetupApp(config_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_first_pane_items_have_no_container_and_focus_shows_the_whole_item(
    config_path: Path,
) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.screen.current_pane  # type: ignore[attr-defined]
        assert pane.id == "pane-a-register"
        assert not pane.query(ChecklistItem)  # the boxes, helps and call-outs sit in the pane
        assert [box.step_id for box in pane.query(StepTick)] == [f"A{n}" for n in range(1, 8)]
        for _ in range(4):  # to A5, whose call-out is the item's last line
            await pilot.press("tab")
        await pilot.pause()
        await pilot.pause(0.1)
        box = app.focused
        assert isinstance(box, StepTick) and box.step_id == "A5"
        callout = pane.query_one(".callout")  # A5 has the pane's only call-out
        bottom = pane.scroll_offset.y + pane.scrollable_content_region.height
        assert callout.virtual_region_with_margin.bottom <= bottom
        assert box.virtual_region.y >= pane.scroll_offset.y
        await pilot.press("space")
        await pilot.pause()
        assert "A5" in app.settings.done_steps and app.dirty


async def test_the_first_pane_mounts_its_later_items_after_the_first_frame(
    config_path: Path,
) -> None:
    """Only the items the first frame shows are composed with it; the rest follow at once, and a
    jump to one of them (the sidebar, the palette, a diagnosis) still lands on it."""
    from tui.screens.panes.base import StepTick

    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause(0.1)
        ids = [t.step_id for t in app.screen.query(StepTick)]
        assert ids[:7] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]
        app.action_goto_step("A6")
        await pilot.pause()
        await pilot.pause(0.1)
        assert isinstance(app.focused, StepTick) and app.focused.step_id == "A6"


async def test_a_jump_before_the_later_items_are_mounted_still_lands(config_path: Path) -> None:
    from tui.screens.panes.base import StepTick
    from tui.screens.panes.stage_a import RegisterPane

    app = MailSetupApp(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.screen.query_one(RegisterPane)
        pane.focus_step("A7")  # whether or not the rest is mounted yet
        await pilot.pause()
        await pilot.pause(0.1)
        assert isinstance(app.focused, StepTick) and app.focused.step_id == "A7"
