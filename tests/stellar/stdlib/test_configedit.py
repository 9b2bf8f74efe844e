"""The configuration editors: PARSER_/ENRICHMENT_STELLAR_TRANSFORM_*, INDEXING_SET_* and
THREAT_TRIAGE_ADD/REMOVE/PRINT/SET_AGGREGATOR."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib.shell import table


def ev(expression: str, **variables: Any) -> Any:
    return stellar.evaluate(expression, variables)


def fails(expression: str, match: str = "", **variables: Any) -> None:
    with pytest.raises(stellar.StellarError, match=match or None):
        ev(expression, **variables)


# -- parser ---------------------------------------------------------------------------------

DNS_PARSER = json.dumps(
    {
        "parserClassName": "org.example.DnsParser",
        "sensorTopic": "dns",
        "parserConfig": {"delimiter": "|"},
        "fieldTransformations": [
            {"input": "qname", "transformation": "REMOVE", "config": {"condition": "true"}},
            {"transformation": "STELLAR", "output": ["qtype"], "config": {"qtype": "'A'"}},
        ],
    }
)

PARSER_DEFAULTS = {
    "readMetadata": False,
    "mergeMetadata": False,
    "spoutParallelism": 1,
    "spoutNumTasks": 1,
    "parserParallelism": 1,
    "parserNumTasks": 1,
    "errorWriterParallelism": 1,
    "errorWriterNumTasks": 1,
    "spoutConfig": {},
    "stormConfig": {},
    "parserConfig": {},
    "fieldTransformations": [],
    "cacheConfig": {},
    "rawMessageStrategy": "DEFAULT",
    "rawMessageStrategyConfig": {},
}


def test_parser_add_creates_the_stellar_transformation() -> None:
    out = ev("PARSER_STELLAR_TRANSFORM_ADD('{}', {'domain': 'DOMAIN_REMOVE_TLD(host)'})")
    assert json.loads(out) == {
        **PARSER_DEFAULTS,
        "fieldTransformations": [
            {
                "input": [],
                "output": ["domain"],
                "transformation": "STELLAR",
                "config": {"domain": "DOMAIN_REMOVE_TLD(host)"},
            }
        ],
    }
    assert list(json.loads(out)) == list(PARSER_DEFAULTS)  # Metron's property order


def test_parser_add_prints_like_jackson() -> None:
    out = ev("PARSER_STELLAR_TRANSFORM_ADD(c, {'a': 'x'})", c='{"sensorTopic": "t"}')
    assert out == (
        '{\n  "sensorTopic" : "t",\n  "readMetadata" : false,\n  "mergeMetadata" : false,\n'
        '  "spoutParallelism" : 1,\n  "spoutNumTasks" : 1,\n  "parserParallelism" : 1,\n'
        '  "parserNumTasks" : 1,\n  "errorWriterParallelism" : 1,\n'
        '  "errorWriterNumTasks" : 1,\n  "spoutConfig" : { },\n  "stormConfig" : { },\n'
        '  "parserConfig" : { },\n  "fieldTransformations" : [ {\n    "input" : [ ],\n'
        '    "output" : [ "a" ],\n    "transformation" : "STELLAR",\n    "config" : {\n'
        '      "a" : "x"\n    }\n  } ],\n  "cacheConfig" : { },\n'
        '  "rawMessageStrategy" : "DEFAULT",\n  "rawMessageStrategyConfig" : { }\n}'
    )


def test_parser_add_to_existing_transformation() -> None:
    out = json.loads(
        ev("PARSER_STELLAR_TRANSFORM_ADD(c, {'qclass': 'TO_UPPER(qclass)'})", c=DNS_PARSER)
    )
    remove, stellar_t = out["fieldTransformations"]
    assert remove == {
        "input": ["qname"],
        "transformation": "REMOVE",
        "config": {"condition": "true"},
    }
    assert stellar_t["config"] == {"qtype": "'A'", "qclass": "TO_UPPER(qclass)"}
    assert stellar_t["output"] == ["qtype", "qclass"]
    assert out["parserClassName"] == "org.example.DnsParser"
    assert out["parserConfig"] == {"delimiter": "|"}


def test_parser_add_replaces_a_field_in_place() -> None:
    out = json.loads(ev("PARSER_STELLAR_TRANSFORM_ADD(c, {'qtype': 'qtype'})", c=DNS_PARSER))
    assert out["fieldTransformations"][1]["config"] == {"qtype": "qtype"}


def test_parser_the_last_stellar_transformation_is_edited() -> None:
    config = json.dumps(
        {
            "fieldTransformations": [
                {"transformation": "STELLAR", "config": {"a": "1"}},
                {
                    "transformation": "org.apache.metron.common.field.transformation."
                    "StellarTransformation",
                    "config": {"b": "2"},
                },
            ]
        }
    )
    out = json.loads(ev("PARSER_STELLAR_TRANSFORM_ADD(c, {'z': '3'})", c=config))
    first, second = out["fieldTransformations"]
    assert first["config"] == {"a": "1"}
    assert second["config"] == {"b": "2", "z": "3"}


@pytest.mark.parametrize("empty", ["{}", "null"])
def test_parser_add_nothing_returns_the_text_unchanged(empty: str) -> None:
    text = '{ "sensorTopic": "x" }'
    assert ev(f"PARSER_STELLAR_TRANSFORM_ADD(c, {empty})", c=text) == text


def test_parser_null_config_gives_null() -> None:
    assert ev("PARSER_STELLAR_TRANSFORM_ADD(null, {'a': 'b'})") is None
    assert ev("PARSER_STELLAR_TRANSFORM_REMOVE(null, ['a'])") is None
    assert ev("PARSER_STELLAR_TRANSFORM_PRINT(null)") is None


def test_parser_remove() -> None:
    added = ev("PARSER_STELLAR_TRANSFORM_ADD(c, {'x': '1', 'y': '2'})", c=DNS_PARSER)
    out = json.loads(ev("PARSER_STELLAR_TRANSFORM_REMOVE(c, ['qtype', 'x', 'nope'])", c=added))
    assert out["fieldTransformations"][1]["config"] == {"y": "2"}
    assert out["fieldTransformations"][1]["output"] == ["y"]


def test_parser_remove_everything_drops_the_transformation() -> None:
    out = json.loads(ev("PARSER_STELLAR_TRANSFORM_REMOVE(c, ['qtype'])", c=DNS_PARSER))
    assert [t["transformation"] for t in out["fieldTransformations"]] == ["REMOVE"]


def test_parser_remove_nothing_returns_the_text_unchanged() -> None:
    assert ev("PARSER_STELLAR_TRANSFORM_REMOVE(c, [])", c=DNS_PARSER) == DNS_PARSER
    assert ev("PARSER_STELLAR_TRANSFORM_REMOVE(c, null)", c=DNS_PARSER) == DNS_PARSER


def test_parser_print() -> None:
    expected = table(["Field", "Transformation"], [["qtype", "'A'"]])
    assert ev("PARSER_STELLAR_TRANSFORM_PRINT(c)", c=DNS_PARSER) == expected
    assert ev("PARSER_STELLAR_TRANSFORM_PRINT('{}')") == (
        "╔═══════╤════════════════╗\n"
        "║ Field │ Transformation ║\n"
        "╠═══════╧════════════════╣\n"
        "║ (empty)                ║\n"
        "╚════════════════════════╝\n"
    )


def test_parser_metadata_defaults_follow_the_strategy() -> None:
    out = json.loads(
        ev(
            "PARSER_STELLAR_TRANSFORM_ADD(c, {'a': '1'})",
            c='{"rawMessageStrategy": "ENVELOPE", "mergeMetadata": false}',
        )
    )
    assert out["readMetadata"] is True
    assert out["mergeMetadata"] is False


def test_parser_config_comments_and_coercions() -> None:
    config = '{ /* Jackson comments */ "numWorkers": "3", // more\n "numAckers": 2.9 }'
    out = json.loads(ev("PARSER_STELLAR_TRANSFORM_ADD(c, {'a': '1'})", c=config))
    assert out["numWorkers"] == 3
    assert out["numAckers"] == 2


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ('{"sensor": "x"}', 'unrecognized field "sensor"'),
        ('{"fieldTransformations": [{"transformation": "NOPE"}]}', "unknown field transformation"),
        ('{"fieldTransformations": [{"config": {}}]}', "no transformation"),
        ('{"fieldTransformations": [{"transformation": "STELLAR", "extra": 1}]}', "extra"),
        ('{"rawMessageStrategy": "RAW"}', "raw message strategy"),
        ('{"numWorkers": true}', "integer"),
        ('{"parserConfig": [1]}', "JSON object"),
        ("[1, 2]", "JSON object"),
        ("null", "null"),
    ],
)
def test_parser_bad_configs(config: str, match: str) -> None:
    fails("PARSER_STELLAR_TRANSFORM_ADD(c, {'a': 'b'})", match, c=config)


@pytest.mark.parametrize(
    "expression",
    [
        "PARSER_STELLAR_TRANSFORM_ADD('{}')",
        "PARSER_STELLAR_TRANSFORM_ADD('{}', ['a'])",
        "PARSER_STELLAR_TRANSFORM_ADD(42, {'a': 'b'})",
        "PARSER_STELLAR_TRANSFORM_REMOVE('{}', 'a')",
        "PARSER_STELLAR_TRANSFORM_REMOVE('{}', [1])",
        "PARSER_STELLAR_TRANSFORM_PRINT('{oops')",
    ],
)
def test_parser_bad_arguments(expression: str) -> None:
    fails(expression)


# -- enrichment -----------------------------------------------------------------------------

SQUID_ENRICHMENT = json.dumps(
    {
        "enrichment": {
            "fieldMap": {"geo": ["ip_dst_addr"], "stellar": {"config": {"a": "1"}}},
            "fieldToTypeMap": {"ip_dst_addr": ["malicious_ip"]},
        },
        "threatIntel": {"fieldMap": {"hbaseThreatIntel": ["ip_src_addr"]}},
        "configuration": {"owner": "soc"},
    }
)

EMPTY_ENRICHMENT = {
    "enrichment": {"fieldMap": {}, "fieldToTypeMap": {}, "config": {}},
    "threatIntel": {
        "fieldMap": {},
        "fieldToTypeMap": {},
        "config": {},
        "triageConfig": {"riskLevelRules": [], "aggregator": "MAX", "aggregationConfig": {}},
    },
    "configuration": {},
}


def stellar_config(text: str, phase: str) -> Any:
    section = json.loads(text)["threatIntel" if phase == "THREAT_INTEL" else "enrichment"]
    return section["fieldMap"].get("stellar", {}).get("config")


@pytest.mark.parametrize("phase", ["ENRICHMENT", "THREAT_INTEL"])
def test_enrichment_add_default_group(phase: str) -> None:
    out = ev("ENRICHMENT_STELLAR_TRANSFORM_ADD('{}', p, {'local': 'IS_IP(ip)'})", p=phase)
    assert stellar_config(out, phase) == {"local": "IS_IP(ip)"}
    other = "enrichment" if phase == "THREAT_INTEL" else "threatIntel"
    assert json.loads(out)[other] == EMPTY_ENRICHMENT[other]


@pytest.mark.parametrize("phase", ["ENRICHMENT", "THREAT_INTEL", "THREATINTEL"])
def test_enrichment_add_to_group_twice(phase: str) -> None:
    once = ev("ENRICHMENT_STELLAR_TRANSFORM_ADD('{}', p, {'a': '1'}, 'grp')", p=phase)
    twice = ev(
        "ENRICHMENT_STELLAR_TRANSFORM_ADD(c, p, {'b': '2', 'a': '3'}, 'grp')", c=once, p=phase
    )
    assert stellar_config(twice, phase.replace("THREATINTEL", "THREAT_INTEL")) == {
        "grp": {"a": "3", "b": "2"}
    }


def test_enrichment_add_keeps_other_settings() -> None:
    out = json.loads(
        ev("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'b': '2'})", c=SQUID_ENRICHMENT)
    )
    assert out["enrichment"]["fieldMap"] == {
        "geo": ["ip_dst_addr"],
        "stellar": {"config": {"a": "1", "b": "2"}},
    }
    assert out["enrichment"]["fieldToTypeMap"] == {"ip_dst_addr": ["malicious_ip"]}
    assert out["threatIntel"]["fieldMap"] == {"hbaseThreatIntel": ["ip_src_addr"]}
    assert out["configuration"] == {"owner": "soc"}


def test_enrichment_add_nothing_still_creates_the_adapter() -> None:
    out = ev("ENRICHMENT_STELLAR_TRANSFORM_ADD('{}', 'ENRICHMENT', {})")
    assert json.loads(out)["enrichment"]["fieldMap"] == {"stellar": {"config": {}}}
    out = ev("ENRICHMENT_STELLAR_TRANSFORM_ADD('{}', 'ENRICHMENT', {}, 'g')")
    assert json.loads(out)["enrichment"]["fieldMap"] == {"stellar": {"config": {}}}


def test_enrichment_remove() -> None:
    both = ev(
        "ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'x': '1'}, 'g')", c=SQUID_ENRICHMENT
    )
    out = ev("ENRICHMENT_STELLAR_TRANSFORM_REMOVE(c, 'ENRICHMENT', ['a', 'zz'])", c=both)
    assert stellar_config(out, "ENRICHMENT") == {"g": {"x": "1"}}
    out = ev("ENRICHMENT_STELLAR_TRANSFORM_REMOVE(c, 'ENRICHMENT', ['x'], 'g')", c=out)
    assert json.loads(out)["enrichment"]["fieldMap"] == {"geo": ["ip_dst_addr"]}


def test_enrichment_remove_from_missing_group() -> None:
    out = ev(
        "ENRICHMENT_STELLAR_TRANSFORM_REMOVE(c, 'ENRICHMENT', ['a'], 'nope')", c=SQUID_ENRICHMENT
    )
    assert stellar_config(out, "ENRICHMENT") == {"a": "1"}


def test_enrichment_print() -> None:
    config = ev(
        "ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'x': 'TO_LOWER(y)'}, 'g')",
        c=SQUID_ENRICHMENT,
    )
    assert ev("ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'ENRICHMENT')", c=config) == table(
        ["Group", "Field", "Transformation"],
        [["(default)", "a", "1"], ["g", "x", "TO_LOWER(y)"]],
    )
    assert ev("ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'THREAT_INTEL')", c=config) == table(
        ["Group", "Field", "Transformation"], []
    )


@pytest.mark.parametrize("config", [None, ""])
def test_enrichment_print_of_nothing(config: str | None) -> None:
    empty = table(["Group", "Field", "Transformation"], [])
    assert ev("ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'bogus')", c=config) == empty


@pytest.mark.parametrize(
    ("expression", "config", "match"),
    [
        ("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'a': '1'})", None, "Invalid config"),
        ("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'a': '1'})", "", "Invalid config"),
        ("ENRICHMENT_STELLAR_TRANSFORM_REMOVE(c, 'ENRICHMENT', ['a'])", None, "Invalid config"),
        ("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'a': '1'})", "{", "valid JSON"),
        ("ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'ENRICHMENT')", "[]", "JSON object"),
        ("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'enrichment', {'a': '1'})", "{}", "type"),
        ("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, null, {'a': '1'})", "{}", "type"),
        ("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', null)", "{}", "map"),
        ("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT')", "{}", ""),
        ("ENRICHMENT_STELLAR_TRANSFORM_REMOVE(c, 'ENRICHMENT', null)", "{}", "null"),
        ("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'a': '1'}, 'a')", None, ""),
        ("ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'ENRICHMENT')", '{"index": "squid"}', "index"),
        (
            "ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'ENRICHMENT')",
            '{"enrichment": {"fieldMap": {"geo": {"config": []}}}}',
            "geo",
        ),
        (
            "ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'ENRICHMENT')",
            '{"enrichment": {"fieldMap": {"stellar": {"config": ["a := 1"]}}}}',
            "map",
        ),
        ("ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'ENRICHMENT')", '{"enrichment": null}', "null"),
        (
            "ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'THREAT_INTEL')",
            '{"threatIntel": {"triageConfig": {"riskLevelRules": [{"rule": "true"}]}}}',
            "both a rule and a score",
        ),
    ],
)
def test_enrichment_errors(expression: str, config: str | None, match: str) -> None:
    if config is None and "'a')" in expression:  # the group clashes with a field
        config = ev("ENRICHMENT_STELLAR_TRANSFORM_ADD('{}', 'ENRICHMENT', {'a': '1'})")
    fails(expression, match, c=config)


def test_enrichment_adapter_with_explicit_type() -> None:
    config = '{"enrichment": {"fieldMap": {"mine": {"type": "STELLAR", "config": {"q": "1"}}}}}'
    out = json.loads(ev("ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'a': '1'})", c=config))
    assert out["enrichment"]["fieldMap"] == {
        "mine": {"type": "STELLAR", "config": {"q": "1"}},
        "stellar": {"config": {"a": "1"}},
    }


# -- indexing -------------------------------------------------------------------------------


def writer(text: str, name: str) -> Any:
    return json.loads(text)[name]


def test_set_batch() -> None:
    assert writer(ev("INDEXING_SET_BATCH('{}', 'hdfs', 25, 7)"), "hdfs") == {
        "batchSize": 25,
        "batchTimeout": 7,
    }
    assert writer(ev("INDEXING_SET_BATCH('{}', 'hdfs')"), "hdfs") == {
        "batchSize": 1,
        "batchTimeout": 0,
    }
    assert writer(ev("INDEXING_SET_BATCH('{}', 'hdfs', '8')"), "hdfs")["batchSize"] == 8


def test_set_batch_keeps_other_settings_in_order() -> None:
    config = '{"solr": {"index": "web", "batchTimeout": 9, "enabled": false}, "hdfs": {}}'
    out = ev("INDEXING_SET_BATCH(c, 'solr', 3)", c=config)
    assert list(json.loads(out)) == ["solr", "hdfs"]
    assert list(writer(out, "solr").items()) == [
        ("index", "web"),
        ("batchTimeout", 0),
        ("enabled", False),
        ("batchSize", 3),
    ]


def test_set_enabled_and_index() -> None:
    assert writer(ev("INDEXING_SET_ENABLED('{}', 'es')"), "es") == {"enabled": True}
    assert writer(ev("INDEXING_SET_ENABLED('{}', 'es', 'false')"), "es") == {"enabled": False}
    assert writer(ev("INDEXING_SET_INDEX('{}', 'es', 'bro')"), "es") == {"index": "bro"}
    out = ev("INDEXING_SET_INDEX(INDEXING_SET_ENABLED('{}', 'es', false), 'es', 'x')")
    assert writer(out, "es") == {"enabled": False, "index": "x"}


def test_indexing_prints_like_jackson() -> None:
    # the second call re-reads the JSON, so the new key goes last
    out = ev("INDEXING_SET_INDEX(INDEXING_SET_BATCH('{}', 'hdfs', 2, 3), 'hdfs', 'x')")
    assert out == (
        '{\n  "hdfs" : {\n    "batchSize" : 2,\n    "batchTimeout" : 3,\n    "index" : "x"\n  }\n}'
    )


@pytest.mark.parametrize(
    ("expression", "match"),
    [
        ("INDEXING_SET_BATCH(null, 'hdfs', 10)", "Invalid config"),
        ("INDEXING_SET_BATCH('', 'hdfs', 10)", "Invalid config"),
        ("INDEXING_SET_BATCH('{', 'hdfs', 10)", "not valid JSON"),
        ("INDEXING_SET_BATCH('[]', 'hdfs', 10)", "JSON object"),
        ("INDEXING_SET_BATCH('{}', 'hdfs', 0)", ">= 1"),
        ("INDEXING_SET_BATCH('{}', 'hdfs', 'many')", "integer"),
        ("INDEXING_SET_BATCH('{}', 'hdfs', 2, null)", "integer"),
        ("INDEXING_SET_BATCH('{}')", "writer"),
        ("INDEXING_SET_BATCH('{}', null)", "writer"),
        ("INDEXING_SET_ENABLED(null, 'hdfs', true)", "Invalid config"),
        ("INDEXING_SET_ENABLED('{}', 'hdfs', 10)", "boolean"),
        ("INDEXING_SET_INDEX(null, 'hdfs', 'x')", "Invalid config"),
        ("INDEXING_SET_INDEX('{}', 'hdfs', null)", "sensor name"),
        ("INDEXING_SET_INDEX('{}', 'hdfs')", ""),
        ("INDEXING_SET_INDEX('{\"hdfs\": 3}', 'hdfs', 'x')", "map"),
    ],
)
def test_indexing_errors(expression: str, match: str) -> None:
    fails(expression, match)


def test_indexing_null_writer_settings_are_replaced() -> None:
    assert writer(ev("INDEXING_SET_INDEX('{\"hdfs\": null}', 'hdfs', 'x')"), "hdfs") == {
        "index": "x"
    }


# -- threat triage --------------------------------------------------------------------------


def rules(text: str) -> Any:
    return json.loads(text)["threatIntel"]["triageConfig"]["riskLevelRules"]


def test_triage_add_one_and_many() -> None:
    one = ev("THREAT_TRIAGE_ADD('{}', {'rule': 'port == 23', 'score': 40})")
    assert json.loads(one)["threatIntel"]["triageConfig"] == {
        "riskLevelRules": [{"rule": "port == 23", "score": "40"}],
        "aggregator": "MAX",
        "aggregationConfig": {},
    }
    assert json.loads(one)["enrichment"] == EMPTY_ENRICHMENT["enrichment"]
    many = ev(
        "THREAT_TRIAGE_ADD(c, [{'name': 'big', 'comment': 'large', 'rule': 'bytes > 1000',"
        " 'score': 'bytes / 100', 'reason': 'FORMAT(\"%d bytes\", bytes)'},"
        " null, {'rule': 'no score'}, {'rule': 'port == 23', 'score': 99}])",
        c=one,
    )
    assert rules(many) == [
        {"rule": "port == 23", "score": "40"},
        {
            "name": "big",
            "comment": "large",
            "rule": "bytes > 1000",
            "score": "bytes / 100",
            "reason": 'FORMAT("%d bytes", bytes)',
        },
    ]


@pytest.mark.parametrize(
    ("score", "text"), [("7", "7"), ("2.5", "2.5"), ("3L", "3"), ("'x * 2'", "x * 2")]
)
def test_triage_scores_become_text(score: str, text: str) -> None:
    out = ev(f"THREAT_TRIAGE_ADD('{{}}', {{'rule': 'true', 'score': {score}}})")
    assert rules(out)[0]["score"] == text


def test_triage_rules_are_deduplicated_when_loaded() -> None:
    config = json.dumps(
        {
            "threatIntel": {
                "triageConfig": {
                    "riskLevelRules": [
                        {"rule": "a == 1", "score": 1},
                        {"rule": "a == 1", "score": 2.0},
                        {"rule": "b == 1", "score": 1e2},
                    ]
                }
            }
        }
    )
    out = ev("THREAT_TRIAGE_REMOVE(c, [])", c=config)
    assert rules(out) == [
        {"rule": "a == 1", "score": "1"},
        {"rule": "b == 1", "score": "100.0"},
    ]


@pytest.mark.parametrize(
    ("expression", "match"),
    [
        ("THREAT_TRIAGE_ADD('{}', {'rule': 'port ==', 'score': 1})", "not valid Stellar"),
        ("THREAT_TRIAGE_ADD('{}', {'rule': 'NO_SUCH_FN(1)', 'score': 1})", "NO_SUCH_FN"),
        ("THREAT_TRIAGE_ADD('{}', {'rule': 'true', 'score': 1, 'reason': '('})", "reason"),
        ("THREAT_TRIAGE_ADD('{}', {'rule': null, 'score': 1})", "both a rule and a score"),
        ("THREAT_TRIAGE_ADD('{}', {'rule': 'true', 'score': null})", "Expected 'score'"),
        ("THREAT_TRIAGE_ADD('{}', {'rule': 'true', 'score': true})", "Expected 'score'"),
        ("THREAT_TRIAGE_ADD('{}', {'rule': 5, 'score': 1})", "string"),
        ("THREAT_TRIAGE_ADD('{}', 'rule')", "map or list, got String"),
        ("THREAT_TRIAGE_ADD('{}', null)", "map or list, got null"),
        ("THREAT_TRIAGE_ADD('{}', ['x'])", "map"),
        ("THREAT_TRIAGE_ADD('{}')", "argument"),
        ("THREAT_TRIAGE_ADD(null, {'rule': 'true', 'score': 1})", "Unexpected type: got 'null'"),
        ("THREAT_TRIAGE_ADD(3, {'rule': 'true', 'score': 1})", "got 'Integer'"),
        ("THREAT_TRIAGE_ADD('', {'rule': 'true', 'score': 1})", "not valid JSON"),
        ("THREAT_TRIAGE_ADD('{]', {'rule': 'true', 'score': 1})", "not valid JSON"),
        ("THREAT_TRIAGE_REMOVE('{}', 'x')", "list"),
        ("THREAT_TRIAGE_REMOVE('{}')", ""),
        ("THREAT_TRIAGE_SET_AGGREGATOR('{}', 'max')", "Valid aggregators are"),
        ("THREAT_TRIAGE_SET_AGGREGATOR('{}', null)", "aggregator"),
        ("THREAT_TRIAGE_SET_AGGREGATOR('{}', 'SUM', [1])", "map"),
        ("THREAT_TRIAGE_PRINT(null)", "Unexpected type"),
        ('THREAT_TRIAGE_PRINT(\'{"threatIntel": {"triageConfig": {"aggregator": 1}}}\')', "1"),
    ],
)
def test_triage_errors(expression: str, match: str) -> None:
    fails(expression, match)


def test_triage_rule_may_call_service_functions() -> None:
    out = ev(
        "THREAT_TRIAGE_ADD('{}', {'rule': \"ENRICHMENT_EXISTS('t', ip, 'x', 'y')\", 'score': 1})"
    )
    assert len(rules(out)) == 1


def test_triage_remove_by_rule_or_name() -> None:
    config = ev(
        "THREAT_TRIAGE_ADD('{}', [{'rule': 'a', 'score': 1}, {'name': 'n', 'rule': 'b', 'score': 2},"
        " {'rule': 'c', 'score': 3}])"
    )
    assert [r["rule"] for r in rules(ev("THREAT_TRIAGE_REMOVE(c, ['n', 'a', 1])", c=config))] == [
        "c"
    ]
    assert len(rules(ev("THREAT_TRIAGE_REMOVE(c, null)", c=config))) == 3
    assert len(rules(ev("THREAT_TRIAGE_REMOVE(c, ['zzz'])", c=config))) == 3


def test_triage_set_aggregator() -> None:
    out = json.loads(ev("THREAT_TRIAGE_SET_AGGREGATOR('{}', 'POSITIVE_MEAN')"))
    assert out["threatIntel"]["triageConfig"]["aggregator"] == "POSITIVE_MEAN"
    out = json.loads(
        ev("THREAT_TRIAGE_SET_AGGREGATOR('{}', 'SUM', {'negativeValuesTrump': false})")
    )
    assert out["threatIntel"]["triageConfig"]["aggregationConfig"] == {"negativeValuesTrump": False}
    # a null aggregator config is kept null, so the property disappears from the JSON
    out = json.loads(ev("THREAT_TRIAGE_SET_AGGREGATOR('{}', 'MIN', null)"))
    assert out["threatIntel"]["triageConfig"] == {"riskLevelRules": [], "aggregator": "MIN"}


def test_triage_creates_missing_sections() -> None:
    out = json.loads(ev("THREAT_TRIAGE_SET_AGGREGATOR('{\"threatIntel\": null}', 'SUM')"))
    assert out["threatIntel"]["fieldMap"] == {}
    out = json.loads(
        ev("THREAT_TRIAGE_SET_AGGREGATOR('{\"threatIntel\": {\"triageConfig\": null}}', 'SUM')")
    )
    assert out["threatIntel"]["triageConfig"]["aggregator"] == "SUM"


def test_triage_print() -> None:
    config = ev(
        "THREAT_TRIAGE_ADD('{}', [{'name': 'telnet', 'rule': 'port == 23', 'score': 40,"
        " 'reason': \"'old protocol'\"}, {'comment': 'big', 'rule': 'size > 9', 'score': 5}])"
    )
    expected = table(
        ["Name", "Comment", "Triage Rule", "Score", "Reason"],
        [["telnet", "", "port == 23", "40", "'old protocol'"], ["", "big", "size > 9", "5", ""]],
    )
    assert ev("THREAT_TRIAGE_PRINT(c)", c=config) == expected + "Aggregation: MAX"
    assert ev("THREAT_TRIAGE_PRINT('{}')") == table(
        ["Name", "Comment", "Triage Rule", "Score", "Reason"], []
    )
    assert ev("THREAT_TRIAGE_PRINT('{\"threatIntel\": null}')") == ""


class Engine:
    """A stand-in for what THREAT_TRIAGE_INIT returns: an object with a ``config`` dict."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config


class NotifiedEngine:
    def __init__(self) -> None:
        self._config: dict[str, Any] = {}
        self.updates = 0

    @property
    def config(self) -> dict[str, Any]:
        return self._config

    @config.setter
    def config(self, value: dict[str, Any]) -> None:
        self._config = value
        self.updates += 1


def test_triage_with_an_engine() -> None:
    engine = Engine({})
    same = engine.config
    out = ev("THREAT_TRIAGE_ADD(e, {'rule': 'x > 1', 'score': 3})", e=engine)
    assert engine.config is same
    assert json.loads(out) == engine.config
    assert engine.config["threatIntel"]["triageConfig"]["riskLevelRules"] == [
        {"rule": "x > 1", "score": "3"}
    ]
    ev("THREAT_TRIAGE_ADD(e, {'rule': 'x > 2', 'score': 4})", e=engine)
    ev("THREAT_TRIAGE_SET_AGGREGATOR(e, 'SUM')", e=engine)
    ev("THREAT_TRIAGE_REMOVE(e, ['x > 1'])", e=engine)
    assert engine.config["threatIntel"]["triageConfig"]["aggregator"] == "SUM"
    assert [r["rule"] for r in engine.config["threatIntel"]["triageConfig"]["riskLevelRules"]] == [
        "x > 2"
    ]
    assert ev("THREAT_TRIAGE_PRINT(e)", e=engine).endswith("Aggregation: SUM")


def test_triage_engine_setter_is_called() -> None:
    engine = NotifiedEngine()
    ev("THREAT_TRIAGE_SET_AGGREGATOR(e, 'MEAN')", e=engine)
    assert engine.updates == 1
    assert engine.config["threatIntel"]["triageConfig"]["aggregator"] == "MEAN"


def test_triage_engine_with_a_bad_config() -> None:
    fails("THREAT_TRIAGE_PRINT(e)", "unrecognized", e=Engine({"bogus": 1}))


# -- random input ---------------------------------------------------------------------------

EDITORS = [
    "PARSER_STELLAR_TRANSFORM_ADD(c, {'a': 'b'})",
    "PARSER_STELLAR_TRANSFORM_REMOVE(c, ['a'])",
    "PARSER_STELLAR_TRANSFORM_PRINT(c)",
    "ENRICHMENT_STELLAR_TRANSFORM_ADD(c, 'ENRICHMENT', {'a': 'b'}, 'g')",
    "ENRICHMENT_STELLAR_TRANSFORM_REMOVE(c, 'THREAT_INTEL', ['a'])",
    "ENRICHMENT_STELLAR_TRANSFORM_PRINT(c, 'ENRICHMENT')",
    "INDEXING_SET_BATCH(c, 'hdfs', 5, 2)",
    "INDEXING_SET_ENABLED(c, 'hdfs')",
    "INDEXING_SET_INDEX(c, 'hdfs', 'x')",
    "THREAT_TRIAGE_ADD(c, {'rule': 'true', 'score': 1})",
    "THREAT_TRIAGE_REMOVE(c, ['true'])",
    "THREAT_TRIAGE_PRINT(c)",
    "THREAT_TRIAGE_SET_AGGREGATOR(c, 'SUM')",
]

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
CONFIG_KEYS = st.sampled_from(
    [
        "enrichment",
        "threatIntel",
        "fieldMap",
        "stellar",
        "config",
        "triageConfig",
        "riskLevelRules",
        "rule",
        "score",
        "hdfs",
        "fieldTransformations",
        "transformation",
    ]
)
CONFIGS = st.recursive(
    JSON_VALUES,
    lambda inner: st.dictionaries(CONFIG_KEYS, inner, max_size=3) | st.lists(inner, max_size=2),
    max_leaves=10,
).map(json.dumps)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=40) | CONFIGS, expression=st.sampled_from(EDITORS))
def test_random_configs_only_raise_stellar_errors(text: str, expression: str) -> None:
    try:
        result = ev(expression, c=text)
    except stellar.StellarError:
        return
    assert result is None or isinstance(result, str)
