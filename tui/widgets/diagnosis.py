"""The diagnosis panel of a failed (or warned) check step, and the text copied for support.

The panel says the cause in plain words, names the guide step that fixes it with its title from
:mod:`tui.guide` ("A17 — Allow public client flows"), gives the fix, and keeps Microsoft's raw
error (error text, trace id, correlation id, timestamp …) behind a toggle. :func:`support_details`
builds the text the copy key puts on the clipboard; it is redacted again here with the settings'
secrets, so neither the panel nor the copy can carry a password, a secret or a token. Text from
outside (Microsoft's answers, exception messages) passes :func:`tui.safe_text.terminal_safe`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.checks.events import CheckEvent, Diagnosis, Status
from tui.checks.redact import Redactor
from tui.guide import step
from tui.safe_text import terminal_safe

# What Microsoft support asks for first, in this order; the rest of ``raw`` follows.
RAW_FIRST = (
    "error",
    "error_codes",
    "suberror",
    "error_description",
    "trace_id",
    "correlation_id",
    "timestamp",
)


def step_heading(step_id: str) -> str:
    """ "A17 — Allow public client flows"; the bare id for anything the guide does not list."""
    try:
        return f"{step_id} — {step(step_id).title}"
    except KeyError:
        return step_id


def goto_target(step_id: str) -> str:
    """The step the jump key opens: the guide step, or the summary for unknown ids."""
    try:
        return step(step_id).id
    except KeyError:
        return "Summary"


# Keys of ``raw`` that this tool wrote itself (the settings check's problem list, the target
# name): they are not Microsoft's error, so "r Microsoft's error" is not offered for them alone.
OWN_RAW_KEYS = ("problems", "target")


def microsoft_raw(diagnosis: Diagnosis) -> dict[str, Any]:
    return {k: v for k, v in diagnosis.raw.items() if k not in OWN_RAW_KEYS}


def problem_lines(diagnosis: Diagnosis) -> list[str] | None:
    """The settings check's problems, one line each ("B12  Recipient is missing"), each field
    once; None when the diagnosis carries no problem list."""
    items = diagnosis.raw.get("problems")
    if not isinstance(items, list) or not items:
        return None
    from tui.settings.validation import Problem
    from tui.widgets.error_summary import problem_line

    by_field: dict[str, Problem] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("field"), str):
            by_field.setdefault(item["field"], Problem(item["field"], str(item.get("message", ""))))
    return [problem_line(p) for p in by_field.values()]


def raw_lines(raw: dict[str, Any]) -> list[str]:
    keys = [k for k in RAW_FIRST if k in raw] + [k for k in raw if k not in RAW_FIRST]
    lines = []
    for key in keys:
        value = raw[key]
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        # Entra puts trace id etc. on extra lines of error_description; keep them readable.
        shown = " / ".join(part.strip() for part in str(shown).splitlines() if part.strip())
        lines.append(terminal_safe(f"{key}: {shown}"))
    return lines


def support_details(event: CheckEvent, secrets: list[str], *, when: datetime | None = None) -> str:
    """The text for a support ticket about one failed step, with every secret masked."""
    redactor = Redactor(secrets)
    diagnosis = event.diagnosis.redacted(redactor) if event.diagnosis else None
    moment = (when or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        "mailsetup live check",
        f"Checked: {moment}",
        f"Target: {event.target}",
        f"Step: {event.step} ({event.status.value})",
    ]
    if event.message:
        lines.append(f"Message: {redactor(event.message)}")
    if diagnosis is not None:
        lines += [
            f"Code: {diagnosis.code} {diagnosis.title}".rstrip(),
            f"Guide step: {step_heading(diagnosis.guide_step)}",
            f"Cause: {diagnosis.cause}",
            f"Fix: {diagnosis.fix}",
        ]
        if diagnosis.raw:
            lines.append("Microsoft's error:")
            lines += [f"  {line}" for line in raw_lines(diagnosis.raw)]
    return redactor(terminal_safe("\n".join(lines), keep_newlines=True))


class DiagnosisPanel(Vertical):
    """Shows one failed step's diagnosis; ``show_raw`` toggles Microsoft's raw error."""

    DEFAULT_CSS = """
    DiagnosisPanel { height: auto; border-left: thick $error; padding: 0 1; margin: 1 0 0 0; }
    DiagnosisPanel.-warning { border-left: thick $warning; }
    DiagnosisPanel #diagnosis-head { text-style: bold; }
    DiagnosisPanel #diagnosis-step { text-style: bold; color: $accent; }
    DiagnosisPanel #diagnosis-keys { color: $text-muted; }
    DiagnosisPanel #diagnosis-raw { display: none; color: $text-muted; margin: 1 0 0 0; }
    DiagnosisPanel.-raw #diagnosis-raw { display: block; }
    """

    def __init__(self, *, id: str | None = "diagnosis") -> None:
        super().__init__(id=id)
        self.event: CheckEvent | None = None
        self.show_raw = False

    def compose(self) -> ComposeResult:
        yield Static("", id="diagnosis-head")
        yield Static("", id="diagnosis-cause")
        yield Static("", id="diagnosis-step")
        yield Static("", id="diagnosis-fix")
        yield Static("", id="diagnosis-keys")
        yield Static("", id="diagnosis-raw")

    @property
    def diagnosis(self) -> Diagnosis | None:
        return self.event.diagnosis if self.event else None

    def show(self, event: CheckEvent | None) -> None:
        self.event = event
        self.display = event is not None and event.diagnosis is not None
        diagnosis = self.diagnosis
        if event is None or diagnosis is None:
            return
        self.set_class(event.status is Status.WARNING, "-warning")
        title = diagnosis.title or "failed"
        head = Text(terminal_safe(f"{event.status.symbol} {event.step}: {title}"))
        head.append(f"  ({terminal_safe(diagnosis.code)})", style="dim")
        self.query_one("#diagnosis-head", Static).update(head)
        lines = problem_lines(diagnosis)
        if lines is None:
            cause = Text(terminal_safe(diagnosis.cause, keep_newlines=True))
        else:
            # "Settings incomplete": the count, then one problem per line, as the guide lists them.
            cause = Text(f"{len(lines)} error{'s' if len(lines) != 1 else ''}:", style="bold")
            for line in lines:
                cause.append(f"\n  {terminal_safe(line)}", style="not bold")
        self.query_one("#diagnosis-cause", Static).update(cause)
        self.query_one("#diagnosis-step", Static).update(
            Text(f"Fix at {step_heading(diagnosis.guide_step)}")
        )
        fix = terminal_safe(diagnosis.fix, keep_newlines=True)
        self.query_one("#diagnosis-fix", Static).update(Text(fix))
        self.query_one("#diagnosis-keys", Static).update(Text(self.keys_line()))
        raw = raw_lines(microsoft_raw(diagnosis))
        self.set_class(self.show_raw and bool(raw), "-raw")
        shown = Text("Microsoft's error\n" + "\n".join(raw))
        self.query_one("#diagnosis-raw", Static).update(shown)

    @property
    def has_raw(self) -> bool:
        """Whether there is an error text from Microsoft (or an exception) to show."""
        return self.diagnosis is not None and bool(microsoft_raw(self.diagnosis))

    def keys_line(self) -> str:
        keys = [f"g go to {goto_target(self.diagnosis.guide_step) if self.diagnosis else ''}"]
        if self.has_raw:
            keys.append(f"r {'hide' if self.show_raw else 'show'} Microsoft's error")
        keys.append("y copy for support")
        return " · ".join(keys)

    def toggle_raw(self) -> None:
        if not self.has_raw:
            return
        self.show_raw = not self.show_raw
        self.set_class(self.show_raw, "-raw")
        if self.diagnosis is not None:
            self.query_one("#diagnosis-keys", Static).update(Text(self.keys_line()))
