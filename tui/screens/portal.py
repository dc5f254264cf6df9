"""The sandbox portal (training mode only): stage A's portal steps done against the sandbox.

Opened with F2 or "Sandbox portal" in the command palette when the app runs with ``--demo``.
The trainee reads the app registration's IDs here (A8, with copy keys), switches on the manifest
permissions (A10–A11), admin consent (A14) and public client flows (A17), reads Exchange's EWS
settings (E1, as Get-OrganizationConfig / Get-CASMailbox print them), allows EWS for the
organisation with this app listed (E2) and per mailbox (E3), and finds the users to test with (A19;
passwords hidden until asked, the screen may be projected). Each switch is a merge patch of the
sandbox state, which may start the tenant's propagation delay: the panel counts it down. The
trainer's section switches in the classic mistakes or loads any shipped scenario.
Keyboard only and laid out for 80x24.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Select, Static

from tui.demo import MISTAKES, PORTAL_STEPS, sandbox_address, training_user
from tui.demo_ews import EWS_MISTAKES, EWS_STEPS, ews_state_lines
from tui.screens.commands import ListedCommands
from tui.widgets.ticks import TickBox

if TYPE_CHECKING:
    from tui.app import MailSetupApp
    from tui.sandbox.sandbox import Sandbox

ALL_STEPS = (*PORTAL_STEPS, *EWS_STEPS)
ALL_MISTAKES = (*MISTAKES, *EWS_MISTAKES)


class PortalScreen(Screen[None]):
    """The portal panel; every switch patches the running sandbox at once."""

    # A line wider than the screen ends in "…" instead of being clipped mid-word; its done/ON
    # word comes first, so it is never what gets cut.
    DEFAULT_CSS = """
    PortalScreen .portal-title { text-style: bold; }
    PortalScreen Checkbox { max-width: 100%; }
    """

    BINDINGS = [
        Binding("escape,f2", "close", "Back"),
        # The code field sits below the switches and the users: many Tabs away. One key (and
        # opening the portal while a sign-in waits) goes there; Enter in it approves.
        Binding("a", "sign_in", "Approve sign-in"),
        # c and i are printed beside the IDs they copy; the footer keeps room at 80 columns.
        Binding("c", "copy('client')", "Copy client ID", show=False),
        Binding("i", "copy('tenant')", "Copy tenant ID", show=False),
        Binding("p", "toggle_passwords", "Passwords"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_passwords = False

    @property
    def sandbox(self) -> Sandbox:
        return cast("MailSetupApp", self.app).sandbox

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="portal-body"):
            yield Static("", id="portal-title", classes="portal-title")
            yield Static("", id="portal-ids")
            yield Static(
                Text("Portal steps (Space switches; Tab moves)", style="bold"),
                classes="portal-section",
            )
            for action in PORTAL_STEPS:
                yield TickBox(action.label, id=f"portal-{action.key}", compact=True)
            yield Static(
                Text(
                    "Stage E — EWS for this app (not in the vendor guide; since 1 Oct 2026)",
                    style="bold",
                ),
                classes="portal-section",
            )
            yield Static("", id="portal-ews-state")
            for action in EWS_STEPS:
                yield TickBox(action.label, id=f"portal-{action.key}", compact=True)
            yield Static("", id="portal-propagation")
            yield Static("", id="portal-users")
            # microsoft.com/devicelogin for mailsetup register: the admin enters the code.
            yield Static("", id="portal-sign-ins")
            with Horizontal(id="portal-sign-in-row"):
                code = Input(placeholder="Code", id="portal-user-code", compact=True, max_length=12)
                code.styles.width = 14  # room for the two buttons on 80 columns
                yield code
                yield Button("Approve sign-in", id="portal-approve", compact=True)
                yield Button("Decline", id="portal-decline", compact=True)
            yield Static("", id="portal-trainer-title", classes="portal-section")
            for mistake in ALL_MISTAKES:
                yield TickBox(mistake.label, id=f"mistake-{mistake.key}", compact=True)
            with Horizontal(id="portal-scenario-row"):
                yield Select[str]([], id="portal-scenario", prompt="Load a scenario…", compact=True)
                yield Button("Load", id="portal-load", compact=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        names = self.sandbox.describe()["scenarios"]
        self.query_one("#portal-scenario", Select).set_options([(n, n) for n in names])
        self.refresh_state()
        self.set_interval(1.0, self.refresh_state)
        if self.sandbox.sign_ins.pending():
            self.action_sign_in()  # F2 from "let mailsetup do stage A": the code is asked for
        else:
            self.query_one(f"#portal-{PORTAL_STEPS[0].key}", Checkbox).focus()

    def user(self, state: dict[str, Any]) -> str:
        return training_user(state, cast("MailSetupApp", self.app).settings)

    def refresh_state(self) -> None:
        """Show the sandbox as it is now (the trainer may also change it over the control API)."""
        described = self.sandbox.describe()
        state = described["state"]
        app = state["apps"].get(state["primary_app"], {})
        title = Text("Sandbox portal ", style="bold")
        title.append(
            f"— {state['tenant']['name']} at {sandbox_address(self.sandbox)}, "
            f"scenario {state['name']}"
        )
        self.query_one("#portal-title", Static).update(title)
        ids = Text(f"A8  App registration \"{app.get('display_name', '')}\"\n", style="bold")
        ids.append(f"  Application (client) ID  {state['primary_app']}   c copies\n")
        ids.append(f"  Directory (tenant) ID    {state['tenant']['id']}   i copies")
        self.query_one("#portal-ids", Static).update(ids)
        for action in ALL_STEPS:
            self._set_box(f"#portal-{action.key}", action.label, action.is_on(state), "done")
        # E1 reads Exchange's settings as they are now; E2/E3 act once they have propagated.
        lines = ews_state_lines(state)
        e1 = Text("E1 ", style="bold")
        e1.append(lines[0] + "\n")
        e1.append("\n".join(lines[1:]))
        self.query_one("#portal-ews-state", Static).update(e1)
        user = self.user(state)
        for mistake in ALL_MISTAKES:
            on = mistake.is_on(state, user)
            self._set_box(f"#mistake-{mistake.key}", mistake.label, on, "ON")
        waiting = described["seconds_to_settle"]
        propagation = self.query_one("#portal-propagation", Static)
        if described["propagating"]:
            propagation.update(
                Text(
                    f"Propagating: about {waiting:.0f} s until every service knows the change.",
                    style="bold",
                )
            )
        else:
            propagation.update(Text("All changes have reached every service.", style="dim"))
        users = Text("A19 Users to test with", style="bold")
        users.append(f"   p {'hides' if self.show_passwords else 'shows'} passwords\n", style="dim")
        for email, data in state["users"].items():
            shown = data["password"] if self.show_passwords else "•" * 8
            users.append(f"  {email}  {shown}\n")
        self.query_one("#portal-users", Static).update(users)
        self.query_one("#portal-sign-ins", Static).update(self._sign_ins_text(state))
        self.query_one("#portal-trainer-title", Static).update(
            Text(f"Trainer: classic mistakes (for {user or 'no user'})", style="bold")
        )

    def _sign_ins_text(self, state: dict[str, Any]) -> Text:
        admin = next(iter(state.get("admins", {})), "")
        text = Text("Admin sign-ins waiting (mailsetup register)\n", style="bold")
        text.append(f"  signing in as {admin or 'no admin in this tenant'}\n", style="dim")
        waiting = self.sandbox.sign_ins.pending()
        for sign_in in waiting:
            text.append(f"  code {sign_in['user_code']}  {sign_in['client_name']}  ")
            text.append(f"{sign_in['expires_in']} s left\n", style="dim")
        if len(waiting) == 1:
            hint = "type the code (any case) and Enter; Enter alone approves this one"
        elif waiting:
            hint = "type the code (any case) the admin tool shows, then Enter"
        else:
            hint = "none now; when mailsetup shows a code, type it below (key a goes there)"
        text.append(f"  {hint}\n", style="dim")
        return text

    def _sign_in_code(self) -> str:
        """The typed code; with nothing typed, the only waiting one (the trainee confirms it)."""
        typed = self.query_one("#portal-user-code", Input).value.strip()
        waiting = self.sandbox.sign_ins.pending()
        if not typed and len(waiting) == 1:
            return str(waiting[0]["user_code"])
        return typed

    @on(Button.Pressed, "#portal-approve")
    @on(Input.Submitted, "#portal-user-code")
    def _approve(self) -> None:
        sandbox = self.sandbox
        done, message = sandbox.sign_ins.approve(sandbox.entra_state(), self._sign_in_code())
        self.notify(message, markup=False, severity="information" if done else "warning")
        self.query_one("#portal-user-code", Input).value = ""
        self.refresh_state()

    @on(Button.Pressed, "#portal-decline")
    def _decline(self) -> None:
        done, message = self.sandbox.sign_ins.decline(self._sign_in_code())
        self.notify(message, markup=False, severity="information" if done else "warning")
        self.query_one("#portal-user-code", Input).value = ""
        self.refresh_state()

    def _set_box(self, selector: str, label: str, value: bool, on_word: str) -> None:
        """Set a switch without re-patching; the word says its state without colour too."""
        box = self.query_one(selector, Checkbox)
        if box.value != value:
            with box.prevent(Checkbox.Changed):
                box.value = value
        # The word goes first, in a column of its own: at 80 columns a long label is cut at
        # the right edge, and a word after it was cut with it.
        shown = Text(f"{on_word if value else '':<4} ", style="bold")
        shown.append(label)
        if box.label.plain != shown.plain:
            box.label = shown

    # --- changes --------------------------------------------------------------------------------

    @on(Checkbox.Changed)
    def _switched(self, event: Checkbox.Changed) -> None:
        event.stop()
        box_id = event.checkbox.id or ""
        state = self.sandbox.state
        patch: dict[str, Any] = {}
        for action in ALL_STEPS:
            if box_id == f"portal-{action.key}":
                patch = action.patch(state, event.value, self.user(state))
        for mistake in ALL_MISTAKES:
            if box_id == f"mistake-{mistake.key}":
                patch = mistake.patch(state, event.value, self.user(state))
        if patch:
            self.sandbox.patch(patch)
        self.refresh_state()

    @on(Button.Pressed, "#portal-load")
    def _load(self) -> None:
        choice = self.query_one("#portal-scenario", Select).value
        if not isinstance(choice, str):
            self.app.bell()
            return
        self.sandbox.load_scenario(choice)
        self.notify(f"Scenario {choice} loaded.", markup=False)
        self.refresh_state()

    def action_copy(self, what: str) -> None:
        state = self.sandbox.state
        value = state["primary_app"] if what == "client" else state["tenant"]["id"]
        self.app.copy_to_clipboard(value)
        label = "Application (client) ID" if what == "client" else "Directory (tenant) ID"
        self.notify(f"{label} copied (it is also shown above).", markup=False)

    def action_sign_in(self) -> None:
        """Go to the code field of "Approve sign-in" (focus scrolls it into view)."""
        self.query_one("#portal-user-code", Input).focus()

    def action_toggle_passwords(self) -> None:
        self.show_passwords = not self.show_passwords
        self.refresh_state()
        # The list sits below the switches, out of view at 80x24: p brought no visible change.
        self.query_one("#portal-users", Static).scroll_visible(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


class PortalCommands(ListedCommands):
    """"Sandbox portal" in the command palette, in training mode only."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast("MailSetupApp", self.app)
        if getattr(app, "sandbox", None) is None:
            return []
        return [
            ("Sandbox portal", app.action_sandbox_portal, "Stage A's and E's portal steps (F2)")
        ]
