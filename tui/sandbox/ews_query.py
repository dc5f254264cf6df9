"""FindItem's Restriction and SortOrder, evaluated over the sandbox's stored messages.

Covers what exchangelib sends for the usual filters: IsEqualTo / IsNotEqualTo / IsGreaterThan… /
Contains / Exists, combined with And / Or / Not, on subject, body, sender, dates and read state.
An unknown field matches nothing rather than everything, so a test cannot pass by accident.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

T = "http://schemas.microsoft.com/exchange/services/2006/types"

FIELDS = {
    "item:Subject": "subject",
    "item:Body": "body",
    "item:DateTimeReceived": "received",
    "item:DateTimeSent": "sent",
    "item:DateTimeCreated": "sent",
    "message:IsRead": "is_read",
    "message:From": "from",
    "message:Sender": "sender",
}
COMPARISONS = {
    "IsEqualTo": lambda a, b: a == b,
    "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a > b,
    "IsGreaterThanOrEqualTo": lambda a, b: a >= b,
    "IsLessThan": lambda a, b: a < b,
    "IsLessThanOrEqualTo": lambda a, b: a <= b,
}


def _field(element: ET.Element) -> str | None:
    uri = element.find(f"{{{T}}}FieldURI")
    return FIELDS.get(uri.get("FieldURI", "")) if uri is not None else None


def _value(item: dict[str, Any], key: str) -> str:
    value = item.get(key, "")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _normalize_date(text: str) -> str:
    # exchangelib sends "2026-11-25T16:00:00Z" or with an offset; stored dates are UTC "…Z".
    return text.replace("+00:00", "Z")


def matches(node: ET.Element, item: dict[str, Any]) -> bool:
    """Whether ``item`` satisfies a Restriction element (or any node inside one)."""
    kind = node.tag.rpartition("}")[2]
    children = list(node)
    if kind == "Restriction":
        return all(matches(child, item) for child in children)
    if kind == "And":
        return all(matches(child, item) for child in children)
    if kind == "Or":
        return any(matches(child, item) for child in children)
    if kind == "Not":
        return not any(matches(child, item) for child in children)
    key = _field(node)
    if key is None:
        return False
    if kind == "Exists":
        return bool(item.get(key))
    constant = node.find(f"{{{T}}}Constant")
    if constant is None:
        constant = node.find(f"{{{T}}}FieldURIOrConstant/{{{T}}}Constant")
    if constant is None:
        return False
    wanted = constant.get("Value", "")
    have = _value(item, key)
    if key in ("received", "sent"):
        wanted = _normalize_date(wanted)
    if kind == "Contains":
        mode = node.get("ContainmentMode", "FullString")
        ignore_case = "IgnoreCase" in node.get("ContainmentComparison", "")
        if ignore_case:
            have, wanted = have.lower(), wanted.lower()
        if mode == "Prefixed":
            return have.startswith(wanted)
        if mode == "Substring":
            return wanted in have
        return have == wanted
    compare = COMPARISONS.get(kind)
    return bool(compare and compare(have, wanted))


def sort_items(items: list[dict[str, Any]], sort: ET.Element | None) -> list[dict[str, Any]]:
    """Items ordered as the SortOrder asks; newest first by default, as Outlook shows them."""
    orders = list(sort) if sort is not None else []
    result = sorted(items, key=lambda i: i.get("received", ""), reverse=True)
    for order in reversed(orders):
        key = _field(order)
        if key is None:
            continue
        result.sort(key=lambda i, k=key: _value(i, k), reverse=order.get("Order") == "Descending")
    return result
