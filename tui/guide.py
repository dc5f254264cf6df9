"""The vendor guide's steps as data: the one source the sidebar, F1 help, diagnoses and summary read.

Every step has a stable id (stage letter + the guide's own number: A1–A19, B1–B13, C1–C15), a
short title, help text written for this tool, and the settings fields it edits (dotted paths into
:class:`tui.settings.Settings`). ``FIELD_LABELS`` gives each field the guide's number and label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

STAGES: dict[str, str] = {
    "A": "App registration",
    "B": "Outgoing e-mail",
    "C": "Incoming e-mail",
}

# A10: the delegated-permission block pasted into the app's manifest (requiredResourceAccess).
EXCHANGE_RESOURCE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
EWS_ACCESS_AS_USER_SCOPE_ID = "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5"  # EWS.AccessAsUser.All
GRAPH_RESOURCE_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_USER_READ_SCOPE_ID = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"  # User.Read

MANIFEST: list[dict[str, object]] = [
    {
        "resourceAppId": EXCHANGE_RESOURCE_APP_ID,
        "resourceAccess": [{"id": EWS_ACCESS_AS_USER_SCOPE_ID, "type": "Scope"}],
    },
    {
        "resourceAppId": GRAPH_RESOURCE_APP_ID,
        "resourceAccess": [{"id": GRAPH_USER_READ_SCOPE_ID, "type": "Scope"}],
    },
]


def manifest_json() -> str:
    """The A10 block exactly as it is pasted into the manifest editor."""
    return json.dumps(MANIFEST, indent=2)


# Field path -> (the guide's field number or step id, the guide's label).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "azure.client_id": ("A8", "Application (client) ID"),
    "azure.tenant_id": ("A8", "Directory (tenant) ID"),
    "azure.auth_flow": ("22", "Authentication flow"),
    "azure.client_secret": ("23", "Client secret"),
    "azure.authority_host": ("", "Sign-in host (authority)"),
    "azure.ca_bundle": ("", "CA bundle file"),
    "outgoing.backup_sender": ("10", "E-mail sender of backup notification"),
    "outgoing.exchange_user": ("11", "User name (Exchange)"),
    "outgoing.exchange_password": ("12", "Password (Exchange)"),
    "outgoing.email_method": ("13", "E-mail method"),
    "outgoing.server_address": ("14", "Server address (Exchange/SMTP)"),
    "outgoing.port": ("15", "Port (Exchange/SMTP)"),
    "outgoing.smtp_user": ("16", "User name (SMTP)"),
    "outgoing.smtp_password": ("17", "Password (SMTP)"),
    "outgoing.use_ssl": ("18", "Use SSL"),
    "outgoing.max_file_size_mb": ("19", "Maximum size for files in e-mail (MB)"),
    "outgoing.azure.client_id": ("20", "Application (client) ID"),
    "outgoing.azure.tenant_id": ("21", "Directory (tenant) ID"),
    "outgoing.azure.auth_flow": ("22", "Authentication flow"),
    "outgoing.azure.client_secret": ("23", "Client secret"),
    "outgoing.test.recipient": ("B12", "Recipient"),
    "outgoing.test.sender": ("B12", "Sender"),
    "outgoing.test.user_name": ("B12", "User name (Exchange)"),
    "outgoing.test.password": ("B12", "Password (Exchange)"),
    "incoming.service": ("C2", "Service"),
    "incoming.server_name": ("C3", "Server name"),
    "incoming.port": ("C3", "Port"),
    "incoming.polling_interval": ("C4", "Polling interval (min)"),
    "incoming.azure.client_id": ("C5", "Application (client) ID"),
    "incoming.azure.tenant_id": ("C6", "Directory (tenant) ID"),
    "incoming.azure.auth_flow": ("C7", "Authentication flow"),
    "incoming.azure.client_secret": ("C7", "Client secret"),
    "incoming.accounts.email": ("C9", "E-mail"),
    "incoming.accounts.user_name": ("C10", "User name"),
    "incoming.accounts.password": ("C11", "Password"),
    "incoming.accounts.types": ("C12", "Type"),
    "incoming.accounts.available_to": ("C13", "Available"),
    "checks.timeout": ("", "Timeout for each network call (s)"),
    "checks.concurrency": ("", "Accounts checked at once"),
}


def field_label(path: str) -> str:
    """The guide's label for a field path; account rows (``incoming.accounts[2].email``) too."""
    key = _strip_index(path)
    return FIELD_LABELS.get(key, ("", key))[1]


def field_number(path: str) -> str:
    return FIELD_LABELS.get(_strip_index(path), ("", ""))[0]


def _strip_index(path: str) -> str:
    head, sep, rest = path.partition("[")
    if not sep:
        return path
    return head + rest.partition("]")[2]


@dataclass(frozen=True)
class Step:
    """One numbered step of the guide."""

    id: str
    title: str
    help: str
    fields: tuple[str, ...] = ()
    kind: str = "portal"  # portal: done outside, ticked off; form: edits fields; check: live test

    @property
    def stage(self) -> str:
        return self.id[0]

    @property
    def number(self) -> int:
        return int(self.id[1:])


def _s(id: str, title: str, help: str, *fields: str, kind: str = "") -> Step:
    return Step(id, title, " ".join(help.split()), tuple(fields), kind or ("form" if fields else "portal"))


STEPS: tuple[Step, ...] = (
    # --- A: app registration in Microsoft Entra ID ---------------------------------------------
    _s("A1", "Sign in to the Azure portal", "TODO"),
    _s("A2", "Open the app registrations area", "TODO"),
    _s("A3", "Open App registrations", "TODO"),
    _s("A4", "Start a new registration", "TODO"),
    _s("A5", "Name the app, single tenant", "TODO"),
    _s("A6", "Register", "TODO"),
    _s("A7", "Open the new app", "TODO"),
    _s("A8", "Copy the client and tenant IDs", "TODO", "azure.client_id", "azure.tenant_id"),
    _s("A9", "Open the Manifest", "TODO"),
    _s("A10", "Paste the permission block", "TODO"),
    _s("A11", "Save the manifest", "TODO"),
    _s("A12", "Open API permissions", "TODO"),
    _s("A13", "Confirm EWS.AccessAsUser.All", "TODO"),
    _s("A14", "Grant admin consent", "TODO"),
    _s("A15", "Check the status is green", "TODO"),
    _s("A16", "Open Authentication", "TODO"),
    _s("A17", "Allow public client flows", "TODO"),
    _s("A18", "Save the authentication settings", "TODO"),
    _s("A19", "Pick a user to test with", "TODO"),
    # --- B: outgoing e-mail (System settings, System overall) ---------------------------------
    _s("B1", "Sign in to the ERP client", "TODO"),
    _s("B2", "Open System settings", "TODO"),
    _s("B3", "Open the System overall tab", "TODO"),
    _s("B4", "E-mail method", "TODO", "outgoing.email_method"),
    _s("B5", "Server address", "TODO", "outgoing.server_address"),
    _s("B6", "Application (client) ID", "TODO", "outgoing.azure.client_id"),
    _s("B7", "Directory (tenant) ID", "TODO", "outgoing.azure.tenant_id"),
    _s("B8", "Authentication flow", "TODO", "outgoing.azure.auth_flow", "outgoing.azure.client_secret"),
    _s("B9", "Port", "TODO", "outgoing.port"),
    _s("B10", "Start Check e-mail settings", "TODO", kind="check"),
    _s("B11", "Method for the check", "TODO", "outgoing.email_method", kind="check"),
    _s(
        "B12",
        "Recipient, sender, user, password",
        "TODO",
        "outgoing.test.recipient",
        "outgoing.test.sender",
        "outgoing.test.user_name",
        "outgoing.test.password",
        kind="check",
    ),
    _s("B13", "Test", "TODO", kind="check"),
    # --- C: incoming e-mail -------------------------------------------------------------------
    _s("C1", "Open incoming e-mail settings", "TODO"),
    _s("C2", "Service", "TODO", "incoming.service"),
    _s("C3", "Server name", "TODO", "incoming.server_name", "incoming.port"),
    _s("C4", "Polling interval", "TODO", "incoming.polling_interval"),
    _s("C5", "Application (client) ID", "TODO", "incoming.azure.client_id"),
    _s("C6", "Directory (tenant) ID", "TODO", "incoming.azure.tenant_id"),
    _s("C7", "Authentication flow", "TODO", "incoming.azure.auth_flow", "incoming.azure.client_secret"),
    _s("C8", "Add an e-mail account", "TODO", kind="form"),
    _s("C9", "E-mail address", "TODO", "incoming.accounts.email"),
    _s("C10", "User name", "TODO", "incoming.accounts.user_name"),
    _s("C11", "Password", "TODO", "incoming.accounts.password"),
    _s("C12", "Types", "TODO", "incoming.accounts.types"),
    _s("C13", "Available", "TODO", "incoming.accounts.available_to"),
    _s("C14", "Validate the address", "TODO", kind="check"),
    _s("C15", "Save", "TODO", kind="form"),
)

_BY_ID: dict[str, Step] = {s.id: s for s in STEPS}


def step(step_id: str) -> Step:
    """The step with this id (``"A17"``); KeyError for an unknown id."""
    return _BY_ID[step_id.upper()]


def steps_of(stage: str) -> tuple[Step, ...]:
    return tuple(s for s in STEPS if s.stage == stage)


def steps_for_field(path: str) -> tuple[Step, ...]:
    """The steps that edit a field, for "go to" from a validation problem."""
    key = _strip_index(path)
    return tuple(s for s in STEPS if key in s.fields)


def first_step_for_field(path: str) -> Step | None:
    """The step to open for a problem on this field; stage A's IDs go to A8."""
    key = _strip_index(path)
    if key.startswith("azure.") and key not in ("azure.client_id", "azure.tenant_id"):
        key = "outgoing." + key  # flow and secret are edited in B8
    found = steps_for_field(key)
    return found[0] if found else None
