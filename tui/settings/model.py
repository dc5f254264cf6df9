"""The settings model: one dataclass tree holding every value the guide asks for.

Sections follow the guide: ``azure`` (stage A, the values shared by B6–B8 and C5–C7),
``outgoing`` (stage B, System overall fields 10–23 and the "Check e-mail settings" dialog) and
``incoming`` (stage C, server settings and the accounts table). Where both sections carry the
Azure values, each section has an :class:`AzureOverride` whose ``None`` fields inherit from
``azure``; :meth:`Settings.effective_azure` gives the merged result.

Secrets (passwords, client secret) are :class:`Secret` objects so they never leak through
``repr`` into logs or tracebacks, and so a value can come from an environment variable instead of
the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import Enum
from typing import Literal

DEFAULT_AUTHORITY_HOST = "login.microsoftonline.com"
DEFAULT_GRAPH_HOST = "graph.microsoft.com"
# The public client `mailsetup register` signs the admin in with: Microsoft Graph Command Line
# Tools, a Microsoft first-party app present in every tenant, so no app of our own is needed
# before the app is made.
DEFAULT_ADMIN_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
DEFAULT_EXCHANGE_HOST = "outlook.office365.com"
EWS_PATH = "/EWS/Exchange.asmx"


class AuthFlow(str, Enum):
    """Field 22 / C7: how the app proves who it is to Entra ID."""

    USER_PASSWORD = "user_password"
    CLIENT_SECRET = "client_secret"

    @property
    def label(self) -> str:
        return AUTH_FLOWS[self]


AUTH_FLOWS: dict[AuthFlow, str] = {
    AuthFlow.USER_PASSWORD: "User name/Password",
    AuthFlow.CLIENT_SECRET: "Client secret",
}

# Field 13. Only the Exchange Online method is what this tool sets up and checks; the others
# exist in the ERP client and are kept so a file written there round-trips.
EMAIL_METHODS: dict[str, str] = {
    "exchange_online": "Server based, via Microsoft Exchange Online",
    "smtp": "Server based, via SMTP",
    "client": "Client based (local e-mail program)",
}

# C2.
INCOMING_SERVICES: dict[str, str] = {
    "exchange_online": "Exchange Online",
}

# C12, in the guide's order.
ACCOUNT_TYPES: tuple[str, ...] = (
    "Monitor-to-Monitor",
    "CRM",
    "SRM",
    "Part",
    "Customer order",
    "Case",
    "Quote",
    "Purchase order",
    "Inquiry",
    "Personnel",
    "Project",
)

AVAILABLE_TO_ALL = "Available to all"


class _Record:
    """``repr`` and ``==`` for every dataclass below, written once: ``@dataclass`` would generate
    and compile both for each class, which cost the wizard's start ~3 ms."""

    def __repr__(self) -> str:
        own = fields(self)  # type: ignore[arg-type]  # every subclass is a dataclass
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in own if f.repr)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        own = fields(self)  # type: ignore[arg-type]
        return all(getattr(self, f.name) == getattr(other, f.name) for f in own)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq


@dataclass(repr=False, eq=False)
class Secret(_Record):
    """A password or client secret.

    ``value`` is the secret itself when known; ``env`` names an environment variable to read it
    from instead. ``repr`` never shows the value.
    """

    value: str = ""
    env: str = ""

    def resolve(self, environ: dict[str, str] | None = None) -> str:
        """The secret's value: the stored one, else the named environment variable, else ''."""
        if self.value:
            return self.value
        if self.env:
            return (os.environ if environ is None else environ).get(self.env, "")
        return ""

    @property
    def is_set(self) -> bool:
        return bool(self.value or self.env)

    def masked(self) -> str:
        """What a screen or summary may show."""
        if self.value:
            return "•" * 8
        if self.env:
            return f"${self.env}"
        return ""

    def __repr__(self) -> str:
        shown = "'***'" if self.value else "''"
        return f"Secret(value={shown}, env={self.env!r})"

    __str__ = masked

    def __bool__(self) -> bool:
        return self.is_set


@dataclass(repr=False, eq=False)
class Azure(_Record):
    """Stage A's values (A8) plus how to reach Entra ID."""

    client_id: str = ""  # Application (client) ID, field 20 / C5
    tenant_id: str = ""  # Directory (tenant) ID, field 21 / C6; a GUID or a verified domain
    auth_flow: AuthFlow = AuthFlow.USER_PASSWORD  # field 22 / C7
    client_secret: Secret = field(default_factory=Secret)  # field 23, Client secret flow only
    authority_host: str = DEFAULT_AUTHORITY_HOST  # national clouds: login.microsoftonline.us …
    ca_bundle: str = ""  # PEM file to trust, for networks with TLS inspection
    admin_client_id: str = DEFAULT_ADMIN_CLIENT_ID  # `mailsetup register`: the admin's sign-in app
    # `mailsetup register`: Microsoft Graph (national clouds differ)
    graph_host: str = DEFAULT_GRAPH_HOST

    @property
    def authority(self) -> str:
        return f"https://{self.authority_host}/{self.tenant_id}"


@dataclass(repr=False, eq=False)
class AzureOverride(_Record):
    """Per-section Azure values; ``None`` means "same as stage A"."""

    client_id: str | None = None
    tenant_id: str | None = None
    auth_flow: AuthFlow | None = None
    client_secret: Secret | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(repr=False, eq=False)
class CheckValues(_Record):
    """B10–B13, the "Check e-mail settings" dialog."""

    recipient: str = ""
    sender: str = ""
    user_name: str = ""  # User name (Exchange)
    password: Secret = field(default_factory=Secret)  # Password (Exchange)


@dataclass(repr=False, eq=False)
class Outgoing(_Record):
    """Stage B: System settings, tab System overall, fields 10–23."""

    backup_sender: str = ""  # 10 E-mail sender of backup notification
    exchange_user: str = ""  # 11 User name (Exchange)
    exchange_password: Secret = field(default_factory=Secret)  # 12 Password (Exchange)
    email_method: str = "exchange_online"  # 13 E-mail method
    server_address: str = DEFAULT_EXCHANGE_HOST  # 14 Server address (Exchange/SMTP)
    port: int = 0  # 15 Port (Exchange/SMTP); 0 = default (443)
    smtp_user: str = ""  # 16 User name (SMTP)
    smtp_password: Secret = field(default_factory=Secret)  # 17 Password (SMTP)
    use_ssl: bool = False  # 18 Use SSL
    max_file_size_mb: int = 10  # 19 Maximum size for files in e-mail (MB)
    azure: AzureOverride = field(default_factory=AzureOverride)  # 20–23
    test: CheckValues = field(default_factory=CheckValues)  # B10–B13

    @property
    def ews_url(self) -> str:
        return ews_url(self.server_address, self.port)


@dataclass(repr=False, eq=False)
class Account(_Record):
    """One row of the incoming accounts table (C8–C14)."""

    email: str = ""
    user_name: str = ""
    password: Secret = field(default_factory=Secret)
    types: list[str] = field(default_factory=list)
    available_to: list[str] = field(default_factory=list)  # empty = "Available to all"
    last_validated: datetime | None = None

    @property
    def availability_label(self) -> str:
        return ", ".join(self.available_to) if self.available_to else AVAILABLE_TO_ALL


@dataclass(repr=False, eq=False)
class Incoming(_Record):
    """Stage C: Settings for incoming e-mail."""

    service: str = "exchange_online"  # C2
    server_name: str = DEFAULT_EXCHANGE_HOST  # C3
    port: int = 0  # 0 = default (443)
    polling_interval: float = 60.0  # C4, minutes
    azure: AzureOverride = field(default_factory=AzureOverride)  # C5–C7
    accounts: list[Account] = field(default_factory=list)

    @property
    def ews_url(self) -> str:
        return ews_url(self.server_name, self.port)


@dataclass(repr=False, eq=False)
class CheckOptions(_Record):
    """How live checks behave; not in the guide, but an admin on a slow link needs them."""

    timeout: float = 30.0  # seconds for any one network call
    # Accounts checked at once. EWS limits concurrency per user, not per app, so ten separate
    # mailboxes at once stay far inside what Exchange Online allows.
    concurrency: int = 10


@dataclass(repr=False, eq=False)
class Settings(_Record):
    """The whole tree the wizard edits and the store saves."""

    azure: Azure = field(default_factory=Azure)
    outgoing: Outgoing = field(default_factory=Outgoing)
    incoming: Incoming = field(default_factory=Incoming)
    checks: CheckOptions = field(default_factory=CheckOptions)
    store_secrets: bool = True  # False: passwords stay out of the file
    # Portal steps (A1, A9 …) the admin ticked off in the wizard, so a resumed session shows
    # them done.
    done_steps: list[str] = field(default_factory=list)

    def effective_azure(self, section: Literal["outgoing", "incoming"]) -> Azure:
        """Stage A's Azure values with the section's overrides applied."""
        override: AzureOverride = getattr(self, section).azure
        changes = {
            f.name: getattr(override, f.name)
            for f in fields(override)
            if getattr(override, f.name) is not None
        }
        return replace(self.azure, **changes)

    def secrets(self) -> list[str]:
        """Every secret value known to this tree, for redaction of output and logs."""
        found = [
            self.azure.client_secret,
            self.outgoing.exchange_password,
            self.outgoing.smtp_password,
            self.outgoing.test.password,
            *(a.password for a in self.incoming.accounts),
        ]
        for section in (self.outgoing.azure, self.incoming.azure):
            if section.client_secret is not None:
                found.append(section.client_secret)
        return [v for v in (s.resolve() for s in found) if v]


def ews_url(host: str, port: int) -> str:
    """The EWS endpoint for a server address and port (0 = HTTPS default)."""
    host = host.strip()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    netloc = host if port in (0, 443) else f"{host}:{port}"
    return f"https://{netloc}{EWS_PATH}"
