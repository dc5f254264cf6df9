"""Terminal-safe text: what a hostile server (or settings file) can put in a message never acts on
the terminal, in the CLI's lines or in the wizard's check rows and diagnosis panel; JSON keeps the
data whole with the dangerous characters escaped."""

from __future__ import annotations

import json
import sys

import pytest

from tui.checks.events import CheckEvent, Diagnosis, Status
from tui.safe_text import json_safe, terminal_safe

HOSTILE = {
    "OSC 52 clipboard write": "a\x1b]52;c;cHduZWQ=\x07b",
    "OSC title, ST-terminated": "a\x1b]0;owned\x1b\\b",
    "CSI screen clear and home": "a\x1b[2J\x1b[Hb",
    "8-bit CSI": "a\x9b31mb",
    "8-bit OSC with 8-bit ST": "a\x9d52;c;eA==\x9cb",
    "unterminated OSC": "ab\x1b]52;c;cHduZWQ=",
    "DCS": "a\x1bPq#0;2;0;0;0\x1b\\b",
    "lone ESC c (reset)": "a\x1bcb",
    "backspace, bell, DEL": "a\x08\x07\x7fb",
    "bidi override": "a\u202eb",
}
DANGEROUS = set("\x1b\x07\x08\r\x7f\x9b\x9c\x9d\u202e") | {chr(c) for c in range(0x80, 0xA0)}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_escape_sequences_and_controls_are_removed(text: str) -> None:
    safe = terminal_safe(text)
    assert not DANGEROUS & set(safe)
    assert safe.startswith("a") and (safe.endswith("b") or safe == "ab")


def test_line_breaks_cannot_overwrite_what_was_printed() -> None:
    assert terminal_safe("one\r\ntwo\rthree\u2028four") == "one two three four"
    assert terminal_safe("one\r\ntwo\rthree", keep_newlines=True) == "one\ntwo\nthree"
    assert terminal_safe("tab\there") == "tab here"


def test_ordinary_text_is_left_alone() -> None:
    text = "Inbox, 1 item — ✓ Ünïcode [bold]not markup[/] 100% \\x1b"
    assert terminal_safe(text) == text


def test_json_keeps_the_data_and_escapes_what_json_leaves_raw() -> None:
    data = {"error_description": "".join(HOSTILE.values())}
    document = json_safe(json.dumps(data, ensure_ascii=False))
    assert not DANGEROUS & set(document)
    assert json.loads(document) == data


def hostile_event() -> CheckEvent:
    nasty = HOSTILE["OSC 52 clipboard write"] + HOSTILE["8-bit CSI"]
    diagnosis = Diagnosis(
        "AADSTS90002",
        f"cause {nasty}",
        "A8",
        f"fix {nasty}",
        raw={"error_description": f"desc {nasty}", "trace_id": nasty},
        title=f"title {nasty}",
    )
    return CheckEvent("incoming:x\x1b[2J@example.com", "tenant", Status.FAILED, 5, nasty, diagnosis)


def test_the_wizards_check_rows_and_diagnosis_texts_are_safe() -> None:
    from tui.widgets.check_rows import CheckStepRow, target_label
    from tui.widgets.diagnosis import raw_lines, support_details

    event = hostile_event()
    row = CheckStepRow(event.target, event.step)
    row.event, row.status = event, event.status
    assert event.diagnosis is not None
    shown = [row.line().plain, target_label(event.target), *raw_lines(event.diagnosis.raw)]
    shown.append(support_details(event, []))
    for text in shown:
        assert not DANGEROUS & set(text), repr(text)
    assert "desc ab" in "\n".join(shown)  # the words stay, only the sequences go


def test_the_cli_lines_are_safe(capsys: pytest.CaptureFixture[str]) -> None:
    from tui.checks.cli_text import HumanPrinter

    event = hostile_event()
    printer = HumanPrinter(sys.stdout, sys.stderr, ["incoming:x\x1b[2J@example.com"])
    printer.on_event(event)
    out = capsys.readouterr().out
    assert "raw: desc ab" in out and "trace_id=ab" in out
    assert not DANGEROUS & set(out)
