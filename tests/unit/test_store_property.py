"""Property: whatever TOML an admin (or a broken editor) leaves, loading ends in a model or a clear error."""

from __future__ import annotations

from datetime import datetime, timezone

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.settings import Settings
from tui.settings.store import SettingsFileError, settings_from_toml, settings_to_toml

KEYS = {
    None: ["store_secrets", "azure", "outgoing", "incoming", "checks", "other"],
    "azure": ["client_id", "tenant_id", "auth_flow", "client_secret", "authority_host", "ca_bundle"],
    "outgoing": ["email_method", "server_address", "port", "use_ssl", "max_file_size_mb", "test", "azure", "exchange_password"],
    "incoming": ["service", "server_name", "port", "polling_interval", "accounts", "azure"],
    "checks": ["timeout", "concurrency"],
    "test": ["recipient", "sender", "user_name", "password"],
    "accounts": ["email", "user_name", "password", "types", "available_to", "last_validated"],
}

scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(timezones=st.just(timezone.utc)),
    st.sampled_from(["user_password", "client_secret", "exchange_online", "60,00", "CRM"]),
)


def values(depth: int):
    if depth <= 0:
        return scalars
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=3),
        st.lists(st.dictionaries(st.sampled_from(KEYS["accounts"]), scalars, max_size=4), max_size=3),
        st.dictionaries(st.sampled_from(sum(KEYS.values(), [])), st.deferred(lambda: values(depth - 1)), max_size=4),
        st.just({"env": "SOME_VAR"}),
    )


documents = st.dictionaries(st.sampled_from(KEYS[None]), values(2), max_size=5)


def load(text: str) -> Settings | SettingsFileError:
    try:
        return settings_from_toml(text)
    except SettingsFileError as exc:
        assert exc.message
        return exc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_structured_documents_give_a_model_or_a_clear_error(doc):
    try:
        text = tomlkit.dumps(doc)
    except Exception:
        return  # not representable as TOML (e.g. mixed arrays in old tomlkit)
    result = load(text)
    if isinstance(result, Settings):
        # whatever loaded must save and load back to the same model
        assert settings_from_toml(settings_to_toml(result)) == result


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text):
    load(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(['[azure]', '[[incoming.accounts]]', 'port = 1', 'client_id = "x"', '= ', '"', '[', 'a.b = {', 'types = [1, "a"]', '\n', '# c']), max_size=12))
def test_toml_shaped_fragments_never_crash(parts):
    load("\n".join(parts))


def test_non_finite_numbers_are_refused():
    for text in ("[incoming]\npolling_interval = nan\n", '[checks]\ntimeout = "inf"\n'):
        assert isinstance(load(text), SettingsFileError)


def test_datetime_without_timezone_is_taken_as_utc():
    s = settings_from_toml('[[incoming.accounts]]\nemail = "a@b.cd"\nlast_validated = 2026-11-20T08:00:00\n')
    assert s.incoming.accounts[0].last_validated == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
