"""The pure helpers under the wizard: field access by path and the step statuses."""

from __future__ import annotations

import pytest

from tests.ui.conftest import CLIENT_ID, filled_settings
from tui.settings.model import AuthFlow, Settings
from tui.settings.validation import validate
from tui.widgets.field_access import get_text, set_text
from tui.widgets.step_status import StepStatus, stage_status, step_statuses


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
    seen = step_statuses(s, problems, seen={"A8", "B7", "C6"}, checked={"B13": True})
    assert seen["A8"] is StepStatus.PROBLEM
    assert (
        seen["B7"] is StepStatus.PROBLEM and seen["C6"] is StepStatus.PROBLEM
    )  # they show A's value
    assert seen["B13"] is StepStatus.CHECKED_OK
    assert stage_status(seen, "A") is StepStatus.PROBLEM
    failed = step_statuses(s, problems, checked={"B13": False})
    assert failed["B13"] is StepStatus.PROBLEM
    assert StepStatus.CHECKED_OK.marker == "✓" and StepStatus.PROBLEM.marker == "✗"
