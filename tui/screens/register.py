"""Stage A by mailsetup, in the wizard: the device code, the plan, the progress, the result.

The same run as ``mailsetup register`` (:func:`tui.register.run.register`) in a thread worker;
:class:`_ScreenReporter` carries each of its steps to this screen and waits here for the admin's
"apply". Esc stops at once: the sign-in's polling ends within a second, and nothing is applied
after Esc. When it is done the IDs are in the settings, A1–A18 are ticked and the outgoing test is
one key away (a brand-new app can be refused for a few minutes: the check screen waits and retries).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.checks.events import CheckEvent, Status
from tui.guide import step as guide_step
from tui.safe_text import terminal_safe
from tui.widgets.diagnosis import DiagnosisPanel, goto_target

if TYPE_CHECKING:
    from tui.app import MailSetupApp
    from tui.register.plan import Action, Observed, Requirement
    from tui.register.run import Registered, Result
    from tui.register.signin import DeviceCode

MARKS = {"planned": "•", "unchanged": "=", "done": "✓", "failed": "✗", "ok": "✓", "warning": "!"}


class _Update(Message):
    """Something the run reported, handed from the worker thread to the screen."""

    def __init__(self, kind: str, value: object = None) -> None:
        super().__init__()
        self.kind = kind
        self.value = value


class _ScreenReporter:
    """The run's :class:`~tui.register.run.Reporter`, on the worker thread: posts, and waits."""

    def __init__(self, screen: RegisterScreen) -> None:
        self.screen = screen
        self.answer = threading.Event()
        self.apply = False

    def _post(self, kind: str, value: object = None) -> None:
        self.screen.post_message(_Update(kind, value))

    def signing_in(self, code: DeviceCode) -> None:
        self._post("code", code)

    def waiting(self, code: DeviceCode) -> None:
        self._post("tick", code)

    def observed(self, observed: Observed) -> None:
        self._post("observed", observed)

    def planned(self, actions: list[Action]) -> None:
        self._post("lines", actions)

    def confirm(self, actions: list[Action]) -> bool:
        self._post("confirm", actions)
        while not self.answer.wait(0.2):
            if self.screen.cancel.is_set():
                return False
        return self.apply

    def progress(self, action: Action) -> None:
        self._post("progress", action)

    def checked(self, found: list[Requirement]) -> None:
        self._post("lines", found)

    def can_show_secret(self) -> bool:
        return True

    def show_secret_once(self, value: str, end: str) -> None:
        self._post("secret", (value, end))


class RegisterScreen(Screen[None]):
    """``check=True`` is the read-only doctor; otherwise plan, confirm, apply."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("c", "copy_code", "Copy code"),
        Binding("a", "apply", "Apply"),
        Binding("g", "goto_fix", "Go to step"),
        Binding("r", "toggle_raw", "Raw error"),
        Binding("t", "test_outgoing", "Test outgoing"),
    ]

    DEFAULT_CSS = """
    RegisterScreen #register-body { padding: 0 1; }
    RegisterScreen #register-title { text-style: bold; color: $accent; margin: 0 0 1 0; }
    RegisterScreen #device-code { height: auto; border: round $primary; padding: 0 1; }
    RegisterScreen #register-lines { height: auto; max-height: 12; margin: 1 0 0 0; }
    RegisterScreen #register-buttons { height: auto; display: none; }
    RegisterScreen.-confirm #register-buttons { display: block; }
    RegisterScreen #register-verdict { text-style: bold; margin: 1 0 0 0; }
    RegisterScreen #register-secret { display: none; border: round $warning; padding: 0 1; }
    """

    def __init__(self, *, check: bool = False) -> None:
        super().__init__()
        self.check = check
        self.cancel = threading.Event()
        self.reporter = _ScreenReporter(self)
        self.code: DeviceCode | None = None
        self.result: Result | None = None
        self.step_ids: list[str] = []
        self.line_keys: list[str] = []
        self.signed_in = False

    @property
    def wizard(self) -> MailSetupApp:
        return cast("MailSetupApp", self.app)

    def compose(self) -> ComposeResult:
        title = "Check my registration (read-only)" if self.check else "Let mailsetup do stage A"
        with VerticalScroll(id="register-body"):
            yield Static(title, id="register-title", markup=False)
            yield Static(Text("Starting the sign-in…"), id="device-code")
            yield Static("", id="register-tenant")
            yield OptionList(id="register-lines")
            with Horizontal(id="register-buttons"):
                yield Button("Apply (a)", id="apply", variant="primary", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)
            yield Static("", id="register-secret")
            yield Static("", id="register-verdict")
            yield DiagnosisPanel()
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(DiagnosisPanel).display = False
        self.query_one("#register-lines", OptionList).display = False
        self.run_register()

    # --- the run ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="register")
    def run_register(self) -> None:
        from tui.register.run import Options, register

        settings = self.wizard.settings
        if self.wizard.sandbox is not None:
            from tui.demo import routed_settings

            settings = routed_settings(settings, self.wizard.sandbox)
        options = Options(check=self.check)
        try:
            result = register(settings, options, self.reporter, self._persist, self.cancel)
        except KeyboardInterrupt:
            return
        except Exception as exc:  # a bug must not take the wizard down: say it
            self.post_message(_Update("crash", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(_Update("result", result))

    def _persist(self, registered: Registered) -> None:
        """On the worker thread: the settings are the app's, so change them on its thread."""
        self.app.call_from_thread(self._apply_registered, registered)

    def _apply_registered(self, registered: Registered) -> None:
        from tui.screens.panes.base import StepPane

        registered.apply_to(self.wizard.settings)
        self.wizard.settings_changed()
        # Panes already built show the IDs and ticks at once, not only when next opened.
        for screen in self.app.screen_stack:
            for pane in screen.query(StepPane):
                pane.refresh_values()

    @on(_Update)
    def _updated(self, message: _Update) -> None:
        handler = getattr(self, f"_on_{message.kind}")
        handler(message.value)

    def _on_code(self, code: DeviceCode) -> None:
        self.code = code
        self._draw_code()
        self.refresh_bindings()

    def _on_tick(self, code: DeviceCode) -> None:
        self.code = code
        self._draw_code()

    def _draw_code(self) -> None:
        code = self.code
        if code is None:
            return
        left = code.seconds_left()
        text = Text("Sign in as an admin of the tenant, on any device with a browser:\n")
        text.append(f"  {code.verification_uri}\n", style="bold")
        text.append("  code  ")
        text.append(f" {code.user_code} ", style="bold reverse")
        text.append(f"\n  {left // 60}:{left % 60:02d} left · c copies the code · Esc stops")
        if self.wizard.sandbox is not None:
            # The sandbox has no sign-in page: its portal stands in for microsoft.com/devicelogin.
            text.append("\n  Training: F2 opens the portal; approve this code there.", style="bold")
        self.query_one("#device-code", Static).update(text)

    def _on_observed(self, observed: Observed) -> None:
        self.signed_in = True
        self.refresh_bindings()
        self.query_one("#device-code", Static).update(Text("Signed in.", style="bold"))
        app = observed.app
        text = Text(f"Tenant {observed.tenant_id}")
        if observed.default_domain:
            text.append(f" ({observed.default_domain})")
        text.append("\nApp    ")
        name = terminal_safe(app.get("displayName", "")) if app else ""
        text.append(f"{name}, {terminal_safe(observed.client_id)}" if app else "none yet")
        self.query_one("#register-tenant", Static).update(text)

    def _on_lines(self, lines: list[Action] | list[Requirement]) -> None:
        listing = self.query_one("#register-lines", OptionList)
        listing.clear_options()
        self.step_ids = []
        self.line_keys = [getattr(line, "key", getattr(line, "code", "")) for line in lines]
        for line in lines:
            detail = getattr(line, "detail", "")
            text = Text(terminal_safe(f"{MARKS[line.status]} {line.step:<8} {line.what}"))
            if detail:
                text.append(f" ({terminal_safe(detail)})", style="dim")
            listing.add_option(Option(text))
            self.step_ids.append(line.step.split("–")[0])
        listing.display = True
        self.refresh_bindings()

    def _on_confirm(self, actions: list[Action]) -> None:
        self.add_class("-confirm")
        self.refresh_bindings()
        n = len(actions)
        self.query_one("#register-verdict", Static).update(
            Text(f"{n} change{'s' if n != 1 else ''} to make. a applies them, Esc cancels.")
        )
        self.query_one("#apply", Button).focus()

    def _on_progress(self, action: Action) -> None:
        listing = self.query_one("#register-lines", OptionList)
        for index in range(listing.option_count):
            prompt = listing.get_option_at_index(index).prompt
            if isinstance(prompt, Text) and prompt.plain[2:].startswith(
                f"{action.step:<8} {action.what}"
            ):
                listing.replace_option_prompt_at_index(
                    index, Text(f"{MARKS[action.status]} {action.step:<8} {action.what}")
                )

    def _on_secret(self, shown: tuple[str, str]) -> None:
        value, end = shown
        box = self.query_one("#register-secret", Static)
        box.update(
            Text(
                "The new client secret, shown this once (store_secrets is false, so it is not "
                f"kept): {value}\nValid until {end}. Put it in an environment variable now."
            )
        )
        box.display = True

    def _on_crash(self, text: str) -> None:
        self.query_one("#register-verdict", Static).update(Text(f"✗ mailsetup failed: {text}"))

    def _on_result(self, result: Result) -> None:
        self.result = result
        self.remove_class("-confirm")
        verdict = self.query_one("#register-verdict", Static)
        if result.diagnosis is not None:
            diagnosis = result.diagnosis.redacted()
            event = CheckEvent("register", "stage A", Status.FAILED, diagnosis=diagnosis)
            self.query_one(DiagnosisPanel).show(event)
            verdict.update(Text("✗ Stage A is not complete."))
        elif result.cancelled:
            verdict.update(Text("Nothing changed. Esc returns."))
        elif self.check:
            verdict.update(Text("✓ The registration follows the guide. Esc returns."))
        elif any(a.status == "done" for a in result.actions):
            verdict.update(
                Text(
                    "✓ Done: the IDs are filled in and A1–A18 ticked (Ctrl+S saves). Next comes "
                    "stage E, which lets this app use EWS. t tests the outgoing settings once "
                    "stage B is filled in; a brand-new app can be refused for a few minutes."
                )
            )
        else:
            verdict.update(Text("✓ Nothing to change: the registration follows the guide."))
        self.refresh_bindings()

    # --- keys ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows a key only while it does something: all six did not fit 80 columns
        (the last ones were cut). F1 still lists every key of this screen."""
        failed = self.result is not None and self.result.diagnosis is not None
        if action == "copy_code":
            return self.code is not None and not self.signed_in
        if action == "apply":
            return self.has_class("-confirm")
        if action == "goto_fix":
            return bool(self.step_ids) or failed
        if action == "toggle_raw":
            return failed
        if action == "test_outgoing":
            return self.result is not None and self.result.ok and not self.check
        return True

    def action_back(self) -> None:
        self.cancel.set()
        self.dismiss(None)

    def action_copy_code(self) -> None:
        if self.code is None:
            self.app.bell()
            return
        self.app.copy_to_clipboard(self.code.user_code)
        self.notify("Code copied (OSC 52); it is on screen too.", markup=False, timeout=4)

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        if not self.has_class("-confirm"):
            self.app.bell()
            return
        self.remove_class("-confirm")
        self.refresh_bindings()
        self.reporter.apply = True
        self.reporter.answer.set()
        self.query_one("#register-verdict", Static).update(Text("Applying…"))

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_back()

    def action_goto_fix(self) -> None:
        target = self._selected_step()
        if target is None:
            self.app.bell()
            return
        self.cancel.set()
        self.wizard.action_goto_step(target)

    def _selected_step(self) -> str | None:
        listing = self.query_one("#register-lines", OptionList)
        if listing.has_focus and listing.highlighted is not None and self.step_ids:
            candidate = self.step_ids[listing.highlighted]
            return candidate if _is_step(candidate) else None
        if self.result is not None and self.result.diagnosis is not None:
            return goto_target(self.result.diagnosis.guide_step)
        return None

    @on(OptionList.OptionSelected, "#register-lines")
    def _line_chosen(self) -> None:
        self.action_goto_fix()

    def action_toggle_raw(self) -> None:
        panel = self.query_one(DiagnosisPanel)
        if panel.display:
            panel.toggle_raw()

    def action_test_outgoing(self) -> None:
        if self.result is None or not self.result.ok or self.check:
            self.app.bell()
            return
        self.dismiss(None)
        self.wizard.action_run_checks("outgoing")


def _is_step(step_id: str) -> bool:
    try:
        guide_step(step_id)
    except KeyError:
        return False
    return True
