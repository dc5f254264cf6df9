"""The diagnosis table and the Entra side of the classifiers.

Every catalogued failure names a real guide step, plain words and its evidence (a Microsoft
document, a public wire sample, a standard, or "inference"); Entra's answers are fed in the shape
Microsoft sends them (the error code reference). Exchange's answers: test_diagnoses_exchange.py.
"""

from __future__ import annotations

import pytest

from tui.checks import diagnose
from tui.checks.diagnoses import ENTRA, WARNINGS, all_entries
from tui.checks.diagnosis_entry import EVIDENCE_KINDS
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


def entra(number: int, description: str = "", error: str = "invalid_grant") -> dict:
    text = f"AADSTS{number}: {description}\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: x"
    return {"error": error, "error_description": text, "error_codes": [number]}


# --- the table itself -----------------------------------------------------------------------------


@pytest.mark.parametrize("code, entry", sorted(all_entries().items()))
def test_every_entry_has_words_real_guide_steps_and_evidence(code, entry):
    assert entry.title and entry.cause and entry.fix
    for kind in ("outgoing", "incoming"):
        guide_step(entry.guide_step(kind))  # KeyError if the step does not exist
    assert "unknown error" not in (entry.cause + entry.fix).lower()
    assert entry.evidence.startswith(EVIDENCE_KINDS), f"{code} has no evidence"
    assert len(entry.evidence) > len("inference") or entry.evidence == "inference"


def test_the_evidence_test_fails_on_an_entry_without_one():
    from tui.checks.diagnosis_entry import _e

    bare = _e("t", "c", "A8", "f")
    assert not bare.evidence.startswith(EVIDENCE_KINDS)


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
    "EWS not allowed for the app (E2)": "HTTP403",
    "EWS not allowed for one mailbox (E3)": "HTTP403_MAILBOX",
    "token refused without a reason": "HTTP401",
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
        90002, 700016, 7000218, 65001, 650056, 650057, 500011, 70011, 700022, 50126, 50034,
        50053, 50055, 50144, 50056, 50057, 50076, 50079, 50072, 50074, 50158, 53003, 530035,
        50105, 7000215, 7000222, 70002, 700025, 50173, 50196, 500208, 50020,
        # "Entra codes worth adding" (issue 10)
        9001023, 50194, 53000, 53001, 53002, 50131, 530032, 50135, 53004, 53011, 7000112,
        70001, 90014, 900144, 1002012,
    ]  # fmt: skip
    assert not [n for n in notes if n not in ENTRA]


def test_no_ews_block_marker_matching_is_left():
    assert not hasattr(diagnose, "_EWS_BLOCK_MARKERS")
    assert "EWS_BLOCKED" not in all_entries() and "UnauthorizedError" not in all_entries()


# --- Entra ID -------------------------------------------------------------------------------------


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
    answer = entra(50126, "Error validating credentials due to invalid username or password.")
    assert diagnose.from_entra(answer, "outgoing").guide_step == "B12"
    assert diagnose.from_entra(answer, "incoming:a@b.c").guide_step == "C11"


def test_smart_lockout_says_stop_and_gives_no_fixed_wait():
    d = diagnose.from_entra(
        entra(50053, "Your account is locked because you've tried to sign in too many times."),
        "outgoing",
    )
    assert d.code == "AADSTS50053" and not d.retryable
    assert "30 minutes" not in d.cause + d.fix and "minute" in d.cause and "grows" in d.cause
    assert "suspicious" in d.cause and "Stop testing" in d.fix


def test_9001023_and_50194_have_their_own_causes():
    grant = diagnose.from_entra(
        entra(9001023, "The grant type is not supported over the /common or /consumers endpoints."),
        "outgoing",
    )
    single = diagnose.from_entra(
        entra(50194, "Application 'x' is not configured as a multi-tenant application."),
        "outgoing",
    )
    assert "grant" in grant.cause and "single" not in grant.cause.lower()
    assert "its own tenant only" in single.cause
    assert grant.guide_step == single.guide_step == "A8"


@pytest.mark.parametrize("number", [53000, 53001, 53002])
def test_device_based_conditional_access_can_never_be_satisfied(number):
    d = diagnose.from_entra(entra(number, "Device is not in required device state."), "outgoing")
    assert d.guide_step == "A19" and "never" in d.cause and "exclude" in d.fix and not d.retryable


@pytest.mark.parametrize(
    "number, words",
    [
        (50131, "Conditional Access"),
        (530032, "Conditional Access"),
        (50135, "risky"),
        (53004, "risky"),
        (53011, "risky"),
        (7000112, "disabled"),
        (70001, "disabled"),
    ],
)
def test_policy_risk_and_disabled_app_codes(number, words):
    d = diagnose.from_entra(entra(number, "x"), "outgoing")
    assert d.code == f"AADSTS{number}" and words in d.title + d.cause


@pytest.mark.parametrize(
    "number, description, outgoing, incoming",
    [
        (900144, "The request body must contain the following parameter: 'client_id'.", "A8", "A8"),
        (
            900144,
            "The request body must contain the following parameter: 'password'.",
            "B12",
            "C11",
        ),
        (90014, "The required field 'username' is missing from the credential.", "B12", "C10"),
        (
            900144,
            "The request body must contain the following parameter: 'client_secret'.",
            "B8",
            "C7",
        ),
    ],
)
def test_an_empty_field_reaching_microsoft_is_a_settings_problem(
    number, description, outgoing, incoming
):
    answer = entra(number, description, error="invalid_request")
    out = diagnose.from_entra(answer, "outgoing")
    assert (out.guide_step, diagnose.from_entra(answer, "incoming:a@b.c").guide_step) == (
        outgoing,
        incoming,
    )
    assert "empty" in out.title and "Entra named the field" in out.cause


def test_a_scope_without_default_is_mailsetups_fault():
    d = diagnose.from_entra(entra(1002012, "The provided value for scope x is not valid."), "x")
    assert "fault in mailsetup" in d.cause and "no change" in d.fix


def test_a_disabled_account_mentions_shared_mailboxes():
    d = diagnose.from_entra(entra(50057, "The user account is disabled."), "outgoing")
    assert "shared mailbox" in d.cause.lower() and "Full Access" in d.fix


@pytest.mark.parametrize("number", [50076, 50079, 50072, 50074, 50158])
def test_mfa_points_at_the_account_and_the_guides_limitation_not_b12(number):
    d = diagnose.from_entra(entra(number, "Due to a configuration change ..."), "outgoing")
    assert d.guide_step == "A19" and "never" in d.cause
    assert diagnose.from_entra({"error": "interaction_required"}, "outgoing").guide_step == "A19"


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


# --- other HTTP answers and the network -----------------------------------------------------------


@pytest.mark.parametrize(
    "status, code",
    [(403, "HTTP403"), (404, "HTTP404"), (407, "HTTP407"), (429, "HTTP429"), (503, "HTTP5xx")],
)
def test_http_statuses(status, code):
    assert diagnose.from_http(status, "outgoing").code == code


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
    assert diagnose.from_exception(exc, "outgoing").code == code


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
