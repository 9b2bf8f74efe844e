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
"""

from __future__ import annotations

import re
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from metron.errors import MetronError

__all__ = ["ALL_VIEW", "Lake", "quote_identifier", "quote_literal", "sensors"]

#: The view over every sensor's messages.
ALL_VIEW = "messages"
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
        except duckdb.CatalogException as e:
            available = ", ".join(self.shown_views())
            hint = (
                f"the lake's views: {available}"
                if self.views
                else f"the lake at {self.root} is empty: no views"
            )
            raise MetronError(f"{e}\n({hint})") from None
        except duckdb.Error as e:
            raise MetronError(str(e)) from None

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
