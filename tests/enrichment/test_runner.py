"""The enrichment runner: Metron's field names per adapter, is_alert, triage, failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mmdb_writer import MmdbU16, MmdbU32, MMDBWriter
from netaddr import IPSet

from metron.enrichment.config import parse_enrichment_config
from metron.enrichment.geo import GeoDatabase
from metron.enrichment.host import HostAdapter
from metron.enrichment.lookup import (
    ENRICHMENT_TABLE,
    THREAT_INTEL_TABLE,
    MemoryLookup,
    SqliteLookup,
)
from metron.enrichment.runner import AlertFlagError, EnrichmentRunner, is_alert
from metron.errors import ConfigError

MILTON = {
    "city": {"geoname_id": MmdbU32(5803556), "names": {"en": "Milton"}},
    "country": {"iso_code": "US"},
    "postal": {"code": "98354"},
    "location": {
        "metro_code": MmdbU16(819),
        "latitude": 47.2513,
        "longitude": -122.3149,
        "accuracy_radius": MmdbU16(100),
    },
}
LONDON = {
    "city": {"geoname_id": MmdbU32(2643743), "names": {"en": "London"}},
    "country": {"iso_code": "GB"},
    "location": {"latitude": 51.5142, "longitude": -0.0931, "accuracy_radius": MmdbU16(5)},
}


def write_city_db(path: Path) -> Path:
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type="GeoLite2-City",
        languages=["en"],
        description="metron test database",
    )
    writer.insert_network(IPSet(["216.160.83.56/29"]), MILTON)
    writer.insert_network(IPSet(["81.2.69.192/28"]), LONDON)
    writer.to_db_file(str(path))
    return path


@pytest.fixture(scope="module")
def geo(tmp_path_factory: pytest.TempPathFactory) -> GeoDatabase:
    return GeoDatabase(write_city_db(tmp_path_factory.mktemp("geo") / "city.mmdb"))


@pytest.fixture
def store() -> MemoryLookup:
    s = MemoryLookup()
    s.put_many(ENRICHMENT_TABLE, [("whois", "example.com", {"owner": "ACME", "age": 3})])
    s.put_many(ENRICHMENT_TABLE, [("asset", "10.0.0.1", {"owner": "bob"})])
    s.put_many(THREAT_INTEL_TABLE, [("malicious_ip", "10.0.0.1", {"source": "x"})])
    s.put_many(THREAT_INTEL_TABLE, [("zeus", "10.0.0.1", {"source": "y"})])
    return s


HOSTS = HostAdapter([{"ip": "10.0.0.1", "local": "YES", "type": "webserver"}])

CONFIG: dict[str, Any] = {
    "enrichment": {
        "fieldMap": {
            "geo": ["ip_dst_addr", "ip_src_addr"],
            "host": ["ip_src_addr"],
            "hbaseEnrichment": ["domain", "ip_src_addr"],
            "stellar": {"config": {"dom_len": "LENGTH(domain)", "tmp": None}},
        },
        "fieldToTypeMap": {"domain": ["whois"], "ip_src_addr": ["asset"]},
    },
    "threatIntel": {
        "fieldMap": {
            "hbaseThreatIntel": ["ip_src_addr", "ip_dst_addr"],
            "stellar": {"config": ["big := dom_len > 5"]},
        },
        "fieldToTypeMap": {"ip_src_addr": ["malicious_ip", "zeus"], "ip_dst_addr": ["zeus"]},
        "triageConfig": {
            "riskLevelRules": [
                {"name": "known", "comment": "c", "rule": "is_alert == 'true'", "score": 10},
                {"name": "long", "rule": "big", "score": 20, "reason": "FORMAT('len %d', dom_len)"},
                {"name": "never", "rule": "false", "score": 100},
            ],
            "aggregator": "MAX",
        },
    },
}


def _runner(
    store: MemoryLookup, geo: GeoDatabase, config: dict[str, Any] = CONFIG
) -> EnrichmentRunner:
    return EnrichmentRunner(
        {"bro": parse_enrichment_config(config, "bro.json")}, {}, store, geo, HOSTS
    )


def _message(**fields: Any) -> dict[str, Any]:
    base = {
        "source.type": "bro",
        "ip_src_addr": "10.0.0.1",
        "ip_dst_addr": "216.160.83.57",
        "domain": "example.com",
        "timestamp": 1,
    }
    base.update(fields)
    return base


def test_every_adapter_names_fields_as_metron(store: MemoryLookup, geo: GeoDatabase) -> None:
    out, errors = _runner(store, geo).process(_message())
    assert errors == []
    assert out is not None
    assert out["enrichments.geo.ip_dst_addr.city"] == "Milton"
    assert out["enrichments.geo.ip_dst_addr.locID"] == "5803556"
    assert out["enrichments.geo.ip_dst_addr.location_point"] == "47.2513,-122.3149"
    assert out["enrichments.geo.ip_dst_addr.dmaCode"] == "819"
    # private addresses are not looked up
    assert not any(k.startswith("enrichments.geo.ip_src_addr") for k in out)
    assert out["enrichments.host.ip_src_addr.known_info.local"] == "YES"
    assert out["enrichments.host.ip_src_addr.known_info.type"] == "webserver"
    assert out["enrichments.hbaseEnrichment.domain.whois.owner"] == "ACME"
    assert out["enrichments.hbaseEnrichment.domain.whois.age"] == 3
    assert out["enrichments.hbaseEnrichment.ip_src_addr.asset.owner"] == "bob"
    assert out["dom_len"] == 11
    assert "tmp" not in out
    assert out["threatintels.hbaseThreatIntel.ip_src_addr.malicious_ip"] == "alert"
    assert out["threatintels.hbaseThreatIntel.ip_src_addr.zeus"] == "alert"
    assert "threatintels.hbaseThreatIntel.ip_dst_addr.zeus" not in out
    assert out["big"] is True
    assert out["is_alert"] == "true"


def test_empty_geo_values_are_dropped(store: MemoryLookup, geo: GeoDatabase) -> None:
    out, _ = _runner(store, geo).process(_message(ip_dst_addr="81.2.69.193"))
    assert out is not None
    assert out["enrichments.geo.ip_dst_addr.city"] == "London"
    assert "enrichments.geo.ip_dst_addr.postalCode" not in out
    assert "enrichments.geo.ip_dst_addr.dmaCode" not in out


def test_triage_fields(store: MemoryLookup, geo: GeoDatabase) -> None:
    out, _ = _runner(store, geo).process(_message())
    assert out is not None
    assert out["threat.triage.score"] == 20.0
    assert out["threat.triage.rules.0.name"] == "known"
    assert out["threat.triage.rules.0.comment"] == "c"
    assert out["threat.triage.rules.0.score"] == "10"
    assert out["threat.triage.rules.1.name"] == "long"
    assert out["threat.triage.rules.1.reason"] == "len 11"
    assert "threat.triage.rules.2.name" not in out


def test_no_threat_intel_no_alert_no_triage(store: MemoryLookup, geo: GeoDatabase) -> None:
    out, errors = _runner(store, geo).process(_message(ip_src_addr="10.9.9.9"))
    assert errors == []
    assert out is not None
    assert "is_alert" not in out
    assert not any(k.startswith("threat.triage") for k in out)


def test_is_alert_rules() -> None:
    m: dict[str, Any] = {"is_alert": "false", "threatintels.x.y.z": "alert"}
    assert not is_alert(m)
    assert "is_alert" not in m
    m = {"is_alert": True}
    assert is_alert(m)
    assert m["is_alert"] == "true"
    m = {"is_alert": "YES"}
    assert is_alert(m)
    m = {"is_alert": 0, "threatintels.x": "alert"}
    assert not is_alert(m)
    assert m == {"threatintels.x": "alert"}
    with pytest.raises(AlertFlagError):
        is_alert({"is_alert": "maybe"})
    m = {"threatintels.foo.ts": 1}
    assert not is_alert(m)
    assert "is_alert" not in m
    m = {"threatintels.hbaseThreatIntel.ip.t": "alert"}
    assert is_alert(m)
    assert m["is_alert"] == "true"


def test_empty_values_dropped_only_when_a_task_ran(store: MemoryLookup, geo: GeoDatabase) -> None:
    out, _ = _runner(store, geo).process(_message(note=""))
    assert out is not None
    assert "note" not in out
    untouched = {"source.type": "other", "note": ""}
    assert _runner(store, geo).process(dict(untouched))[0] == untouched


def test_sensor_without_config_passes_through(store: MemoryLookup, geo: GeoDatabase) -> None:
    message = {"source.type": "other", "ip_src_addr": "216.160.83.57", "empty": ""}
    out, errors = _runner(store, geo).process(dict(message))
    assert errors == []
    assert out == message


class Broken(MemoryLookup):
    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("store is down")


def test_failing_adapter_gives_error_and_message_flows(geo: GeoDatabase) -> None:
    broken = Broken()
    broken.put_many(THREAT_INTEL_TABLE, [("zeus", "10.0.0.1", {})])
    out, errors = _runner(broken, geo).process(_message())
    assert out is not None
    assert out["enrichments.geo.ip_dst_addr.city"] == "Milton"
    assert not any(k.startswith("enrichments.hbaseEnrichment") for k in out)
    assert out["threatintels.hbaseThreatIntel.ip_src_addr.zeus"] == "alert"
    assert len(errors) == 2
    for error in errors:
        assert error["source.type"] == "error"
        assert error["error_type"] == "enrichments_error"
        # Metron's enrichment errors keep MetronError's default sensor type
        assert error["failed_sensor_type"] == "error"
        assert error["message"] == "ENRICHMENT error with hbaseEnrichment failed: store is down"
        assert error["exception"].endswith(
            "ENRICHMENT error with hbaseEnrichment failed: store is down"
        )
        # the unit of work: every field the adapter enriches, not only the failing one
        assert json.loads(error["raw_message"]) == {
            "enrichments.hbaseEnrichment.domain": "example.com",
            "enrichments.hbaseEnrichment.ip_src_addr": "10.0.0.1",
            "source.type": "bro",
        }


def test_failing_stellar_is_a_threat_intel_error(store: MemoryLookup, geo: GeoDatabase) -> None:
    config = {"threatIntel": {"fieldMap": {"stellar": {"config": {"x": "1 / 0"}}}}}
    out, errors = _runner(store, geo, config).process(_message())
    assert out is not None
    assert "x" not in out
    assert [e["error_type"] for e in errors] == ["threatintel_error"]
    assert errors[0]["message"].startswith("THREAT_INTEL error with stellar failed")


def test_results_are_cached(geo: GeoDatabase) -> None:
    counting = MemoryLookup()
    counting.put_many(ENRICHMENT_TABLE, [("whois", "example.com", {"owner": "ACME"})])
    calls = []
    original = counting.get

    def get(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    counting.get = get  # type: ignore[method-assign]
    runner = _runner(counting, geo)
    for _ in range(3):
        out, _ = runner.process(_message())
        assert out is not None
        assert out["enrichments.hbaseEnrichment.domain.whois.owner"] == "ACME"
    assert len(calls) == 2  # domain and ip_src_addr, once each


def test_a_cached_result_is_named_for_the_field_it_was_asked_for(
    store: MemoryLookup, geo: GeoDatabase
) -> None:
    # one address in both fields, and again in the next message: every hit of the cache
    # joins under the field's own name, and the message's copy is its own
    runner = _runner(store, geo)
    for _ in range(2):
        out, _ = runner.process(_message(ip_src_addr="216.160.83.57"))
        assert out is not None
        assert out["enrichments.geo.ip_src_addr.city"] == "Milton"
        assert out["enrichments.geo.ip_dst_addr.city"] == "Milton"
        out["enrichments.geo.ip_src_addr.city"] = "changed downstream"
    again, _ = runner.process(_message(ip_src_addr="216.160.83.57"))
    assert again is not None and again["enrichments.geo.ip_src_addr.city"] == "Milton"


def test_cache_is_bounded(store: MemoryLookup, geo: GeoDatabase) -> None:
    runner = EnrichmentRunner(
        {"bro": parse_enrichment_config(CONFIG, "bro.json")}, {}, store, geo, HOSTS, cache_size=3
    )
    for i in range(20):
        runner.process(_message(domain=f"d{i}.com"))
    assert len(runner.cache) <= 3


def test_failing_triage_drops_the_message(store: MemoryLookup, geo: GeoDatabase) -> None:
    config = {
        "threatIntel": {
            "triageConfig": {"riskLevelRules": [{"rule": "'not a boolean'", "score": 1}]}
        }
    }
    out, errors = _runner(store, geo, config).process(_message(is_alert=True))
    assert out is None
    (error,) = errors
    assert error["error_type"] == "threatintel_error"
    assert json.loads(error["raw_message"])["domain"] == "example.com"


def test_unconvertible_is_alert_is_an_error(store: MemoryLookup, geo: GeoDatabase) -> None:
    out, errors = _runner(store, geo).process(_message(is_alert="maybe"))
    assert out is None
    assert [e["error_type"] for e in errors] == ["threatintel_error"]
    assert "maybe" in errors[0]["message"]


def test_cached_results_expire(geo: GeoDatabase) -> None:
    counting = MemoryLookup()
    calls: list[Any] = []
    original = counting.get

    def get(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    counting.get = get  # type: ignore[method-assign]
    now = [0.0]
    runner = EnrichmentRunner(
        {"bro": parse_enrichment_config(CONFIG, "bro.json")},
        {"enrichment.cache.size": 10},
        counting,
        geo,
        HOSTS,
        cache_ttl=60,
        clock=lambda: now[0],
    )
    assert runner.cache.size == 10
    assert runner.threat_intel_cache.size == 100_000
    runner.process(_message())
    runner.process(_message())
    assert len(calls) == 2
    now[0] = 61.0
    runner.process(_message())
    assert len(calls) == 4


def test_cache_settings_come_from_the_global_config(store: MemoryLookup, geo: GeoDatabase) -> None:
    configs = {"bro": parse_enrichment_config(CONFIG, "bro.json")}
    runner = EnrichmentRunner(
        configs,
        {
            "threat.intel.cache.size": "7",
            "enrichment.cache.expiration.minutes": 2,
            "threat.intel.cache.expiration.minutes": 0.5,
        },
        store,
        geo,
        HOSTS,
    )
    assert (runner.cache.size, runner.cache.ttl) == (100_000, 120.0)
    assert (runner.threat_intel_cache.size, runner.threat_intel_cache.ttl) == (7, 30.0)
    zero = EnrichmentRunner(configs, {"enrichment.cache.expiration.minutes": 0}, store, geo)
    zero.process(_message())
    assert len(zero.cache) == 0  # expiring at once: nothing is kept
    for key, bad in [
        ("enrichment.cache.size", "many"),
        ("threat.intel.cache.size", -1),
        ("enrichment.cache.expiration.minutes", True),
        ("threat.intel.cache.expiration.minutes", "-5"),
    ]:
        with pytest.raises(ConfigError, match=f"global config '{key}' must be a number >= 0"):
            EnrichmentRunner(configs, {key: bad}, store, geo)


def test_list_adapter_unit_of_work_names_absent_fields_as_null(geo: GeoDatabase) -> None:
    out, errors = _runner(Broken(), geo).process(_message(domain=None))
    assert out is not None
    assert len(errors) == 1
    raw = errors[0]["raw_message"]
    # a Java HashMap's order, as Metron serialises its unit of work
    assert raw == (
        '{"enrichments.hbaseEnrichment.ip_src_addr":"10.0.0.1",'
        '"enrichments.hbaseEnrichment.domain":null,"source.type":"bro"}'
    )


def test_failing_stellar_group_reports_its_own_unit_of_work(
    store: MemoryLookup, geo: GeoDatabase
) -> None:
    config = {
        "enrichment": {
            "fieldMap": {
                "stellar": {
                    "config": {
                        "fine": {"doubled": "timestamp * 2"},
                        "broken": ["half := domain", "oops := 7 / 0"],
                        "flat": "TO_UPPER(domain)",
                    }
                }
            }
        }
    }
    out, errors = _runner(store, geo, config).process(_message())
    assert out is not None
    assert out["doubled"] == 2 and out["flat"] == "EXAMPLE.COM"
    assert "half" not in out and "oops" not in out
    assert len(errors) == 1
    error = errors[0]
    assert error["failed_sensor_type"] == "error"
    # Metron's Stellar failure text: the expression, the cause, the variables it read
    assert error["message"] == (
        "ENRICHMENT error with stellar failed: Unable to parse: 7 / 0 due to: / by zero"
    )
    assert "/ by zero" in error["exception"]
    # {group: the variables the group reads, from the message} plus the sensor
    assert error["raw_message"] == '{"broken":{"domain":"example.com"},"source.type":"bro"}'


def test_unnamed_stellar_group_unit_reads_the_whole_message_through_underscore(
    store: MemoryLookup, geo: GeoDatabase
) -> None:
    config = {"enrichment": {"fieldMap": {"stellar": {"config": ["n := MAP_GET('x', _) / 0"]}}}}
    message = {"source.type": "bro", "x": 4}
    out, errors = _runner(store, geo, config).process(message)
    assert out == message
    assert json.loads(errors[0]["raw_message"]) == {
        "": {"source.type": "bro", "x": 4},
        "source.type": "bro",
    }


def test_adapter_missing_from_the_stage_fails_every_message(
    store: MemoryLookup, geo: GeoDatabase
) -> None:
    misplaced = {"enrichment": {"fieldMap": {"hbaseThreatIntel": ["ip_src_addr"]}}}
    out, errors = _runner(store, geo, misplaced).process({"source.type": "bro", "other": 1})
    assert out is None
    assert [e["error_type"] for e in errors] == ["enrichments_error"]
    assert errors[0]["message"].startswith(
        "Unable to find an adapter for hbaseThreatIntel, possible adapters are: "
    )
    assert json.loads(errors[0]["raw_message"]) == {"source.type": "bro", "other": 1}

    late = {
        "enrichment": {"fieldMap": {"stellar": {"config": {"y": "other + 1"}}}},
        "threatIntel": {"fieldMap": {"geo": ["ip_src_addr"]}},
    }
    out, errors = _runner(store, geo, late).process({"source.type": "bro", "other": 1})
    assert out is None
    assert [e["error_type"] for e in errors] == ["threatintel_error"]
    assert "Unable to find an adapter for geo" in errors[0]["message"]
    # the threat-intel stage fails on the enriched message
    assert json.loads(errors[0]["raw_message"])["y"] == 2


def test_type_to_column_family_and_top_level_field_lookup(geo: GeoDatabase) -> None:
    store = MemoryLookup()
    store.put_many(ENRICHMENT_TABLE, [("owner", "10.0.0.9", {"name": "ops"})], "fam")
    store.put_many(ENRICHMENT_TABLE, [("owner", "10.0.0.9", {"name": "wrong"})])
    store.put_many(THREAT_INTEL_TABLE, [("bad", "10.0.0.9", {})], "ti")
    config = {
        "enrichment": {
            "fieldMap": {"hbaseEnrichment": ["net.addr"]},
            # Metron looks a dotted field up by the part after its last dot
            "fieldToTypeMap": {"addr": ["owner"]},
            "config": {"typeToColumnFamily": {"owner": "fam"}},
        },
        "threatIntel": {
            "fieldMap": {"hbaseThreatIntel": ["net.addr"]},
            "fieldToTypeMap": {"addr": ["bad"]},
            "config": {"typeToColumnFamily": {"bad": "ti"}},
        },
    }
    out, errors = _runner(store, geo, config).process(
        {"source.type": "bro", "net.addr": "10.0.0.9"}
    )
    assert errors == []
    assert out is not None
    assert out["enrichments.hbaseEnrichment.net.addr.owner.name"] == "ops"
    assert out["threatintels.hbaseThreatIntel.net.addr.bad"] == "alert"
    assert out["is_alert"] == "true"


def test_stellar_failure_text_lists_the_variables_read(
    store: MemoryLookup, geo: GeoDatabase
) -> None:
    config = {
        "threatIntel": {
            "fieldMap": {"stellar": {"config": ["n := timestamp", "bad := n / 0 + LENGTH(gone)"]}}
        }
    }
    out, errors = _runner(store, geo, config).process(_message())
    assert out is not None and "bad" not in out
    (error,) = errors
    assert error["error_type"] == "threatintel_error"
    assert error["message"].startswith(
        "THREAT_INTEL error with stellar failed: Unable to parse: n / 0 + LENGTH(gone) due to: "
    )
    # values as the group saw them, in Java HashSet order; an unresolved one is 'missing'
    assert error["message"].endswith("/ by zero with relevant variables n=1,gone=missing")


def test_a_load_by_another_process_applies_within_a_second(
    tmp_path: Path, geo: GeoDatabase
) -> None:
    now = [0.0]
    reader = SqliteLookup(tmp_path / "lookup.db", clock=lambda: now[0])
    runner = EnrichmentRunner(
        {"bro": parse_enrichment_config(CONFIG, "bro.json")},
        {},
        reader,
        geo,
        HOSTS,
        clock=lambda: now[0],
    )
    out, _ = runner.process(_message())
    assert out is not None and "is_alert" not in out  # cached: 10.0.0.1 is not known bad
    with SqliteLookup(tmp_path / "lookup.db") as loader:  # another connection, as a loader
        loader.put_many(THREAT_INTEL_TABLE, [("zeus", "10.0.0.1", {})])
    now[0] = 0.5
    out, _ = runner.process(_message())
    assert out is not None and "is_alert" not in out  # not yet checked
    now[0] = 1.5
    out, _ = runner.process(_message())
    assert out is not None
    assert out["threatintels.hbaseThreatIntel.ip_src_addr.zeus"] == "alert"
    reader.close()


def test_store_generation_moves_with_loads(tmp_path: Path) -> None:
    memory = MemoryLookup()
    before = memory.generation()
    memory.put_many(ENRICHMENT_TABLE, [("asset", "x", {})])
    assert memory.generation() != before
    with (
        SqliteLookup(tmp_path / "l.db", refresh_ms=0) as one,
        SqliteLookup(tmp_path / "l.db", refresh_ms=0) as other,
    ):
        seen = one.generation()
        assert one.generation() == seen  # nothing happened
        other.put_many(ENRICHMENT_TABLE, [("asset", "y", {})])
        assert one.generation() != seen  # another connection's commit
        seen = one.generation()
        one.put_many(ENRICHMENT_TABLE, [("asset", "z", {})])
        assert one.generation() != seen  # its own write
