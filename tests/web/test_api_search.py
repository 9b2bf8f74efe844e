"""Metron's search endpoints (/api/v1/search) over the alert store, and ours
(getAllLatest, history)."""

from __future__ import annotations

from typing import Any

import pytest

from web.support import ADMIN, ANALYST, Web

ALERTS: list[dict[str, Any]] = [
    {
        "guid": "g1",
        "source.type": "bro",
        "timestamp": 1000,
        "ip_src_addr": "10.0.0.1",
        "threat.triage.score": 10,
    },
    {
        "guid": "g2",
        "source.type": "bro",
        "timestamp": 2000,
        "ip_src_addr": "10.0.0.2",
        "threat.triage.score": 20,
    },
    {
        "guid": "g3",
        "source.type": "snort",
        "timestamp": 3000,
        "ip_src_addr": "10.0.0.1",
        "threat.triage.score": 30,
    },
    {
        "guid": "g4",
        "source.type": "snort",
        "timestamp": 4000,
        "ip_src_addr": "10.0.0.3",
        "threat.triage.score": 40,
        "alert_status": "RESOLVE",
    },
]


@pytest.fixture
def alerts(web: Web) -> Web:
    web.store.add_many([(a["source.type"], a) for a in ALERTS])
    return web


def _search(web: Web, body: Any) -> Any:
    response = web.client.post("/api/v1/search/search", json=body, auth=ANALYST)
    assert response.status_code == 200, response.text
    return response.json()


def test_search_answers_total_results_and_facets(alerts: Web) -> None:
    found = _search(alerts, {"query": "*", "size": 10, "facetFields": ["source:type"]})
    assert found["total"] == 4
    assert [r["id"] for r in found["results"]] == ["g4", "g3", "g2", "g1"]  # timestamp desc
    assert found["results"][0] == {"id": "g4", "source": ALERTS[3], "score": 1.0, "index": "snort"}
    assert found["facetCounts"] == {"source:type": {"bro": 2, "snort": 2}}


def test_search_filters_sorts_pages_and_limits_indices(alerts: Web) -> None:
    found = _search(alerts, {"query": 'ip_src_addr:"10.0.0.1"', "size": 10})
    assert sorted(r["id"] for r in found["results"]) == ["g1", "g3"]
    assert found["facetCounts"] is None
    page = _search(
        alerts,
        {"sort": [{"field": "threat:triage:score", "sortOrder": "asc"}], "from": 1, "size": 2},
    )
    assert page["total"] == 4
    assert [r["id"] for r in page["results"]] == ["g2", "g3"]
    bro = _search(alerts, {"indices": ["bro"], "query": "*", "fields": ["ip_src_addr"]})
    assert bro["total"] == 2
    assert {r["id"]: r["source"] for r in bro["results"]} == {
        "g1": {"ip_src_addr": "10.0.0.1"},
        "g2": {"ip_src_addr": "10.0.0.2"},
    }


def test_an_empty_facet_list_asks_for_the_default_facets(alerts: Web) -> None:
    found = _search(alerts, {"query": "*", "facetFields": []})
    assert found["facetCounts"] == {
        "source:type": {"bro": 2, "snort": 2},
        "ip_src_addr": {"10.0.0.1": 2, "10.0.0.2": 1, "10.0.0.3": 1},
        "ip_dst_addr": {},
        "enrichments:geo:ip_dst_addr:country": {},
    }
    # the user's own facets come first, then the global config's
    alerts.context.users.put_settings("analyst", {"facetFields": ["alert_status"]})
    found = _search(alerts, {"query": "*", "facetFields": []})
    assert found["facetCounts"] == {"alert_status": {"RESOLVE": 1}}
    (alerts.config_dir / "global.json").write_text('{"search.facet.fields": "ip_src_addr"}')
    response = alerts.client.post(
        "/api/v1/search/search", json={"facetFields": []}, auth=ADMIN
    ).json()
    assert response["facetCounts"] == {
        "source:type": {"bro": 2, "snort": 2},
        "ip_src_addr": {"10.0.0.1": 2, "10.0.0.2": 1, "10.0.0.3": 1},
    }


def test_a_malformed_query_is_a_400_pointing_at_the_position(alerts: Web) -> None:
    response = alerts.client.post(
        "/api/v1/search/search", json={"query": "ip_src_addr:(10.0.0.1"}, auth=ANALYST
    )
    assert response.status_code == 400
    body = response.json()
    assert body["responseCode"] == 400
    assert body["message"].startswith("Syntax error at position 21:")
    response = alerts.client.post(
        "/api/v1/search/group",
        json={"query": 'a:"b', "groups": [{"field": "source:type"}]},
        auth=ANALYST,
    )
    assert response.status_code == 400
    assert "position 2" in response.json()["message"]


def test_a_search_larger_than_the_maximum_is_refused(alerts: Web) -> None:
    response = alerts.client.post("/api/v1/search/search", json={"size": 1001}, auth=ANALYST)
    assert response.status_code == 400
    assert response.json()["message"] == "Search result size must be less than 1000"


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (
            "/api/v1/search/search",
            [1],
            "the body must be a SearchRequest (a JSON object), not a list",
        ),
        (
            "/api/v1/search/group",
            "x",
            "the body must be a GroupRequest (a JSON object), not a string",
        ),
        (
            "/api/v1/search/findOne",
            None,
            "the body must be a GetRequest (a JSON object), not empty",
        ),
        ("/api/v1/search/getAllLatest", {}, "the body must be a list of GetRequests"),
        (
            "/api/v1/search/column/metadata",
            {"a": 1},
            "the body must be a list of sensor (index) names",
        ),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_400_naming_it(
    web: Web, path: str, body: Any, expected: str
) -> None:
    response = web.client.post(path, json=body, auth=ANALYST)
    assert response.status_code == 400
    assert response.json()["message"] == expected
    assert response.json()["field"] == "body"


def test_a_body_that_is_not_json_is_a_400(web: Web) -> None:
    response = web.client.post(
        "/api/v1/search/search", content=b'{"query": ', auth=ANALYST
    )  # no content type: parsed here
    assert response.status_code == 400
    assert response.json()["message"].startswith("the body is not valid JSON:")


def test_group_counts_and_sums_nested_groups(alerts: Web) -> None:
    response = alerts.client.post(
        "/api/v1/search/group",
        json={
            "query": "*",
            "scoreField": "threat:triage:score",
            "groups": [
                {"field": "source:type", "order": {"groupOrderType": "term", "sortOrder": "asc"}},
                {"field": "ip_src_addr"},
            ],
        },
        auth=ANALYST,
    )
    assert response.status_code == 200, response.text
    grouped = response.json()
    assert grouped["groupedBy"] == "source:type"
    bro, snort = grouped["groupResults"]
    assert (bro["key"], bro["total"], bro["score"], bro["groupedBy"]) == (
        "bro",
        2,
        30,
        "ip_src_addr",
    )
    assert (snort["key"], snort["total"], snort["score"]) == ("snort", 2, 70)
    assert {(g["key"], g["total"], g["score"]) for g in snort["groupResults"]} == {
        ("10.0.0.1", 1, 30),
        ("10.0.0.3", 1, 40),
    }
    missing = alerts.client.post("/api/v1/search/group", json={"query": "*"}, auth=ANALYST)
    assert missing.status_code == 400
    assert missing.json()["message"] == "At least 1 group must be provided."


def test_find_one_answers_the_document_or_404(alerts: Web) -> None:
    found = alerts.client.post(
        "/api/v1/search/findOne", json={"guid": "g2", "sensorType": "bro"}, auth=ANALYST
    )
    assert found.status_code == 200
    assert found.json() == ALERTS[1]
    missing = alerts.client.post(
        "/api/v1/search/findOne", json={"guid": "g2", "sensorType": "snort"}, auth=ANALYST
    )
    assert missing.status_code == 404
    assert missing.json()["message"] == "no document with guid g2 and sensorType snort"
    unnamed = alerts.client.post("/api/v1/search/findOne", json={"guid": "g2"}, auth=ANALYST)
    assert unnamed.status_code == 400
    assert unnamed.json()["field"] == "sensorType"


def test_get_all_latest_leaves_out_the_missing(alerts: Web) -> None:
    response = alerts.client.post(
        "/api/v1/search/getAllLatest",
        json=[
            {"guid": "g1", "sensorType": "bro"},
            {"guid": "nope", "sensorType": "bro"},
            {"guid": "g3", "sensorType": "snort", "index": "snort"},
        ],
        auth=ANALYST,
    )
    assert response.status_code == 200
    assert response.json() == [ALERTS[0], ALERTS[2]]


def test_column_metadata_gives_the_types_of_the_named_sensors(alerts: Web) -> None:
    bro = alerts.client.post("/api/v1/search/column/metadata", json=["bro"], auth=ANALYST)
    assert bro.status_code == 200
    assert bro.json() == {
        "guid": "keyword",
        "ip_src_addr": "ip",
        "source.type": "keyword",
        "threat.triage.score": "long",
        "timestamp": "date",
    }
    every = alerts.client.post("/api/v1/search/column/metadata", auth=ANALYST).json()
    assert every["alert_status"] == "keyword"
    assert (
        alerts.client.post("/api/v1/search/column/metadata", json=[], auth=ANALYST).json() == every
    )


def test_history_lists_the_updates_of_an_alert(alerts: Web) -> None:
    url = "/api/v1/search/history/bro/g1"
    assert alerts.client.get(url, auth=ANALYST).json() == []
    patched = alerts.client.patch(
        "/api/v1/update/patch",
        json={
            "guid": "g1",
            "sensorType": "bro",
            "patch": [{"op": "add", "path": "/alert_status", "value": "OPEN"}],
        },
        auth=ANALYST,
    )
    assert patched.status_code == 200
    (entry,) = alerts.client.get(url, auth=ANALYST).json()
    assert (entry["user"], entry["action"]) == ("analyst", "patch")
    assert entry["before"] == ALERTS[0]
    assert entry["after"] == {**ALERTS[0], "alert_status": "OPEN"}
    missing = alerts.client.get("/api/v1/search/history/bro/nope", auth=ANALYST)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/search/search"),
        ("POST", "/api/v1/search/group"),
        ("POST", "/api/v1/search/findOne"),
        ("POST", "/api/v1/search/getAllLatest"),
        ("POST", "/api/v1/search/column/metadata"),
        ("GET", "/api/v1/search/history/bro/g1"),
    ],
)
def test_search_needs_a_user(alerts: Web, method: str, path: str) -> None:
    response = alerts.client.request(method, path, json={"guid": "g1", "sensorType": "bro"})
    assert response.status_code == 401
    assert response.json()["responseCode"] == 401
