"""Metron's meta-alert endpoints (/api/v1/metaalert), each change audited."""

from __future__ import annotations

from typing import Any

import pytest

from web.support import ADMIN, ANALYST, Web

ALERTS: list[dict[str, Any]] = [
    {"guid": "g1", "source.type": "bro", "timestamp": 1000, "threat.triage.score": 10},
    {"guid": "g2", "source.type": "bro", "timestamp": 2000, "threat.triage.score": 20},
    {"guid": "g3", "source.type": "snort", "timestamp": 3000, "threat.triage.score": 30},
    {"guid": "g4", "source.type": "snort", "timestamp": 4000, "threat.triage.score": 40},
]


@pytest.fixture
def alerts(web: Web) -> Web:
    web.index(ALERTS)
    return web


def _ids(web: Web) -> list[str]:
    response = web.client.post("/api/v1/search/search", json={"query": "*"}, auth=ANALYST)
    assert response.status_code == 200, response.text
    return sorted(r["id"] for r in response.json()["results"])


def _create(web: Web, *keys: tuple[str, str]) -> dict[str, Any]:
    response = web.client.post(
        "/api/v1/metaalert/create",
        json={
            "alerts": [{"guid": g, "sensorType": s} for g, s in keys],
            "groups": ["ip_src_addr"],
        },
        auth=ANALYST,
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _by_alert(web: Web, **body: Any) -> Any:
    response = web.client.post("/api/v1/metaalert/searchByAlert", auth=ANALYST, **body)
    assert response.status_code == 200, response.text
    return response.json()


def test_create_answers_the_meta_alert_that_searches_then_find(alerts: Web) -> None:
    answer = _create(alerts, ("g1", "bro"), ("g3", "snort"))
    meta = answer["document"]
    guid = meta["guid"]
    assert (answer["guid"], answer["sensorType"]) == (guid, "metaalert")
    assert meta["status"] == "active"
    assert meta["groups"] == ["ip_src_addr"]
    assert (meta["count"], meta["sum"], meta["threat.triage.score"]) == (2, 40.0, 40.0)
    assert [a["guid"] for a in meta["metron_alert"]] == ["g1", "g3"]
    assert all(a["metaalerts"] == [guid] for a in meta["metron_alert"])
    # its alerts are now found as the meta-alert
    assert _ids(alerts) == sorted([guid, "g2", "g4"])
    (entry,) = alerts.audit("metaalert.create")
    assert (entry["user"], entry["target"]) == ("analyst", f"metaalert/{guid}")
    assert (entry["before"], entry["after"]) == (None, meta)


def test_search_by_alert_takes_the_guid_as_text_or_json(alerts: Web) -> None:
    guid = _create(alerts, ("g1", "bro"), ("g3", "snort"))["guid"]
    as_text = _by_alert(alerts, content=b"g1", headers={"content-type": "text/plain"})
    assert as_text["total"] == 1
    assert as_text["results"][0]["id"] == guid
    assert as_text["results"][0]["source"]["status"] == "active"
    assert _by_alert(alerts, json="g3")["total"] == 1
    assert _by_alert(alerts, content=b"g2") == {"total": 0, "results": [], "facetCounts": None}
    empty = alerts.client.post("/api/v1/metaalert/searchByAlert", content=b"", auth=ANALYST)
    assert empty.status_code == 400
    assert empty.json()["message"] == "Guid cannot be empty"
    wrong = alerts.client.post("/api/v1/metaalert/searchByAlert", json={"guid": "g1"}, auth=ANALYST)
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "body"


def test_add_and_remove_alerts(alerts: Web) -> None:
    guid = _create(alerts, ("g1", "bro"), ("g3", "snort"))["guid"]
    body = {"metaAlertGuid": guid, "alerts": [{"guid": "g2", "sensorType": "bro"}]}
    added = alerts.client.post("/api/v1/metaalert/add/alert", json=body, auth=ANALYST)
    assert added.status_code == 200, added.text
    meta = added.json()["document"]
    assert (meta["count"], meta["sum"]) == (3, 60.0)
    assert _ids(alerts) == sorted([guid, "g4"])
    # adding it again changes nothing, and is not audited
    again = alerts.client.post("/api/v1/metaalert/add/alert", json=body, auth=ANALYST)
    assert again.json()["document"]["count"] == 3
    (entry,) = alerts.audit("metaalert.add")
    assert (entry["target"], entry["before"]["count"], entry["after"]["count"]) == (
        f"metaalert/{guid}",
        2,
        3,
    )
    removed = alerts.client.post("/api/v1/metaalert/remove/alert", json=body, auth=ADMIN)
    assert removed.status_code == 200, removed.text
    assert [a["guid"] for a in removed.json()["document"]["metron_alert"]] == ["g1", "g3"]
    assert _ids(alerts) == sorted([guid, "g2", "g4"])
    (entry,) = alerts.audit("metaalert.remove")
    assert entry["user"] == "admin"


def test_a_meta_alert_is_never_emptied(alerts: Web) -> None:
    guid = _create(alerts, ("g1", "bro"))["guid"]
    response = alerts.client.post(
        "/api/v1/metaalert/remove/alert",
        json={"metaAlertGuid": guid, "alerts": [{"guid": "g1", "sensorType": "bro"}]},
        auth=ANALYST,
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Removing these alerts will result in an empty meta alert."
        "  Empty meta alerts are not allowed."
    )
    assert alerts.audit("metaalert.remove") == []


def test_an_inactive_meta_alert_releases_its_alerts(alerts: Web) -> None:
    guid = _create(alerts, ("g1", "bro"), ("g3", "snort"))["guid"]
    url = f"/api/v1/metaalert/update/status/{guid}/INACTIVE"
    response = alerts.client.post(url, auth=ANALYST)
    assert response.status_code == 200, response.text
    assert response.json()["document"]["status"] == "inactive"
    assert _ids(alerts) == ["g1", "g2", "g3", "g4"]
    assert _by_alert(alerts, content=b"g1")["total"] == 0
    (entry,) = alerts.audit("metaalert.status")
    assert (entry["before"]["status"], entry["after"]["status"]) == ("active", "inactive")
    back = alerts.client.post(f"/api/v1/metaalert/update/status/{guid}/active", auth=ANALYST)
    assert back.json()["document"]["status"] == "active"
    assert _ids(alerts) == sorted([guid, "g2", "g4"])
    bad = alerts.client.post(f"/api/v1/metaalert/update/status/{guid}/CLOSED", auth=ANALYST)
    assert bad.status_code == 400
    assert "active or inactive" in bad.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        (
            "/api/v1/metaalert/create",
            {"alerts": [{"guid": "nope", "sensorType": "bro"}], "groups": ["a"]},
            404,
            "Unable to create meta alert.  Alert with guid nope cannot be found.",
        ),
        (
            "/api/v1/metaalert/create",
            {"alerts": [{"guid": "g1", "sensorType": "bro"}]},
            400,
            "MetaAlertCreateRequest must contain UI groups",
        ),
        (
            "/api/v1/metaalert/create",
            ["g1"],
            400,
            "the body must be a MetaAlertCreateRequest (a JSON object), not a list",
        ),
        (
            "/api/v1/metaalert/add/alert",
            {"metaAlertGuid": "nope", "alerts": [{"guid": "g1", "sensorType": "bro"}]},
            404,
            "Unable to add alerts to meta alert.  Meta alert with guid nope cannot be found.",
        ),
        (
            "/api/v1/metaalert/remove/alert",
            {"alerts": []},
            400,
            "'metaAlertGuid' is required (a non-empty string)",
        ),
        (
            "/api/v1/metaalert/update/status/nope/ACTIVE",
            None,
            404,
            "Unable to update meta alert status.  Meta alert with guid nope cannot be found.",
        ),
    ],
)
def test_meta_alert_requests_that_cannot_be_served(
    alerts: Web, path: str, body: Any, status: int, message: str
) -> None:
    response = alerts.client.post(path, json=body, auth=ANALYST)
    assert response.status_code == status
    assert response.json()["message"] == message
    assert alerts.client.get("/api/v1/audit", auth=ADMIN).json() == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/metaalert/searchByAlert",
        "/api/v1/metaalert/create",
        "/api/v1/metaalert/add/alert",
        "/api/v1/metaalert/remove/alert",
        "/api/v1/metaalert/update/status/x/ACTIVE",
    ],
)
def test_meta_alerts_need_a_user(alerts: Web, path: str) -> None:
    body = {"alerts": [{"guid": "g1", "sensorType": "bro"}], "groups": ["a"]}
    response = alerts.client.post(path, json=body)
    assert response.status_code == 401
    assert _ids(alerts) == ["g1", "g2", "g3", "g4"]
