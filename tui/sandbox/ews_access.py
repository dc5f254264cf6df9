"""Who may use EWS at all: Exchange Online's access switches, enforced as Microsoft describes them.

Sources (learn.microsoft.com "Control access to EWS in Exchange"; message center MC1015893 and
MC1191578; the Test-EWSAppAccess page of David-Barrett-MS/PowerShell-EWS-Scripts, August 2026):

- the organisation's ``EwsEnabled`` (Set-OrganizationConfig) must be ``$true``. Since April 2025
  ``$true`` or empty was enough; from 1 October 2026 a tenant that never set it is blocked;
- ``EwsAllowedAppIDs``: once it holds one or more ids, only those apps may use EWS;
- ``EwsApplicationAccessPolicy`` ``EnforceAllowList`` lets in only user agents matching
  ``EwsAllowList``; ``EnforceBlockList`` keeps out those matching ``EwsBlockList``;
- the mailbox's own ``EwsEnabled`` (Set-CASMailbox) must be ``$true`` or empty;
- mailboxes licensed only with Kiosk, F1 or F3 are refused since 30 June 2026 (MC1191578).

Every refusal is the same bare ``403`` with an empty body ("403 is policy block", Microsoft's
EWS engineer in PowerShell-EWS-Scripts issue 62; no public sample shows a body naming the switch,
so none is sent). :func:`refusal` returns which rule refused, for logs and tests only: it never
reaches the wire.
"""

from __future__ import annotations

import re
from typing import Any

from tui.sandbox.state import EWS_REFUSED_LICENSES

ORG_OFF = "organisation EwsEnabled is not $true"
APP_NOT_ALLOWED = "client id not on EwsAllowedAppIDs"
AGENT_NOT_ALLOWED = "user agent not on EwsAllowList (EnforceAllowList)"
AGENT_BLOCKED = "user agent on EwsBlockList (EnforceBlockList)"
MAILBOX_OFF = "mailbox EwsEnabled is $false"
LICENSE_REFUSED = "mailbox licensed only with Kiosk/F1/F3"


def agent_matches(pattern: str, user_agent: str) -> bool:
    """An EwsAllowList/EwsBlockList entry against a User-Agent; ``*`` is the only wildcard."""
    expression = ".*".join(re.escape(part) for part in pattern.strip().split("*"))
    return re.fullmatch(expression, user_agent.strip(), re.IGNORECASE) is not None


def license_refused(name: str) -> bool:
    """Whether a licence name is a Kiosk/F1/F3 one ("Exchange Online Kiosk", "Microsoft 365 F3")."""
    return not set(re.split(r"\W+", name.lower())).isdisjoint(EWS_REFUSED_LICENSES)


def refusal(
    state: dict[str, Any], client_id: str, mailbox: str | None, user_agent: str
) -> str | None:
    """Why Exchange Online refuses this app/mailbox/user agent EWS (a 403), or None if allowed.

    ``state`` is the tenant as Exchange sees it (during propagation: as it was before the change).
    ``mailbox`` is the one the request works on (the token's user, or the impersonated mailbox);
    an unknown mailbox is not refused here: EWS answers it with ErrorNonExistentMailbox later.
    """
    tenant = state["tenant"]
    if tenant["ews_enabled"] is not True:
        return ORG_OFF
    allowed = tenant["ews_allowed_app_ids"]
    if allowed and client_id.lower() not in allowed:
        return APP_NOT_ALLOWED
    policy = tenant["ews_application_access_policy"]
    if policy == "EnforceAllowList" and not any(
        agent_matches(p, user_agent) for p in tenant["ews_allow_list"]
    ):
        return AGENT_NOT_ALLOWED
    if policy == "EnforceBlockList" and any(
        agent_matches(p, user_agent) for p in tenant["ews_block_list"]
    ):
        return AGENT_BLOCKED
    user = state["users"].get((mailbox or "").lower())
    if user is None or not user["mailbox"]:
        return None
    if user["ews_enabled"] is False:
        return MAILBOX_OFF
    if license_refused(str(user["license"])):
        return LICENSE_REFUSED
    return None
