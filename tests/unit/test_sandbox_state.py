"""Tenant state: scenario loading, inheritance, validation and merge patches (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.sandbox.state import (
    ScenarioError,
    load_scenario,
    merge_patch,
    normalize,
    public_view,
    secret_expired,
    shipped_scenarios,
)

REQUIRED = {
    "ready",
    "fresh",
    "public-client-flows-off",
    "no-admin-consent",
    "mfa-required",
    "password-expired",
    "account-locked",
    "account-disabled",
    "ews-org-off",
    "ews-app-not-allowed",
    "ews-mailbox-off",
    "token-no-permissions",
    "propagating",
    "throttled",
    "mailbox-missing",
    "secret-expired",
}


def test_all_required_scenarios_ship_and_load() -> None:
    assert set(shipped_scenarios()) >= REQUIRED
    for name in shipped_scenarios():
        state = load_scenario(name)
        assert state["name"] == name
        assert state["description"]
        # Before stage A (mailsetup register starts there) the tenant has no app yet.
        assert state["primary_app"] in state["apps"] or (not state["apps"] and state["admins"])
        assert state["users"]


def test_extends_applies_a_merge_patch() -> None:
    ready = load_scenario("ready")
    mfa = load_scenario("mfa-required")
    first = next(iter(ready["users"]))
    assert mfa["users"][first]["mfa_required"] is True
    assert mfa["users"][first]["password"] == ready["users"][first]["password"]
    assert list(mfa["users"]) == list(ready["users"])  # order kept: the first user is the guide's


def test_merge_patch_follows_rfc_7386() -> None:
    target = {"a": {"b": 1, "c": 2}, "d": [1, 2]}
    assert merge_patch(target, {"a": {"b": None, "e": 3}, "d": [3]}) == {
        "a": {"c": 2, "e": 3},
        "d": [3],
    }
    assert target == {"a": {"b": 1, "c": 2}, "d": [1, 2]}  # not modified in place
    assert merge_patch(target, {"a": "x"}) == {"a": "x", "d": [1, 2]}


def test_normalize_rejects_nonsense() -> None:
    base = load_scenario("ready")
    with pytest.raises(ScenarioError, match="unknown keys"):
        normalize(merge_patch(base, {"users": {"a@b": {"mfa": True}}}))
    with pytest.raises(ScenarioError, match="true or false"):
        normalize(merge_patch(base, {"tenant": {"ews_enabled": "yes"}}))
    with pytest.raises(ScenarioError, match="required"):
        normalize(merge_patch(base, {"tenant": {"id": ""}}))
    with pytest.raises(ScenarioError, match="unknown scenario"):
        load_scenario("no-such-scenario")


def test_scenario_file_of_your_own(tmp_path: Path) -> None:
    own = tmp_path / "class.toml"
    own.write_text('extends = "ready"\ndescription = "Class A"\n[throttling]\nenabled = true\n')
    state = load_scenario(own)
    assert state["name"] == "class" and state["throttling"]["enabled"] is True
    loop = tmp_path / "loop.toml"
    loop.write_text(f'extends = "{loop}"\n')
    with pytest.raises(ScenarioError, match="loops"):
        load_scenario(loop)
    broken = tmp_path / "broken.toml"
    broken.write_text("[tenant\n")
    with pytest.raises(ScenarioError):
        load_scenario(broken)


def test_secret_expiry_and_public_view() -> None:
    assert secret_expired({"expires": "2020-01-01"})
    assert not secret_expired({"expires": "2099-12-31"})
    view = public_view(load_scenario("ready"))
    assert all(u["password"] == "***" for u in view["users"].values())
    assert all(s["value"] == "***" for a in view["apps"].values() for s in a["secrets"])


def test_importing_the_sandbox_stays_light() -> None:
    """No Textual (layering) and no msal/exchangelib (start-up time of ``mailsetup sandbox``)."""
    import subprocess
    import sys

    code = (
        "import sys, tui.sandbox, tui.sandbox.cli, tui.sandbox.server;"
        "print(sorted(m for m in ('textual', 'msal', 'exchangelib') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_ews_switches_are_tri_state_and_checked() -> None:
    """EwsEnabled is true, false or never set ($null): "" in TOML, null in a merge patch."""
    ready = load_scenario("ready")
    assert ready["tenant"]["ews_enabled"] is True
    assert load_scenario("ews-org-off")["tenant"]["ews_enabled"] is None
    assert load_scenario("fresh")["tenant"]["ews_enabled"] is None  # E2 needed in training
    user = next(iter(ready["users"]))
    assert (
        ready["users"][user]["ews_enabled"] is None
        and ready["users"][user]["license"] == "Office 365 E3"
    )
    cleared = normalize(merge_patch(ready, {"tenant": {"ews_enabled": None}}))
    assert cleared["tenant"]["ews_enabled"] is None
    off = normalize(merge_patch(ready, {"users": {user: {"ews_enabled": False}}}))
    assert off["users"][user]["ews_enabled"] is False
    with pytest.raises(ScenarioError, match="true or false"):
        normalize(merge_patch(ready, {"users": {user: {"ews_enabled": 1}}}))
    with pytest.raises(ScenarioError, match="EnforceAllowList"):
        normalize(merge_patch(ready, {"tenant": {"ews_application_access_policy": "Allow"}}))
    with pytest.raises(ScenarioError, match="non-empty strings"):
        normalize(merge_patch(ready, {"tenant": {"ews_allowed_app_ids": [""]}}))
    with pytest.raises(ScenarioError, match="unknown keys"):  # the invented switch is gone
        normalize(merge_patch(ready, {"tenant": {"enforce_ews_allowed_app_ids": True}}))
    upper = normalize(merge_patch(ready, {"tenant": {"ews_allowed_app_ids": ["ABC-1"]}}))
    assert upper["tenant"]["ews_allowed_app_ids"] == ["abc-1"]


def test_new_scenarios_differ_from_ready_only_where_they_say() -> None:
    ready = load_scenario("ready")
    app = ready["primary_app"]
    allowed = load_scenario("ews-app-not-allowed")["tenant"]
    assert allowed["ews_enabled"] is True and allowed["ews_allowed_app_ids"]
    assert app not in allowed["ews_allowed_app_ids"]
    mailbox_off = load_scenario("ews-mailbox-off")["users"]
    assert [u["ews_enabled"] for u in mailbox_off.values()] == [False, None, None]
    no_permissions = load_scenario("token-no-permissions")["propagation"]
    assert no_permissions["ews_no_permissions"] and no_permissions["on_load"]
    assert not no_permissions["token_stale"] and not no_permissions["ews_forbidden"]
