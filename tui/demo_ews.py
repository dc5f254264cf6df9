"""Training mode, stage E: Exchange Online's EWS switches in the portal, and the EWS mistakes.

E1 shows the tenant as ``Get-OrganizationConfig`` and ``Get-CASMailbox`` would print it
(:func:`ews_state_lines`); E2 and E3 are portal switches (:data:`EWS_STEPS`) that patch the sandbox
state as the guide's PowerShell would change the tenant; the trainer's EWS mistakes
(:data:`EWS_MISTAKES`) break one switch each. Every change goes through ``Sandbox.patch`` and so
takes the tenant's propagation delay, as Exchange's own settings cache does. No Textual here.
"""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Any

from tui.demo import PROPAGATION_SECONDS, Mistake, PortalAction, primary_app
from tui.sandbox.ews_access import agent_matches, license_refused
from tui.sandbox.state import USER_DEFAULTS

OFFICE_E3 = str(USER_DEFAULTS["license"])
FRONTLINE = "Microsoft 365 F3"

EWS_AGENT_PATTERN = "exchangelib/*"  # what E2 adds to EwsAllowList under EnforceAllowList


@functools.cache  # the portal asks every second; the installed version does not change
def exchangelib_agent() -> str:
    """The User-Agent exchangelib sends ("exchangelib/<version> (...)"), without importing it."""
    try:
        version = importlib.metadata.version("exchangelib")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    return f"exchangelib/{version} (python-requests)"


def _agent_allowed(tenant: dict[str, Any]) -> bool:
    agent = exchangelib_agent()
    policy = tenant["ews_application_access_policy"]
    if policy == "EnforceAllowList":
        return any(agent_matches(p, agent) for p in tenant["ews_allow_list"])
    if policy == "EnforceBlockList":
        return not any(agent_matches(p, agent) for p in tenant["ews_block_list"])
    return True


def _org_allows_app(state: dict[str, Any]) -> bool:
    """E2 done: EwsEnabled $true, this app on EwsAllowedAppIDs, exchangelib's agent not kept out."""
    tenant = state["tenant"]
    return (
        tenant["ews_enabled"] is True
        and state["primary_app"] in tenant["ews_allowed_app_ids"]
        and _agent_allowed(tenant)
    )


def _org_allows_app_patch(state: dict[str, Any], on: bool, user: str) -> dict[str, Any]:
    tenant = state["tenant"]
    others = [a for a in tenant["ews_allowed_app_ids"] if a != state["primary_app"]]
    if not on:
        # Taking the app off again; with nobody else on the list, back to "never set" (blocked),
        # since an empty list with EwsEnabled $true would let every app in.
        if others:
            return {"tenant": {"ews_allowed_app_ids": others}}
        return {"tenant": {"ews_enabled": None, "ews_allowed_app_ids": []}}
    change: dict[str, Any] = {
        "ews_enabled": True,
        "ews_allowed_app_ids": [*others, state["primary_app"]],
    }
    if not _agent_allowed(tenant):
        if tenant["ews_application_access_policy"] == "EnforceAllowList":
            change["ews_allow_list"] = [*tenant["ews_allow_list"], EWS_AGENT_PATTERN]
        else:
            agent = exchangelib_agent()
            change["ews_block_list"] = [
                p for p in tenant["ews_block_list"] if not agent_matches(p, agent)
            ]
    return {"tenant": change}


def _mailboxes_allow(state: dict[str, Any]) -> bool:
    """E3 done: no mailbox has its own EwsEnabled set to $false."""
    return all(u["ews_enabled"] is not False for u in state["users"].values() if u["mailbox"])


def _mailboxes_patch(state: dict[str, Any], on: bool, user: str) -> dict[str, Any]:
    if on:
        return {
            "users": {
                email: {"ews_enabled": True}
                for email, u in state["users"].items()
                if u["mailbox"] and u["ews_enabled"] is False
            }
        }
    return {"users": {user: {"ews_enabled": False}}} if user else {}


EWS_STEPS: tuple[PortalAction, ...] = (
    PortalAction(
        "ews-org",
        "E2",
        "E2 Organisation: EwsEnabled $true, this app on EwsAllowedAppIDs",
        _org_allows_app,
        _org_allows_app_patch,
    ),
    PortalAction(
        "ews-mailbox",
        "E3",
        "E3 Mailboxes: EwsEnabled $true where one has it $false",
        _mailboxes_allow,
        _mailboxes_patch,
    ),
)


def _shown(value: Any) -> str:
    """A value as PowerShell's Format-List prints it: $null as nothing, lists in braces."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return "{" + ", ".join(str(v) for v in value) + "}" if value else "{}"
    return str(value)


def ews_state_lines(state: dict[str, Any]) -> list[str]:
    """E1: what Get-OrganizationConfig and Get-CASMailbox would print for this tenant."""
    tenant = state["tenant"]
    lines = ["Get-OrganizationConfig | Format-List EwsEnabled,EwsAllowedAppIDs,..."]
    for name, key in (
        ("EwsEnabled", "ews_enabled"),
        ("EwsAllowedAppIDs", "ews_allowed_app_ids"),
        ("EwsApplicationAccessPolicy", "ews_application_access_policy"),
        ("EwsAllowList", "ews_allow_list"),
        ("EwsBlockList", "ews_block_list"),
    ):
        lines.append(f"  {name:<27}: {_shown(tenant[key])}")
    mailboxes = {e: u for e, u in state["users"].items() if u["mailbox"]}
    width = max((len(e) for e in mailboxes), default=0)
    lines.append("Get-CASMailbox <user> | Format-List EwsEnabled        licence")
    for email, user in mailboxes.items():
        shown = _shown(user["ews_enabled"])
        lines.append(f"  {email:<{width}}  EwsEnabled : {shown:<5}  {user['license']}")
    lines.append("(empty = never set: org blocked since 1 Oct 2026; a mailbox allowed)")
    return lines


OTHER_EWS_APP = (
    "9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d"  # "another vendor's app" in the trainer's list
)
OUTLOOK_ONLY = ["Microsoft Office/*", "OutlookService*"]  # an EwsAllowList without exchangelib


def _other_app_listed(state: dict[str, Any], user: str) -> bool:
    allowed = state["tenant"]["ews_allowed_app_ids"]
    return bool(allowed) and state["primary_app"] not in allowed


def _other_app_patch(state: dict[str, Any], on: bool, user: str) -> dict[str, Any]:
    others = [a for a in state["tenant"]["ews_allowed_app_ids"] if a != state["primary_app"]]
    if on:
        return {"tenant": {"ews_allowed_app_ids": others or [OTHER_EWS_APP]}}
    return {"tenant": {"ews_allowed_app_ids": [*others, state["primary_app"]]}}


def _mailbox_off(state: dict[str, Any], user: str) -> bool:
    return state["users"].get(user, {}).get("ews_enabled") is False


def _kiosk(state: dict[str, Any], user: str) -> bool:
    return license_refused(str(state["users"].get(user, {}).get("license", "")))


def _agent_kept_out(state: dict[str, Any], user: str) -> bool:
    return not _agent_allowed(state["tenant"])


def _no_permissions_patch(state: dict[str, Any], on: bool, user: str) -> dict[str, Any]:
    if not on:
        return {"propagation": {"ews_no_permissions": False}}
    # As after consent: Exchange answers 401 2000008 until it has learnt the app's permissions.
    # Repeating the app's consent "touches" the directory, which starts the delay now.
    return {
        "propagation": {
            "seconds": max(float(state["propagation"]["seconds"]), PROPAGATION_SECONDS),
            "ews_no_permissions": True,
            "on_change": True,
        },
        "apps": {state["primary_app"]: {"admin_consent": primary_app(state).get("admin_consent")}},
    }


EWS_MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "ews-off",
        "Organisation EwsEnabled $false (403; E2)",
        lambda s, u: s["tenant"]["ews_enabled"] is False,
        lambda s, on, u: {"tenant": {"ews_enabled": not on}},
    ),
    Mistake(
        "ews-other-app",
        "EwsAllowedAppIDs lists another app, not this one (403; E2)",
        _other_app_listed,
        _other_app_patch,
    ),
    Mistake(
        "ews-agent",
        "EnforceAllowList without exchangelib's user agent (403; E2)",
        _agent_kept_out,
        lambda s, on, u: {
            "tenant": {
                "ews_application_access_policy": "EnforceAllowList",
                "ews_allow_list": OUTLOOK_ONLY,
            }
            if on
            else {"ews_application_access_policy": ""}
        },
    ),
    Mistake(
        "ews-mailbox-off",
        "The user's mailbox EwsEnabled $false (403; E3)",
        _mailbox_off,
        lambda s, on, u: {"users": {u: {"ews_enabled": False if on else None}}} if u else {},
    ),
    Mistake(
        "kiosk",
        "The user's mailbox has only an F3 licence (403; E3)",
        _kiosk,
        lambda s, on, u: {"users": {u: {"license": FRONTLINE if on else OFFICE_E3}}} if u else {},
    ),
    Mistake(
        "no-permissions",
        "Exchange slow to learn consent (401 2000008 for a minute)",
        lambda s, u: bool(s["propagation"]["ews_no_permissions"]),
        _no_permissions_patch,
    ),
)
