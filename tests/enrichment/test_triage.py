"""Threat triage: Metron's rules, aggregators, negative trumping and output fields."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from metron.enrichment.triage import (
    TriageConfigError,
    TriageEngine,
    TriageError,
    aggregate,
    negative_values_trump,
)
from metron.stellar import StellarContext
from metron.stellar.shell import StellarShell

NEG_INF = float("-inf")


def engine(rules: list[dict[str, Any]], aggregator: str | None = None, **agg: Any) -> TriageEngine:
    config: dict[str, Any] = {"riskLevelRules": rules}
    if aggregator is not None:
        config["aggregator"] = aggregator
    if agg:
        config["aggregationConfig"] = agg
    return TriageEngine(config)


# -- aggregators ----------------------------------------------------------------------------

SCORES = [2, 6, -3, 8, 0]


@pytest.mark.parametrize(
    ("aggregator", "trumped", "plain"),
    [
        ("MAX", NEG_INF, 8.0),
        ("MIN", NEG_INF, -3.0),
        ("SUM", NEG_INF, 13.0),
        ("MEAN", NEG_INF, 13.0 / 5),
        ("POSITIVE_MEAN", NEG_INF, 16.0 / 3),
    ],
)
def test_aggregators_with_and_without_negative_trumping(
    aggregator: str, trumped: float, plain: float
) -> None:
    assert aggregate(aggregator, SCORES) == trumped
    assert aggregate(aggregator, SCORES, {"negativeValuesTrump": True}) == trumped
    assert aggregate(aggregator, SCORES, {"negativeValuesTrump": "false"}) == pytest.approx(plain)
    assert aggregate(aggregator, SCORES, {"negativeValuesTrump": False}) == pytest.approx(plain)


@pytest.mark.parametrize("aggregator", ["MAX", "MIN", "SUM", "MEAN", "POSITIVE_MEAN"])
def test_no_scores_aggregate_to_zero(aggregator: str) -> None:
    assert aggregate(aggregator, []) == 0.0
    assert aggregate(aggregator, [], {"negativeValuesTrump": False}) == 0.0


def test_max_folds_from_zero_and_min_from_double_max() -> None:
    no_trump = {"negativeValuesTrump": "no"}
    assert aggregate("MAX", [-4, -2], no_trump) == 0.0  # Metron's MAX starts at 0
    assert aggregate("MIN", [4, 2, 9], no_trump) == 2.0
    assert aggregate("MEAN", [-4, -2], no_trump) == -3.0
    assert aggregate("POSITIVE_MEAN", [-4, 0], no_trump) == 0.0


def test_negative_values_trump_conversion() -> None:
    assert negative_values_trump(None) is True
    assert negative_values_trump({}) is True
    assert negative_values_trump({"negativeValuesTrump": None}) is True
    assert negative_values_trump({"negativeValuesTrump": "off"}) is False
    assert negative_values_trump({"negativeValuesTrump": 0}) is False
    assert negative_values_trump({"negativeValuesTrump": "maybe"}) is True


def test_java_max_and_min_keep_nan() -> None:
    no_trump = {"negativeValuesTrump": False}
    assert math.isnan(aggregate("MAX", [1.0, math.nan, 3.0], no_trump))
    assert math.isnan(aggregate("MIN", [math.nan, 3.0], no_trump))


def test_unknown_aggregator_is_a_config_error() -> None:
    with pytest.raises(TriageConfigError, match="Valid aggregators are MAX,MIN,SUM"):
        engine([], "AVG")
    with pytest.raises(TriageConfigError, match="Unable to load aggregator"):
        aggregate("max", [1])


# -- rules ----------------------------------------------------------------------------------

RULES = [
    {
        "name": "admin on web",
        "comment": "privileged user",
        "rule": "role in ['admin', 'root'] and asset == 'web'",
        "score": 40,
        "reason": "FORMAT('%s touched %s', role, asset)",
    },
    {"name": "web", "rule": "asset == 'web'", "score": "severity * 2.5"},
    {"rule": "role == 'guest'", "score": 0, "comment": "noted"},
    {"name": "trusted", "rule": "role in allow", "score": -5, "reason": "role"},
]
MAX_ENGINE = TriageEngine(
    {"riskLevelRules": RULES, "aggregator": "MAX"},
    defaults=[{"allow": ["scanner"]}],
)


def test_fired_rules_in_order_with_name_comment_score_reason() -> None:
    threat = MAX_ENGINE.score({"role": "root", "asset": "web", "severity": 4})
    assert threat.score == 40.0
    assert threat.aggregator == "MAX"
    assert [f.rule.name for f in threat.rules] == ["admin on web", "web"]
    first, second = threat.rules
    assert first.rule.comment == "privileged user"
    assert first.rule.score == "40"  # a numeric score is kept as its Java text
    assert first.score == 40.0
    assert first.reason == "root touched web"
    assert second.rule.comment is None
    assert second.reason is None
    assert second.score == 10.0


def test_negative_rule_whitelists_through_defaults() -> None:
    threat = MAX_ENGINE.score({"role": "scanner", "asset": "db"})
    assert threat.score == NEG_INF
    assert [f.rule.name for f in threat.rules] == ["trusted"]
    assert threat.rules[0].reason == "scanner"


def test_no_rule_fired() -> None:
    threat = MAX_ENGINE.score({"role": "user", "asset": "db"})
    assert threat.score == 0.0
    assert threat.rules == ()
    message: dict[str, Any] = {"role": "user"}
    MAX_ENGINE.triage(message)
    assert message == {"role": "user"}


def test_output_fields_exactly_as_metron_names_them() -> None:
    message: dict[str, Any] = {"role": "guest", "asset": "web", "severity": 2}
    MAX_ENGINE.triage(message)
    added = {k: v for k, v in message.items() if k.startswith("threat.")}
    assert list(added) == [
        "threat.triage.score",
        "threat.triage.rules.0.name",
        "threat.triage.rules.0.comment",
        "threat.triage.rules.0.score",
        "threat.triage.rules.0.reason",
        "threat.triage.rules.1.name",
        "threat.triage.rules.1.comment",
        "threat.triage.rules.1.score",
        "threat.triage.rules.1.reason",
    ]
    assert added["threat.triage.score"] == 5.0
    assert added["threat.triage.rules.0.name"] == "web"
    assert added["threat.triage.rules.0.score"] == "severity * 2.5"
    assert added["threat.triage.rules.1.name"] is None
    assert added["threat.triage.rules.1.comment"] == "noted"
    assert added["threat.triage.rules.1.score"] == "0"
    assert added["threat.triage.rules.1.reason"] is None


@pytest.mark.parametrize(
    ("aggregator", "expected"),
    [("MAX", 40.0), ("MIN", 10.0), ("SUM", 50.0), ("MEAN", 25.0), ("POSITIVE_MEAN", 25.0)],
)
def test_every_aggregator_through_the_engine(aggregator: str, expected: float) -> None:
    e = engine(RULES, aggregator)
    assert e.score({"role": "admin", "asset": "web", "severity": 4}).score == expected


@pytest.mark.parametrize(
    ("trump", "expected"), [(None, NEG_INF), (True, NEG_INF), (False, 4.0), ("false", 4.0)]
)
def test_negative_trumping_through_the_engine(trump: Any, expected: float) -> None:
    rules = [
        {"rule": "true", "score": 10},
        {"rule": "whitelisted == true", "score": -6},
    ]
    e = engine(rules, "SUM", negativeValuesTrump=trump)
    assert e.score({"whitelisted": True}).score == expected
    assert e.score({"whitelisted": False}).score == 10.0


def test_positive_mean_ignores_zero_scores() -> None:
    rules = [
        {"rule": "true", "score": 10},
        {"rule": "x == 1", "score": 5},
        {"rule": "y", "score": 0},
    ]
    e = engine(rules, "POSITIVE_MEAN")
    assert e.score({"x": 1, "y": True}).score == 7.5
    assert e.score({"x": 2, "y": True}).score == 10.0


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("'10'", 10.0),  # a Stellar string converts to a number
        ("' 12.5 '", 12.5),
        ("'1e2'", 100.0),
        ("true", 1.0),  # beanutils turns booleans into 1 and 0
        ("[7, 8]", 7.0),  # and a list into its first element
        ("10", 10.0),
        (3, 3.0),
        (2.5, 2.5),
        ("TO_INTEGER(level) * 3", 21.0),
        ("level", 7.0),
    ],
)
def test_scores_convert_as_metron_converts_them(score: Any, expected: float) -> None:
    e = engine([{"rule": "true", "score": score}])
    assert e.score({"level": "7"} if score == "level" else {"level": 7}).score == expected


@pytest.mark.parametrize("score", ["'ten'", "null", "missing_field", "{'a': 1}", "''"])
def test_non_numeric_score_is_an_error_naming_the_rule(score: str) -> None:
    e = engine([{"name": "bad score", "rule": "true", "score": score}])
    with pytest.raises(TriageError, match="score of threat triage rule 'bad score'") as info:
        e.score({})
    assert info.value.rule == "bad score"


@pytest.mark.parametrize("rule", ["'yes'", "1", "missing_field", "null", "[true]"])
def test_non_boolean_rule_is_an_error_naming_the_rule(rule: str) -> None:
    e = engine([{"rule": "true", "score": 1}, {"rule": rule, "score": 1}])
    with pytest.raises(TriageError, match="does not return a boolean value") as info:
        e.score({})
    assert info.value.rule == rule
    assert rule in str(info.value)


def test_blank_rule_always_fires() -> None:
    assert engine([{"rule": " ", "score": 3}]).score({}).score == 3.0


def test_reason_conversions_and_missing_variables() -> None:
    rules = [
        {"rule": "true", "score": 1, "reason": "missing"},
        {"rule": "1 == 1", "score": 1, "reason": "n"},
        {"rule": "2 == 2", "score": 1, "reason": "d"},
        {"rule": "3 == 3", "score": 1, "reason": "['first', 'second']"},
    ]
    threat = engine(rules).score({"n": 5, "d": 2.0})
    assert [f.reason for f in threat.rules] == [None, "5", "2.0", "first"]


def test_repeated_rules_are_dropped_and_rules_need_a_score() -> None:
    e = engine([{"rule": "true", "score": 1}, {"rule": "true", "score": 9}], "SUM")
    assert len(e.rules) == 1
    assert e.score({}).score == 1.0
    with pytest.raises(TriageConfigError, match="both a rule and a score"):
        engine([{"rule": "true"}])
    with pytest.raises(TriageConfigError, match="unrecognized field"):
        engine([{"rule": "true", "score": 1, "weight": 2}])


def test_invalid_stellar_is_a_config_error_naming_the_rule() -> None:
    with pytest.raises(TriageConfigError, match="'broken'"):
        engine([{"name": "broken", "rule": "a ==", "score": 1}])


def test_a_failing_function_is_a_triage_error() -> None:
    e = engine([{"name": "boom", "rule": "true", "score": "1 / 0"}])
    with pytest.raises(TriageError, match="'boom'"):
        e.score({})


def test_from_sensor_config_resolves_message_then_configuration_then_threat_intel() -> None:
    config = {
        "configuration": {"limit": 10, "who": "from-configuration"},
        "threatIntel": {
            "config": {"limit": 99, "bonus": 5, "who": "from-threat-intel"},
            "triageConfig": {
                "riskLevelRules": [
                    {"rule": "count > limit", "score": "bonus", "reason": "who"},
                ],
            },
        },
    }
    e = TriageEngine.from_sensor_config(config)
    assert e.score({"count": 5}).rules == ()
    threat = e.score({"count": 11})
    assert threat.score == 5.0
    assert threat.rules[0].reason == "from-configuration"
    # a null message value falls through to the config maps
    assert e.score({"count": 11, "who": None}).rules[0].reason == "from-configuration"
    assert e.score({"count": 11, "who": "msg"}).rules[0].reason == "msg"


def test_missing_triage_config_scores_nothing() -> None:
    e = TriageEngine.from_sensor_config({"threatIntel": {}})
    assert e.score({"a": 1}).score == 0.0
    assert TriageEngine(None).rules == ()


def test_rules_run_in_the_given_context() -> None:
    context = StellarContext(global_config={"x": 1})
    e = TriageEngine({"riskLevelRules": [{"rule": "true", "score": 2}]}, context=context)
    assert e.score({}).score == 2.0


# -- THREAT_TRIAGE_* in the shell -------------------------------------------------------------


def run(shell: StellarShell, line: str) -> str:
    result = shell.execute(line)
    if result is None:  # an assignment that worked
        return ""
    assert not result.error, result.text
    return result.text


def error(shell: StellarShell, line: str) -> str:
    result = shell.execute(line)
    assert result is not None
    assert result.error, result.text
    return result.text


SENSOR = {
    "threatIntel": {
        "triageConfig": {
            "riskLevelRules": [
                {
                    "name": "ssh",
                    "comment": "remote shell",
                    "rule": "port == 22",
                    "score": 50,
                    "reason": "FORMAT('ssh to %s', host)",
                },
                {"rule": "port < 1024", "score": "port / 10"},
            ],
            "aggregator": "SUM",
        }
    }
}


def shell_with(config: dict[str, Any] | None = None) -> StellarShell:
    variables: dict[str, Any] = {"msg": json.dumps({"port": 22, "host": "db1"})}
    if config is not None:
        variables["conf"] = json.dumps(config)
    return StellarShell(variables=variables)


def test_init_without_config_scores_zero() -> None:
    shell = shell_with()
    run(shell, "engine := THREAT_TRIAGE_INIT()")
    assert run(shell, "engine") == "ThreatTriage{0 rule(s)}"
    assert run(shell, "THREAT_TRIAGE_SCORE(msg, engine)") == "{score=0.0, aggregator=MAX, rules=[]}"


def test_score_returns_metron_map() -> None:
    shell = shell_with(SENSOR)
    run(shell, "engine := THREAT_TRIAGE_INIT(conf)")
    assert run(shell, "engine") == "ThreatTriage{2 rule(s)}"
    run(shell, "s := THREAT_TRIAGE_SCORE(msg, engine)")
    assert run(shell, "MAP_GET('score', s)") == "52.0"  # 22 / 10 is integer division in Stellar
    assert run(shell, "MAP_GET('aggregator', s)") == "SUM"
    rules = shell.values["s"]["rules"]
    assert rules == [
        {
            "name": "ssh",
            "rule": "port == 22",
            "score": "50",
            "reason": "ssh to db1",
            "comment": "remote shell",
        },
        {"rule": "port < 1024", "score": "port / 10"},
    ]


def test_edits_to_the_engine_apply_to_the_next_score() -> None:
    shell = shell_with(SENSOR)
    run(shell, "engine := THREAT_TRIAGE_INIT(conf)")
    run(shell, "THREAT_TRIAGE_SET_AGGREGATOR(engine, 'MAX')")
    assert run(shell, "MAP_GET('score', THREAT_TRIAGE_SCORE(msg, engine))") == "50.0"
    run(shell, "THREAT_TRIAGE_ADD(engine, {'rule': 'host == \"db1\"', 'score': -1})")
    assert run(shell, "MAP_GET('score', THREAT_TRIAGE_SCORE(msg, engine))") == "-Infinity"
    run(shell, "THREAT_TRIAGE_SET_AGGREGATOR(engine, 'MAX', {'negativeValuesTrump': false})")
    assert run(shell, "MAP_GET('score', THREAT_TRIAGE_SCORE(msg, engine))") == "50.0"
    run(shell, "THREAT_TRIAGE_REMOVE(engine, ['ssh'])")
    assert run(shell, "MAP_GET('score', THREAT_TRIAGE_SCORE(msg, engine))") == "2.0"
    config = json.loads(run(shell, "THREAT_TRIAGE_CONFIG(engine)"))
    triage = config["threatIntel"]["triageConfig"]
    assert [r["rule"] for r in triage["riskLevelRules"]] == ["port < 1024", 'host == "db1"']
    assert triage["aggregationConfig"] == {"negativeValuesTrump": False}


def test_config_prints_the_normalised_enrichment_config() -> None:
    shell = shell_with(SENSOR)
    run(shell, "engine := THREAT_TRIAGE_INIT(conf)")
    text = run(shell, "THREAT_TRIAGE_CONFIG(engine)")
    assert text.startswith('{\n  "enrichment" : {')
    config = json.loads(text)
    assert config["threatIntel"]["triageConfig"]["riskLevelRules"][0]["score"] == "50"
    assert config["configuration"] == {}


def test_print_accepts_the_engine() -> None:
    shell = shell_with(SENSOR)
    run(shell, "engine := THREAT_TRIAGE_INIT(conf)")
    text = run(shell, "THREAT_TRIAGE_PRINT(engine)")
    assert "port == 22" in text
    assert text.endswith("Aggregation: SUM")


def test_errors_in_the_shell() -> None:
    shell = shell_with(
        {"threatIntel": {"triageConfig": {"riskLevelRules": [{"rule": "port", "score": 1}]}}}
    )
    run(shell, "engine := THREAT_TRIAGE_INIT(conf)")
    assert "does not return a boolean value" in error(shell, "THREAT_TRIAGE_SCORE(msg, engine)")
    assert "expected string, got null" in error(shell, "THREAT_TRIAGE_SCORE(null, engine)")
    assert "invalid message" in error(shell, "THREAT_TRIAGE_SCORE('{oops', engine)")
    assert "invalid message" in error(shell, "THREAT_TRIAGE_SCORE('[1]', engine)")
    assert "expected threat triage engine; got null" in error(
        shell, "THREAT_TRIAGE_SCORE(msg, null)"
    )
    assert "THREAT_TRIAGE_INIT" in error(shell, "THREAT_TRIAGE_SCORE(msg, 'engine')")
    assert "unable to deserialize 'null'" in error(shell, "THREAT_TRIAGE_INIT(missing)")
    assert "not valid JSON" in error(shell, "THREAT_TRIAGE_INIT('{nope')")
    assert "expected threat triage engine; got null" in error(shell, "THREAT_TRIAGE_CONFIG(null)")


def test_non_numeric_score_in_the_shell() -> None:
    rules = [{"name": "words", "rule": "true", "score": "'high'"}]
    shell = shell_with({"threatIntel": {"triageConfig": {"riskLevelRules": rules}}})
    run(shell, "engine := THREAT_TRIAGE_INIT(conf)")
    assert "'words'" in error(shell, "THREAT_TRIAGE_SCORE(msg, engine)")


def test_a_context_triage_service_takes_precedence() -> None:
    class Fake:
        def init(self, *args: Any) -> str:
            return "fake engine"

    shell = StellarShell(StellarContext(services={"triage": Fake()}))
    assert run(shell, "THREAT_TRIAGE_INIT()") == "fake engine"
