"""The eight check steps: settings, reach, tenant, token, token contents, mailbox, send, round trip.

Each step function takes the run's :class:`~tui.checks.context.StepContext` and a
:class:`~tui.checks.targets.Target` and returns a :class:`~tui.checks.runner.StepOutcome`;
raising is fine too, the runner diagnoses the exception.
"""

from __future__ import annotations

import platform
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from tui.checks import diagnose, entra, ews
from tui.checks.context import StepContext
from tui.checks.events import Status
from tui.checks.http import last_response
from tui.checks.runner import StepOutcome
from tui.checks.targets import Target, incoming_target

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
    # One problem per field: an empty password is already "missing" for validation.
    known = {p.field for p in problems}
    problems += [p for p in _unresolved_secrets(target) if p.field not in known]
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
        f"{target.mailbox}: {name}, {total} item{'' if total == 1 else 's'}",
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
