"""The EWS access rules (org switch, allow list, user-agent policy, mailbox switch, licence)."""

from __future__ import annotations

from typing import Any

import pytest

from tui.sandbox import ews_access
from tui.sandbox.state import load_scenario, merge_patch, normalize

APP = "3f2a8c1e-5b7d-4e19-9a60-2d4c8b1f7e35"
USER = "erp@contoso-sandbox.onmicrosoft.com"
AGENT = "exchangelib/5.6.0 (python-requests/2.34.2)"


def state(patch: dict[str, Any]) -> dict[str, Any]:
    return normalize(merge_patch(load_scenario("ready"), patch))


def refusal(patch: dict[str, Any], client_id: str = APP, mailbox: str | None = USER) -> str | None:
    return ews_access.refusal(state(patch), client_id, mailbox, AGENT)


def test_ready_allows_and_each_switch_refuses() -> None:
    assert refusal({}) is None
    assert refusal({"tenant": {"ews_enabled": False}}) == ews_access.ORG_OFF
    assert refusal({"tenant": {"ews_enabled": None}}) == ews_access.ORG_OFF  # since Oct 2026
    assert refusal({"users": {USER: {"ews_enabled": False}}}) == ews_access.MAILBOX_OFF
    assert refusal({"users": {USER: {"license": "F3"}}}) == ews_access.LICENSE_REFUSED


def test_allow_list_lets_only_listed_apps_in_once_it_holds_an_id() -> None:
    assert refusal({"tenant": {"ews_allowed_app_ids": []}}) is None  # empty: every app
    other = "9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d"
    assert refusal({"tenant": {"ews_allowed_app_ids": [other]}}) == ews_access.APP_NOT_ALLOWED
    assert refusal({"tenant": {"ews_allowed_app_ids": [other, APP]}}) is None
    assert refusal({}, client_id=APP.upper()) is None  # ids compare without case


def test_mailbox_switch_is_per_mailbox_and_unknown_mailboxes_pass_on() -> None:
    off = {"users": {USER: {"ews_enabled": False}}}
    assert refusal(off, mailbox="adele@contoso-sandbox.onmicrosoft.com") is None
    assert refusal(off, mailbox="ghost@contoso-sandbox.onmicrosoft.com") is None
    assert refusal({"users": {USER: {"ews_enabled": True}}}) is None
    assert refusal({"users": {USER: {"mailbox": False, "license": "F1"}}}) is None


@pytest.mark.parametrize(
    ("pattern", "agent", "matches"),
    [
        ("exchangelib/*", AGENT, True),
        ("EXCHANGELIB*", AGENT, True),
        ("exchangelib", AGENT, False),
        ("Outlook*", AGENT, False),
        ("*python-requests*", AGENT, True),
        ("exchangelib/5.6.0 (python-requests/2.34.2)", AGENT, True),
        ("a.b*", "axb", False),  # only * is a wildcard
    ],
)
def test_user_agent_patterns(pattern: str, agent: str, matches: bool) -> None:
    assert ews_access.agent_matches(pattern, agent) is matches


def test_user_agent_policies() -> None:
    allow = {"tenant": {"ews_application_access_policy": "EnforceAllowList"}}
    assert refusal(allow) == ews_access.AGENT_NOT_ALLOWED
    assert refusal(merge_patch(allow, {"tenant": {"ews_allow_list": ["exchangelib/*"]}})) is None
    block = {"tenant": {"ews_application_access_policy": "EnforceBlockList"}}
    assert refusal(block) is None
    assert (
        refusal(merge_patch(block, {"tenant": {"ews_block_list": ["exchangelib/*"]}}))
        == ews_access.AGENT_BLOCKED
    )


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("Office 365 E3", False),
        ("Microsoft 365 E5", False),
        ("Exchange Online Kiosk", True),
        ("Microsoft 365 F1", True),
        ("Office 365 F3", True),
        ("f3", True),
        ("F31", False),  # a word, not a prefix
    ],
)
def test_licence_names(name: str, refused: bool) -> None:
    assert ews_access.license_refused(name) is refused
