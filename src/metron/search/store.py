"""The alert store: indexed messages, searched with Lucene queries, updated by analysts.

Metron kept alerts in Elasticsearch or Solr behind its DAO API; this is that API on one
machine.  The documents live in SQLite (``<data dir>/alerts/alerts.db``, WAL), the system of
record; an :class:`~metron.search.query.Index` over them answers queries.  The requests and
responses are Metron's JSON shapes (``SearchRequest``, ``SearchResponse``, ``GroupRequest``,
``GroupResponse``, ``PatchRequest``, ``CommentAddRemoveRequest``, ``MetaAlertCreateRequest``
...), as plain dicts, so the REST API and the CLI pass them through.

Documents.  Each message is stored under its ``guid`` and sensor (``source.type``) with the
index name its indexing config gives (the sensor by default).  A document is never changed
in place: an update writes a new version and retires the old one (so searches see updates
at once and the index only ever appends), and indexing a message whose ``(guid, sensor)``
is already stored replaces it, so re-indexing a file adds no duplicates.  Every update
(patch, replace, status, comment, meta-alert change) is kept in an audit history: who,
when, what, and the document before and after.

Search (Metron's meta-alert-aware search): the query runs over the named indices and the
meta-alert index; documents that belong to an active meta-alert (they carry
``metaalerts``) are replaced by that meta-alert, which is found when the query matches it
or any of its alerts; inactive meta-alerts are not found.  ``size`` above
``search.max.results`` (global config, 1000) is refused, as in Metron.  Results carry
``score`` 1.0 (relevance is not modelled).

Meta-alerts follow Metron's DAO: created from existing alerts and a non-empty list of
groups, status ``active``; the meta-alert holds copies of its alerts in ``metron_alert``,
each alert lists its meta-alerts in ``metaalerts``; ``count``, ``sum``, ``min``, ``max``,
``average`` and ``median`` of the alerts' ``threat.triage.score`` are kept on the meta-alert
and its own ``threat.triage.score`` is one of them (``meta.dao.sort`` in the global config,
``sum`` by default).  An update of an alert is copied into its active meta-alerts;
meta-alerts cannot be patched on ``metron_alert`` or ``status`` (use add/remove and status).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import shutil
import sqlite3
import statistics
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from metron.errors import MetronError
from metron.search.keys import KeyMap, doc_key
from metron.search.lucene import parse
from metron.search.query import (
    Bool,
    Exists,
    GroupSpec,
    Index,
    MatchAll,
    Node,
    SortField,
    Term,
)

__all__ = [
    "ALERT_STATUSES",
    "META_ALERT_SENSOR",
    "AlertStore",
    "DocumentNotFound",
    "InvalidRequest",
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

_SCHEMA = """
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


class InvalidRequest(MetronError):
    """A request that cannot be served (bad shape, bad value, size too large...)."""


class DocumentNotFound(MetronError):
    """The document a request names is not in the store."""


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # keys that are not strings (from a hand-made request)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


#: A version just written: (id, index name, document, its key in the key map).
Written = tuple[int, str, Mapping[str, Any], int]


def _now_ms() -> int:
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


def _number(value: Any) -> float | None:
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


def _request_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest(f"'{what}' must be a list")
    return value


def _field_name(name: str) -> str:
    """A field named in a request, in its stored (dotted) form: Metron's Elasticsearch
    clients name fields dedotted (``threat:triage:score``), as queries may."""
    return name.replace(":", ".")


#: A query node that matches nothing.
_NOTHING: Node = Bool(must_not=(MatchAll(),))
_NESTED_PREFIX = f"{ALERT_FIELD}."


def _outside_meta_alerts(node: Node) -> Node:
    """``node`` as Elasticsearch ran it on a whole document, where a meta-alert's
    ``metron_alert`` copies are a nested type: invisible to the top-level query, so a field
    under ``metron_alert`` matches nothing there (the copies are matched one by one, see
    :func:`_inside_meta_alert`)."""
    if isinstance(node, Bool):
        return Bool(
            must=tuple(_outside_meta_alerts(n) for n in node.must),
            should=tuple(_outside_meta_alerts(n) for n in node.should),
            must_not=tuple(_outside_meta_alerts(n) for n in node.must_not),
        )
    if isinstance(node, MatchAll):
        return node
    name = node.field
    if name is not None and (name == ALERT_FIELD or name.startswith(_NESTED_PREFIX)):
        return _NOTHING
    return node


def _inside_meta_alert(node: Node) -> Node:
    """``node`` as Metron's nested query ran it on each alert of a meta-alert: fields may
    be named ``metron_alert.<field>`` (Metron's form) or plainly ``<field>``."""
    if isinstance(node, Bool):
        return Bool(
            must=tuple(_inside_meta_alert(n) for n in node.must),
            should=tuple(_inside_meta_alert(n) for n in node.should),
            must_not=tuple(_inside_meta_alert(n) for n in node.must_not),
        )
    if isinstance(node, MatchAll):
        return node
    name = node.field
    if name is not None and name.startswith(_NESTED_PREFIX):
        return dataclasses.replace(node, field=name[len(_NESTED_PREFIX) :])
    return node


def _pointer(path: Any, what: str = "path") -> list[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidRequest(f"a patch operation's '{what}' must be a JSON pointer: {path!r:.80}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def _locate(doc: dict[str, Any], path: Any, what: str = "path") -> tuple[Any, str]:
    """The container (object or list) holding the last step of ``path``, and that step."""
    names = _pointer(path, what)
    if not names:
        raise InvalidRequest(f"Invalid path: {path}")
    here: Any = doc
    for name in names[:-1]:
        if isinstance(here, dict):
            here = here.get(name)
        elif isinstance(here, list) and name.isdigit() and int(name) < len(here):
            here = here[int(name)]
        else:
            here = None
        if not isinstance(here, (dict, list)):
            raise InvalidRequest(f"Invalid path: /{'/'.join(names)}")
    return here, names[-1]


def _list_index(items: list[Any], step: str, *, end_ok: bool) -> int:
    if step == "-" and end_ok:
        return len(items)
    limit = len(items) + (1 if end_ok else 0)
    if not step.isdigit() or int(step) >= limit:
        raise InvalidRequest(f"Invalid path: list index {step!r} out of range")
    return int(step)


def _get(container: Any, step: str) -> Any:
    if isinstance(container, dict):
        return container.get(step)
    return container[_list_index(container, step, end_ok=False)]


def _put(container: Any, step: str, value: Any, *, insert: bool) -> None:
    if isinstance(container, dict):
        container[step] = value
    elif insert:
        container.insert(_list_index(container, step, end_ok=True), value)
    else:
        container[_list_index(container, step, end_ok=False)] = value


def _remove(container: Any, step: str) -> None:
    if isinstance(container, dict):
        container.pop(step, None)
    else:
        del container[_list_index(container, step, end_ok=False)]


def _java_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def apply_patch(doc: Mapping[str, Any], operations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Metron's ``PatchUtils``: RFC 6902 operations as Metron applied them to a document.
    Unlike strict RFC 6902 (and as Metron did), ``add`` and ``replace`` set a field whether
    or not it is there, ``remove`` of a missing field changes nothing, a missing ``from``
    copies null, and a path through something that is not an object is an error.  List
    indices (``/comments/0``, ``/tags/-``), which Metron refused, follow RFC 6902."""
    out = copy.deepcopy(dict(doc))
    for operation in operations:
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "remove", "replace", "move", "copy", "test"):
            raise InvalidRequest(f"The {operation.get('op')} operation is not supported")
        container, step = _locate(out, operation.get("path"))
        value = operation.get("value")
        if op in ("add", "replace"):
            _put(container, step, copy.deepcopy(value), insert=op == "add")
        elif op == "remove":
            _remove(container, step)
        elif op in ("copy", "move"):
            source, from_step = _locate(out, operation.get("from"), "from")
            moved = _get(source, from_step)
            if op == "move":
                _remove(source, from_step)
            _put(container, step, copy.deepcopy(moved), insert=True)
        else:
            actual = _get(container, step)
            if actual != value:
                raise InvalidRequest(
                    f"TEST operation failed: supplied value [{_java_text(value)}]"
                    f" != target value [{_java_text(actual)}]"
                )
    return out


class AlertStore:
    """Metron's IndexDao and MetaAlertDao over SQLite and an :class:`Index`.

    ``directory`` holds ``alerts.db`` (created when missing).  ``index`` is the search index
    to keep (default: the fast :class:`~metron.search.engine.ColumnIndex`, restored from
    its snapshot in ``directory/index`` and caught up with the database).  One store may be
    shared by threads; several processes may open the same directory (each keeps its own
    index and catches up on open).
    """

    def __init__(
        self,
        directory: Path,
        *,
        index: Index | None = None,
        global_config: Mapping[str, Any] | None = None,
        user: str = "metron",
    ) -> None:
        self.directory = Path(directory)
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
        self._conn = sqlite3.connect(
            self.directory / "alerts.db",
            isolation_level=None,
            check_same_thread=False,
            timeout=30.0,
        )
        # large pages suit the ~1 KB documents (set before the first table is made)
        self._conn.execute("PRAGMA page_size=16384")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA cache_size=-65536")
        self._conn.executescript(_SCHEMA)
        self._snapshot_max = 0
        self._keys: KeyMap | None = None
        self.index: Index = index if index is not None else self._open_index()
        if self._keys is None:
            self._keys = self._rebuild_keys(self._snapshot_max)
        self._caught_up = self._snapshot_max
        self._catch_up()

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
        from metron.search.engine import ColumnIndex

        for last_id, snapshot in self._snapshots():
            try:
                loaded = ColumnIndex.load(snapshot)
            except (OSError, ValueError) as e:
                raise MetronError(
                    f"{snapshot}: the search index snapshot cannot be read ({e});"
                    " remove it to rebuild the index from the store"
                ) from None
            self._snapshot_max = last_id
            self._keys = KeyMap.load(snapshot)
            return loaded
        return ColumnIndex()

    def _rebuild_keys(self, last: int) -> KeyMap:
        """The key map of the versions up to id ``last`` (when no snapshot holds it)."""
        keys = KeyMap()
        if last:
            for doc_id, guid, sensor in self._conn.execute(
                "SELECT id, guid, sensor FROM docs WHERE id <= ? ORDER BY id", (last,)
            ):
                keys.put(doc_key(guid, sensor), int(doc_id))
        return keys

    def _catch_up(self) -> None:
        """Bring the index up to the database: the versions written since it last looked
        (by this process or another) are added, and the versions they retired removed."""
        with self._lock:
            row = self._conn.execute("SELECT max(id) FROM docs").fetchone()
            end = int(row[0] or 0)
            if end > self._caught_up:
                self._advance(end, [])

    def _advance(self, end: int, written: list[Written]) -> None:
        """Take the index from ``_caught_up`` to ``end``.  ``written`` are documents this
        process just wrote (added from memory when they are all that is new)."""
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
            retired = {
                int(r[0])
                for r in self._conn.execute(
                    "SELECT id FROM docs WHERE retired_by > ? AND retired_by <= ? AND id > ?",
                    (start, end, start),
                )
            }
            keys.put_many([entry[3] for entry in written], [entry[0] for entry in written])
            if retired:
                fresh = [(i, name, doc) for i, name, doc, _ in written if i not in retired]
            else:
                fresh = [(i, name, doc) for i, name, doc, _ in written]
            add_many = getattr(self.index, "add_many", None)
            if add_many is not None:
                add_many(fresh)
            else:
                for doc_id, index_name, doc in fresh:
                    self.index.add(doc_id, index_name, doc)
        else:
            rows = self._conn.execute(
                "SELECT id, guid, sensor, idx, doc, retired_by FROM docs"
                " WHERE id > ? AND id <= ? ORDER BY id",
                (start, end),
            )
            for doc_id, guid, sensor, index_name, doc, retired_by in rows:
                keys.put(doc_key(guid, sensor), int(doc_id))
                if retired_by is None or retired_by > end:
                    self.index.add(int(doc_id), str(index_name), orjson.loads(doc))
        for (doc_id,) in self._conn.execute(
            "SELECT id FROM docs WHERE retired_by > ? AND retired_by <= ? AND id <= ?",
            (start, end, start),
        ):
            self.index.delete(int(doc_id))
        self._caught_up = end

    def _key_map(self) -> KeyMap:
        if self._keys is None:  # pragma: no cover - set in __init__
            raise MetronError("the alert store is not open")
        return self._keys

    def save_index(self) -> None:
        """Write an index snapshot (``index-<last document id>``), so that the next open
        starts from it instead of rebuilding the index, and drop older snapshots."""
        save = getattr(self.index, "save", None)
        if save is None:
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
        with self._lock:
            self._conn.close()

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -------------------------------------------------------------- writing

    def add_many(
        self,
        items: Iterable[tuple[str, Mapping[str, Any]]],
        raw: Sequence[bytes | None] | None = None,
    ) -> int:
        """Index ``(index name, message)`` pairs in one transaction; a message whose
        ``(guid, sensor)`` is stored replaces it (so does a later one in the same call).
        ``raw``, when given, holds each message's JSON text as read (stored as it is,
        instead of serialising the message again; None for a message that was changed).
        Returns how many were written."""
        batch = [(index_name, message) for index_name, message in items]
        if not batch:
            return 0
        if raw is not None and len(raw) != len(batch):
            raise InvalidRequest("add_many: one raw text per message, or none")
        keys = []
        for _, m in batch:
            guid, sensor = m.get(GUID), m.get(SOURCE_TYPE)
            if type(guid) is not str or type(sensor) is not str or not guid or not sensor:
                guid, sensor = _guid_of(m), _sensor_of(m)  # the error, or a str subclass
            keys.append((guid, sensor))
        hashed = [doc_key(guid, sensor) for guid, sensor in keys]
        written: list[Written] = []
        with self._transaction() as conn:
            row = conn.execute("SELECT max(id) FROM docs").fetchone()
            first = int(row[0] or 0) + 1
            self._catch_up()  # another process may have written since
            live: dict[tuple[str, str], int] = {}
            found = self._key_map().get_many(hashed)
            for key, doc_id in zip(keys, found):
                if doc_id is not None:
                    latest = self._resolve(doc_id, *key)
                    if latest is not None:
                        live[key] = latest
            rows = []
            retire = []
            for offset, ((index_name, message), key) in enumerate(zip(batch, keys)):
                doc_id = first + offset
                old = live.get(key)
                if old is not None:
                    retire.append((doc_id, old))
                live[key] = doc_id
                text = raw[offset] if raw is not None else None
                rows.append((doc_id, key[0], key[1], index_name, text or _dumps(message)))
                written.append((doc_id, index_name, message, hashed[offset]))
            conn.executemany(
                "INSERT INTO docs (id, guid, sensor, idx, doc) VALUES (?, ?, ?, ?, ?)", rows
            )
            conn.executemany("UPDATE docs SET retired_by = ? WHERE id = ?", retire)
        self._apply(written)
        return len(written)

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
        return live, str(row[0]), orjson.loads(row[1])

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
            (guid, sensor, index_name, _dumps(new_doc)),
        )
        new_id = int(cursor.lastrowid or 0)
        conn.execute("UPDATE docs SET retired_by = ? WHERE id = ?", (new_id, old_id))
        conn.execute(
            "INSERT INTO history (guid, sensor, ts, user, action, detail, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guid,
                sensor,
                _now_ms(),
                user or self.user,
                action,
                _dumps(detail),
                _dumps(old_doc),
                _dumps(new_doc),
            ),
        )
        pending.append((new_id, index_name, new_doc, doc_key(guid, sensor)))

    def _apply(self, pending: list[Written]) -> None:
        """After a write transaction: take the index to the last version written."""
        with self._lock:
            row = self._conn.execute("SELECT max(id) FROM docs").fetchone()
            end = int(row[0] or 0)
            if end > self._caught_up:
                self._advance(end, sorted(pending))

    def _update(
        self,
        guid: str,
        sensor: str,
        change: Any,
        action: str,
        detail: Any,
        user: str | None,
        *,
        propagate: bool = True,
        missing: str | None = None,
    ) -> dict[str, Any]:
        """Apply ``change(doc) -> new doc`` to the latest version as one new version (and
        copy it into the active meta-alerts holding it).  ``missing`` is the message when
        the document is not there.  A change that changes nothing writes nothing."""
        pending: list[Written] = []
        with self._transaction() as conn:
            old = self._latest(guid, sensor)
            if old is None:
                raise DocumentNotFound(
                    missing
                    or f"Document does not exist, but is required; guid={guid}, sensorType={sensor}"
                )
            new_doc = change(dict(old[2]))
            if new_doc == old[2]:
                return new_doc
            self._write_version(conn, old, new_doc, action, detail, user, pending)
            if propagate and sensor != META_ALERT_SENSOR:
                # Metron finds the active meta-alerts holding a copy of the alert (not the
                # alert's own "metaalerts" list) and replaces the copy
                for meta in self._active_metas_holding(guid):
                    meta_doc = dict(meta[2])
                    alerts = [
                        new_doc
                        if isinstance(a, dict)
                        and a.get(GUID) == guid
                        and a.get(SOURCE_TYPE, sensor) == sensor
                        else a
                        for a in meta_doc.get(ALERT_FIELD) or []
                    ]
                    meta_doc[ALERT_FIELD] = alerts
                    self._score(meta_doc)
                    self._write_version(
                        conn, meta, meta_doc, "alert updated", {GUID: guid}, user, pending
                    )
        self._apply(pending)
        return new_doc

    # -------------------------------------------------------------- updates

    def patch(self, request: Mapping[str, Any], user: str | None = None) -> dict[str, Any]:
        """Metron's ``PatchRequest``: ``guid``, ``sensorType``, ``patch`` (RFC 6902 operations
        applied as Metron's ``PatchUtils`` did, see :func:`apply_patch`; ``op`` in any case
        as Metron's enum allows), optional ``source`` (ignored: the latest version is
        patched) and ``index``."""
        guid, sensor = self._key(request)
        operations = request.get("patch")
        if not isinstance(operations, list) or not operations:
            raise InvalidRequest("'patch' must be a non-empty list of RFC 6902 operations")
        normalised = []
        for op in operations:
            if not isinstance(op, dict) or not isinstance(op.get("op"), str):
                raise InvalidRequest(f"a patch operation needs an 'op': {op!r:.80}")
            normalised.append({**op, "op": op["op"].lower()})
        if sensor == META_ALERT_SENSOR:
            for op in normalised:
                path = str(op.get("path", ""))
                if path in (f"/{ALERT_FIELD}", f"/{META_STATUS_FIELD}") or path.startswith(
                    f"/{ALERT_FIELD}/"
                ):
                    raise InvalidRequest(
                        "Meta alert patches are not allowed for /alert or /status paths."
                        "  Please use the add/remove alert or update status functions instead."
                    )

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            return apply_patch(doc, normalised)

        return self._update(guid, sensor, change, "patch", normalised, user)

    def replace(self, request: Mapping[str, Any], user: str | None = None) -> dict[str, Any]:
        """Metron's replace (``ReplaceRequest``): ``guid``, ``sensorType`` and the whole new
        ``replacement`` (or ``document``)."""
        guid, sensor = self._key(request)
        replacement = request.get("replacement", request.get("document"))
        if not isinstance(replacement, dict):
            raise InvalidRequest("'replacement' must be the new document (a JSON object)")
        if sensor == META_ALERT_SENSOR:
            raise InvalidRequest("Meta alerts cannot be directly updated")
        new = dict(replacement)
        new[GUID] = guid
        new[SOURCE_TYPE] = sensor
        return self._update(guid, sensor, lambda _doc: new, "replace", None, user)

    def set_status(
        self, guid: str, sensor: str, status: str, user: str | None = None
    ) -> dict[str, Any]:
        """Set ``alert_status`` to one of :data:`ALERT_STATUSES` (any case)."""
        value = status.strip().upper()
        if value not in ALERT_STATUSES:
            raise InvalidRequest(
                f"unknown alert status {status!r}: use one of {', '.join(ALERT_STATUSES)}"
            )

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            doc[STATUS_FIELD] = value
            return doc

        return self._update(guid, sensor, change, "status", {STATUS_FIELD: value}, user)

    def add_comment(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Metron's ``CommentAddRemoveRequest``: ``guid``, ``sensorType``, ``comment``,
        ``username``, ``timestamp`` (epoch ms; now when absent)."""
        guid, sensor = self._key(request)
        comment = self._comment(request)

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            doc[COMMENTS_FIELD] = [*(doc.get(COMMENTS_FIELD) or []), comment]
            return doc

        return self._update(
            guid,
            sensor,
            change,
            "comment added",
            comment,
            comment["username"],
            missing=f"Unable to add comment. Document with guid {guid} cannot be found.",
        )

    def remove_comment(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Remove the comment equal to the request's (text, username and timestamp).  As in
        Metron, a comment that is not there is no error (nothing changes), but a document
        without comments is."""
        guid, sensor = self._key(request)
        comment = self._comment(request)

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            if doc.get(COMMENTS_FIELD) is None:
                raise InvalidRequest(
                    f"Unable to remove comment. Document with guid {guid} has no comments."
                )
            comments = list(doc[COMMENTS_FIELD])
            if comment in comments:
                comments.remove(comment)
            if comments:
                doc[COMMENTS_FIELD] = comments
            else:
                doc.pop(COMMENTS_FIELD, None)
            return doc

        return self._update(
            guid,
            sensor,
            change,
            "comment removed",
            comment,
            comment["username"],
            missing=f"Unable to remove comment. Document with guid {guid} cannot be found.",
        )

    def _comment(self, request: Mapping[str, Any]) -> dict[str, Any]:
        text = request.get("comment")
        if not isinstance(text, str) or not text:
            raise InvalidRequest("'comment' must be a non-empty string")
        username = request.get("username") or self.user
        timestamp = request.get("timestamp")
        if timestamp is None:
            timestamp = _now_ms()
        if isinstance(timestamp, bool) or not isinstance(timestamp, int):
            raise InvalidRequest("'timestamp' must be epoch milliseconds (an integer)")
        return {"comment": text, "username": str(username), "timestamp": timestamp}

    @staticmethod
    def _key(request: Mapping[str, Any]) -> tuple[str, str]:
        guid = request.get("guid")
        sensor = request.get("sensorType")
        if not isinstance(guid, str) or not guid:
            raise InvalidRequest("'guid' is required")
        if not isinstance(sensor, str) or not sensor:
            raise InvalidRequest("'sensorType' is required")
        return guid, sensor

    def history(self, guid: str, sensor: str) -> list[dict[str, Any]]:
        """The audit trail of a document, oldest first."""
        rows = self._conn.execute(
            "SELECT ts, user, action, detail, before, after FROM history"
            " WHERE guid = ? AND sensor = ? ORDER BY seq",
            (guid, sensor),
        ).fetchall()
        return [
            {
                "timestamp": ts,
                "user": user,
                "action": action,
                "detail": orjson.loads(detail) if detail else None,
                "before": orjson.loads(before) if before else None,
                "after": orjson.loads(after) if after else None,
            }
            for ts, user, action, detail, before, after in rows
        ]

    # -------------------------------------------------------------- retrieval

    def find_one(self, guid: str, sensor: str) -> dict[str, Any] | None:
        """The latest version of a document (Metron's ``findOne`` / ``getLatest``)."""
        latest = self._latest(guid, sensor)
        return None if latest is None else latest[2]

    def sensors_of(self, guid: str) -> list[str]:
        """The sensors that hold a live document with this guid."""
        with self._lock:
            self._catch_up()
            hits = self.index.search(Term(GUID, guid), limit=100)
            docs = self._docs(hits.ids)
        return sorted({str(doc.get(SOURCE_TYPE)) for _, doc in docs.values()})

    def get_all_latest(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The latest versions of the documents named by ``GetRequest``s (missing ones are
        left out)."""
        out = []
        for request in requests:
            guid, sensor = self._key(request)
            found = self.find_one(guid, sensor)
            if found is not None:
                out.append(found)
        return out

    def _docs(self, ids: Sequence[int]) -> dict[int, tuple[str, dict[str, Any]]]:
        out: dict[int, tuple[str, dict[str, Any]]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for doc_id, idx, doc in self._conn.execute(
                f"SELECT id, idx, doc FROM docs WHERE id IN ({marks})", chunk
            ):
                out[int(doc_id)] = (str(idx), orjson.loads(doc))
        return out

    # -------------------------------------------------------------- search

    def _indices(self, request: Mapping[str, Any]) -> list[str] | None:
        indices = _request_list(request.get("indices"), "indices")
        if not indices:
            return None
        names = []
        for name in indices:
            if not isinstance(name, str):
                raise InvalidRequest("'indices' must be a list of index names")
            # Metron's Elasticsearch names (bro_index_2017.10.03.19, bro_index*) name the
            # sensor's index here
            base = name.split("_index", 1)[0] if "_index" in name else name
            names.append(base)
        names.append(META_ALERT_INDEX)
        return names

    def _query(self, request: Mapping[str, Any]) -> Node:
        text = request.get("query")
        if text is None:
            return MatchAll()
        if not isinstance(text, str):
            raise InvalidRequest("'query' must be a string")
        return parse(text)

    def _visible(self, query: Node, indices: list[str] | None) -> Node:
        """Metron's meta-alert wrapping: the query's matches that are not in an active
        meta-alert and are not inactive meta-alerts, plus the active meta-alerts any of
        whose alerts match.  As with Metron's nested ``metron_alert`` mapping, a meta-alert's
        alerts are matched one at a time (``metron_alert.x:1 AND metron_alert.y:2`` needs
        one alert with both), never as one flattened document."""
        not_inactive_meta = Bool(
            must=(Term(SOURCE_TYPE, META_ALERT_SENSOR),),
            must_not=(Term(META_STATUS_FIELD, "active"),),
        )
        plain = Bool(
            must=(_outside_meta_alerts(query),),
            must_not=(Exists(META_ALERT_FIELD), not_inactive_meta),
        )
        # the meta-alerts whose alerts match, from the alerts' own "metaalerts" (the
        # copies inside a meta-alert are kept equal to them), whatever their index
        children = self.index.search(
            Bool(must=(_inside_meta_alert(query), Exists(META_ALERT_FIELD))),
            limit=0,
            facets=[META_ALERT_FIELD],
        )
        metas = sorted(children.facets.get(META_ALERT_FIELD, {}))
        if not metas:
            return plain
        parents = Bool(
            must=(
                Term(SOURCE_TYPE, META_ALERT_SENSOR),
                Term(META_STATUS_FIELD, "active"),
                Bool(should=tuple(Term(GUID, guid) for guid in metas)),
            )
        )
        return Bool(should=(plain, parents))

    def search(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Metron's ``SearchRequest`` -> ``SearchResponse`` (see the module docstring)."""
        size = request.get("size", 10)
        start = request.get("from", 0)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidRequest("'size' must be a whole number")
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise InvalidRequest("'from' must be a whole number")
        if size > self.max_results:
            raise InvalidRequest(f"Search result size must be less than {self.max_results}")
        sort = self._sort(request.get("sort"))
        # facet counts are keyed by the names the request gives (dotted or dedotted)
        facet_names = {
            str(f): _field_name(str(f))
            for f in _request_list(request.get("facetFields"), "facetFields")
        }
        facets = sorted(set(facet_names.values()))
        fields = request.get("fields")
        if fields is not None and not isinstance(fields, list):
            raise InvalidRequest("'fields' must be a list of field names")
        indices = self._indices(request)
        with self._lock:
            self._catch_up()
            query = self._visible(self._query(request), indices)
            hits = self.index.search(
                query, indices=indices, sort=sort, offset=start, limit=size, facets=facets
            )
            docs = self._docs(hits.ids)
        results = []
        for doc_id in hits.ids:
            if doc_id not in docs:
                continue
            index_name, doc = docs[doc_id]
            # as Metron's Elasticsearch DAO: each asked-for field, null when missing
            source = doc if fields is None else {f: doc.get(_field_name(f)) for f in fields}
            results.append(
                {"id": doc.get(GUID), "source": source, "score": 1.0, "index": index_name}
            )
        response: dict[str, Any] = {"total": hits.total, "results": results}
        response["facetCounts"] = (
            {name: hits.facets.get(field, {}) for name, field in facet_names.items()}
            if facet_names
            else None
        )
        return response

    @staticmethod
    def _sort(value: Any) -> list[SortField]:
        if value is None:
            return [SortField(TIMESTAMP, "desc")]
        out = []
        for item in _request_list(value, "sort"):
            if not isinstance(item, dict) or not isinstance(item.get("field"), str):
                raise InvalidRequest('each \'sort\' entry is {"field": ..., "sortOrder": ...}')
            order = str(item.get("sortOrder", "desc")).lower()
            if order not in ("asc", "desc"):
                raise InvalidRequest(f"'sortOrder' must be asc or desc, not {order!r}")
            out.append(SortField(_field_name(item["field"]), "asc" if order == "asc" else "desc"))
        return out

    def group(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Metron's ``GroupRequest`` -> ``GroupResponse``: nested groups with counts and the
        sum of ``scoreField``; alerts inside meta-alerts are left out, as in Metron."""
        groups = []
        for item in _request_list(request.get("groups"), "groups"):
            if not isinstance(item, dict) or not isinstance(item.get("field"), str):
                raise InvalidRequest('each group is {"field": ..., "order": {...}}')
            order = item.get("order") or {}
            by = str(order.get("groupOrderType", "count")).lower()
            direction = str(order.get("sortOrder", "desc")).lower()
            if by not in ("count", "term") or direction not in ("asc", "desc"):
                raise InvalidRequest(
                    "a group's order is groupOrderType count|term and sortOrder asc|desc"
                )
            groups.append(
                GroupSpec(
                    _field_name(item["field"]),
                    "term" if by == "term" else "count",
                    "asc" if direction == "asc" else "desc",
                )
            )
        if not groups:
            raise InvalidRequest("At least 1 group must be provided.")
        names = [item["field"] for item in request["groups"]]
        score_field = request.get("scoreField")
        if not isinstance(score_field, str) or not score_field:
            score_field = None
        indices = self._indices(request)
        with self._lock:
            self._catch_up()
            query = Bool(must=(self._query(request),), must_not=(Exists(META_ALERT_FIELD),))
            found = self.index.group(
                query,
                groups,
                indices=indices,
                score_field=_field_name(score_field) if score_field else None,
            )
        scored = score_field is not None
        return {"groupedBy": names[0], "groupResults": self._group_results(found, names, scored)}

    def _group_results(
        self, found: list[dict[str, Any]], names: list[str], scored: bool, level: int = 0
    ) -> list[dict[str, Any]]:
        """Metron's ``GroupResult``s: ``groupedBy`` is the next level's field as the request
        named it, and ``score`` is null without a ``scoreField``, as in Metron."""
        out = []
        for group in found[: self.max_groups]:
            result: dict[str, Any] = {
                "key": group["key"],
                "total": group["total"],
                "score": group["score"] if scored else None,
                "groupedBy": names[level + 1] if level + 1 < len(names) else None,
                "groupResults": None,
            }
            if "groups" in group:
                result["groupResults"] = self._group_results(
                    group["groups"], names, scored, level + 1
                )
            out.append(result)
        return out

    def column_metadata(self, indices: Sequence[str] | None = None) -> dict[str, str]:
        """Field -> Metron ``FieldType`` name for the named indices: ``ip``, ``keyword``,
        ``long``, ``double``, ``boolean``, ``date`` (``timestamp`` and ``*.ts``), or
        ``other`` when the values disagree."""
        names = self._indices({"indices": list(indices) if indices else None})
        with self._lock:
            self._catch_up()
        out = {}
        for name, kinds in sorted(self.index.fields(names).items()):
            if name == TIMESTAMP or name.endswith(".ts"):
                kind = "date" if kinds <= {"integer", "float"} else "other"
            elif kinds == {"ip"}:
                kind = "ip"
            elif kinds <= {"string", "ip"}:
                kind = "keyword"
            elif kinds == {"integer"}:
                kind = "long"
            elif kinds <= {"integer", "float"}:
                kind = "double"
            elif kinds == {"boolean"}:
                kind = "boolean"
            else:
                kind = "other"
            out[name] = kind
        return out

    # -------------------------------------------------------------- meta-alerts

    @staticmethod
    def _meta_guids(doc: Mapping[str, Any]) -> list[str]:
        value = doc.get(META_ALERT_FIELD)
        if isinstance(value, list):
            return [str(v) for v in value if isinstance(v, str)]
        return []

    def _score(self, meta: dict[str, Any]) -> None:
        scores = []
        for alert in meta.get(ALERT_FIELD) or []:
            value = _number(alert.get(THREAT_SCORE)) if isinstance(alert, dict) else None
            if value is not None:
                scores.append(value)
        if scores:
            summary: dict[str, Any] = {
                "max": max(scores),
                "min": min(scores),
                "average": sum(scores) / len(scores),
                "count": len(scores),
                "sum": sum(scores),
                "median": statistics.median(scores),
            }
        else:
            # Java's DoubleSummaryStatistics of nothing, and commons-math's median of nothing
            summary = {
                "max": float("-inf"),
                "min": float("inf"),
                "average": 0.0,
                "count": 0,
                "sum": 0.0,
                "median": float("nan"),
            }
        meta.update(summary)
        meta[THREAT_SCORE] = float(summary[self.meta_sort])

    def _alerts(self, requests: Any, what: str) -> list[tuple[int, str, dict[str, Any]]]:
        out = []
        for request in _request_list(requests, "alerts"):
            if not isinstance(request, dict):
                raise InvalidRequest("each alert is a GetRequest {guid, sensorType}")
            guid, sensor = self._key(request)
            latest = self._latest(guid, sensor)
            if latest is None:
                raise DocumentNotFound(f"{what}  Alert with guid {guid} cannot be found.")
            out.append(latest)
        return out

    def create_meta_alert(
        self, request: Mapping[str, Any], user: str | None = None
    ) -> dict[str, Any]:
        """Metron's ``MetaAlertCreateRequest``: ``alerts`` (GetRequests) and ``groups``."""
        if not _request_list(request.get("alerts"), "alerts"):
            raise InvalidRequest("MetaAlertCreateRequest must contain alerts")
        groups = _request_list(request.get("groups"), "groups")
        if not groups:
            raise InvalidRequest("MetaAlertCreateRequest must contain UI groups")
        pending: list[Written] = []
        with self._transaction() as conn:
            alerts = self._alerts(request.get("alerts"), "Unable to create meta alert.")
            guid = str(uuid.uuid4())
            # Metron's meta-alert holds the alerts as they are after the change (with the new
            # guid in their "metaalerts"): it copied the very maps it then updated
            linked = [self._linked(doc, guid) for _, _, doc in alerts]
            meta: dict[str, Any] = {
                ALERT_FIELD: linked,
                GUID: guid,
                TIMESTAMP: _now_ms(),
                GROUPS_FIELD: [str(g) for g in groups],
                META_STATUS_FIELD: "active",
            }
            self._score(meta)
            meta[SOURCE_TYPE] = META_ALERT_SENSOR
            cursor = conn.execute(
                "INSERT INTO docs (guid, sensor, idx, doc) VALUES (?, ?, ?, ?)",
                (guid, META_ALERT_SENSOR, META_ALERT_INDEX, _dumps(meta)),
            )
            conn.execute(
                "INSERT INTO history (guid, sensor, ts, user, action, detail, before, after)"
                " VALUES (?, ?, ?, ?, 'meta-alert created', ?, NULL, ?)",
                (
                    guid,
                    META_ALERT_SENSOR,
                    _now_ms(),
                    user or self.user,
                    _dumps(groups),
                    _dumps(meta),
                ),
            )
            pending.append(
                (
                    int(cursor.lastrowid or 0),
                    META_ALERT_INDEX,
                    meta,
                    doc_key(guid, META_ALERT_SENSOR),
                )
            )
            for alert, doc in zip(alerts, linked):
                if doc != alert[2]:
                    self._write_version(
                        conn, alert, doc, "added to meta-alert", {"metaalert": guid}, user, pending
                    )
        self._apply(pending)
        return meta

    def _linked(self, doc: Mapping[str, Any], meta_guid: str) -> dict[str, Any]:
        """The alert ``doc`` listing the meta-alert ``meta_guid`` in its ``metaalerts``."""
        out = dict(doc)
        guids = self._meta_guids(out)
        if meta_guid not in guids:
            out[META_ALERT_FIELD] = [*guids, meta_guid]
        return out

    def _meta(self, guid: str, what: str) -> tuple[int, str, dict[str, Any]]:
        meta = self._latest(guid, META_ALERT_SENSOR)
        if meta is None:
            raise DocumentNotFound(f"{what}  Meta alert with guid {guid} cannot be found.")
        return meta

    def add_alerts_to_meta_alert(
        self, request: Mapping[str, Any], user: str | None = None
    ) -> dict[str, Any]:
        """Metron's ``MetaAlertAddRemoveRequest`` (``metaAlertGuid``, ``alerts``): alerts
        already in the meta-alert are skipped; an inactive meta-alert is refused."""
        return self._add_remove(request, user, adding=True)

    def remove_alerts_from_meta_alert(
        self, request: Mapping[str, Any], user: str | None = None
    ) -> dict[str, Any]:
        """Remove alerts from a meta-alert; emptying it is refused, as in Metron."""
        return self._add_remove(request, user, adding=False)

    def _add_remove(
        self, request: Mapping[str, Any], user: str | None, *, adding: bool
    ) -> dict[str, Any]:
        meta_guid = request.get("metaAlertGuid")
        if not isinstance(meta_guid, str) or not meta_guid:
            raise InvalidRequest("'metaAlertGuid' is required")
        verb = "add alerts to" if adding else "remove alerts from"
        what = f"Unable to {verb} meta alert."
        pending: list[Written] = []
        with self._transaction() as conn:
            meta = self._meta(meta_guid, what)
            if meta[2].get(META_STATUS_FIELD) != "active":
                action = "Adding alerts to" if adding else "Removing alerts from"
                raise InvalidRequest(f"{action} an INACTIVE meta alert is not allowed")
            alerts = self._alerts(request.get("alerts"), what)
            meta_doc = dict(meta[2])
            current = list(meta_doc.get(ALERT_FIELD) or [])
            present = {a.get(GUID) for a in current if isinstance(a, dict)}
            changed = []
            if adding:
                for alert in alerts:
                    if alert[2].get(GUID) not in present:
                        # the copy is the alert as linked, as in Metron (see create)
                        current.append(self._linked(alert[2], meta_guid))
                        present.add(alert[2].get(GUID))
                        changed.append(alert)
            else:
                removing = {a[2].get(GUID) for a in alerts}
                kept = [a for a in current if a.get(GUID) not in removing]
                if len(kept) != len(current):
                    if not kept:
                        raise InvalidRequest(
                            "Removing these alerts will result in an empty meta alert."
                            "  Empty meta alerts are not allowed."
                        )
                    changed = [a for a in alerts if a[2].get(GUID) in present]
                current = kept
            if changed:
                meta_doc[ALERT_FIELD] = current
                self._score(meta_doc)
                detail = {"alerts": [a[2].get(GUID) for a in changed]}
                action = "alerts added" if adding else "alerts removed"
                self._write_version(conn, meta, meta_doc, action, detail, user, pending)
                for alert in changed:
                    if adding:
                        doc = self._linked(alert[2], meta_guid)
                    else:
                        doc = dict(alert[2])
                        if meta_guid in self._meta_guids(doc):
                            doc[META_ALERT_FIELD] = [
                                g for g in self._meta_guids(doc) if g != meta_guid
                            ]
                    if doc == alert[2]:
                        continue
                    what_happened = "added to meta-alert" if adding else "removed from meta-alert"
                    self._write_version(
                        conn, alert, doc, what_happened, {"metaalert": meta_guid}, user, pending
                    )
            result = meta_doc
        self._apply(pending)
        return result

    def update_meta_alert_status(
        self, guid: str, status: str, user: str | None = None
    ) -> dict[str, Any]:
        """``active`` or ``inactive``: an inactive meta-alert releases its alerts (they lose
        its guid and are found again on their own); re-activating takes them back."""
        value = status.strip().lower()
        if value not in ("active", "inactive"):
            raise InvalidRequest(f"meta-alert status must be active or inactive, not {status!r}")
        pending: list[Written] = []
        with self._transaction() as conn:
            meta = self._meta(guid, "Unable to update meta alert status.")
            meta_doc = dict(meta[2])
            if meta_doc.get(META_STATUS_FIELD) != value:
                meta_doc[META_STATUS_FIELD] = value
                self._write_version(
                    conn, meta, meta_doc, "status", {META_STATUS_FIELD: value}, user, pending
                )
                for child in meta_doc.get(ALERT_FIELD) or []:
                    if not isinstance(child, dict):
                        continue
                    alert = self._latest(str(child.get(GUID)), str(child.get(SOURCE_TYPE)))
                    if alert is None:
                        continue
                    doc = dict(alert[2])
                    guids = self._meta_guids(doc)
                    if value == "active" and guid not in guids:
                        doc[META_ALERT_FIELD] = [*guids, guid]
                    elif value == "inactive" and guid in guids:
                        doc[META_ALERT_FIELD] = [g for g in guids if g != guid]
                    else:
                        continue
                    self._write_version(
                        conn, alert, doc, "meta-alert status", {"metaalert": guid}, user, pending
                    )
        self._apply(pending)
        return meta_doc

    def _active_metas_holding(self, guid: str) -> list[tuple[int, str, dict[str, Any]]]:
        """The active meta-alerts with a copy of alert ``guid`` in ``metron_alert``."""
        # most stores have no meta-alert: then an update need not search for them
        if (
            self._conn.execute(
                "SELECT 1 FROM docs WHERE sensor = 'metaalert' AND retired_by IS NULL LIMIT 1"
            ).fetchone()
            is None
        ):
            return []
        query = Bool(
            must=(
                Term(SOURCE_TYPE, META_ALERT_SENSOR),
                Term(META_STATUS_FIELD, "active"),
                Term(f"{ALERT_FIELD}.{GUID}", guid),
            )
        )
        with self._lock:
            self._catch_up()
            hits = self.index.search(query, limit=max(1, len(self.index)))
            docs = self._docs(hits.ids)
        return [(i, docs[i][0], docs[i][1]) for i in hits.ids if i in docs]

    def meta_alerts_for_alert(self, guid: str) -> dict[str, Any]:
        """The active meta-alerts holding the alert ``guid`` (a ``SearchResponse``)."""
        if not guid.strip():
            raise InvalidRequest("Guid cannot be empty")
        results = [
            {"id": doc.get(GUID), "source": doc, "score": 1.0, "index": META_ALERT_INDEX}
            for _, _, doc in self._active_metas_holding(guid)
        ]
        return {"total": len(results), "results": results, "facetCounts": None}

    def __len__(self) -> int:
        return len(self.index)
