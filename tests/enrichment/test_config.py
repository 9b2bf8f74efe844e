"""The sensor enrichment config: keys, errors and the Stellar task groups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from metron.enrichment.config import (
    SensorEnrichmentConfig,
    StellarGroup,
    load_enrichment_config,
    parse_enrichment_config,
    split_assignment,
    stellar_groups,
    strip_json_comments,
)
from metron.errors import ConfigError


def pairs(groups: list[StellarGroup]) -> list[tuple[str | None, list[tuple[str, str]]]]:
    return [(g.name, [(a.variable, a.expression) for a in g.assignments]) for g in groups]


def stellar_config(config: Any) -> SensorEnrichmentConfig:
    return parse_enrichment_config(
        {"enrichment": {"fieldMap": {"stellar": {"config": config}}}}, "bro.json"
    )


def test_empty_config_has_defaults() -> None:
    config = parse_enrichment_config({}, "x.json")
    assert config.enrichment.fieldMap == {}
    assert config.threatIntel.triageConfig is None
    assert config.configuration == {}
    assert config.stellar_groups() == []
    assert config.stellar_groups("threatIntel") == []


def test_full_config_round_trip(tmp_path: Path) -> None:
    data = {
        "enrichment": {
            "fieldMap": {
                "geo": ["ip_dst_addr"],
                "hbaseEnrichment": ["ip_src_addr"],
                "stellar": {"config": {"domain": "TO_LOWER(host)"}},
            },
            "fieldToTypeMap": {"ip_src_addr": ["asset"]},
            "config": {"typeToColumnFamily": {"asset": "t"}},
        },
        "threatIntel": {
            "fieldMap": {"hbaseThreatIntel": ["ip_dst_addr"]},
            "fieldToTypeMap": {"ip_dst_addr": ["malicious_ip"]},
            "triageConfig": {
                "riskLevelRules": [{"rule": "ip_dst_port == 22", "score": 10}],
                "aggregator": "MAX",
            },
        },
        "configuration": {"owner": "soc"},
    }
    path = tmp_path / "bro.json"
    path.write_text(json.dumps(data))
    config = load_enrichment_config(path)
    assert config.enrichment.fieldMap["geo"] == ["ip_dst_addr"]
    assert config.enrichment.fieldToTypeMap == {"ip_src_addr": ["asset"]}
    assert config.threatIntel.fieldToTypeMap == {"ip_dst_addr": ["malicious_ip"]}
    assert config.configuration == {"owner": "soc"}
    assert pairs(config.stellar_groups()) == [(None, [("domain", "TO_LOWER(host)")])]


def test_unknown_top_level_key_has_hint() -> None:
    with pytest.raises(ConfigError) as e:
        parse_enrichment_config({"threatintel": {}}, "bro.json")
    assert "bro.json" in str(e.value)
    assert "threatintel" in str(e.value)
    assert "did you mean 'threatIntel'" in str(e.value)


def test_unknown_section_key_has_hint() -> None:
    with pytest.raises(ConfigError) as e:
        parse_enrichment_config({"enrichment": {"fieldmap": {}}}, "bro.json")
    assert "enrichment.fieldmap" in str(e.value)
    assert "did you mean 'fieldMap'" in str(e.value)
    with pytest.raises(ConfigError) as e:
        parse_enrichment_config({"threatIntel": {"triageConfg": {}}}, "bro.json")
    assert "did you mean 'triageConfig'" in str(e.value)


def test_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be a JSON object"):
        parse_enrichment_config([], "bro.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_enrichment_config(bad)
    with pytest.raises(ConfigError, match=r"missing\.json"):
        load_enrichment_config(tmp_path / "missing.json")


def test_invalid_stellar_names_the_key() -> None:
    with pytest.raises(ConfigError) as e:
        stellar_config({"grp": ["ok := 1", "bad := TO_UPPER("]})
    assert "bro.json" in str(e.value)
    assert "enrichment.fieldMap.stellar.config.grp[1]" in str(e.value)
    with pytest.raises(ConfigError) as e:
        parse_enrichment_config(
            {"threatIntel": {"fieldMap": {"stellar": {"config": {"x": "1 +"}}}}}, "t.json"
        )
    assert "threatIntel.fieldMap.stellar.config.x" in str(e.value)


def test_stellar_handler_errors() -> None:
    with pytest.raises(ConfigError, match="did you mean 'config' instead of 'confg'"):
        parse_enrichment_config(
            {"enrichment": {"fieldMap": {"stellar": {"confg": {}}}}}, "bro.json"
        )
    with pytest.raises(ConfigError, match="only the stellar adapter takes an object"):
        parse_enrichment_config({"enrichment": {"fieldMap": {"geo": {"config": {}}}}}, "b.json")
    with pytest.raises(ConfigError, match="expected a map of field to expression"):
        stellar_config("x := 1")
    with pytest.raises(ConfigError, match=r"config\[0\]: expected a 'variable := expression'"):
        stellar_config([1])
    with pytest.raises(ConfigError, match="expected a field name"):
        parse_enrichment_config({"enrichment": {"fieldMap": {"geo": [1]}}}, "b.json")


def test_bad_triage_config_is_config_error() -> None:
    with pytest.raises(ConfigError, match="triageConfig"):
        parse_enrichment_config(
            {"threatIntel": {"triageConfig": {"aggregator": "MEDIAN"}}}, "bro.json"
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a := 1", ("a", "1")),
        ("  a:=TO_UPPER(b)  ", ("a", "TO_UPPER(b)")),
        ("TO_UPPER(b)", (None, "TO_UPPER(b)")),
        ("", (None, None)),
        (":= 1", ("", "1")),
        # Metron's scanner: the last ':=' starts the expression and each extra one
        # shortens the variable by one character
        ("xy:=a:=1", ("x", "1")),
        ("x := 'a:=b'", ("x", "b'")),
    ],
)
def test_split_assignment(text: str, expected: tuple[str | None, str | None]) -> None:
    assert split_assignment(text) == expected


def test_flat_map_is_one_ungrouped_task() -> None:
    groups = stellar_config({"a": "1", "b": "a + 1", "skipped": None, "n": 5}).stellar_groups()
    assert pairs(groups) == [(None, [("a", "1"), ("b", "a + 1")])]
    assert groups[0].assignments[1].key == "enrichment.fieldMap.stellar.config.b"


def test_list_is_one_ungrouped_task() -> None:
    groups = stellar_config(["a := 1", "not an assignment", "", "tmp := null"]).stellar_groups()
    assert pairs(groups) == [(None, [("a", "1"), ("tmp", "null")])]
    assert groups[0].assignments[1].key == "enrichment.fieldMap.stellar.config[3]"


def test_empty_list_has_no_task() -> None:
    assert stellar_config([]).stellar_groups() == []
    assert stellar_config([""]).stellar_groups() == []
    # an item without an assignment still makes a (silent) task, as in Metron
    assert pairs(stellar_config(["1 + 1"]).stellar_groups()) == [(None, [])]


def test_groups_come_first_and_ungrouped_last() -> None:
    config = {
        "loose1": "1",
        "g1": {"a": "2", "b": "3"},
        "g2": ["c := 4", "tmp := 5", "tmp := null"],
        "loose2": "6",
        "empty": {},
    }
    assert pairs(stellar_config(config).stellar_groups()) == [
        ("g1", [("a", "2"), ("b", "3")]),
        ("g2", [("c", "4"), ("tmp", "5"), ("tmp", "null")]),
        ("empty", []),
        (None, [("loose1", "1"), ("loose2", "6")]),
    ]


def test_stellar_groups_of_odd_handlers() -> None:
    assert stellar_groups(None) == []
    assert stellar_groups(["ip_src_addr"]) == []  # a field list gives Stellar nothing
    assert pairs(stellar_groups({"type": "STELLAR", "config": {"x": "1"}})) == [
        (None, [("x", "1")])
    ]
    with pytest.raises(ConfigError, match="type 'STELLAR'"):
        stellar_groups({"type": "LIST", "config": {}})


def test_threat_intel_groups() -> None:
    config = parse_enrichment_config(
        {"threatIntel": {"fieldMap": {"stellar": {"config": {"g": ["hot := true"]}}}}}, "t.json"
    )
    assert pairs(config.stellar_groups("threatIntel")) == [("g", [("hot", "true")])]
    assert config.stellar_groups() == []


def test_comments_are_allowed_as_in_metron(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        '{ // the sensor\n  "enrichment": { /* adapters */ "fieldMap": {\n'
        '    "stellar": {"config": {"url": "\'http://x/*y*/\'"}}}}}\n'
    )
    config = load_enrichment_config(path)
    assert pairs(config.stellar_groups()) == [(None, [("url", "'http://x/*y*/'")])]


def test_strip_json_comments_keeps_strings() -> None:
    assert strip_json_comments('{"a": "//x", "b": "\\"/*"} // end') == '{"a": "//x", "b": "\\"/*"} '
    assert strip_json_comments("[1, /* two */ 3]") == "[1,   3]"
