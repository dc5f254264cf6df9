"""The mailboxes' contents: folders per mailbox, delivery of sent mail, and the outbox record.

Thread-safe (the server answers on many threads). Item and folder ids are opaque base64 strings
as in EWS, but they encode the mailbox and folder so a later request that names a folder by id
(as exchangelib does after GetFolder) is understood without a lookup table.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import threading
import uuid
from typing import Any

FOLDERS = ("msgfolderroot", "root", "inbox", "sentitems", "drafts", "deleteditems", "outbox")
FOLDER_NAMES = {
    "root": "Top of Information Store",
    "msgfolderroot": "Top of Information Store",
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "drafts": "Drafts",
    "deleteditems": "Deleted Items",
    "outbox": "Outbox",
}
CHANGE_KEY = "AQAAABYAAAA="


def folder_id(mailbox: str, folder: str) -> str:
    return base64.b64encode(f"F|{mailbox.lower()}|{folder}".encode()).decode()


def parse_folder_id(value: str) -> tuple[str, str] | None:
    """(mailbox, folder) of an id this sandbox made, else None."""
    try:
        kind, mailbox, folder = base64.b64decode(value, validate=True).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        return None
    if kind != "F" or folder not in FOLDERS:
        return None
    return mailbox, folder


def parse_item_id(value: str) -> tuple[str, str] | None:
    """(mailbox, unique part) of an item id this sandbox made, else None."""
    try:
        kind, mailbox, unique = base64.b64decode(value, validate=True).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        return None
    return (mailbox, unique) if kind == "I" else None


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class MailStore:
    """Every sandbox mailbox's folders, and every message ever sent through the sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folders: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._outbox: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self._lock:
            self._folders.clear()
            self._outbox.clear()

    def items(self, mailbox: str, folder: str) -> list[dict[str, Any]]:
        """A copy of a folder's messages, oldest first."""
        if folder in ("root", "msgfolderroot"):
            return []
        with self._lock:
            return copy.deepcopy(self._folders.get(mailbox.lower(), {}).get(folder, []))

    def find(self, mailbox: str, item_id: str) -> dict[str, Any] | None:
        with self._lock:
            for items in self._folders.get(mailbox.lower(), {}).values():
                for item in items:
                    if item["id"] == item_id:
                        return copy.deepcopy(item)
        return None

    def count(self, mailbox: str, folder: str) -> tuple[int, int]:
        """(total, unread) of a folder."""
        with self._lock:
            found = self._folders.get(mailbox.lower(), {}).get(folder, [])
            return len(found), sum(1 for m in found if not m["is_read"])

    def _add(self, mailbox: str, folder: str, message: dict[str, Any]) -> dict[str, Any]:
        stored = copy.deepcopy(message)
        stored["id"] = base64.b64encode(f"I|{mailbox}|{uuid.uuid4()}".encode()).decode()
        stored["change_key"] = CHANGE_KEY
        stored["folder"] = folder
        self._folders.setdefault(mailbox.lower(), {}).setdefault(folder, []).append(stored)
        return stored

    def save(self, mailbox: str, folder: str, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._add(mailbox, folder, {**message, "is_read": True}))

    def send(
        self,
        sender: str,
        message: dict[str, Any],
        local_mailboxes: set[str],
        save_copy_in: str | None,
    ) -> dict[str, Any]:
        """Deliver to every local recipient's inbox, record the send, keep a copy if asked."""
        sent_at = now_iso()
        message = {
            **message,
            "from": message.get("from") or sender,
            "sender": sender,
            "sent": sent_at,
            "received": sent_at,
        }
        recipients = [*message.get("to", []), *message.get("cc", []), *message.get("bcc", [])]
        with self._lock:
            delivered = []
            for address in dict.fromkeys(a.lower() for a in recipients):
                if address in local_mailboxes:
                    self._add(address, "inbox", {**message, "is_read": False})
                    delivered.append(address)
            if save_copy_in:
                self._add(sender.lower(), save_copy_in, {**message, "is_read": True})
            record = {
                **copy.deepcopy(message),
                "delivered_to": delivered,
                "external": [
                    a for a in dict.fromkeys(x.lower() for x in recipients) if a not in delivered
                ],
            }
            self._outbox.append(record)
            return copy.deepcopy(record)

    @property
    def outbox(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._outbox)
