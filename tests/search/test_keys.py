"""The (guid, sensor) -> version map of the alert store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.search import keys as keys_module
from metron.search.keys import KeyMap, doc_key
from metron.search.store import AlertStore


def test_recent_and_merged_entries_answer_alike(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(keys_module, "MERGE_AT", 4)
    mapping = KeyMap()
    for n in range(10):
        mapping.put(doc_key(f"g{n}", "bro"), n + 1)
    mapping.put(doc_key("g3", "bro"), 99)  # a newer version
    assert mapping.get(doc_key("g3", "bro")) == 99
    assert mapping.get(doc_key("g3", "snort")) is None
    wanted = [doc_key(f"g{n}", "bro") for n in (0, 3, 9)] + [doc_key("x", "y")]
    assert mapping.get_many(wanted) == [1, 99, 10, None]
    mapping.save(tmp_path)
    loaded = KeyMap.load(tmp_path)
    assert loaded is not None and len(loaded) == 10
    assert loaded.get_many(wanted) == [1, 99, 10, None]
    assert KeyMap.load(tmp_path / "missing") is None


def test_a_hash_collision_still_finds_the_right_document(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from metron.search import documents, metaalerts

    monkeypatch.setattr(documents, "doc_key", lambda guid, sensor: 42)
    monkeypatch.setattr(metaalerts, "doc_key", lambda guid, sensor: 42)
    with AlertStore(tmp_path / "a") as store:
        store.add_many(
            [
                ("bro", {"guid": "a", "source.type": "bro"}),
                ("bro", {"guid": "b", "source.type": "bro"}),
            ]
        )
        store.set_status("a", "bro", "OPEN")
        assert store.find_one("a", "bro")["alert_status"] == "OPEN"  # type: ignore[index]
        assert "alert_status" not in store.find_one("b", "bro")  # type: ignore[operator]
        store.add_many([("bro", {"guid": "b", "source.type": "bro", "x": 1})])
        assert store.search({"query": "*"})["total"] == 2


def test_put_many_is_put_in_order() -> None:
    mapping = KeyMap()
    mapping.put_many([1, 2, 1], [10, 20, 30])
    assert mapping.get_many([1, 2, 3]) == [30, 20, None]


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("put"), st.lists(st.tuples(st.integers(-5, 5), st.integers(1, 99)))),
            st.tuples(st.just("get"), st.lists(st.integers(-6, 6), max_size=4)),
        ),
        max_size=30,
    ),
    merge_at=st.integers(1, 8),
)
def test_the_map_answers_as_a_dict_whenever_it_merges(
    steps: list[tuple[str, list[Any]]], merge_at: int
) -> None:
    """Puts wait as they came until a lookup or MERGE_AT of them: whatever the mixture,
    a key gives the id it was put with last."""
    reference: dict[int, int] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keys_module, "MERGE_AT", merge_at)
        mapping = KeyMap()
        for kind, items in steps:
            if kind == "put":
                mapping.put_many([k for k, _ in items], [i for _, i in items])
                reference.update(items)
            else:
                assert mapping.get_many(items) == [reference.get(k) for k in items]
                if items:
                    assert mapping.get(items[0]) == reference.get(items[0])
        mapping._merge()
        assert mapping.get_many(list(range(-6, 7))) == [reference.get(k) for k in range(-6, 7)]
        assert len(mapping) == len(reference)


def test_a_lone_surrogate_is_hashed_not_a_crash(tmp_path: Path) -> None:
    # Python's json module (the REST API's) lets "\ud800" through; mmh3 crashed on it
    assert doc_key("\ud800", "bro") != doc_key("\ud801", "bro")
    assert doc_key("é-guid", "bro") == doc_key("é-guid", "bro")
    with AlertStore(tmp_path / "a") as store:
        assert store.find_one("\ud800", "bro") is None
