"""What covered what in issue 12's walk at 80x24: training mode is said by the title bar for as
long as the wizard runs (no toast over the sidebar or F1's help), and no toast covers a dialog's
buttons (the quit question, Save in training mode, the unreadable file). One sandbox for the
module, only for the title bar (training mode is the sandbox running in the wizard).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button
from textual.widgets._toast import Toast

from tests.sandbox_runs import running_sandbox
from tui.app import MailSetupApp
from tui.sandbox.sandbox import Sandbox
from tui.screens.demo_save import DemoSaveScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.help import HelpScreen
from tui.widgets.title_bar import TitleBar

SIZE = (80, 24)
# Long enough to wrap in a toast (40 columns at 80), like the old training notice did.
NOTE = "A note that takes a few lines in a toast, as the training notice and Saved to … did."


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox("fresh") as sb:
        yield sb


def title_line(app: MailSetupApp) -> tuple[str, list[str]]:
    """The title bar as drawn: its text, and the words drawn reversed."""
    bar = app.screen.query_one(TitleBar)
    segments = list(bar.render_line(0))
    text = "".join(s.text for s in segments)
    reversed_words = [s.text.strip() for s in segments if s.style and s.style.reverse]
    return text, reversed_words


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_training_mode_is_in_the_title_bar_not_a_toast(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")  # read when the App is created
    app = MailSetupApp(tmp_path / "settings.toml", demo=True, sandbox=sandbox)
    assert app.no_color is no_color
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert list(app._notifications) == []  # nothing over the sidebar or F1's help
        text, reversed_words = title_line(app)
        assert len(text) == SIZE[0]
        assert text.startswith(" TRAINING  sandbox tenant · F2 portal ")
        assert "TRAINING" in reversed_words  # a badge without colour too
        assert text.rstrip().endswith("settings.toml")

        app.settings.outgoing.server_address = "smtp.contoso.com"
        app.settings_changed()
        await pilot.pause()
        text, _ = title_line(app)
        assert len(text) == SIZE[0]  # the status still fits at 80 columns
        assert text.rstrip().endswith("settings.toml · unsaved changes")
        assert "demo" not in text  # TRAINING says it

        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and not app.screen.query(Toast)


async def test_a_plain_start_keeps_its_title(config_path: Path) -> None:
    """Without --demo the line is Textual's header as before: icon, title centred."""
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        text, reversed_words = title_line(app)
        assert text.startswith(" ⭘      ") and "TRAINING" not in text and not reversed_words
        assert text.strip().endswith("mailsetup — settings.toml")


def assert_uncovered(app: MailSetupApp, widget: Widget) -> None:
    """Every cell of the widget is on screen and shows the widget itself, nothing on top."""
    region = widget.region
    assert region.area > 0 and app.screen.region.contains_region(region), widget
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            found, _ = app.screen.get_widget_at(x, y)
            assert found is widget, f"{found!r} covers {widget!r} at {x},{y}"


async def raise_toasts(pilot: Pilot, count: int) -> None:
    for n in range(count):
        pilot.app.notify(f"{n + 1}. {NOTE}", title="Note", markup=False, timeout=60)
    await pilot.pause()
    await pilot.pause()


async def dialog_buttons(pilot: Pilot, toasts: int) -> list[Widget]:
    """The dialog's buttons once ``toasts`` toasts show over it."""
    await raise_toasts(pilot, toasts)
    screen = pilot.app.screen
    assert len(screen.query(Toast)) == toasts  # they are shown, on the dialog's screen
    return list(screen.query(Button))


@pytest.mark.parametrize("toasts", [1, 3, 6])
async def test_toasts_leave_the_quit_question_readable(config_path: Path, toasts: int) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await raise_toasts(pilot, toasts)  # up before the question, like the Ctrl+C hint
        app.settings.outgoing.server_address = "smtp.contoso.com"
        app.settings_changed()
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        buttons = list(app.screen.query(Button))
        assert [str(b.label) for b in buttons] == ["Save and quit", "Quit without saving", "Cancel"]
        for button in buttons:
            assert_uncovered(app, button)
        await pilot.press("tab", "tab", "enter")  # Cancel, reached by keys
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceScreen) and app.is_running


@pytest.mark.parametrize("toasts", [2, 6])
async def test_toasts_leave_the_file_error_buttons_readable(tmp_path: Path, toasts: int) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[azure]\nclient_id = "not closed\n')
    app = MailSetupApp(path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        for button in await dialog_buttons(pilot, toasts):
            assert_uncovered(app, button)


@pytest.mark.parametrize("toasts", [2, 6])
async def test_toasts_leave_save_elsewhere_readable(config_path: Path, toasts: int) -> None:
    app = MailSetupApp(config_path, temporary=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DemoSaveScreen)
        await pilot.press("tab", "enter")  # Save elsewhere…: the path field opens, focused
        await pilot.pause()
        buttons = await dialog_buttons(pilot, toasts)
        assert len(buttons) == 3
        for button in buttons:
            assert_uncovered(app, button)
        await pilot.pause()
        path_field = app.screen.query_one("#elsewhere-path")
        assert app.focused is path_field
        assert_uncovered(app, path_field)  # scrolled back into view when the dialog shrank
