"""The alerts page's search, read from and written back to its URL.

The page is a function of its query string, so a URL is a search an analyst can share
and the page works without JavaScript: ``q`` (Lucene), ``range`` (a quick time range,
:data:`RANGES`), ``f`` (facet filters ``field:value``, repeated), ``sort``
(``field:asc|desc``), ``page``, ``size`` (:data:`PAGE_SIZES`) and ``cols`` (the table's
columns, comma-separated).  :meth:`AlertSearch.request` turns it into one Metron
``SearchRequest``: the query, the time range (``timestamp:[from TO *]``) and the filters
ANDed, one page of results and the facet counts.  Values a URL gets wrong (an unknown
range, a page size not offered, a page that is not a number) fall back to the defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

__all__ = [
    "COLUMN_LABELS",
    "DEFAULT_COLUMNS",
    "DEFAULT_FACETS",
    "DEFAULT_RANGE",
    "PAGE_SIZES",
    "RANGES",
    "AlertSearch",
    "filter_clause",
    "quote_value",
]

#: Quick time ranges: name -> (label, seconds back; None for all time).
RANGES: dict[str, tuple[str, int | None]] = {
    "15m": ("Last 15 minutes", 15 * 60),
    "1h": ("Last hour", 3600),
    "24h": ("Last 24 hours", 24 * 3600),
    "7d": ("Last 7 days", 7 * 24 * 3600),
    "30d": ("Last 30 days", 30 * 24 * 3600),
    "all": ("All time", None),
}
#: A day by default, as an analyst starts a shift (and so that a large store answers
#: fast); alerts loaded from old files are one click away ("All time").
DEFAULT_RANGE = "24h"
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_SIZE = 25
#: Metron's alerts UI default columns (its score column is ``threat.triage.score``).
DEFAULT_COLUMNS = (
    "timestamp",
    "source.type",
    "ip_src_addr",
    "ip_dst_addr",
    "enrichments.geo.ip_dst_addr.country",
    "host",
    "alert_status",
    "threat.triage.score",
    "guid",
)
DEFAULT_FACETS = (
    "source.type",
    "alert_status",
    "ip_src_addr",
    "ip_dst_addr",
    "enrichments.geo.ip_dst_addr.country",
    "host",
)
COLUMN_LABELS = {
    "timestamp": "Time (UTC)",
    "source.type": "Source",
    "ip_src_addr": "Src IP",
    "ip_dst_addr": "Dst IP",
    "enrichments.geo.ip_dst_addr.country": "Dst country",
    "host": "Host",
    "alert_status": "Status",
    "threat.triage.score": "Score",
    "guid": "GUID",
}
DEFAULT_SORT = ("timestamp", "desc")
MAX_COLUMNS = 30
MAX_FILTERS = 20
_FIELD = re.compile(r"[^\s\"\\]{1,200}")
_FIELD_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/ ])')


def quote_value(value: str) -> str:
    """``value`` as a Lucene phrase: the whole value, special characters and all."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_clause(name: str, value: str) -> str:
    """The Lucene clause of a facet filter.  An alert without ``alert_status`` is NEW (as
    Metron shows it), so the filter ``alert_status:NEW`` finds those too."""
    escaped = _FIELD_SPECIAL.sub(r"\\\1", name)
    clause = f"{escaped}:{quote_value(value)}"
    if name == "alert_status" and value == "NEW":
        # (Lucene reads "a OR NOT b" as "a AND NOT b": the NOT needs its own clause)
        return f"({clause} OR (*:* AND NOT _exists_:alert_status))"
    return clause


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _columns(text: str | None, default: Sequence[str]) -> tuple[str, ...]:
    if not text:
        return tuple(default)
    names = [c.strip() for c in text.split(",")]
    chosen = tuple(dict.fromkeys(n for n in names if _FIELD.fullmatch(n)))
    return chosen[:MAX_COLUMNS] or tuple(default)


@dataclass(frozen=True)
class AlertSearch:
    """One alerts page's search (see the module docstring)."""

    q: str = ""
    range: str = DEFAULT_RANGE
    filters: tuple[tuple[str, str], ...] = ()
    sort: tuple[str, str] = DEFAULT_SORT
    page: int = 1
    size: int = DEFAULT_SIZE
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    #: the columns the URL named (kept in links), or None for the user's default
    cols: str | None = None
    default_columns: tuple[str, ...] = field(default=DEFAULT_COLUMNS, compare=False)

    @classmethod
    def from_params(
        cls, params: QueryParams | Mapping[str, str], default_columns: Sequence[str] = ()
    ) -> AlertSearch:
        get = params.get
        many = params.getlist if isinstance(params, QueryParams) else lambda k: []
        filters = []
        for item in many("f")[:MAX_FILTERS]:
            name, colon, value = item.partition(":")
            if colon and _FIELD.fullmatch(name):
                filters.append((name, value))
        sort = DEFAULT_SORT
        sort_text = get("sort") or ""
        name, _, order = sort_text.rpartition(":")
        if name and _FIELD.fullmatch(name) and order in ("asc", "desc"):
            sort = (name, order)
        size = _int(get("size"), DEFAULT_SIZE)
        range_name = get("range") or DEFAULT_RANGE
        defaults = tuple(default_columns) or DEFAULT_COLUMNS
        cols = get("cols") or None
        return cls(
            q=(get("q") or "").strip()[:10_000],
            range=range_name if range_name in RANGES else DEFAULT_RANGE,
            filters=tuple(dict.fromkeys(filters)),
            sort=sort,
            page=max(1, min(_int(get("page"), 1), 1_000_000)),
            size=size if size in PAGE_SIZES else DEFAULT_SIZE,
            columns=_columns(cols, defaults),
            cols=cols,
            default_columns=defaults,
        )

    # ------------------------------------------------------------------ the request

    def query(self, now_ms: int) -> str:
        """The Lucene query the store runs: ``q``, the time range and the filters."""
        parts = [f"({self.q})"] if self.q and self.q not in ("*", "*:*") else []
        seconds = RANGES[self.range][1]
        if seconds is not None:
            parts.append(f"timestamp:[{now_ms - seconds * 1000} TO *]")
        parts.extend(filter_clause(name, value) for name, value in self.filters)
        return " AND ".join(parts) or "*"

    def request(self, now_ms: int, facets: Sequence[str]) -> dict[str, Any]:
        """Metron's ``SearchRequest`` for this page."""
        return {
            "indices": [],
            "query": self.query(now_ms),
            "from": (self.page - 1) * self.size,
            "size": self.size,
            "sort": [{"field": self.sort[0], "sortOrder": self.sort[1]}],
            "facetFields": list(facets),
        }

    def saved_request(self, facets: Sequence[str]) -> dict[str, Any]:
        """The ``SearchRequest`` a saved search keeps: the query and filters (not the
        time range, which stays the one chosen when the search is applied)."""
        parts = [filter_clause(name, value) for name, value in self.filters]
        if self.q and parts:
            parts.insert(0, f"({self.q})")
        elif self.q:
            parts.append(self.q)
        return {
            "indices": [],
            "query": " AND ".join(parts) or "*",
            "from": 0,
            "size": self.size,
            "sort": [{"field": self.sort[0], "sortOrder": self.sort[1]}],
            "facetFields": list(facets),
        }

    # ------------------------------------------------------------------ links

    def params(self) -> list[tuple[str, str]]:
        """The query string's parameters (defaults left out)."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        if self.range != DEFAULT_RANGE:
            out.append(("range", self.range))
        out.extend(("f", f"{name}:{value}") for name, value in self.filters)
        if self.sort != DEFAULT_SORT:
            out.append(("sort", f"{self.sort[0]}:{self.sort[1]}"))
        if self.size != DEFAULT_SIZE:
            out.append(("size", str(self.size)))
        if self.cols:
            out.append(("cols", self.cols))
        if self.page != 1:
            out.append(("page", str(self.page)))
        return out

    def url(self, **changes: Any) -> str:
        """The alerts page of this search with ``changes`` (dataclass fields); a change
        of anything but the page goes back to page 1."""
        if changes and "page" not in changes:
            changes["page"] = 1
        search = replace(self, **changes) if changes else self
        query = urlencode(search.params())
        return "/alerts" + (f"?{query}" if query else "")

    def toggle_filter_url(self, name: str, value: str) -> str:
        """Add the filter ``name:value``, or remove it when it is on."""
        item = (name, value)
        if item in self.filters:
            return self.url(filters=tuple(f for f in self.filters if f != item))
        return self.url(filters=(*self.filters, item))

    def has_filter(self, name: str, value: str) -> bool:
        return (name, value) in self.filters

    def sort_url(self, name: str) -> str:
        """Sort by ``name``: descending first, then the other way on a second click."""
        if self.sort[0] == name:
            return self.url(sort=(name, "asc" if self.sort[1] == "desc" else "desc"))
        return self.url(sort=(name, "desc"))

    def page_url(self, page: int) -> str:
        return self.url(page=page)

    def hidden_fields(self, *sent: str) -> list[tuple[str, str]]:
        """The parameters a GET form must carry along besides the ones it ``sent``
        itself (a new search starts on page 1)."""
        skip = {"page", *sent}
        return [(k, v) for k, v in self.params() if k not in skip]
