"""Kafka topics through the REST API, against the real broker (CI starts one)."""

from __future__ import annotations

import json
import uuid

import pytest

from web.support import ADMIN, ANALYST, Web


def test_without_brokers_every_endpoint_says_kafka_is_not_configured(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("METRON_KAFKA_BROKERS", raising=False)
    response = web.client.get("/api/v1/kafka/topic", auth=ANALYST)
    assert response.status_code == 404
    assert "kafka.brokers" in response.json()["message"]


def test_unreachable_brokers_are_503(web: Web) -> None:
    (web.config_dir / "global.json").write_text(json.dumps({"kafka.brokers": "127.0.0.1:9"}))
    response = web.client.get("/api/v1/kafka/topic", auth=ANALYST)
    assert response.status_code == 503
    assert "127.0.0.1:9" in response.json()["message"]


@pytest.mark.kafka
def test_topics_create_list_produce_sample_delete(web: Web, kafka_bootstrap: str) -> None:
    (web.config_dir / "global.json").write_text(json.dumps({"kafka.brokers": kafka_bootstrap}))
    name = f"rest-{uuid.uuid4().hex[:8]}"
    client = web.client
    topic = {"name": name, "numPartitions": 2, "replicationFactor": 1}
    assert client.post("/api/v1/kafka/topic", json=topic, auth=ANALYST).status_code == 403
    created = client.post("/api/v1/kafka/topic", json=topic, auth=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == name
    again = client.post("/api/v1/kafka/topic", json=topic, auth=ADMIN)
    assert again.status_code == 409
    assert name in client.get("/api/v1/kafka/topic", auth=ANALYST).json()
    found = client.get(f"/api/v1/kafka/topic/{name}", auth=ANALYST).json()
    assert (found["numPartitions"], found["replicationFactor"]) == (2, 1)
    assert client.get(f"/api/v1/kafka/topic/{name}/sample", auth=ANALYST).status_code == 404
    for text in ('{"n": 1}', '{"n": 2}'):
        produced = client.post(
            f"/api/v1/kafka/topic/{name}/produce",
            content=text,
            headers={"content-type": "text/plain"},
            auth=ADMIN,
        )
        assert produced.status_code == 200
    sample = client.get(f"/api/v1/kafka/topic/{name}/sample", auth=ANALYST)
    assert sample.status_code == 200 and sample.text == '{"n": 2}'
    assert client.delete(f"/api/v1/kafka/topic/{name}", auth=ADMIN).status_code == 200
    assert client.get(f"/api/v1/kafka/topic/{name}", auth=ANALYST).status_code == 404
    actions = [e["action"] for e in client.get("/api/v1/audit", auth=ADMIN).json()]
    assert actions[:4] == [
        "kafka.topic.delete",
        "kafka.produce",
        "kafka.produce",
        "kafka.topic.create",
    ]
