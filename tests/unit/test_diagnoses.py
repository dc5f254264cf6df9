"""The diagnosis table and the classifiers that use it: every catalogued failure names a real
guide step and plain words, the issue's list is covered, and nothing catalogued ends as
"unknown"; something uncatalogued says so and keeps the raw error."""

from __future__ import annotations

import pytest

from tui.checks import diagnose
from tui.checks.diagnoses import ENTRA, EWS, HTTP, NETWORK, WARNINGS, all_entries
from tui.guide import step as guide_step

ENTRA_ANSWER = {
    "error": "invalid_client",
    "error_description": "AADSTS7000218: The request body must contain the following parameter: "
    "'client_assertion' or 'client_secret'.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\n"
    "Timestamp: 2026-11-25 10:00:00Z",
    "error_codes": [7000218],
    "timestamp": "2026-11-25 10:00:00Z",
    "trace_id": "t-1",
    "correlation_id": "c-1",
    "error_uri": "https://login.microsoftonline.com/error?code=7000218",
}


@pytest.mark.parametrize("code, entry", sorted(all_entries().items()))
def test_every_entry_has_words_and_real_guide_steps(code, entry):
    assert entry.title and entry.cause and entry.fix
    for kind in ("outgoing", "incoming"):
        guide_step(entry.guide_step(kind))  # KeyError if the step does not exist
    assert "unknown error" not in (entry.cause + entry.fix).lower()


# The issue's "cover at least" list, as the codes that carry each case.
REQUIRED = {
    "wrong tenant": "AADSTS90002",
    "wrong client id": "AADSTS700016",
    "public client flows off": "AADSTS7000218",
    "no admin consent": "AADSTS65001",
    "wrong password": "AADSTS50126",
    "unknown user": "AADSTS50034",
    "MFA": "AADSTS50076",
    "Conditional Access": "AADSTS53003",
    "locked": "AADSTS50053",
    "disabled": "AADSTS50057",
    "password expired": "AADSTS50055",
    "secret ID instead of value": "AADSTS7000215",
    "expired secret": "AADSTS7000222",
    "secret sent by a public client": "AADSTS700025",
    "EWS blocked": "EWS_BLOCKED",
    "403 right after setup": "HTTP403",
    "mailbox does not exist": "ErrorNonExistentMailbox",
    "no right to send as": "ErrorSendAsDenied",
    "throttling (Entra)": "HTTP429",
    "throttling (EWS)": "ErrorServerBusy",
    "proxy authentication": "HTTP407",
    "untrusted certificate": "TLS_UNTRUSTED",
}


@pytest.mark.parametrize("case", sorted(REQUIRED))
def test_the_issues_list_is_covered(case):
    assert REQUIRED[case] in all_entries()


def test_every_aadsts_code_of_the_notes_is_catalogued():
    notes = [
        90002,
        700016,
        7000218,
        65001,
        650056,
        650057,
        500011,
        70011,
        700022,
        50126,
        50034,
        50053,
        50055,
        50144,
        50056,
        50057,
        50076,
        50079,
        50072,
        50074,
        50158,
        53003,
        530035,
        50105,
        7000215,
        7000222,
        70002,
        700025,
        50173,
        50196,
        500208,
        50020,
    ]
    assert not [n for n in notes if n not in ENTRA]


def test_ews_blocked_words_name_the_settings_powershell_and_deadline():
    text = EWS["EWS_BLOCKED"].cause + EWS["EWS_BLOCKED"].fix
    for needle in ("EWSEnabled", "EwsAllowedAppIDs", "Set-OrganizationConfig", "1 April 2027"):
        assert needle in text
    assert HTTP["HTTP403"].retryable and "EwsAllowedAppIDs" in HTTP["HTTP403"].fix


def test_an_entra_answer_keeps_what_support_needs():
    d = diagnose.from_entra(ENTRA_ANSWER, "outgoing", 400)
    assert (d.code, d.guide_step, d.title) == (
        "AADSTS7000218",
        "A17",
        "Public client flows are off",
    )
    assert d.raw["trace_id"] == "t-1" and d.raw["correlation_id"] == "c-1"
    assert d.raw["timestamp"] and d.raw["error"] == "invalid_client" and d.raw["http_status"] == 400


def test_guide_step_follows_the_target():
    answer = {
        "error": "invalid_grant",
        "error_codes": [50126],
        "error_description": "AADSTS50126: x",
    }
    assert diagnose.from_entra(answer, "outgoing").guide_step == "B12"
    assert diagnose.from_entra(answer, "incoming:a@b.c").guide_step == "C11"


def test_the_aadsts_number_is_read_from_the_description_when_codes_are_missing():
    d = diagnose.from_entra(
        {"error": "invalid_grant", "error_description": "AADSTS50053: locked"}, "outgoing"
    )
    assert d.code == "AADSTS50053"


def test_an_unknown_aadsts_code_says_so_and_shows_the_raw_error():
    d = diagnose.from_entra(
        {
            "error": "invalid_request",
            "error_codes": [99999],
            "error_description": "AADSTS99999: something new",
        },
        "outgoing",
    )
    assert d.code == "AADSTS99999"
    assert "does not know" in d.cause and d.raw["error_description"] == "AADSTS99999: something new"


def test_the_error_field_is_the_fallback_when_no_number_is_given():
    assert diagnose.from_entra({"error": "invalid_tenant"}, "outgoing").guide_step == "A8"


def test_throttled_token_answers_carry_retry_after():
    d = diagnose.from_entra(
        {"error": "temporarily_unavailable"}, "outgoing", 429, {"Retry-After": "7"}
    )
    assert d.code == "HTTP429" and d.retry_after == 7.0 and d.retryable


@pytest.mark.parametrize(
    "status, code",
    [(403, "HTTP403"), (407, "HTTP407"), (429, "HTTP429"), (503, "HTTP5xx"), (401, "HTTP401")],
)
def test_http_statuses(status, code):
    assert diagnose.from_http(status, "outgoing").code == code


def test_a_401_for_the_wrong_audience_is_told_apart():
    headers = {
        "x-ms-diagnostics": "2000003;reason=\"The audience claim value is invalid 'aud'.\";"
        'error_category="invalid_resource"'
    }
    assert diagnose.from_http(401, "outgoing", headers).code == "TOKEN_AUDIENCE"


def test_a_401_for_an_expired_token_is_told_apart():
    headers = {
        "x-ms-diagnostics": '2000001;reason="The token has expired.";error_category="invalid_token"'
    }
    assert diagnose.from_http(401, "outgoing", headers).code == "TOKEN_EXPIRED"


class ErrorNonExistentMailbox(Exception):
    pass


class ErrorServerBusy(Exception):
    def __init__(self, message: str, back_off: float | None = None) -> None:
        super().__init__(message)
        self.back_off = back_off


class MalformedResponseError(Exception):
    pass


def test_ews_exceptions_are_matched_by_name():
    d = diagnose.from_exception(ErrorNonExistentMailbox("no mailbox"), "incoming:a@b.c")
    assert (d.code, d.guide_step) == ("ErrorNonExistentMailbox", "C9")
    busy = diagnose.from_exception(ErrorServerBusy("busy", back_off=2.5), "outgoing")
    assert busy.code == "ErrorServerBusy" and busy.retry_after == 2.5


def test_exchangelibs_403_text_becomes_http403():
    exc = MalformedResponseError("Unknown failure in response. Code: 403 headers: {} content: ")
    assert diagnose.from_exception(exc, "outgoing").code == "HTTP403"


@pytest.mark.parametrize(
    "exc, code",
    [
        (ConnectionRefusedError(111, "Connection refused"), "CONNECTION_REFUSED"),
        (TimeoutError("timed out"), "TIMED_OUT"),
        (OSError("[Errno -2] Name or service not known"), "DNS_FAILED"),
        (OSError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "TLS_UNTRUSTED"),
        (ConnectionResetError(104, "Connection reset by peer"), "CONNECTION_CLOSED"),
    ],
)
def test_network_exceptions(exc, code):
    d = diagnose.from_exception(exc, "outgoing")
    assert d.code == code and d.code in NETWORK


def test_an_uncatalogued_exception_says_so_and_keeps_its_text():
    d = diagnose.from_exception(KeyError("odd"), "outgoing")
    assert "does not know" in d.cause and d.raw["exception"] == "KeyError"


def test_warning_codes_exist_for_token_contents():
    for code in (
        "TOKEN_AUDIENCE",
        "TOKEN_SCOPE",
        "TOKEN_ROLES",
        "TOKEN_TENANT",
        "TOKEN_USER",
        "TOKEN_CLIENT",
        "EWS_RETIREMENT",
        "ROPC_DISCOURAGED",
    ):
        assert code in WARNINGS


def test_a_401_for_a_token_without_permissions_points_to_consent():
    headers = {
        "x-ms-diagnostics": '2000008;reason="The token contains no permissions, or '
        'permissions can not be understood.";error_category="invalid_grant"'
    }
    d = diagnose.from_http(401, "outgoing", headers)
    assert (d.code, d.guide_step) == ("TOKEN_NO_PERMISSIONS", "A14")
