"""The lookup store: both implementations, persistence, freshness, threads, Stellar."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from metron import stellar
from metron.enrichment.lookup import (
    DEFAULT_COLUMN_FAMILY,
    ENRICHMENT_TABLE,
    THREAT_INTEL_TABLE,
    EnrichmentService,
    LookupKV,
    LookupStore,
    MemoryLookup,
    SqliteLookup,
    default_lookup_path,
)
from metron.stellar import StellarContext, StellarError
from metron.stellar.types import Long

ASSET = {"owner": "finance", "site": "dc1", "criticality": 3}


@pytest.fixture(params=["memory", "sqlite", "sqlite-uncached"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LookupStore]:
    if request.param == "memory":
        made: LookupStore = MemoryLookup()
    elif request.param == "sqlite":
        made = SqliteLookup(tmp_path / "lookup.db")
    else:
        made = SqliteLookup(tmp_path / "lookup.db", cache_size=0)
    yield made
    made.close()


# --- one suite for both implementations ---------------------------------------------


def test_implements_the_protocol(store: LookupStore) -> None:
    assert isinstance(store, LookupStore)


def test_put_then_get_and_exists(store: LookupStore) -> None:
    assert store.put_many(ENRICHMENT_TABLE, [("asset", "10.0.0.1", ASSET)]) == 1
    assert store.get(ENRICHMENT_TABLE, "asset", "10.0.0.1") == ASSET
    assert store.exists(ENRICHMENT_TABLE, "asset", "10.0.0.1")


def test_absent_is_none_and_false(store: LookupStore) -> None:
    store.put_many(ENRICHMENT_TABLE, [("asset", "10.0.0.1", ASSET)])
    assert store.get(ENRICHMENT_TABLE, "asset", "10.0.0.2") is None
    assert not store.exists(ENRICHMENT_TABLE, "asset", "10.0.0.2")


def test_the_key_is_table_family_type_and_indicator(store: LookupStore) -> None:
    store.put_many(ENRICHMENT_TABLE, [LookupKV("asset", "10.0.0.1", ASSET)])
    assert store.get(ENRICHMENT_TABLE, "whois", "10.0.0.1") is None
    assert not store.exists(THREAT_INTEL_TABLE, "asset", "10.0.0.1")
    assert not store.exists(ENRICHMENT_TABLE, "asset", "10.0.0.1", "f")
    assert store.exists(ENRICHMENT_TABLE, "asset", "10.0.0.1", DEFAULT_COLUMN_FAMILY)
    store.put_many(ENRICHMENT_TABLE, [("asset", "10.0.0.1", {"other": 1})], "f")
    assert store.get(ENRICHMENT_TABLE, "asset", "10.0.0.1", "f") == {"other": 1}
    assert store.get(ENRICHMENT_TABLE, "asset", "10.0.0.1") == ASSET


def test_a_put_replaces_the_value(store: LookupStore) -> None:
    store.put_many(THREAT_INTEL_TABLE, [("malicious_ip", "1.2.3.4", {"source": "a"})])
    assert store.get(THREAT_INTEL_TABLE, "malicious_ip", "1.2.3.4") == {"source": "a"}
    store.put_many(THREAT_INTEL_TABLE, [("malicious_ip", "1.2.3.4", {"source": "b"})])
    assert store.get(THREAT_INTEL_TABLE, "malicious_ip", "1.2.3.4") == {"source": "b"}


def test_absent_then_loaded_is_seen(store: LookupStore) -> None:
    assert not store.exists(THREAT_INTEL_TABLE, "malicious_ip", "1.2.3.4")
    store.put_many(THREAT_INTEL_TABLE, [("malicious_ip", "1.2.3.4", {})])
    assert store.exists(THREAT_INTEL_TABLE, "malicious_ip", "1.2.3.4")
    assert store.get(THREAT_INTEL_TABLE, "malicious_ip", "1.2.3.4") == {}


def test_get_returns_a_fresh_map_each_time(store: LookupStore) -> None:
    value = {"flat": "x", "nested": {"list": [1, 2]}}
    store.put_many(ENRICHMENT_TABLE, [("asset", "a", value), ("asset", "b", {"k": "v"})])
    value["flat"] = "changed"
    for indicator in ("a", "b"):
        first = store.get(ENRICHMENT_TABLE, "asset", indicator)
        assert first is not None
        first["added"] = True
        if "nested" in first:
            first["nested"]["list"].append(3)
        second = store.get(ENRICHMENT_TABLE, "asset", indicator)
        assert second is not None and "added" not in second
    assert store.get(ENRICHMENT_TABLE, "asset", "a") == {"flat": "x", "nested": {"list": [1, 2]}}


def test_values_decode_as_stellar_values(store: LookupStore) -> None:
    store.put_many(ENRICHMENT_TABLE, [("asset", "a", {"big": 2**40, "small": 7, "f": 1.5})])
    value = store.get(ENRICHMENT_TABLE, "asset", "a")
    assert value is not None
    assert value == {"big": Long(2**40), "small": 7, "f": 1.5}
    assert isinstance(value["big"], Long) and not isinstance(value["small"], Long)


def test_value_key_order_is_kept(store: LookupStore) -> None:
    store.put_many(ENRICHMENT_TABLE, [("asset", "a", {"z": 1, "a": 2, "m": 3})])
    value = store.get(ENRICHMENT_TABLE, "asset", "a")
    assert value is not None and list(value) == ["z", "a", "m"]


def test_bad_rows_are_refused(store: LookupStore) -> None:
    with pytest.raises(TypeError, match="must be a map"):
        store.put_many(ENRICHMENT_TABLE, [("asset", "a", ["not", "a", "map"])])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must be strings"):
        store.put_many(ENRICHMENT_TABLE, [("asset", 5, {})])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"\(type, indicator, value map\)"):
        store.put_many(ENRICHMENT_TABLE, [("asset", "a")])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="table and column family"):
        store.put_many(None, [])  # type: ignore[arg-type]
    assert not store.exists(ENRICHMENT_TABLE, "asset", "a")


def test_many_rows_in_several_batches(tmp_path: Path) -> None:
    rows = [("asset", f"10.0.{i >> 8}.{i & 255}", {"n": i}) for i in range(2_500)]
    with SqliteLookup(tmp_path / "lookup.db", batch_size=1_000) as store:
        assert store.put_many(ENRICHMENT_TABLE, iter(rows)) == 2_500
        assert len(store) == 2_500
        assert store.get(ENRICHMENT_TABLE, "asset", "10.0.9.195") == {"n": 2_499}


# --- SQLite: persistence, freshness, cache ------------------------------------------


def test_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "lookup.db"
    with SqliteLookup(path) as store:
        store.put_many(ENRICHMENT_TABLE, [("asset", "10.0.0.1", ASSET)])
    with SqliteLookup(path) as store:
        assert store.get(ENRICHMENT_TABLE, "asset", "10.0.0.1") == ASSET
        assert len(store) == 1


def test_uses_wal_mode(tmp_path: Path) -> None:
    with SqliteLookup(tmp_path / "lookup.db") as store:
        mode = store._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_default_path_is_under_the_data_directory(tmp_path: Path) -> None:
    assert default_lookup_path(tmp_path) == tmp_path / "lookup" / "lookup.db"
    with SqliteLookup.in_data_dir(tmp_path) as store:
        assert store.path == tmp_path / "lookup" / "lookup.db"
    assert (tmp_path / "lookup" / "lookup.db").exists()


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "lookup.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(OSError, match="not a usable lookup store"):
        SqliteLookup(path)


def test_a_second_connection_sees_new_rows(tmp_path: Path) -> None:
    path = tmp_path / "lookup.db"
    with SqliteLookup(path) as writer, SqliteLookup(path, refresh_ms=0) as reader:
        assert not reader.exists(THREAT_INTEL_TABLE, "malicious_ip", "1.2.3.4")
        assert reader.get(ENRICHMENT_TABLE, "asset", "a") is None
        writer.put_many(THREAT_INTEL_TABLE, [("malicious_ip", "1.2.3.4", {})])
        writer.put_many(ENRICHMENT_TABLE, [("asset", "a", {"v": 1})])
        assert reader.exists(THREAT_INTEL_TABLE, "malicious_ip", "1.2.3.4")
        assert reader.get(ENRICHMENT_TABLE, "asset", "a") == {"v": 1}
        writer.put_many(ENRICHMENT_TABLE, [("asset", "a", {"v": 2})])
        assert reader.get(ENRICHMENT_TABLE, "asset", "a") == {"v": 2}


def test_the_cache_checks_for_changes_every_refresh_interval(tmp_path: Path) -> None:
    path = tmp_path / "lookup.db"
    now = [0.0]
    with (
        SqliteLookup(path) as writer,
        SqliteLookup(path, refresh_ms=100, clock=lambda: now[0]) as reader,
    ):
        assert reader.get(ENRICHMENT_TABLE, "asset", "a") is None
        writer.put_many(ENRICHMENT_TABLE, [("asset", "a", {"v": 1})])
        now[0] = 0.05  # within the interval: the cached miss stands
        assert reader.get(ENRICHMENT_TABLE, "asset", "a") is None
        now[0] = 0.1
        assert reader.get(ENRICHMENT_TABLE, "asset", "a") == {"v": 1}


def test_own_writes_are_seen_at_once(tmp_path: Path) -> None:
    with SqliteLookup(tmp_path / "lookup.db", refresh_ms=3_600_000) as store:
        assert store.get(ENRICHMENT_TABLE, "asset", "a") is None
        store.put_many(ENRICHMENT_TABLE, [("asset", "a", {"v": 1})])
        assert store.get(ENRICHMENT_TABLE, "asset", "a") == {"v": 1}
        store.put_many(ENRICHMENT_TABLE, [("asset", "a", {"v": 2})])
        assert store.get(ENRICHMENT_TABLE, "asset", "a") == {"v": 2}


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    rows = [("asset", str(i), {"n": i}) for i in range(50)]
    with SqliteLookup(tmp_path / "lookup.db", cache_size=10) as store:
        store.put_many(ENRICHMENT_TABLE, rows)
        for _, indicator, value in rows:
            assert store.get(ENRICHMENT_TABLE, "asset", indicator) == value
        assert len(store._cache) == 10
        # the most recently used keys are the ones kept
        assert ("enrichment", "t", "asset", "49") in store._cache
        assert ("enrichment", "t", "asset", "0") not in store._cache


def test_keys_are_bound_as_parameters(tmp_path: Path) -> None:
    hostile = "x' OR '1'='1"
    with SqliteLookup(tmp_path / "lookup.db", cache_size=0) as store:
        store.put_many(ENRICHMENT_TABLE, [("asset", "a", {})])
        assert not store.exists(ENRICHMENT_TABLE, "asset", hostile)
        store.put_many(hostile, [(hostile, hostile, {"q": hostile})], hostile)
        assert store.get(hostile, hostile, hostile, hostile) == {"q": hostile}
        assert len(store) == 2


def test_a_reader_keeps_reading_while_a_writer_loads(tmp_path: Path) -> None:
    path = tmp_path / "lookup.db"
    with SqliteLookup(path) as seed:
        seed.put_many(ENRICHMENT_TABLE, [("asset", "seed", {"v": 0})])
    errors: list[BaseException] = []
    done = threading.Event()

    def load() -> None:
        try:
            with SqliteLookup(path, batch_size=50) as writer:
                for batch in range(20):
                    writer.put_many(
                        THREAT_INTEL_TABLE,
                        [("ip", f"{batch}.{i}", {"b": batch}) for i in range(100)],
                    )
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()

    seen_last = False
    with SqliteLookup(path, refresh_ms=0) as reader:
        thread = threading.Thread(target=load)
        thread.start()
        reads = 0
        while not done.is_set() or reads < 100:
            assert reader.get(ENRICHMENT_TABLE, "asset", "seed") == {"v": 0}
            reader.exists(THREAT_INTEL_TABLE, "ip", "19.99")
            reads += 1
        thread.join(timeout=30)
        seen_last = reader.exists(THREAT_INTEL_TABLE, "ip", "19.99")
    assert not errors
    assert seen_last


def test_one_store_shared_by_threads(tmp_path: Path) -> None:
    with SqliteLookup(tmp_path / "lookup.db", cache_size=64) as store:
        store.put_many(ENRICHMENT_TABLE, [("asset", str(i), {"n": i}) for i in range(200)])
        failures: list[str] = []

        def read(offset: int) -> None:
            for round_ in range(5):
                for i in range(200):
                    j = (i + offset + round_) % 200
                    if store.get(ENRICHMENT_TABLE, "asset", str(j)) != {"n": j}:
                        failures.append(f"{j}")

        threads = [threading.Thread(target=read, args=(k * 37,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not failures


# --- Stellar ENRICHMENT_GET / ENRICHMENT_EXISTS -------------------------------------


@pytest.fixture
def context(store: LookupStore) -> StellarContext:
    store.put_many(ENRICHMENT_TABLE, [("asset", "10.0.0.1", ASSET)])
    store.put_many(THREAT_INTEL_TABLE, [("malicious_ip", "1.2.3.4", {"source": "feed"})])
    return StellarContext(services={"enrichment": EnrichmentService(store)})


def test_stellar_enrichment_get(context: StellarContext) -> None:
    get = stellar.compile("ENRICHMENT_GET('asset', ip, 'enrichment', 't')", context=context)
    assert get.evaluate({"ip": "10.0.0.1"}) == ASSET
    assert get.evaluate({"ip": "10.0.0.2"}) == {}
    assert get.evaluate({}) == {}  # a null indicator
    owner = stellar.compile(
        "MAP_GET('owner', ENRICHMENT_GET('asset', ip, 'enrichment', 't'))", context=context
    )
    assert owner.evaluate({"ip": "10.0.0.1"}) == "finance"
    assert owner.evaluate({"ip": "10.0.0.9"}) is None


def test_stellar_enrichment_exists(context: StellarContext) -> None:
    exists = stellar.compile(
        "ENRICHMENT_EXISTS('malicious_ip', ip_dst_addr, 'threatintel', 't')", context=context
    )
    assert exists.evaluate({"ip_dst_addr": "1.2.3.4"}) is True
    assert exists.evaluate({"ip_dst_addr": "1.2.3.5"}) is False
    assert exists.evaluate({}) is False
    null_type = stellar.compile(
        "ENRICHMENT_EXISTS(kind, '1.2.3.4', 'threatintel', 't')", context=context
    )
    assert null_type.evaluate({}) is False


def test_stellar_the_table_and_family_matter(context: StellarContext) -> None:
    def run(expr: str) -> object:
        return stellar.compile(expr, context=context).evaluate()

    assert run("ENRICHMENT_EXISTS('malicious_ip', '1.2.3.4', 'enrichment', 't')") is False
    assert run("ENRICHMENT_EXISTS('malicious_ip', '1.2.3.4', 'threatintel', 'f')") is False
    assert run("ENRICHMENT_GET('asset', '10.0.0.1', 'no_such_table', 't')") == {}
    # a null column family means the default one
    assert run("ENRICHMENT_EXISTS('malicious_ip', '1.2.3.4', 'threatintel', null)") is True


def test_stellar_all_four_arguments_are_required(context: StellarContext) -> None:
    for name in ("ENRICHMENT_GET", "ENRICHMENT_EXISTS"):
        with pytest.raises(StellarError, match=name):
            stellar.compile(
                f"{name}('asset', '10.0.0.1', 'enrichment')", context=context
            ).evaluate()
        with pytest.raises(StellarError, match=name):
            stellar.compile(f"{name}('asset', 5, 'enrichment', 't')", context=context).evaluate()


def test_service_methods_directly() -> None:
    store = MemoryLookup()
    store.put_many(ENRICHMENT_TABLE, [("asset", "a", {"k": "v"})])
    service = EnrichmentService(store)
    assert service.get("asset", "a", "enrichment", "t") == {"k": "v"}
    assert service.get(None, "a", "enrichment", "t") == {}
    assert service.get("asset", None, "enrichment", "t") == {}
    assert service.exists("asset", "a", "enrichment", "t") is True
    assert service.exists(None, None, "enrichment", "t") is False
    with pytest.raises(TypeError, match="takes 4 arguments"):
        service.get("asset", "a")
    with pytest.raises(TypeError, match="table argument"):
        service.exists("asset", "a", None, "t")
