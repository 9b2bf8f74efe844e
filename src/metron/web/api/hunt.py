"""Hunting over the data lake with SQL (DuckDB), for any logged-in user.

``POST /api/v1/hunt`` ``{sql, limit?}`` answers ``{columns, rows, truncated, elapsedMs}``:
at most ``limit`` rows (1,000 unless told, at most 100,000), ``truncated``
when there were more.  ``POST /api/v1/hunt/csv`` answers the whole result (up to 1,000,000
rows) as a CSV download, streamed as DuckDB produces it.

The SQL comes from a browser, so it runs through :meth:`metron.lake.hunt.Lake.select_batches`:
one SELECT statement, on a connection that can read the lake's files and nothing else.  A
query DuckDB refuses (syntax, unknown view or column, another kind of statement, a file
outside the lake) is a 400 with DuckDB's message.  Queries are reads: nothing is audited.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from metron.errors import MetronError
from metron.lake.hunt import DEFAULT_LIMIT, Lake, cell_text, plain_value
from metron.web.context import Ctx, WebContext
from metron.web.errors import RestError
from metron.web.security import CurrentUser

__all__ = ["MAX_CSV_ROWS", "MAX_ROWS", "router"]

router = APIRouter(prefix="/api/v1", tags=["hunt"])

#: The most rows one page of results may ask for.
MAX_ROWS = 100_000
#: The most rows a CSV download holds.
MAX_CSV_ROWS = 1_000_000
#: Seconds a query may run (a CSV download: reading and sending included).
PAGE_TIMEOUT = 60.0
CSV_TIMEOUT = 600.0
_MAX_SQL = 100_000


class HuntRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=_MAX_SQL)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_ROWS)


class HuntCsvRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=_MAX_SQL)
    limit: int = Field(MAX_CSV_ROWS, ge=1, le=MAX_CSV_ROWS)


def _open(context: WebContext) -> Lake:
    try:
        return Lake(context.data_dir / "lake")
    except MetronError as e:
        raise RestError(500, str(e)) from None


@router.post("/hunt")
def hunt(body: HuntRequest, _: CurrentUser, context: Ctx) -> Response:
    """Run one SELECT over the lake's views (one per sensor, and ``messages`` over all)."""
    started = time.perf_counter()
    with _open(context) as lake:
        try:
            columns, batches = lake.select_batches(body.sql, body.limit + 1, timeout=PAGE_TIMEOUT)
            rows = [row for batch in batches for row in batch]
        except MetronError as e:
            raise RestError(400, str(e), field="sql") from None
    answer = {
        "columns": columns,
        "rows": rows[: body.limit],
        "truncated": len(rows) > body.limit,
        "elapsedMs": round((time.perf_counter() - started) * 1000, 1),
    }
    return Response(
        orjson.dumps(answer, default=plain_value, option=orjson.OPT_NON_STR_KEYS),
        media_type="application/json",
    )


def _csv_lines(lake: Lake, columns: list[str], batches: Iterator[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    try:
        writer.writerow(columns)
        for batch in batches:
            writer.writerows([cell_text(v) for v in row] for row in batch)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
    except MetronError as e:
        # the status line is sent: say so in the file rather than end it silently short
        yield buffer.getvalue() + f"\r\n# the query failed here: {e}\r\n"
    finally:
        lake.close()


@router.post("/hunt/csv")
def hunt_csv(body: HuntCsvRequest, _: CurrentUser, context: Ctx) -> StreamingResponse:
    """The same query's rows as a CSV file (a header row, then up to ``limit`` rows)."""
    lake = _open(context)
    try:
        columns, batches = lake.select_batches(body.sql, body.limit, timeout=CSV_TIMEOUT)
    except MetronError as e:
        lake.close()
        raise RestError(400, str(e), field="sql") from None
    name = f"hunt-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
    return StreamingResponse(
        _csv_lines(lake, columns, batches),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
