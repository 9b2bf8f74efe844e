"""Deleting lookup records (what a tombstone on the lookup topic does), in both stores:
the count of records removed, the column family kept apart, and caches that drop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from metron.enrichment.lookup import MemoryLookup, SqliteLookup

Store = MemoryLookup | SqliteLookup


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = MemoryLookup() if request.param == "memory" else SqliteLookup(tmp_path / "l.db")
    made.put_many("threatintel", [("ip", "10.0.0.1", {"a": 1}), ("ip", "10.0.0.2", {"a": 2})])
    made.put_many("threatintel", [("ip", "10.0.0.1", {"f": 1})], "f")
    yield made
    made.close()


def test_delete_many_removes_the_keys_and_counts_what_was_there(store: Store) -> None:
    assert store.exists("threatintel", "ip", "10.0.0.1")  # cached now, for the SQLite store
    assert store.delete_many("threatintel", [("ip", "10.0.0.1"), ("ip", "10.9.9.9")]) == 1
    assert not store.exists("threatintel", "ip", "10.0.0.1")
    assert store.get("threatintel", "ip", "10.0.0.1") is None
    assert store.exists("threatintel", "ip", "10.0.0.2")
    assert store.get("threatintel", "ip", "10.0.0.1", "f") == {"f": 1}  # another family
    assert len(store) == 2


def test_delete_many_moves_the_generation(store: Store) -> None:
    before = store.generation()
    store.delete_many("threatintel", [("ip", "10.0.0.2")])
    assert store.generation() != before
    assert store.delete_many("threatintel", []) == 0


def test_another_connection_sees_the_deletion(tmp_path: Path) -> None:
    with (
        SqliteLookup(tmp_path / "l.db") as writer,
        SqliteLookup(tmp_path / "l.db", refresh_ms=0) as reader,
    ):
        writer.put_many("enrichment", [("asset", "h1", {"owner": "ops"})])
        assert reader.exists("enrichment", "asset", "h1")
        generation = reader.generation()
        writer.delete_many("enrichment", [("asset", "h1")])
        assert not reader.exists("enrichment", "asset", "h1")
        assert reader.generation() != generation


@pytest.mark.parametrize("key", ["ip", ("ip",), ("ip", 7), None])
def test_bad_keys_are_refused(store: Store, key: object) -> None:
    with pytest.raises(TypeError, match="lookup key"):
        store.delete_many("threatintel", [key])  # type: ignore[list-item]
