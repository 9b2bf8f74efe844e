"""The hunt page (``GET /hunt``): SQL over the data lake.

A query box (Ctrl+Enter runs it) over ``POST /api/v1/hunt``, the results as a table,
DuckDB's message in place when the query is refused, and a CSV download of the whole
result (``POST /api/v1/hunt/csv``).  Beside it, as help, the lake's views and their
columns (click one to insert it, quoted as it must be).  ``?sql=`` fills the box.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from metron.errors import MetronError
from metron.lake.hunt import ALL_VIEW, Lake
from metron.web.api.hunt import MAX_CSV_ROWS
from metron.web.console.session import Session
from metron.web.console.templating import render
from metron.web.context import Ctx

__all__ = ["LIMITS", "router"]

router = APIRouter(include_in_schema=False)

#: The row limits the page offers.
LIMITS = (100, 1_000, 10_000, 100_000)


@router.get("/hunt", response_class=HTMLResponse)
def hunt_page(request: Request, context: Ctx, session: Session, sql: str = "") -> HTMLResponse:
    views: list[dict[str, object]] = []
    error = None
    try:
        with Lake(context.data_dir / "lake") as lake:
            shown = dict(zip(lake.views, lake.shown_views(), strict=True))
            for view, columns in lake.columns().items():
                views.append({"name": view, "sql_name": shown[view], "columns": columns})
    except MetronError as e:
        error = str(e)
    example = ""
    if views:
        example = (
            f"SELECT sensor, count(*) AS events\nFROM {ALL_VIEW}\nGROUP BY sensor\n"
            "ORDER BY events DESC"
        )
    return render(
        request,
        "hunt.html",
        session,
        title="Hunt",
        views=views,
        sql=sql[:100_000] or example,
        limits=LIMITS,
        csv_rows=MAX_CSV_ROWS,
        error=error,
    )
