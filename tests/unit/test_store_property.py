"""Property: whatever TOML an admin (or a broken editor) leaves, loading ends in a model or a clear
error, and validating the model names every value outside its domain without raising."""

from __future__ import annotations

from datetime import datetime, timezone

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.settings import Settings
from tui.settings.store import SettingsFileError, settings_from_toml, settings_to_toml
from tui.settings.validation import validate

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
    """The model or the SettingsFileError; anything else raised fails the property."""
    try:
        settings = settings_from_toml(text)
    except SettingsFileError as exc:
        assert exc.message and len(exc.message) < 400
        return exc
    for problem in validate(settings):  # a loaded model is always judged in words
        assert problem.message and len(problem.message) < 400
    return settings


# Values at the numeric keys, chosen to hit every domain edge: text that str.isdigit() accepts
# but int() refuses, numbers beyond 64 bits and beyond any float, non-finite floats, huge text.
odd_numbers = st.one_of(
    st.integers(),
    st.floats(),
    st.sampled_from([0, -1, 65535, 65536, 1e308, -1e308, 5e-324, 600, 600.0001, 10**30]),
    st.text(alphabet="0123456789-+.,eE²³٣ _", max_size=30),
    st.sampled_from(
        ["²", "--5", "9" * 5000, "1e999", "nan", "-inf", "60,00", " 443 ", "x" * 100_000]
    ),
)
NUMERIC_KEYS = [
    ("outgoing", "port"),
    ("outgoing", "max_file_size_mb"),
    ("incoming", "port"),
    ("incoming", "polling_interval"),
    ("checks", "timeout"),
    ("checks", "concurrency"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(NUMERIC_KEYS), odd_numbers, min_size=1, max_size=4))
def test_numeric_domains_load_or_refuse_and_validate_in_words(values):
    doc: dict = {}
    for (section, key), value in values.items():
        doc.setdefault(section, {})[key] = value
    try:
        text = tomlkit.dumps(doc)
    except Exception:
        return
    result = load(text)
    if isinstance(result, Settings):
        fields = {p.field for p in validate(result)}
        for (section, key), _ in values.items():
            value = getattr(getattr(result, section), key)
            if isinstance(value, float) and not (value == value and abs(value) < float("inf")):
                raise AssertionError(f"{section}.{key} kept a non-finite value")
            if section == "checks" and key == "timeout" and not 0 < value <= 600:
                assert "checks.timeout" in fields
            if key == "port" and not 0 <= value <= 65535:
                assert f"{section}.port" in fields


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
