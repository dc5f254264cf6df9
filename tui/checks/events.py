"""What the check pipeline reports: step statuses, events, diagnoses and the final report.

These are plain frozen dataclasses so the UI (from a worker thread) and ``mailsetup check`` render
the very same objects. Nothing here talks to the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from tui.checks.redact import Redactor

# The step names, in pipeline order; the UI and the JSON use exactly these strings.
STEP_SETTINGS = "settings"
STEP_REACH = "reach"
STEP_TENANT = "tenant"
STEP_TOKEN = "token"
STEP_TOKEN_CONTENTS = "token contents"
STEP_MAILBOX = "mailbox"
STEP_SEND = "send"
STEP_ROUND_TRIP = "round trip"

OUTGOING_STEPS: tuple[str, ...] = (
    STEP_SETTINGS,
    STEP_REACH,
    STEP_TENANT,
    STEP_TOKEN,
    STEP_TOKEN_CONTENTS,
    STEP_MAILBOX,
    STEP_SEND,
    STEP_ROUND_TRIP,
)
INCOMING_STEPS: tuple[str, ...] = OUTGOING_STEPS[:6]


class Status(str, Enum):
    """Where a step stands. The last four are final; ``started``/``progress`` are transient."""

    STARTED = "started"
    PROGRESS = "progress"
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def is_final(self) -> bool:
        return self in (Status.OK, Status.WARNING, Status.FAILED, Status.SKIPPED)

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_SYMBOLS = {
    Status.STARTED: "…",
    Status.PROGRESS: "…",
    Status.OK: "✓",
    Status.WARNING: "!",
    Status.FAILED: "✗",
    Status.SKIPPED: "-",
}


@dataclass(frozen=True)
class Diagnosis:
    """A failure (or warning) explained: what went wrong, which guide step fixes it, and how.

    ``code`` is Entra's ``AADSTS<n>``, an EWS response code / exchangelib exception name, or one
    of our own ``HTTP<status>`` / network codes. ``raw`` keeps what Microsoft support asks for
    (error, error_description, trace id, correlation id, timestamp, response headers …).
    ``retryable`` marks failures that go away on their own (propagation right after setup,
    throttling); ``retry_after`` is the server's requested back-off in seconds, when it gave one.
    """

    code: str
    cause: str
    guide_step: str
    fix: str
    raw: dict[str, Any] = field(default_factory=dict)
    retryable: bool = False
    title: str = ""
    retry_after: float | None = None

    @property
    def catalogued(self) -> bool:
        return not self.code.startswith("UNCATALOGUED")

    def redacted(self, redactor: Redactor | None = None) -> Diagnosis:
        """A copy safe to show: known secrets and anything shaped like a token masked."""
        r = redactor or Redactor()
        return replace(
            self,
            cause=r(self.cause),
            fix=r(self.fix),
            title=r(self.title),
            raw=r.redact_obj(self.raw),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the issue: code, cause, guide_step, fix, raw."""
        return {
            "code": self.code,
            "cause": self.cause,
            "guide_step": self.guide_step,
            "fix": self.fix,
            "raw": self.raw,
        }


@dataclass(frozen=True)
class CheckEvent:
    """One report from the pipeline about one step of one target.

    ``target`` is ``"outgoing"`` or ``"incoming:<email>"``. ``progress`` is (done, total) for
    steps that count (the retry countdown uses seconds waited / seconds allowed); ``retry_in``
    says the runner will try the step again after that many seconds.
    """

    target: str
    step: str
    status: Status
    duration_ms: int | None = None
    message: str = ""
    diagnosis: Diagnosis | None = None
    progress: tuple[int, int] | None = None
    retry_in: float | None = None

    @property
    def is_final(self) -> bool:
        return self.status.is_final and self.retry_in is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "step": self.step,
            "status": self.status.value,
            "duration_ms": int(self.duration_ms or 0),
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
        }


@dataclass
class CheckReport:
    """The outcome of :meth:`CheckRunner.run`: the final event of every step of every target."""

    checks: list[CheckEvent] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.cancelled and not any(c.status is Status.FAILED for c in self.checks)

    @property
    def failures(self) -> list[CheckEvent]:
        return [c for c in self.checks if c.status is Status.FAILED]

    def for_target(self, target: str) -> list[CheckEvent]:
        return [c for c in self.checks if c.target == target]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [c.to_dict() for c in self.checks]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
