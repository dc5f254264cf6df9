"""The rows of the live check screen: one per step per target, and one heading per target.

A row shows a small spinner while its step runs (one character, advanced by the screen's timer:
Textual's LoadingIndicator is far too big for a table row), then ✓ / ! / ✗ / - with the duration
and, for warnings and failures, the code and title of the diagnosis. Everything is rendered as
``rich.text.Text``: messages carry Microsoft's and the admin's text, never markup, and pass
:func:`tui.safe_text.terminal_safe` so no escape sequence in them reaches the terminal.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from tui.checks.events import CheckEvent, Status
from tui.safe_text import terminal_safe

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STEP_WIDTH = 15
STATUS_CLASSES = {
    Status.OK: "-ok",
    Status.WARNING: "-warning",
    Status.FAILED: "-failed",
    Status.SKIPPED: "-skipped",
}


def format_duration(ms: int | None) -> str:
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms} ms"  # "0.0 s" would read as "did nothing"
    seconds = ms / 1000
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def target_label(target: str) -> str:
    if target == "outgoing":
        return "Outgoing (B13)"
    return f"Incoming {terminal_safe(target.removeprefix('incoming:'))}"


class CheckStepRow(Static):
    """One step of one target; :meth:`show_event` feeds it, :meth:`tick` turns its spinner."""

    DEFAULT_CSS = """
    CheckStepRow { height: 1; padding: 0 0 0 2; }
    CheckStepRow.-failed { background: $error 20%; text-style: bold; }
    CheckStepRow.-failed.-selected { background: $error 40%; }
    CheckStepRow.-warning { color: $warning; }
    CheckStepRow.-skipped { color: $text-muted; }
    CheckStepRow.-waiting { background: $warning 20%; }
    """

    # Snapshot tests set this: the spinner stays on its first frame and durations show as "·".
    frozen: ClassVar[bool] = False

    def __init__(self, target: str, step: str) -> None:
        super().__init__("", classes="check-row")
        self.target = target
        self.step = step
        self.status: Status | None = None
        self.event: CheckEvent | None = None
        self.frame = 0
        self.retry_in: float | None = None

    @property
    def running(self) -> bool:
        return self.status in (Status.STARTED, Status.PROGRESS) or self.retry_in is not None

    @property
    def final(self) -> bool:
        return self.event is not None and self.event.is_final

    def on_mount(self) -> None:
        self.update(self.line())

    def show_event(self, event: CheckEvent) -> None:
        self.event = event
        self.status = event.status
        self.retry_in = event.retry_in
        for status, css_class in STATUS_CLASSES.items():
            self.set_class(event.is_final and event.status is status, css_class)
        self.set_class(event.retry_in is not None, "-waiting")
        self.update(self.line())

    def tick(self) -> None:
        if self.running and not self.frozen:
            self.frame = (self.frame + 1) % len(SPINNER)
            self.update(self.line())

    def symbol(self) -> str:
        if self.status is None:
            return " "
        if self.running:
            return SPINNER[self.frame]
        return self.status.symbol

    def line(self) -> Text:
        text = Text(f"{self.symbol()} ", style="bold")
        text.append(f"{self.step:<{STEP_WIDTH}}")
        event = self.event
        if event is None:
            text.append("waiting", style="dim")
            return text
        if self.running:
            if event.retry_in is not None:
                text.append(f"retry in {event.retry_in:.0f} s", style="bold")
            else:
                text.append("running…", style="dim")
            if event.diagnosis is not None:
                text.append(f"  {terminal_safe(event.diagnosis.code)}")
            return text
        duration = "·" if self.frozen else format_duration(event.duration_ms)
        text.append(f"{duration:>7}  ")
        if event.diagnosis is not None and event.status is Status.FAILED:
            text.append(terminal_safe(f"{event.diagnosis.code} {event.diagnosis.title}"))
        elif event.diagnosis is not None and event.status is Status.WARNING:
            text.append(terminal_safe(event.diagnosis.title))
        elif event.status is Status.SKIPPED:
            text.append(terminal_safe(event.message), style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text


class CheckTargetHeading(Static):
    """The heading above a target's rows; after the run it carries the target's verdict."""

    DEFAULT_CSS = """
    CheckTargetHeading { height: 1; text-style: bold; margin: 1 0 0 0; }
    CheckTargetHeading.-first { margin: 0; }
    CheckTargetHeading.-ok { color: $success; }
    CheckTargetHeading.-failed { color: $error; }
    """

    def __init__(self, target: str) -> None:
        super().__init__("", classes="check-heading")
        self.target = target
        self.verdict: bool | None = None

    def on_mount(self) -> None:
        self.update(self.line())

    def set_verdict(self, ok: bool | None) -> None:
        self.verdict = ok
        self.set_class(ok is True, "-ok")
        self.set_class(ok is False, "-failed")
        self.update(self.line())

    def line(self) -> Text:
        mark = {None: "", True: "✓ ", False: "✗ "}[self.verdict]
        text = Text(f"{mark}{target_label(self.target)}")
        if self.verdict is True:
            text.append("  OK")
        elif self.verdict is False:
            text.append("  has problems")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text
