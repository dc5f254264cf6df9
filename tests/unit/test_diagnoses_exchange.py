"""Exchange Online's answers, diagnosed: a 401 by its x-ms-diagnostics number (never "EWS
blocked"), a 403 as stage E (E2, or E3 when other mailboxes of the same app pass in the run), the
bounded retry wait, and the EWS response codes. The inputs are the shapes Microsoft sends
(headers and bodies as in ../shared/notes/microsoft.md, "Exchange Online's refusals"); EWS bodies
go through exchangelib's own parser.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tui.checks import diagnose
from tui.checks.diagnoses import EWS, WARNINGS
from tui.checks.diagnosis_entry import EWS_POWERSHELL
from tui.checks.events import CheckEvent, Diagnosis, Status

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


def test_the_text_output_shows_the_e3_reading_the_streamed_lines_could_not_know():
    import io

    from tui.checks.cli_text import HumanPrinter
    from tui.checks.events import CheckReport

    out = io.StringIO()
    printer = HumanPrinter(out, io.StringIO(), ["outgoing"])
    blocked = mailbox_event(
        "incoming:kiosk@b.c", Status.FAILED, diagnose.from_http(403, "incoming:kiosk@b.c")
    )
    passed = mailbox_event("outgoing", Status.OK)
    for event in (passed, blocked):
        printer.on_event(event)
    targets = [target("outgoing", "sender@b.c"), target("incoming:kiosk@b.c", "kiosk@b.c")]
    printer.summary(CheckReport(checks=diagnose.across_targets([passed, blocked], targets)))
    text = out.getvalue()
    assert "Fix at E2" in text  # what the streamed line said
    assert "seen across the whole run" in text and "Fix at E3" in text
