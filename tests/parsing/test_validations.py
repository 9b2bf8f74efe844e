"""Global ``fieldValidations``, with Metron's semantics (FieldValidator and its validations)."""

from __future__ import annotations

from typing import Any

import pytest

from metron.errors import ConfigError
from metron.parsing.validations import VALIDATIONS, FieldValidator, build_validators
from metron.stellar import StellarContext


def validator(entry: dict[str, Any], **global_extra: Any) -> tuple[FieldValidator, dict[str, Any]]:
    global_config = {"fieldValidations": [entry], **global_extra}
    (built,) = build_validators(global_config, StellarContext(global_config=global_config))
    return built, global_config


def valid(entry: dict[str, Any], message: dict[str, Any], **global_extra: Any) -> bool:
    built, global_config = validator(entry, **global_extra)
    return built.is_valid(message, global_config)


def test_no_field_validations() -> None:
    assert build_validators({}, StellarContext()) == []
    assert build_validators({"fieldValidations": []}, StellarContext()) == []


def test_inputs() -> None:
    assert validator({"input": "a", "validation": "NOT_EMPTY"})[0].inputs == ["a"]
    assert validator({"input": ["a", "b"], "validation": "NOT_EMPTY"})[0].inputs == ["a", "b"]
    assert validator({"validation": "NOT_EMPTY"})[0].inputs == []


# -- STELLAR ---------------------------------------------------------------------------------


def test_stellar() -> None:
    entry = {"validation": "STELLAR", "config": {"condition": "exists(user) and LENGTH(user) < 9"}}
    assert valid(entry, {"user": "carol"})
    assert not valid(entry, {"user": "a-very-long-name"})
    assert not valid(entry, {"host": "x"})


def test_stellar_sees_its_config_and_the_global_config() -> None:
    entry = {
        "validation": "STELLAR",
        "config": {
            "condition": "MAP_EXISTS(site, known_sites) and level <= max_level",
            "known_sites": {"ams": 1, "fra": 2},
        },
    }
    assert valid(entry, {"site": "fra", "level": 3}, max_level=5)
    assert not valid(entry, {"site": "lhr", "level": 3}, max_level=5)
    assert not valid(entry, {"site": "fra", "level": 7}, max_level=5)


def test_stellar_with_input_sees_only_those_fields() -> None:
    entry = {"input": "a", "validation": "STELLAR", "config": {"condition": "not(exists(b))"}}
    assert valid(entry, {"a": 1, "b": 2})


def test_stellar_non_boolean_result_is_an_error() -> None:
    built, global_config = validator({"validation": "STELLAR", "config": {"condition": "name"}})
    with pytest.raises(Exception, match="does not return a boolean"):
        built.is_valid({"name": "x"}, global_config)


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ({}, "needs 'config.condition'"),
        ({"condition": 5}, "config.condition: expected a string"),
        ({"condition": "exists(a) and"}, "config.condition: invalid Stellar"),
        ({"condition": "1 + 2"}, "does not return a boolean"),
        ({"condition": "NO_SUCH_FN(a)"}, "unknown function"),
    ],
)
def test_stellar_bad_config(config: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        validator({"validation": "STELLAR", "config": config})
    assert "fieldValidations[0]" in str(info.value)
    assert needle in str(info.value)


# -- IP --------------------------------------------------------------------------------------


def test_ip_default_accepts_both_families() -> None:
    entry = {"input": "addr", "validation": "IP"}
    assert valid(entry, {"addr": "172.16.4.20"})
    assert valid(entry, {"addr": "2001:db8::17"})
    assert not valid(entry, {"addr": "172.16.4"})
    assert not valid(entry, {"addr": 3.5})
    assert valid(entry, {})  # a missing field is fine


@pytest.mark.parametrize(
    ("kind", "address", "expected"),
    [
        ("IPV4", "192.0.2.9", True),
        ("IPV4", "2001:db8::1", False),
        ("IPV6", "2001:db8::1", True),
        ("IPV6", "192.0.2.9", False),
        (["IPV4", "IPV6"], "2001:db8::1", True),
        ("ipv6", "192.0.2.9", True),  # not Metron's spelling: both families accepted
    ],
)
def test_ip_types(kind: Any, address: str, expected: bool) -> None:
    entry = {"input": "addr", "validation": "IP", "config": {"type": kind}}
    assert valid(entry, {"addr": address}) is expected


def test_ip_any_valid_input_is_enough() -> None:
    # Metron's IP validation passes as soon as one input field is an address (or null)
    entry = {"input": ["a", "b"], "validation": "IP", "config": {"type": "IPV4"}}
    assert valid(entry, {"a": "bogus", "b": "198.51.100.3"})
    assert not valid(entry, {"a": "bogus", "b": 7})


def test_ip_null_type_in_list_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"fieldValidations\[0\]\.config\.type"):
        validator({"input": "a", "validation": "IP", "config": {"type": ["IPV4", None]}})


# -- DOMAIN, EMAIL, URL, INTEGER -------------------------------------------------------------


@pytest.mark.parametrize(
    ("validation", "good", "bad"),
    [
        ("DOMAIN", "mail.example.org", "example.notatld"),
        ("EMAIL", "ops@corp.example.com", "ops@corp"),
        ("URL", "https://portal.example.com/login", "gopher//example.com"),
        ("INTEGER", "-1200", "12.5"),
    ],
)
def test_simple_validations(validation: str, good: str, bad: str) -> None:
    single = {"input": "f", "validation": validation}
    assert valid(single, {"f": good})
    assert not valid(single, {"f": bad})
    assert not valid(single, {"f": ""})
    assert valid(single, {})  # null fields pass
    both = {"input": ["f", "g"], "validation": validation}
    assert valid(both, {"f": good, "g": good})
    assert not valid(both, {"f": good, "g": bad})
    assert valid(both, {"g": good})


def test_integer_accepts_numbers_as_text() -> None:
    entry = {"input": "n", "validation": "INTEGER"}
    assert valid(entry, {"n": 42})
    assert not valid(entry, {"n": 4.2})
    assert not valid(entry, {"n": " "})


def test_without_input_the_whole_message_is_checked() -> None:
    entry = {"validation": "INTEGER"}
    assert valid(entry, {"a": 1, "b": "2"})
    assert not valid(entry, {"a": 1, "b": "two"})


# -- DATE ------------------------------------------------------------------------------------


def test_date() -> None:
    entry = {"input": "day", "validation": "DATE", "config": {"format": "yyyy/MM/dd"}}
    assert valid(entry, {"day": "2022/11/30"})
    assert not valid(entry, {"day": "2022/11/31"})  # not lenient
    assert not valid(entry, {"day": "2022-11-30"})
    assert valid(entry, {"day": "2022/11/30 trailing"})  # Java parses a prefix
    assert valid(entry, {})


def test_date_stops_at_the_first_null_in_java_order() -> None:
    # inputs iterate in Java HashMap order: 'a' before 'b'
    entry = {"input": ["b", "a"], "validation": "DATE", "config": {"format": "yyyy"}}
    assert valid(entry, {"b": "not a year"})  # 'a' is null: valid without looking at 'b'
    assert not valid(entry, {"a": "nope"})


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ({}, "needs 'config.format'"),
        ({"format": "yyyy-qq"}, "config.format: invalid date format"),
        ({"format": ["yyyy"]}, "expected a string"),
    ],
)
def test_date_bad_config(config: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        validator({"input": "d", "validation": "DATE", "config": config})


# -- REGEX_MATCH -----------------------------------------------------------------------------


def test_regex_match_is_a_whole_match() -> None:
    entry = {
        "input": ["code", "alt"],
        "validation": "REGEX_MATCH",
        "config": {"pattern": "E\\d{3}"},
    }
    assert valid(entry, {"code": "E404"})
    assert not valid(entry, {"code": "xE404"})
    assert not valid(entry, {"code": "E4041"})
    assert not valid(entry, {"code": "E404", "alt": "E5"})
    assert valid(entry, {})


def test_regex_match_java_syntax() -> None:
    entry = {"input": "w", "validation": "REGEX_MATCH", "config": {"pattern": "\\p{Upper}++"}}
    assert valid(entry, {"w": "ABC"})
    assert not valid(entry, {"w": "AbC"})


@pytest.mark.parametrize(
    ("config", "needle"),
    [({}, "needs 'config.pattern'"), ({"pattern": "(a"}, r"config\.pattern")],
)
def test_regex_match_bad_config(config: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        validator({"input": "w", "validation": "REGEX_MATCH", "config": config})


# -- NOT_EMPTY -------------------------------------------------------------------------------


def test_not_empty() -> None:
    entry = {"input": ["a", "b"], "validation": "NOT_EMPTY"}
    assert valid(entry, {"a": "x", "b": 0})
    assert not valid(entry, {"a": "x"})  # missing fields fail
    assert not valid(entry, {"a": "x", "b": " \t"})
    assert not valid(entry, {"a": "", "b": "y"})
    # Java's trim only strips control characters and spaces
    assert valid(entry, {"a": "\u00a0", "b": "y"})


# -- names and config errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cls_name"),
    [
        ("org.apache.metron.common.field.validation.QueryValidation", "STELLAR"),
        ("org.apache.metron.common.field.validation.network.IPValidation", "IP"),
        ("org.apache.metron.common.field.validation.network.DomainValidation", "DOMAIN"),
        ("org.apache.metron.common.field.validation.network.EmailValidation", "EMAIL"),
        ("org.apache.metron.common.field.validation.network.URLValidation", "URL"),
        ("org.apache.metron.common.field.validation.primitive.DateValidation", "DATE"),
        ("org.apache.metron.common.field.validation.primitive.IntegerValidation", "INTEGER"),
        ("org.apache.metron.common.field.validation.primitive.RegexValidation", "REGEX_MATCH"),
        ("org.apache.metron.common.field.validation.primitive.NotEmptyValidation", "NOT_EMPTY"),
    ],
)
def test_metron_class_names(name: str, cls_name: str) -> None:
    assert VALIDATIONS[name] is VALIDATIONS[cls_name]


def test_metron_class_name_builds() -> None:
    entry = {
        "input": "a",
        "validation": "org.apache.metron.common.field.validation.primitive.NotEmptyValidation",
    }
    assert not valid(entry, {})


@pytest.mark.parametrize(
    ("field_validations", "needle"),
    [
        ({"input": "a"}, r"fieldValidations\[0\]: missing key 'validation'"),
        ({"input": "a", "validation": "not_empty"}, "did you mean 'NOT_EMPTY'"),
        ({"input": "a", "validation": "EMAILS"}, "did you mean 'EMAIL'"),
        ({"input": "a", "validation": 3}, r"fieldValidations\[0\]\.validation"),
        ({"input": "a", "validation": "IP", "config": "IPV4"}, r"fieldValidations\[0\]\.config"),
        (
            {"input": "a", "validation": "IP", "conifg": {}},
            "unknown key 'conifg'; did you mean 'config'",
        ),
        ("NOT_EMPTY", r"fieldValidations\[0\]: expected a map"),
    ],
)
def test_bad_entries(field_validations: Any, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        build_validators({"fieldValidations": [field_validations]}, StellarContext())


def test_field_validations_must_be_a_list() -> None:
    with pytest.raises(ConfigError, match="fieldValidations: expected a list"):
        build_validators({"fieldValidations": {"input": "a"}}, StellarContext())


def test_error_names_the_failing_entry() -> None:
    with pytest.raises(ConfigError, match=r"fieldValidations\[1\]"):
        build_validators(
            {"fieldValidations": [{"validation": "NOT_EMPTY"}, {"validation": "DATE"}]},
            StellarContext(),
        )
