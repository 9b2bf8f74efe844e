"""The alert store's documents: every version a SQLite row, the live ones in an index.

A document is never changed in place: an update writes a new version (a new row) and
points the old row's ``retired_by`` at it, and every update is logged in ``history``.
:class:`DocumentStore` keeps an :class:`~metron.search.query.Index` of the live versions
and, before it answers, catches the index up with the rows other processes wrote, so
several processes can share one store directory.  The latest version of a (guid, sensor)
is found through an in-memory :class:`~metron.search.keys.KeyMap`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Self, cast

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from metron.arrowjson import one_array
from metron.errors import MetronError
from metron.search import blocks
from metron.search.errors import InvalidRequest
from metron.search.keys import KeyMap, doc_key
from metron.search.query import Index

__all__ = [
    "ALERT_FIELD",
    "ALERT_STATUSES",
    "COMMENTS_FIELD",
    "DEFAULT_MAX_GROUPS",
    "DEFAULT_MAX_RESULTS",
    "GROUPS_FIELD",
    "GUID",
    "META_ALERT_FIELD",
    "META_ALERT_INDEX",
    "META_ALERT_SENSOR",
    "META_SCORES",
    "META_STATUS_FIELD",
    "SOURCE_TYPE",
    "STATUS_FIELD",
    "THREAT_SCORE",
    "TIMESTAMP",
    "DocumentStore",
    "Handover",
    "Written",
    "as_number",
    "dumps",
    "now_ms",
    "request_list",
]

#: Metron's alert statuses (``alert_status``; a document without one is NEW).
ALERT_STATUSES = ("NEW", "OPEN", "DISMISS", "ESCALATE", "RESOLVE")
STATUS_FIELD = "alert_status"
COMMENTS_FIELD = "comments"
GUID = "guid"
SOURCE_TYPE = "source.type"
TIMESTAMP = "timestamp"
THREAT_SCORE = "threat.triage.score"
#: Meta-alerts: their sensor and index, and the fields Metron gives them.
META_ALERT_SENSOR = "metaalert"
META_ALERT_INDEX = "metaalert"
META_ALERT_FIELD = "metaalerts"
ALERT_FIELD = "metron_alert"
META_STATUS_FIELD = "status"
GROUPS_FIELD = "groups"
META_SCORES = ("max", "min", "average", "count", "sum", "median")
DEFAULT_MAX_RESULTS = 1000
DEFAULT_MAX_GROUPS = 1000

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL,
    sensor TEXT NOT NULL,
    idx TEXT NOT NULL,
    doc BLOB NOT NULL,
    retired_by INTEGER
);
CREATE INDEX IF NOT EXISTS docs_retired ON docs (retired_by) WHERE retired_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS docs_meta ON docs (id) WHERE sensor = 'metaalert' AND retired_by IS NULL;
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY,
    guid TEXT NOT NULL,
    sensor TEXT NOT NULL,
    ts INTEGER NOT NULL,
    user TEXT,
    action TEXT NOT NULL,
    detail BLOB,
    before BLOB,
    after BLOB
);
CREATE INDEX IF NOT EXISTS history_by_guid ON history (guid, sensor);
"""
    + blocks.SCHEMA
)


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # keys that are not strings (from a hand-made request)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


#: A version just written: (id, index name, document, its key in the key map).
Written = tuple[int, str, Mapping[str, Any], int]
#: Versions just written as columns: ids, index names, JSON texts, and the table
#: :func:`metron.arrowjson.read_lines` read from the texts.
Read = tuple[range, list[str], Sequence[bytes], "pa.Table"]


@dataclass(frozen=True)
class Handover:
    """Documents one write stored under one index name, as another process needs them to
    take them into its search index without reading them back from the database: their
    ids run from ``first`` in the order of ``keys`` (their keys in the key map) and
    ``texts`` (their JSON as stored).  ``table``, when the writer had it, is the texts as
    :func:`metron.arrowjson.read_lines` reads them, so that the taker need not read them
    again; the texts are then left out (None) when the search index has no use for them
    (see :func:`metron.search.engine.texts_needed`).  See :meth:`DocumentStore.offer`."""

    first: int
    index: str
    texts: list[bytes] | None
    keys: list[int]
    table: pa.Table | None = None

    @property
    def last(self) -> int:
        return self.first + len(self.keys) - 1

    @cached_property
    def size(self) -> int:
        """Bytes it holds (about); asked when it is offered and when it is taken."""
        held = sum(map(len, self.texts)) if self.texts is not None else 0
        return held if self.table is None else held + self.table.get_total_buffer_size()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (to go to the process that searches) with the table as an Arrow IPC
        stream and the keys as 64-bit integers: the taker reads both without a Python
        call per column or per key (a tenth of what unpickling the table cost)."""
        table = None
        if self.table is not None:
            sent = _encoded(self.table)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, sent.schema) as writer:
                writer.write_table(sent)
            table = sink.getvalue()
        keys = array("q", self.keys).tobytes()
        return (_unpickle_handover, (self.first, self.index, self.texts, keys, table))


#: A handover's string column goes as a dictionary when it has this many rows or more,
#: values of ENCODED_LENGTH bytes or less on average, and at most half as many distinct
#: values as rows.
ENCODED_ROWS = 64
ENCODED_LENGTH = 128


def _encoded(table: pa.Table) -> pa.Table:
    """``table`` with its string columns of repeated values dictionary-encoded: each
    distinct value once and an index a row.  Fewer bytes go over the pipe, and the
    taker's search index looks each distinct value up without hashing the column again
    (its worker did that, in parallel with the others).  Long values (raw messages) are
    hardly ever repeated, and not worth hashing to find out."""
    if table.num_rows < ENCODED_ROWS:
        return table
    for i, column in enumerate(table.columns):
        if column.type != pa.string() or column.null_count == len(column):
            continue
        if column.nbytes > len(column) * (ENCODED_LENGTH + 4):
            continue
        # (one chunk: the stream then sends one dictionary, however it splits the rows)
        encoded = pc.dictionary_encode(one_array(column))
        if len(encoded.dictionary) * 2 <= len(encoded):
            table = table.set_column(i, table.field(i).with_type(encoded.type), encoded)
    return table


#: Rows of handovers joined into one table for the search index at most (see _joined).
JOIN_ROWS = 1 << 16


def _joined(handovers: list[Handover]) -> list[Handover]:
    """``handovers`` (in id order) with each run that follows on (ids, index name, the
    same fields of the same types, texts or none) joined into one, of up to JOIN_ROWS
    rows: the search index takes a table at a cost per field besides its rows (measured
    in the platform's main process: handovers of 4,000 rows cost 2.4 µs a document,
    joined into 20,000, 1.4)."""
    runs: list[list[Handover]] = []
    for handover in handovers:
        run = runs[-1] if runs else None
        if run is not None and _follows(run, handover):
            run.append(handover)
        else:
            runs.append([handover])
    return [run[0] if len(run) == 1 else _join(run) for run in runs]


def _follows(run: list[Handover], handover: Handover) -> bool:
    last, table = run[-1], handover.table
    return (
        handover.first == last.last + 1
        and handover.index == last.index
        and table is not None
        and last.table is not None
        and (handover.texts is None) == (last.texts is None)
        and sum(len(h.keys) for h in run) + len(handover.keys) <= JOIN_ROWS
        and set(zip(table.column_names, table.schema.types))
        == set(zip(last.table.column_names, last.table.schema.types))
    )


def _join(run: list[Handover]) -> Handover:
    names = run[0].table.column_names  # type: ignore[union-attr]
    tables = [h.table.select(names) for h in run]  # type: ignore[union-attr]
    texts = None if run[0].texts is None else [t for h in run for t in h.texts or ()]
    keys = [key for h in run for key in h.keys]
    return Handover(run[0].first, run[0].index, texts, keys, pa.concat_tables(tables))


def _unpickle_handover(
    first: int, index: str, texts: list[bytes] | None, keys: bytes, table: pa.Buffer | None
) -> Handover:
    read = None if table is None else pa.ipc.open_stream(table).read_all()
    return Handover(first, index, texts, array("q", keys).tolist(), read)


#: Documents read back from the database (or taken from handovers) at a time.
_CHUNK = 10_000
#: Handed-over data a store keeps for its next catch-up, at most (beyond it, the oldest
#: handovers are dropped and those documents are read back from the database).
OFFER_LIMIT = 64 << 20


def _as_bytes(text: bytes | str) -> bytes:
    """A stored document's JSON text as bytes (SQLite gives back text as it was bound)."""
    return text if type(text) is bytes else str(text).encode()


def _strings(table: pa.Table | None, field: str) -> list[Any] | None:
    """The values of ``field`` in every row of ``table`` when all are non-empty strings
    (cheaper from the column than from each message); None otherwise."""
    if table is None or field not in table.column_names:
        return None
    column = table.column(field)
    if column.null_count or not pa.types.is_string(column.type):
        return None
    values = column.to_pylist()
    return values if all(values) else None


def _insert_rows(
    conn: sqlite3.Connection, first: int, guids: list[Any], sensors: list[Any], names: list[str]
) -> None:
    """The ``docs`` rows of documents ``first``, ``first + 1``... whose texts go into
    blocks (their ``doc`` empty).  The values travel as one JSON array that SQLite's
    ``json_each`` unpacks: a third of what binding each row's values from Python costs."""
    if sensors.count(sensors[0]) == len(sensors) and names.count(names[0]) == len(names):
        conn.execute(
            "INSERT INTO docs (id, guid, sensor, idx, doc)"
            " SELECT ? + key, value, ?, ?, x'' FROM json_each(?)",
            (first, sensors[0], names[0], orjson.dumps(guids)),
        )
    else:
        conn.execute(
            "INSERT INTO docs (id, guid, sensor, idx, doc)"
            " SELECT ? + key, value ->> 0, value ->> 1, value ->> 2, x'' FROM json_each(?)",
            (first, orjson.dumps(list(zip(guids, sensors, names)))),
        )


def now_ms() -> int:
    return int(time.time() * 1000)


def _sensor_of(message: Mapping[str, Any]) -> str:
    sensor = message.get(SOURCE_TYPE)
    if not isinstance(sensor, str) or not sensor:
        raise InvalidRequest("a message without a 'source.type' cannot be indexed")
    return sensor


def _guid_of(message: Mapping[str, Any]) -> str:
    guid = message.get(GUID)
    if not isinstance(guid, str) or not guid:
        raise InvalidRequest("a message without a 'guid' cannot be indexed")
    return guid


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def request_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest(f"'{what}' must be a list")
    return value


class _NoIndex:
    """The index of a write-only store: keeps nothing (see ``searchable``)."""

    def add(self, doc_id: int, index: str, doc: Mapping[str, Any]) -> None:
        pass

    def add_many(self, docs: Sequence[tuple[int, str, Mapping[str, Any]]]) -> None:
        pass

    def delete(self, doc_id: int) -> None:
        pass

    def __len__(self) -> int:
        return 0

    def search(self, *args: Any, **kwargs: Any) -> Any:
        raise MetronError("this alert store was opened for writing only")

    group = fields = search


class DocumentStore:
    """Versioned documents in SQLite (``directory/alerts.db``, WAL) and an index of the
    live ones (default: :class:`~metron.search.engine.ColumnIndex`, restored from its
    latest snapshot ``directory/index-<last id>`` and caught up with the database).  One
    store may be shared by threads; several processes may open the same directory."""

    def __init__(
        self,
        directory: Path,
        *,
        index: Index | None = None,
        global_config: Mapping[str, Any] | None = None,
        user: str = "metron",
        searchable: bool = True,
    ) -> None:
        """``searchable=False`` opens the store for writing only (the pipeline's workers):
        no index is loaded or kept, only the map of latest versions that replacing a
        document needs; searching is left to the processes that open it searchable."""
        self.directory = Path(directory)
        self.searchable = searchable
        self.directory.mkdir(parents=True, exist_ok=True)
        config = dict(global_config or {})
        self.max_results = int(config.get("search.max.results", DEFAULT_MAX_RESULTS))
        self.max_groups = int(config.get("search.max.groups", DEFAULT_MAX_GROUPS))
        self.meta_sort = str(config.get("meta.dao.sort", "sum"))
        if self.meta_sort not in META_SCORES:
            raise InvalidRequest(
                f"global config 'meta.dao.sort' must be one of {', '.join(META_SCORES)},"
                f" not {self.meta_sort!r}"
            )
        self.user = user
        self._lock = threading.RLock()
        self._write_lock = os.open(self.directory / "alerts.db.writer", os.O_RDWR | os.O_CREAT)
        self._conn = sqlite3.connect(
            self.directory / "alerts.db",
            isolation_level=None,
            check_same_thread=False,
            timeout=30.0,
        )
        self._create()  # first: the page size must be set before anything else
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA cache_size=-65536")
        self._blocks = blocks.Blocks(self._conn)
        self._snapshot_max = 0
        #: What went wrong but was worked around (an unreadable snapshot...), for logs.
        self.problems: list[str] = []
        self._keys: KeyMap | None = None
        if searchable:
            self.index: Index = index if index is not None else self._open_index()
        else:
            self.index = _NoIndex()
            self._keys = self._newest_keys()
        if self._keys is None:
            self._keys = self._rebuild_keys(self._snapshot_max)
        self._caught_up = self._snapshot_max
        #: handovers from other processes' writes, by first id (see offer)
        self._offers: dict[int, Handover] = {}
        self._offered_bytes = 0
        self._offers_lock = threading.Lock()
        # (first document not handed over, since when): see refresh's patience
        self._gap: tuple[int, float] | None = None
        self._catch_up()

    def _create(self) -> None:
        """Make the database WAL with its tables, once: several processes may open a new
        store at the same moment, so this waits for the others (switching to WAL takes
        a lock that SQLite's busy timeout does not wait for)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    # large pages suit the ~1 KB documents (set before the first table)
                    self._conn.execute("PRAGMA page_size=16384")
                    self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.executescript(_SCHEMA)
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    # -------------------------------------------------------------- index upkeep

    def _snapshots(self) -> list[tuple[int, Path]]:
        """The index snapshots, newest first: ``index-<last document id>`` directories."""
        found = []
        for path in self.directory.glob("index-*"):
            number = path.name[len("index-") :]
            if path.is_dir() and number.isdigit():
                found.append((int(number), path))
        return sorted(found, reverse=True)

    def _open_index(self) -> Index:
        """The newest snapshot that can be read (another process may be replacing it as
        we look), or an empty index that the catch-up then fills from the database."""
        from metron.search.engine import ColumnIndex

        for last_id, snapshot in self._snapshots():
            try:
                loaded = ColumnIndex.load(snapshot)
            except (OSError, ValueError) as e:
                self.problems.append(f"{snapshot}: skipped a snapshot that cannot be read ({e})")
                continue
            self._snapshot_max = last_id
            self._keys = KeyMap.load(snapshot)
            return loaded
        return ColumnIndex()

    def _newest_keys(self) -> KeyMap | None:
        """The key map of the newest snapshot that has a readable one (write-only mode)."""
        for last_id, snapshot in self._snapshots():
            keys = KeyMap.load(snapshot)
            if keys is not None:
                self._snapshot_max = last_id
                return keys
        return None

    def _rebuild_keys(self, last: int) -> KeyMap:
        """The key map of the versions up to id ``last`` (when no snapshot holds it)."""
        keys = KeyMap()
        if last:
            self._put_keys(keys, 1, last)
        return keys

    def _put_keys(self, keys: KeyMap, first: int, last: int) -> None:
        """The keys of versions ``first`` to ``last`` into ``keys``."""
        cursor = self._conn.execute(
            "SELECT id, guid, sensor FROM docs WHERE id >= ? AND id <= ? ORDER BY id",
            (first, last),
        )
        while rows := cursor.fetchmany(_CHUNK):
            keys.put_many([doc_key(row[1], row[2]) for row in rows], [row[0] for row in rows])

    def offer(self, handover: Handover) -> None:
        """Documents another process has just written (:meth:`add_texts` gave
        ``handover`` there): the next catch-up takes them from here instead of reading
        them back from the database.  Only a store that searches keeps them, up to
        :data:`OFFER_LIMIT` (texts and tables); a handover the index has passed already is
        dropped."""
        if not self.searchable or not handover.keys:
            return
        # its own lock: the writer handing over must not wait for a catch-up to end (a
        # stale look at _caught_up only keeps a handover that the catch-up drops)
        with self._offers_lock:
            if handover.first <= self._caught_up:
                return
            self._offers[handover.first] = handover
            self._offered_bytes += handover.size
            while self._offered_bytes > OFFER_LIMIT and self._offers:
                dropped = self._offers.pop(min(self._offers))
                self._offered_bytes -= dropped.size

    def refresh(self, patience: float = 0.0) -> None:
        """Take in what other processes wrote since the store last looked (searches do
        this anyway; a process that serves searches calls it to stay current).

        With ``patience`` (seconds), documents that no handover covers yet (see
        :meth:`offer`) are left for a later refresh until they have waited that long:
        their writer commits before it hands them over, so a refresh between the two
        would read back from the database what is on its way already."""
        if patience <= 0:
            self._catch_up()
            return
        with self._lock:
            row = self._conn.execute("SELECT max(id) FROM docs").fetchone()
            end = int(row[0] or 0)
            if end <= self._caught_up:
                return
            covered = self._covered()
            if covered < end:
                now = time.monotonic()
                if self._gap is None or self._gap[0] != covered + 1:
                    self._gap = (covered + 1, now)  # the first document not handed over
                if now - self._gap[1] < patience:
                    end = covered
            if end > self._caught_up:
                self._advance(end, [])

    def _covered(self) -> int:
        """The last document of the run of handovers that begins right after those the
        index holds (``_caught_up`` when there is none)."""
        at = self._caught_up + 1
        with self._offers_lock:
            for first in sorted(self._offers):
                if first > at:
                    break
                at = max(at, self._offers[first].last + 1)
        return at - 1

    def _catch_up(self) -> None:
        """Bring the index up to the database: the versions written since it last looked
        (by this process or another) are added, and the versions they retired removed."""
        with self._lock:
            row = self._conn.execute("SELECT max(id) FROM docs").fetchone()
            end = int(row[0] or 0)
            if end > self._caught_up:
                self._advance(end, [])

    def _advance(self, end: int, written: list[Written], read: Read | None = None) -> None:
        """Take the index from ``_caught_up`` to ``end``.  ``written`` are documents this
        process just wrote (added from memory when they are all that is new); what other
        processes wrote is read back as JSON text, which the index reads at C speed."""
        start = self._caught_up
        keys = self._key_map()
        # the written versions are all that is new when they are start+1 .. end in order
        contiguous = (
            len(written) == end - start
            and bool(written)
            and written[0][0] == start + 1
            and written[-1][0] == end
        )
        if contiguous:
            retired = self._retired_within(start, end)
            keys.put_many([entry[3] for entry in written], [entry[0] for entry in written])
            add_columns = getattr(self.index, "add_columns", None)
            if read is not None and not retired and add_columns is not None:
                add_columns(*read)  # read by the writer already: the cheapest way in
            else:
                fresh = [(i, name, doc) for i, name, doc, _ in written if i not in retired]
                # the documents themselves, not their texts: transposing objects that
                # exist costs less than reading the text again
                self._add_documents(fresh)
        elif not self.searchable:  # the keys are all a write-only store keeps
            self._put_keys(keys, start + 1, end)
        else:
            # what was handed over, and the rest read back, into the index in id order and
            # in chunks of up to _CHUNK (a store opened without a snapshot may catch up
            # millions of rows; the index reads large batches cheaper than small ones)
            entries: list[tuple[int, str, bytes]] = []
            handovers = _joined(self._handovers(start, end))
            retired = self._retired_within(start, end) if handovers else set()
            at = start + 1
            for handover in handovers:
                if handover.first < at:
                    continue  # (overlaps one taken: its documents are in already)
                if handover.first > at:
                    self._read_back(at, handover.first - 1, end, entries)
                self._take(handover, retired, end, entries)
                at = handover.last + 1
            if at <= end:
                self._read_back(at, end, end, entries)
            self._add_entries(entries)
        for (doc_id,) in self._conn.execute(
            "SELECT id FROM docs WHERE retired_by > ? AND retired_by <= ? AND id <= ?",
            (start, end, start),
        ):
            self.index.delete(int(doc_id))
        self._caught_up = end

    def _retired_within(self, start: int, end: int) -> set[int]:
        """The versions after ``start`` that versions up to ``end`` retired."""
        return {
            int(r[0])
            for r in self._conn.execute(
                "SELECT id FROM docs WHERE retired_by > ? AND retired_by <= ? AND id > ?",
                (start, end, start),
            )
        }

    def _handovers(self, start: int, end: int) -> list[Handover]:
        """The handovers of documents after ``start`` up to ``end``, in id order; they
        leave the offers, as do those they have passed (wholly before ``start``, or
        running past ``end``: read back instead)."""
        offers = self._offers
        if not offers:
            return []
        taken = []
        with self._offers_lock:
            for first in sorted(offers):
                if first > end:
                    break
                handover = offers.pop(first)
                self._offered_bytes -= handover.size
                if first > start and handover.last <= end:
                    taken.append(handover)
        return taken

    def _take(
        self,
        handover: Handover,
        retired: set[int],
        end: int,
        entries: list[tuple[int, str, bytes]],
    ) -> None:
        """Documents handed over (see :meth:`offer`) into the keys, and those not
        ``retired`` (by versions up to ``end``) into the index: with their table, when
        the handover has one for all of them, as they are (after ``entries``, which come
        before them); otherwise onto ``entries`` (which go into the index every
        _CHUNK), read back from the database when the handover has no texts."""
        ids = range(handover.first, handover.last + 1)
        self._key_map().put_many(handover.keys, ids)
        whole = not retired or retired.isdisjoint(ids)
        add_columns = getattr(self.index, "add_columns", None)
        if whole and handover.table is not None and add_columns is not None:
            self._add_entries(entries)
            add_columns(ids, handover.index, handover.texts, handover.table)
            return
        if handover.texts is None:  # (their table alone will not do here)
            self._read_back(handover.first, handover.last, end, entries)
            return
        texts = zip(ids, handover.texts, strict=True)
        entries += [(i, handover.index, text) for i, text in texts if whole or i not in retired]
        if len(entries) >= _CHUNK:
            self._add_entries(entries)

    def _read_back(
        self, first: int, last: int, end: int, entries: list[tuple[int, str, bytes]]
    ) -> None:
        """Documents ``first`` to ``last`` read from the database into the keys; those
        not retired by ``end`` onto ``entries`` (which go into the index every _CHUNK)."""
        cursor = self._conn.execute(
            "SELECT id, guid, sensor, idx, doc, retired_by FROM docs"
            " WHERE id >= ? AND id <= ? ORDER BY id",
            (first, last),
        )
        keys = self._key_map()
        while rows := cursor.fetchmany(_CHUNK):
            keys.put_many([doc_key(row[1], row[2]) for row in rows], [row[0] for row in rows])
            live = [row for row in rows if row[5] is None or row[5] > end]
            found = self._blocks.texts([row[0] for row in live if not row[4]])
            entries += [
                (int(row[0]), str(row[3]), _as_bytes(row[4]) if row[4] else found[row[0]])
                for row in live
            ]
            if len(entries) >= _CHUNK:
                self._add_entries(entries)

    def _add_entries(self, entries: list[tuple[int, str, bytes]]) -> None:
        """Documents given as (id, index name, JSON text) into the index; ``entries`` is
        emptied."""
        if not entries:
            return
        add_texts = getattr(self.index, "add_texts", None)
        if add_texts is not None:
            add_texts(entries)
        else:
            self._add_documents([(i, name, orjson.loads(text)) for i, name, text in entries])
        entries.clear()

    def _add_documents(self, docs: list[tuple[int, str, Mapping[str, Any]]]) -> None:
        """Documents given as (id, index name, document) into the index."""
        add_many = getattr(self.index, "add_many", None)
        if add_many is not None:
            add_many(docs)
        else:
            for doc_id, index_name, doc in docs:
                self.index.add(doc_id, index_name, doc)

    def _key_map(self) -> KeyMap:
        if self._keys is None:  # pragma: no cover - set in __init__
            raise MetronError("the alert store is not open")
        return self._keys

    def save_index(self) -> None:
        """Write an index snapshot (``index-<last document id>``), so that the next open
        starts from it instead of rebuilding the index, and drop older snapshots."""
        save = getattr(self.index, "save", None)
        if save is None or not self.searchable:
            return
        with self._lock:
            last = self._caught_up
            target = self.directory / f"index-{last}"
            if not target.exists():
                save(target)
                self._key_map().save(target)
            self._snapshot_max = last
            for number, path in self._snapshots():
                if number < last:
                    shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        """Release the database (closing twice is harmless)."""
        with self._lock:
            if self._write_lock < 0:
                return
            self._conn.close()
            os.close(self._write_lock)
            self._write_lock = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction.  Writers of all processes queue on a file lock first:
        SQLite's own busy handler would make a waiting writer sleep for growing spans
        (up to 100 ms) and poll, where the lock wakes it the moment the other commits."""
        with self._lock:
            fcntl.flock(self._write_lock, fcntl.LOCK_EX)
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            finally:
                fcntl.flock(self._write_lock, fcntl.LOCK_UN)

    # -------------------------------------------------------------- writing

    def add_many(
        self,
        items: Iterable[tuple[str, Mapping[str, Any]]],
        raw: Sequence[bytes | None] | None = None,
        table: pa.Table | None = None,
    ) -> int:
        """Index ``(index name, message)`` pairs in one transaction; a message whose
        ``(guid, sensor)`` is stored replaces it (so does a later one in the same call).
        ``raw``, when given, holds each message's JSON text as read (stored as it is,
        instead of serialising the message again; None for a message that was changed).
        ``table``, when given, is every ``raw`` text as
        :func:`metron.arrowjson.read_lines` read them (for the lake, say): this store's
        search index takes the messages from it, cheaper than from the messages.
        Returns how many were written."""
        return len(self._write(list(items), raw, table)[0])

    def add_texts(
        self,
        index: str,
        messages: Sequence[Mapping[str, Any]],
        texts: Sequence[bytes],
        table: pa.Table | None = None,
    ) -> Handover | None:
        """:meth:`add_many` of ``messages`` under the index name ``index``, each stored as
        its JSON text in ``texts``; what another process that searches the store needs
        to take them in without reading them back (:meth:`offer`), None when nothing
        was written.  ``table``: the texts as :func:`metron.arrowjson.read_lines` read
        them, when the caller has that (it rides in the handover)."""
        ids, keys = self._write([(index, message) for message in messages], texts)
        if not ids:
            return None
        if table is not None:
            from metron.search.engine import texts_needed

            if not texts_needed(table, texts):
                return Handover(ids.start, index, None, keys, table)
        return Handover(ids.start, index, list(texts), keys, table)

    def _write(
        self,
        batch: list[tuple[str, Mapping[str, Any]]],
        raw: Sequence[bytes | None] | None,
        table: pa.Table | None = None,
    ) -> tuple[range, list[int]]:
        """:meth:`add_many`: the ids written and their keys."""
        if not batch:
            return range(0), []
        if raw is not None and len(raw) != len(batch):
            raise InvalidRequest("add_many: one raw text per message, or none")
        names = [index_name for index_name, _ in batch]
        messages = [message for _, message in batch]
        texts: Sequence[bytes | None] = raw if raw is not None else [None] * len(batch)
        if None in texts:
            texts = [text or dumps(m) for text, m in zip(texts, messages)]
            table = None  # (not read from these texts)
        guids = _strings(table, GUID)
        if guids is None:
            guids = [m.get(GUID) for m in messages]
            if not all(type(g) is str and g for g in guids):
                guids = list(map(_guid_of, messages))  # the error, or str subclasses
        sensors = _strings(table, SOURCE_TYPE)
        if sensors is None:
            sensors = [m.get(SOURCE_TYPE) for m in messages]
            if not all(type(t) is str and t for t in sensors):
                sensors = list(map(_sensor_of, messages))
        keys = list(zip(guids, sensors))
        hashed = [doc_key(guid, sensor) for guid, sensor in keys]
        packed = (
            blocks.pack(cast(Sequence[bytes], texts)) if len(batch) >= blocks.MIN_DOCS else None
        )
        with self._transaction() as conn:
            row = conn.execute("SELECT max(id) FROM docs").fetchone()
            first = int(row[0] or 0) + 1
            self._catch_up()  # another process may have written since
            ids = range(first, first + len(batch))
            live: dict[tuple[str, str], int] = {}
            found = self._key_map().get_many(hashed)
            for key, doc_id in zip(keys, found):
                if doc_id is not None:
                    latest = self._resolve(doc_id, *key)
                    if latest is not None:
                        live[key] = latest
            retire = []
            if live or len(set(hashed)) < len(hashed):  # replacements: retire the old
                for doc_id, key in zip(ids, keys):
                    old = live.get(key)
                    if old is not None:
                        retire.append((doc_id, old))
                    live[key] = doc_id
            if packed is not None:
                _insert_rows(conn, first, guids, sensors, names)
                blocks.insert(conn, packed, first)
            else:
                conn.executemany(
                    "INSERT INTO docs (id, guid, sensor, idx, doc) VALUES (?, ?, ?, ?, ?)",
                    zip(ids, guids, sensors, names, texts),
                )
            conn.executemany("UPDATE docs SET retired_by = ? WHERE id = ?", retire)
        written: list[Written] = list(zip(ids, names, messages, hashed))
        if table is not None and table.num_rows == len(batch):
            self._apply(written, (ids, names, cast(Sequence[bytes], texts), table))
        else:
            self._apply(written)
        return ids, hashed

    def _resolve(self, doc_id: int, guid: str, sensor: str) -> int | None:
        """The live version reached from version ``doc_id`` of (guid, sensor), following
        ``retired_by``; None when none is live.  A key that led to another document (a
        hash collision) falls back to a scan."""
        current: int | None = doc_id
        while current is not None:
            row = self._conn.execute(
                "SELECT guid, sensor, retired_by FROM docs WHERE id = ?", (current,)
            ).fetchone()
            if row is None:
                return None
            if row[0] != guid or row[1] != sensor:
                found = self._conn.execute(
                    "SELECT id FROM docs WHERE guid = ? AND sensor = ? AND retired_by IS NULL",
                    (guid, sensor),
                ).fetchone()
                return None if found is None else int(found[0])
            if row[2] is None:
                return current
            current = int(row[2])
        return None

    def _latest(self, guid: str, sensor: str) -> tuple[int, str, dict[str, Any]] | None:
        with self._lock:
            self._catch_up()
            doc_id = self._key_map().get(doc_key(guid, sensor))
            live = None if doc_id is None else self._resolve(doc_id, guid, sensor)
            if live is None:
                return None
            row = self._conn.execute("SELECT idx, doc FROM docs WHERE id = ?", (live,)).fetchone()
            text = row[1] or self._blocks.texts((live,))[live]
        return live, str(row[0]), orjson.loads(text)

    def _write_version(
        self,
        conn: sqlite3.Connection,
        old: tuple[int, str, dict[str, Any]],
        new_doc: dict[str, Any],
        action: str,
        detail: Any,
        user: str | None,
        pending: list[Written],
    ) -> None:
        old_id, index_name, old_doc = old
        guid, sensor = _guid_of(old_doc), _sensor_of(old_doc)
        cursor = conn.execute(
            "INSERT INTO docs (guid, sensor, idx, doc) VALUES (?, ?, ?, ?)",
            (guid, sensor, index_name, dumps(new_doc)),
        )
        new_id = int(cursor.lastrowid or 0)
        conn.execute("UPDATE docs SET retired_by = ? WHERE id = ?", (new_id, old_id))
        conn.execute(
            "INSERT INTO history (guid, sensor, ts, user, action, detail, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guid,
                sensor,
                now_ms(),
                user or self.user,
                action,
                dumps(detail),
                dumps(old_doc),
                dumps(new_doc),
            ),
        )
        pending.append((new_id, index_name, new_doc, doc_key(guid, sensor)))

    def _apply(self, pending: list[Written], read: Read | None = None) -> None:
        """After a write transaction: take the index to the last version written
        (``read``: ``pending``, in id order, as columns with their table)."""
        with self._lock:
            row = self._conn.execute("SELECT max(id) FROM docs").fetchone()
            end = int(row[0] or 0)
            if end > self._caught_up:
                self._advance(end, pending if read is not None else sorted(pending), read)

    @staticmethod
    def _key(request: Mapping[str, Any]) -> tuple[str, str]:
        guid = request.get("guid")
        sensor = request.get("sensorType")
        if not isinstance(guid, str) or not guid:
            raise InvalidRequest("'guid' is required")
        if not isinstance(sensor, str) or not sensor:
            raise InvalidRequest("'sensorType' is required")
        return guid, sensor

    def _docs(self, ids: Sequence[int]) -> dict[int, tuple[str, dict[str, Any]]]:
        out: dict[int, tuple[str, dict[str, Any]]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT id, idx, doc FROM docs WHERE id IN ({marks})", chunk
            ).fetchall()
            found = self._blocks.texts([doc_id for doc_id, _, doc in rows if not doc])
            for doc_id, idx, doc in rows:
                out[int(doc_id)] = (str(idx), orjson.loads(doc or found[doc_id]))
        return out
