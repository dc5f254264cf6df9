"""The summary: every value grouped as the guide's dialogs group them, problems, and Save.

Secrets are always masked here; the Azure IDs only under the projection sheet (``--css
demo.tcss``), since they are not secrets and a trainee must be able to check them. The problems
list holds both the invalid fields and the steps the last live checks blame, from the same
outcomes as the sidebar's markers. All values are user text: ``rich.text.Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from tui.screens.panes.base import StepPane
from tui.settings.model import AUTH_FLOWS, EMAIL_METHODS, INCOMING_SERVICES, Secret, Settings
from tui.settings.validation import validate
from tui.widgets.error_summary import ErrorSummary
from tui.widgets.field_access import format_minutes
from tui.widgets.form import numbered_label
from tui.widgets.step_status import OUTGOING, Blame, CheckOutcomes, StepStatus, ticked_counts
from tui.widgets.ticks import TickBox
from tui.widgets.wrap_text import BreakAtDots

ID_FIELDS = ("client_id", "tenant_id")


def shown(value: object, *, mask: bool = False) -> Text:
    """A value as the summary shows it; empty values are marked, secrets and masked IDs hidden."""
    if isinstance(value, Secret):
        return Text(value.masked() or "(empty)", style="" if value.is_set else "dim")
    text = "" if value is None else str(value)
    if not text:
        return Text("(empty)", style="dim")
    if mask:
        return Text("•" * 8 + " (masked for projection)")
    return Text(text)


def port_text(port: int) -> str:
    return f"{port} (default, 443)" if port == 0 else str(port)


def value_table(rows: list[tuple[str, Text]]) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(ratio=1, style="bold")
    table.add_column(ratio=1)
    for label, value in rows:
        # Addresses and host names wrap before "@" and dots, never mid-word; a GUID that is
        # longer than the column at 80x24 still folds (it has no such break).
        table.add_row(BreakAtDots(Text(label)), BreakAtDots(value))
    return table


def progress_rows(
    settings: Settings, statuses: Mapping[str, StepStatus] | None
) -> list[tuple[str, Text]]:
    """Stage A's tick boxes, and every step's status as the sidebar counts it."""
    counts = ticked_counts(settings)
    rows = []
    for stage in ("A", "E"):  # the stages done outside the wizard, in a portal or PowerShell
        ticked, boxes = counts.get(stage, (0, 0))
        rows.append((f"Portal steps ticked off ({stage})", Text(f"{ticked} of {boxes}")))
    if statuses:
        done = sum(1 for v in statuses.values() if v.finished)
        failed = sum(1 for v in statuses.values() if v is StepStatus.PROBLEM)
        text = Text(f"{done} of {len(statuses)} done")
        text.append(f", {failed} with problems" if failed else "")
        rows.append(("All stages (A, E, B, C)", text))
    return rows


def grouped_values(
    settings: Settings,
    *,
    demo: bool = False,
    statuses: Mapping[str, StepStatus] | None = None,
) -> list[tuple[str, Table]]:
    """(heading, table) for each dialog of the guide, in the guide's order."""
    az = settings.azure
    groups: list[tuple[str, Table]] = [
        (
            "A  App registration (A8)",
            value_table(
                [
                    ("Application (client) ID", shown(az.client_id, mask=demo)),
                    ("Directory (tenant) ID", shown(az.tenant_id, mask=demo)),
                    *progress_rows(settings, statuses),
                ]
            ),
        )
    ]
    out = settings.outgoing
    eff = settings.effective_azure("outgoing")
    n = numbered_label
    groups.append(
        (
            "B  System settings, System overall",
            value_table(
                [
                    (n("outgoing.backup_sender"), shown(out.backup_sender)),
                    (n("outgoing.exchange_user"), shown(out.exchange_user)),
                    (n("outgoing.exchange_password"), shown(out.exchange_password)),
                    (
                        n("outgoing.email_method"),
                        shown(EMAIL_METHODS.get(out.email_method, out.email_method)),
                    ),
                    (n("outgoing.server_address"), shown(out.server_address)),
                    (n("outgoing.port"), shown(port_text(out.port))),
                    (n("outgoing.smtp_user"), shown(out.smtp_user)),
                    (n("outgoing.smtp_password"), shown(out.smtp_password)),
                    (n("outgoing.use_ssl"), shown("Yes" if out.use_ssl else "No")),
                    (n("outgoing.max_file_size_mb"), shown(f"{out.max_file_size_mb} MB")),
                    (n("outgoing.azure.client_id"), shown(eff.client_id, mask=demo)),
                    (n("outgoing.azure.tenant_id"), shown(eff.tenant_id, mask=demo)),
                    (n("outgoing.azure.auth_flow"), shown(AUTH_FLOWS[eff.auth_flow])),
                    (n("outgoing.azure.client_secret"), shown(eff.client_secret)),
                ]
            ),
        )
    )
    t = out.test
    groups.append(
        (
            "B  Check e-mail settings (B12)",
            value_table(
                [
                    ("Recipient", shown(t.recipient)),
                    ("Sender", shown(t.sender)),
                    ("User name (Exchange)", shown(t.user_name)),
                    ("Password (Exchange)", shown(t.password)),
                ]
            ),
        )
    )
    inc = settings.incoming
    eff_in = settings.effective_azure("incoming")
    groups.append(
        (
            "C  Settings for incoming e-mail",
            value_table(
                [
                    ("C2 Service", shown(INCOMING_SERVICES.get(inc.service, inc.service))),
                    ("C3 Server name", shown(inc.server_name)),
                    ("C3 Port", shown(port_text(inc.port))),
                    ("C4 Polling interval", shown(f"{format_minutes(inc.polling_interval)} min")),
                    ("C5 Application (client) ID", shown(eff_in.client_id, mask=demo)),
                    ("C6 Directory (tenant) ID", shown(eff_in.tenant_id, mask=demo)),
                    ("C7 Authentication flow", shown(AUTH_FLOWS[eff_in.auth_flow])),
                    ("C7 Client secret", shown(eff_in.client_secret)),
                ]
            ),
        )
    )
    rows: list[tuple[str, Text]] = []
    for i, acc in enumerate(inc.accounts, 1):
        # Every value of a row under its own label, as the other groups show theirs: at 80
        # columns a row of five unlabelled values in two columns read as one jumble.
        if i > 1:
            rows.append(("", Text("")))
        rows += [
            (f"C9 E-mail, row {i}", shown(acc.email)),
            ("C10 User name", shown(acc.user_name)),
            ("C11 Password", shown(acc.password)),
            ("C12 Type", shown(", ".join(acc.types))),
            ("C13 Available", Text(acc.availability_label)),
        ]
    if not rows:
        rows.append(("No accounts yet", Text("add them at C8 (F5)", style="dim")))
    groups.append(("C  E-mail accounts (C8–C13)", value_table(rows)))
    return groups


def check_failures(outcomes: CheckOutcomes, settings: Settings) -> list[tuple[str, str]]:
    """(guide step, line) for each failed check target: the steps the sidebar marks ✗."""
    lines: list[tuple[str, str]] = []
    for target, outcome in outcomes.failed(settings):
        who = "Outgoing check" if target == OUTGOING else target.removeprefix("incoming:")
        check_step = "B13" if target == OUTGOING else "C14"
        for blame in outcome.blames or (Blame(check_step, "failed"),):
            lines.append((blame.step, f"{who}: {blame.title or 'failed'}"))
    return lines


class SummaryPane(StepPane, can_focus=True):
    """Every value, the problems with go-to, and Save (focusable: arrows scroll the values)."""

    STEP_IDS = ("Summary",)
    TITLE = "Summary"

    DEFAULT_CSS = """
    SummaryPane .group-title { text-style: bold; color: $accent; margin: 1 0 0 0; }
    SummaryPane #save-row { height: auto; margin: 1 0; }
    SummaryPane #saved-note { color: $success; }
    /* The buttons line up at the left edge, each as wide as its words. */
    SummaryPane > Button { width: auto; min-width: 0; }
    """

    def compose_title(self) -> Static:
        return Static("Summary: every value, problems, save", classes="pane-title")

    def compose(self) -> ComposeResult:
        yield self.compose_title()
        yield ErrorSummary(id="all-errors", clean_text="No problems found")
        yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
        yield TickBox(
            "Keep passwords out of the file (ask when checking)",
            not self.settings.store_secrets,
            id="keep-secrets-out",
            compact=True,
        )
        yield Button(
            "Test everything", id="test-everything", compact=True
        )  # live checks, B13 + C14
        yield Button("Round trip", id="round-trip", compact=True)  # send and watch it arrive
        yield Static("", id="saved-note")
        yield Static("", id="values")

    def on_mount(self) -> None:
        self.refresh_values()

    def refresh_status(self, statuses: Mapping[str, StepStatus]) -> None:
        if self.query(".summary-count"):  # composed: a pane mounted just now refreshes itself
            self.refresh_values()

    def refresh_values(self) -> None:
        self.query_one(ErrorSummary).show(
            validate(self.settings), failures=check_failures(self.wizard.outcomes, self.settings)
        )
        body = Table.grid(expand=True)
        body.add_column()
        statuses = self.wizard.statuses()
        for heading, table in grouped_values(
            self.settings, demo=self.wizard.mask_ids, statuses=statuses
        ):
            body.add_row(Text(heading, style="bold"))
            body.add_row(table)
            body.add_row(Text(""))
        self.query_one("#values", Static).update(body)
        self.query_one("#saved-note", Static).update(Text(self.wizard.save_note))

    def current_step(self) -> str:
        return "Summary"

    def focus_step(self, step_id: str, top: bool = False) -> None:
        self.scroll_home(animate=False)
        self.query_one("#save").focus()

    @on(TickBox.Changed, "#keep-secrets-out")
    def _keep_secrets_out(self, event: TickBox.Changed) -> None:
        # Passwords typed this session stay in memory for checks; only the file leaves them out.
        self.settings.store_secrets = not event.value
        self.wizard.settings_changed()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.wizard.action_save()

    @on(Button.Pressed, "#test-everything")
    def _test_everything(self) -> None:
        self.wizard.action_run_checks("all")

    @on(Button.Pressed, "#round-trip")
    def _round_trip(self) -> None:
        self.wizard.action_run_checks("round-trip")

    @on(ErrorSummary.GoTo)
    def _goto(self, event: ErrorSummary.GoTo) -> None:
        event.stop()
        self.wizard.goto_field(event.problem.field)

    @on(ErrorSummary.GoToStep)
    def _goto_step(self, event: ErrorSummary.GoToStep) -> None:
        event.stop()
        self.wizard.action_goto_step(event.step_id)


# Built when first opened (see tui.screens.panes.catalog).
PANES: dict[str, Callable[[], StepPane]] = {"pane-summary": lambda: SummaryPane(id="pane-summary")}
