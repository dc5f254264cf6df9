"""Measure 2, check overhead: the full outgoing check against the same calls made bare.

(a) is the least a program can do to prove outgoing mail works: msal's
PublicClientApplication with the User name/Password flow, an exchangelib Account on the fixed
EWS URL, the inbox's item count, and ``Message.send``. (b) is ``CheckRunner`` running target
"outgoing" with send, which adds the settings step, the reach probe, tenant discovery, the
token-contents check, diagnosis and redaction. Both use fresh objects every run and close
exchangelib's connections at the end, so both pay for the same TLS handshakes.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from tests.bench.common import Result, alternate, median

TARGET = 1.3
EWS_SCOPE = "https://outlook.office365.com/EWS.AccessAsUser.All"


def bare_check(settings: Any, ews_url: str) -> float:
    """The same msal and exchangelib calls as the check, with no pipeline around them."""
    import msal
    from exchangelib import (
        DELEGATE,
        Account,
        Configuration,
        Mailbox,
        Message,
        OAuth2AuthorizationCodeCredentials,
        close_connections,
    )
    from exchangelib.protocol import BaseProtocol
    from exchangelib.transport import OAUTH2
    from exchangelib.version import EXCHANGE_O365, Version
    from requests.adapters import HTTPAdapter

    from tui.sandbox.clients import http_session

    azure, test = settings.azure, settings.outgoing.test
    ca_file = azure.ca_bundle

    class TrustSandbox(HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            kwargs["verify"] = ca_file
            return super().send(request, *args, **kwargs)

    started = time.perf_counter()
    # msal asks the user realm on port 443 (no port); this session answers that locally, as
    # the checks' own session does.
    session = http_session(ca_file)
    app = msal.PublicClientApplication(
        azure.client_id,
        authority=f"https://{azure.authority_host}/{azure.tenant_id}",
        instance_discovery=False,
        http_client=session,
        timeout=30,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = app.acquire_token_by_username_password(
            test.user_name, test.password.value, scopes=[EWS_SCOPE]
        )
    if "access_token" not in result:
        raise RuntimeError(f"bare check: no token: {result.get('error')}")
    BaseProtocol.HTTP_ADAPTER_CLS = TrustSandbox
    BaseProtocol.TIMEOUT = 30
    credentials = OAuth2AuthorizationCodeCredentials(
        client_id=azure.client_id,
        access_token={"access_token": result["access_token"], "token_type": "Bearer"},
    )
    config = Configuration(
        service_endpoint=ews_url,
        credentials=credentials,
        auth_type=OAUTH2,
        version=Version(build=EXCHANGE_O365),
    )
    account = Account(test.user_name, config=config, autodiscover=False, access_type=DELEGATE)
    account.inbox.total_count  # noqa: B018 - GetFolder, as the mailbox step does
    Message(
        account=account,
        subject="mailsetup bench",
        body="bare",
        to_recipients=[Mailbox(email_address=test.recipient)],
    ).send(save_copy=False)
    close_connections()
    session.close()
    return time.perf_counter() - started


def pipeline_check(settings: Any) -> float:
    from tui.checks import CheckRunner

    started = time.perf_counter()
    report = CheckRunner(settings).run(["outgoing"], send=True)
    elapsed = time.perf_counter() - started
    if not report.ok:
        failed = [(e.step, e.message) for e in report.checks if e.status.value == "failed"]
        raise RuntimeError(f"the outgoing check failed against the sandbox: {failed}")
    return elapsed


def measure(sandbox: Any, runs: int = 9) -> list[Result]:
    settings = sandbox.settings()
    ews_url = sandbox.ews_url  # a Sandbox or a SandboxProcess
    # Warm both once: imports, exchangelib's class caches, the sandbox's first handshakes.
    bare_check(settings, ews_url)
    pipeline_check(settings)
    bare, pipeline = alternate(
        runs, lambda: bare_check(settings, ews_url), lambda: pipeline_check(settings)
    )
    ratio = median(pipeline) / median(bare)
    return [
        Result(
            "2 check overhead (outgoing)",
            f"CheckRunner {median(pipeline) * 1000:.0f} ms vs bare msal+exchangelib "
            f"{median(bare) * 1000:.0f} ms",
            ratio,
            f"<= {TARGET}x",
            ratio <= TARGET,
        )
    ]
