"""The diagnosis table and the classifiers that use it.

Every catalogued failure names a real guide step, plain words and its evidence; the answers fed
in are the shapes Microsoft sends (headers and bodies as in ../shared/notes/microsoft.md,
"Exchange Online's refusals" and the Entra error reference); a 401 is never "EWS blocked"; a 403
is stage E (E2, or E3 when other mailboxes of the same app pass in the run); the retry wait is
bounded and says what to do when the bound is spent.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tui.checks import diagnose
from tui.checks.diagnoses import ENTRA, EWS, WARNINGS, all_entries
from tui.checks.diagnosis_entry import EVIDENCE_KINDS, EWS_POWERSHELL
from tui.checks.events import CheckEvent, Diagnosis, Status
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
# Exchange Online's 401 challenge, as captured (microsoft.md).
CHALLENGE = (
    'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
    'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
    'token_types="app_asserted_user_v1 service_asserted_app_v1", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'error="invalid_token"'
)


def refused(diagnostics: str | None) -> dict[str, str]:
    headers = {"WWW-Authenticate": CHALLENGE, "request-id": "r-1"}
    if diagnostics is not None:
        headers["x-ms-diagnostics"] = diagnostics
    return headers


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


# --- Exchange's 401: the token was refused --------------------------------------------------------

SAMPLES_401 = [
    # (x-ms-diagnostics as Microsoft sends it, code, outgoing step, incoming step, words quoted)
    (
        '2000008;reason="The token contains no permissions, or permissions can not be '
        'understood.";error_category="invalid_grant"',
        "TOKEN_NO_PERMISSIONS",
        "A14",
        "A14",
        "contains no permissions",
    ),
    (
        "2000003;reason=\"The audience claim value is invalid 'aud'.\";"
        'error_category="invalid_resource"',
        "TOKEN_WRONG_AUDIENCE",
        "B5",
        "C3",
        "audience claim value is invalid",
    ),
    (
        "2000004;reason=\"The tenant for tenant guid '3b1b0d2e-0000-4000-8000-000000000000' does "
        'not exist.";error_category="invalid_tenant"',
        "TOKEN_TENANT_UNKNOWN",
        "A8",
        "A8",
        "does not exist",
    ),
    (
        '2000005;reason="The user specified by the user-context in the token does not exist.";'
        'error_category="invalid_user"',
        "TOKEN_USER_UNKNOWN",
        "B12",
        "C10",
        "user-context in the token",
    ),
    (
        '2000001;reason="OAuth token submitted with the request cannot be parsed.";'
        'error_category="invalid_token"',
        "TOKEN_INVALID",
        "B13",
        "C14",
        "cannot be parsed",
    ),
    (
        '2000001;reason="The access token is acquired using an authentication method that is '
        'too weak to allow access for this application.";error_category="invalid_token"',
        "TOKEN_WEAK_AUTH",
        "A19",
        "A19",
        "too weak",
    ),
    (
        '2000000;reason="The token has an invalid signature.";error_category="invalid_signature"',
        "TOKEN_BAD_SIGNATURE",
        "A8",
        "A8",
        "invalid signature",
    ),
]


@pytest.mark.parametrize("header, code, out_step, in_step, quoted", SAMPLES_401)
def test_exchanges_401_is_read_by_its_number_and_quotes_the_reason(
    header, code, out_step, in_step, quoted
):
    out = diagnose.from_http(401, "outgoing", refused(header))
    inc = diagnose.from_http(401, "incoming:a@b.c", refused(header))
    assert (out.code, out.guide_step, inc.guide_step) == (code, out_step, in_step)
    assert quoted in out.cause and "Exchange said" in out.cause
    assert out.raw["headers"]["x-ms-diagnostics"] == header
    assert out.raw["headers"]["www-authenticate"] == CHALLENGE
    assert "clock" not in (out.cause + out.fix).lower()


@pytest.mark.parametrize("header", [sample[0] for sample in SAMPLES_401])
def test_a_401_is_never_ews_blocked(header):
    for headers in (refused(header), refused(None), {}):
        d = diagnose.from_http(401, "outgoing", headers, body="EWS is disabled. EwsAllowedAppIDs")
        assert not d.guide_step.startswith("E") and "blocked" not in d.title.lower()


def test_2000008_is_consent_and_may_pass_within_the_hour():
    d = diagnose.from_http(401, "outgoing", refused(SAMPLES_401[0][0]))
    assert d.retryable and "hour" in d.cause and "consent" in d.fix


def test_expired_only_when_the_reason_says_so_and_no_clock_story():
    parsed = SAMPLES_401[4][0]
    assert not diagnose.token_expired_answer(refused(parsed))
    expired = '2000001;reason="The token has expired.";error_category="invalid_token"'
    d = diagnose.from_http(401, "outgoing", refused(expired))
    assert diagnose.token_expired_answer(refused(expired))
    assert d.code == "TOKEN_EXPIRED" and "has expired" in d.cause
    assert "clock" not in (d.cause + d.fix).lower()


def test_a_401_without_x_ms_diagnostics_quotes_the_bearer_error():
    d = diagnose.from_http(401, "outgoing", refused(None))
    assert (d.code, d.title) == ("HTTP401", "Exchange refused the token")
    assert 'error="invalid_token"' in d.cause
    bare = diagnose.from_http(401, "outgoing")
    assert bare.code == "HTTP401" and "no reason" in bare.cause


def test_an_unknown_diagnostics_number_stays_a_plain_refusal_with_its_words():
    d = diagnose.from_http(401, "outgoing", refused('2000099;reason="Something new."'))
    assert d.code == "HTTP401" and '2000099 "Something new."' in d.cause


def test_a_hostile_reason_is_quoted_without_terminal_escapes():
    hostile = '2000001;reason="bad\x1b[2J\x1b]52;c;aGk=\x07token\x9b31m";error_category="x"'
    d = diagnose.from_http(401, "outgoing", refused(hostile))
    assert "\x1b" not in d.cause and "\x07" not in d.cause and "\x9b" not in d.cause
    long = '2000001;reason="' + "x" * 5000 + '"'
    assert len(diagnose.from_http(401, "outgoing", refused(long)).cause) < 1000


def test_exchangelibs_unauthorized_error_is_read_with_the_headers_of_the_answer():
    from exchangelib.errors import UnauthorizedError

    exc = UnauthorizedError("Invalid credentials for https://outlook.office365.com/EWS/...")
    answer = {"status": 401, "headers": refused(SAMPLES_401[1][0]), "body": ""}
    d = diagnose.from_exception(exc, "incoming:a@b.c", answer)
    assert (d.code, d.guide_step) == ("TOKEN_WRONG_AUDIENCE", "C3")
    assert d.raw["exception"] == "UnauthorizedError" and d.raw["http_status"] == 401


# --- 403: a policy block, stage E ---------------------------------------------------------------


def test_a_bare_403_is_stage_e2_with_propagation_second():
    d = diagnose.from_http(403, "outgoing", {"Content-Length": "0"})
    assert (d.code, d.guide_step) == ("HTTP403", "E2")
    assert d.retryable and "EwsAllowedAppIDs" in d.cause and "24 hours" in d.cause
    assert d.cause.index("EwsAllowedAppIDs") < d.cause.index("spreading")
    assert "1 April 2027" in d.cause and EWS_POWERSHELL in d.fix
    # Body text decides nothing: no source shows Microsoft naming its switches in a 403.
    assert diagnose.from_http(403, "outgoing", body="ewsenabled").code == "HTTP403"


def test_exchangelibs_403_text_becomes_http403():
    from exchangelib.errors import MalformedResponseError

    exc = MalformedResponseError("Unknown failure in response. Code: 403 headers: {} content: ")
    assert diagnose.from_exception(exc, "outgoing").guide_step == "E2"


def test_the_e2_powershell_reads_the_list_first_and_writes_it_back_whole():
    read = EWS_POWERSHELL.index("Get-OrganizationConfig")
    write = EWS_POWERSHELL.index("Set-OrganizationConfig")
    assert read < write and "$ids" in EWS_POWERSHELL[write:]
    assert "-EwsEnabled $true" in EWS_POWERSHELL and "Select-Object -Unique" in EWS_POWERSHELL
    assert '"<existing ids>' not in EWS_POWERSHELL


def mailbox_event(target: str, status: Status, diagnosis: Diagnosis | None = None) -> CheckEvent:
    return CheckEvent(target, "mailbox", status, 10, "", diagnosis)


def target(name: str, mailbox: str, client_id: str = "app-1", host: str = "outlook") -> object:
    azure = SimpleNamespace(client_id=client_id)
    return SimpleNamespace(name=name, mailbox=mailbox, ews_url=f"https://{host}/EWS", azure=azure)


def test_a_403_beside_passing_mailboxes_of_the_same_app_is_e3():
    blocked = diagnose.from_http(403, "incoming:kiosk@b.c")
    checks = [
        mailbox_event("outgoing", Status.WARNING),  # passed (the EWS_RETIREMENT warning)
        mailbox_event("incoming:kiosk@b.c", Status.FAILED, blocked),
    ]
    targets = [target("outgoing", "sender@b.c"), target("incoming:kiosk@b.c", "kiosk@b.c")]
    revised = diagnose.across_targets(checks, targets)
    d = revised[1].diagnosis
    assert (d.code, d.guide_step) == ("HTTP403_MAILBOX", "E3")
    assert "sender@b.c" in d.cause and "Kiosk" in d.cause and "Set-CASMailbox" in d.fix
    assert d.raw["passed_mailboxes"] == ["sender@b.c"] and d.raw["http_status"] == 403
    assert revised[0] is checks[0]


@pytest.mark.parametrize(
    "other",
    [
        target("outgoing", "sender@b.c", client_id="another-app"),  # another app proves nothing
        target("outgoing", "sender@b.c", host="elsewhere"),
        target("outgoing", "KIOSK@b.c"),  # the same mailbox is not "another" mailbox
    ],
)
def test_e3_needs_another_mailbox_of_the_same_app(other):
    blocked = diagnose.from_http(403, "incoming:kiosk@b.c")
    checks = [
        mailbox_event("outgoing", Status.OK),
        mailbox_event("incoming:kiosk@b.c", Status.FAILED, blocked),
    ]
    revised = diagnose.across_targets(checks, [other, target("incoming:kiosk@b.c", "kiosk@b.c")])
    assert revised[1].diagnosis.code == "HTTP403"


def test_when_every_mailbox_gets_403_it_stays_e2():
    checks = [
        mailbox_event(name, Status.FAILED, diagnose.from_http(403, name))
        for name in ("outgoing", "incoming:a@b.c")
    ]
    targets = [target("outgoing", "s@b.c"), target("incoming:a@b.c", "a@b.c")]
    assert [e.diagnosis.guide_step for e in diagnose.across_targets(checks, targets)] == [
        "E2",
        "E2",
    ]


# --- the bounded wait -----------------------------------------------------------------------------


def test_the_retry_countdown_is_bounded_and_then_says_what_to_do():
    from tui.checks.runner import CheckRunner, StepOutcome, _Budget
    from tui.screens.check_outcomes import RETRY_BOUND, waiting_note
    from tui.settings.model import Settings

    assert 60 <= RETRY_BOUND <= 300  # "a few minutes"
    events: list[CheckEvent] = []
    runner = CheckRunner(Settings(), on_event=events.append, wait=RETRY_BOUND)
    runner.sleep = lambda seconds: None  # the clock, not the logic, is what the test skips
    calls = []

    def always_blocked(context, target):
        calls.append(1)
        return StepOutcome(Status.FAILED, "403", diagnose.from_http(403, target.name))

    outcome = runner._run_step(
        None, SimpleNamespace(name="outgoing"), "mailbox", always_blocked, _Budget(RETRY_BOUND)
    )
    announced = [e.retry_in for e in events if e.status is Status.FAILED and e.retry_in]
    assert sum(announced) <= RETRY_BOUND and len(calls) == len(announced) + 1
    final = events[-1]
    assert final.is_final and final.retry_in is None and final.diagnosis == outcome.diagnosis
    d = final.diagnosis
    assert d.guide_step == "E2" and not d.retryable and d.raw["waited_s"] == round(RETRY_BOUND)
    assert "waited 3 min" in d.cause and "will not help" in d.fix
    note = str(waiting_note(events[1], 1, RETRY_BOUND))
    assert "E2" in note and "gives up after 3 min" in note


def test_after_waiting_leaves_an_unwaited_diagnosis_alone():
    d = diagnose.from_http(403, "outgoing")
    assert diagnose.after_waiting(d, 0) is d
    throttled = diagnose.from_http(429, "outgoing", {"Retry-After": "5"})
    assert "kept asking to wait" in diagnose.after_waiting(throttled, 20).fix


# --- EWS response codes ---------------------------------------------------------------------------


def test_impersonation_denied_names_rbac_for_applications_not_the_retired_role():
    entry = EWS["ErrorImpersonateUserDenied"]
    assert "RBAC for Applications" in entry.cause and "retired in February 2025" in entry.cause
    assert "application access policy" in entry.cause


def test_access_denied_and_not_delegate_make_no_ews_off_claim():
    for code in ("ErrorAccessDenied", "ErrorNotDelegate"):
        text = (EWS[code].cause + EWS[code].fix).lower()
        assert "ewsenabled" not in text and "ewsallowedappids" not in text
    assert "delegate-management" in EWS["ErrorNotDelegate"].cause


def test_non_existent_mailbox_names_licence_and_hybrid():
    from exchangelib.errors import ErrorNonExistentMailbox

    d = diagnose.from_exception(ErrorNonExistentMailbox("no mailbox"), "incoming:a@b.c")
    assert (d.code, d.guide_step) == ("ErrorNonExistentMailbox", "C9")
    assert "licence was removed" in d.cause and "on-premises" in d.cause


def test_impersonation_header_mismatch_is_mailsetups_fault():
    entry = EWS["ErrorInvalidExchangeImpersonationHeaderData"]
    assert "fault in mailsetup" in entry.cause


def message_xml(inner: str):
    from exchangelib.util import MNS, TNS
    from lxml import etree

    return etree.fromstring(
        f'<m:MessageXml xmlns:m="{MNS}" xmlns:t="{TNS}">'
        f'<t:Value Name="InnerErrorResponseCode">{inner}</t:Value>'
        '<t:Value Name="InnerErrorMessageText">The server cannot service this request right '
        "now. Try again later.</t:Value></m:MessageXml>"
    )


def test_an_internal_error_with_an_inner_server_busy_is_throttling():
    from exchangelib.services.common import EWSService

    # exchangelib's own parser, fed the ResponseMessage shape of the EWS throttling docs.
    exc = EWSService._get_exception(
        "ErrorInternalServerError",
        "An internal server error occurred.",
        message_xml("ErrorServerBusy"),
    )
    d = diagnose.from_exception(exc, "outgoing", {"status": 200, "headers": {}})
    assert d.code == "ErrorServerBusy" and d.retryable and d.raw["inner_code"] == "ErrorServerBusy"


def test_an_internal_error_names_an_inner_code_exchangelib_does_not_know():
    from exchangelib.services.common import EWSService

    exc = EWSService._get_exception(
        "ErrorInternalServerError",
        "An internal server error occurred.",
        message_xml("ErrorBrandNew"),
    )
    d = diagnose.from_exception(exc, "outgoing")
    assert d.code == "ErrorInternalServerError" and "ErrorBrandNew" in d.cause


def test_a_soap_fault_internal_error_reads_the_inner_code_from_the_body():
    from exchangelib.errors import ErrorInternalServerError

    body = (
        "<s:Fault><detail><e:ResponseCode>ErrorInternalServerError</e:ResponseCode><t:MessageXml>"
        '<t:Value Name="InnerErrorResponseCode">ErrorServerBusy</t:Value></t:MessageXml>'
        "</detail></s:Fault>"
    )
    d = diagnose.from_exception(
        ErrorInternalServerError("An internal server error occurred."),
        "outgoing",
        {"status": 500, "headers": {}, "body": body},
    )
    assert d.code == "ErrorServerBusy"


def test_throttling_keeps_back_off_milliseconds():
    from exchangelib.errors import ErrorServerBusy

    d = diagnose.from_exception(ErrorServerBusy("busy", back_off=2.5), "outgoing")
    assert d.code == "ErrorServerBusy" and d.retry_after == 2.5


def test_the_roles_warning_does_not_claim_ews_refuses_without_full_access_as_app():
    entry = WARNINGS["TOKEN_ROLES"]
    assert "RBAC for Applications" in entry.cause
    assert "will refuse it" not in entry.cause


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
