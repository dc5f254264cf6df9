"""Conversion between the settings dataclasses and TOML tables (tomlkit), in both directions.

Reading is strict about types and lenient about absence: a missing key keeps the default, a
value of the wrong type is a :class:`FieldError` naming the key path. Writing updates an existing
tomlkit container in place, so the admin's comments, ordering and unknown keys survive.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import types
import typing
from datetime import date, datetime, timezone
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, Union

from tui.settings.domains import parse_polling_interval, whole_number
from tui.settings.model import Account, Secret, Settings
from tui.settings.toml_errors import shown

if TYPE_CHECKING:
    # Writing needs tomlkit; reading takes plain tables (tomllib's), so the wizard's start-up
    # does not import tomlkit: the writing functions import it when they run.
    import tomlkit
    from tomlkit.items import InlineTable

# Fields whose value is a secret; with store_secrets = false they are kept out of the file.
_NONE = object()


class FieldError(ValueError):
    """A value in the file has the wrong type or form."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache  # per type, not per value: a 50-account file asks ~400 times before the first frame
def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


# --- reading -----------------------------------------------------------------------------------


def from_table(cls: type, table: Any, path: str = "") -> Any:
    """Build dataclass ``cls`` from a TOML table (a dict-like); unknown keys are ignored here."""
    if not isinstance(table, dict):
        raise FieldError(path or "(top level)", "expected a table")
    instance = cls()
    for f in dataclasses.fields(cls):
        if f.name not in table:
            continue
        key_path = f"{path}.{f.name}" if path else f.name
        setattr(instance, f.name, _convert(_hints(cls)[f.name], table[f.name], key_path))
    return instance


def _convert(tp: Any, raw: Any, path: str) -> Any:
    tp, optional = _unwrap_optional(tp)
    raw = raw.unwrap() if hasattr(raw, "unwrap") else raw
    if optional and raw is None:
        return None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp is not Secret:
        return from_table(tp, raw, path)
    if tp is Secret:
        if isinstance(raw, str):
            return Secret(value=raw)
        if isinstance(raw, dict) and set(raw) <= {"env"} and isinstance(raw.get("env", ""), str):
            return Secret(env=raw.get("env", ""))
        raise FieldError(path, 'expected a string or { env = "VARIABLE" }')
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(raw)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in tp)
            raise FieldError(path, f"expected one of {allowed}, got {shown(raw)}") from None
    if tp is bool:
        if isinstance(raw, bool):
            return raw
        raise FieldError(path, f"expected true or false, got {shown(raw)}")
    if tp is int:
        number = whole_number(raw)  # an int, or text like "443"; never isdigit() then int()
        if number is not None:
            return number
        raise FieldError(path, f"expected a whole number, got {shown(raw)}")
    if tp is float:
        value: float | None = None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            value = float(raw)
        elif isinstance(raw, str):
            with contextlib.suppress(ValueError):
                value = parse_polling_interval(raw)
        if value is not None and math.isfinite(value):
            return value
        raise FieldError(path, f"expected a finite number, got {shown(raw)}")
    if tp is str:
        if isinstance(raw, str):
            return raw
        raise FieldError(path, f"expected a string, got {shown(raw)}")
    if tp is datetime:
        if isinstance(raw, datetime):
            return raw if raw.tzinfo else raw.replace(tzinfo=timezone.utc)
        if isinstance(raw, date):
            return datetime(raw.year, raw.month, raw.day, tzinfo=timezone.utc)
        if isinstance(raw, str):
            try:
                return _convert(datetime, datetime.fromisoformat(raw), path)
            except ValueError:
                pass
        raise FieldError(path, f"expected a date and time, got {shown(raw)}")
    if typing.get_origin(tp) is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(raw, list):
            raise FieldError(path, "expected a list")
        return [_convert(item_tp, item, f"{path}[{i}]") for i, item in enumerate(raw)]
    raise FieldError(path, f"unsupported type {tp!r}")  # a model change the codec missed


def remove_secret_values(container: Any, cls: type) -> None:
    """Delete every secret written as a value (not an ``{ env = ... }`` reference) from a TOML
    container shaped like dataclass ``cls``: what a backup keeps when secrets must stay out."""
    if not isinstance(container, dict):
        return
    for f in dataclasses.fields(cls):
        tp, _ = _unwrap_optional(_hints(cls)[f.name])
        value = container.get(f.name)
        if tp is Secret:
            if value is not None and not isinstance(value, dict):
                del container[f.name]
        elif isinstance(tp, type) and dataclasses.is_dataclass(tp):
            remove_secret_values(value, tp)
        elif typing.get_origin(tp) is list and isinstance(value, list):
            (item_tp,) = typing.get_args(tp)
            if isinstance(item_tp, type) and dataclasses.is_dataclass(item_tp):
                for row in value:
                    remove_secret_values(row, item_tp)


# --- writing -----------------------------------------------------------------------------------


def to_toml_value(value: Any, store_secrets: bool) -> Any:
    """The TOML form of one field's value, or ``_NONE`` to leave the key out."""
    if isinstance(value, Secret):
        if value.env:
            import tomlkit

            t = tomlkit.inline_table()
            t["env"] = value.env
            return t
        return value.value if store_secrets and value.value else _NONE
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    if value is None:
        return _NONE
    return value


def update_table(container: Any, obj: Any, store_secrets: bool) -> None:
    """Write dataclass ``obj`` into a tomlkit container, changing only what differs."""
    import tomlkit
    from tomlkit.items import Table

    # Plain keys before sub-tables: TOML puts a table's own keys above its [sub.tables].
    ordered = sorted(
        dataclasses.fields(obj),
        key=lambda f: f.name == "accounts" or _is_section(getattr(obj, f.name)),
    )
    for f in ordered:
        value = getattr(obj, f.name)
        if f.name == "accounts":
            _update_accounts(container, value, store_secrets)
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, Secret):
            if f.name not in container or not isinstance(container[f.name], Table | dict):
                if _is_empty(value):
                    continue  # no [outgoing.azure] table just to say "inherit"
                container[f.name] = tomlkit.table()
            update_table(container[f.name], value, store_secrets)
            if not len(container[f.name]) and _is_empty(value):
                del container[f.name]
            continue
        new = to_toml_value(value, store_secrets)
        if new is _NONE:
            if f.name in container:
                del container[f.name]
            continue
        old = container.get(f.name)
        old_plain = old.unwrap() if hasattr(old, "unwrap") else old
        new_plain = new.unwrap() if hasattr(new, "unwrap") else new
        if (
            f.name not in container
            or old_plain != new_plain
            or type(old_plain) is not type(new_plain)
        ):
            container[f.name] = new


def _is_section(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, Secret)


def _is_empty(obj: Any) -> bool:
    return all(getattr(obj, f.name) is None for f in dataclasses.fields(obj))


def _update_accounts(container: Any, accounts: list[Account], store_secrets: bool) -> None:
    import tomlkit
    from tomlkit.items import AoT

    existing = container.get("accounts")
    if not isinstance(existing, AoT):
        existing = tomlkit.aot()
        if accounts:
            container["accounts"] = existing
    # Rows keep their position; a row's unknown keys and comments stay with it.
    while len(existing) > len(accounts):
        existing.body.pop()  # AoT has no __delitem__ in older tomlkit; body is its list
    for i, account in enumerate(accounts):
        if i >= len(existing):
            existing.append(tomlkit.table())
        update_table(existing[i], account, store_secrets)
    if not accounts and "accounts" in container:
        del container["accounts"]


def new_document(settings: Settings) -> tomlkit.TOMLDocument:
    import tomlkit

    doc = tomlkit.document()
    doc.add(
        tomlkit.comment("mailsetup settings: see `mailsetup --help` and the README for each key.")
    )
    update_table(doc, settings, settings.store_secrets)
    return doc


def inline(value: dict[str, Any]) -> InlineTable:
    import tomlkit

    t = tomlkit.inline_table()
    t.update(value)
    return t
