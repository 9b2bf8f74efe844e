"""ColumnIndex, the columnar engine: every node kind, sorting, paging, facets, groups,
fields, deletes, indices and snapshots, each checked against answers worked out by hand,
and (hypothesis) against NaiveIndex, the reference twin, on random documents and queries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.arrowjson import read_lines
from metron.search.engine import ColumnIndex
from metron.search.naive import NaiveIndex
from metron.search.query import (
    ONE,
    STAR,
    Bool,
    Exists,
    GroupSpec,
    MatchAll,
    Node,
    Range,
    Regex,
    SortField,
    Term,
    Wildcard,
)

DOCS: list[tuple[str, dict[str, Any]]] = [
    ("bro_1", {"guid": "a", "ip": "10.0.0.1", "port": 22, "score": 5.5, "tag": ["x", "y"], "ok": True}),
    ("bro_1", {"guid": "b", "ip": "10.0.0.2", "port": 80, "score": 1, "tag": "x", "ok": False}),
    ("snort_1", {"guid": "c", "ip": "2001:db8::1", "port": "22", "tag": ["y", "y"], "geo": {"city": "Paris"}}),
    ("snort_2", {"guid": "d", "ip": "192.168.0.9", "port": 443, "score": 9.0, "ok": None, "geo": {"city": "Rome"}}),
    ("bro_2", {"guid": "e", "ip": "::ffff:10.0.0.1", "port": 22.0, "score": "high", "tag": [1, "x"]}),
]  # fmt: skip


def build(cls: type[Any] = ColumnIndex) -> Any:
    index = cls()
    for doc_id, (name, doc) in enumerate(DOCS, 1):
        index.add(doc_id * 10, name, doc)
    return index


def ids(query: Node, **kwargs: Any) -> list[int]:
    result: list[int] = build().search(query, limit=100, **kwargs).ids
    return result


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (MatchAll(), [10, 20, 30, 40, 50]),
        (Term("guid", "c"), [30]),
        (Term("port", "22"), [10, 30, 50]),  # 22, "22" and 22.0
        (Term("port", "22.0"), [10, 50]),  # numbers by value, the string only by its text
        (Term("ip", "10.0.0.1"), [10, 50]),  # the IPv4-mapped form is the same address
        (Term("ip", "10.0.0.0/8"), [10, 20, 50]),
        (Term("ip", "2001:0db8:0:0:0:0:0:1"), [30]),
        (Term("ok", "TRUE"), [10]),
        (Term("tag", "y"), [10, 30]),
        (Term("tag", "1"), [50]),
        (Term(None, "x"), [10, 20, 50]),
        (Term("geo.city", "Paris"), [30]),
        (Term("nope", "x"), []),
        (Wildcard("guid", ("a",)), [10]),
        (Wildcard("ip", ("10.", STAR)), [10, 20]),
        (Wildcard("port", ("2", ONE)), [10, 30]),  # 22 as text "22"; 22.0 is "22.0"
        (Wildcard("ok", ("f", STAR)), [20]),
        (Wildcard("ip*", ("192", STAR)), [40]),
        (Regex("geo.city", "[PR].*"), [30, 40]),
        (Regex("score", "[0-9]\\.[0-9]"), [10, 40]),
        (Range("port", "20", "80"), [10, 20, 50]),
        (Range("port", "22", "80", include_low=False), [20]),
        (Range("score", None, "5.5", include_high=False), [20]),
        (Range("ip", "10.0.0.0", "10.0.0.1"), [10, 50]),
        (Range("guid", "b", "d", include_high=False), [20, 30]),
        (Range("score", None, None), [10, 20, 40, 50]),
        (Exists("geo.city"), [30, 40]),
        (Exists("o*"), [10, 20]),
        (Bool(must=(Term("port", "22"), Term("tag", "x"))), [10, 50]),
        (Bool(should=(Term("guid", "a"), Term("guid", "d"))), [10, 40]),
        (Bool(must_not=(Term("tag", "x"),)), [30, 40]),
        (Bool(must=(MatchAll(),), should=(Term("guid", "zzz"),)), [10, 20, 30, 40, 50]),
        (Bool(), [10, 20, 30, 40, 50]),
    ],
)
def test_nodes(query: Node, expected: list[int]) -> None:
    assert ids(query) == expected
    assert build(NaiveIndex).search(query, limit=100).ids == expected


def test_sort_mixed_types_missing_last_and_ties_in_insertion_order() -> None:
    # score: 5.5, 1, (none), 9.0, "high": numbers first, then strings; missing last.
    assert ids(MatchAll(), sort=[SortField("score", "asc")]) == [20, 10, 40, 50, 30]
    assert ids(MatchAll(), sort=[SortField("score", "desc")]) == [50, 40, 10, 20, 30]
    # port: 22, 80, "22", 443, 22.0 -> ties 22 == 22.0 keep the order added.
    assert ids(MatchAll(), sort=[SortField("port", "asc")]) == [10, 50, 20, 40, 30]
    assert ids(MatchAll(), sort=[SortField("port", "desc")]) == [30, 40, 20, 10, 50]
    # multi-valued: the first value sorts; then a second key.
    assert ids(MatchAll(), sort=[SortField("tag", "asc"), SortField("guid", "desc")]) == [
        50,
        20,
        10,
        30,
        40,
    ]


def test_paging_and_facets() -> None:
    hits = build().search(
        MatchAll(), sort=[SortField("guid", "asc")], offset=1, limit=2, facets=["tag", "port"]
    )
    assert hits.total == 5
    assert hits.ids == [20, 30]
    # A document counts once per distinct value; 22 and "22" share the text "22".
    assert hits.facets["tag"] == {"x": 3, "y": 2, "1": 1}
    assert hits.facets["port"] == {"22": 2, "22.0": 1, "443": 1, "80": 1}
    assert build().search(Term("guid", "a"), limit=0, facets=["nope"]).facets == {"nope": {}}


def test_group_nested_with_score() -> None:
    groups = build().group(
        MatchAll(), [GroupSpec("ok", "term", "asc"), GroupSpec("tag")], score_field="score"
    )
    assert groups == [
        {"key": "false", "total": 1, "score": 1.0, "groups": [{"key": "x", "total": 1, "score": 1.0}]},
        {"key": "true", "total": 1, "score": 5.5, "groups": [
            {"key": "x", "total": 1, "score": 5.5}, {"key": "y", "total": 1, "score": 5.5}]},
    ]  # fmt: skip


def test_fields_by_index() -> None:
    index = build()
    assert index.fields(["snort_*"]) == {
        "guid": {"string"},
        "ip": {"ip"},
        "port": {"string", "integer"},
        "tag": {"string"},
        "geo.city": {"string"},
        "score": {"float"},
    }
    assert index.fields()["port"] == {"integer", "float", "string"}
    assert index.fields()["ok"] == {"boolean"}


def test_indices_delete_and_len() -> None:
    index = build()
    assert index.search(MatchAll(), indices=["bro_*"], limit=100).ids == [10, 20, 50]
    index.delete(20)
    index.delete(20)
    index.delete(999)
    assert len(index) == 4
    assert index.search(Term("tag", "x"), limit=100, facets=["tag"]).facets["tag"] == {
        "x": 2,
        "y": 1,
        "1": 1,
    }
    index.add(60, "bro_1", {"guid": "b2", "tag": "x"})  # an update: re-added under a new id
    assert index.search(Term("tag", "x"), limit=100).ids == [10, 50, 60]
    with pytest.raises(ValueError):
        index.add(60, "bro_1", {})


def test_big_integers_and_odd_floats_stay_exact() -> None:
    index = ColumnIndex()
    index.add(1, "i", {"n": 2**53 + 1, "f": -0.0})
    index.add(2, "i", {"n": 2**53, "f": 0.0})
    index.add(3, "i", {"n": 10**400, "f": float("nan")})
    assert index.search(Term("n", str(2**53))).ids == [2]  # not 2**53 + 1, though as a float...
    assert index.search(Range("n", str(2**53 + 2), None)).ids == [3]
    assert index.search(MatchAll(), sort=[SortField("n", "desc")]).ids == [3, 1, 2]
    assert index.search(MatchAll(), facets=["f"]).facets["f"] == {"-0.0": 1, "0.0": 1}
    assert index.search(Exists("f")).ids == [1, 2]


def test_save_load_round_trip_then_more_adds(tmp_path: Path) -> None:
    index = build()
    index.delete(40)
    index.save(tmp_path / "snap")
    index.save(tmp_path / "snap")  # replacing a snapshot
    loaded = ColumnIndex.load(tmp_path / "snap")
    queries: list[Node] = [MatchAll(), Term("ip", "10.0.0.0/8"), Wildcard("tag", ("y",))]
    for query in queries:
        want = index.search(query, sort=[SortField("port")], limit=100, facets=["tag", "ok"])
        assert (
            loaded.search(query, sort=[SortField("port")], limit=100, facets=["tag", "ok"]) == want
        )
    assert loaded.fields() == index.fields()
    assert len(loaded) == 4
    loaded.add(60, "bro_3", {"guid": "f", "tag": ["y", "z"], "port": 21})
    loaded.delete(10)
    assert loaded.search(Term("tag", "y"), limit=100).ids == [30, 60]
    assert loaded.search(MatchAll(), sort=[SortField("port", "asc")], limit=2).ids == [60, 50]
    loaded.save(tmp_path / "snap")  # over the files it has memory-mapped
    again = ColumnIndex.load(tmp_path / "snap")
    assert again.search(Term("tag", "z")).ids == [60]
    assert again.search(MatchAll(), limit=100).total == 4
    with pytest.raises(OSError):
        ColumnIndex.load(tmp_path / "missing")


# ----------------------------------------------------------------- against the reference

FIELDS = ["a", "b", "c.d"]
TEXTS = ["", "x", "xy", "22", "10.0.0.1", "::ffff:10.0.0.1", "true", "b*c"]
scalars = st.one_of(
    st.sampled_from(TEXTS),
    st.text(alphabet="xy2.1", max_size=3),
    st.booleans(),
    st.integers(-3, 30),
    st.sampled_from([2**53 + 1, -(2**70)]),
    st.floats(-30, 30, allow_nan=False).map(lambda f: round(f, 1)),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.none())
documents = st.lists(
    st.tuples(
        st.sampled_from(["i1", "i2"]),
        st.dictionaries(st.sampled_from(["a", "b", "c.d", "c"]), values, max_size=4),
    ),
    max_size=12,
)
words = st.one_of(st.sampled_from(TEXTS), st.sampled_from(["10.0.0.0/8", "22.0", "FALSE", "1e1"]))
field_names = st.one_of(st.none(), st.sampled_from([*FIELDS, "c", "*", "c.*"]))
leaves = st.one_of(
    st.builds(Term, field_names, words),
    st.builds(
        Wildcard,
        field_names,
        st.lists(st.sampled_from(["x", "2", ".", STAR, ONE]), min_size=1, max_size=3).map(tuple),
    ),
    st.builds(Regex, field_names, st.sampled_from(["x.*", "[0-9]+", "t.*|2", ".*\\..*"])),
    st.builds(
        Range,
        field_names,
        st.one_of(st.none(), words),
        st.one_of(st.none(), words),
        st.booleans(),
        st.booleans(),
    ),
    st.builds(Exists, st.sampled_from([*FIELDS, "c*"])),
    st.just(MatchAll()),
)
queries = st.recursive(
    leaves,
    lambda inner: st.builds(
        Bool,
        st.lists(inner, max_size=2).map(tuple),
        st.lists(inner, max_size=2).map(tuple),
        st.lists(inner, max_size=2).map(tuple),
    ),
    max_leaves=6,
)
sorts = st.lists(
    st.builds(SortField, st.sampled_from(FIELDS), st.sampled_from(["asc", "desc"])), max_size=2
)


@given(
    docs=documents,
    query=queries,
    sort=sorts,
    offset=st.integers(0, 3),
    deleted=st.sets(st.integers(1, 12), max_size=3),
    indices=st.sampled_from([None, ["i1"], ["i*", "zz"]]),
    split=st.integers(0, 12),
)
def test_agrees_with_naive(
    docs: list[tuple[str, dict[str, Any]]],
    query: Node,
    sort: list[SortField],
    offset: int,
    deleted: set[int],
    indices: list[str] | None,
    split: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    fast, naive = ColumnIndex(), NaiveIndex()
    for doc_id, (name, doc) in enumerate(docs, 1):
        if doc_id == split:  # part of the index comes from a snapshot
            fast.search(MatchAll())
            path = tmp_path_factory.mktemp("snap") / "index"
            fast.save(path)
            fast = ColumnIndex.load(path)
        fast.add(doc_id, name, doc)
        naive.add(doc_id, name, doc)
    for doc_id in deleted:
        fast.delete(doc_id)
        naive.delete(doc_id)
    kwargs: dict[str, Any] = {"indices": indices, "sort": sort, "offset": offset, "limit": 5}
    got = fast.search(query, facets=FIELDS, **kwargs)
    assert got == naive.search(query, facets=FIELDS, **kwargs)
    assert len(fast) == len(naive)
    assert fast.fields(indices) == naive.fields(indices)
    specs = [GroupSpec("a"), GroupSpec("c.d", "term", "asc")]
    assert fast.group(query, specs, indices=indices, score_field="b") == naive.group(
        query, specs, indices=indices, score_field="b"
    )


def test_large_sorts_and_pages_agree_with_naive() -> None:
    fast, naive = ColumnIndex(), NaiveIndex()
    for doc_id in range(1, 401):
        doc: dict[str, Any] = {"n": (doc_id * 7919) % 101, "s": f"v{(doc_id * 31) % 57}"}
        if doc_id % 9 == 0:
            doc["n"] = f"t{doc_id % 4}"
        if doc_id % 13 == 0:
            del doc["n"]
        fast.add(doc_id, "i", doc)
        naive.add(doc_id, "i", doc)
    for sort in (
        [SortField("n", "asc")],
        [SortField("n", "desc")],
        [SortField("s", "asc")],
        [SortField("n", "desc"), SortField("s", "asc")],
    ):
        for offset, limit in ((0, 10), (30, 7), (390, 20)):
            kwargs: dict[str, Any] = {"sort": sort, "offset": offset, "limit": limit}
            assert fast.search(MatchAll(), **kwargs) == naive.search(MatchAll(), **kwargs)


def test_a_bad_regex_is_an_error() -> None:
    from metron.search.matching import RegexError

    with pytest.raises(RegexError):
        build().search(Regex("nope", "a&b"))


def _agree(fast: ColumnIndex, naive: NaiveIndex, queries: list[Node], facets: list[str]) -> None:
    """The two indexes answer ``queries`` alike, unsorted and sorted, with ``facets``."""
    for query in queries:
        for sort in ([], [SortField("name", "asc"), SortField("id", "desc")]):
            kwargs: dict[str, Any] = {"sort": sort, "limit": 15, "facets": facets}
            assert fast.search(query, **kwargs) == naive.search(query, **kwargs), query
    assert fast.fields() == naive.fields()


def test_frozen_dictionaries_and_small_batches_agree_with_naive(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import metron.search.columns as columns
    import metron.search.engine as engine

    # Tiny limits, so that dictionaries freeze into Arrow chunks (ASCII and not), unique
    # fields stop de-duplicating, and documents reach the columns in many small batches.
    monkeypatch.setattr(columns, "FREEZE_AT", 8)
    monkeypatch.setattr(columns, "SETTLE_AT", 7)  # vectors move their tails often
    monkeypatch.setattr(engine, "_BATCH", 5)
    fast, naive = ColumnIndex(), NaiveIndex()
    for doc_id in range(1, 121):
        doc = {
            "id": f"id-{doc_id}",
            "name": f"né{doc_id % 11}" if doc_id % 2 else f"n{doc_id % 7}",
            "ip": f"10.0.{doc_id % 3}.{doc_id % 5}",
            "v": [doc_id % 4, "x"] if doc_id % 10 == 0 else doc_id % 6,
        }
        fast.add(doc_id, "i", doc)
        naive.add(doc_id, "i", doc)
        if doc_id == 60:
            fast.save(tmp_path / "snap")
            fast = ColumnIndex.load(tmp_path / "snap")
    queries: list[Node] = [
        Term("id", "id-7"),
        Term("name", "né3"),
        Term(None, "x"),
        Term("ip", "10.0.1.0/24"),
        Wildcard("name", ("n", STAR)),
        Regex("id", "id-1[0-9]"),
        Range("name", "n2", "né5"),
        Range("ip", "10.0.0.0", "10.0.1.255"),
        Range("v", "1", "3"),
    ]
    _agree(fast, naive, queries, ["name", "v", "ip"])
    specs = [GroupSpec("ip", "term", "desc"), GroupSpec("v")]
    assert fast.group(MatchAll(), specs, score_field="v") == naive.group(
        MatchAll(), specs, score_field="v"
    )


@pytest.mark.parametrize(
    ("chunk_bytes", "distinct_batch"), [(1 << 20, 1024), (40, 1024), (1 << 20, 3)]
)
def test_text_batches_into_frozen_dictionaries_agree_with_naive(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chunk_bytes: int, distinct_batch: int
) -> None:
    import orjson

    import metron.search.columns as columns

    # Arrow's arrays go into the columns as they are: unique fields that stopped
    # de-duplicating take each batch as a chunk (merged, so they stay few, unless they
    # hold CHUNK_BYTES), the others code each distinct value once; a snapshot half-way
    # must not change the answers.
    monkeypatch.setattr(columns, "FREEZE_AT", 8)
    monkeypatch.setattr(columns, "SETTLE_AT", 7)
    monkeypatch.setattr(columns, "CHUNK_BYTES", chunk_bytes)
    # (3: a batch of distinct names stops their de-duplicating too: the same name then
    # holds several codes, which every query must find)
    monkeypatch.setattr(columns, "DISTINCT_BATCH", distinct_batch)
    fast, naive = ColumnIndex(), NaiveIndex()
    docs = [
        {
            "id": f"id-{doc_id}",
            "name": f"né{doc_id % 11}" if doc_id % 2 else f"n{doc_id % 7}",
            "ip": f"10.0.{doc_id % 3}.{doc_id % 5}",
            "n": doc_id % 6 if doc_id % 4 else 2**60 + doc_id,
            "ok": doc_id % 3 == 0,
            "tags": ["x", f"t{doc_id % 4}"],
        }
        for doc_id in range(1, 241)
    ]
    for start in range(0, len(docs), 3):
        batch = docs[start : start + 3]
        fast.add_texts([(start + i + 1, "i", orjson.dumps(doc)) for i, doc in enumerate(batch)])
        for i, doc in enumerate(batch):
            naive.add(start + i + 1, "i", doc)
        if start == 120:
            fast.save(tmp_path / "snap")
            fast = ColumnIndex.load(tmp_path / "snap")
    ids = fast._cols["id"].dict
    assert not ids.dedup
    if chunk_bytes == 40:  # each batch's chunk (3 ids and their offsets) is kept
        assert len(ids.frozen) > 60
    else:
        assert len(ids.frozen) < 40  # 240 values, chunks merged past 8
    queries: list[Node] = [
        Term("id", "id-7"),
        Term("name", "né3"),
        Term("tags", "t2"),
        Term("ok", "true"),
        Term("n", str(2**60 + 8)),
        Term("ip", "10.0.1.0/24"),
        Wildcard("id", ("id-2", STAR)),
        Range("n", "1", "3"),
    ]
    _agree(fast, naive, queries, ["name", "n", "tags"])


def test_a_handovers_dictionary_encoded_columns_agree_with_naive() -> None:
    import pickle

    import orjson
    import pyarrow as pa

    from metron.search.documents import ENCODED_ROWS, Handover

    fast, naive = ColumnIndex(), NaiveIndex()
    encoded_types: set[str] = set()
    for batch in range(4):
        docs = [
            {
                "id": f"id-{batch}-{n}",  # distinct: sent as it is
                "name": f"né{n % 7}" if n % 2 else f"n{n % 5}",  # repeated: encoded
                "ip": f"10.0.{n % 3}.{n % 4}",
                "note": "x" * 200 if n % 3 else "y" * 200,  # long: sent as it is
                "rare": "once" if n == 5 else None,  # nulls around one value
                "n": n,
            }
            for n in range(ENCODED_ROWS + batch * 40)
        ]
        first = 1 + batch * 1000
        texts = [orjson.dumps(doc) for doc in docs]
        handover = Handover(first, "i", None, list(range(len(docs))), read_lines(texts))
        back = pickle.loads(pickle.dumps(handover))
        assert back.table is not None
        encoded_types |= {
            name
            for name, kind in zip(back.table.column_names, back.table.schema.types, strict=True)
            if pa.types.is_dictionary(kind)
        }
        plain = pa.table(
            [
                column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
                for column in back.table.columns
            ],
            names=back.table.column_names,
        )
        assert plain.equals(handover.table)
        fast.add_columns(range(first, first + len(docs)), "i", None, back.table)
        for i, doc in enumerate(docs):
            naive.add(first + i, "i", {k: v for k, v in doc.items() if v is not None})
    assert encoded_types == {"name", "ip", "rare"}
    queries: list[Node] = [
        Term("id", "id-2-7"),
        Term("name", "né3"),
        Term("ip", "10.0.1.0/24"),
        Term("rare", "once"),
        Term("note", "y" * 200),
        Wildcard("name", ("n", STAR)),
        Range("name", "n2", "né5"),
        Range("n", "3", "9"),
    ]
    _agree(fast, naive, queries, ["name", "ip", "rare"])


def test_a_batch_of_distinct_new_values_stops_de_duplicating_at_once() -> None:
    import numpy as np
    import pyarrow as pa

    from metron.search import columns

    n = columns.DISTINCT_BATCH
    ids = columns.Dictionary()
    codes = ids.codes_of_array(pa.array([f"id-{i}" for i in range(n)]))
    assert not ids.dedup  # decided at the first batch, not after FREEZE_AT values
    assert codes.tolist() == list(range(2, n + 2))
    assert ids.texts(codes[[0, -1]]) == ["id-0", f"id-{n - 1}"]
    again = ids.codes_of_array(pa.array(["id-0", "id-1"]))  # new codes, found by equal
    assert sorted(ids.equal("id-0").tolist()) == [2, int(again[0])]

    # a value repeated within the batch, a value known already, or a batch too small to
    # tell: the dictionary goes on de-duplicating
    repeated = columns.Dictionary()
    repeated.codes_of_array(pa.array([f"h-{i}" for i in range(n - 1)] + ["h-0"]))
    assert repeated.dedup
    known = columns.Dictionary()
    first = known.codes(["h-5"])
    codes = known.codes_of_array(pa.array([f"h-{i}" for i in range(n)]))
    assert known.dedup and int(codes[5]) == int(first[0])
    small = columns.Dictionary()
    small.codes_of_array(pa.array([f"s-{i}" for i in range(n - 1)]))
    assert small.dedup
    # a field whose values were mostly repeats so far keeps de-duplicating
    hosts = columns.Dictionary()
    hosts.codes_of_array(pa.array([f"x-{i % 10}" for i in range(n)]))
    hosts.codes_of_array(pa.array([f"y-{i}" for i in range(n)]))
    assert hosts.dedup
    assert np.array_equal(
        hosts.codes_of_array(pa.array(["y-3", "x-3"])), hosts.codes(["y-3", "x-3"])
    )


def test_a_vector_settles_its_appends_into_its_base(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from metron.search import columns

    monkeypatch.setattr(columns, "SETTLE_AT", 4)
    vec = columns.Vec("i")
    vec.tail.extend([1, 2, 3])
    vec.settle()  # below SETTLE_AT: the tail stays
    assert len(vec.tail) == 3 and vec.n == 0
    vec.tail.extend([4, 5])
    vec.settle()
    assert len(vec.tail) == 0 and vec.n == 5 and vec.last() == 5
    vec.tail.extend(range(6, 2000))
    vec.settle()
    vec.tail.append(2000)
    assert np.array_equal(vec.view(), np.arange(1, 2001)) and len(vec) == 2000


def test_a_large_vector_grows_in_its_own_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from metron.search import columns

    monkeypatch.setattr(columns, "MAPPED_BYTES", 4096)
    vec = columns.Vec("q")
    expected = []
    held = None
    for step in range(40):
        values = range(step * 1000, step * 1000 + 700)
        vec.tail.extend(values)
        expected.extend(values)
        if step == 20:
            held = vec.view()  # a view held across appends: the base is copied, not remapped
        vec.settle() if step % 3 else vec.view()
        assert np.array_equal(vec.view(), expected)
    assert vec._pages is not None and len(vec._pages) >= 28_000 * 8
    assert held is not None and np.array_equal(held, expected[: len(held)])
    del held  # nobody holds a view now: the map itself grows, in place or moved
    pages, size = vec._pages, len(vec._pages)
    vec.tail.extend(range(size // 8))
    vec.view()
    assert vec._pages is pages and len(pages) > size
    assert np.array_equal(vec.view(), [*expected, *range(size // 8)])
    # a snapshot's read-only base is copied into pages of its own before the first append
    frozen = np.array(expected, dtype=np.int64)
    frozen.flags.writeable = False
    loaded = columns.Vec("q", frozen)
    loaded.tail.append(-1)
    assert np.array_equal(loaded.view(), [*expected, -1]) and loaded.base.flags.writeable
    assert not frozen.flags.writeable and len(frozen) == len(expected)


def test_chunks_of_long_texts_are_kept_and_small_ones_merged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyarrow as pa

    from metron.search import columns

    monkeypatch.setattr(columns, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(columns, "FREEZE_AT", 100)
    words = columns.Dictionary()
    long = [pa.array([f"{i}" * 100] * 20, pa.large_string()) for i in range(3)]
    for chunk in long:
        words._add_chunk(chunk)
    assert [len(chunk) for chunk in words.frozen] == [20, 20, 20]  # ~2 KB each: kept
    for i in range(10):
        words._add_chunk(pa.array([f"s{i}"] * 10, pa.large_string()))
    # small chunks merge once they hold FREEZE_AT values (or CHUNK_BYTES)
    assert [len(chunk) for chunk in words.frozen] == [20, 20, 20, 100]
    assert words.frozen_n == 160
    assert words.text(2 + 20) == "1" * 100 and words.text(2 + 60 + 95) == "s9"


def test_a_kept_chunk_does_not_hold_the_stream_it_was_read_from() -> None:
    import orjson
    import pyarrow as pa

    from metron.search import columns

    lines = [
        orjson.dumps({"raw": f"{i:04d} " + "r" * 300, "other": "o" * 600, "n": i})
        for i in range(200)
    ]
    table = read_lines(lines)
    assert table is not None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    streamed = pa.ipc.open_stream(sink.getvalue()).read_all()  # as a handover arrives
    for source in (table, streamed, table.slice(50, 100)):
        raws = columns.Dictionary()
        raws.dedup = False
        raws.tail.clear()  # (no booleans: the chunk is the dictionary's first)
        array = source.column("raw").chunk(0)
        raws.codes_of_array(array)
        (chunk,) = raws.frozen
        data = chunk.buffers()[2]
        held = data.size if data.parent is None else data.parent.size
        assert held < 2 * sum(map(len, chunk.to_pylist()))  # its own text, not the rest
        assert chunk.to_pylist() == array.to_pylist()
        # read from JSON lines, the column's own buffer is kept as it is (no copy)
        copied = data.address != array.buffers()[2].address
        assert copied == (source is not table)


def test_a_damaged_snapshot_is_a_value_error(tmp_path: Path) -> None:
    build().save(tmp_path / "snap")
    (tmp_path / "snap" / "manifest.json").write_text('{"format": 1}')
    with pytest.raises(ValueError):
        ColumnIndex.load(tmp_path / "snap")


def test_add_many_is_add_for_many() -> None:
    from metron.search.engine import ColumnIndex
    from metron.search.query import MatchAll as All
    from metron.search.query import Term as T

    one, many = ColumnIndex(), ColumnIndex()
    docs = [(n, "bro" if n % 2 else "snort", {"a": n % 3, "b": f"x{n}"}) for n in range(1, 40)]
    for doc_id, index, doc in docs:
        one.add(doc_id, index, doc)
    many.add_many(docs[:10])
    many.add_many(docs[10:])
    for query in (All(), T("a", "1"), T("b", "x7")):
        assert many.search(query, limit=100).ids == one.search(query, limit=100).ids
    assert many.search(All(), indices=["snort"], limit=100).total == 19
    import pytest

    with pytest.raises(ValueError, match="must grow"):
        many.add_many([(5, "bro", {})])


@pytest.mark.parametrize("batch", [3, 5, 7, 12])
def test_add_many_in_batches_across_flushes_agrees_with_naive(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    import metron.search.engine as engine

    # A flush in the middle of an add_many call must put each document in its own row.
    monkeypatch.setattr(engine, "_BATCH", 5)
    fast, naive = ColumnIndex(), NaiveIndex()
    docs = [(i, "i", {"n": i, "name": f"d{i}", "even": i % 2 == 0}) for i in range(1, 58)]
    for start in range(0, len(docs), batch):
        fast.add_many(docs[start : start + batch])
    for doc_id, index, doc in docs:
        naive.add(doc_id, index, doc)
    for query in (
        Term("name", "d17"),
        Term("n", "44"),
        Range("n", "10", "20"),
        Term("even", "true"),
    ):
        kwargs: dict[str, Any] = {
            "sort": [SortField("n", "desc")],
            "limit": 100,
            "facets": ["name"],
        }
        assert fast.search(query, **kwargs) == naive.search(query, **kwargs), query


# ------------------------------------------------------ documents given as their JSON text

_KINDS = [
    st.sampled_from(TEXTS),
    st.booleans(),
    st.integers(-3, 30),
    st.sampled_from([2**53 + 1, 2**63 + 5, -(2**70), 7]),
    st.floats(-30, 30, allow_nan=False).map(lambda f: round(f, 1)),
    st.sampled_from(["2024-01-01", "2024-01-01T10:00:00Z", "x"]),
    st.lists(scalars, max_size=3),
    st.lists(st.one_of(st.sampled_from(TEXTS), st.none()), max_size=3),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.sampled_from(["d", "e"]), scalars, max_size=2),
    st.none(),
]


@st.composite
def text_documents(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    """Documents whose fields mostly keep one kind of value (Arrow reads those), some any."""
    per_field = {
        field: draw(st.sampled_from([*_KINDS, values])) for field in ["a", "b", "c.d", "c"]
    }
    doc = st.fixed_dictionaries({}, optional=per_field)
    return draw(st.lists(st.tuples(st.sampled_from(["i1", "i2"]), doc), max_size=12))


@settings(max_examples=300)
@given(
    docs=text_documents(),
    query=queries,
    sort=sorts,
    split=st.integers(0, 12),
    one_by_one=st.integers(0, 12),
)
def test_documents_added_as_text_are_the_decoded_documents(
    docs: list[tuple[str, dict[str, Any]]],
    query: Node,
    sort: list[SortField],
    split: int,
    one_by_one: int,
) -> None:
    import json

    import orjson

    texts = [json.dumps(doc).encode() for _, doc in docs]
    fast, naive = ColumnIndex(), NaiveIndex()
    entries = [(doc_id, name, text) for doc_id, ((name, _), text) in enumerate(zip(docs, texts), 1)]
    # some documents added one by one first (pending), then the text in two calls
    for doc_id, name, text in entries[:one_by_one]:
        fast.add(doc_id, name, orjson.loads(text))
    rest = entries[one_by_one:]
    cut = min(split, len(rest))
    fast.add_texts(rest[:cut])
    # the second with its texts read already (as a worker's handover brings them)
    fast.add_texts(rest[cut:], read_lines([text for _, _, text in rest[cut:]]))
    for doc_id, name, text in entries:
        naive.add(doc_id, name, orjson.loads(text))
    kwargs: dict[str, Any] = {"sort": sort, "limit": 20}
    assert fast.search(query, facets=FIELDS, **kwargs) == naive.search(
        query, facets=FIELDS, **kwargs
    )
    assert fast.fields() == naive.fields()
    specs = [GroupSpec("a"), GroupSpec("c.d", "term", "asc")]
    assert fast.group(query, specs, score_field="b") == naive.group(query, specs, score_field="b")


def test_text_read_by_arrow_keeps_integers_apart_from_floats() -> None:
    index = ColumnIndex()
    index.add_texts(
        [
            (1, "i", b'{"score":10.0,"n":3,"when":"2024-01-01"}'),
            (2, "i", b'{"score":10,"n":4,"when":"2024-01-02"}'),
            (3, "i", b'{"score":2.5,"tags":["a","b"]}'),
        ]
    )
    assert index.fields() == {
        "score": {"integer", "float"},
        "n": {"integer"},
        "when": {"string"},
        "tags": {"string"},
    }
    assert index.search(Term("when", "2024-01-02")).ids == [2]
    assert index.search(Term("tags", "b")).ids == [3]
    assert index.search(MatchAll(), facets=["score"]).facets["score"] == {
        "10": 1,
        "10.0": 1,
        "2.5": 1,
    }


def test_documents_added_as_columns_are_the_documents_added_as_texts() -> None:
    """A handover's documents come as columns (a range of ids, one index name, the
    texts): the same index as the (id, index, text) entries, and the same checks."""
    texts = [b'{"a":"x%d","n":%d,"tags":["t%d"]}' % (i, i, i % 3) for i in range(6)]
    by_entries, by_columns = ColumnIndex(), ColumnIndex()
    by_entries.add_texts([(10 + i, "bro", text) for i, text in enumerate(texts[:3])])
    by_entries.add_texts([(20 + i, "snort", text) for i, text in enumerate(texts[3:])])
    by_columns.add_columns(range(10, 13), "bro", texts[:3], read_lines(texts[:3]))
    by_columns.add_columns([20, 21, 22], ["snort"] * 3, texts[3:])
    for query in (MatchAll(), Term("tags", "t1"), Term("n", "4")):
        assert by_columns.search(query, facets=["a"]) == by_entries.search(query, facets=["a"])
    with pytest.raises(ValueError, match="must grow"):
        by_columns.add_columns(range(22, 24), "bro", texts[:2])
    with pytest.raises(ValueError, match="must grow"):
        by_columns.add_columns([30, 30], "bro", texts[:2])
    with pytest.raises(ValueError, match="one id, index name and text"):
        by_columns.add_columns(range(30, 32), ["bro"], texts[:2])
    assert len(by_columns) == 6


def test_texts_are_needed_only_for_what_the_table_cannot_say() -> None:
    """A handover leaves its texts out when the index can take everything from the
    table: not for objects, mixtures, lists of floats, or floats written as integers."""
    from metron.search.engine import texts_needed

    def needed(*texts: bytes) -> bool:
        return texts_needed(read_lines(list(texts)), list(texts))

    assert not needed(b'{"a":"x","n":1,"f":2.5,"tags":["t"],"ok":true}', b'{"a":"y","f":3.25}')
    assert not needed(b'{"f":2.0}', b'{"f":2.5}')  # whole, but written as a float
    assert needed(b'{"f":2}', b'{"f":2.5}')  # an integer among the floats
    assert needed(b'{"o":{"k":1}}')  # an object
    assert needed(b'{"ttls":[30.0,60.0]}')  # a list of floats
    assert needed(b'{"v":1}', b'{"v":"x"}')  # a mixture: Arrow cannot read it
    assert texts_needed(None, [b"{}"])


def test_documents_without_their_texts_are_the_documents_with_them() -> None:
    texts = [b'{"a":"x%d","f":%d.5,"tags":["t%d","u"]}' % (i, i, i % 3) for i in range(5)]
    table = read_lines(texts)
    with_texts, without = ColumnIndex(), ColumnIndex()
    with_texts.add_columns(range(1, 6), "bro", texts, table)
    without.add_columns(range(1, 6), "bro", None, table)
    for query in (MatchAll(), Term("tags", "u"), Term("f", "2.5")):
        assert without.search(query, facets=["a", "f"]) == with_texts.search(
            query, facets=["a", "f"]
        )
    assert without.fields() == with_texts.fields()
    odd = [b'{"o":{"k":1}}']
    with pytest.raises(ValueError, match="does not hold the documents alone"):
        without.add_columns(range(6, 7), "bro", None, read_lines(odd))
    assert len(without) == 5  # nothing added
