"""The Textual application: holds the one Settings object, its store, and the app-wide actions.

Screens edit ``app.settings`` in place and call :meth:`MailSetupApp.settings_changed`; the app
tracks unsaved work, saves through :class:`SettingsStore` (atomic, never over a file it could not
read, asking before overwriting a file changed on disk) and asks before quitting with changes.
Hooks for other parts: :meth:`action_goto_step` (diagnoses jump to a step) and
:meth:`action_run_checks` (hands over to the live check screen).
"""

from __future__ import annotations

import gc
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App
from textual.binding import Binding

from tui.resources import css_paths
from tui.screens.wizard import WizardScreen
from tui.settings.model import Settings
from tui.settings.store import ChangedOnDiskError, SettingsFileError, SettingsStore

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


class MailSetupApp(App[int]):
    """The wizard. ``sandbox`` is kept for the embedded training tenant (``--demo``)."""

    TITLE = "mailsetup"
    COMMANDS = App.COMMANDS | {_step_commands, _portal_commands}
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),  # not priority: a modal (account) may mean "keep"
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f2", "sandbox_portal", "Portal"),  # training mode only (check_action)
    ]

    def __init__(
        self,
        config_path: Path,
        *,
        demo: bool = False,
        extra_css: list[Path] | tuple[Path, ...] = (),
        sandbox: Any = None,
    ) -> None:
        super().__init__(css_path=css_paths(demo=demo, extra=list(extra_css)))
        self.demo = demo
        # Set before anything is mounted: added in on_mount, it restyled every widget once more
        # before the first frame.
        self.set_class(demo, "-demo", update=False)
        # Projection mode: the Azure IDs are masked with --demo and with --css demo.tcss alike.
        self.mask_ids = demo or any(Path(p).name == "demo.tcss" for p in extra_css)
        self.sandbox = sandbox
        self.store = SettingsStore(config_path)
        self.load_error: SettingsFileError | None = None
        self.dirty = False
        self.save_note = ""
        self.check_results: dict[str, bool] = {}  # step id -> outcome of its last live check
        self.seen_steps: set[str] = set()
        try:
            self.settings = self.store.load()
        except SettingsFileError as exc:
            self.settings = Settings()
            self.load_error = exc
        if self.store.exists() and self.load_error is None:
            # Values from a file are the admin's earlier work: show their problems right away.
            from tui.guide import STEPS

            self.seen_steps.update(s.id for s in STEPS)

    def get_default_screen(self) -> WizardScreen:
        return WizardScreen()

    def on_mount(self) -> None:
        if self.sandbox is not None:
            # Say it once, up front: a trainee must know nothing here touches a real tenant.
            self.notify(
                "Training mode: the sandbox tenant runs on this machine. F2 opens its portal "
                "(app registration, consent, public client flows); checks go to it.",
                title="Training mode",
                timeout=12,
                markup=False,
            )
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
            if not candidate.exists():
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
        if self.demo:
            parts.append("demo")
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

    def set_check_result(self, step_id: str, ok: bool) -> None:
        """For the live check screen: mark a step (B13, C14 …) checked OK or failed."""
        self.check_results[step_id] = ok
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

    def action_sandbox_portal(self) -> None:
        """Training mode: stage A's portal steps against the embedded sandbox."""
        from tui.screens.portal import PortalScreen

        if self.sandbox is not None and not isinstance(self.screen, PortalScreen):
            self.push_screen(PortalScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.sandbox is not None if action == "sandbox_portal" else True

    # --- save and quit ------------------------------------------------------------------------

    def action_save(self, *, force: bool = False, then_quit: bool = False) -> None:
        try:
            path = self.store.save(self.settings, force=force)
        except ChangedOnDiskError:
            from tui.screens.dialogs import changed_on_disk

            def answered(answer: str | None) -> None:
                if answer == "overwrite":
                    self.action_save(force=True, then_quit=then_quit)

            self.push_screen(changed_on_disk(str(self.store.path)), answered)
            return
        except (SettingsFileError, OSError) as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False, timeout=10)
            return
        self.dirty = False
        self.save_note = f"Saved to {path}"
        self.notify(self.save_note, title="Saved", markup=False)
        self.refresh_wizard()
        if then_quit:
            self.exit(0)

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
        return _run_app(MailSetupApp(path, demo=True, extra_css=extra_css, sandbox=sandbox))
    finally:
        sandbox.stop()
        if config_path is None:
            training.remove_demo_folder(path)
