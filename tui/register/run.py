"""One ``mailsetup register`` run, for the command line and the wizard alike.

Sign in (device code) → read the tenant and the app → plan (or check) → confirm → apply → write
the settings. What the run shows and asks goes through a :class:`Reporter`, so the CLI prints to
the terminal and the wizard draws screens from the very same steps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tui.checks.events import Diagnosis
from tui.register import plan as p
from tui.register import refusals
from tui.register.apply import Applier, Refused, observe
from tui.register.graph import GraphClient, GraphError
from tui.register.signin import DeviceCode, DeviceSignIn, SignInRefused, wait_in_thread
from tui.settings.model import AuthFlow, Secret, Settings


@dataclass
class Options:
    name: str = p.DEFAULT_APP_NAME
    client_id: str = ""  # --client-id: this app or none
    flow: AuthFlow | None = None  # --flow; None: the settings' flow
    secret_months: int = 12
    check: bool = False
    dry_run: bool = False
    yes: bool = False


class Reporter(Protocol):
    """What a run shows and asks; every method is called on the run's thread."""

    def signing_in(self, code: DeviceCode) -> None: ...
    def waiting(self, code: DeviceCode) -> None: ...  # about once a second while polling
    def observed(self, observed: p.Observed) -> None: ...
    def planned(self, actions: list[p.Action]) -> None: ...
    def confirm(self, actions: list[p.Action]) -> bool: ...
    def progress(self, action: p.Action) -> None: ...
    def checked(self, found: list[p.Requirement]) -> None: ...
    def can_show_secret(self) -> bool: ...
    def show_secret_once(self, value: str, end: str) -> None: ...


@dataclass
class Registered:
    """What a run hands back to the settings: the IDs, the flow, a new secret, the ticks."""

    client_id: str
    tenant_id: str
    flow: AuthFlow
    client_secret: str = ""  # only when store_secrets is true
    ticks: tuple[str, ...] = ()

    def apply_to(self, settings: Settings) -> None:
        settings.azure.client_id = self.client_id
        if self.tenant_id:
            settings.azure.tenant_id = self.tenant_id
        settings.azure.auth_flow = self.flow
        if self.client_secret:
            settings.azure.client_secret = Secret(value=self.client_secret)
        for step_id in self.ticks:
            if step_id not in settings.done_steps:
                settings.done_steps.append(step_id)


@dataclass
class Result:
    ok: bool
    tenant_id: str = ""
    client_id: str = ""
    actions: list[p.Action] = field(default_factory=list)
    requirements: list[p.Requirement] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    cancelled: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "actions": [a.to_dict() for a in self.actions],
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
        }
        if self.requirements:
            out["requirements"] = [
                {"step": r.step, "what": r.what, "status": r.status, "detail": r.detail}
                for r in self.requirements
            ]
        return out


def register(
    settings: Settings,
    options: Options,
    reporter: Reporter,
    persist: Callable[[Registered], None],
    cancel: threading.Event | None = None,
) -> Result:
    """The whole run. ``persist`` keeps what was registered (the CLI saves the file, the wizard
    updates its settings); ``cancel`` set from another thread stops the run within a second.
    Raises KeyboardInterrupt when stopped; everything else ends in a Result."""
    stop = cancel or threading.Event()

    def tick(code: DeviceCode) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        reporter.waiting(code)

    from tui.checks.http import CheckSession, effective_verify

    flow = options.flow or settings.azure.auth_flow
    azure = settings.azure
    session = CheckSession(effective_verify(azure.ca_bundle), settings.checks.timeout)
    step = "A1"
    result = Result(ok=False)
    try:
        sign_in = DeviceSignIn(azure, session, flow)
        code = sign_in.start()
        reporter.signing_in(code)
        token = wait_in_thread(sign_in, lambda: tick(code))
        graph = GraphClient(session, azure.graph_host, token, timeout=settings.checks.timeout)
        step = "A8"
        observed = observe(
            graph,
            client_id=options.client_id or azure.client_id.strip(),
            name=options.name,
            by_id_only=bool(options.client_id),
        )
        result.tenant_id, result.client_id = observed.tenant_id, observed.client_id
        reporter.observed(observed)
        if observed.exchange_sp is None and not options.check:
            # Refused before anything is made: an app without Exchange Online would never work.
            raise Refused(
                "NO_EXCHANGE_ONLINE",
                raw={
                    "request": "GET /v1.0/servicePrincipals?$filter=appId eq "
                    f"'{p.EXCHANGE_RESOURCE_APP_ID}'",
                    "answer": "no service principal",
                },
            )
        if options.check:
            result.requirements = p.requirements(observed, flow=flow)
            reporter.checked(result.requirements)
            failed = [r for r in result.requirements if r.status == "failed"]
            result.ok = not failed
            if failed:
                result.diagnosis = _requirement_diagnosis(failed)
            return result
        result.actions = p.plan(
            observed,
            flow=flow,
            name=options.name,
            settings_client_id=azure.client_id,
            settings_tenant_id=azure.tenant_id,
            settings_has_secret=bool(azure.client_secret.resolve()),
            ticked=set(settings.done_steps),
        )
        reporter.planned(result.actions)
        todo = [a for a in result.actions if a.status == "planned"]
        if not todo or options.dry_run:
            result.ok = True
            return result
        if (
            any(a.key == p.SECRET for a in todo)
            and not settings.store_secrets
            and not reporter.can_show_secret()
        ):
            raise Refused("SECRET_NOWHERE")
        if not options.yes and not reporter.confirm(todo):
            result.cancelled = True
            return result
        new_secret: list[str] = []

        def keep_secret(value: str, end: str) -> None:
            if settings.store_secrets:
                new_secret.append(value)
            else:
                reporter.show_secret_once(value, end)

        applier = Applier(
            graph,
            observed,
            flow=flow,
            name=options.name,
            secret_months=options.secret_months,
            keep_secret=keep_secret,
        )
        try:
            for action in todo:
                if stop.is_set():
                    raise KeyboardInterrupt
                step = action.step.split("–")[0]
                if action.key != p.SETTINGS:
                    applier.run(action)
                action.status = "done"
                reporter.progress(action)
        finally:
            result.client_id = observed.client_id
            if observed.app is not None:  # keep what was made, even when a later action failed
                complete = all(a.status != "planned" for a in todo)
                persist(
                    Registered(
                        observed.client_id,
                        observed.tenant_id,
                        flow,
                        new_secret[0] if new_secret else "",
                        p.PORTAL_STEPS_DONE if complete else (),
                    )
                )
        result.ok = True
        return result
    except SignInRefused as exc:
        result.diagnosis = refusals.from_entra(exc.result)
    except GraphError as exc:
        result.diagnosis = refusals.from_graph_error(exc, step)
    except Refused as exc:
        raw = dict(exc.raw) or ({"detail": exc.detail} if exc.detail else {})
        result.diagnosis = refusals.diagnosis(exc.code, raw)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # network, proxy, TLS: the checks' words
        result.diagnosis = refusals.from_exception(exc, step)
    for action in result.actions:
        if action.status == "planned" and result.diagnosis is not None:
            action.status = "failed"
            reporter.progress(action)
            break
    return result


def _requirement_diagnosis(failed: list[p.Requirement]) -> Diagnosis:
    first = failed[0]
    causes = "; ".join(
        f"{r.step} {r.what}: not met" + (f" ({r.detail})" if r.detail else "") for r in failed
    )
    return Diagnosis(
        code=first.code,
        cause=f"The app registration does not meet the guide: {causes}.",
        guide_step=first.step,
        fix="Run `mailsetup register` to fix it (it shows the plan and asks first), or fix it by "
        "hand at the step named.",
        raw={"failed": [r.code for r in failed]},
    )
