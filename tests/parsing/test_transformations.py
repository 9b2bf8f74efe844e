"""Field transformations, with Metron's semantics (FieldTransformer and its transformations)."""

from __future__ import annotations

from typing import Any

import pytest

from metron.errors import ConfigError
from metron.parsing.config import FieldTransformationConfig
from metron.parsing.transformations import (
    TRANSFORMATIONS,
    FieldTransformer,
    TransformationError,
    build_transformers,
)
from metron.stellar import StellarContext
from metron.stellar.types import Long


def build(*entries: dict[str, Any]) -> list[FieldTransformer]:
    return build_transformers(
        [FieldTransformationConfig.model_validate(e) for e in entries], StellarContext()
    )


def run(
    entries: list[dict[str, Any]] | dict[str, Any],
    message: dict[str, Any],
    parser_config: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    items = entries if isinstance(entries, list) else [entries]
    for transformer in build(*items):
        transformer.transform(message, parser_config or {}, metadata or {})
    return message


# -- STELLAR ---------------------------------------------------------------------------------


def test_stellar_writes_outputs_and_keeps_other_fields() -> None:
    out = run(
        {
            "transformation": "STELLAR",
            "output": ["host", "scheme"],
            "config": {"host": "URL_TO_HOST(url)", "scheme": "URL_TO_PROTOCOL(url)"},
        },
        {"url": "https://files.example.net/a/b.txt", "bytes": 12},
    )
    assert out == {
        "url": "https://files.example.net/a/b.txt",
        "bytes": 12,
        "host": "files.example.net",
        "scheme": "https",
    }


def test_stellar_output_may_be_a_single_string() -> None:
    out = run(
        {"transformation": "STELLAR", "output": "up", "config": {"up": "TO_UPPER(user)"}},
        {"user": "mallory"},
    )
    assert out == {"user": "mallory", "up": "MALLORY"}


def test_stellar_intermediate_variables_are_temporary() -> None:
    out = run(
        {
            "transformation": "STELLAR",
            "output": "total",
            "config": {"base": "10", "twice": "base * 2", "total": "twice + base"},
        },
        {"x": 1},
    )
    assert out == {"x": 1, "total": 30}


def test_stellar_null_output_removes_the_field() -> None:
    # renaming with Stellar: copy, then assign null to the old name
    out = run(
        {
            "transformation": "STELLAR",
            "output": ["dst", "src"],
            "config": {"dst": "src", "src": "null"},
        },
        {"src": "10.9.8.7", "keep": True},
    )
    assert out == {"dst": "10.9.8.7", "keep": True}


def test_stellar_null_result_for_a_missing_field_adds_nothing() -> None:
    out = run(
        {
            "transformation": "STELLAR",
            "output": "epoch",
            "config": {"epoch": "TO_EPOCH_TIMESTAMP(when, 'yyyy-MM-dd HH:mm:ss', 'UTC')"},
        },
        {},
    )
    assert out == {}


def test_stellar_null_intermediate_falls_back_to_the_message_value() -> None:
    # 'name' is a temporary assigned null: later expressions see the message's value again
    out = run(
        {
            "transformation": "STELLAR",
            "output": "greeting",
            "config": {"name": "null", "greeting": "JOIN(['hi', name], ' ')"},
        },
        {"name": "trent"},
    )
    assert out == {"name": "trent", "greeting": "hi trent"}


def test_stellar_whole_message_is_underscore() -> None:
    out = run(
        {
            "transformation": "STELLAR",
            "output": ["kind", "again"],
            "config": {"kind": "MAP_GET('source.type', _)", "again": "MAP_GET('kind', _)"},
        },
        {"source.type": "proxy"},
    )
    assert out["kind"] == "proxy"
    assert out["again"] == "proxy"  # earlier results are part of _


def test_stellar_sees_parser_config_then_metadata() -> None:
    entry = {
        "transformation": "STELLAR",
        "output": ["tz", "zone", "topic"],
        "config": {
            "tz": "MAP_GET(site, site_zones, 'UTC')",
            "zone": "zone",
            "topic": "MAP_GET('metron.metadata.topic', _)",
        },
    }
    parser_config = {"site_zones": {"ams": "Europe/Amsterdam"}, "zone": "from-config"}
    metadata = {"metron.metadata.topic": "proxy-logs", "zone": "from-metadata"}
    out = run(entry, {"site": "ams"}, parser_config, metadata)
    assert out["tz"] == "Europe/Amsterdam"
    assert out["zone"] == "from-config"  # parserConfig comes before metadata
    assert out["topic"] == "proxy-logs"
    # message fields come before parserConfig; a null message field does not hide it
    assert run(entry, {"site": "ams", "zone": "msg"}, parser_config, metadata)["zone"] == "msg"
    assert run(entry, {"site": "ams", "zone": None}, parser_config, metadata)["zone"] == (
        "from-config"
    )


def test_stellar_with_input_sees_only_the_input_fields() -> None:
    out = run(
        {
            "transformation": "STELLAR",
            "input": ["a"],
            "output": ["seen_a", "seen_b"],
            "config": {"seen_a": "a", "seen_b": "b"},
        },
        {"a": 1, "b": 2},
    )
    assert out == {"a": 1, "b": 2, "seen_a": 1}


def test_stellar_without_output_writes_its_inputs() -> None:
    out = run(
        {"transformation": "STELLAR", "input": "user", "config": {"user": "TO_LOWER(user)"}},
        {"user": "ALICE"},
    )
    assert out == {"user": "alice"}


def test_stellar_results_keep_java_types() -> None:
    out = run(
        {
            "transformation": "STELLAR",
            "output": "epoch",
            "config": {
                "epoch": "TO_EPOCH_TIMESTAMP('2019-03-04 05:06:07', 'yyyy-MM-dd HH:mm:ss', 'UTC')"
            },
        },
        {},
    )
    assert out["epoch"] == Long(1551675967000)
    assert type(out["epoch"]) is Long


def test_stellar_non_string_config_values_are_expressions() -> None:
    out = run(
        {"transformation": "STELLAR", "output": ["n", "b"], "config": {"n": 7, "b": True}}, {}
    )
    assert out == {"n": 7, "b": True}


def test_stellar_null_config_entries_are_skipped() -> None:
    out = run({"transformation": "STELLAR", "output": "x", "config": {"x": None}}, {"x": 1})
    assert out == {"x": 1}


def test_stellar_evaluation_failure_names_the_expression_and_field() -> None:
    (transformer,) = build(
        {"transformation": "STELLAR", "output": "host", "config": {"host": "URL_TO_HOST(42)"}}
    )
    with pytest.raises(TransformationError) as info:
        transformer.transform({}, {}, {})
    assert "URL_TO_HOST(42)" in str(info.value)
    assert "for host" in str(info.value)


@pytest.mark.parametrize(
    ("expression", "needle"),
    [("1 +", "Syntax error"), ("TO_UPPR(x)", "unknown function"), ("'open", "Syntax error")],
)
def test_stellar_bad_expression_is_a_config_error(expression: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        build({"transformation": "STELLAR", "output": "y", "config": {"y": expression}})
    assert "fieldTransformations[0].config.y" in str(info.value)
    assert needle in str(info.value)


def test_stellar_without_output_or_input_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"fieldTransformations\[0\]: STELLAR needs 'output'"):
        build({"transformation": "STELLAR", "config": {"y": "1"}})


# -- REMOVE ----------------------------------------------------------------------------------


def test_remove_unconditionally() -> None:
    out = run({"transformation": "REMOVE", "input": ["tmp", "absent"]}, {"tmp": 1, "keep": 2})
    assert out == {"keep": 2}


def test_remove_with_condition() -> None:
    entry = {
        "transformation": "REMOVE",
        "output": "secret",
        "config": {"condition": "exists(mode) and mode == 'redact'"},
    }
    assert run(entry, {"secret": "s3"}) == {"secret": "s3"}
    assert run(entry, {"secret": "s3", "mode": "keep"}) == {"secret": "s3", "mode": "keep"}
    assert run(entry, {"secret": "s3", "mode": "redact"}) == {"mode": "redact"}


def test_remove_condition_sees_only_the_input_fields() -> None:
    # with an input list, the condition's variables are those fields only
    entry = {
        "transformation": "REMOVE",
        "input": "secret",
        "config": {"condition": "mode == 'redact'"},
    }
    assert run(entry, {"secret": "s3", "mode": "redact"}) == {"secret": "s3", "mode": "redact"}


def test_remove_non_string_or_blank_condition_always_removes() -> None:
    assert (
        run({"transformation": "REMOVE", "input": "a", "config": {"condition": 0}}, {"a": 1}) == {}
    )
    assert (
        run({"transformation": "REMOVE", "input": "a", "config": {"condition": " "}}, {"a": 1})
        == {}
    )


def test_remove_non_boolean_condition_fails_on_the_message() -> None:
    (transformer,) = build({"transformation": "REMOVE", "input": "a", "config": {"condition": "a"}})
    with pytest.raises(Exception, match="does not return a boolean"):
        transformer.transform({"a": "text"}, {}, {})
    with pytest.raises(Exception, match="null"):
        transformer.transform({"b": 1}, {}, {})


def test_remove_bad_condition_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"fieldTransformations\[0\]\.config\.condition"):
        build({"transformation": "REMOVE", "input": "a", "config": {"condition": "a =="}})


def test_remove_without_fields_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="REMOVE needs 'output'"):
        build({"transformation": "REMOVE"})


# -- SELECT ----------------------------------------------------------------------------------


def test_select_keeps_outputs_and_system_fields() -> None:
    out = run(
        {"transformation": "SELECT", "output": ["user", "action"]},
        {
            "timestamp": 1700000000000,
            "original_string": "raw line",
            "source.type": "auth",
            "user": "bob",
            "action": "login",
            "noise": "x",
            "guid": "kept-only-if-selected",
        },
    )
    assert out == {
        "timestamp": 1700000000000,
        "original_string": "raw line",
        "source.type": "auth",
        "user": "bob",
        "action": "login",
    }


def test_select_with_input_only_considers_the_input_fields() -> None:
    out = run(
        {"transformation": "SELECT", "input": ["a", "b"], "output": ["a"]},
        {"a": 1, "b": 2, "c": 3},
    )
    assert out == {"a": 1, "c": 3}


def test_select_without_output_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SELECT needs 'output'"):
        build({"transformation": "SELECT"})


# -- RENAME ----------------------------------------------------------------------------------


def test_rename() -> None:
    out = run(
        {"transformation": "RENAME", "config": {"src": "ip_src_addr", "dst": "ip_dst_addr"}},
        {"src": "10.1.1.1", "dst": "10.2.2.2", "port": 443},
    )
    assert out == {"ip_src_addr": "10.1.1.1", "ip_dst_addr": "10.2.2.2", "port": 443}


def test_rename_missing_field_does_nothing() -> None:
    out = run({"transformation": "RENAME", "config": {"gone": "new"}}, {"here": 1})
    assert out == {"here": 1}


def test_rename_listed_missing_input_removes_the_target() -> None:
    # Metron hands over the listed input as null: the rename writes null to the new name
    out = run(
        {"transformation": "RENAME", "input": ["old"], "config": {"old": "new"}},
        {"new": "existing"},
    )
    assert out == {}


def test_rename_collision_follows_java_hashmap_order() -> None:
    # 'a' iterates before 'b' in a Java HashMap, so the existing 'b' is written last
    assert run({"transformation": "RENAME", "config": {"a": "b"}}, {"a": 1, "b": 2}) == {"b": 2}
    # with 'b' renamed away too, its removal comes after 'a' was copied to it: 'a' is lost
    assert run({"transformation": "RENAME", "config": {"a": "b", "b": "c"}}, {"a": 1, "b": 2}) == {
        "c": 2
    }


def test_rename_without_config_changes_nothing() -> None:
    assert run({"transformation": "RENAME"}, {"a": 1}) == {"a": 1}


# -- REGEX_SELECT ----------------------------------------------------------------------------


REGEX_SELECT = {
    "transformation": "REGEX_SELECT",
    "input": "uri",
    "output": "category",
    "config": {
        "admin": "^/admin",
        "api": ["/api/v[0-9]+/", "\\.json$"],
        "static": "(?i)\\.(css|js|png)$",
    },
}


@pytest.mark.parametrize(
    ("uri", "category"),
    [
        ("/admin/users", "admin"),
        ("/api/v2/items", "api"),
        ("/report.json", "api"),
        ("/img/logo.PNG", "static"),
        ("/admin/data.json", "admin"),  # the first matching key wins
        ("/index.html", None),
    ],
)
def test_regex_select(uri: str, category: str | None) -> None:
    assert run(REGEX_SELECT, {"uri": uri}).get("category") == category


def test_regex_select_no_match_leaves_the_output_alone() -> None:
    assert run(REGEX_SELECT, {"uri": "/x", "category": "old"})["category"] == "old"


def test_regex_select_needs_exactly_one_input() -> None:
    entry = {**REGEX_SELECT}
    del entry["input"]
    assert "category" not in run(entry, {"uri": "/admin", "other": 1})


def test_regex_select_without_output_writes_the_input() -> None:
    entry = {**REGEX_SELECT}
    del entry["output"]
    assert run(entry, {"uri": "/api/v1/x"}) == {"uri": "api"}


def test_regex_select_invalid_regex_never_matches() -> None:
    entry = {**REGEX_SELECT, "config": {"broken": "[a-z", "ok": "a"}}
    assert run(entry, {"uri": "abc"})["category"] == "ok"


def test_regex_select_number_is_matched_as_text() -> None:
    entry = {**REGEX_SELECT, "config": {"big": "^[0-9]{4,}$"}}
    assert run(entry, {"uri": 31337})["category"] == "big"


# -- IP_PROTOCOL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(6, "TCP"), (17, "UDP"), (1, "ICMP"), (Long(47), "GRE"), (6.9, "TCP")],
)
def test_ip_protocol_names(value: Any, expected: str) -> None:
    assert run({"transformation": "IP_PROTOCOL", "input": "protocol"}, {"protocol": value}) == {
        "protocol": expected
    }


def test_ip_protocol_unknown_number_removes_the_field() -> None:
    out = run({"transformation": "IP_PROTOCOL", "input": "protocol"}, {"protocol": 254, "x": 1})
    assert out == {"x": 1}


def test_ip_protocol_non_number_is_left_alone() -> None:
    out = run({"transformation": "IP_PROTOCOL", "input": "protocol"}, {"protocol": "6"})
    assert out == {"protocol": "6"}


def test_ip_protocol_separate_output() -> None:
    out = run(
        {"transformation": "IP_PROTOCOL", "input": "proto_num", "output": "protocol"},
        {"proto_num": 58},
    )
    assert out == {"proto_num": 58, "protocol": "IPv6-ICMP"}


def test_ip_protocol_without_fields_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="IP_PROTOCOL needs 'output'"):
        build({"transformation": "IP_PROTOCOL"})


# -- names and chains ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "org.apache.metron.common.field.transformation.StellarTransformation",
        "org.apache.metron.common.field.transformation.RemoveTransformation",
        "org.apache.metron.common.field.transformation.SelectTransformation",
        "org.apache.metron.common.field.transformation.RenameTransformation",
        "org.apache.metron.common.field.transformation.RegexSelectTransformation",
        "org.apache.metron.common.field.transformation.IPProtocolTransformation",
    ],
)
def test_metron_class_names_are_accepted(name: str) -> None:
    assert TRANSFORMATIONS.get(name) is not None


def test_metron_class_name_builds_the_same_transformation() -> None:
    out = run(
        {
            "transformation": "org.apache.metron.common.field.transformation.IPProtocolTransformation",
            "input": "protocol",
        },
        {"protocol": 17},
    )
    assert out == {"protocol": "UDP"}


@pytest.mark.parametrize(("name", "hint"), [("stellar", "STELLAR"), ("RENAMES", "RENAME")])
def test_unknown_name_is_a_config_error_with_a_hint(name: str, hint: str) -> None:
    # Metron looks names up with Enum.valueOf: case matters
    with pytest.raises(ConfigError) as info:
        build({"transformation": name, "output": "x"})
    message = str(info.value)
    assert "fieldTransformations[0].transformation" in message
    assert f"did you mean '{hint}'" in message


def test_error_names_the_failing_entry() -> None:
    with pytest.raises(ConfigError, match=r"fieldTransformations\[1\]\.config\.z"):
        build(
            {"transformation": "RENAME", "config": {"a": "b"}},
            {"transformation": "STELLAR", "output": "z", "config": {"z": "(("}},
        )


def test_transformations_apply_in_order() -> None:
    out = run(
        [
            {"transformation": "RENAME", "config": {"proto": "protocol"}},
            {"transformation": "IP_PROTOCOL", "input": "protocol"},
            {
                "transformation": "STELLAR",
                "output": "is_web",
                "config": {"is_web": "protocol == 'TCP' and port in [80, 443]"},
            },
            {"transformation": "REMOVE", "input": "port"},
        ],
        {"proto": 6, "port": 443},
    )
    assert out == {"protocol": "TCP", "is_web": True}
