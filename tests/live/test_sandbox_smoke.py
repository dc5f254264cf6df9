"""The sandbox's happy path with the real msal and exchangelib: token, inbox, send, receive."""

from __future__ import annotations

import uuid

from tui.sandbox import Sandbox, clients


def test_ready_round_trip(sandbox: Sandbox) -> None:
    sandbox.load_scenario("ready")
    info = sandbox.info
    sender, recipient = info["users"][0], info["users"][1]
    token = clients.ropc_token(info, sender["email"], sender["password"])
    assert "access_token" in token, token
    account = clients.ews_account(info, token, sender["email"])
    assert account.inbox.total_count == 0
    subject = f"round trip {uuid.uuid4()}"
    clients.send_mail(account, recipient["email"], subject, "hello")

    their_token = clients.ropc_token(info, recipient["email"], recipient["password"])
    theirs = clients.ews_account(info, their_token, recipient["email"])
    assert theirs.inbox.total_count == 1
    assert theirs.inbox.all().count() == 1
    assert [m.subject for m in theirs.inbox.filter(subject=subject)] == [subject]
    assert [m["subject"] for m in sandbox.mailbox(recipient["email"])] == [subject]
    assert [m["subject"] for m in sandbox.mailbox(sender["email"], "sentitems")] == [subject]
