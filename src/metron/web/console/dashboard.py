"""The dashboard (``GET /``): what the platform has indexed and how it is running.

Events over time per sensor, alerts by triage score band, the top source and destination
addresses, and each sensor's live figures.  All of it comes from a few store searches,
none of them returning documents: one with the facets (sensors, addresses, scores) and
the newest timestamp, one for the oldest (over all time), and one per time bucket with
the sensor facet (:data:`BUCKETS` at most), so it stays quick on a store of a million
documents.  ``range`` picks the period (the alerts page's ranges and default) and
``refresh`` (seconds) reloads the page.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from metron.errors import MetronError
from metron.web.console.alert_search import DEFAULT_RANGE, RANGES, AlertSearch
from metron.web.console.charts import PALETTE_SIZE, Bar, bar_chart, line_chart
from metron.web.console.session import Session
from metron.web.console.templating import render
from metron.web.context import Ctx, WebContext

__all__ = ["BANDS", "BUCKETS", "platform_live", "router", "sensor_figures"]

router = APIRouter(include_in_schema=False)

#: Time buckets of the events chart, at most.
BUCKETS = 12
TOP_ADDRESSES = 10
#: Triage score bands, as the console colours scores: (class, label, low, high).
BANDS = (
    ("band-high", "80 and above", 80.0, math.inf),
    ("band-medium", "50 to 79", 50.0, 80.0),
    ("band-low", "20 to 49", 20.0, 50.0),
    ("band-none", "below 20", -math.inf, 20.0),
)
_BAND_QUERIES = (
    "threat.triage.score:[80 TO *]",
    "threat.triage.score:[50 TO 80}",
    "threat.triage.score:[20 TO 50}",
    "threat.triage.score:{* TO 20}",
)
_SCORE = "threat.triage.score"
_REFRESH = (0, 30, 60, 300)
#: Bucket widths the chart rounds to (ms): a minute up to a week.
_WIDTHS = [
    m * 60_000 for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 4320, 10080)
]


def _bucket_width(span_ms: int) -> int:
    wanted = span_ms / BUCKETS
    return next((w for w in _WIDTHS if w >= wanted), math.ceil(wanted / _WIDTHS[-1]) * _WIDTHS[-1])


def _stamp(ms: int, width: int, *, long: bool = False) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    if width >= 86_400_000:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M" if long else "%m-%d %H:%M")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _timestamp(response: Mapping[str, Any]) -> int | None:
    for hit in response.get("results") or []:
        value = _number((hit.get("source") or {}).get("timestamp"))
        if value is not None and math.isfinite(value):
            return int(value)
    return None


def _events(
    context: WebContext, low: int, high: int, sensors: list[str]
) -> tuple[list[str], list[str], dict[str, list[int]]]:
    """The bucket labels, their long names, and each sensor's count per bucket (the
    sensors past :data:`PALETTE_SIZE` - 1 summed as ``other``)."""
    width = _bucket_width(max(1, high - low))
    start = low // width * width
    shown = sensors[: PALETTE_SIZE - 1] if len(sensors) > PALETTE_SIZE else sensors
    series: dict[str, list[int]] = {name: [] for name in shown}
    if len(shown) < len(sensors):
        series["other"] = []
    labels: list[str] = []
    details: list[str] = []
    edge = start
    while edge < high and len(labels) < BUCKETS + 1:
        end = edge + width
        counts = context.store.search(
            {"query": f"timestamp:[{edge} TO {end}}}", "size": 0, "facetFields": ["source.type"]}
        )["facetCounts"]["source.type"]
        for name in shown:
            series[name].append(int(counts.get(name, 0)))
        if "other" in series:
            series["other"].append(sum(int(c) for s, c in counts.items() if s not in shown))
        labels.append(_stamp(edge, width))
        details.append(f"{_stamp(edge, width, long=True)} + {_duration(width)}")
        edge = end
    return labels, details, series


def _duration(ms: int) -> str:
    minutes = ms // 60_000
    if minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def _bands(scores: Mapping[str, int]) -> list[int]:
    counts = [0] * len(BANDS)
    for text, count in scores.items():
        value = _number(text)
        if value is None:
            continue
        for i, (_, _, low, high) in enumerate(BANDS):
            if low <= value < high:
                counts[i] += int(count)
                break
    return counts


def _address_bars(search: AlertSearch, field: str, counts: Mapping[str, int]) -> list[Bar]:
    return [
        Bar(value, int(count), "addr", search.toggle_filter_url(field, value))
        for value, count in list(counts.items())[:TOP_ADDRESSES]
    ]


def platform_live(status: Mapping[str, Any]) -> bool:
    """Whether a platform runs (in this process, or the one whose status file this is)."""
    platform = status.get("platform") or {}
    return bool(status.get("live", "platform" in status and not platform.get("stopped")))


def sensor_figures(status: Mapping[str, Any], name: str) -> dict[str, Any]:
    """One sensor's figures from the platform's status: events/s parsed, messages stored,
    errors over all stages, and the median latency (ms) from source to stored."""
    stages = (status.get("sensors") or {}).get(name) or {}
    parser = stages.get("parser") or {}
    indexing = stages.get("indexing") or {}
    latency = indexing.get("latency_p50")
    return {
        "rate": float(parser.get("rate") or 0.0),
        "parsed": int(parser.get("out") or 0),
        "stored": int(indexing.get("out") or 0),
        "errors": sum(int(s.get("errors") or 0) for s in stages.values() if isinstance(s, dict)),
        "latency_ms": round(latency * 1000, 1) if isinstance(latency, int | float) else None,
    }


def _int_param(text: str | None, allowed: tuple[int, ...]) -> int:
    try:
        value = int(text or 0)
    except ValueError:
        return 0
    return value if value in allowed else 0


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, context: Ctx, session: Session) -> HTMLResponse:
    started = time.perf_counter()
    range_name = request.query_params.get("range") or DEFAULT_RANGE
    if range_name not in RANGES:
        range_name = DEFAULT_RANGE
    refresh = _int_param(request.query_params.get("refresh"), _REFRESH)
    search = AlertSearch(range=range_name)
    now = int(time.time() * 1000)
    seconds = RANGES[range_name][1]
    query = search.query(now)
    error = None
    try:
        main = context.store.search(
            {
                "query": query,
                "size": 1,
                "sort": [{"field": "timestamp", "sortOrder": "desc"}],
                "fields": ["timestamp"],
                "facetFields": ["source.type", "ip_src_addr", "ip_dst_addr", _SCORE],
            }
        )
    except MetronError as e:
        main, error = {"total": 0, "results": [], "facetCounts": {}}, str(e)
    facets = main.get("facetCounts") or {}
    sensors = list(facets.get("source.type") or {})
    newest = _timestamp(main)
    labels: list[str] = []
    details: list[str] = []
    series: dict[str, list[int]] = {}
    if newest is not None and not error:
        if seconds is None:
            oldest = _timestamp(
                context.store.search(
                    {
                        "query": "*",
                        "size": 1,
                        "sort": [{"field": "timestamp", "sortOrder": "asc"}],
                        "fields": ["timestamp"],
                    }
                )
            )
            low, high = (oldest if oldest is not None else newest), newest + 1
        else:
            low, high = now - seconds * 1000, now
        labels, details, series = _events(context, low, high, sensors)
    band_counts = _bands(facets.get(_SCORE) or {})
    bands = [
        Bar(label, count, css, AlertSearch(q=q, range=range_name).url())
        for (css, label, _, _), count, q in zip(BANDS, band_counts, _BAND_QUERIES, strict=True)
        if any(band_counts)
    ]
    status = context.status()
    platform = status.get("platform") or {}
    figures = {name: sensor_figures(status, name) for name in sorted(status.get("sensors") or {})}
    charts: dict[str, Markup] = {
        "events": line_chart("Events over time, per sensor", labels, series, details=details),
        "bands": bar_chart("Alerts by triage score", bands, empty="No scored alerts"),
        "sources": bar_chart(
            "Top source addresses",
            _address_bars(search, "ip_src_addr", facets.get("ip_src_addr") or {}),
            unit="events",
            empty="No source addresses",
        ),
        "destinations": bar_chart(
            "Top destination addresses",
            _address_bars(search, "ip_dst_addr", facets.get("ip_dst_addr") or {}),
            unit="events",
            empty="No destination addresses",
        ),
    }
    return render(
        request,
        "dashboard.html",
        session,
        title="Dashboard",
        charts=charts,
        total=int(main.get("total") or 0),
        alerts=sum(band_counts),
        sensor_count=len(sensors),
        ranges=RANGES,
        range_name=range_name,
        refresh=refresh,
        refresh_choices=_REFRESH,
        live=platform_live(status),
        platform=platform,
        figures=figures,
        error=error,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )
