"""NaiveIndex, the reference twin, and ColumnIndex, the fast engine, held to the same
answers: Lucene queries over a fixed set of Metron-like alerts.

Every expected id set below was worked out by reading DOCS, not by running the code."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.search.lucene import parse
from metron.search.naive import NaiveIndex
from metron.search.query import GroupSpec, Index, MatchAll, SortField

BRO_28, BRO_29 = "bro_index_2026.11.28", "bro_index_2026.11.29"
SNORT_28, SNORT_29 = "snort_index_2026.11.28", "snort_index_2026.11.29"
ERROR_28, ERROR_29 = "error_index_2026.11.28", "error_index_2026.11.29"
PARIS = {"geo": {"ip_dst_addr": {"city": "Paris", "country": "FR"}}}

DOCS: dict[int, tuple[str, dict[str, Any]]] = {
    1: (BRO_28, {"guid": "g01", "source.type": "bro", "ip_src_addr": "10.0.0.1", "ip_dst_addr": "192.168.1.10", "ip_dst_port": 80, "protocol": "http", "method": "GET", "uri": "/index.html", "is_alert": False, "timestamp": 1000, "tags": ["web", "internal"], "threat.triage.score": 10.5, "enrichments": PARIS}),
    2: (BRO_28, {"guid": "g02", "source.type": "bro", "ip_src_addr": "10.0.0.2", "ip_dst_addr": "8.8.8.8", "ip_dst_port": 53, "protocol": "dns", "query": "evil.example.org", "is_alert": True, "timestamp": 2000, "tags": ["dns"], "threat.triage.score": 85.0, "enrichments.geo.ip_dst_addr.city": "Mountain View", "enrichments.geo.ip_dst_addr.country": "US"}),
    3: (BRO_29, {"guid": "g03", "source.type": "bro", "ip_src_addr": "2001:db8::1", "ip_dst_addr": "2001:db8::ff", "ip_dst_port": 443, "protocol": "ssl", "is_alert": False, "timestamp": 3000, "tags": []}),
    4: (SNORT_28, {"guid": "g04", "source.type": "snort", "ip_src_addr": "10.1.2.3", "ip_dst_addr": "192.168.1.20", "ip_dst_port": 22, "msg": "ET SCAN Potential SSH Scan", "sig_id": 2001219, "is_alert": True, "timestamp": 4000, "threat.triage.score": 50, "priority": "1"}),
    5: (SNORT_28, {"guid": "g05", "source.type": "snort", "ip_src_addr": "172.16.0.5", "ip_dst_addr": "10.0.0.1", "ip_dst_port": 3389, "msg": "GPL RPC portmap", "is_alert": True, "timestamp": 5000, "threat.triage.score": 95.5, "enrichments": PARIS}),
    6: (ERROR_28, {"guid": "g06", "source.type": "error", "error_type": "parser_error", "message": "Unable to parse Message: foo:bar", "raw_message": "<166>Apr 01 foo", "timestamp": 6000, "error_hash": "abc123"}),
    7: (BRO_29, {"guid": "g07", "source.type": "bro", "ip_src_addr": "10.0.0.3", "ip_dst_addr": "8.8.4.4", "ip_dst_port": 8080, "protocol": "http", "method": "POST", "uri": "/login.php?user=admin", "host": "evil.example.org", "is_alert": True, "timestamp": 7000, "tags": ["web", "external"], "threat.triage.score": 70.25, "user_agent": "Mozilla/5.0 (X11)"}),
    8: (SNORT_29, {"guid": "g08", "source.type": "snort", "ip_src_addr": "10.255.255.255", "ip_dst_addr": "192.168.2.1", "ip_dst_port": 21, "msg": "FTP login attempt*", "sig_id": 100, "is_alert": False, "timestamp": 8000, "threat.triage.score": 0.0, "note": "a b"}),
    9: (BRO_28, {"guid": "g09", "source.type": "bro", "ip_src_addr": "192.168.1.10", "ip_dst_addr": "10.0.0.1", "ip_dst_port": "8443", "protocol": "http", "method": "get", "is_alert": False, "timestamp": 9000, "threat.triage.score": 20}),
    10: (ERROR_29, {"guid": "g10", "source.type": "error", "error_type": "indexing_error", "message": "Timeout", "timestamp": 10000, "failed_sensor_type": "snort", "is_alert": None}),
    11: (BRO_29, {"guid": "g11", "source.type": "bro", "ip_src_addr": "10.0.0.10", "ip_dst_addr": "2001:0db8:0000:0000:0000:0000:0000:0001", "ip_dst_port": 123, "protocol": "ntp", "is_alert": False, "timestamp": 11000, "threat.triage.score": 1.0e-4, "answers": ["1.2.3.4", "5.6.7.8"]}),
    12: (SNORT_29, {"guid": "g12", "source.type": "snort", "ip_src_addr": "10.0.0.1", "ip_dst_addr": "10.0.0.2", "ip_dst_port": 443, "msg": "ET POLICY curl User-Agent", "is_alert": True, "timestamp": 12000, "threat.triage.score": 85.0, "threat_intel": [{"source": "a", "level": 3}, {"source": "b", "level": 7}]}),
}  # fmt: skip

ALL = set(DOCS)
BRO = {1, 2, 3, 7, 9, 11}
SNORT = {4, 5, 8, 12}
ERROR = {6, 10}
ALERTS = {2, 4, 5, 7, 12}

CASES: list[tuple[str, set[int]]] = [
    # match all
    ("", ALL),
    ("   ", ALL),
    ("*", ALL),
    ("*:*", ALL),
    # Metron's dedotted field names name the same field
    ("source\\:type:bro", BRO),
    ("source.type:snort", SNORT),
    ("source\\:type:error", ERROR),
    # booleans
    ("is_alert:true", ALERTS),
    ("is_alert:TRUE", ALERTS),
    ("is_alert:false", {1, 3, 8, 9, 11}),
    ("NOT is_alert:true", ALL - ALERTS),
    ("is_alert:t*", ALERTS),
    # numbers: equal by value; a string "8443" only by its text
    ("ip_dst_port:80", {1}),
    ("ip_dst_port:80.0", {1}),
    ("ip_dst_port:8443", {9}),
    ("ip_dst_port:8*", {1, 7, 9}),
    ("priority:1", {4}),
    ("threat.triage.score:50", {4}),
    ("threat.triage.score:85", {2, 12}),
    ("threat.triage.score:1.0E-4", {11}),
    ("threat.triage.score:1.0E*", {11}),
    # numeric ranges (strings are not numbers)
    ("ip_dst_port:[20 TO 80]", {1, 2, 4, 8}),
    ("ip_dst_port:{21 TO 80}", {2, 4}),
    ("ip_dst_port:[443 TO *]", {3, 5, 7, 12}),
    ("ip_dst_port:>=3389", {5, 7}),
    ("ip_dst_port:<22", {8}),
    ("ip_dst_port:[* TO *]", ALL - ERROR),
    ("threat.triage.score:>80", {2, 5, 12}),
    ("threat.triage.score:>=-1 AND threat.triage.score:<1", {8, 11}),
    ("ip_dst_port:(>1000 AND <9000)", {5, 7}),
    ("threat.triage.score:[0 TO 10.5}", {8, 11}),
    ("sig_id:[100 TO 2001219]", {4, 8}),
    ("timestamp:[5000 TO 9000]", {5, 6, 7, 8, 9}),
    # string ranges by code point
    ("source\\:type:[bro TO error]", BRO | ERROR),
    # CIDR and IP equality, IPv4 and IPv6
    ("ip_src_addr:10.0.0.0/8", {1, 2, 4, 7, 8, 11, 12}),
    ("ip_src_addr:10.0.0.0/30", {1, 2, 7, 12}),
    ("ip_src_addr:10.0.0.1/32", {1, 12}),
    ("ip_src_addr:2001\\:db8\\:\\:/32", {3}),
    ("ip_dst_addr:2001\\:db8\\:\\:1", {11}),
    ('ip_dst_addr:"2001:db8::1"', {11}),
    ('ip_src_addr:"2001:db8::1"', {3}),
    ('ip_dst_addr:"::ffff:8.8.8.8"', {2}),
    ("answers:5.6.7.8", {11}),
    ("answers:1.2.3.0/24", {11}),
    # IP ranges by address: 10.0.0.10 is above 10.0.0.3 (as a string it would be inside)
    ("ip_src_addr:[10.0.0.1 TO 10.0.0.3]", {1, 2, 7, 12}),
    ("ip_src_addr:[* TO 10.0.0.2]", {1, 2, 12}),
    # field patterns and no field
    ("ip_*_addr:10.0.0.1", {1, 5, 9, 12}),
    ("10.0.0.1", {1, 5, 9, 12}),
    ("evil.example.org", {2, 7}),
    ('"a b"', {8}),
    ("enrichments.geo.*.city:Paris", {1, 5}),
    # nested objects and dotted keys are the same field
    ("enrichments\\:geo\\:ip_dst_addr\\:city:Paris", {1, 5}),
    ('enrichments.geo.ip_dst_addr.city:"Mountain View"', {2}),
    ("_exists_:enrichments.geo.ip_dst_addr.country", {1, 2, 5}),
    # lists
    ("tags:*", {1, 2, 7}),
    ("tags:web", {1, 7}),
    ("tags:web AND tags:external", {7}),
    ("threat_intel.level:7", {12}),
    ("threat_intel.source:a AND threat_intel.level:7", {12}),
    # missing and null
    ("NOT _exists_:is_alert", ERROR),
    ("nonexistent:foo", set()),
    ("nonexistent:*", set()),
    ("NOT nonexistent:foo", ALL),
    # booleans and grouping
    ("protocol:http AND method:GET", {1}),
    ("protocol:http AND NOT method:GET", {7, 9}),
    ("protocol:http && !method:GET", {7, 9}),
    ("protocol:(dns OR ssl)", {2, 3}),
    ("protocol:(dns ssl ntp)", {2, 3, 11}),
    ("protocol:http OR source\\:type:error", {1, 6, 7, 9, 10}),
    ("protocol:http || source\\:type:error", {1, 6, 7, 9, 10}),
    ("+protocol:http -method:POST", {1, 9}),
    ("protocol:http -method:POST", {1, 9}),
    ("-source\\:type:bro", ALL - BRO),
    ("NOT (source\\:type:bro OR source\\:type:snort)", ERROR),
    ("(protocol:http OR protocol:dns) AND is_alert:true", {2, 7}),
    ("protocol:http OR protocol:dns AND is_alert:true", {1, 2, 7, 9}),
    ("error_type:(parser_error OR indexing_error) AND failed_sensor_type:snort", {10}),
    ("is_alert:true^2 AND protocol:http", {7}),
    # keyword semantics: exact, case-sensitive; wildcards and regexes over the whole value
    ("method:get", {9}),
    ("method:G*", {1}),
    ("method:?ET", {1}),
    ("method:/[Gg][Ee][Tt]/", {1, 9}),
    ("msg:ET", set()),
    ("msg:ET*", {4, 12}),
    ("host:/evil\\..*/", {7}),
    ("host:/evil/", set()),
    # escapes
    ("uri:\\/index.html", {1}),
    ('uri:"/login.php?user=admin"', {7}),
    ("uri:*login*", {7}),
    ('msg:"FTP login attempt*"', {8}),
    ("msg:FTP\\ login\\ attempt\\*", {8}),
    ("msg:FTP\\ login\\ attempt*", {8}),
    ('message:"Unable to parse Message: foo:bar"', {6}),
    ("message:Unable\\ to\\ parse*", {6}),
    ("raw_message:\\<166\\>*", {6}),
    ("user_agent:Mozilla\\/5.0\\ \\(X11\\)", {7}),
]


@pytest.fixture(params=["naive", "engine"])
def index(request: pytest.FixtureRequest) -> Index:
    from metron.search.engine import ColumnIndex

    built: Index = NaiveIndex() if request.param == "naive" else ColumnIndex()
    for doc_id, (name, doc) in DOCS.items():
        built.add(doc_id, name, doc)
    return built


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[query for query, _ in CASES])
def test_query(index: Index, query: str, expected: set[int]) -> None:
    hits = index.search(parse(query), limit=100)
    assert set(hits.ids) == expected
    assert hits.total == len(expected)
    assert hits.ids == sorted(hits.ids)  # no sort: insertion order


def test_len_and_delete(index: Index) -> None:
    assert len(index) == 12
    index.delete(7)
    index.delete(7)  # deleting twice is harmless
    index.delete(99)
    assert len(index) == 11
    assert index.search(parse("evil.example.org")).ids == [2]
    assert index.search(parse("tags:web"), facets=["tags"]).facets == {
        "tags": {"internal": 1, "web": 1}
    }


def test_indices_patterns(index: Index) -> None:
    assert index.search(MatchAll(), indices=["snort_*"], limit=100).ids == [4, 5, 8, 12]
    assert index.search(MatchAll(), indices=[BRO_29, "error_*"], limit=100).ids == [3, 6, 7, 10, 11]
    assert index.search(MatchAll(), indices=["nothing*"]).total == 0
    assert index.search(MatchAll(), indices=[]).total == 0
    assert index.search(parse("is_alert:true"), indices=["*_2026.11.29"]).ids == [7, 12]


def test_sort_numbers_missing_last_ties_in_insertion_order(index: Index) -> None:
    score = "threat.triage.score"
    asc = index.search(MatchAll(), sort=[SortField(score, "asc")], limit=100)
    assert asc.ids == [8, 11, 1, 9, 4, 7, 2, 12, 5, 3, 6, 10]
    desc = index.search(MatchAll(), sort=[SortField(score, "desc")], limit=100)
    assert desc.ids == [5, 2, 12, 7, 4, 9, 1, 11, 8, 3, 6, 10]


def test_sort_mixed_numbers_and_strings(index: Index) -> None:
    port = "ip_dst_port"
    asc = index.search(MatchAll(), sort=[SortField(port, "asc")], limit=100)
    assert asc.ids == [8, 4, 2, 1, 11, 3, 12, 5, 7, 9, 6, 10]
    desc = index.search(MatchAll(), sort=[SortField(port, "desc")], limit=100)
    assert desc.ids == [9, 7, 5, 3, 12, 11, 1, 2, 4, 8, 6, 10]


def test_sort_several_keys_and_paging(index: Index) -> None:
    sort = [SortField("source.type", "asc"), SortField("timestamp", "desc")]
    full = [11, 9, 7, 3, 2, 1, 10, 6, 12, 8, 5, 4]
    assert index.search(MatchAll(), sort=sort, limit=100).ids == full
    page = index.search(MatchAll(), sort=sort, offset=3, limit=4)
    assert page.ids == [3, 2, 1, 10]
    assert page.total == 12
    assert index.search(MatchAll(), sort=sort, offset=11, limit=5).ids == [4]
    assert index.search(MatchAll(), sort=sort, offset=20).ids == []
    assert index.search(MatchAll()).ids == list(range(1, 11))  # default limit 10


def test_facets_over_all_matches(index: Index) -> None:
    hits = index.search(
        parse("is_alert:true"),
        limit=1,
        facets=["source.type", "tags", "threat.triage.score", "is_alert", "missing"],
    )
    assert hits.ids == [2]
    assert hits.total == 5
    assert hits.facets == {
        "source.type": {"snort": 3, "bro": 2},
        "tags": {"dns": 1, "external": 1, "web": 1},
        "threat.triage.score": {"85.0": 2, "50": 1, "70.25": 1, "95.5": 1},
        "is_alert": {"true": 5},
        "missing": {},
    }
    assert list(hits.facets["source.type"]) == ["snort", "bro"]
    assert list(hits.facets["threat.triage.score"]) == ["85.0", "50", "70.25", "95.5"]


def test_group_nested_with_scores(index: Index) -> None:
    groups = index.group(
        MatchAll(),
        [GroupSpec("source.type"), GroupSpec("is_alert", "term", "asc")],
        score_field="threat.triage.score",
    )
    assert groups == [
        {
            "key": "bro",
            "total": 6,
            "score": pytest.approx(185.7501),
            "groups": [
                {"key": "false", "total": 4, "score": pytest.approx(30.5001)},
                {"key": "true", "total": 2, "score": pytest.approx(155.25)},
            ],
        },
        {
            "key": "snort",
            "total": 4,
            "score": pytest.approx(230.5),
            "groups": [
                {"key": "false", "total": 1, "score": 0.0},
                {"key": "true", "total": 3, "score": pytest.approx(230.5)},
            ],
        },
        {"key": "error", "total": 2, "score": 0.0, "groups": []},
    ]


def test_group_multi_valued_field_and_orders(index: Index) -> None:
    def keys(order_by: Any, order: Any) -> list[tuple[str, int]]:
        found = index.group(MatchAll(), [GroupSpec("tags", order_by, order)])
        assert all(group["score"] == 0.0 and "groups" not in group for group in found)
        return [(group["key"], group["total"]) for group in found]

    assert keys("count", "desc") == [("web", 2), ("dns", 1), ("external", 1), ("internal", 1)]
    assert keys("count", "asc") == [("dns", 1), ("external", 1), ("internal", 1), ("web", 2)]
    assert keys("term", "desc") == [("web", 2), ("internal", 1), ("external", 1), ("dns", 1)]
    assert keys("term", "asc") == [("dns", 1), ("external", 1), ("internal", 1), ("web", 2)]
    alerts = index.group(parse("is_alert:true"), [GroupSpec("source.type")], indices=["snort_*"])
    assert alerts == [{"key": "snort", "total": 3, "score": 0.0}]


def test_fields_and_kinds(index: Index) -> None:
    fields = index.fields()
    assert fields["ip_src_addr"] == {"ip"}
    assert fields["ip_dst_port"] == {"integer", "string"}
    assert fields["threat.triage.score"] == {"float", "integer"}
    assert fields["is_alert"] == {"boolean"}
    assert fields["enrichments.geo.ip_dst_addr.city"] == {"string"}
    assert fields["threat_intel.level"] == {"integer"}
    assert "tags" in fields
    assert set(index.fields(["error_*"])) == {
        "guid",
        "source.type",
        "error_type",
        "message",
        "raw_message",
        "timestamp",
        "error_hash",
        "failed_sensor_type",
    }
    index.delete(11)
    assert "answers" not in index.fields()


# ------------------------------------------- random Lucene text: both indexes agree

_FIELDS = st.sampled_from(
    [
        "ip_src_addr",
        "ip_dst_port",
        "protocol",
        "threat.triage.score",
        "is_alert",
        "tags",
        "msg",
        "enrichments.geo.ip_dst_addr.city",
        "ip_*_addr",
        "nosuch",
    ]
)
_VALUES = st.sampled_from(
    [
        "10.0.0.1",
        "10.0.0.0/8",
        '"2001:db8::1"',
        "443",
        "80",
        "http",
        "ht*",
        "/h.*p/",
        "true",
        "85.0",
        "web",
        "Paris",
        '"ET SCAN Potential SSH Scan"',
    ]
)
_RANGES = st.sampled_from(["[20 TO 90]", "{0 TO 85.0]", "[* TO 50}", ">=80", "<1", "[a TO m]"])


@st.composite
def _clause(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 4))
    field = draw(_FIELDS)
    if kind == 0:
        return f"{field}:{draw(_VALUES)}"
    if kind == 1:
        return f"{field}:{draw(_RANGES)}"
    if kind == 2:
        return f"_exists_:{field}"
    if kind == 3:
        return draw(_VALUES)
    return f"{field}:({draw(_VALUES)} OR {draw(_VALUES)})"


@st.composite
def _lucene(draw: st.DrawFn, depth: int = 0) -> str:
    if depth >= 2 or draw(st.booleans()):
        return draw(_clause())
    left, right = draw(_lucene(depth + 1)), draw(_lucene(depth + 1))
    joined = draw(
        st.sampled_from(["{} AND {}", "{} OR {}", "{} {}", "({}) -{}", "NOT ({} || {})", "+{} {}"])
    )
    return joined.format(left, right)


@settings(max_examples=300)
@given(query=_lucene(), facet=_FIELDS)
def test_random_queries_agree_between_the_indexes(query: str, facet: str) -> None:
    from metron.search.engine import ColumnIndex

    naive, engine = NaiveIndex(), ColumnIndex()
    for doc_id, (name, doc) in DOCS.items():
        naive.add(doc_id, name, doc)
        engine.add(doc_id, name, doc)
    node = parse(query)
    sort = [SortField("threat.triage.score", "desc"), SortField("timestamp", "asc")]
    expected = naive.search(node, sort=sort, limit=100, facets=[facet])
    found = engine.search(node, sort=sort, limit=100, facets=[facet])
    assert (found.total, found.ids, found.facets) == (
        expected.total,
        expected.ids,
        expected.facets,
    ), query
