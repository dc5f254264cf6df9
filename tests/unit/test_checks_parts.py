"""Pure parts of the checks: redaction, token contents, targets, the report's JSON, the bounded
token renewal, the retry budget, and the import rules (no Textual; msal and exchangelib only
when a check runs; checks and sandbox never import each other)."""

from __future__ import annotations

import ast
import base64
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tui.checks import CheckEvent, CheckReport, Diagnosis, Status
from tui.checks.entra import compare_claims, decode_claims, exchange_resource, token_scopes
from tui.checks.redact import MASK, Redactor, install_log_filter, remove_log_filter
from tui.checks.runner import _Budget
from tui.checks.targets import expand
from tui.settings.model import Account, AuthFlow, Azure, Secret, Settings

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def test_redactor_masks_known_secrets_jwts_and_bearer_headers():
    r = Redactor(["Sup3r-Secret!"])
    token = jwt({"aud": "x"})
    text = f"pw Sup3r-Secret! token {token} Authorization: Bearer abcdefghijk123 password=hunter22"
    out = r(text)
    assert "Sup3r-Secret!" not in out and token not in out and "abcdefghijk123" not in out
    assert "hunter22" not in out and out.count(MASK) >= 4
    r.add_token_result({"access_token": "opaque-token-value-1234"})
    assert r.redact_obj({"a": ["opaque-token-value-1234"]}) == {"a": [MASK]}


def test_library_logs_are_redacted(caplog):
    r = Redactor(["Sup3r-Secret!"])
    flt = install_log_filter(r)
    try:
        caplog.set_level(logging.DEBUG)
        logging.getLogger("exchangelib.util").debug(
            "headers %s", {"Authorization": "Bearer Sup3r-Secret!"}
        )
    finally:
        remove_log_filter(flt)
    assert "Sup3r-Secret!" not in caplog.text and MASK in caplog.text


def test_diagnosis_redacted_masks_raw_fields():
    d = Diagnosis("X", "cause", "A8", "fix", raw={"message": "Bearer " + jwt({"a": 1})})
    assert "eyJ" not in json.dumps(d.redacted().raw)


def test_claims_matching_the_settings_pass_and_mismatches_warn():
    azure = Azure(client_id=CLIENT, tenant_id=TENANT)
    good = {
        "aud": "https://outlook.office365.com",
        "scp": "EWS.AccessAsUser.All",
        "tid": TENANT,
        "upn": "erp@contoso.example",
        "appid": CLIENT,
    }
    claims = decode_claims(jwt(good))
    assert claims == good
    assert (
        compare_claims(
            claims,
            azure=azure,
            resource="https://outlook.office365.com",
            user_name="ERP@contoso.example",
        )
        == []
    )
    bad = {
        **good,
        "aud": "https://graph.microsoft.com",
        "scp": "User.Read",
        "tid": "other",
        "upn": "someone@else.example",
        "appid": "other",
    }
    codes = [
        c
        for c, _ in compare_claims(
            bad,
            azure=azure,
            resource="https://outlook.office365.com",
            user_name="erp@contoso.example",
        )
    ]
    assert codes == ["TOKEN_AUDIENCE", "TOKEN_SCOPE", "TOKEN_USER", "TOKEN_TENANT", "TOKEN_CLIENT"]
    app = Azure(client_id=CLIENT, tenant_id=TENANT, auth_flow=AuthFlow.CLIENT_SECRET)
    codes = [
        c
        for c, _ in compare_claims(
            {**good, "scp": None, "roles": []},
            azure=app,
            resource="https://outlook.office365.com",
            user_name="",
        )
    ]
    assert codes == ["TOKEN_ROLES"]
    assert decode_claims("not-a-jwt") is None


def test_scopes_and_resources_follow_the_flow_and_the_cloud():
    assert token_scopes(AuthFlow.USER_PASSWORD, "https://outlook.office365.com") == [
        "https://outlook.office365.com/EWS.AccessAsUser.All"
    ]
    assert token_scopes(AuthFlow.CLIENT_SECRET, "https://outlook.office365.com") == [
        "https://outlook.office365.com/.default"
    ]
    assert (
        exchange_resource("https://outlook.office365.us/EWS/Exchange.asmx")
        == "https://outlook.office365.us"
    )
    assert (
        exchange_resource("https://127.0.0.1:8443/EWS/Exchange.asmx")
        == "https://outlook.office365.com"
    )


def settings_with_accounts() -> Settings:
    s = Settings()
    s.outgoing.test.sender = "erp@contoso.example"
    s.outgoing.test.user_name = "erp@contoso.example"
    s.incoming.accounts = [
        Account(email="a@contoso.example", password=Secret("x1234")),
        Account(email="b@contoso.example"),
    ]
    return s


def test_targets_expand_names_and_addresses():
    s = settings_with_accounts()
    names = lambda found: [t.name for t in found[0]]  # noqa: E731
    assert names(expand(s, ["outgoing", "incoming"])) == [
        "outgoing",
        "incoming:a@contoso.example",
        "incoming:b@contoso.example",
    ]
    assert names(expand(s, ["B@contoso.example"])) == ["incoming:b@contoso.example"]
    assert names(expand(s, ["erp@contoso.example"])) == ["outgoing"]
    assert expand(s, ["nobody@x.example"])[1] == ["nobody@x.example"]
    assert expand(Settings(), ["incoming"]) == ([], ["incoming"])


def test_report_json_has_exactly_the_issues_shape():
    diag = Diagnosis("AADSTS7000218", "c", "A17", "f", {"trace_id": "t"}, title="t")
    report = CheckReport(
        [
            CheckEvent("outgoing", "token", Status.FAILED, 12, "m", diag),
            CheckEvent("outgoing", "mailbox", Status.SKIPPED, None, "m"),
        ]
    )
    doc = json.loads(report.to_json())
    assert doc == {
        "ok": False,
        "checks": [
            {
                "target": "outgoing",
                "step": "token",
                "status": "failed",
                "duration_ms": 12,
                "diagnosis": {
                    "code": "AADSTS7000218",
                    "cause": "c",
                    "guide_step": "A17",
                    "fix": "f",
                    "raw": {"trace_id": "t"},
                },
            },
            {
                "target": "outgoing",
                "step": "mailbox",
                "status": "skipped",
                "duration_ms": 0,
                "diagnosis": None,
            },
        ],
    }


def test_retry_budget_is_bounded():
    right_after_setup = Diagnosis("HTTP403", "c", "B13", "f", retryable=True)
    budget = _Budget(wait=10)
    delays = []
    while (delay := budget.delay_for(right_after_setup, 15)) is not None:
        delays.append(delay)
    assert delays == [2, 4, 4] and sum(delays) == 10
    assert _Budget(wait=0).delay_for(right_after_setup, 15) is None
    throttled = Diagnosis("HTTP429", "c", "B13", "f", retryable=True, retry_after=5)
    budget = _Budget(wait=0)
    assert [budget.delay_for(throttled, 15) for _ in range(6)] == [5, 5, 5, 5, None, None]
    assert (
        _Budget(wait=0).delay_for(Diagnosis("HTTP429", "c", "B13", "f", retry_after=3600), 15)
        is None
    )


def test_renewal_of_an_expired_token_is_bounded():
    from tui.checks import ews

    calls = []

    def renew():
        calls.append(1)
        return {"access_token": "t", "expires_in": 0}

    credentials = ews.make_credentials({"access_token": "t", "expires_in": 0}, renew, CLIENT)
    for _ in range(ews.MAX_RENEWALS):
        credentials.refresh(session=None)
    with pytest.raises(ews.TokenRefreshFailed):
        credentials.refresh(session=None)
    assert len(calls) == ews.MAX_RENEWALS


def imported_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys; {code}; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return {name.split(".")[0] for name in out.split()}


@pytest.mark.parametrize(
    "code",
    [
        "import tui.checks",
        "import tui.cli",
        "from tui.checks import CheckRunner, Diagnosis; import tui.checks.cli, tui.checks.steps",
        "from tui.cli import build_parser; build_parser().parse_args(['check', '--json'])",
    ],
)
def test_imports_stay_light_and_headless(code):
    assert not imported_after(code) & {"msal", "exchangelib", "textual"}


def test_checks_and_sandbox_never_import_each_other():
    root = Path(__file__).resolve().parents[2] / "tui"
    for package, other in (("checks", "tui.sandbox"), ("sandbox", "tui.checks")):
        for path in (root / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                assert not any(n == other or n.startswith(other + ".") for n in names), path


def test_redaction_keeps_prose_about_passwords_readable():
    from tui.checks.redact import Redactor

    redact = Redactor([])
    prose = "this flow sends the user name and password: 'Allow public client flows' must be Yes"
    assert redact(prose) == prose
    assert "a b" not in redact('{"password": "a b\\"c", "x": 1}')
    assert "xyz" not in redact("{'client_secret': 'xyz abc'}")
    assert redact("grant_type=password&password=hunter2&x=1") == "grant_type=password&password=•••&x=1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(float("nan"), 30.0), (float("inf"), 30.0), (1e308, 3600.0), (-1.0, 30.0), (2.5, 2.5)],
)
def test_the_runner_takes_only_sane_timeouts(value: float, expected: float) -> None:
    """NaN, infinity or 1e308 from an unchecked settings tree would break socket timeouts and
    the whole-call deadline arithmetic; the runner falls back or clamps instead."""
    from tui.checks.runner import CheckRunner
    from tui.settings.model import Settings

    settings = Settings()
    settings.checks.timeout = value
    runner = CheckRunner(settings, wait=float("nan"))
    assert (runner.timeout, runner.wait) == (expected, 0.0)
    assert runner.run_limit(3) < 10**7


def test_a_bearer_challenge_stays_readable_but_tokens_are_masked():
    from tui.checks.redact import Redactor

    redact = Redactor()
    challenge = 'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", error="invalid_token"'
    assert redact(challenge) == challenge  # Exchange's public app id, not a secret
    assert "opaque-token-value" not in redact("Authorization: Bearer opaque-token-value")
    assert "opaque-token-value" not in redact('{"auth": "Bearer opaque-token-value"}')
