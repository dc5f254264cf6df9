"""EWS request handling as pure functions: parsing, operations, faults (no server)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tui.sandbox import ews, mail
from tui.sandbox.state import load_scenario

M, T = ews.M, ews.T
STATE = load_scenario("ready")
USERS = list(STATE["users"])


def envelope(body: str, header: str = "") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{ews.SOAP}" xmlns:m="{M}" xmlns:t="{T}">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def context(user: str = USERS[0], store: mail.MailStore | None = None) -> ews.Context:
    caller = ews.Caller(app_only=False, user=user, client_id=STATE["primary_app"])
    return ews.Context(caller=caller, state=STATE, store=store or mail.MailStore(), anchor=None)


def messages(answer: bytes) -> list[ET.Element]:
    body = ET.fromstring(answer).find(f"{{{ews.SOAP}}}Body")
    assert body is not None
    found = body[0].find(f"{{{M}}}ResponseMessages")
    assert found is not None
    return list(found)


def send(ctx: ews.Context, to: str, subject: str, disposition: str = "SendOnly") -> bytes:
    item = (
        f'<t:Message><t:Subject>{subject}</t:Subject><t:Body BodyType="Text">b</t:Body>'
        f"<t:ToRecipients><t:Mailbox><t:EmailAddress>{to}</t:EmailAddress></t:Mailbox>"
        f"</t:ToRecipients></t:Message>"
    )
    return ews.handle(
        envelope(
            f'<m:CreateItem MessageDisposition="{disposition}"><m:Items>'
            f"{item}</m:Items></m:CreateItem>"
        ),
        ctx,
    )


def test_get_folder_counts_delivered_mail() -> None:
    store = mail.MailStore()
    send(context(USERS[0], store), USERS[1], "hi")
    answer = ews.handle(
        envelope(
            "<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape>"
            '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
        ),
        context(USERS[1], store),
    )
    (message,) = messages(answer)
    assert message.get("ResponseClass") == "Success"
    assert message.findtext(f"{{{M}}}Folders/{{{T}}}Folder/{{{T}}}TotalCount") == "1"
    assert message.findtext(f"{{{M}}}Folders/{{{T}}}Folder/{{{T}}}UnreadCount") == "1"


def test_find_item_restriction_and_paging() -> None:
    store = mail.MailStore()
    for subject in ("alpha", "beta", "alphabet"):
        send(context(USERS[0], store), USERS[1], subject)
    restriction = (
        '<m:Restriction><t:Contains ContainmentMode="Prefixed" '
        'ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/>'
        '<t:Constant Value="ALPHA"/></t:Contains></m:Restriction>'
    )
    answer = ews.handle(
        envelope(
            '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
            '</m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="1" Offset="0" '
            'BasePoint="Beginning"/>'
            f"{restriction}<m:ParentFolderIds>"
            '<t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds>'
            "</m:FindItem>"
        ),
        context(USERS[1], store),
    )
    root = messages(answer)[0].find(f"{{{M}}}RootFolder")
    assert root is not None
    assert root.get("TotalItemsInView") == "2"
    assert root.get("IncludesLastItemInRange") == "false"
    assert len(root.findall(f"{{{T}}}Items/{{{T}}}Message")) == 1


def test_create_item_needs_recipients_and_own_mailbox() -> None:
    ctx = context()
    answer = ews.handle(
        envelope(
            '<m:CreateItem MessageDisposition="SendOnly"><m:Items>'
            "<t:Message><t:Subject>x</t:Subject></t:Message></m:Items>"
            "</m:CreateItem>"
        ),
        ctx,
    )
    assert messages(answer)[0].findtext(f"{{{M}}}ResponseCode") == "ErrorInvalidRecipients"
    ok = messages(send(ctx, "far@example.org", "out"))[0]
    assert ok.get("ResponseClass") == "Success"
    items = ok.find(f"{{{M}}}Items")
    assert items is not None and len(items) == 0  # empty Items, as Exchange Online sends
    assert ctx.store.outbox[0]["external"] == ["far@example.org"]
    saved = messages(send(ctx, USERS[1], "draft", "SaveOnly"))[0]
    assert saved.find(f"{{{M}}}Items/{{{T}}}Message/{{{T}}}ItemId") is not None
    assert ctx.store.items(USERS[1], "inbox") == []


def test_resolve_names() -> None:
    def resolve(text: str) -> ET.Element:
        return messages(
            ews.handle(
                envelope(
                    f'<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>{text}'
                    f"</m:UnresolvedEntry></m:ResolveNames>"
                ),
                context(),
            )
        )[0]

    assert resolve(f"smtp:{USERS[1]}").get("ResponseClass") == "Success"
    assert resolve("nobody-here").findtext(f"{{{M}}}ResponseCode") == "ErrorNameResolutionNoResults"
    many = resolve("")  # empty matches nothing rather than everyone
    assert many.findtext(f"{{{M}}}ResponseCode") == "ErrorNameResolutionNoResults"


@pytest.mark.parametrize(
    "body, code",
    [
        (b"<<<", "ErrorSchemaValidation"),
        (b"<root/>", "ErrorSchemaValidation"),
        (envelope(""), "ErrorSchemaValidation"),
        (envelope("<m:DeleteItem/>"), "ErrorInvalidOperation"),
        (envelope("<x:Thing xmlns:x='urn:x'/>"), "ErrorSchemaValidation"),
        (envelope("<m:GetFolder/>"), "ErrorSchemaValidation"),
        (envelope("<m:GetFolder><m:FolderIds/></m:GetFolder>"), "ErrorSchemaValidation"),
    ],
)
def test_faults(body: bytes, code: str) -> None:
    with pytest.raises(ews.Fault) as caught:
        ews.handle(body, context())
    assert caught.value.code == code
    fault = ET.fromstring(ews.fault_body(caught.value))
    assert fault.findtext(f".//{{{ews.E}}}ResponseCode") == code


def test_impersonation_rules() -> None:
    app = ews.Context(
        caller=ews.Caller(app_only=True, user=None, client_id="x"),
        state=STATE,
        store=mail.MailStore(),
        anchor=None,
    )
    get_inbox = (
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
        '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
    )
    with pytest.raises(ews.Fault, match="ErrorInvalidExchangeImpersonationHeaderData"):
        ews.handle(envelope(get_inbox), app)
    header = (
        f"<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>{USERS[2]}"
        f"</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
    )
    answer = ews.handle(envelope(get_inbox, header), app)
    assert messages(answer)[0].get("ResponseClass") == "Success"
    assert ews.server_busy(1234).extra_xml.count("1234") == 1
