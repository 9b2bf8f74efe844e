"""The alerts page, the details panel, and an alert's own page.

``GET /alerts`` is rendered on the server from its URL (see
:mod:`metron.web.console.alert_search`) with one store search: one page of results and
the facet counts, never a query per row, so it stays fast on a large store.  A query the
store cannot parse is shown above the table with its position; the page still answers
200.  ``GET /alerts/{sensor}/{guid}/panel`` is the details panel (an HTML fragment the
page's script loads), ``GET /alerts/{sensor}/{guid}`` the same on a page of its own.
Changes (status, comments, meta-alerts, saved searches) go through the REST API from
the page's script.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from metron.errors import MetronError
from metron.search.lucene import QuerySyntaxError, parse
from metron.web.console.alert_search import (
    COLUMN_LABELS,
    DEFAULT_FACETS,
    PAGE_SIZES,
    RANGES,
    AlertSearch,
)
from metron.web.console.alert_view import facets, field_groups, rows
from metron.web.console.session import ConsoleError, Session
from metron.web.console.templating import render
from metron.web.context import Ctx

__all__ = ["router", "saved_searches"]

router = APIRouter(include_in_schema=False)

_STATUSES = ("NEW", "OPEN", "ESCALATE", "DISMISS", "RESOLVE")
_HISTORY_SHOWN = 50


def _names(value: Any) -> list[str]:
    """Column or facet names from settings: strings, or Metron's ColumnMetadata maps."""
    out = []
    for item in value if isinstance(value, list) else []:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name:
            out.append(name)
    return out


def saved_searches(settings: dict[str, Any]) -> list[dict[str, str]]:
    """The user's saved searches as ``{name, url}``: a saved ``SearchRequest``'s query,
    size and first sort field, applied to the alerts page."""
    out = []
    for item in settings.get("savedSearches") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        saved = item.get("searchRequest")
        request: dict[str, Any] = saved if isinstance(saved, dict) else {}
        query = request.get("query")
        size = request.get("size")
        sort = request.get("sort")
        first = sort[0] if isinstance(sort, list) and sort and isinstance(sort[0], dict) else {}
        field_name, order = first.get("field"), str(first.get("sortOrder", "desc")).lower()
        search = AlertSearch(
            q="" if not isinstance(query, str) or query in ("*", "*:*") else query,
            size=size if size in PAGE_SIZES else 25,
        )
        if isinstance(field_name, str) and field_name and order in ("asc", "desc"):
            search = replace(search, sort=(field_name, order))
        out.append({"name": item["name"], "url": search.url()})
    return out


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, context: Ctx, session: Session) -> HTMLResponse:
    started = time.perf_counter()
    settings = context.users.get_settings(session.user.name) or {}
    search = AlertSearch.from_params(request.query_params, _names(settings.get("tableColumns")))
    facet_names = _names(settings.get("facetFields")) or list(DEFAULT_FACETS)
    error: dict[str, Any] | None = None
    response: dict[str, Any] = {"total": 0, "results": [], "facetCounts": {}}
    try:
        parse(search.q)  # the error's position is in the analyst's own query
        response = context.store.search(search.request(int(time.time() * 1000), facet_names))
    except QuerySyntaxError as e:
        error = {"message": e.reason, "position": e.position, "query": e.query}
    except MetronError as e:
        error = {"message": str(e), "position": None, "query": search.q}
    total = int(response["total"])
    pages = max(1, -(-total // search.size))
    return render(
        request,
        "alerts.html",
        session,
        title="Alerts",
        search=search,
        error=error,
        total=total,
        pages=pages,
        first=(search.page - 1) * search.size + 1 if response["results"] else 0,
        last=(search.page - 1) * search.size + len(response["results"]),
        rows=rows(response),
        facets=facets(response, facet_names),
        labels=COLUMN_LABELS,
        ranges=RANGES,
        page_sizes=PAGE_SIZES,
        saved=saved_searches(settings),
        saved_request=search.saved_request(facet_names),
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def _panel_variables(context: Ctx, sensor: str, guid: str) -> dict[str, Any]:
    doc = context.store.find_one(guid, sensor)
    if doc is None:
        raise ConsoleError(404, f"No alert {guid} from sensor {sensor}.")
    history = context.store.history(guid, sensor)
    return {
        "doc": doc,
        "guid": guid,
        "sensor": sensor,
        "is_meta": sensor == "metaalert",
        "alert_status": str(doc.get("alert_status") or "NEW"),
        "statuses": _STATUSES,
        "groups": field_groups(doc),
        "comments": [c for c in doc.get("comments") or [] if isinstance(c, dict)],
        "children": [c for c in doc.get("metron_alert") or [] if isinstance(c, dict)],
        "parents": [g for g in doc.get("metaalerts") or [] if isinstance(g, str)],
        "history": list(reversed(history))[:_HISTORY_SHOWN],
        "history_total": len(history),
    }


@router.get("/alerts/{sensor}/{guid}/panel", response_class=HTMLResponse)
def alert_panel(
    request: Request, sensor: str, guid: str, context: Ctx, session: Session
) -> HTMLResponse:
    variables = _panel_variables(context, sensor, guid)
    return render(request, "alert_panel.html", session, standalone=False, **variables)


@router.get("/alerts/{sensor}/{guid}", response_class=HTMLResponse)
def alert_page(
    request: Request, sensor: str, guid: str, context: Ctx, session: Session
) -> HTMLResponse:
    return render(
        request,
        "alert_page.html",
        session,
        title=f"Alert {guid[:8]}",
        standalone=True,
        **_panel_variables(context, sensor, guid),
    )
