"""Validation of the settings as pure functions returning problems keyed by field.

The guide's dialogs have their own words for a few problems ("Application (client) ID is
missing", "Directory (tenant) ID is missing", "Incorrect value" for an account's empty user name
or password) and count them ("2 errors"); those words are kept. Everything else is said plainly.
The same functions serve the form fields (``check_*``), the TOML loader and ``mailsetup check``,
so an invalid form and an invalid file say the same thing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import NamedTuple

from tui.guide import field_label, first_step_for_field
from tui.settings.domains import (
    MAX_CONCURRENCY,
    MAX_FILE_SIZE_MB,
    check_ca_bundle,
    check_polling_interval,
    check_port,
    check_timeout,
    whole_number,
)
from tui.settings.domains import parse_polling_interval as parse_polling_interval
from tui.settings.model import (
    ACCOUNT_TYPES,
    EMAIL_METHODS,
    INCOMING_SERVICES,
    AuthFlow,
    Azure,
    Settings,
)
from tui.settings.toml_errors import cut as _cut  # a 10 MB paste is not echoed whole

GUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
# Deliberately simple: one @, no spaces, a dot-separated domain. Entra UPNs and Exchange
# addresses fit; exotic RFC 5322 forms are not worth accepting in an ERP mail setup.
EMAIL_RE = re.compile(
    r"^[^@\s\"<>(),;:\[\]]+"  # local part: no @, space, quote or bracket
    r"@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}$"
)
HOST_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
MAX_EMAIL = 254  # RFC 5321's limit for a forward path; longer is never an address
MAX_HOST = 253

MISSING = {
    "client_id": "Application (client) ID is missing",
    "tenant_id": "Directory (tenant) ID is missing",
}
INCORRECT_VALUE = "Incorrect value"


class Problem(NamedTuple):  # a NamedTuple: a frozen dataclass costs ~1 ms of start-up to create
    """One thing wrong with one field."""

    field: str
    message: str
    severity: str = "error"  # "error" | "warning"

    @property
    def label(self) -> str:
        return field_label(self.field)

    @property
    def step_id(self) -> str:
        found = first_step_for_field(self.field)
        return found.id if found else ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


# --- single values (form fields) -------------------------------------------------------------


def check_client_id(text: str) -> str | None:
    text = text.strip()
    if not text:
        return MISSING["client_id"]
    if not GUID_RE.match(text):
        return "Not an Application (client) ID: expected a GUID like 1b2c3d4e-…-9a0b1c2d3e4f"
    return None


def check_tenant_id(text: str) -> str | None:
    text = text.strip()
    if not text:
        return MISSING["tenant_id"]
    if text.lower() in ("common", "organizations", "consumers"):
        return f"'{text}' is not a tenant: use the Directory (tenant) ID of a single-tenant app"
    if GUID_RE.match(text) or _is_domain(text):
        return None
    return (
        "Not a Directory (tenant) ID: expected a GUID or a verified domain like "
        "contoso.onmicrosoft.com"
    )


def check_email(text: str, *, required: bool = True, what: str = "E-mail address") -> str | None:
    text = text.strip()
    if not text:
        return f"{what} is missing" if required else None
    if len(text) > MAX_EMAIL or not EMAIL_RE.match(text):
        return f"Not an e-mail address: {_cut(text)}"
    return None


def check_host(text: str) -> str | None:
    """A host name, IPv4 or IPv6 address, optionally with ``:port`` (the sandbox uses one)."""
    text = text.strip()
    if not text:
        return "Server address is missing"
    if "://" in text or "/" in text:
        return "Enter only the host name, without https:// or a path (e.g. outlook.office365.com)"
    if len(text) > MAX_HOST + 8:  # a name, a colon and a port at most
        return f"Not a host name: {_cut(text)}"
    host, port = _split_host_port(text)
    if port is not None and check_port(port) is not None:
        return f"Port in '{_cut(text)}' must be a number from 0 to 65535"
    if _is_ip(host) or _is_domain(host, need_dot=False):
        return None
    return f"Not a host name: {_cut(text)}"


def check_client_secret(text: str, *, required: bool = True) -> str | None:
    text = text.strip()
    if not text:
        return "Client secret is missing" if required else None
    if GUID_RE.match(text):
        return (
            "This looks like the secret's ID, not its value: copy the Value column under "
            "Certificates & secrets (it is shown only once, right after the secret is created)"
        )
    return None


# --- whole sections ----------------------------------------------------------------------------


def _azure_problems(azure: Azure, prefix: str, *, need_secret: bool = True) -> list[Problem]:
    out: list[Problem] = []
    for name, check in (("client_id", check_client_id), ("tenant_id", check_tenant_id)):
        message = check(getattr(azure, name))
        if message:
            out.append(Problem(f"{prefix}.{name}", message))
    if azure.auth_flow is AuthFlow.CLIENT_SECRET and need_secret:
        secret = azure.client_secret
        if secret.env and not secret.value:
            pass  # read at check time; a missing variable is reported then
        else:
            message = check_client_secret(secret.value)
            if message:
                out.append(Problem(f"{prefix}.client_secret", message))
    host_problem = check_host(azure.authority_host)
    if host_problem:
        out.append(
            Problem("azure.authority_host", host_problem.replace("Server address", "Sign-in host"))
        )
    # The settings step's promise: a CA bundle that is gone (e.g. a stopped sandbox's) or is not
    # a readable file is named here, before any check tries to load it.
    _add(out, f"{prefix}.ca_bundle", check_ca_bundle(azure.ca_bundle))
    return out


def _section_azure_problems(settings: Settings, section: str) -> list[Problem]:
    """Problems of a section's effective Azure values, keyed to where the value comes from."""
    override = getattr(settings, section).azure
    effective = settings.effective_azure(section)  # type: ignore[arg-type]
    problems = _azure_problems(effective, f"{section}.azure")
    keyed = []
    for p in problems:
        name = p.field.rsplit(".", 1)[1]
        if p.field.startswith(f"{section}.azure.") and getattr(override, name, None) is None:
            p = Problem(f"azure.{name}", p.message, p.severity)
        keyed.append(p)
    return keyed


def validate_azure(settings: Settings) -> list[Problem]:
    """Stage A on its own (what A8 captures); the flow's secret is judged per section."""
    return _azure_problems(settings.azure, "azure", need_secret=False)


def validate_outgoing(settings: Settings) -> list[Problem]:
    """What the outgoing check needs: B's fields, the effective Azure values, B12's test values."""
    out = settings.outgoing
    problems = _section_azure_problems(settings, "outgoing")
    if out.email_method not in EMAIL_METHODS:
        problems.append(
            Problem("outgoing.email_method", f"Unknown e-mail method: {_cut(out.email_method)}")
        )
    elif out.email_method != "exchange_online":
        problems.append(
            Problem(
                "outgoing.email_method",
                f"E-mail method must be '{EMAIL_METHODS['exchange_online']}' for Exchange Online",
            )
        )
    _add(problems, "outgoing.server_address", check_host(out.server_address))
    _add(problems, "outgoing.port", check_port(out.port))
    size = whole_number(out.max_file_size_mb)
    if size is None or not 0 <= size <= MAX_FILE_SIZE_MB:
        problems.append(
            Problem(
                "outgoing.max_file_size_mb",
                f"Maximum size must be a whole number of MB from 0 to {MAX_FILE_SIZE_MB} "
                "(the largest message Exchange Online accepts)",
            )
        )
    _add(problems, "outgoing.backup_sender", check_email(out.backup_sender, required=False))
    t = out.test
    _add(problems, "outgoing.test.recipient", check_email(t.recipient, what="Recipient"))
    _add(problems, "outgoing.test.sender", check_email(t.sender, what="Sender"))
    if settings.effective_azure("outgoing").auth_flow is AuthFlow.USER_PASSWORD:
        if not t.user_name.strip():
            problems.append(Problem("outgoing.test.user_name", "User name (Exchange) is missing"))
        elif not EMAIL_RE.match(t.user_name.strip()):
            problems.append(
                Problem(
                    "outgoing.test.user_name",
                    "User name should be the account's sign-in address (UPN), e.g. erp@contoso.com",
                    "warning",
                )
            )
        if not t.password.is_set and settings.store_secrets:
            problems.append(Problem("outgoing.test.password", "Password (Exchange) is missing"))
        elif t.password.value and t.password.value != t.password.value.strip():
            problems.append(
                Problem(
                    "outgoing.test.password",
                    "Password starts or ends with a space: Entra refuses it",
                    "warning",
                )
            )
    return problems


def validate_account(settings: Settings, index: int) -> list[Problem]:
    """One row of the accounts table (C9–C13)."""
    acc = settings.incoming.accounts[index]
    prefix = f"incoming.accounts[{index}]"
    problems: list[Problem] = []
    _add(problems, f"{prefix}.email", check_email(acc.email))
    if settings.effective_azure("incoming").auth_flow is AuthFlow.USER_PASSWORD:
        if not acc.user_name.strip():
            problems.append(Problem(f"{prefix}.user_name", INCORRECT_VALUE))
        if not acc.password.is_set and settings.store_secrets:
            problems.append(Problem(f"{prefix}.password", INCORRECT_VALUE))
    unknown = [t for t in acc.types if t not in ACCOUNT_TYPES]
    if unknown:
        problems.append(Problem(f"{prefix}.types", f"Unknown type: {_cut(', '.join(unknown))}"))
    if not acc.types:
        problems.append(
            Problem(
                f"{prefix}.types",
                "No type chosen: the account will not be used for anything",
                "warning",
            )
        )
    for i, other in enumerate(settings.incoming.accounts[:index]):
        if other.email.strip().lower() == acc.email.strip().lower() and acc.email.strip():
            problems.append(
                Problem(f"{prefix}.email", f"Duplicate e-mail address (same as row {i + 1})")
            )
            break
    return problems


def validate_incoming(settings: Settings) -> list[Problem]:
    """C's server settings, the effective Azure values and every account."""
    inc = settings.incoming
    problems = _section_azure_problems(settings, "incoming")
    if inc.service not in INCOMING_SERVICES:
        problems.append(Problem("incoming.service", f"Unknown service: {_cut(inc.service)}"))
    _add(problems, "incoming.server_name", check_host(inc.server_name))
    _add(problems, "incoming.port", check_port(inc.port))
    _add(problems, "incoming.polling_interval", check_polling_interval(inc.polling_interval))
    for i in range(len(inc.accounts)):
        problems.extend(validate_account(settings, i))
    return problems


def validate_checks(settings: Settings) -> list[Problem]:
    problems: list[Problem] = []
    _add(problems, "checks.timeout", check_timeout(settings.checks.timeout))
    concurrency = whole_number(settings.checks.concurrency)
    if concurrency is None or not 1 <= concurrency <= MAX_CONCURRENCY:
        problems.append(
            Problem(
                "checks.concurrency",
                f"Accounts checked at once must be from 1 to {MAX_CONCURRENCY}",
            )
        )
    return problems


def validate(settings: Settings) -> list[Problem]:
    """Every problem in the tree, each field reported once."""
    return _unique(
        [
            *validate_azure(settings),
            *validate_outgoing(settings),
            *validate_incoming(settings),
            *validate_checks(settings),
        ]
    )


def summarize(problems: Iterable[Problem]) -> str:
    """The count the guide's dialogs show: "2 errors", "1 error, 1 warning", "" when clean."""
    items = list(problems)
    errors = sum(p.is_error for p in items)
    warnings = len(items) - errors
    parts = []
    if errors:
        parts.append(f"{errors} error" + ("s" if errors != 1 else ""))
    if warnings:
        parts.append(f"{warnings} warning" + ("s" if warnings != 1 else ""))
    return ", ".join(parts)


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


# --- helpers -----------------------------------------------------------------------------------


def _add(problems: list[Problem], field: str, message: str | None) -> None:
    if message:
        problems.append(Problem(field, message))


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.field, p.message) not in seen:
            seen.add((p.field, p.message))
            out.append(p)
    return out


def _split_host_port(text: str) -> tuple[str, str | None]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, port
    return text, None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_domain(text: str, *, need_dot: bool = True) -> bool:
    labels = text.rstrip(".").split(".")
    if need_dot and len(labels) < 2:
        return False
    if labels[-1].isdigit():
        return False  # 10.0.0 is a broken IP, not a domain
    return len(text) <= 253 and all(HOST_LABEL_RE.match(label) for label in labels)


def validate_register(settings: Settings) -> list[Problem]:
    """What ``mailsetup register`` needs: a sign-in host, a Graph host and the admin's sign-in app.

    The tenant and client IDs may be empty here: register finds or creates the app and reads the
    tenant from Microsoft Graph.
    """
    azure = settings.azure
    out: list[Problem] = []
    if azure.tenant_id.strip():
        _add(out, "azure.tenant_id", check_tenant_id(azure.tenant_id))
    if azure.client_id.strip():
        _add(out, "azure.client_id", check_client_id(azure.client_id))
    message = check_client_id(azure.admin_client_id)
    if message:
        _add(
            out,
            "azure.admin_client_id",
            message.replace("Application (client) ID", "Admin sign-in app ID"),
        )
    for name, label in (("authority_host", "Sign-in host"), ("graph_host", "Microsoft Graph host")):
        message = check_host(getattr(azure, name))
        if message:
            out.append(Problem(f"azure.{name}", message.replace("Server address", label)))
    return out
