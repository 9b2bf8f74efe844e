"""The alert store's compressed blocks of documents' texts: packing, reading back, and
the store over them (bulk writes in blocks, small writes and updates in their rows)."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.arrowjson import read_lines
from metron.errors import MetronError
from metron.search import blocks
from metron.search.store import AlertStore, InvalidRequest


def _database(texts: list[bytes], first: int, limit: int) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(blocks.SCHEMA)
    blocks.insert(conn, blocks.pack(texts, limit), first)
    return conn


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=60),
    first=st.integers(1, 10**12),
    limit=st.integers(1, 2000),
    data=st.data(),
)
def test_packed_texts_read_back_as_they_were(
    texts: list[bytes], first: int, limit: int, data: st.DataObject
) -> None:
    conn = _database(texts, first, limit)
    rows = conn.execute("SELECT first, last, sizes FROM blocks ORDER BY last").fetchall()
    # the blocks cover the texts in order, each whole, none past the limit by more
    # than its last text
    assert rows[0][0] == first and rows[-1][1] == first + len(texts) - 1
    assert all(a[1] + 1 == b[0] for a, b in pairwise(rows))
    for start, stop, sizes in rows:
        held = texts[start - first : stop - first + 1]
        assert len(sizes) == 4 * len(held)
        assert sum(map(len, held[:-1])) < limit or len(held) == 1
    wanted = data.draw(st.lists(st.integers(first, first + len(texts) - 1), max_size=20))
    reader = blocks.Blocks(conn)
    assert reader.texts(wanted) == {i: texts[i - first] for i in wanted}
    everything = list(range(first, first + len(texts)))
    assert list(reader.texts(everything).values()) == texts


def test_a_document_no_block_holds_is_a_clear_error() -> None:
    conn = _database([b"{}", b"{}"], 10, 100)
    reader = blocks.Blocks(conn)
    assert reader.texts([10, 11]) == {10: b"{}", 11: b"{}"}
    for missing in (9, 12):
        with pytest.raises(MetronError, match=f"document {missing} has no text"):
            reader.texts([missing])


def test_a_damaged_block_is_a_clear_error() -> None:
    conn = _database([b'{"a":1}', b'{"b":2}'], 1, 100)
    conn.execute("UPDATE blocks SET sizes = ?", (b"\x01\x00\x00\x00",))
    with pytest.raises(MetronError, match="block ending at document 2 is damaged"):
        blocks.Blocks(conn).texts([1])


def test_damaged_data_is_a_clear_error() -> None:
    conn = _database([b'{"a":1}' * 50, b'{"b":2}'], 1, 1000)
    conn.execute("UPDATE blocks SET data = substr(data, 1, 20)")
    with pytest.raises(MetronError, match="block ending at document 2 is damaged"):
        blocks.Blocks(conn).texts([2])


def test_an_unknown_codec_is_a_clear_error() -> None:
    conn = _database([b"{}"], 1, 100)
    conn.execute("UPDATE blocks SET codec = 'brotli9'")
    with pytest.raises(MetronError, match="compressed with 'brotli9'"):
        blocks.Blocks(conn).texts([1])


def _doc(n: int, sensor: str = "bro") -> dict[str, Any]:
    return {"guid": f"g{n}", "source.type": sensor, "timestamp": n, "ip_src_addr": f"10.0.0.{n}"}


def test_a_bulk_write_keeps_its_texts_in_blocks_and_reads_them_back(tmp_path: Path) -> None:
    docs = [_doc(n, "bro" if n % 3 else "snort") for n in range(200)]
    texts = [orjson.dumps(d) for d in docs]
    with AlertStore(tmp_path / "a") as store:
        store.add_many([("mixed", d) for d in docs], texts)  # several sensors: JSON rows
        store.add_many([("few", _doc(n)) for n in range(1000, 1003)])  # small: in rows
        db = sqlite3.connect(tmp_path / "a" / "alerts.db")
        empty = db.execute("SELECT count(*) FROM docs WHERE doc = x''").fetchone()[0]
        assert empty == 200
        assert db.execute("SELECT sum(last - first + 1) FROM blocks").fetchone()[0] == 200
        rows = db.execute("SELECT guid, sensor, idx FROM docs ORDER BY id").fetchall()
        assert rows[:3] == [
            ("g0", "snort", "mixed"),
            ("g1", "bro", "mixed"),
            ("g2", "bro", "mixed"),
        ]
        assert store.find_one("g7", "bro") == docs[7]
        assert store.find_one("g1001", "bro") == _doc(1001)
        store.set_status("g5", "bro", "OPEN")  # a new version, in its row
        assert store.find_one("g5", "bro") == {**docs[5], "alert_status": "OPEN"}
        found = store.search({"indices": ["mixed"], "query": "*", "size": 300})
        assert found["total"] == 200
    with AlertStore(tmp_path / "a") as again:  # no snapshot: the index read back
        response = again.search({"indices": ["mixed", "few"], "query": "*", "size": 300})
        got = {r["source"]["guid"]: r["source"] for r in response["results"]}
        assert len(got) == 203
        assert got["g5"]["alert_status"] == "OPEN"
        assert got["g199"] == docs[199]


def test_guids_from_the_table_are_checked_as_the_messages_are(tmp_path: Path) -> None:
    good = [_doc(n) for n in range(20)]
    with AlertStore(tmp_path / "a") as store:
        for broken in ({"guid": ""}, {"guid": 7}, {"source.type": ""}):
            docs = [*good[:-1], {**good[-1], **broken}]
            texts = [orjson.dumps(d) for d in docs]
            with pytest.raises(InvalidRequest, match="without a"):
                store.add_many([("bro", d) for d in docs], texts, read_lines(texts))
        texts = [orjson.dumps(d) for d in good]
        assert store.add_many([("bro", d) for d in good], texts, read_lines(texts)) == 20
        assert store.find_one("g19", "bro") == good[19]
