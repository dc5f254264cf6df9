"""Steps whose fields still hold the guide's defaults (B4, B5, B8, B9): done once the admin has
moved on from their page, not the moment it opens; a value typed there counts at once. The
sidebar, the pane, the Summary and ``app.statuses()`` say the same (issue 12's walk)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Input, Static

from tests.ui.test_one_truth import sidebar_marker
from tui.app import MailSetupApp
from tui.settings.store import save_settings
from tui.widgets.step_status import StepStatus

SIZE = (80, 24)
DEFAULTS_ONLY = ("B4", "B5", "B8", "B9")  # valid built-in values; B6/B7 wait for A8


def agree(app: MailSetupApp) -> dict[str, StepStatus]:
    """The statuses, after checking that the sidebar shows each one's marker."""
    statuses = app.statuses()
    for step_id, status in statuses.items():
        assert sidebar_marker(app, step_id) == status.marker, step_id
    return statuses


async def test_defaults_count_once_the_page_is_left(config_path: Path) -> None:
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_goto_step("B4")
        await pilot.pause()
        statuses = agree(app)
        # Open, nothing read or typed yet: not done.
        assert all(statuses[s] is StepStatus.TODO for s in DEFAULTS_ONLY)

        # A value the admin types is done as soon as it is valid, on the open page.
        server = app.screen.query_one("#field-outgoing-server-address Input", Input)
        server.focus()
        await pilot.press("ctrl+a", "backspace", *"smtp.contoso.com")
        await pilot.pause()
        statuses = agree(app)
        assert statuses["B5"] is StepStatus.DONE
        assert statuses["B4"] is StepStatus.TODO and statuses["B9"] is StepStatus.TODO

        await pilot.press("ctrl+n")  # moved on: the defaults stand
        await pilot.pause()
        statuses = agree(app)
        assert all(statuses[s] is StepStatus.DONE for s in DEFAULTS_ONLY)
        await pilot.press("ctrl+b")  # back on the page: still done
        await pilot.pause()
        assert all(agree(app)[s] is StepStatus.DONE for s in DEFAULTS_ONLY)

        # The Summary counts the same steps as done.
        app.action_goto_step("Summary")
        await pilot.pause()
        statuses = agree(app)
        done = sum(1 for s in statuses.values() if s.finished)
        console = Console(width=76, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#values", Static).content)
        assert f"{done} of {len(statuses)} done" in console.export_text()


async def test_leaving_by_another_step_counts_too(config_path: Path) -> None:
    """Moving on is any way off the page: the sidebar or palette opening another step."""
    app = MailSetupApp(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_goto_step("B8")
        await pilot.pause()
        assert agree(app)["B8"] is StepStatus.TODO
        app.action_goto_step("C4")
        await pilot.pause()
        statuses = agree(app)
        assert all(statuses[s] is StepStatus.DONE for s in DEFAULTS_ONLY)
        assert statuses["C4"] is StepStatus.TODO  # the polling interval's page is the open one


async def test_defaults_from_a_saved_file_are_done_at_start(config_path: Path) -> None:
    """A file holds the admin's earlier work: its defaults were seen when it was written."""
    app = MailSetupApp(save_settings(MailSetupApp(config_path).settings, config_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        statuses = agree(app)
        assert all(statuses[s] is StepStatus.DONE for s in DEFAULTS_ONLY)
