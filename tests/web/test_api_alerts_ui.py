"""The alerts UI's endpoints (/api/v1/alerts/ui): escalation (into the store, and onto
Kafka when the global config names brokers) and per-user settings."""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import pytest

from metron.web.api import alerts_ui
from web.support import ADMIN, ANALYST, Web

ALERTS: list[dict[str, Any]] = [
    {"guid": "g1", "source.type": "bro", "timestamp": 1000, "ip_src_addr": "10.0.0.1"},
    {"guid": "g2", "source.type": "snort", "timestamp": 2000, "ip_src_addr": "10.0.0.2"},
    {"guid": "g3", "source.type": "snort", "timestamp": 3000, "ip_src_addr": "10.0.0.3"},
]
ESCALATE = "/api/v1/alerts/ui/escalate"
SETTINGS = "/api/v1/alerts/ui/settings"


@pytest.fixture
def alerts(web: Web) -> Web:
    web.index(ALERTS)
    return web


def _escalated(web: Web) -> list[str]:
    response = web.client.post(
        "/api/v1/search/search", json={"query": "alert_status:ESCALATE"}, auth=ANALYST
    )
    assert response.status_code == 200, response.text
    return sorted(r["id"] for r in response.json()["results"])


def _global(web: Web, config: dict[str, Any]) -> None:
    (web.config_dir / "global.json").write_text(json.dumps(config))


def test_escalate_sets_the_status_and_stamps_user_and_time(alerts: Web) -> None:
    before = int(time.time() * 1000)
    response = alerts.client.post(
        ESCALATE,
        # as Metron's alerts UI sends them (search results), and as plain alerts
        json=[{"id": "g1", "source": ALERTS[0], "index": "bro"}, ALERTS[1]],
        auth=ANALYST,
    )
    assert response.status_code == 200, response.text
    first, second = response.json()
    assert (first["guid"], first["sensorType"], second["guid"]) == ("g1", "bro", "g2")
    doc = first["document"]
    assert doc["alert_status"] == "ESCALATE"
    assert doc["metron_escalation_user"] == "analyst"
    assert before <= doc["metron_escalation_timestamp"] <= int(time.time() * 1000)
    assert _escalated(alerts) == ["g1", "g2"]
    entries = alerts.audit("alert.escalate")
    assert sorted(e["target"] for e in entries) == ["bro/g1", "snort/g2"]
    assert all(e["user"] == "analyst" for e in entries)
    assert {e["before"]["guid"]: e["before"] for e in entries}["g1"] == ALERTS[0]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ([ALERTS[0], {"guid": "nope", "source.type": "bro"}], 404, "no alert with guid nope"),
        ({"guid": "g1"}, 400, "the body must be a list of alerts"),
        ([ALERTS[0], {"source.type": "bro"}], 400, "[1]: the alert has no 'guid'"),
        ([{"source": {"guid": "g1"}}], 400, "[0]: the alert has no 'source.type'"),
        (["g1"], 400, "[0]: each alert must be a JSON object"),
    ],
)
def test_escalate_changes_nothing_when_it_cannot_escalate_all(
    alerts: Web, body: Any, status: int, message: str
) -> None:
    response = alerts.client.post(ESCALATE, json=body, auth=ANALYST)
    assert response.status_code == status
    assert response.json()["message"].startswith(message)
    assert _escalated(alerts) == []
    assert alerts.audit("alert.escalate") == []


def test_escalate_is_503_and_changes_nothing_when_kafka_does_not_take_it(
    alerts: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts_ui, "ESCALATION_TIMEOUT", 1.0)
    _global(alerts, {"kafka.brokers": "127.0.0.1:1"})  # nothing listens there
    response = alerts.client.post(ESCALATE, json=[ALERTS[0]], auth=ANALYST)
    assert response.status_code == 503
    assert response.json()["message"].startswith(
        "Kafka at 127.0.0.1:1 did not take the escalation on topic 'escalation'"
    )
    assert _escalated(alerts) == []
    assert alerts.audit("alert.escalate") == []


@pytest.mark.kafka
@pytest.mark.skipif(
    not os.environ.get("METRON_KAFKA_BOOTSTRAP"), reason="needs $METRON_KAFKA_BOOTSTRAP"
)
def test_escalate_produces_the_alerts_to_the_escalation_topic(alerts: Web) -> None:
    from confluent_kafka import Consumer
    from confluent_kafka.admin import AdminClient, NewTopic

    bootstrap = os.environ["METRON_KAFKA_BOOTSTRAP"]
    topic = f"escalation-{uuid.uuid4().hex[:12]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(
        timeout=30
    )
    _global(alerts, {"kafka.brokers": bootstrap, "kafka.topics.escalation": topic})
    response = alerts.client.post(ESCALATE, json=[ALERTS[2]], auth=ANALYST)
    assert response.status_code == 200, response.text
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": topic,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 30
        message = None
        while message is None and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is not None:
                message = None
    finally:
        consumer.close()
    assert message is not None, "nothing on the escalation topic"
    assert message.key() == b"g3"
    produced = json.loads(message.value() or b"")
    assert produced == response.json()[0]["document"]
    assert produced["metron_escalation_user"] == "analyst"


def test_settings_are_created_replaced_listed_and_deleted(alerts: Web) -> None:
    assert alerts.client.get(SETTINGS, auth=ANALYST).status_code == 404
    settings = {
        "tableColumns": ["guid", "ip_src_addr"],
        "savedSearches": [{"name": "mine", "searchRequest": {"query": "a:b"}}],
        "facetFields": ["source:type"],
    }
    created = alerts.client.post(SETTINGS, json=settings, auth=ANALYST)
    assert created.status_code == 201
    assert created.json() == {**settings, "user": "analyst"}
    assert alerts.client.get(SETTINGS, auth=ANALYST).json() == {**settings, "user": "analyst"}
    # the settings are the current user's, whatever "user" says
    updated = alerts.client.post(
        SETTINGS, json={"user": "admin", "facetFields": ["ip_src_addr"]}, auth=ANALYST
    )
    assert updated.status_code == 200
    mine = {"user": "analyst", "facetFields": ["ip_src_addr"]}
    assert alerts.client.get(SETTINGS, auth=ANALYST).json() == mine
    assert alerts.client.get(SETTINGS, auth=ADMIN).status_code == 404
    everyone = alerts.client.get(f"{SETTINGS}/all", auth=ADMIN)
    assert everyone.status_code == 200
    assert everyone.json() == {"analyst": mine}
    deleted = alerts.client.delete(f"{SETTINGS}/analyst", auth=ADMIN)
    assert deleted.status_code == 200
    assert alerts.client.get(SETTINGS, auth=ANALYST).status_code == 404
    assert alerts.client.delete(f"{SETTINGS}/analyst", auth=ADMIN).status_code == 404
    saves = alerts.audit("settings.save")
    assert [(e["before"], e["after"]) for e in saves] == [
        ({**settings, "user": "analyst"}, mine),
        (None, {**settings, "user": "analyst"}),
    ]
    (entry,) = alerts.audit("settings.delete")
    assert (entry["user"], entry["target"], entry["before"]) == ("admin", "analyst", mine)


def test_settings_of_an_unknown_shape_are_refused(alerts: Web) -> None:
    response = alerts.client.post(SETTINGS, json={"tableColumn": ["guid"]}, auth=ANALYST)
    assert response.status_code == 400
    assert response.json()["field"] == "tableColumn"
    response = alerts.client.post(SETTINGS, json={"facetFields": "guid"}, auth=ANALYST)
    assert response.status_code == 400
    assert response.json()["field"] == "facetFields"
    assert alerts.client.get(SETTINGS, auth=ANALYST).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", f"{SETTINGS}/all"), ("DELETE", f"{SETTINGS}/admin")],
)
def test_all_settings_are_for_admins(alerts: Web, method: str, path: str) -> None:
    alerts.context.users.put_settings("admin", {"facetFields": ["guid"]})
    response = alerts.client.request(method, path, auth=ANALYST)
    assert response.status_code == 403
    assert alerts.context.users.get_settings("admin") == {"facetFields": ["guid"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", ESCALATE),
        ("GET", SETTINGS),
        ("POST", SETTINGS),
        ("GET", f"{SETTINGS}/all"),
        ("DELETE", f"{SETTINGS}/analyst"),
    ],
)
def test_the_alerts_ui_needs_a_user(alerts: Web, method: str, path: str) -> None:
    body = [ALERTS[0]] if path == ESCALATE else None
    response = alerts.client.request(method, path, json=body)
    assert response.status_code == 401
    assert _escalated(alerts) == []
