"""The eight check steps, and the per-run context they share (sessions, caches, tokens).

Each step function takes the :class:`StepContext` and a :class:`Target` and returns a
:class:`StepOutcome`; raising is fine too, the runner diagnoses the exception. Reach and tenant
answers are computed once per host/tenant per run, tokens once per user while valid.
"""

from __future__ import annotations

import platform
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tui.checks import diagnose, entra, ews, net
from tui.checks.events import Status
from tui.checks.http import CheckSession, effective_verify, last_response, take_last_response
from tui.checks.runner import StepOutcome
from tui.checks.targets import Target, incoming_target

if TYPE_CHECKING:
    from tui.checks.runner import CheckRunner

# A token is reused while it has at least this long to live.
TOKEN_MARGIN = 120.0


class _Once:
    """Compute a value once per key, concurrently safe; failures are cached too (per run)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[Any, threading.Lock] = {}
        self._values: dict[Any, Any] = {}

    def get(
        self,
        key: Any,
        compute: Callable[[], Any],
        *,
        fresh: Callable[[Any], bool] = lambda v: True,
        force: bool = False,
    ) -> Any:
        with self._lock:
            key_lock = self._keys.setdefault(key, threading.Lock())
        with key_lock:
            if not force and key in self._values and fresh(self._values[key]):
                return self._values[key]
            value = compute()
            self._values[key] = value
            return value


class StepContext:
    """What the steps of one run share."""

    def __init__(self, runner: CheckRunner) -> None:
        self.runner = runner
        self.settings = runner.settings
        self.timeout = runner.timeout
        self._reach = _Once()
        self._tenant = _Once()
        self._tokens = _Once()
        self._ews_ready = _Once()
        self._used_ews = False
        self.caught_warnings: list[Any] = []
        self._accounts: dict[str, Any] = {}
        self._accounts_lock = threading.Lock()

    def verify(self, target: Target) -> str | bool:
        return effective_verify(target.azure.ca_bundle)

    def session(self, target: Target) -> CheckSession:
        return CheckSession(self.verify(target), self.timeout)

    def last_response(self) -> dict[str, Any] | None:
        return take_last_response()

    def close(self) -> None:
        if self._used_ews:
            ews.close()

    # --- shared, computed once ------------------------------------------------------------------

    def reach(self, url: str, verify: str | bool) -> net.ReachResult:
        parts = urlsplit(url)
        key = (parts.hostname, parts.port or 443, str(verify))
        return self._reach.get(key, lambda: net.reach(url, verify, self.timeout))  # type: ignore[no-any-return]

    def discovery(self, target: Target) -> entra.Discovery:
        key = (entra.authority_url(target.azure), str(self.verify(target)))
        return self._tenant.get(
            key, lambda: entra.discover_tenant(self.session(target), target.azure)
        )  # type: ignore[no-any-return]

    def token(self, target: Target, *, force: bool = False) -> entra.TokenAttempt:
        """One token per user (or per app, for the Client secret flow) while it is valid."""
        azure = target.azure
        key = (
            entra.authority_url(azure),
            azure.client_id,
            azure.auth_flow,
            target.user_name.lower(),
            entra.exchange_resource(target.ews_url),
        )

        def fetch() -> entra.TokenAttempt:
            attempt = entra.acquire_token(
                azure,
                user_name=target.user_name,
                password=target.password,
                client_secret=target.client_secret,
                scopes=entra.token_scopes(azure.auth_flow, entra.exchange_resource(target.ews_url)),
                session=self.session(target),
            )
            self.runner.redactor.add_token_result(attempt.result)
            return attempt

        def still_good(attempt: entra.TokenAttempt) -> bool:
            return attempt.ok and attempt.expires_at - time.time() > TOKEN_MARGIN

        return self._tokens.get(key, fetch, fresh=still_good, force=force)  # type: ignore[no-any-return]

    def account(self, target: Target) -> Any:
        """The exchangelib Account for the target's mailbox, with renewing credentials."""
        self._ews_ready.get("configured", lambda: ews.configure(self.verify(target), self.timeout))
        self._used_ews = True
        attempt = self.token(target)

        def renew() -> dict[str, Any]:
            fresh = self.token(target, force=True)
            if not fresh.ok:
                raise ews.TokenRefreshFailed(fresh.result.get("error_description") or "no token")
            return fresh.result

        credentials = ews.make_credentials(attempt.result, renew, target.azure.client_id)
        return ews.open_account(
            target.mailbox, target.ews_url, credentials, impersonate=target.app_only
        )


# --- the steps -----------------------------------------------------------------------------------


def step_settings(ctx: StepContext, target: Target) -> StepOutcome:
    from tui.settings import validation

    settings = ctx.settings
    if target.kind == "outgoing":
        problems = validation.validate_outgoing(settings)
    else:
        assert target.account_index is not None
        own = f"incoming.accounts[{target.account_index}]"
        problems = [
            p
            for p in validation.validate_incoming(settings)
            if not p.field.startswith("incoming.accounts[") or p.field.startswith(own)
        ]
    problems += [p for p in validation.validate_checks(settings)]
    problems += _unresolved_secrets(target)
    errors = [p for p in problems if p.is_error]
    shown = errors or problems
    lines = [f"{p.label}: {p.message}" + (f" ({p.step_id})" if p.step_id else "") for p in shown]
    if errors:
        diag = diagnose.from_code(
            "SETTINGS_INVALID",
            target.name,
            {
                "problems": [
                    {"field": p.field, "message": p.message, "guide_step": p.step_id}
                    for p in errors
                ]
            },
        )
        first_step = next((p.step_id for p in errors if p.step_id), diag.guide_step)
        diag = _replace(
            diag,
            guide_step=first_step,
            cause=f"{validation.summarize(errors)}: " + "; ".join(lines),
        )
        return StepOutcome(Status.FAILED, validation.summarize(errors), diag)
    if problems:
        return StepOutcome(Status.WARNING, "; ".join(lines))
    return StepOutcome(Status.OK, "values present")


def _unresolved_secrets(target: Target) -> list[Any]:
    """Secrets named by an environment variable that is not set (validation only sees the name)."""
    from tui.settings.validation import Problem

    if target.app_only:
        if not target.client_secret:
            field = f"{target.kind}.azure.client_secret"
            return [
                Problem(
                    field,
                    "Client secret is empty (not stored, or its environment variable is not set)",
                )
            ]
        return []
    if target.password:
        return []
    if target.kind == "outgoing":
        return [
            Problem(
                "outgoing.test.password",
                "Password (Exchange) is empty (not stored, or its environment variable is not set)",
            )
        ]
    return [
        Problem(
            f"incoming.accounts[{target.account_index}].password",
            "Password is empty (not stored, or its environment variable is not set)",
        )
    ]


def step_reach(ctx: StepContext, target: Target) -> StepOutcome:
    verify = ctx.verify(target)
    urls = [entra.authority_url(target.azure), target.ews_url]
    parts = []
    for url in urls:
        result = ctx.reach(url, verify)
        where = f"{result.host}:{result.port}" + (
            f" via proxy {result.via_proxy}" if result.via_proxy else ""
        )
        if not result.ok:
            diag = diagnose.from_code(
                result.code, target.name, {"host": where, "detail": result.detail}
            )
            if result.code in ("DNS_FAILED", "CONNECTION_REFUSED") and url != target.ews_url:
                diag = _replace(diag, guide_step="B13" if target.kind == "outgoing" else "C14")
            return StepOutcome(Status.FAILED, f"{where}: {result.detail}", diag)
        parts.append(f"{where} {result.detail}")
    return StepOutcome(Status.OK, "; ".join(dict.fromkeys(parts)))


def step_tenant(ctx: StepContext, target: Target) -> StepOutcome:
    found = ctx.discovery(target)
    if found.ok:
        issuer = found.payload.get("issuer", "")
        return StepOutcome(Status.OK, f"tenant answers ({issuer})" if issuer else "tenant answers")
    if found.payload.get("error"):
        diag = diagnose.from_entra(found.payload, target.name, found.status, found.headers)
    elif found.status != 200:
        diag = diagnose.from_http(found.status, target.name, found.headers)
    else:
        diag = diagnose.from_code("TENANT_DISCOVERY", target.name, {"http_status": found.status})
    return StepOutcome(Status.FAILED, f"{diag.code}: {diag.title}", diag)


def step_token(ctx: StepContext, target: Target) -> StepOutcome:
    attempt = ctx.token(target)
    if not attempt.ok:
        # Failed attempts are never reused: a retry builds a fresh msal application.
        diag = diagnose.from_entra(attempt.result, target.name, attempt.status, attempt.headers)
        return StepOutcome(Status.FAILED, f"{diag.code}: {diag.title}", diag)
    minutes = int(max(0.0, attempt.expires_at - time.time()) // 60)
    message = f"token for {target.user_name or 'the app'}, valid {minutes} min"
    if not target.app_only and any(entra.is_ropc_warning(w) for w in list(ctx.caught_warnings)):
        return StepOutcome(
            Status.WARNING,
            message,
            diagnose.from_code("ROPC_DISCOURAGED", target.name),
        )
    return StepOutcome(Status.OK, message)


def step_token_contents(ctx: StepContext, target: Target) -> StepOutcome:
    attempt = ctx.token(target)
    claims = entra.decode_claims(str(attempt.result.get("access_token", "")))
    if claims is None:
        return StepOutcome(
            Status.WARNING,
            "the token is not a readable JWT",
            diagnose.from_code("TOKEN_UNREADABLE", target.name),
        )
    findings = entra.compare_claims(
        claims,
        azure=target.azure,
        resource=entra.exchange_resource(target.ews_url),
        user_name=target.user_name,
    )
    if findings:
        code, _ = findings[0]
        details = "; ".join(detail for _, detail in findings)
        diag = diagnose.from_code(
            code, target.name, {"findings": [c for c, _ in findings], "details": details}
        )
        return StepOutcome(Status.WARNING, details, diag)
    what = "roles" if target.app_only else "scope"
    return StepOutcome(Status.OK, f"audience, {what}, tenant and user match the settings")


def with_account(ctx: StepContext, target: Target, operation: Callable[[Any], Any]) -> Any:
    """Run an EWS operation; if Exchange calls the token expired, renew it once and try again."""
    try:
        return operation(ctx.account(target))
    except Exception:
        last = last_response.value or {}
        if last.get("status") != 401 or not diagnose.token_expired_answer(last.get("headers")):
            raise
    ctx.token(target, force=True)
    return operation(ctx.account(target))


def step_mailbox(ctx: StepContext, target: Target) -> StepOutcome:
    name, total = with_account(ctx, target, ews.inbox_summary)
    return StepOutcome(
        Status.WARNING,
        f"{target.mailbox}: {name}, {total} items",
        diagnose.from_code("EWS_RETIREMENT", target.name),
    )


def message_subject(tag: str = "") -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"mailsetup test message {stamp}" + (f" [{tag}]" if tag else "")


def message_body(kind: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"This message was sent by mailsetup on {platform.node() or 'this computer'} at {stamp} "
        f"to check the {kind} e-mail settings. It can be deleted."
    )


def step_send(ctx: StepContext, target: Target) -> StepOutcome:
    with_account(
        ctx,
        target,
        lambda account: ews.send_message(
            account,
            sender=target.sender,
            recipient=target.recipient,
            subject=message_subject(),
            body=message_body("outgoing"),
        ),
    )
    return StepOutcome(Status.OK, f"sent from {target.sender} to {target.recipient}")


def step_round_trip(ctx: StepContext, target: Target) -> StepOutcome:
    runner = ctx.runner
    if not ctx.settings.incoming.accounts:
        diag = diagnose.from_code("SETTINGS_INVALID", "incoming", {})
        diag = _replace(
            diag,
            cause="The round trip needs an incoming e-mail account to send to.",
            guide_step="C8",
        )
        return StepOutcome(Status.FAILED, "no incoming account", diag)
    # Send to an incoming mailbox other than the sender's when there is one, so the message
    # really travels from one mailbox to another.
    accounts = ctx.settings.incoming.accounts
    index = next(
        (i for i, a in enumerate(accounts) if a.email.strip().lower() != target.sender.lower()), 0
    )
    inbound = incoming_target(ctx.settings, index)
    tag = uuid.uuid4().hex[:10]
    subject = message_subject(tag)
    ews.send_message(
        ctx.account(target),
        sender=target.sender,
        recipient=inbound.mailbox,
        subject=subject,
        body=message_body("round trip"),
    )
    receiver = ctx.account(inbound)
    started = time.monotonic()
    limit = runner.round_trip_timeout
    while True:
        if ews.has_message(receiver, subject):
            waited = time.monotonic() - started
            return StepOutcome(Status.OK, f"arrived in {inbound.mailbox} after {waited:.0f} s")
        waited = time.monotonic() - started
        if waited >= limit:
            diag = diagnose.from_code(
                "ROUND_TRIP_TIMEOUT", "incoming", {"subject": subject, "waited_s": int(waited)}
            )
            return StepOutcome(
                Status.FAILED, f"not in {inbound.mailbox} after {waited:.0f} s", diag
            )
        from tui.checks.events import CheckEvent

        runner.emit(
            CheckEvent(
                target.name,
                "round trip",
                Status.PROGRESS,
                message=f"waiting for the message in {inbound.mailbox}",
                progress=(int(waited), int(limit)),
            )
        )
        runner.sleep(min(2.0, max(0.1, limit - waited)))


def _replace(diag: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(diag, **changes)


STEP_FUNCTIONS: dict[str, Callable[[StepContext, Target], StepOutcome]] = {
    "settings": step_settings,
    "reach": step_reach,
    "tenant": step_tenant,
    "token": step_token,
    "token contents": step_token_contents,
    "mailbox": step_mailbox,
    "send": step_send,
    "round trip": step_round_trip,
}
