"""A complete mailsetup settings tree for a running sandbox, and writing it as a settings file.

So ``mailsetup sandbox --write-config FILE`` followed by ``mailsetup check --config FILE`` works
with nothing typed by hand: Azure values, the outgoing section with a sender and a recipient, and
every sandbox user as an incoming account, all pointing at 127.0.0.1 and trusting the sandbox CA.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui.settings.model import (
    Account,
    AuthFlow,
    Azure,
    CheckValues,
    Incoming,
    Outgoing,
    Secret,
    Settings,
)

if TYPE_CHECKING:
    from tui.sandbox.sandbox import Sandbox


def settings_for(sandbox: Sandbox) -> Settings:
    info = sandbox.info
    users = info["users"]
    first = users[0] if users else {"email": "", "password": ""}
    # The recipient is another sandbox mailbox when there is one, so the test mail arrives.
    recipient = users[1]["email"] if len(users) > 1 else first["email"]
    secret = info["client_secret"]
    flow = AuthFlow(info["auth_flow"])
    azure = Azure(
        client_id=info["client_id"],
        tenant_id=info["tenant_id"],
        auth_flow=flow,
        client_secret=Secret(value=secret or ""),
        authority_host=info["authority_host"],
        ca_bundle=info["ca_file"],
        admin_client_id=info["admin_client_id"],
        graph_host=info["graph_host"],
    )
    host, port = "127.0.0.1", sandbox.port
    outgoing = Outgoing(
        backup_sender=first["email"],
        exchange_user=first["email"],
        exchange_password=Secret(value=first["password"]),
        email_method="exchange_online",
        server_address=host,
        port=port,
        test=CheckValues(
            recipient=recipient,
            sender=first["email"],
            user_name=first["email"],
            password=Secret(value=first["password"]),
        ),
    )
    incoming = Incoming(
        server_name=host,
        port=port,
        accounts=[
            # One type each, so the file validates clean; C12 says pick what applies.
            Account(
                email=u["email"],
                user_name=u["email"],
                password=Secret(value=u["password"]),
                types=["Monitor-to-Monitor"],
            )
            for u in users
        ],
    )
    return Settings(azure=azure, outgoing=outgoing, incoming=incoming)


def write_settings(settings: Settings, path: Path) -> Path:
    from tui.settings.store import save_settings

    return Path(save_settings(settings, path))
