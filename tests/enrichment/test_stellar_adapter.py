"""The ``stellar`` adapter: Metron's assignment, grouping, temporaries and map unfolding."""

from __future__ import annotations

from typing import Any

import pytest

from metron.enrichment.config import SensorEnrichmentConfig, StellarGroup, parse_enrichment_config
from metron.enrichment.stellar_adapter import StellarAdapter, join
from metron.errors import ConfigError

MESSAGE: dict[str, Any] = {
    "source.type": "web_proxy",
    "host": "Intranet.Example.ORG",
    "user": "Alice",
    "bytes": 1200,
}


def sensor(stellar: Any, section: str = "enrichment", **extra: Any) -> SensorEnrichmentConfig:
    data: dict[str, Any] = {section: {"fieldMap": {"stellar": {"config": stellar}}}}
    for key, value in extra.items():
        if key == "enrichment_config":
            data.setdefault("enrichment", {})["config"] = value
        else:
            data[key] = value
    return parse_enrichment_config(data, "web_proxy.json")


def adapter(stellar: Any, section: str = "enrichment", **extra: Any) -> StellarAdapter:
    return StellarAdapter.from_sensor_config(sensor(stellar, section, **extra), section)


FLAT = {
    "host_lower": "TO_LOWER(host)",
    "who": "TO_UPPER(user)",
    "big": "bytes > 1000",
}
LISTED = ["host_lower := TO_LOWER(host)", "who := TO_UPPER(user)", "big := bytes > 1000"]
WITH_TEMP = [
    "tmp := TO_LOWER(host)",
    "host_lower := tmp",
    "who := TO_UPPER(user)",
    "big := bytes > 1000",
    "tmp := null",
]


@pytest.mark.parametrize("config", [FLAT, LISTED, WITH_TEMP], ids=["map", "list", "temp"])
def test_three_forms_agree(config: Any) -> None:
    result = adapter(config).apply(MESSAGE)
    assert result.failures == []
    assert result.fields == {
        "host_lower": "intranet.example.org",
        "who": "ALICE",
        "big": True,
    }


def test_message_is_not_modified_by_apply() -> None:
    message = dict(MESSAGE)
    adapter(WITH_TEMP).apply(message)
    assert message == MESSAGE


def test_later_assignments_see_earlier_ones() -> None:
    result = adapter(["a := 2", "b := a * 3", "a := b + 1"]).apply({})
    assert result.fields == {"a": 7, "b": 6}


def test_groups_are_independent() -> None:
    config = {
        "g1": ["x := 'one'", "shared := 'from g1'"],
        # g2 cannot see g1's x: every group starts from the original message
        "g2": {"seen": "x", "shared": "'from g2'"},
        "loose": "TO_UPPER(user)",
    }
    a = adapter(config)
    assert [g.name for g in a.groups] == ["g1", "g2", None]
    assert a.run_group(0, MESSAGE) == {"x": "one", "shared": "from g1"}
    assert a.run_group(1, MESSAGE) == {"shared": "from g2"}
    assert a.run_group(2, MESSAGE) == {"loose": "ALICE"}
    # later groups win on a clash; the ungrouped task runs last
    assert a.apply(MESSAGE).fields == {"x": "one", "shared": "from g2", "loose": "ALICE"}


def test_null_removes_a_message_field_and_temporaries() -> None:
    a = adapter(["user := null", "t := 1", "t := null", "u := user"])
    # the message's own field disappears from the group's view as well
    assert a.apply(MESSAGE).fields == {}


def test_map_results_are_unfolded_one_level() -> None:
    a = adapter(
        {
            "g": [
                "geo := {'city': 'Paris', 'nested': {'k': 1}}",
                "city_again := geo.city",  # 'geo.city' is not a variable inside the group
                "city := MAP_GET('city', geo)",
            ],
        }
    )
    assert a.apply(MESSAGE).fields == {
        "geo.city": "Paris",
        "geo.nested": {"k": 1},
        "city": "Paris",
    }


def test_map_then_null_is_dropped() -> None:
    result = adapter(["m := {'a': 1}", "keep := MAP_GET('a', m)", "m := null"]).apply({})
    assert result.fields == {"keep": 1}


def test_map_then_scalar_fails_the_group_only() -> None:
    a = adapter({"bad": ["m := {'a': 1}", "m := 'text'"], "good": ["ok := 1"]})
    result = a.apply({})
    assert result.fields == {"ok": 1}
    assert [f.group for f in result.failures] == ["bad"]


def test_evaluation_error_fails_only_its_group() -> None:
    a = adapter({"bad": ["x := MAP_GET()"], "good": ["ok := 1"]})
    result = a.apply(MESSAGE)
    assert result.fields == {"ok": 1}
    (failure,) = result.failures
    assert failure.group == "bad"
    assert failure.message.startswith("ENRICHMENT error with stellar failed: ")


def test_threat_intel_strategy_and_error_text() -> None:
    a = adapter({"g": ["boom := NO_SUCH_FUNCTION(1)"]}, "threatIntel")
    (failure,) = a.apply({}).failures
    assert failure.message.startswith("THREAT_INTEL error with stellar failed: ")


def test_variables_fall_back_to_enrichment_config_then_configuration() -> None:
    config = sensor(
        ["a := site", "b := owner", "c := both", "host := null", "d := host"],
        enrichment_config={"site": "dc1", "both": "from enrichment.config", "host": "cfg-host"},
        configuration={"owner": "soc", "both": "from configuration"},
    )
    a = StellarAdapter.from_sensor_config(config)
    fields = a.apply({**MESSAGE, "owner": None}).fields
    assert fields == {
        "a": "dc1",
        "b": "soc",
        "c": "from enrichment.config",
        # host was removed from the message, so the config's host shows through
        "d": "cfg-host",
    }


def test_threat_intel_uses_enrichment_config_too() -> None:
    config = parse_enrichment_config(
        {
            "enrichment": {"config": {"limit": 1000}},
            "threatIntel": {
                "config": {"limit": 5},
                "fieldMap": {"stellar": {"config": {"over": "bytes > limit"}}},
            },
        },
        "t.json",
    )
    a = StellarAdapter.from_sensor_config(config, "threatIntel")
    assert a.apply(MESSAGE).fields == {"over": True}


def test_enrich_joins_into_the_message() -> None:
    message = {**MESSAGE, "empty": "", "gone": None}
    failures = adapter({"g": ["blank := ''", "who := TO_UPPER(user)"]}).enrich(message)
    assert failures == []
    assert message == {**MESSAGE, "who": "ALICE"}


def test_enrich_groups_see_the_original_message() -> None:
    message = {"n": 1}
    adapter({"g1": ["n := n + 10"], "g2": ["m := n"]}).enrich(message)
    assert message == {"n": 11, "m": 1}


def test_enrich_without_stellar_leaves_message_alone() -> None:
    a = StellarAdapter.from_sensor_config(parse_enrichment_config({}, "x.json"))
    assert not a
    message = {"x": ""}
    assert a.enrich(message) == []
    assert message == {"x": ""}


def test_join_drops_empty_values() -> None:
    message: dict[str, Any] = {"a": "", "b": 0, "c": []}
    join(message, {"d": None, "e": "x"})
    assert message == {"b": 0, "c": [], "e": "x"}


def test_join_into_a_joined_message_looks_at_the_new_fields_only() -> None:
    message: dict[str, Any] = {"a": "", "b": 0, "c": None}
    join(message, {"b": None, "d": "", "e": "x", "f": 0})
    assert message == {"e": "x", "f": 0}
    joined = dict(message)
    join(joined, {"e": "", "g": "y", "h": None}, clean=True)
    assert joined == {"f": 0, "g": "y"}
    # the same as the full join of the same message
    full = dict(message)
    join(full, {"e": "", "g": "y", "h": None})
    assert joined == full


def test_invalid_stellar_in_direct_groups_is_config_error() -> None:
    from metron.enrichment.config import StellarAssignment

    group = StellarGroup("g", (StellarAssignment("x", "1 +", "here.x"),))
    with pytest.raises(ConfigError, match=r"here\.x"):
        StellarAdapter([group])


def test_unknown_section_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown enrichment section"):
        StellarAdapter.from_sensor_config(parse_enrichment_config({}, "x.json"), "indexing")


def test_join_drops_nulls_and_empty_strings_only() -> None:
    from metron.stellar.types import Float, Long

    kept = {"zero": 0, "no": False, "list": [], "map": {}, "long": Long(0), "float": Float(0.0)}
    for clean in (False, True):
        message: dict[str, object] = {"a": "", "b": None, "c": "x", **kept}
        join(message, {"d": "", "e": None, "f": "0", "c": ""}, clean)
        expected = {"f": "0", **kept} if not clean else {"a": "", "b": None, "f": "0", **kept}
        assert message == expected
