"""The lookup store behind simple enrichments and threat intelligence.

Metron keeps loaded reference data (asset owners, whois records, threat-intel indicators...)
as ``(enrichment type, indicator) -> value map`` records in HBase tables, by default
``enrichment`` and ``threatintel``, each value a JSON object in one cell of a column family
(``t`` unless configured).  A threat-intel check only asks whether the record exists; a
simple enrichment reads the map.

Here a store answers :meth:`LookupStore.get` and :meth:`LookupStore.exists` for a
``(table, type, indicator)`` and loaders write with :meth:`LookupWriter.put_many`: to a
store, or in Kafka mode to the lookup topic (:mod:`metron.enrichment.lookup_topic`), which
only writes.

Column family.  An HBase ``Get`` restricted to a column family only sees that family's
cells, so a record written under family ``t`` is absent when read through family ``f``
(Metron then answers an empty map / ``false``).  The column family is therefore part of the
key here too: ``(table, column family, type, indicator)``.  It defaults to ``t`` everywhere,
so callers that never name one read what loaders that never name one wrote.

Values are stored as JSON text, as Metron stores them, and decoded into Stellar values
(integers beyond 32 bits become longs...).  Each ``get`` returns a fresh map the caller may
change freely.  Writing a record that exists replaces its value (an HBase put of the same
cell); :meth:`SqliteLookup.delete_many` removes records (what a tombstone on the lookup
topic does).

Two implementations:

* :class:`MemoryLookup`, a dictionary, for tests and short-lived tools;
* :class:`SqliteLookup`, one SQLite file (by default ``<data dir>/lookup/lookup.db``) in WAL
  mode, so workers keep reading while a loader writes, with a bounded LRU cache in front.
  Absent keys are cached too (most threat-intel checks miss).  The cache is dropped when
  another connection commits a change, which the store notices through SQLite's
  ``PRAGMA data_version`` at most every ``refresh_ms`` milliseconds; its own writes update
  the cache at once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, Protocol, Self, runtime_checkable

from metron.settings import data_dir
from metron.stellar.serialize import from_json, to_json

__all__ = [
    "DEFAULT_COLUMN_FAMILY",
    "ENRICHMENT_TABLE",
    "THREAT_INTEL_TABLE",
    "EnrichmentService",
    "LookupKV",
    "LookupStore",
    "LookupWriter",
    "MemoryLookup",
    "SqliteLookup",
    "default_lookup_path",
    "encode_key",
    "encode_row",
]

#: Metron's default table for simple enrichment data.
ENRICHMENT_TABLE = "enrichment"
#: Metron's default table for threat-intelligence indicators.
THREAT_INTEL_TABLE = "threatintel"
#: Metron's default column family for both tables.
DEFAULT_COLUMN_FAMILY = "t"


class LookupKV(NamedTuple):
    """One record for :meth:`LookupStore.put_many`; a plain 3-tuple works as well."""

    type: str
    indicator: str
    value: Mapping[str, Any]


Row = tuple[str, str, Mapping[str, Any]]


@runtime_checkable
class LookupWriter(Protocol):
    """What a loader writes to: a :class:`LookupStore`, or in Kafka mode the lookup topic."""

    def put_many(
        self, table: str, rows: Iterable[Row], column_family: str = DEFAULT_COLUMN_FAMILY
    ) -> int:
        """Store ``(type, indicator, value map)`` rows, replacing existing ones; the count."""
        ...

    def close(self) -> None:
        """Finish the writes and release the resources."""
        ...


@runtime_checkable
class LookupStore(LookupWriter, Protocol):
    """Reads and writes ``(table, column family, type, indicator) -> value map`` records."""

    def get(
        self,
        table: str,
        enrichment_type: str,
        indicator: str,
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> dict[str, Any] | None:
        """The value map stored for the key (a fresh copy), or ``None`` when absent."""
        ...

    def exists(
        self,
        table: str,
        enrichment_type: str,
        indicator: str,
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> bool:
        """Whether a record is stored for the key."""
        ...

    def generation(self) -> int:
        """A number that changes when the store's contents may have changed (a load by this
        or another process), so that callers caching answers know to drop them."""
        ...


def _check_names(table: str, column_family: str) -> None:
    if not isinstance(table, str) or not isinstance(column_family, str):
        raise TypeError(
            f"table and column family must be strings, not {table!r:.40} and {column_family!r:.40}"
        )


def encode_row(table: str, column_family: str, row: Row) -> tuple[str, str, str, str, str]:
    """``(table, column family, type, indicator, value JSON)``: a row checked and encoded
    as every writer stores it; a row of the wrong shape is a :class:`TypeError`."""
    _check_names(table, column_family)
    try:
        enrichment_type, indicator, value = row
    except (TypeError, ValueError):
        raise TypeError(f"a lookup row is (type, indicator, value map), not {row!r:.80}") from None
    if not isinstance(enrichment_type, str) or not isinstance(indicator, str):
        raise TypeError(
            f"a lookup row's type and indicator must be strings, not {enrichment_type!r:.40}"
            f" and {indicator!r:.40}"
        )
    if not isinstance(value, Mapping):
        raise TypeError(
            f"the value of {enrichment_type}:{indicator} must be a map, not {type(value).__name__}"
        )
    return table, column_family, enrichment_type, indicator, to_json(dict(value))


def encode_key(table: str, column_family: str, key: tuple[str, str]) -> tuple[str, str, str, str]:
    """``(table, column family, type, indicator)``: a ``(type, indicator)`` key checked as
    every writer deletes by it; a key of the wrong shape is a :class:`TypeError`."""
    _check_names(table, column_family)
    if not isinstance(key, tuple | list) or len(key) != 2:
        raise TypeError(f"a lookup key is (type, indicator), not {key!r:.80}")
    enrichment_type, indicator = key
    if not isinstance(enrichment_type, str) or not isinstance(indicator, str):
        raise TypeError(
            f"a lookup key's type and indicator must be strings, not {enrichment_type!r:.40}"
            f" and {indicator!r:.40}"
        )
    return table, column_family, enrichment_type, indicator


class _Base:
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:  # pragma: no cover - overridden
        pass


class MemoryLookup(_Base):
    """The in-memory twin: the same answers as :class:`SqliteLookup`, nothing persisted."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str, str], str] = {}
        self._lock = threading.Lock()
        self._generation = 0

    def get(
        self,
        table: str,
        enrichment_type: str,
        indicator: str,
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> dict[str, Any] | None:
        text = self._rows.get((table, column_family, enrichment_type, indicator))
        if text is None:
            return None
        value: dict[str, Any] = from_json(text)
        return value

    def exists(
        self,
        table: str,
        enrichment_type: str,
        indicator: str,
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> bool:
        return (table, column_family, enrichment_type, indicator) in self._rows

    def put_many(
        self, table: str, rows: Iterable[Row], column_family: str = DEFAULT_COLUMN_FAMILY
    ) -> int:
        _check_names(table, column_family)
        encoded = [encode_row(table, column_family, row) for row in rows]
        with self._lock:
            for t, cf, kind, indicator, text in encoded:
                self._rows[(t, cf, kind, indicator)] = text
            self._generation += 1
        return len(encoded)

    def delete_many(
        self,
        table: str,
        keys: Iterable[tuple[str, str]],
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> int:
        """Remove the records of ``(type, indicator)`` keys; how many there were."""
        doomed = [encode_key(table, column_family, key) for key in keys]
        with self._lock:
            removed = sum(self._rows.pop(key, None) is not None for key in doomed)
            self._generation += 1
        return removed

    def generation(self) -> int:
        return self._generation

    def __len__(self) -> int:
        return len(self._rows)

    def close(self) -> None:
        pass


def default_lookup_path(directory: Path | None = None) -> Path:
    """Where the lookup store lives: ``<data dir>/lookup/lookup.db``."""
    return data_dir(directory) / "lookup" / "lookup.db"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS lookup (
    tbl TEXT NOT NULL,
    cf TEXT NOT NULL,
    type TEXT NOT NULL,
    indicator TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tbl, cf, type, indicator)
) WITHOUT ROWID
"""
_SELECT = "SELECT value FROM lookup WHERE tbl = ? AND cf = ? AND type = ? AND indicator = ?"
_UPSERT = "INSERT OR REPLACE INTO lookup (tbl, cf, type, indicator, value) VALUES (?, ?, ?, ?, ?)"
_DELETE = "DELETE FROM lookup WHERE tbl = ? AND cf = ? AND type = ? AND indicator = ?"

# A cache entry: (decoded map, JSON text when the map holds containers, else None), or
# _ABSENT for a key the store does not hold.
_Entry = tuple[dict[str, Any], str | None]
_ABSENT: Any = object()


def _entry(text: str) -> _Entry:
    value: dict[str, Any] = from_json(text)
    flat = not any(isinstance(v, (dict, list)) for v in value.values())
    return value, None if flat else text


class SqliteLookup(_Base):
    """The persistent store: one SQLite file in WAL mode with an LRU cache in front.

    ``cache_size`` bounds the cached keys (0 disables the cache); ``refresh_ms`` is how
    stale a cached answer may get when another process writes (0 checks on every read);
    ``batch_size`` is how many rows :meth:`put_many` commits at once; ``timeout`` how long
    a write waits for another writer, in seconds.  One instance may be shared by threads.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        cache_size: int = 100_000,
        refresh_ms: float = 100.0,
        batch_size: int = 10_000,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._cache_size = max(0, cache_size)
        self._refresh = max(0.0, refresh_ms) / 1000.0
        self._batch_size = max(1, batch_size)
        self._clock = clock
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[str, str, str, str], Any] = OrderedDict()
        self._conn = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(_SCHEMA)
        except sqlite3.DatabaseError as e:
            self._conn.close()
            raise OSError(f"{self.path}: not a usable lookup store: {e}") from None
        self._version = self._data_version()
        self._next_check = clock() + self._refresh
        self._generation = 0

    @classmethod
    def in_data_dir(cls, directory: Path | None = None, **options: Any) -> SqliteLookup:
        """The store at :func:`default_lookup_path` (``directory`` or the data directory)."""
        return cls(default_lookup_path(directory), **options)

    def _data_version(self) -> int:
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _check_changes(self, now: float) -> None:
        self._next_check = now + self._refresh
        version = self._data_version()
        if version != self._version:
            self._version = version
            self._cache.clear()
            self._generation += 1

    def _lookup(self, key: tuple[str, str, str, str]) -> Any:
        """The cache entry for ``key``, read from the database when not cached."""
        with self._lock:
            now = self._clock()
            if now >= self._next_check:
                self._check_changes(now)
            cache = self._cache
            entry = cache.get(key)
            if entry is not None:
                cache.move_to_end(key)
                return entry
            row = self._conn.execute(_SELECT, key).fetchone()
            entry = _ABSENT if row is None else _entry(row[0])
            if self._cache_size:
                cache[key] = entry
                if len(cache) > self._cache_size:
                    cache.popitem(last=False)
            return entry

    def get(
        self,
        table: str,
        enrichment_type: str,
        indicator: str,
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> dict[str, Any] | None:
        entry = self._lookup((table, column_family, enrichment_type, indicator))
        if entry is _ABSENT:
            return None
        value, text = entry
        if text is None:
            return dict(value)
        fresh: dict[str, Any] = from_json(text)
        return fresh

    def exists(
        self,
        table: str,
        enrichment_type: str,
        indicator: str,
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> bool:
        return self._lookup((table, column_family, enrichment_type, indicator)) is not _ABSENT

    def put_many(
        self, table: str, rows: Iterable[Row], column_family: str = DEFAULT_COLUMN_FAMILY
    ) -> int:
        _check_names(table, column_family)
        total = 0
        batch: list[tuple[str, str, str, str, str]] = []
        for row in rows:
            batch.append(encode_row(table, column_family, row))
            if len(batch) >= self._batch_size:
                self._write(_UPSERT, batch)
                total += len(batch)
                batch = []
        if batch:
            self._write(_UPSERT, batch)
            total += len(batch)
        return total

    def delete_many(
        self,
        table: str,
        keys: Iterable[tuple[str, str]],
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> int:
        """Remove the records of ``(type, indicator)`` keys, in one transaction; how many
        there were.  Readers' caches drop them as after a :meth:`put_many`."""
        doomed = [encode_key(table, column_family, key) for key in keys]
        return self._write(_DELETE, doomed) if doomed else 0

    def _write(self, statement: str, batch: Sequence[tuple[str, ...]]) -> int:
        """Run ``statement`` for every row of ``batch`` in one transaction; rows changed."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                changed = conn.executemany(statement, batch).rowcount
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            # data_version does not move for this connection's own commits: update the
            # cache here.
            cache = self._cache
            for t, cf, kind, indicator, *_value in batch:
                cache.pop((t, cf, kind, indicator), None)
            self._generation += 1
        return changed

    def generation(self) -> int:
        """Changes after this store's own writes and, noticed within ``refresh_ms``, after
        another connection's commits."""
        with self._lock:
            now = self._clock()
            if now >= self._next_check:
                self._check_changes(now)
            return self._generation

    def __len__(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT count(*) FROM lookup").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
            self._conn.close()


_USAGE = "enrichment type, indicator, table and column family"


def _arguments(function: str, args: tuple[Any, ...]) -> tuple[Any, Any, str, str]:
    if len(args) != 4:
        raise TypeError(f"{function} takes 4 arguments ({_USAGE}), {len(args)} given")
    enrichment_type, indicator, table, column_family = args
    for name, value in (("enrichment type", enrichment_type), ("indicator", indicator)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{function}: the {name} argument must be a string, not {value!r:.40}")
    if not isinstance(table, str):
        raise TypeError(f"{function}: the table argument must be a string, not {table!r:.40}")
    if column_family is None:
        column_family = DEFAULT_COLUMN_FAMILY
    elif not isinstance(column_family, str):
        raise TypeError(
            f"{function}: the column family argument must be a string, not {column_family!r:.40}"
        )
    return enrichment_type, indicator, table, column_family


class EnrichmentService:
    """The ``enrichment`` Stellar service: ENRICHMENT_GET and ENRICHMENT_EXISTS on a store.

    Both take (enrichment type, indicator, table, column family), all four required, as in
    Metron.  A null type or indicator answers an empty map / ``false`` without a lookup;
    an absent record an empty map / ``false``.  A null column family means ``t``.
    """

    def __init__(self, store: LookupStore) -> None:
        self.store = store

    def get(self, *args: Any) -> dict[str, Any]:
        enrichment_type, indicator, table, column_family = _arguments("ENRICHMENT_GET", args)
        if enrichment_type is None or indicator is None:
            return {}
        value = self.store.get(table, enrichment_type, indicator, column_family)
        return {} if value is None else value

    def exists(self, *args: Any) -> bool:
        enrichment_type, indicator, table, column_family = _arguments("ENRICHMENT_EXISTS", args)
        if enrichment_type is None or indicator is None:
            return False
        return self.store.exists(table, enrichment_type, indicator, column_family)
