"""Metron's update endpoints (/api/v1/update: patch, replace, comments) and ours (alert
status, one or many), each audited."""

from __future__ import annotations

from typing import Any

import pytest

from web.support import ADMIN, ANALYST, Web

ALERTS: list[dict[str, Any]] = [
    {"guid": "g1", "source.type": "bro", "timestamp": 1000, "ip_src_addr": "10.0.0.1"},
    {"guid": "g2", "source.type": "bro", "timestamp": 2000, "ip_src_addr": "10.0.0.2"},
    {
        "guid": "g3",
        "source.type": "snort",
        "timestamp": 3000,
        "ip_src_addr": "10.0.0.1",
        "alert_status": "OPEN",
    },
]


@pytest.fixture
def alerts(web: Web) -> Web:
    web.index(ALERTS)
    return web


def _total(web: Web, query: str) -> int:
    response = web.client.post("/api/v1/search/search", json={"query": query}, auth=ANALYST)
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


def _patch(web: Web, guid: str, sensor: str, ops: list[dict[str, Any]]) -> Any:
    body = {"guid": guid, "sensorType": sensor, "patch": ops}
    return web.client.patch("/api/v1/update/patch", json=body, auth=ANALYST)


def test_patch_answers_the_document_and_a_search_sees_it_at_once(alerts: Web) -> None:
    assert _total(alerts, "alert_status:ESCALATE") == 0
    response = _patch(
        alerts,
        "g1",
        "bro",
        [
            {"op": "add", "path": "/alert_status", "value": "ESCALATE"},
            {"op": "remove", "path": "/ip_src_addr"},
        ],
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    expected = {"guid": "g1", "source.type": "bro", "timestamp": 1000, "alert_status": "ESCALATE"}
    assert answer["document"] == expected
    assert (answer["guid"], answer["sensorType"], answer["documentID"]) == ("g1", "bro", None)
    assert isinstance(answer["timestamp"], int)
    assert _total(alerts, "alert_status:ESCALATE") == 1
    assert _total(alerts, 'ip_src_addr:"10.0.0.1"') == 1
    (entry,) = alerts.audit("alert.patch")
    assert (entry["user"], entry["target"]) == ("analyst", "bro/g1")
    assert (entry["before"], entry["after"]) == (ALERTS[0], expected)
    assert entry["remote"] == "testclient"


def test_a_patch_that_changes_nothing_is_not_audited(alerts: Web) -> None:
    ops = [{"op": "replace", "path": "/ip_src_addr", "value": "10.0.0.1"}]
    assert _patch(alerts, "g1", "bro", ops).status_code == 200
    assert alerts.audit("alert.patch") == []


def test_a_patch_of_a_missing_alert_is_404_and_a_bad_patch_400(alerts: Web) -> None:
    ops = [{"op": "add", "path": "/a", "value": 1}]
    missing = _patch(alerts, "nope", "bro", ops)
    assert missing.status_code == 404
    assert "guid=nope" in missing.json()["message"]
    bad = _patch(alerts, "g1", "bro", [])
    assert bad.status_code == 400
    assert bad.json()["message"] == "'patch' must be a non-empty list of RFC 6902 operations"
    unnamed = alerts.client.patch("/api/v1/update/patch", json={"patch": ops}, auth=ANALYST)
    assert unnamed.status_code == 400
    assert unnamed.json()["field"] == "guid"
    assert alerts.audit("alert.patch") == []


def test_replace_swaps_the_whole_document(alerts: Web) -> None:
    response = alerts.client.post(
        "/api/v1/update/replace",
        json={"guid": "g2", "sensorType": "bro", "replacement": {"timestamp": 5, "note": "x"}},
        auth=ANALYST,
    )
    assert response.status_code == 200, response.text
    expected = {"timestamp": 5, "note": "x", "guid": "g2", "source.type": "bro"}
    assert response.json()["document"] == expected
    assert _total(alerts, "note:x") == 1
    (entry,) = alerts.audit("alert.replace")
    assert (entry["target"], entry["before"], entry["after"]) == ("bro/g2", ALERTS[1], expected)
    missing = alerts.client.post(
        "/api/v1/update/replace",
        json={"guid": "nope", "sensorType": "bro", "replacement": {}},
        auth=ANALYST,
    )
    assert missing.status_code == 404


def test_comments_are_added_as_the_user_and_removed(alerts: Web) -> None:
    added = alerts.client.post(
        "/api/v1/update/add/comment",
        json={"guid": "g1", "sensorType": "bro", "comment": "looks bad", "timestamp": 7},
        auth=ANALYST,
    )
    assert added.status_code == 200, added.text
    mine = {"comment": "looks bad", "username": "analyst", "timestamp": 7}
    assert added.json()["document"]["comments"] == [mine]
    theirs = {"comment": "agreed", "username": "someone", "timestamp": 8}
    again = alerts.client.post(
        "/api/v1/update/add/comment", json={"guid": "g1", "sensorType": "bro", **theirs}, auth=ADMIN
    )
    assert again.json()["document"]["comments"] == [mine, theirs]
    removed = alerts.client.post(
        "/api/v1/update/remove/comment",
        json={"guid": "g1", "sensorType": "bro", "comment": "looks bad", "timestamp": 7},
        auth=ANALYST,
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["document"]["comments"] == [theirs]
    found = alerts.client.post(
        "/api/v1/search/findOne", json={"guid": "g1", "sensorType": "bro"}, auth=ANALYST
    )
    assert found.json()["comments"] == [theirs]
    assert [e["user"] for e in alerts.audit("alert.comment.add")] == ["admin", "analyst"]
    (entry,) = alerts.audit("alert.comment.remove")
    assert entry["before"]["comments"] == [mine, theirs]
    assert entry["after"]["comments"] == [theirs]


def test_comments_on_a_missing_alert_are_404_with_metrons_message(alerts: Web) -> None:
    body = {"guid": "nope", "sensorType": "bro", "comment": "x"}
    response = alerts.client.post("/api/v1/update/add/comment", json=body, auth=ANALYST)
    assert response.status_code == 404
    assert response.json()["message"] == (
        "Unable to add comment. Document with guid nope cannot be found."
    )
    response = alerts.client.post("/api/v1/update/remove/comment", json=body, auth=ANALYST)
    assert response.status_code == 404
    empty = alerts.client.post(
        "/api/v1/update/add/comment", json={"guid": "g1", "sensorType": "bro"}, auth=ANALYST
    )
    assert empty.status_code == 400
    assert empty.json()["message"] == "'comment' must be a non-empty string"


def test_status_sets_alert_status(alerts: Web) -> None:
    response = alerts.client.post(
        "/api/v1/update/status",
        json={"guid": "g2", "sensorType": "bro", "status": "dismiss"},
        auth=ANALYST,
    )
    assert response.status_code == 200, response.text
    assert response.json()["document"]["alert_status"] == "DISMISS"
    assert _total(alerts, "alert_status:DISMISS") == 1
    (entry,) = alerts.audit("alert.status")
    assert (entry["user"], entry["target"]) == ("analyst", "bro/g2")
    assert entry["after"]["alert_status"] == "DISMISS"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"guid": "g2", "sensorType": "bro", "status": "CLOSED"}, 400, "status"),
        ({"guid": "g2", "sensorType": "bro"}, 400, "status"),
        ({"guid": "g2", "sensorType": "bro", "status": "OPEN", "x": 1}, 400, "x"),
        ({"guid": "nope", "sensorType": "bro", "status": "OPEN"}, 404, None),
    ],
)
def test_status_refuses_what_it_cannot_do(
    alerts: Web, body: dict[str, Any], status: int, field: str | None
) -> None:
    response = alerts.client.post("/api/v1/update/status", json=body, auth=ANALYST)
    assert response.status_code == status
    assert response.json().get("field") == field
    assert alerts.audit("alert.status") == []


def test_bulk_status_counts_the_alerts_it_changed(alerts: Web) -> None:
    response = alerts.client.post(
        "/api/v1/update/status/bulk",
        json={
            "alerts": [
                {"guid": "g1", "sensorType": "bro"},
                {"guid": "g2", "sensorType": "bro", "index": "bro"},
                {"guid": "g3", "sensorType": "snort"},  # already OPEN
                {"guid": "g1", "sensorType": "bro"},  # twice: counted once
            ],
            "status": "OPEN",
        },
        auth=ANALYST,
    )
    assert response.status_code == 200, response.text
    assert response.json() == 2
    assert _total(alerts, "alert_status:OPEN") == 3
    assert sorted(e["target"] for e in alerts.audit("alert.status")) == ["bro/g1", "bro/g2"]


def test_bulk_status_changes_nothing_when_an_alert_is_missing(alerts: Web) -> None:
    body = {
        "alerts": [{"guid": "g1", "sensorType": "bro"}, {"guid": "nope", "sensorType": "bro"}],
        "status": "RESOLVE",
    }
    response = alerts.client.post("/api/v1/update/status/bulk", json=body, auth=ANALYST)
    assert response.status_code == 404
    assert response.json()["message"] == "no alert with guid nope and sensorType bro"
    assert _total(alerts, "alert_status:RESOLVE") == 0
    bad = alerts.client.post(
        "/api/v1/update/status/bulk", json={**body, "status": "GONE"}, auth=ANALYST
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "status"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/v1/update/patch"),
        ("POST", "/api/v1/update/replace"),
        ("POST", "/api/v1/update/add/comment"),
        ("POST", "/api/v1/update/remove/comment"),
        ("POST", "/api/v1/update/status"),
        ("POST", "/api/v1/update/status/bulk"),
    ],
)
def test_updates_need_a_user(alerts: Web, method: str, path: str) -> None:
    body = {"guid": "g1", "sensorType": "bro", "status": "OPEN", "comment": "x", "alerts": []}
    response = alerts.client.request(method, path, json=body)
    assert response.status_code == 401
    assert alerts.store.find_one("g1", "bro") == ALERTS[0]
