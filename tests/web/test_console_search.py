"""The alerts page's search as its URL says it, the store's answers as the page shows
them, and the small pieces the console's pages share."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from starlette.datastructures import QueryParams

from metron.search.lucene import parse
from metron.search.store import AlertStore
from metron.web.console.alert_search import DEFAULT_COLUMNS, AlertSearch, filter_clause
from metron.web.console.alert_view import facets, field_groups, rows
from metron.web.console.session import safe_next
from metron.web.console.templating import format_time, format_value, score_class

NOW = 1_700_000_000_000


def search_of(url: str) -> AlertSearch:
    return AlertSearch.from_params(QueryParams(urlsplit(url).query))


def test_query_ands_the_time_range_and_the_filters() -> None:
    search = search_of("/alerts?q=a%20OR%20b&range=1h&f=source.type:bro&f=ip_src_addr:10.0.0.1")
    assert search.query(NOW) == (
        f'(a OR b) AND timestamp:[{NOW - 3_600_000} TO *] AND source.type:"bro"'
        ' AND ip_src_addr:"10.0.0.1"'
    )
    assert AlertSearch().query(NOW) == f"timestamp:[{NOW - 24 * 3_600_000} TO *]"
    assert AlertSearch(range="all").query(NOW) == "*"
    request = search_of("/alerts?size=50&page=3&sort=ip_src_addr:asc").request(NOW, ["host"])
    assert request["from"] == 100 and request["size"] == 50
    assert request["sort"] == [{"field": "ip_src_addr", "sortOrder": "asc"}]
    assert request["facetFields"] == ["host"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("source.type", 'say "hi" \\ there'),
        ("odd field(name)", "x"),
        ("ip_dst_addr", "2001:db8::1"),
        ("threat.triage.score", "50"),
    ],
)
def test_a_filter_clause_matches_its_value_exactly(tmp_path: Any, name: str, value: str) -> None:
    parse(filter_clause(name, value))  # valid Lucene, whatever the name and value hold
    store = AlertStore(tmp_path / "alerts")
    typed: Any = int(value) if value.isdigit() else value
    store.add_many(
        [
            ("s", {"guid": "yes", "source.type": "s", name: typed}),
            ("s", {"guid": "no", "source.type": "s", name: "other"}),
        ]
    )
    found = store.search({"query": filter_clause(name, value)})["results"]
    assert [r["id"] for r in found] == ["yes"]
    store.close()


def test_the_url_round_trips() -> None:
    url = "/alerts?q=x%3A1&range=7d&f=source.type%3Abro&sort=guid%3Aasc&size=50&cols=guid&page=2"
    search = search_of(url)
    assert search.url(page=2) == url
    assert search_of(search.url()) == search
    # any change but the page goes back to page 1
    assert "page=" not in search.url(size=10)
    assert search.page_url(3).endswith("page=3")
    assert AlertSearch().url() == "/alerts"


def test_filters_toggle_and_headers_sort() -> None:
    search = search_of("/alerts?f=source.type:bro")
    assert search.toggle_filter_url("source.type", "bro") == "/alerts"
    both = search_of(search.toggle_filter_url("host", "a:b"))
    assert both.filters == (("source.type", "bro"), ("host", "a:b"))
    assert dict(parse_qsl(urlsplit(AlertSearch().sort_url("host")).query)) == {"sort": "host:desc"}
    assert AlertSearch().sort_url("timestamp") == "/alerts?sort=timestamp%3Aasc"
    assert search.hidden_fields("q", "range", "size") == [("f", "source.type:bro")]


def test_what_a_url_gets_wrong_is_left_at_the_default() -> None:
    search = search_of("/alerts?size=1000&page=-4&range=2y&sort=nope&cols=,,&f=nocolon")
    assert (search.size, search.page, search.range, search.sort) == (
        25,
        1,
        "24h",
        ("timestamp", "desc"),
    )
    assert search.columns == DEFAULT_COLUMNS and search.filters == ()
    mine = AlertSearch.from_params(QueryParams(""), ["guid", "host"])
    assert mine.columns == ("guid", "host")


def test_a_saved_request_keeps_the_query_and_filters() -> None:
    search = search_of("/alerts?q=a%20OR%20b&f=host:h1&range=1h&size=10")
    saved = search.saved_request(["host"])
    assert saved["query"] == '(a OR b) AND host:"h1"'  # not the time range
    assert saved["size"] == 10 and saved["from"] == 0
    assert search_of("/alerts?q=a").saved_request([])["query"] == "a"
    assert AlertSearch().saved_request([])["query"] == "*"


def test_rows_facets_and_field_groups() -> None:
    response = {
        "total": 5,
        "results": [
            {
                "source": {
                    "guid": "m",
                    "source.type": "metaalert",
                    "metron_alert": [{"guid": "c1", "source.type": "bro"}],
                },
                "index": "metaalert",
            },
            {"source": {"guid": "a", "source.type": "bro", "alert_status": "OPEN"}, "index": "bro"},
        ],
        "facetCounts": {"alert_status": {"OPEN": 1, "NEW": 1}, "host": {"b": 2, "a": 2, "c": 3}},
    }
    meta, plain = rows(response)
    assert meta.is_meta and [c.guid for c in meta.children] == ["c1"]
    assert plain.status == "OPEN" and meta.status == "NEW"
    status, host = facets(response, ["alert_status", "host"])
    assert status.values == [("NEW", 4), ("OPEN", 1)]  # 3 without a status are NEW
    assert host.values == [("c", 3), ("a", 2), ("b", 2)]
    groups = field_groups(
        {
            "guid": "g",
            "timestamp": 1,
            "enrichments.geo.ip_dst_addr.city": "x",
            "enrichments.geo.ip_src_addr.city": "y",
            "threatintels.hbaseThreatIntel.ip_dst_addr.malicious_ip": "alert",
            "threat.triage.score": 10,
            "adapter.geoadapter.begin.ts": "1",
            "zzz": 1,
            "comments": [],
        }
    )
    assert [(g.title, [n for n, _ in g.fields]) for g in groups] == [
        ("Alert", ["guid", "timestamp"]),
        ("Threat triage", ["threat.triage.score"]),
        ("Enrichment: geo · ip_dst_addr", ["enrichments.geo.ip_dst_addr.city"]),
        ("Enrichment: geo · ip_src_addr", ["enrichments.geo.ip_src_addr.city"]),
        (
            "Threat intel: hbaseThreatIntel · ip_dst_addr",
            ["threatintels.hbaseThreatIntel.ip_dst_addr.malicious_ip"],
        ),
        ("Other fields", ["zzz"]),
        ("Timing", ["adapter.geoadapter.begin.ts"]),
    ]


@pytest.mark.parametrize(
    ("score", "css"),
    [
        (100, "score-high"),
        (80, "score-high"),
        (79.9, "score-medium"),
        (50, "score-medium"),
        ("20", "score-low"),
        (19, "score-none"),
        (None, "score-none"),
        ("n/a", "score-none"),
        (True, "score-none"),
    ],
)
def test_score_classes(score: Any, css: str) -> None:
    assert score_class(score) == css


def test_formats() -> None:
    assert format_time(0) == "1970-01-01 00:00:00"
    assert format_time("soon") == "soon" and format_time(None) == ""
    assert format_value([1, "a", True]) == "1, a, true"
    assert format_value({"a": 1}) == '{"a":1}'
    assert format_value(2.0) == "2"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/alerts?q=a", "/alerts?q=a"),
        ("/sensors", "/sensors"),
        ("", "/alerts"),
        (None, "/alerts"),
        ("//evil.example", "/alerts"),
        ("/\\evil.example", "/alerts"),
        ("https://evil.example", "/alerts"),
        ("/a\nb", "/alerts"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected
