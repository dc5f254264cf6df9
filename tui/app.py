"""The Textual application: holds the one Settings object, its store, and the app-wide actions.

Screens edit ``app.settings`` in place and call :meth:`MailSetupApp.settings_changed`; the app
tracks unsaved work, saves through :class:`SettingsStore` (atomic, never over a file it could not
read, asking before overwriting a file changed on disk) and asks before quitting with changes.
Hooks for other parts: :meth:`action_goto_step` (diagnoses jump to a step) and
:meth:`action_run_checks` (hands over to the live check screen).
"""

from __future__ import annotations

import gc
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App
from textual.binding import Binding

from tui.key_order import KeysInOrder
from tui.resources import css_paths
from tui.screens.wizard import WizardScreen
from tui.settings.check_state import load_state, save_state
from tui.settings.model import Settings
from tui.settings.store import ChangedOnDiskError, SettingsFileError, SettingsStore
from tui.settings.validation import validate
from tui.widgets.step_status import (
    OUTGOING,
    CheckOutcomes,
    StepStatus,
    account_target,
    step_statuses,
)

if TYPE_CHECKING:
    from textual.command import Provider


# Command palette providers are loaded when the palette first opens (as Textual does for its own):
# textual.command and the portal screen cost ~60 ms that the first frame need not wait for.
def _step_commands() -> type[Provider]:
    from tui.screens.commands import StepCommands

    return StepCommands


def _portal_commands() -> type[Provider]:
    from tui.screens.portal import PortalCommands

    return PortalCommands


class MailSetupApp(KeysInOrder):
    """The wizard. ``sandbox`` is kept for the embedded training tenant (``--demo``)."""

    TITLE = "mailsetup"
    COMMANDS = App.COMMANDS | {_step_commands, _portal_commands}
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),  # not priority: a modal (account) may mean "keep"
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f2", "sandbox_portal", "Portal"),  # training mode only (check_action)
        # F1 on every screen (the wizard has its own, for its footer): the keys of that screen.
        Binding("f1", "help", "Help", show=False),
    ]

    def __init__(
        self,
        config_path: Path,
        *,
        demo: bool = False,
        extra_css: list[Path] | tuple[Path, ...] = (),
        sandbox: Any = None,
        temporary: bool = False,
    ) -> None:
        super().__init__(css_path=css_paths(demo=demo, extra=list(extra_css)))
        self.demo = demo
        # Set before anything is mounted: added in on_mount, it restyled every widget once more
        # before the first frame.
        self.set_class(demo, "-demo", update=False)
        # Projection: the Azure IDs are masked only when the admin asks for the projection sheet
        # (--css demo.tcss); a trainee in --demo must see them to find a typo. Not secrets, so
        # focus shows them in full either way.
        self.mask_ids = any(Path(p).name == "demo.tcss" for p in extra_css)
        self.sandbox = sandbox
        # --demo without --config: the file lives in a private temporary folder removed on exit.
        self.temporary = temporary
        self.store = SettingsStore(config_path)
        self.load_error: SettingsFileError | None = None
        self.dirty = False
        self.save_note = ""
        # Pages left (or all of them, for values from a file): their blanks show as problems
        # and their untouched defaults count as done (see statuses()).
        self.seen_steps: set[str] = set()
        try:
            self.settings = self.store.load()
        except SettingsFileError as exc:
            self.settings = Settings()
            self.load_error = exc
        self.outcomes = self._load_outcomes()
        if self.store.exists() and self.load_error is None:
            # Values from a file are the admin's earlier work: show their problems right away.
            from tui.guide import STEPS

            self.seen_steps.update(s.id for s in STEPS)

    def get_default_screen(self) -> WizardScreen:
        return WizardScreen()

    def on_mount(self) -> None:
        # Training mode needs no notice here: the title bar says TRAINING, sandbox tenant and
        # F2 portal for as long as the wizard runs (tui.widgets.title_bar).
        if self.load_error is not None:
            from tui.screens.dialogs import file_error  # dialogs load when one is asked

            fallback = self._fallback_path()
            self.push_screen(file_error(self.load_error, str(fallback)), self._file_error_answered)

    @on(events.Ready)
    def _first_frame_drawn(self) -> None:
        # ``mailsetup`` turns the cyclic garbage collector off until the first frame (tui.cli).
        gc.enable()

    def _fallback_path(self) -> Path:
        path = self.store.path
        for n in range(1, 100):
            candidate = path.with_name(f"{path.stem}.new{'' if n == 1 else n}{path.suffix}")
            if not os.path.lexists(candidate):  # never raises (a folder it cannot enter)
                return candidate
        raise RuntimeError(f"no free file name next to {path}")

    def _file_error_answered(self, answer: str | None) -> None:
        if answer == "defaults":
            self.store = SettingsStore(self._fallback_path())
            self.save_note = f"Will save to {self.store.path} (the unreadable file is left alone)"
            self.refresh_wizard()
        else:
            self.exit(2)

    # --- state --------------------------------------------------------------------------------

    def status_line(self) -> str:
        parts = [self.store.path.name]
        if self.demo and self.sandbox is None:
            parts.append("demo")  # with the sandbox, the title bar's TRAINING badge says it
        if self.dirty:
            parts.append("unsaved changes")
        return " · ".join(parts)

    def settings_changed(self) -> None:
        """Called after every edit: remember there is unsaved work, refresh markers."""
        self.dirty = True
        self.refresh_wizard()

    def refresh_wizard(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, WizardScreen):
                screen.refresh_status()

    def statuses(self) -> dict[str, StepStatus]:
        """Every step's status: the one answer the sidebar, panes, summary and checks show.

        A step whose fields still hold the guide's defaults is done once the admin has moved on
        from its page (Next, Back, another step), not while it is open: B4–B9 turned ● the moment
        their page opened, before anything on it was read. A value the admin typed counts as
        soon as it is valid (``step_statuses`` tells typed values from defaults)."""
        return step_statuses(
            self.settings,
            validate(self.settings),
            seen=self.seen_steps,
            outcomes=self.outcomes,
            saved=not self.dirty,
        )

    @property
    def check_results(self) -> dict[str, bool]:
        """The last check outcomes by step, read-only: "B13", "C14", "C14:<email>"."""
        results: dict[str, bool] = {}
        outgoing = self.outcomes.ok(OUTGOING)
        if outgoing is not None:
            results["B13"] = outgoing
        accounts = [a.email.strip().lower() for a in self.settings.incoming.accounts]
        seen = [self.outcomes.account_ok(e) for e in accounts]
        for email, ok in zip(accounts, seen, strict=True):
            if ok is not None:
                results[f"C14:{email}"] = ok
        if accounts and any(v is False for v in seen):
            results["C14"] = False
        elif accounts and all(v is True for v in seen):
            results["C14"] = True
        return results

    def _load_outcomes(self) -> CheckOutcomes:
        """The state file's outcomes; an account that passed since the settings were saved
        gets that time as its last validation (it goes into the settings with the next save)."""
        outcomes = CheckOutcomes.from_dict(load_state(self.store.path).get("targets"))
        for account in self.settings.incoming.accounts:
            found = outcomes.targets.get(account_target(account.email))
            if found and found.ok and found.at and (
                account.last_validated is None or account.last_validated < found.at
            ):
                account.last_validated = found.at
        return outcomes

    def checks_recorded(self) -> None:
        """After a live check: keep its outcome in the state file beside the settings, never in
        the settings themselves, so checking does not mark the work unsaved."""
        try:
            save_state(self.store.path, {"targets": self.outcomes.to_dict()})
        except OSError as exc:
            self.notify(
                f"The check's outcome is shown but could not be kept for the next start: {exc}",
                severity="warning",
                markup=False,
            )
        self.refresh_wizard()

    # --- hooks for other screens --------------------------------------------------------------

    def _wizard(self) -> WizardScreen:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, WizardScreen):
                return screen
        raise LookupError("the wizard screen is not running")

    def action_goto_step(self, step_id: str) -> None:
        """Open a step ("A17", "Summary") from anywhere: closes modals above the wizard first."""
        wizard = self._wizard()
        while self.screen is not wizard:
            self.pop_screen()
        wizard.goto_step(step_id)

    def goto_field(self, path: str) -> None:
        """Open the step that edits a field (a problem's ``field``) and focus that field."""
        wizard = self._wizard()
        while self.screen is not wizard:
            self.pop_screen()
        wizard.goto_field(path)

    def action_run_checks(self, target: str) -> None:
        """Run live checks: target "outgoing", "incoming" or "incoming:<email>"."""
        try:
            from tui.screens.checks import CheckScreen  # type: ignore[import-not-found]
        except ImportError:
            self.notify(
                f"Live checks ({target}) are not available in this build yet.",
                title="Check screen missing",
                severity="warning",
                markup=False,
            )
            return
        self.push_screen(CheckScreen(target))

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, help_for

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(help_for(self.screen))

    def action_sandbox_portal(self) -> None:
        """Training mode: stage A's portal steps against the embedded sandbox."""
        from tui.screens.portal import PortalScreen

        if self.sandbox is not None and not isinstance(self.screen, PortalScreen):
            self.push_screen(PortalScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.sandbox is not None if action == "sandbox_portal" else True

    # --- save and quit ------------------------------------------------------------------------

    def action_save(
        self, *, force: bool = False, then_quit: bool = False, here: bool = False
    ) -> None:
        if self.temporary and not here:
            # Training without --config: say where the file goes and that it goes away.
            from tui.screens.demo_save import DemoSaveScreen

            def answered(answer: str | None) -> None:
                if answer == "here":
                    self.action_save(force=force, then_quit=then_quit, here=True)
                elif answer == "elsewhere" and then_quit:
                    self.exit(0)

            self.push_screen(DemoSaveScreen(self.store.path, then_quit=then_quit), answered)
            return
        try:
            path = self.store.save(self.settings, force=force)
        except ChangedOnDiskError:
            from tui.screens.dialogs import changed_on_disk

            def overwrite(answer: str | None) -> None:
                if answer == "overwrite":
                    self.action_save(force=True, then_quit=then_quit, here=here)

            self.push_screen(changed_on_disk(str(self.store.path)), overwrite)
            return
        except (SettingsFileError, OSError) as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False, timeout=10)
            return
        self._saved(path)
        if then_quit:
            self.exit(0)

    def save_elsewhere(self, path: Path, *, force: bool = False) -> None:
        """Training: save to a file of the admin's choosing, which then becomes the settings
        file (atomic, through the same store). Raises ChangedOnDiskError when a file is there
        and ``force`` is not given, OSError / SettingsFileError when it cannot be written."""
        store = SettingsStore(path)
        saved = store.save(self.settings, force=force)
        self.store = store
        self.temporary = False
        self._saved(saved)
        self.checks_recorded()  # the check outcomes move along with the settings

    def _saved(self, path: Path) -> None:
        self.dirty = False
        self.save_note = f"Saved to {path}"
        if self.temporary:
            self.save_note += " (a temporary folder, removed when the wizard exits)"
        self.notify(self.save_note, title="Saved", markup=False)
        self.refresh_wizard()

    async def action_quit(self) -> None:
        if not self.dirty:
            self.exit(0)
            return
        from tui.screens.dialogs import unsaved_changes

        def answered(answer: str | None) -> None:
            if answer == "save":
                self.action_save(then_quit=True)
            elif answer == "discard":
                self.exit(0)

        self.push_screen(unsaved_changes(), answered)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _run_app(app: MailSetupApp) -> int:
    # Everything alive now (modules, classes, the loaded settings) lives as long as the process:
    # freezing it spares every later full collection from scanning it again. At start-up that
    # removes one full collection (~30 ms) from the first frame.
    gc.freeze()
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)


def run(config_path: Path | None, demo: bool, extra_css: list[Path]) -> int:
    """Start the wizard; the exit code is 0, or 2 when the settings file could not be used.

    ``demo`` starts the sandbox tenant in this process (stopped on exit) and, without a
    ``config_path``, keeps the settings in a private temporary folder removed on exit.
    """
    if not demo:
        assert config_path is not None
        return _run_app(MailSetupApp(config_path, demo=demo, extra_css=extra_css))
    from tui import demo as training

    sandbox = training.start_sandbox()
    path = config_path or training.demo_config_path()
    # A dropped SSH session (SIGHUP) or a kill (SIGTERM) must still stop the sandbox and remove
    # the temporary folder, which holds the trainee's passwords: unwind through ``finally``.
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, _exit_on_signal)
    try:
        app = MailSetupApp(
            path, demo=True, extra_css=extra_css, sandbox=sandbox, temporary=config_path is None
        )
        return _run_app(app)
    finally:
        sandbox.stop()
        if config_path is None:
            training.remove_demo_folder(path)
