"""Stage A, the app registration in Microsoft Entra ID: checklists, the A8 IDs, the A10 manifest."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Static

from tui.guide import MANIFEST, manifest_json, step
from tui.screens.panes.base import StepPane, checklist_widgets
from tui.settings.validation import check_client_id, check_tenant_id

# The points the guide stresses, said where they happen (the step's help says the rest).
CALLOUTS: dict[str, str] = {
    "A5": "Keep it single tenant: Accounts in this organizational directory only.",
    "A14": "Admin consent is required: without it every sign-in fails (AADSTS65001).",
    "A17": "Allow public client flows must be Yes. The user name/password flow cannot "
    "do two-factor authentication: the mail accounts must not be asked for MFA.",
    "A19": "Two-factor authentication cannot be used with this flow: pick a user without MFA.",
}

COPIED_NOTE = (
    "Copied to clipboard (OSC 52). Some terminals and tmux drop it: the block is shown below."
)


class ChecklistPane(StepPane):
    """A run of portal steps to tick off, each with its help."""

    def __init__(self, step_ids: tuple[str, ...], title: str, intro: str = "", *, id: str) -> None:
        super().__init__(id=id)
        self.STEP_IDS = step_ids
        self.TITLE = title
        self.intro = intro

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        if self.intro:
            yield Static(Text(self.intro), classes="pane-intro")
        done = self.settings.done_steps
        for step_id in self.STEP_IDS:
            yield from checklist_widgets(step_id, step_id in done, CALLOUTS.get(step_id, ""))


class RegisterPane(ChecklistPane):
    """A1–A7, with the offer to let mailsetup do stage A over Microsoft Graph (or check it)."""

    BINDINGS = [
        Binding("m", "register", "mailsetup does A"),
        Binding("k", "check_registration", "Check registration"),
    ]

    DEFAULT_CSS = """
    RegisterPane #register-offer { border-left: thick $primary; padding: 0 1; margin: 0 0 1 0; }
    """

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        yield Static(
            Text(
                "No browser on this machine? Sign in once with a code on any device and let "
                "mailsetup do A5–A18 over Microsoft Graph, or check an existing app against the "
                "guide. Or do the steps below by hand and tick them off."
            ),
            classes="pane-intro",
        )
        # Keys, not buttons: two Buttons in a row cost ~20 ms of the first frame (issue 12's
        # start-up budget), and the keys are in the footer and F1 as well.
        offer = Text()
        offer.append("m", style="bold reverse")
        offer.append(" let mailsetup do stage A    ")
        offer.append("k", style="bold reverse")
        offer.append(" check my registration")
        yield Static(offer, id="register-offer")
        # This is the wizard's first pane: only the items the first frame shows at 80x24 are
        # composed with it; the rest follow right after that frame (~15 ms of the start-up).
        done = self.settings.done_steps
        for step_id in self.STEP_IDS[: self.FIRST_FRAME_ITEMS]:
            yield from checklist_widgets(step_id, step_id in done, CALLOUTS.get(step_id, ""))
        self._deferred = self.STEP_IDS[self.FIRST_FRAME_ITEMS :]

    FIRST_FRAME_ITEMS = 2
    _deferred: tuple[str, ...] = ()

    def on_mount(self) -> None:
        super().on_mount()
        if self._deferred:
            self.call_after_refresh(self._mount_deferred)

    def _mount_deferred(self) -> None:
        steps, self._deferred = self._deferred, ()
        if not steps:
            return
        done = self.settings.done_steps
        widgets = [
            w
            for step_id in steps
            for w in checklist_widgets(step_id, step_id in done, CALLOUTS.get(step_id, ""))
        ]
        self.mount_all(widgets)
        self.call_after_refresh(self.refresh_status, {})

    def focus_step(self, step_id: str, top: bool = False) -> None:
        if step_id in self._deferred:  # asked for before the rest was mounted: mount it now
            self._mount_deferred()
            self.call_after_refresh(super().focus_step, step_id, top)
            return
        super().focus_step(step_id, top)

    def focus_first(self) -> None:
        # The guide's first step, as on every other pane; m and k are in the footer and F1.
        self.focus_step(self.STEP_IDS[0])

    def action_register(self) -> None:
        from tui.screens.register import RegisterScreen

        self.app.push_screen(RegisterScreen())

    def action_check_registration(self) -> None:
        from tui.screens.register import RegisterScreen

        self.app.push_screen(RegisterScreen(check=True))


class AzureIdsPane(StepPane):
    """A8: the two values copied from the app's Overview page."""

    STEP_IDS = ("A8",)
    TITLE = "Copy the client and tenant IDs"

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        yield Static(Text(step("A8").help), classes="pane-intro")
        masked = self.wizard.mask_ids
        yield self.field_input(
            "azure.client_id",
            check_client_id,
            placeholder="00000000-0000-0000-0000-000000000000",
            mask_when_blurred=masked,
        )
        yield self.field_input(
            "azure.tenant_id",
            check_tenant_id,
            placeholder="GUID or contoso.onmicrosoft.com",
            mask_when_blurred=masked,
        )


class ManifestPane(StepPane):
    """A9–A11: the permission block on screen, copied with one key."""

    STEP_IDS = ("A9", "A10", "A11")
    TITLE = "Add the permissions to the manifest"
    BINDINGS = [Binding("c", "copy_manifest", "Copy manifest")]

    DEFAULT_CSS = """
    ManifestPane #copy-row { height: auto; }
    ManifestPane #copied-note { color: $success; height: auto; display: none; }
    ManifestPane.-copied #copied-note { display: block; }
    ManifestPane #manifest { background: $boost; width: auto; text-wrap: nowrap; }
    """

    def compose(self) -> ComposeResult:
        import json  # this pane only: not imported before the wizard's first frame

        yield self.compose_title()
        yield self.checklist("A9")
        yield self.checklist("A10")
        yield Button("Copy the block (c)", id="copy-manifest", compact=True)
        yield Static(COPIED_NOTE, id="copied-note", markup=False)
        # Shown with one-space indents so the longest line fits 80 columns beside the sidebar;
        # JSON ignores indentation, and the copy (c) is the exact block.
        yield Static(Text(json.dumps(MANIFEST, indent=1)), id="manifest")
        yield self.checklist("A11")

    def focus_step(self, step_id: str, top: bool = False) -> None:
        if step_id != "A10" or top:
            super().focus_step(step_id, top)
            return
        button = self.query_one("#copy-manifest", Button)
        button.focus()
        self.scroll_to_widget(button, top=True, animate=False)  # the block fills the rest

    @on(Button.Pressed, "#copy-manifest")
    def _copy_pressed(self) -> None:
        self.action_copy_manifest()

    def action_copy_manifest(self) -> None:
        self.app.copy_to_clipboard(manifest_json())
        self.add_class("-copied")
        self.app.notify("Manifest block copied (OSC 52); it is also on screen.", timeout=4)


# Each pane is built when first opened (see tui.screens.panes.catalog).
PANES: dict[str, Callable[[], StepPane]] = {
    "pane-a-register": lambda: RegisterPane(
        ("A1", "A2", "A3", "A4", "A5", "A6", "A7"),
        "Register the app in Entra ID",
        id="pane-a-register",
    ),
    "pane-a-ids": lambda: AzureIdsPane(id="pane-a-ids"),
    "pane-a-manifest": lambda: ManifestPane(id="pane-a-manifest"),
    "pane-a-consent": lambda: ChecklistPane(
        ("A12", "A13", "A14", "A15"), "API permissions and admin consent", id="pane-a-consent"
    ),
    "pane-a-public": lambda: ChecklistPane(
        ("A16", "A17", "A18", "A19"), "Public client flows, test user", id="pane-a-public"
    ),
}
