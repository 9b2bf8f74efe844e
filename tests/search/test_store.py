"""The alert store as Metron's DAO: search shapes, updates, history and meta-alerts, over
both indexes (the reference twin and the fast engine)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from metron.errors import MetronError
from metron.search.query import Index, Term
from metron.search.store import AlertStore, DocumentNotFound, InvalidRequest


def _naive() -> Index:
    from metron.search.naive import NaiveIndex

    return NaiveIndex()


def _engine() -> Index:
    from metron.search.engine import ColumnIndex

    return ColumnIndex()


INDEXES: dict[str, Callable[[], Index]] = {"naive": _naive, "engine": _engine}


def alert(n: int, sensor: str = "bro", **fields: Any) -> dict[str, Any]:
    doc = {
        "guid": f"g{n}",
        "source.type": sensor,
        "timestamp": 1_000 + n,
        "ip_src_addr": f"10.0.0.{n}",
        "ip_dst_addr": "192.0.2.1",
        "ip_dst_port": 443 if n % 2 else 22,
        "threat.triage.score": float(n * 10),
    }
    doc.update(fields)
    return doc


@pytest.fixture(autouse=True, params=["rows", "blocks"])
def text_storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: with the texts of small writes in their rows, as in production,
    and with every write's texts in tiny blocks (several a write, few cached)."""
    if request.param == "blocks":
        from metron.search import blocks

        monkeypatch.setattr(blocks, "MIN_DOCS", 1)
        monkeypatch.setattr(blocks, "BLOCK_BYTES", 300)
        monkeypatch.setattr(blocks, "CACHED_BLOCKS", 2)
    return str(request.param)


@pytest.fixture(params=sorted(INDEXES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    with AlertStore(tmp_path / "alerts", index=INDEXES[request.param]()) as opened:
        opened.add_many(
            [("bro", alert(n)) for n in range(1, 6)]
            + [("snort", alert(n, "snort", msg="bad thing")) for n in range(6, 9)]
        )
        yield opened


def ids(response: dict[str, Any]) -> list[str]:
    return [r["id"] for r in response["results"]]


def test_search_response_has_metrons_shape(store: AlertStore) -> None:
    response = store.search({"query": "*", "size": 3})
    assert response["total"] == 8
    assert ids(response) == ["g8", "g7", "g6"]  # default sort: timestamp desc
    first = response["results"][0]
    assert first["index"] == "snort"
    assert first["score"] == 1.0
    assert first["source"]["guid"] == "g8"
    assert response["facetCounts"] is None


def test_query_sort_paging_fields_facets_and_indices(store: AlertStore) -> None:
    response = store.search(
        {
            "indices": ["bro"],
            "query": "ip_dst_port:443 OR ip_src_addr:10.0.0.2",
            "sort": [{"field": "threat.triage.score", "sortOrder": "asc"}],
            "from": 1,
            "size": 2,
            "fields": ["guid", "ip_dst_port"],
            "facetFields": ["ip_dst_port"],
        }
    )
    assert response["total"] == 4  # g1, g2, g3, g5
    assert ids(response) == ["g2", "g3"]
    assert response["results"][0]["source"] == {"guid": "g2", "ip_dst_port": 22}
    assert response["facetCounts"] == {"ip_dst_port": {"443": 3, "22": 1}}
    # Metron's Elasticsearch index names name the same index
    assert store.search({"indices": ["snort_index*"], "query": "*"})["total"] == 3


def test_size_limit_and_bad_requests(store: AlertStore) -> None:
    with pytest.raises(InvalidRequest, match="Search result size must be less than 1000"):
        store.search({"query": "*", "size": 1001})
    with pytest.raises(InvalidRequest, match="sortOrder"):
        store.search({"query": "*", "sort": [{"field": "x", "sortOrder": "up"}]})
    from metron.search.lucene import QuerySyntaxError

    with pytest.raises(QuerySyntaxError, match="position"):
        store.search({"query": "ip_src_addr:(10.0.0.1"})


def test_reindexing_replaces_instead_of_duplicating(store: AlertStore) -> None:
    store.add_many([("bro", alert(1, ip_src_addr="10.9.9.9"))])
    assert store.search({"query": "guid:g1"})["total"] == 1
    assert store.search({"query": "ip_src_addr:10.9.9.9"})["total"] == 1
    assert store.search({"query": "ip_src_addr:10.0.0.1"})["total"] == 0


def test_status_comments_patch_replace_and_history(store: AlertStore) -> None:
    store.set_status("g1", "bro", "escalate", "ann")
    assert store.find_one("g1", "bro")["alert_status"] == "ESCALATE"  # type: ignore[index]
    assert store.search({"query": "alert_status:ESCALATE"})["total"] == 1
    with pytest.raises(InvalidRequest, match="unknown alert status"):
        store.set_status("g1", "bro", "closed")
    comment = {"guid": "g1", "sensorType": "bro", "comment": "looked", "username": "ann"}
    store.add_comment({**comment, "timestamp": 5})
    store.add_comment({**comment, "comment": "again", "timestamp": 6})
    doc = store.remove_comment({**comment, "timestamp": 5})
    assert doc["comments"] == [{"comment": "again", "username": "ann", "timestamp": 6}]
    store.patch(
        {
            "guid": "g1",
            "sensorType": "bro",
            "patch": [{"op": "ADD", "path": "/owner", "value": "ann"}],
        }
    )
    assert store.search({"query": "owner:ann"})["total"] == 1
    store.replace(
        {"guid": "g1", "sensorType": "bro", "replacement": {"timestamp": 9, "new": "doc"}}
    )
    assert store.find_one("g1", "bro") == {
        "timestamp": 9,
        "new": "doc",
        "guid": "g1",
        "source.type": "bro",
    }
    actions = [h["action"] for h in store.history("g1", "bro")]
    assert actions == [
        "status",
        "comment added",
        "comment added",
        "comment removed",
        "patch",
        "replace",
    ]
    first = store.history("g1", "bro")[0]
    assert first["user"] == "ann"
    assert "alert_status" not in first["before"]
    assert first["after"]["alert_status"] == "ESCALATE"
    with pytest.raises(DocumentNotFound, match="guid=nope"):
        store.set_status("nope", "bro", "OPEN")
    with pytest.raises(InvalidRequest, match="Invalid path: /nope/deeper"):
        store.patch(
            {"guid": "g2", "sensorType": "bro", "patch": [{"op": "remove", "path": "/nope/deeper"}]}
        )


def test_meta_alerts(store: AlertStore) -> None:
    with pytest.raises(InvalidRequest, match="must contain UI groups"):
        store.create_meta_alert({"alerts": [{"guid": "g1", "sensorType": "bro"}], "groups": []})
    meta = store.create_meta_alert(
        {
            "alerts": [{"guid": "g1", "sensorType": "bro"}, {"guid": "g6", "sensorType": "snort"}],
            "groups": ["ip_dst_addr"],
        }
    )
    assert meta["source.type"] == "metaalert"
    assert meta["status"] == "active"
    assert (meta["count"], meta["sum"], meta["max"], meta["min"]) == (2, 70.0, 60.0, 10.0)
    assert meta["threat.triage.score"] == 70.0  # meta.dao.sort: sum
    assert meta["median"] == 35.0 and meta["average"] == 35.0
    assert store.find_one("g1", "bro")["metaalerts"] == [meta["guid"]]  # type: ignore[index]
    everything = store.search({"query": "*", "size": 100})
    assert sorted(ids(everything)) == sorted(["g2", "g3", "g4", "g5", "g7", "g8", meta["guid"]])
    # a query matching a child finds the meta-alert in its place
    assert ids(store.search({"query": "ip_src_addr:10.0.0.6"})) == [meta["guid"]]
    # an update of a child is copied into the meta-alert
    store.set_status("g6", "snort", "OPEN")
    (snort,) = [
        a
        for a in store.find_one(meta["guid"], "metaalert")["metron_alert"]  # type: ignore[index]
        if a["guid"] == "g6"
    ]
    assert snort["alert_status"] == "OPEN"
    added = store.add_alerts_to_meta_alert(
        {
            "metaAlertGuid": meta["guid"],
            "alerts": [{"guid": "g1", "sensorType": "bro"}, {"guid": "g2", "sensorType": "bro"}],
        }
    )
    assert [a["guid"] for a in added["metron_alert"]] == ["g1", "g6", "g2"]
    assert added["count"] == 3
    with pytest.raises(InvalidRequest, match="empty meta alert"):
        store.remove_alerts_from_meta_alert(
            {
                "metaAlertGuid": meta["guid"],
                "alerts": [
                    {"guid": g, "sensorType": s}
                    for g, s in [("g1", "bro"), ("g2", "bro"), ("g6", "snort")]
                ],
            }
        )
    store.remove_alerts_from_meta_alert(
        {"metaAlertGuid": meta["guid"], "alerts": [{"guid": "g2", "sensorType": "bro"}]}
    )
    assert "g2" in ids(store.search({"query": "*", "size": 100}))
    assert store.meta_alerts_for_alert("g1")["total"] == 1
    with pytest.raises(InvalidRequest, match="not allowed for /alert or /status"):
        store.patch(
            {
                "guid": meta["guid"],
                "sensorType": "metaalert",
                "patch": [{"op": "replace", "path": "/status", "value": "inactive"}],
            }
        )
    store.update_meta_alert_status(meta["guid"], "inactive")
    visible = ids(store.search({"query": "*", "size": 100}))
    assert meta["guid"] not in visible and "g1" in visible and "g6" in visible
    assert store.meta_alerts_for_alert("g1")["total"] == 0
    with pytest.raises(InvalidRequest, match="INACTIVE"):
        store.add_alerts_to_meta_alert(
            {"metaAlertGuid": meta["guid"], "alerts": [{"guid": "g3", "sensorType": "bro"}]}
        )
    store.update_meta_alert_status(meta["guid"], "active")
    assert "g1" not in ids(store.search({"query": "*", "size": 100}))


def test_group_request(store: AlertStore) -> None:
    response = store.group(
        {
            "indices": [],
            "query": "*",
            "scoreField": "threat.triage.score",
            "groups": [
                {"field": "source.type", "order": {"groupOrderType": "term", "sortOrder": "asc"}},
                {"field": "ip_dst_port"},
            ],
        }
    )
    assert response["groupedBy"] == "source.type"
    bro, snort = response["groupResults"]
    assert (bro["key"], bro["total"], bro["score"]) == ("bro", 5, 150.0)
    assert bro["groupedBy"] == "ip_dst_port"
    assert [(g["key"], g["total"]) for g in bro["groupResults"]] == [("443", 3), ("22", 2)]
    assert bro["groupResults"][0]["groupResults"] is None
    assert (snort["key"], snort["total"]) == ("snort", 3)


def test_column_metadata(store: AlertStore) -> None:
    columns = store.column_metadata(["bro"])
    assert columns["ip_src_addr"] == "ip"
    assert columns["ip_dst_port"] == "long"
    assert columns["threat.triage.score"] == "double"
    assert columns["timestamp"] == "date"
    assert columns["source.type"] == "keyword"
    assert "msg" not in columns
    assert store.column_metadata(["snort"])["msg"] == "keyword"


@pytest.mark.parametrize("kind", sorted(INDEXES))
def test_a_second_store_sees_the_first_ones_writes(tmp_path: Path, kind: str) -> None:
    with (
        AlertStore(tmp_path / "a", index=INDEXES[kind]()) as one,
        AlertStore(tmp_path / "a", index=INDEXES[kind]()) as two,
    ):
        one.add_many([("bro", alert(1)), ("bro", alert(2))])
        assert two.search({"query": "*"})["total"] == 2
        two.set_status("g1", "bro", "OPEN")
        one.add_many([("bro", alert(3))])
        assert one.search({"query": "alert_status:OPEN"})["total"] == 1
        assert one.search({"query": "*"})["total"] == 3
        assert two.search({"query": "*"})["total"] == 3


def test_the_index_snapshot_is_reused_and_caught_up(tmp_path: Path) -> None:
    with AlertStore(tmp_path / "a") as one:
        one.add_many([("bro", alert(n)) for n in range(1, 4)])
        one.save_index()
        one.set_status("g2", "bro", "OPEN")  # after the snapshot
    assert [p.name for p in (tmp_path / "a").glob("index-*")] == ["index-3"]
    with AlertStore(tmp_path / "a") as two:
        assert two.search({"query": "*"})["total"] == 3
        assert ids(two.search({"query": "alert_status:OPEN"})) == ["g2"]
        two.save_index()
    assert [p.name for p in (tmp_path / "a").glob("index-*")] == ["index-4"]


def test_an_unreadable_snapshot_is_skipped_and_the_index_rebuilt(tmp_path: Path) -> None:
    with AlertStore(tmp_path / "a") as one:
        one.add_many([("bro", alert(n)) for n in range(1, 4)])
        one.save_index()
    broken = tmp_path / "a" / "index-3"
    for child in broken.iterdir():
        child.write_bytes(b"not a snapshot")
    with AlertStore(tmp_path / "a") as two:
        assert two.search({"query": "*"})["total"] == 3
        assert any("index-3" in problem for problem in two.problems)


def test_write_only_stores_replace_across_processes_and_readers_see_one_version(
    tmp_path: Path,
) -> None:
    """The pipeline's workers open the store write-only: two of them writing the same
    guids (a replayed batch) leave one live version each, which a searchable store sees."""
    from metron.search.documents import DocumentStore

    with (
        DocumentStore(tmp_path / "a", searchable=False) as one,
        DocumentStore(tmp_path / "a", searchable=False) as two,
    ):
        one.add_many([("bro", alert(n)) for n in range(1, 4)])
        two.add_many([("bro", alert(n, note="again")) for n in range(2, 6)])
        one.add_many([("bro", alert(5, note="third"))])
        one.save_index()  # nothing to save: no snapshot appears
        assert not list((tmp_path / "a").glob("index-*"))
        with pytest.raises(MetronError):
            one.index.search(Term("guid", "g1"))
    with AlertStore(tmp_path / "a") as reader:
        found = reader.search({"query": "*", "size": 10})
        assert sorted(ids(found)) == ["g1", "g2", "g3", "g4", "g5"]
        assert reader.find_one("g5", "bro")["note"] == "third"
        assert reader.find_one("g2", "bro")["note"] == "again"
        reader.save_index()
    # a writer opened after a snapshot starts from the snapshot's key map
    with DocumentStore(tmp_path / "a", searchable=False) as three:
        three.add_many([("bro", alert(1, note="late"))])
    with AlertStore(tmp_path / "a") as reader:
        assert reader.search({"query": "*"})["total"] == 5
        assert reader.find_one("g1", "bro")["note"] == "late"


def _count_read_backs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many documents each read-back (from the database) takes, from now on."""
    from metron.search.documents import DocumentStore

    counts: list[int] = []
    real_read_back = DocumentStore._read_back

    def counting(self: DocumentStore, first: int, last: int, *args: Any) -> None:
        counts.append(last - first + 1)
        real_read_back(self, first, last, *args)

    monkeypatch.setattr(DocumentStore, "_read_back", counting)
    return counts


def _texts(docs: list[dict[str, Any]]) -> list[bytes]:
    import orjson

    return [orjson.dumps(doc) for doc in docs]


@pytest.mark.parametrize("with_table", [False, True])
def test_handed_over_writes_are_the_writes_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_table: bool
) -> None:
    """The platform's workers hand what they wrote to the searching process, which takes
    it instead of reading it back: the index must be the same, replacements, other
    writers between handovers, stale and dropped handovers included; and so when the
    handovers carry the table the writer read from the texts (taken as it is, unless
    some of its documents were replaced already)."""
    import pickle

    import metron.search.documents as documents
    from metron.arrowjson import read_lines
    from metron.search.documents import DocumentStore
    from metron.search.engine import ColumnIndex

    tables_taken: list[int] = []
    real_add_columns = ColumnIndex.add_columns

    def spying(self: ColumnIndex, ids: Any, indexes: Any, texts: Any, table: Any = None) -> None:
        if table is not None:
            tables_taken.append(len(ids))
        real_add_columns(self, ids, indexes, texts, table)

    monkeypatch.setattr(ColumnIndex, "add_columns", spying)
    real_texts = _texts

    def _texts_and_table(docs: list[dict[str, Any]]) -> Any:
        texts = real_texts(docs)
        return (texts, read_lines(texts)) if with_table else (texts,)

    monkeypatch.setattr(documents, "OFFER_LIMIT", 3_000)  # a few handovers' text
    read_back_rows = _count_read_backs(monkeypatch)
    handed = AlertStore(tmp_path / "a")
    with (
        DocumentStore(tmp_path / "a", searchable=False) as one,
        DocumentStore(tmp_path / "a", searchable=False) as two,
    ):
        batches = [
            (one, [alert(n) for n in range(1, 5)]),
            (two, [alert(n, note="again") for n in (3, 6, 7)]),  # replaces g3
            (one, [alert(8, "snort"), alert(8, "snort", note="twice")]),  # g8 twice
        ]
        for store, docs in batches:
            handover = store.add_texts(docs[0]["source.type"], docs, *_texts_and_table(docs))
            assert handover is not None
            handed.offer(pickle.loads(pickle.dumps(handover)))
        two.add_many([("bro", alert(9))])  # a writer that hands nothing over
        late = one.add_texts("bro", [alert(6, note="late")], _texts([alert(6, note="late")]))
        handed.refresh()
        if with_table:
            # each handover lost a document to a later write (g3, g6, g8), and brought
            # its table without its texts (the index needs none): all read back
            assert read_back_rows == [4, 3, 2, 2]
        else:
            assert read_back_rows == [2]  # g9 and the late g6: the rest was handed over
        read_back_rows.clear()
        # each of those handovers lost a document to a later write (g3, g6, g8): their
        # texts are read instead of their tables
        assert tables_taken == []
        assert late is not None
        handed.offer(late)  # already caught up: dropped
        assert not handed._offers
        for n in range(10, 40):  # more than OFFER_LIMIT: the oldest are read back
            docs = [alert(n, note="x" * 50)]
            handover = one.add_texts("bro", docs, *_texts_and_table(docs))
            assert handover is not None
            handed.offer(handover)
        assert handed._offered_bytes <= 3_000
        one.add_many([("bro", alert(4, note="replaced later"))])
        handed.refresh()
        # the handovers kept (within OFFER_LIMIT) went in as their tables, joined
        kept = 30 - (sum(read_back_rows) - 1)  # (the add_many handed nothing over)
        assert kept > 0
        assert tables_taken == ([kept] if with_table else [])
    with AlertStore(tmp_path / "a") as read_back:
        for request in (
            {"query": "*", "size": 100, "sort": [{"field": "guid", "sortOrder": "asc"}]},
            {"query": "note:again OR note:twice", "size": 10, "facetFields": ["note"]},
            {"query": "source.type:snort", "size": 10},
        ):
            assert handed.search(request) == read_back.search(request)
        assert handed.find_one("g4", "bro")["note"] == "replaced later"
        assert handed.find_one("g8", "snort")["note"] == "twice"
        assert handed.search({"query": "*", "size": 0})["total"] == 38  # g1-g4, g6-g9, g10-g39
    handed.close()


def test_handovers_that_follow_on_go_into_the_index_joined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handovers of consecutive ids, one index name and the same fields of the same types
    (in any order, dictionary-encoded or not) reach the index as one table; the others
    one by one; the index is the documents read back either way."""
    import pickle

    import metron.search.documents as documents
    from metron.arrowjson import read_lines
    from metron.search.documents import DocumentStore
    from metron.search.engine import ColumnIndex

    tables_taken: list[int] = []
    real_add_columns = ColumnIndex.add_columns

    def spying(self: ColumnIndex, ids: Any, indexes: Any, texts: Any, table: Any = None) -> None:
        tables_taken.append(len(ids))
        real_add_columns(self, ids, indexes, texts, table)

    monkeypatch.setattr(ColumnIndex, "add_columns", spying)
    rows = documents.ENCODED_ROWS  # (so that repeated strings go dictionary-encoded)
    monkeypatch.setattr(documents, "JOIN_ROWS", 2 * rows + 10)

    def batch(start: int, reorder: bool = False, **fields: Any) -> list[dict[str, Any]]:
        docs = [alert(n, note=f"n{n % 3}", **fields) for n in range(start, start + rows)]
        return [dict(reversed(doc.items())) for doc in docs] if reorder else docs

    handed = AlertStore(tmp_path / "a")
    with DocumentStore(tmp_path / "a", searchable=False) as worker:
        batches = [
            ("bro", batch(1)),
            ("bro", batch(1 + rows, reorder=True)),  # the same fields in another order
            ("bro", batch(1 + 2 * rows)),  # past JOIN_ROWS: a new run
            ("bro", batch(1 + 3 * rows, ip_dst_port="ssh")),  # a field of another type
            ("snort", batch(1 + 4 * rows)),  # another index name
            ("snort", batch(1 + 5 * rows)),
        ]
        for index, docs in batches:
            texts = _texts(docs)
            handover = worker.add_texts(index, docs, texts, read_lines(texts))
            assert handover is not None
            handed.offer(pickle.loads(pickle.dumps(handover)))
        handed.refresh()
    assert tables_taken == [2 * rows, rows, rows, 2 * rows]
    with AlertStore(tmp_path / "a") as read_back:
        for request in (
            {"query": "*", "size": 500, "sort": [{"field": "timestamp", "sortOrder": "asc"}]},
            {"query": "note:n1 AND ip_dst_port:22", "size": 5, "facetFields": ["note"]},
            {"query": "ip_dst_port:ssh OR source.type:snort", "size": 0},
        ):
            assert handed.search(request) == read_back.search(request)
    handed.close()


def test_a_patient_refresh_waits_for_handovers_on_their_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker commits, then hands over: a refresh with patience leaves what it
    committed for later rather than read it back, until a handover covers it or it has
    waited ``patience`` seconds; a search sees everything committed at once."""
    from metron.search import documents
    from metron.search.documents import DocumentStore

    read_back_rows = _count_read_backs(monkeypatch)
    clock = [1_000.0]
    monkeypatch.setattr(documents.time, "monotonic", lambda: clock[0])
    with (
        AlertStore(tmp_path / "a") as handed,
        DocumentStore(tmp_path / "a", searchable=False) as worker,
    ):
        first = [alert(n) for n in range(1, 4)]
        handover = worker.add_texts("bro", first, _texts(first))
        assert handover is not None
        handed.refresh(patience=1.0)
        assert len(handed.index) == 0  # committed, not handed over yet: left for later
        handed.offer(handover)
        second = [alert(n) for n in range(4, 6)]
        late = worker.add_texts("bro", second, _texts(second))  # its handover is late
        handed.refresh(patience=1.0)
        assert len(handed.index) == 3  # what was handed over, and no more
        clock[0] += 0.5
        handed.refresh(patience=1.0)
        assert len(handed.index) == 3 and read_back_rows == []
        clock[0] += 0.6  # waited longer than its patience: read back
        handed.refresh(patience=1.0)
        assert len(handed.index) == 5 and read_back_rows == [2]
        assert late is not None
        handed.offer(late)  # passed already: dropped
        assert not handed._offers
        third = [alert(6)]
        worker.add_texts("bro", third, _texts(third))
        handed.refresh(patience=1.0)
        assert len(handed.index) == 5
        assert handed.search({"query": "*", "size": 0})["total"] == 6  # searches wait not


def test_a_handover_leaves_out_the_texts_its_table_makes_needless(tmp_path: Path) -> None:
    """The texts ride along only when the searcher's index would need them beside the
    table; either way the searcher ends with the documents as written."""
    from metron.arrowjson import read_lines
    from metron.search.documents import DocumentStore

    with (
        AlertStore(tmp_path / "a") as handed,
        DocumentStore(tmp_path / "a", searchable=False) as worker,
    ):
        plain = [alert(n) for n in range(1, 4)]  # a float score written as 10.0, ...
        texts = _texts(plain)
        handover = worker.add_texts("bro", plain, texts, read_lines(texts))
        assert handover is not None and handover.texts is None and handover.last == 3
        mixed = [alert(4, score=1), alert(5, score=2.5)]  # an integer among floats
        texts = _texts(mixed)
        handover_mixed = worker.add_texts("bro", mixed, texts, read_lines(texts))
        assert handover_mixed is not None and handover_mixed.texts == texts
        handed.offer(handover)
        handed.offer(handover_mixed)
        handed.refresh()
        facets = handed.search({"query": "*", "size": 0, "facetFields": ["score"]})
        assert facets["total"] == 5
        assert facets["facetCounts"]["score"] == {"1": 1, "2.5": 1}
        assert handed.find_one("g2", "bro") == alert(2)


def test_messages_added_with_their_table_are_the_messages_added_alone(tmp_path: Path) -> None:
    """`metron index` reads a batch once with Arrow, for the lake and the search index:
    the index is the same as from the messages; a table the texts do not match (a
    message changed since it was read) is not used."""
    from metron.arrowjson import read_lines

    docs = [alert(n, tags=["a", f"t{n % 2}"]) for n in range(1, 7)]
    texts = _texts(docs)
    with (
        AlertStore(tmp_path / "alone") as alone,
        AlertStore(tmp_path / "tabled") as tabled,
        AlertStore(tmp_path / "changed") as changed,
    ):
        alone.add_many([("bro", d) for d in docs], texts)
        assert tabled.add_many([("bro", d) for d in docs], texts, read_lines(texts)) == 6
        # one raw text missing (the message was changed): serialised again, table unused
        changed.add_many([("bro", d) for d in docs], [None, *texts[1:]], read_lines(texts))
        request = {
            "query": "tags:t1 OR ip_dst_port:22",
            "size": 10,
            "sort": [{"field": "threat.triage.score", "sortOrder": "desc"}],
            "facetFields": ["tags", "ip_dst_port", "threat.triage.score"],
        }
        expected = alone.search(request)
        assert expected["total"] > 0
        assert tabled.search(request) == expected
        assert changed.search(request) == expected
        assert tabled.index.fields() == alone.index.fields()  # type: ignore[attr-defined]


def test_a_handover_pickles_to_its_equal() -> None:
    import pickle

    from metron.arrowjson import read_lines
    from metron.search.documents import Handover

    texts = [orjson.dumps(alert(n)) for n in range(1, 30)]
    keys = [-(2**63), -1, 0, 2**63 - 1, *range(25)]
    for handover in (
        Handover(7, "bro", None, keys, read_lines(texts)),
        Handover(7, "bro", texts, keys, read_lines(texts)),
        Handover(1, "snort", texts, keys, None),
    ):
        back = pickle.loads(pickle.dumps(handover))
        assert (back.first, back.index, back.texts, back.keys) == (
            handover.first,
            handover.index,
            handover.texts,
            handover.keys,
        )
        assert (back.table is None) == (handover.table is None)
        assert back.table is None or back.table.equals(handover.table)
