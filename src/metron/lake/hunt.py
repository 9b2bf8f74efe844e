"""Hunting: SQL over the lake with DuckDB.

:class:`Lake` opens an in-memory DuckDB connection with one view per sensor present in the
lake (``bro``, ``snort``; a name that is not a plain identifier is quoted: ``"my-sensor"``)
and one view ``messages`` over every sensor (``all`` would read better but is an SQL
keyword).  Each view reads ``<root>/sensor=<s>/dt=*/*.parquet`` with hive partitioning, so
``sensor`` (text) and ``dt`` (a DATE) are columns and a ``WHERE dt >= '2026-11-01'`` reads
only those days' files; files are unified by column name, a field a file lacks reading as
NULL.  Field names keep their dots, so quote them: ``"enrichments.geo.ip_dst_addr.city"``.
A sensor named ``messages``, or one differing from another only in case (DuckDB's names
ignore case), has no view of its own: query ``messages WHERE sensor = '<name>'``.  A
message field named ``sensor`` or ``dt`` is shadowed by the partition column.

The SQL is the analyst's own and runs as written, with DuckDB's full dialect.  Only the
views are built here, from quoted identifiers and escaped literals, never from that SQL.

:meth:`Lake.query` trusts whoever writes the SQL (the CLI's user, who can read the files
anyway).  SQL from further away (the web API) goes through :meth:`Lake.query_readonly` or
:meth:`Lake.select_batches`: one SELECT only, stopped after ``limit`` rows and ``timeout``
seconds, on a connection :meth:`Lake.lock_down` has shut off from every file but the lake's
(no ``read_csv('/etc/passwd')``, ``COPY ... TO``, ``ATTACH``, ``INSTALL``; no setting can be
changed back).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from metron.errors import MetronError

__all__ = [
    "ALL_VIEW",
    "DEFAULT_LIMIT",
    "DEFAULT_TIMEOUT",
    "Lake",
    "quote_identifier",
    "quote_literal",
    "sensors",
]

#: The view over every sensor's messages.
ALL_VIEW = "messages"
#: Rows :meth:`Lake.query_readonly` returns unless told otherwise.
DEFAULT_LIMIT = 1_000
#: Seconds a read-only query may run before it is stopped.
DEFAULT_TIMEOUT = 60.0
_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")
_GLOB = re.compile(r"[*?\[\]{}]")


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (DuckDB still matches it ignoring case)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sensors(root: Path) -> list[str]:
    """The sensors with at least one Parquet file in the lake, sorted."""
    if not root.is_dir():
        return []
    found = []
    for entry in sorted(root.glob("sensor=*")):
        if entry.is_dir() and any(entry.glob("dt=*/*.parquet")):
            found.append(entry.name.removeprefix("sensor="))
    return found


def plain_value(value: Any) -> Any:
    """A value as JSON can carry it: dates and times in ISO form, decimals as numbers,
    bytes as hex, anything else as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value)


def cell_text(value: Any) -> str:
    """A query result's value as a table cell or CSV field: empty for NULL, text as it is,
    lists and structs as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | dict | tuple):
        return orjson.dumps(value, default=plain_value, option=orjson.OPT_NON_STR_KEYS).decode()
    plain = plain_value(value)
    return plain if isinstance(plain, str) else repr(plain)


class Lake:
    """The lake at ``root`` as DuckDB views; :meth:`query` runs an analyst's SQL.

    ``threads`` caps DuckDB's worker threads (default: one per core).  Call
    :meth:`refresh` to see sensors and columns written since the lake was opened.
    """

    def __init__(self, root: Path, *, threads: int | None = None) -> None:
        self.root = Path(root)
        if _GLOB.search(str(self.root.absolute())):
            raise MetronError(
                f"{self.root}: the lake directory's path may not contain * ? [ ] {{ }}"
            )
        self._connection = duckdb.connect(":memory:")
        self._locked = False
        if threads is not None:
            self._connection.execute(f"SET threads = {int(threads)}")
        self.views: list[str] = []
        self.refresh()

    def refresh(self) -> None:
        """(Re)create the views from the sensors and files now in the lake."""
        for view in self.views:
            self._connection.execute(f"DROP VIEW IF EXISTS {quote_identifier(view)}")
        self.views = []
        present = sensors(self.root)
        base = self.root.absolute()
        for sensor in present:
            if sensor.lower() == ALL_VIEW or sensor.lower() in self._lowered():
                continue  # only in the union view (DuckDB's names ignore case)
            self._create_view(sensor, [str(base / f"sensor={sensor}" / "dt=*" / "*.parquet")])
        if present:
            self._create_view(ALL_VIEW, [str(base / "sensor=*" / "dt=*" / "*.parquet")])

    def _lowered(self) -> set[str]:
        return {v.lower() for v in self.views}

    def shown_views(self) -> list[str]:
        """The view names as a query would spell them: quoted unless plain."""
        reserved = {
            row[0]
            for row in self._connection.execute(
                "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'"
            ).fetchall()
        }
        return [
            v if _PLAIN.fullmatch(v) and v not in reserved else quote_identifier(v)
            for v in self.views
        ]

    def _create_view(self, name: str, globs: list[str]) -> None:
        sources = ", ".join(quote_literal(g) for g in globs)
        self._connection.execute(
            f"CREATE VIEW {quote_identifier(name)} AS SELECT * FROM read_parquet([{sources}],"
            " hive_partitioning = true, union_by_name = true)"
        )
        self.views.append(name)

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run ``sql``: the column names and the rows.  A mistake (syntax, unknown view or
        column, bad cast) is a :class:`MetronError` carrying DuckDB's message."""
        try:
            cursor = self._connection.execute(sql)
            if cursor.description is None:
                return [], []
            columns = [d[0] for d in cursor.description]
            return columns, cursor.fetchall()
        except duckdb.Error as e:
            raise self._failure(e) from None

    def columns(self) -> dict[str, list[tuple[str, str]]]:
        """Each view's columns as ``(name, DuckDB type)``, in the order of :attr:`views`."""
        found: dict[str, list[tuple[str, str]]] = {view: [] for view in self.views}
        rows = self._connection.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'main' ORDER BY ordinal_position"
        ).fetchall()
        for view, column, kind in rows:
            if view in found:
                found[view].append((column, kind))
        return found

    # ------------------------------------------------------------------ read-only

    def lock_down(self) -> None:
        """Shut this connection off from everything but reading the lake: no other file,
        no network, no extension, at most a quarter of the memory, and no setting changed
        from now on (this one included).
        The views keep working, :meth:`refresh` too.  There is no way back."""
        if self._locked:
            return
        lake = quote_literal(str(self.root.absolute()) + os.sep)
        # a quarter of the machine's memory (DuckDB would take 80%): the server lives on
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
        for statement in (
            f"SET memory_limit = '{max(memory // 2**20, 256)}MB'",
            f"SET allowed_directories = [{lake}]",
            "SET enable_external_access = false",
            "SET autoinstall_known_extensions = false",
            "SET autoload_known_extensions = false",
            "SET lock_configuration = true",
        ):
            self._connection.execute(statement)
        self._locked = True

    def check_select(self, sql: str) -> None:
        """Refuse ``sql`` (a :class:`MetronError`) unless it is one SELECT statement
        (``SELECT``, ``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``, ``SUMMARIZE``...)."""
        try:
            statements = self._connection.extract_statements(sql)
        except duckdb.Error as e:
            raise MetronError(str(e)) from None
        if not statements:
            raise MetronError("no query: write one SELECT statement")
        if len(statements) > 1:
            raise MetronError(f"one query at a time: this SQL holds {len(statements)} statements")
        kind = statements[0].type.name
        if kind != "SELECT":
            raise MetronError(f"only SELECT queries may run here, not a {kind} statement")

    def select_batches(
        self,
        sql: str,
        limit: int,
        *,
        batch_rows: int = 10_000,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> tuple[list[str], Iterator[list[tuple[Any, ...]]]]:
        """Run one SELECT read-only (see :meth:`lock_down` and :meth:`check_select`): the
        column names, and the first ``limit`` rows as they come, in lists of up to
        ``batch_rows``.  The query is stopped after ``timeout`` seconds, reading included;
        a mistake is a :class:`MetronError` (when reading, from the iterator)."""
        self.lock_down()
        self.check_select(sql)
        expired = threading.Event()

        def interrupt() -> None:
            expired.set()
            self._connection.interrupt()

        timer = threading.Timer(timeout, interrupt)
        timer.daemon = True
        timer.start()
        try:
            relation = self._connection.sql(sql)
            reader = relation.limit(limit).to_arrow_reader(batch_rows)
        except duckdb.Error as e:
            timer.cancel()
            raise self._failure(e, timeout if expired.is_set() else None) from None
        return list(relation.columns), self._read(reader, timer, expired, timeout)

    def _read(
        self,
        reader: pa.RecordBatchReader,
        timer: threading.Timer,
        expired: threading.Event,
        timeout: float,
    ) -> Iterator[list[tuple[Any, ...]]]:
        try:
            for batch in reader:
                yield list(zip(*(column.to_pylist() for column in batch.columns), strict=True))
        except (duckdb.Error, pa.ArrowException, OSError) as e:
            # an error while streaming comes through Arrow as an OSError
            raise self._failure(e, timeout if expired.is_set() else None) from None
        finally:
            timer.cancel()

    def query_readonly(
        self, sql: str, limit: int = DEFAULT_LIMIT, *, timeout: float = DEFAULT_TIMEOUT
    ) -> tuple[list[str], list[tuple[Any, ...]], bool]:
        """:meth:`select_batches` gathered: the column names, the first ``limit`` rows, and
        whether there were more."""
        columns, batches = self.select_batches(sql, limit + 1, timeout=timeout)
        rows = [row for batch in batches for row in batch]
        return columns, rows[:limit], len(rows) > limit

    def _failure(self, error: Exception, timeout: float | None = None) -> MetronError:
        if timeout is not None:
            return MetronError(f"the query ran longer than {timeout:g} s and was stopped")
        if isinstance(error, duckdb.CatalogException):
            available = ", ".join(self.shown_views())
            hint = (
                f"the lake's views: {available}"
                if self.views
                else f"the lake at {self.root} is empty: no views"
            )
            return MetronError(f"{error}\n({hint})")
        return MetronError(str(error))

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._connection.close()

    def __enter__(self) -> Lake:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
