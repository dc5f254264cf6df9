"""The vendor guide's steps as data: the one source the sidebar, F1 help, diagnoses and summary
read.

Every step has a stable id (stage letter + the guide's own number: A1–A19, B1–B13, C1–C15), a
short title, help text written for this tool, and the settings fields it edits (dotted paths into
:class:`tui.settings.Settings`). ``FIELD_LABELS`` gives each field the guide's number and label.
"""

from __future__ import annotations

from typing import NamedTuple

# Dict order is the walk's order: stage E (not in the vendor guide) sits between A and B.
STAGES: dict[str, str] = {
    "A": "App registration",
    "E": "Exchange Online: let this app use EWS",
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
    import json  # only for this block: json is not worth importing before the first frame

    return json.dumps(MANIFEST, indent=2)


# Field path -> (the guide's field number or step id, the guide's label).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "azure.client_id": ("A8", "Application (client) ID"),
    "azure.tenant_id": ("A8", "Directory (tenant) ID"),
    "azure.auth_flow": ("22", "Authentication flow"),
    "azure.client_secret": ("23", "Client secret"),
    "azure.authority_host": ("", "Sign-in host (authority)"),
    "azure.ca_bundle": ("", "CA bundle file"),
    "azure.admin_client_id": ("", "Admin sign-in app ID (register)"),
    "azure.graph_host": ("", "Microsoft Graph host (register)"),
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


class Step(NamedTuple):  # a NamedTuple: a frozen dataclass costs ~1 ms of start-up to create
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
    return Step(
        id, title, " ".join(help.split()), tuple(fields), kind or ("form" if fields else "portal")
    )


STEPS: tuple[Step, ...] = (
    # --- A: app registration in Microsoft Entra ID ---------------------------------------------
    _s(
        "A1",
        "Sign in to the Entra admin center",
        "Open entra.microsoft.com (or portal.azure.com) and sign in with an admin account of the "
        "company tenant that holds the mailboxes. You will need an admin role at A14 to grant "
        "consent, so use that account from the start. Your own admin sign-in may ask for MFA; that "
        "is fine, the no-MFA rule only concerns the mailbox accounts used later.",
    ),
    _s(
        "A2",
        "Open Microsoft Entra ID",
        "This step differs from the printed vendor guide, which searches for Azure AD B2C here: "
        "that is a detour, and B2C is not needed for this setup. "
        "In the Entra admin center expand Entra ID in the left menu; in portal.azure.com search "
        "for Microsoft Entra ID and open it. Check the directory name at the top right: it must be "
        "the tenant with your Exchange Online mailboxes.",
    ),
    _s(
        "A3",
        "Open App registrations",
        "Click App registrations. Look at the All applications tab first: if an app for the ERP "
        "already exists you can reuse it instead of creating a second one, but then check every "
        "later step on that app, especially consent and public client flows.",
    ),
    _s(
        "A4",
        "Start a new registration",
        "Click New registration at the top of the list. A form opens with three parts: the name, "
        "the supported account types and an optional redirect URI.",
    ),
    _s(
        "A5",
        "Name the app, single tenant",
        "Give the app a name you will recognise later, for example the ERP product name; it can be "
        "renamed afterwards. Under Supported account types keep Accounts in this organizational "
        "directory only (single tenant). The multitenant and personal-account choices are not "
        "needed and only widen who could sign in to the app.",
    ),
    _s(
        "A6",
        "Register",
        "Leave Redirect URI empty: the user name/password flow does not use one, and a Web "
        "redirect makes Entra expect a client secret, which later shows up as AADSTS7000218. Click "
        "Register; the new app's Overview page opens.",
    ),
    _s(
        "A7",
        "Open the new app",
        "Entra normally jumps straight to the new app's Overview page. If it does not, go back to "
        "App registrations, All applications, and click the app by its name. Steps A8 to A18 all "
        "happen in this app's left-hand menu.",
    ),
    _s(
        "A8",
        "Copy the client and tenant IDs",
        "On the app's Overview page copy Application (client) ID and Directory (tenant) ID, both "
        "GUIDs of the form 8-4-4-4-12 hex digits. For the tenant a verified domain such as "
        "contoso.onmicrosoft.com also works. Do not take the Object ID shown on the same page by "
        "mistake. The wizard reuses both values for B6, B7, C5 and C6.",
        "azure.client_id",
        "azure.tenant_id",
    ),
    _s(
        "A9",
        "Open the Manifest",
        "Click Manifest in the app's left menu. Use the default Microsoft Graph app manifest "
        "editor; the older AAD Graph format is being phased out. In the JSON find the key "
        "requiredResourceAccess: that is where the permission block goes.",
    ),
    _s(
        "A10",
        "Paste the permission block",
        "The wizard shows the block and copies it for you. It asks for two delegated permissions: "
        "EWS.AccessAsUser.All on Office 365 Exchange Online (resource "
        "00000002-0000-0ff1-ce00-000000000000) and User.Read on Microsoft Graph. Paste it as the "
        "value of requiredResourceAccess, replacing the list there; if the app already has other "
        "permissions, add only the two entries and keep the JSON valid.",
    ),
    _s(
        "A11",
        "Save the manifest",
        "Click Save above the editor and wait for the success message. If the portal refuses, the "
        "JSON is broken, usually a missing comma or a bracket pasted twice; fix it and save again. "
        "Leaving the page without saving throws the change away.",
    ),
    _s(
        "A12",
        "Open API permissions",
        "Click API permissions in the left menu. The Configured permissions table should now list "
        "Office 365 Exchange Online and Microsoft Graph. If Exchange is missing, the manifest was "
        "not saved: go back to A10.",
    ),
    _s(
        "A13",
        "Confirm EWS.AccessAsUser.All",
        "Under Office 365 Exchange Online check for EWS.AccessAsUser.All with type Delegated, and "
        "User.Read under Microsoft Graph. Delegated means the ERP acts as the signed-in mailbox "
        "user, which is what the user name/password flow needs. An Application permission such as "
        "full_access_as_app belongs to the client secret flow instead.",
    ),
    _s(
        "A14",
        "Grant admin consent",
        "Click Grant admin consent for your tenant and confirm with Yes. This needs the Privileged "
        "Role Administrator, Cloud Application Administrator or Global Administrator role; without "
        "it the button is greyed out. Without consent every sign-in fails with AADSTS65001. The "
        "permission gives full access to the signed-in user's mailbox.",
    ),
    _s(
        "A15",
        "Check the status is green",
        "Refresh the API permissions page. Every row's Status must show a green tick with Granted "
        "for followed by your tenant's name. Not granted or a warning sign means consent did not "
        "happen: repeat A14 with an admin role. It can take a few minutes before Exchange honours "
        "the consent.",
    ),
    _s(
        "A16",
        "Open Authentication",
        "Click Authentication in the left menu. Do not add a platform or redirect URI here; this "
        "flow needs none. The switch you need is under Advanced settings near the bottom of the "
        "page (in the newer page layout it may sit on a Settings tab).",
    ),
    _s(
        "A17",
        "Allow public client flows",
        "Set Allow public client flows (Enable the following mobile and desktop flows) to Yes. "
        "Without it Entra rejects the ERP's sign-in with AADSTS7000218, as if a client secret were "
        "missing. This flow sends the mailbox password and cannot answer an MFA prompt, so the "
        "mailbox accounts must be excluded from MFA and from Conditional Access policies that "
        "demand it.",
    ),
    _s(
        "A18",
        "Save the authentication settings",
        "Click Save at the bottom of the page and wait for the confirmation. If you leave without "
        "saving, the switch falls back to No and the tests at B13 and C14 fail with AADSTS7000218. "
        "Reload the page once to see that Yes stuck.",
    ),
    _s(
        "A19",
        "Pick a user to test with",
        "In Entra ID, Users, pick the account the ERP will send and read mail with and note its "
        "address (UPN). It must be a licensed work account of this tenant with an Exchange Online "
        "mailbox, not a guest or personal account, and must not be asked for MFA. EWS must also be "
        "allowed until its final switch-off on 1 April 2027: EWSEnabled, and this app's ID in "
        "EwsAllowedAppIDs.",
    ),
    # --- E: Exchange Online lets this app use EWS (not in the vendor guide) -------------------
    # Needed since 1 October 2026, when Exchange Online blocked EWS for tenants that never allowed
    # it; EWS in Exchange Online ends for good on 1 April 2027.
    _s(
        "E1",
        "Read the tenant's EWS switches",
        "This stage is not in the printed vendor guide. Since 1 October 2026 Exchange Online "
        "refuses EWS to every app unless the organisation allows it, and answers with a bare 403. "
        "Connect to Exchange Online PowerShell as an Exchange admin and read the current state "
        "first: the organisation's EwsEnabled, its EwsAllowedAppIDs list, the older "
        "EwsApplicationAccessPolicy with its EwsAllowList, and each mailbox's own EwsEnabled. "
        "Nothing is changed by reading.",
    ),
    _s(
        "E2",
        "Allow EWS for this app",
        "Set the organisation's EwsEnabled to true and add this app's Application (client) ID to "
        "EwsAllowedAppIDs. The set command replaces the whole list, so read it, add the ID and "
        "write every ID back. Once the list holds one ID, only the apps on it can use EWS: any "
        "other tool that still uses EWS needs its own ID there too. If the access policy is "
        "EnforceAllowList, the user agent this tool sends (it starts with exchangelib/) must also "
        "be in EwsAllowList. Changes can take up to 24 hours to reach every server.",
    ),
    _s(
        "E3",
        "Let each mailbox use EWS",
        "A mailbox's own EwsEnabled must be true or empty; false blocks that mailbox even when the "
        "organisation allows EWS. Mailboxes licensed only with Kiosk, F1 or F3 plans are refused "
        "EWS since 30 June 2026, whatever the switches say: they need another licence. EWS in "
        "Exchange Online ends on 1 April 2027; plan the move to Microsoft Graph before then.",
    ),
    # --- B: outgoing e-mail (System settings, System overall) ---------------------------------
    _s(
        "B1",
        "Sign in to the ERP client",
        "Start the Monitor ERP client and sign in with an administrator account. The settings in "
        "stages B and C apply to the whole company, so they need admin rights.",
    ),
    _s(
        "B2",
        "Open System settings",
        "Open the procedure called System settings. It holds the company-wide settings, grouped in "
        "tabs by area.",
    ),
    _s(
        "B3",
        "Open the System overall tab",
        "Click the System overall tab. The fields for this setup are numbered: 13 to 19 under "
        "E-mail and 20 to 23 under Microsoft Entra ID (Azure Exchange/SharePoint). The backup "
        "fields 10 to 12 above them are not part of this setup.",
    ),
    _s(
        "B4",
        "E-mail method",
        "Field 13: choose Server based, via Microsoft Exchange Online. The ERP then sends through "
        "Exchange Web Services (EWS) with an OAuth token, so the SMTP fields 16 and 17 stay empty. "
        "Microsoft switches EWS off for good on 1 April 2027; until then the tenant must allow it "
        "(EWSEnabled, and this app's ID in EwsAllowedAppIDs).",
        "outgoing.email_method",
    ),
    _s(
        "B5",
        "Server address",
        "Field 14: enter outlook.office365.com, the host name only, without https:// and without a "
        "path. An old on-premises address or SMTP host left over from a previous setup, such as "
        "smtp.office365.com or an IP address, is the usual mistake here.",
        "outgoing.server_address",
    ),
    _s(
        "B6",
        "Application (client) ID",
        "Field 20: the Application (client) ID copied at A8; the wizard fills it in from there. It "
        "must be the app that got consent and public client flows. An unknown ID fails with "
        "AADSTS700016; a brand-new app may need a few minutes before Entra knows it.",
        "outgoing.azure.client_id",
    ),
    _s(
        "B7",
        "Directory (tenant) ID",
        "Field 21: the Directory (tenant) ID from A8, or a verified domain such as "
        "contoso.onmicrosoft.com; the wizard fills it in from A8. A wrong value gives AADSTS90002 "
        "(tenant not found). Do not use common or organizations: the app is single tenant.",
        "outgoing.azure.tenant_id",
    ),
    _s(
        "B8",
        "Authentication flow",
        "Field 22: choose User name/Password, the flow this guide sets up. Field 23 Client secret "
        "is only for the other choice, Client secret; with User name/Password leave it empty. If "
        "you do use a secret, paste its Value, shown only once when it is created, not the Secret "
        "ID.",
        "outgoing.azure.auth_flow",
        "outgoing.azure.client_secret",
    ),
    _s(
        "B9",
        "Port",
        "Field 15: the port for the server address. 0 means the default; the guide enters 443, the "
        "HTTPS port Exchange Online uses, and both work. Ports like 25, 587 or 993 belong to SMTP "
        "or IMAP and will not reach EWS.",
        "outgoing.port",
    ),
    _s(
        "B10",
        "Start Check e-mail settings",
        "In the ERP, the green icon next to the server address (field 14) opens the Check e-mail "
        "settings dialog. In this wizard the same check runs live from here: it signs in to Entra "
        "and sends a real test message through Exchange Online.",
        kind="check",
    ),
    _s(
        "B11",
        "Method for the check",
        "E-mail method in the check dialog must be Server based, via Microsoft Exchange Online, "
        "the same as field 13. Testing with another method tests a different path and proves "
        "nothing about this setup.",
        "outgoing.email_method",
        kind="check",
    ),
    _s(
        "B12",
        "Recipient, sender, user, password",
        "Recipient: an address whose inbox you can read. Sender: the test mailbox from A19. User "
        "name (Exchange): that account's sign-in name, usually its address (UPN). Password "
        "(Exchange): its password, without leading or trailing spaces. An account that is asked "
        "for MFA fails with AADSTS50076.",
        "outgoing.test.recipient",
        "outgoing.test.sender",
        "outgoing.test.user_name",
        "outgoing.test.password",
        kind="check",
    ),
    _s(
        "B13",
        "Test",
        "Press Test: the result reads OK! when sign-in and sending both work. A 403 Forbidden "
        "means Exchange Online does not let this app use EWS: stage E (E2, or E3 for one "
        "mailbox). Right after an allow-list change or consent it can also just be the tenant "
        "catching up, so the check tries again for a few minutes. A 401 means the token was "
        "refused, never that EWS is blocked: the diagnosis names the step.",
        kind="check",
    ),
    # --- C: incoming e-mail -------------------------------------------------------------------
    _s(
        "C1",
        "Open incoming e-mail settings",
        "In the ERP client open the procedure Settings for incoming e-mail. The top part holds the "
        "server settings shared by all accounts; the E-mail accounts table below lists the "
        "mailboxes the ERP reads, and problems appear in an error summary at the bottom.",
    ),
    _s(
        "C2",
        "Service",
        "Choose Exchange Online: the ERP then reads the mailboxes over EWS with the same Entra app "
        "as outgoing mail. EWS in Exchange Online goes off for good on 1 April 2027; until then "
        "the tenant needs EWSEnabled and this app's ID in EwsAllowedAppIDs. Set-OrganizationConfig "
        "replaces that whole list, so include the IDs already there.",
        "incoming.service",
    ),
    _s(
        "C3",
        "Server name",
        "Server name: outlook.office365.com, the same host as field 14, without https:// or a "
        "path. Port: 0 means the default (HTTPS); 443 works too.",
        "incoming.server_name",
        "incoming.port",
    ),
    _s(
        "C4",
        "Polling interval",
        "How often, in minutes, the ERP looks for new mail in each account. The field takes a "
        "decimal comma: 60,00 checks once an hour, 15,00 every quarter of an hour. Very short "
        "intervals over many accounts only add load and can get EWS throttled.",
        "incoming.polling_interval",
    ),
    _s(
        "C5",
        "Application (client) ID",
        "The same Application (client) ID as A8 and field 20; the wizard fills it in. While it is "
        "empty the ERP lists Application (client) ID is missing. An ID from another app "
        "registration fails with AADSTS700016.",
        "incoming.azure.client_id",
    ),
    _s(
        "C6",
        "Directory (tenant) ID",
        "The same Directory (tenant) ID as A8 and field 21, or the verified domain such as "
        "contoso.onmicrosoft.com; the wizard fills it in. While it is empty the ERP lists "
        "Directory (tenant) ID is missing; a wrong value gives AADSTS90002.",
        "incoming.azure.tenant_id",
    ),
    _s(
        "C7",
        "Authentication flow",
        "Choose User name/Password, as in field 22. Client secret stays empty with this flow; it "
        "is only for the Client secret flow, and then it takes the secret's Value, not its Secret "
        "ID. Each account below signs in with its own user name and password.",
        "incoming.azure.auth_flow",
        "incoming.azure.client_secret",
    ),
    _s(
        "C8",
        "Add an e-mail account",
        "Add a row to the E-mail accounts table with the plus icon or F5. Every mailbox the ERP "
        "should read needs its own row. Until the row's user name and password are filled in, the "
        "error summary shows Incorrect value for them.",
        kind="form",
    ),
    _s(
        "C9",
        "E-mail address",
        "The address of the mailbox to read, for example the test user from A19 or an inbox such "
        "as orders@contoso.com. It must be an Exchange Online mailbox in this tenant. If the "
        "account that signs in (C10) is not the mailbox's owner, that account needs Full Access to "
        "it.",
        "incoming.accounts.email",
    ),
    _s(
        "C10",
        "User name",
        "The account that signs in, usually the same UPN as the address (user@contoso.com), not a "
        "display name or an old domain login. An empty user name is reported as Incorrect value. "
        "The account must not be asked for MFA.",
        "incoming.accounts.user_name",
    ),
    _s(
        "C11",
        "Password",
        "That account's password, exactly, without leading or trailing spaces. An empty password "
        "is reported as Incorrect value; a wrong one gives AADSTS50126, and repeated attempts can "
        "lock the account (AADSTS50053), so check it before retrying. When the password changes, "
        "update it here too.",
        "incoming.accounts.password",
    ),
    _s(
        "C12",
        "Types",
        "What the ERP does with mail arriving in this mailbox. There are eleven types: "
        "Monitor-to-Monitor, CRM, SRM, Part, Customer order, Case, Quote, Purchase order, Inquiry, "
        "Personnel and Project. Several may apply to one account; tick only those the mailbox is "
        "really used for.",
        "incoming.accounts.types",
    ),
    _s(
        "C13",
        "Available",
        "Who in the ERP may use this account. Available to all is the default; you can instead "
        "limit it to named users or groups, for example keep a personnel mailbox to HR.",
        "incoming.accounts.available_to",
    ),
    _s(
        "C14",
        "Validate the address",
        "In the ERP the green icon validates the selected account. In this wizard validate runs a "
        "live check: it signs in with the account's user name and password, opens its inbox over "
        "EWS and names the exact Entra or Exchange error if something fails. A 403 right after "
        "setup usually clears after a few minutes.",
        kind="check",
    ),
    _s(
        "C15",
        "Save",
        "Press Save, then close the procedure. Check first that the error summary is empty and "
        "every account validated at C14; the ERP reads the saved accounts at the interval set at "
        "C4.",
        kind="form",
    ),
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
