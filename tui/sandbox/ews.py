"""Exchange Online's EWS side of the sandbox: SOAP in, SOAP out.

Requests are parsed with ``xml.etree`` on qualified names (never prefixes). Supported operations:
GetFolder, FindItem, CreateItem (SendOnly, SendAndSaveCopy, SaveOnly) and ResolveNames — what
exchangelib sends for ``account.inbox``, ``total_count``, ``all().count()``, ``filter(subject=…)``
and ``Message.send()``. Everything else is answered as Exchange answers what it cannot do.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from tui.sandbox import mail
from tui.sandbox.ews_query import matches, sort_items
from tui.sandbox.ews_soap import (
    SOAP,
    SOAP12,
    E,
    Fault,
    M,
    T,
    envelope,
    failure_message,
    fault_body,
    parse,
    schema_fault,
    server_busy,
    success_message,
)

__all__ = [
    "E",
    "M",
    "SOAP",
    "SOAP12",
    "T",
    "Caller",
    "Context",
    "Fault",
    "fault_body",
    "handle",
    "parse",
    "schema_fault",
    "server_busy",
]


@dataclass
class Caller:
    """Who a valid bearer token says is calling."""

    app_only: bool
    user: str | None  # the token's upn for delegated tokens
    client_id: str


@dataclass
class Context:
    caller: Caller
    state: dict[str, Any]
    store: mail.MailStore
    anchor: str | None
    acting: str = ""  # the mailbox the request works as (token user or impersonated user)


def impersonated_address(header: ET.Element | None) -> str | None:
    if header is None:
        return None
    sid = header.find(f"{{{T}}}ExchangeImpersonation/{{{T}}}ConnectingSID")
    if sid is None:
        return None
    for name in ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName"):
        found = sid.find(f"{{{T}}}{name}")
        if found is not None and found.text:
            return found.text.strip().lower()
    return ""


def handle(body: bytes, ctx: Context) -> bytes:
    """The SOAP answer to one request; raises :class:`Fault` for SOAP-level failures."""
    header, operation = parse(body)
    impersonated = impersonated_address(header)
    if ctx.caller.app_only:
        if impersonated is None:
            raise Fault("ErrorInvalidExchangeImpersonationHeaderData")
        ctx.acting = impersonated
    else:
        if impersonated is not None:
            raise Fault(
                "ErrorInvalidExchangeImpersonationHeaderData",
                "ExchangeImpersonation SOAP header must not exist for this type of OAuth token.",
            )
        ctx.acting = (ctx.caller.user or "").lower()
    handlers = {
        f"{{{M}}}GetFolder": get_folder,
        f"{{{M}}}FindItem": find_item,
        f"{{{M}}}GetItem": get_item,
        f"{{{M}}}CreateItem": create_item,
        f"{{{M}}}ResolveNames": resolve_names,
    }
    handler = handlers.get(operation.tag)
    if handler is None:
        local = operation.tag.rpartition("}")[2]
        if operation.tag.startswith(f"{{{M}}}"):
            raise Fault(
                "ErrorInvalidOperation", f"The sandbox tenant does not serve the {local} operation."
            )
        raise schema_fault(f"The element {local!r} is not an EWS operation.")
    return handler(operation, ctx)


def _mailbox_problem(ctx: Context, address: str) -> str | None:
    """The EWS error code for opening ``address`` as the caller, or None when allowed."""
    users = ctx.state["users"]
    acting = users.get(ctx.acting)
    if acting is None or not acting["mailbox"]:
        return "ErrorNonExistentMailbox"
    if address != ctx.acting:
        target = users.get(address)
        if target is None or not target["mailbox"]:
            return "ErrorNonExistentMailbox"
        return "ErrorAccessDenied"  # nobody granted the caller rights on another mailbox
    return None


def _folder_refs(parent: ET.Element | None, ctx: Context) -> list[tuple[str, str] | None]:
    """(mailbox, folder) for each DistinguishedFolderId/FolderId; None for a malformed id."""
    refs: list[tuple[str, str] | None] = []
    if parent is None:
        raise schema_fault("The folder ids are missing.")
    for element in parent:
        if element.tag == f"{{{T}}}DistinguishedFolderId":
            folder = element.get("Id", "")
            address = element.findtext(f"{{{T}}}Mailbox/{{{T}}}EmailAddress")
            mailbox = (address or ctx.anchor or ctx.acting).strip().lower()
            refs.append((mailbox, folder) if folder in mail.FOLDERS else ("", folder))
        elif element.tag == f"{{{T}}}FolderId":
            refs.append(mail.parse_folder_id(element.get("Id", "")))
        else:
            raise schema_fault(f"Unexpected element {element.tag!r} among the folder ids.")
    if not refs:
        raise schema_fault("At least one folder id is required.")
    return refs


def _folder_xml(mailbox: str, folder: str, store: mail.MailStore) -> str:
    total, unread = store.count(mailbox, folder)
    children = 5 if folder in ("root", "msgfolderroot") else 0
    folder_class = (
        "" if folder in ("root", "msgfolderroot") else "<t:FolderClass>IPF.Note</t:FolderClass>"
    )
    return (
        f"<t:Folder><t:FolderId Id={quoteattr(mail.folder_id(mailbox, folder))} "
        f'ChangeKey="{mail.CHANGE_KEY}"/>{folder_class}'
        f"<t:DisplayName>{mail.FOLDER_NAMES[folder]}</t:DisplayName>"
        f"<t:TotalCount>{total}</t:TotalCount><t:ChildFolderCount>{children}</t:ChildFolderCount>"
        f"<t:UnreadCount>{unread}</t:UnreadCount></t:Folder>"
    )


def get_folder(operation: ET.Element, ctx: Context) -> bytes:
    messages = []
    for ref in _folder_refs(operation.find(f"{{{M}}}FolderIds"), ctx):
        if ref is None:
            messages.append(failure_message("GetFolder", "ErrorInvalidIdMalformed", "<m:Folders/>"))
            continue
        mailbox, folder = ref
        problem = _mailbox_problem(ctx, mailbox) if mailbox else "ErrorFolderNotFound"
        if problem:
            messages.append(failure_message("GetFolder", problem, "<m:Folders/>"))
        else:
            inner = f"<m:Folders>{_folder_xml(mailbox, folder, ctx.store)}</m:Folders>"
            messages.append(success_message("GetFolder", inner))
    return envelope("GetFolder", messages)


def _mailbox_xml(tag: str, address: str, ctx: Context) -> str:
    user = ctx.state["users"].get(address.lower())
    name = user["display_name"] if user else address
    return (
        f"<t:{tag}><t:Mailbox><t:Name>{escape(name)}</t:Name><t:EmailAddress>"
        f"{escape(address)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>"
        f"<t:MailboxType>Mailbox</t:MailboxType></t:Mailbox></t:{tag}>"
    )


def _item_xml(item: dict[str, Any], full: bool, ctx: Context) -> str:
    ident = f'<t:ItemId Id={quoteattr(item["id"])} ChangeKey="{item["change_key"]}"/>'
    if not full:
        return f"<t:Message>{ident}</t:Message>"
    recipients = "".join(
        f"<t:Mailbox><t:EmailAddress>{escape(a)}</t:EmailAddress></t:Mailbox>" for a in item["to"]
    )
    return (
        f"<t:Message>{ident}<t:ItemClass>IPM.Note</t:ItemClass>"
        f"<t:Subject>{escape(item.get('subject', ''))}</t:Subject>"
        f'<t:Body BodyType="Text">{escape(item.get("body", ""))}</t:Body>'
        f"<t:DateTimeReceived>{item['received']}</t:DateTimeReceived>"
        f"<t:Size>{len(item.get('body', '')) + 200}</t:Size>"
        f"<t:DateTimeSent>{item['sent']}</t:DateTimeSent>"
        f"<t:DateTimeCreated>{item['sent']}</t:DateTimeCreated>"
        f"<t:HasAttachments>false</t:HasAttachments>"
        + _mailbox_xml("Sender", item["sender"], ctx)
        + f"<t:ToRecipients>{recipients}</t:ToRecipients>"
        + f"<t:IsRead>{'true' if item['is_read'] else 'false'}</t:IsRead>"
        + _mailbox_xml("From", item["from"], ctx)
        + "</t:Message>"
    )


def find_item(operation: ET.Element, ctx: Context) -> bytes:
    shape = operation.findtext(f"{{{M}}}ItemShape/{{{T}}}BaseShape", "IdOnly")
    extra = operation.find(f"{{{M}}}ItemShape/{{{T}}}AdditionalProperties")
    full = shape != "IdOnly" or (extra is not None and len(extra) > 0)
    view = operation.find(f"{{{M}}}IndexedPageItemView")
    offset, limit = 0, 1000
    if view is not None:
        try:
            offset = int(view.get("Offset", "0"))
            limit = int(view.get("MaxEntriesReturned", "1000"))
        except ValueError:
            raise schema_fault("Offset and MaxEntriesReturned must be integers.") from None
    restriction = operation.find(f"{{{M}}}Restriction")
    sort = operation.find(f"{{{M}}}SortOrder")
    messages = []
    for ref in _folder_refs(operation.find(f"{{{M}}}ParentFolderIds"), ctx):
        if ref is None:
            messages.append(failure_message("FindItem", "ErrorInvalidIdMalformed"))
            continue
        mailbox, folder = ref
        problem = _mailbox_problem(ctx, mailbox) if mailbox else "ErrorFolderNotFound"
        if problem:
            messages.append(failure_message("FindItem", problem))
            continue
        items = [
            i
            for i in ctx.store.items(mailbox, folder)
            if restriction is None or matches(restriction, i)
        ]
        items = sort_items(items, sort)
        page = items[offset : offset + max(limit, 0)]
        last = "true" if offset + len(page) >= len(items) else "false"
        inner = (
            f'<m:RootFolder IndexedPagingOffset="{offset + len(page)}" '
            f'TotalItemsInView="{len(items)}" IncludesLastItemInRange="{last}"><t:Items>'
            + "".join(_item_xml(i, full, ctx) for i in page)
            + "</t:Items></m:RootFolder>"
        )
        messages.append(success_message("FindItem", inner))
    return envelope("FindItem", messages)


def get_item(operation: ET.Element, ctx: Context) -> bytes:
    ids = operation.find(f"{{{M}}}ItemIds")
    if ids is None or len(ids) == 0:
        raise schema_fault("GetItem needs at least one ItemId.")
    messages = []
    for element in ids:
        ref = mail.parse_item_id(element.get("Id", ""))
        if ref is None:
            messages.append(failure_message("GetItem", "ErrorInvalidIdMalformed", "<m:Items/>"))
            continue
        problem = _mailbox_problem(ctx, ref[0])
        item = ctx.store.find(ref[0], element.get("Id", "")) if not problem else None
        if problem or item is None:
            messages.append(
                failure_message("GetItem", problem or "ErrorItemNotFound", "<m:Items/>")
            )
            continue
        messages.append(
            success_message("GetItem", f"<m:Items>{_item_xml(item, True, ctx)}</m:Items>")
        )
    return envelope("GetItem", messages)


def _addresses(message: ET.Element, tag: str) -> list[str]:
    return [
        (e.text or "").strip()
        for e in message.iterfind(f"{{{T}}}{tag}/{{{T}}}Mailbox/{{{T}}}EmailAddress")
        if (e.text or "").strip()
    ]


def create_item(operation: ET.Element, ctx: Context) -> bytes:
    disposition = operation.get("MessageDisposition", "SaveOnly")
    if disposition not in ("SaveOnly", "SendOnly", "SendAndSaveCopy"):
        raise schema_fault(f"The MessageDisposition {disposition!r} is not valid.")
    items = operation.find(f"{{{M}}}Items")
    if items is None or len(items) == 0:
        raise schema_fault("CreateItem needs at least one item.")
    save_in = "sentitems" if disposition == "SendAndSaveCopy" else "drafts"
    saved = operation.find(f"{{{M}}}SavedItemFolderId")
    if saved is not None and len(saved) and disposition != "SendOnly":
        ref = _folder_refs(saved, ctx)[0]
        if ref is not None and ref[0] == ctx.acting:
            save_in = ref[1]
    messages = []
    for element in items:
        problem = _mailbox_problem(ctx, ctx.acting)
        if problem:
            messages.append(failure_message("CreateItem", problem, "<m:Items/>"))
            continue
        sender = _addresses(element, "From") or _addresses(element, "Sender")
        if sender and sender[0].lower() != ctx.acting:
            messages.append(failure_message("CreateItem", "ErrorSendAsDenied", "<m:Items/>"))
            continue
        message = {
            "subject": element.findtext(f"{{{T}}}Subject", ""),
            "body": element.findtext(f"{{{T}}}Body", ""),
            "to": _addresses(element, "ToRecipients"),
            "cc": _addresses(element, "CcRecipients"),
            "bcc": _addresses(element, "BccRecipients"),
            "from": ctx.acting,
        }
        if disposition == "SaveOnly":
            stored = ctx.store.save(
                ctx.acting,
                save_in,
                {
                    **message,
                    "sender": ctx.acting,
                    "sent": mail.now_iso(),
                    "received": mail.now_iso(),
                },
            )
            ident = (
                f"<t:Message><t:ItemId Id={quoteattr(stored['id'])} "
                f'ChangeKey="{mail.CHANGE_KEY}"/></t:Message>'
            )
            messages.append(success_message("CreateItem", f"<m:Items>{ident}</m:Items>"))
            continue
        if not (message["to"] or message["cc"] or message["bcc"]):
            messages.append(failure_message("CreateItem", "ErrorInvalidRecipients", "<m:Items/>"))
            continue
        local = {a for a, u in ctx.state["users"].items() if u["mailbox"]}
        ctx.store.send(
            ctx.acting, message, local, save_in if disposition == "SendAndSaveCopy" else None
        )
        messages.append(
            success_message("CreateItem", "<m:Items/>")
        )  # sent items: empty, as EXO does
    return envelope("CreateItem", messages)


def resolve_names(operation: ET.Element, ctx: Context) -> bytes:
    wanted = (operation.findtext(f"{{{M}}}UnresolvedEntry") or "").strip().lower()
    if wanted.startswith("smtp:"):
        wanted = wanted[5:]
    found = [
        (address, user)
        for address, user in ctx.state["users"].items()
        if wanted
        and (
            address == wanted
            or address.startswith(wanted)
            or user["display_name"].lower().startswith(wanted)
        )
    ]
    if not found:
        return envelope(
            "ResolveNames", [failure_message("ResolveNames", "ErrorNameResolutionNoResults")]
        )
    resolutions = "".join(
        f"<t:Resolution><t:Mailbox><t:Name>{escape(user['display_name'])}</t:Name>"
        f"<t:EmailAddress>{escape(address)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>"
        f"<t:MailboxType>Mailbox</t:MailboxType></t:Mailbox></t:Resolution>"
        for address, user in found
    )
    inner = (
        f'<m:ResolutionSet TotalItemsInView="{len(found)}" IncludesLastItemInRange="true">'
        f"{resolutions}</m:ResolutionSet>"
    )
    if len(found) > 1:
        head = failure_message(
            "ResolveNames", "ErrorNameResolutionMultipleResults", inner, cls="Warning"
        )
        return envelope("ResolveNames", [head])
    return envelope("ResolveNames", [success_message("ResolveNames", inner)])
