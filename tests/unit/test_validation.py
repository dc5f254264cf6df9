"""Every validation rule, with the guide's own words where the guide has them."""

from __future__ import annotations

import pytest

from tui.settings import Account, AuthFlow, AzureOverride, Secret, Settings
from tui.settings.validation import (
    INCORRECT_VALUE,
    Problem,
    check_client_id,
    check_client_secret,
    check_email,
    check_host,
    check_polling_interval,
    check_port,
    check_tenant_id,
    parse_polling_interval,
    summarize,
    validate,
    validate_account,
    validate_incoming,
    validate_outgoing,
)

CLIENT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
TENANT = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9"


def complete() -> Settings:
    s = Settings()
    s.azure.client_id = CLIENT
    s.azure.tenant_id = TENANT
    s.outgoing.test.recipient = "someone@contoso.com"
    s.outgoing.test.sender = "erp@contoso.com"
    s.outgoing.test.user_name = "erp@contoso.com"
    s.outgoing.test.password = Secret("pw")
    s.incoming.accounts.append(
        Account(email="orders@contoso.com", user_name="orders@contoso.com", password=Secret("x"), types=["CRM"])
    )
    return s


def messages(problems: list[Problem]) -> dict[str, str]:
    return {p.field: p.message for p in problems}


def test_complete_settings_have_no_problems():
    assert validate(complete()) == []
    assert summarize([]) == ""


def test_missing_ids_use_the_guides_words_and_count():
    s = complete()
    s.azure.client_id = ""
    s.azure.tenant_id = ""
    problems = validate_incoming(s)
    assert messages(problems) == {
        "azure.client_id": "Application (client) ID is missing",
        "azure.tenant_id": "Directory (tenant) ID is missing",
    }
    assert summarize(problems) == "2 errors"
    assert [p.step_id for p in problems] == ["A8", "A8"]


def test_each_id_reported_once_over_the_whole_tree():
    s = complete()
    s.azure.client_id = ""
    fields = [p.field for p in validate(s)]
    assert fields.count("azure.client_id") == 1


def test_section_override_is_blamed_on_the_section():
    s = complete()
    s.outgoing.azure = AzureOverride(client_id="not-a-guid")
    problems = validate_outgoing(s)
    assert [p.field for p in problems] == ["outgoing.azure.client_id"]
    assert problems[0].label == "Application (client) ID"
    assert problems[0].step_id == "B6"
    assert validate_incoming(s) == []


@pytest.mark.parametrize(
    ("text", "ok"),
    [(CLIENT, True), (CLIENT.upper(), True), ("", False), ("0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d", False), ("abc", False)],
)
def test_client_id_is_a_guid(text, ok):
    assert (check_client_id(text) is None) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (TENANT, True),
        ("contoso.onmicrosoft.com", True),
        ("contoso.com", True),
        ("common", False),
        ("organizations", False),
        ("contoso", False),
        ("not a tenant", False),
        ("", False),
    ],
)
def test_tenant_is_a_guid_or_verified_domain(text, ok):
    assert (check_tenant_id(text) is None) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("erp@contoso.com", True),
        ("first.last+tag@sub.contoso.co.uk", True),
        ("erp@contoso", False),
        ("erp contoso.com", False),
        ("@contoso.com", False),
        ("a@b@contoso.com", False),
    ],
)
def test_email_addresses(text, ok):
    assert (check_email(text) is None) is ok


def test_email_optional_and_named():
    assert check_email("", required=False) is None
    assert check_email("", what="Recipient") == "Recipient is missing"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("outlook.office365.com", True),
        ("127.0.0.1", True),
        ("127.0.0.1:8443", True),
        ("::1", True),
        ("[::1]:8443", True),
        ("localhost", True),
        ("https://outlook.office365.com", False),
        ("outlook.office365.com/EWS", False),
        ("bad host", False),
        ("-bad.example.com", False),
        ("host:99999", False),
        ("", False),
    ],
)
def test_host_names(text, ok):
    assert (check_host(text) is None) is ok


@pytest.mark.parametrize(("text", "ok"), [("0", True), ("443", True), ("65535", True), ("65536", False), ("-1", False), ("x", False)])
def test_ports(text, ok):
    assert (check_port(text) is None) is ok


@pytest.mark.parametrize(("text", "value"), [("60,00", 60.0), ("60.00", 60.0), ("0,5", 0.5), (" 15 ", 15.0), (30, 30.0)])
def test_polling_interval_accepts_decimal_comma(text, value):
    assert parse_polling_interval(text) == value
    assert check_polling_interval(text) is None


@pytest.mark.parametrize("text", ["0", "-5", "0,00", "abc", "1,000.5", "nan", "inf"])
def test_polling_interval_must_be_positive_number(text):
    assert check_polling_interval(text) is not None


def test_client_secret_id_pasted_instead_of_value():
    assert "secret's ID" in check_client_secret("6f0e1d2c-3b4a-4596-8877-665544332211")
    assert check_client_secret("Abc8Q~x.y-zz_1234567890abcdefghijklmnopq") is None
    assert check_client_secret("") == "Client secret is missing"


def test_client_secret_only_required_for_client_secret_flow():
    s = complete()
    assert validate(s) == []
    s.azure.auth_flow = AuthFlow.CLIENT_SECRET
    assert messages(validate_outgoing(s)) == {"azure.client_secret": "Client secret is missing"}
    s.azure.client_secret = Secret(env="MAILSETUP_SECRET")
    assert validate_outgoing(s) == []  # read from the environment at check time


def test_user_password_not_needed_for_client_secret_flow():
    s = complete()
    s.azure.auth_flow = AuthFlow.CLIENT_SECRET
    s.azure.client_secret = Secret("Abc8Q~x.y-zz_1234567890abcdefghijklmnopq")
    s.outgoing.test.user_name = ""
    s.outgoing.test.password = Secret()
    s.incoming.accounts[0].user_name = ""
    s.incoming.accounts[0].password = Secret()
    assert validate(s) == []


def test_account_empty_user_name_and_password_are_incorrect_value():
    s = complete()
    s.incoming.accounts.append(Account(email="sales@contoso.com", types=["CRM"]))
    problems = validate_account(s, 1)
    assert messages(problems) == {
        "incoming.accounts[1].user_name": INCORRECT_VALUE,
        "incoming.accounts[1].password": INCORRECT_VALUE,
    }
    assert summarize(problems) == "2 errors"
    assert {p.label for p in problems} == {"User name", "Password"}
    assert {p.step_id for p in problems} == {"C10", "C11"}


def test_duplicate_account_addresses():
    s = complete()
    s.incoming.accounts.append(
        Account(email="ORDERS@contoso.com", user_name="x@contoso.com", password=Secret("p"), types=["SRM"])
    )
    assert messages(validate_account(s, 1)) == {"incoming.accounts[1].email": "Duplicate e-mail address (same as row 1)"}


def test_account_types_must_be_known_and_none_is_a_warning():
    s = complete()
    s.incoming.accounts[0].types = ["CRM", "Spam"]
    assert messages(validate_account(s, 0)) == {"incoming.accounts[0].types": "Unknown type: Spam"}
    s.incoming.accounts[0].types = []
    (problem,) = validate_account(s, 0)
    assert problem.severity == "warning"
    assert summarize([problem]) == "1 warning"


def test_outgoing_fields():
    s = complete()
    s.outgoing.port = 70000
    s.outgoing.server_address = "https://outlook.office365.com"
    s.outgoing.email_method = "smtp"
    s.outgoing.test.recipient = "nobody"
    s.outgoing.test.password = Secret()
    got = messages(validate_outgoing(s))
    assert set(got) == {
        "outgoing.port",
        "outgoing.server_address",
        "outgoing.email_method",
        "outgoing.test.recipient",
        "outgoing.test.password",
    }
    assert got["outgoing.test.password"] == "Password (Exchange) is missing"


def test_password_with_spaces_warns():
    s = complete()
    s.outgoing.test.password = Secret(" pw")
    (problem,) = validate_outgoing(s)
    assert problem.severity == "warning"


def test_no_stored_passwords_is_not_an_error_when_secrets_are_kept_out():
    s = complete()
    s.store_secrets = False
    s.outgoing.test.password = Secret()
    s.incoming.accounts[0].password = Secret()
    assert validate(s) == []


def test_incoming_server_settings():
    s = complete()
    s.incoming.polling_interval = 0
    s.incoming.server_name = ""
    s.incoming.service = "pop3"
    assert set(messages(validate_incoming(s))) == {"incoming.polling_interval", "incoming.server_name", "incoming.service"}


def test_summary_mixes_errors_and_warnings():
    problems = [Problem("a", "x"), Problem("b", "y"), Problem("c", "z", "warning")]
    assert summarize(problems) == "2 errors, 1 warning"
    assert summarize(problems[:1]) == "1 error"
