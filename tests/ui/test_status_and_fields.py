"""The pure helpers under the wizard: field access by path and the step statuses."""

from __future__ import annotations

import pytest

from tests.ui.conftest import CLIENT_ID, filled_settings
from tui.settings.model import AuthFlow, Settings
from tui.settings.validation import validate
from tui.widgets.field_access import get_text, set_text
from tui.widgets.step_status import (
    Blame,
    CheckOutcomes,
    StepStatus,
    stage_status,
    step_statuses,
    ticked_counts,
)


def test_section_azure_fields_share_stage_a_until_overridden() -> None:
    s = Settings()
    set_text(s, "outgoing.azure.client_id", CLIENT_ID)
    assert s.azure.client_id == CLIENT_ID and s.outgoing.azure.client_id is None
    assert get_text(s, "incoming.azure.client_id") == CLIENT_ID
    s.incoming.azure.client_id = "other"  # a file with a separate app for incoming mail
    set_text(s, "incoming.azure.client_id", "other-2")
    assert s.incoming.azure.client_id == "other-2" and s.azure.client_id == CLIENT_ID
    set_text(s, "outgoing.azure.auth_flow", "client_secret")
    assert s.azure.auth_flow is AuthFlow.CLIENT_SECRET


def test_numbers_and_decimal_comma() -> None:
    s = Settings()
    set_text(s, "incoming.polling_interval", "60,00")
    assert s.incoming.polling_interval == 60.0
    assert get_text(s, "incoming.polling_interval") == "60,00"
    set_text(s, "outgoing.port", " 443 ")
    assert s.outgoing.port == 443
    with pytest.raises(ValueError):
        set_text(s, "outgoing.port", "44x")
    assert s.outgoing.port == 443  # an unparsable value leaves the field alone


def test_secret_keeps_its_environment_variable() -> None:
    s = Settings()
    s.outgoing.test.password.env = "ERP_PW"
    set_text(s, "outgoing.test.password", "typed")
    assert (s.outgoing.test.password.value, s.outgoing.test.password.env) == ("typed", "ERP_PW")


def test_statuses_follow_ticks_problems_and_checks() -> None:
    s = filled_settings()
    s.azure.tenant_id = ""
    problems = validate(s)
    fresh = step_statuses(s, problems)
    assert fresh["A1"] is StepStatus.DONE and fresh["A4"] is StepStatus.TODO
    assert fresh["A8"] is StepStatus.TODO  # not seen yet: a blank is not an error before a visit
    passed = CheckOutcomes()
    passed.record("outgoing", True)
    seen = step_statuses(s, problems, seen={"A8", "B7", "C6"}, outcomes=passed)
    assert seen["A8"] is StepStatus.PROBLEM
    assert (
        seen["B7"] is StepStatus.PROBLEM and seen["C6"] is StepStatus.PROBLEM
    )  # they show A's value
    assert seen["B13"] is StepStatus.CHECKED_OK
    assert stage_status(seen, "A") is StepStatus.PROBLEM
    failed = CheckOutcomes()
    failed.record("outgoing", False)
    assert step_statuses(s, problems, outcomes=failed)["B13"] is StepStatus.PROBLEM
    assert StepStatus.CHECKED_OK.marker == "✓" and StepStatus.PROBLEM.marker == "✗"


def test_filled_in_field_steps_are_done_without_a_visit() -> None:
    """B12 and the account steps C9–C13 hold values: done, whether or not the page was left."""
    s = filled_settings()
    statuses = step_statuses(s, validate(s))
    for step_id in ("A8", "B6", "B7", "B12", "C9", "C10", "C11", "C12", "C13", "C8"):
        assert statuses[step_id] is StepStatus.DONE, step_id
    assert statuses["B11"] is StepStatus.TODO  # the default method, page never opened
    visited = step_statuses(s, validate(s), visited={"B10", "B11", "B12", "B13"})
    assert visited["B11"] is StepStatus.DONE
    assert statuses["C14"] is StepStatus.TODO and statuses["C15"] is StepStatus.TODO
    assert step_statuses(s, validate(s), saved=True)["C15"] is StepStatus.DONE


def test_a_blamed_step_is_a_problem_until_that_check_passes() -> None:
    s = filled_settings()
    s.done_steps.append("A17")
    outcomes = CheckOutcomes()
    outcomes.record("outgoing", False, [Blame("A17", "Public client flows off")])
    outcomes.record("incoming:Orders@Contoso.com", True)
    statuses = step_statuses(s, validate(s), outcomes=outcomes)
    assert statuses["A17"] is StepStatus.PROBLEM  # ticked, but the last test blames it
    assert statuses["B13"] is StepStatus.PROBLEM and statuses["B10"] is StepStatus.DONE
    assert statuses["C14"] is StepStatus.TODO  # one account passed, the other never ran
    assert stage_status(statuses, "A") is StepStatus.PROBLEM
    outcomes.record("outgoing", True)
    outcomes.record("incoming:cases@contoso.com", True)
    statuses = step_statuses(s, validate(s), outcomes=outcomes)
    assert statuses["A17"] is StepStatus.DONE and statuses["B13"] is StepStatus.CHECKED_OK
    assert statuses["C14"] is StepStatus.CHECKED_OK
    again = CheckOutcomes.from_dict(outcomes.to_dict())
    assert again == outcomes
    # A deleted account's old failure does not keep its step ✗.
    outcomes.record("incoming:gone@contoso.com", False, [Blame("C11", "Wrong password")])
    assert step_statuses(s, validate(s), outcomes=outcomes)["C11"] is StepStatus.DONE


def test_state_file_odd_contents_read_as_nothing_checked() -> None:
    assert CheckOutcomes.from_dict("x").targets == {}
    odd = {
        "outgoing": {"ok": "yes"},
        "incoming:a@b.cd": {"ok": False, "at": "never", "blames": [1]},
    }
    outcomes = CheckOutcomes.from_dict(odd)
    assert outcomes.ok("outgoing") is None and outcomes.account_ok("A@b.cd") is False


def test_ticked_counts_count_each_box_once() -> None:
    s = Settings()
    s.done_steps = ["A1", "A1", "A8", "E1", "B10", "C15"]
    counts = ticked_counts(s)
    assert counts["A"] == (1, 18) and counts["E"] == (1, 3) and counts["B"] == (1, 4)
    assert counts["C"] == (0, 1)
