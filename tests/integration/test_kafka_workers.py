"""``metron worker parser|enrichment|indexing`` against a real Kafka broker, as separate
processes: the whole path from a sensor topic to searchable alerts, two parser workers
sharing a topic's partitions, one of them killed mid-stream, and a config pushed to the
config topic applied without a restart.

Every test has its own topics (sensor, enrichments, indexing, configs) so tests never see
each other's records; every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from metron.runtime.metrics import read_status
from metron.search.store import AlertStore

pytestmark = pytest.mark.kafka

TIMEOUT = 120.0


def conn(n: int) -> bytes:
    record = {
        "conn": {
            "ts": 1_700_000_000 + n / 1000,
            "uid": f"C{n:08d}",
            "id.orig_h": f"10.2.{n % 200}.{n % 250}",
            "id.orig_p": 1024 + n % 60000,
            "id.resp_h": "192.0.2.9",
            "id.resp_p": 80,
            "proto": "tcp",
        }
    }
    return json.dumps(record).encode()


class Deployment:
    """A scale-out deployment of its own: topics, a config topic, one data directory."""

    def __init__(self, root: Path, brokers: str) -> None:
        self.root = root
        self.brokers = brokers
        tag = uuid.uuid4().hex[:10]
        self.sensor_topic = f"bro-{tag}"
        self.config_topic = f"configs-{tag}"
        self.config_dir = root / "config"
        self.data_dir = root / "data"
        (self.config_dir / "parsers").mkdir(parents=True)
        self.global_config = {
            "enrichment.input.topic": f"enrichments-{tag}",
            "enrichment.output.topic": f"indexing-{tag}",
            "indexing.input.topic": f"indexing-{tag}",
            "parser.error.topic": f"indexing-{tag}",
            "enrichment.error.topic": f"indexing-{tag}",
            "search.max.results": 100_000,
        }
        self.parser: dict[str, Any] = {"parserClassName": "bro", "sensorTopic": self.sensor_topic}
        self.enrichment: dict[str, Any] | None = None
        self.processes: list[subprocess.Popen[bytes]] = []
        admin = AdminClient({"bootstrap.servers": brokers})
        topics = [self.sensor_topic, *{v for k, v in self.global_config.items() if "topic" in k}]
        futures = admin.create_topics(
            [NewTopic(t, num_partitions=4, replication_factor=1) for t in topics]
        )
        for future in futures.values():
            future.result(timeout=30)

    def push(self) -> None:
        (self.config_dir / "global.json").write_text(json.dumps(self.global_config))
        (self.config_dir / "parsers" / "bro.json").write_text(json.dumps(self.parser))
        if self.enrichment is not None:
            (self.config_dir / "enrichments").mkdir(exist_ok=True)
            (self.config_dir / "enrichments" / "bro.json").write_text(json.dumps(self.enrichment))
        done = subprocess.run(
            [
                *(sys.executable, "-m", "metron.cli.main", "config", "push"),
                *("--kafka", self.brokers, "--topic", self.config_topic),
                *("--config-dir", str(self.config_dir)),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr

    def worker(self, kind: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{kind}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "metron.cli.main", "worker", kind),
                *("--kafka", self.brokers, "--config-topic", self.config_topic),
                *("--data-dir", str(self.data_dir), *args),
            ],
            stdout=log,
            stderr=log,
        )
        log.close()
        self.processes.append(process)
        return process

    def produce(self, numbers: range) -> None:
        producer = Producer({"bootstrap.servers": self.brokers, "acks": "all", "linger.ms": 5})
        for n in numbers:
            producer.produce(self.sensor_topic, value=conn(n), key=str(n).encode())
        assert producer.flush(30) == 0

    def stored(self) -> list[dict[str, Any]]:
        if not (self.data_dir / "alerts" / "alerts.db").exists():
            return []
        with AlertStore(self.data_dir / "alerts", global_config=self.global_config) as store:
            found = store.search({"query": "source.type:bro", "size": 100_000})
        return [result["source"] for result in found["results"]]

    def wait_for(self, test: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not test():
            for process in self.processes:
                if process.poll() not in (None, -signal.SIGKILL):
                    pytest.fail(f"a worker exited ({process.returncode}): {self.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}: {self.logs()}")
            time.sleep(0.2)

    def statuses(self, kind: str) -> dict[int, dict[str, Any]]:
        found = {}
        for path in (self.data_dir / "run").glob(f"worker-{kind}-*.json"):
            status = read_status(path)
            if status is not None:
                found[int(status["pid"])] = status
        return found

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-1500:]}"
            for path in sorted(self.root.glob("*.log"))
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def deployment(tmp_path: Path, kafka_bootstrap: str) -> Iterator[Deployment]:
    made = Deployment(tmp_path, kafka_bootstrap)
    made.push()
    yield made
    made.stop()


def parsed(status: dict[str, Any]) -> int:
    return int(status.get("sensors", {}).get("bro", {}).get("parser", {}).get("in", 0))


def test_sensor_topic_to_searchable_alerts(deployment: Deployment) -> None:
    """Threat intel loaded to the lookup topic reaches the enrichment worker's own store,
    so the whole path from raw records to scored alerts runs on Kafka."""
    lookup_topic = f"lookup-{uuid.uuid4().hex[:10]}"
    (deployment.root / "bad.csv").write_text("192.0.2.9,botnet\n")
    extractor = {
        "config": {
            "columns": {"ip": 0, "kind": 1},
            "indicator_column": "ip",
            "type": "malicious_ip",
            "separator": ",",
        },
        "extractor": "CSV",
    }
    (deployment.root / "extractor.json").write_text(json.dumps(extractor))
    loaded = subprocess.run(
        [
            *(sys.executable, "-m", "metron.cli.main", "load", "flatfile"),
            *("-i", str(deployment.root / "bad.csv"), "-t", "threatintel"),
            *("-e", str(deployment.root / "extractor.json")),
            *("--kafka", deployment.brokers, "--lookup-topic", lookup_topic),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.returncode == 0, loaded.stderr
    deployment.enrichment = {
        "enrichment": {"fieldMap": {}},
        "threatIntel": {
            "fieldMap": {"hbaseThreatIntel": ["ip_dst_addr"]},
            "fieldToTypeMap": {"ip_dst_addr": ["malicious_ip"]},
            "triageConfig": {
                "riskLevelRules": [{"rule": "ip_dst_addr == '192.0.2.9'", "score": 75}],
                "aggregator": "MAX",
            },
        },
    }
    deployment.push()
    deployment.worker("parser", "--sensors", "bro")
    deployment.worker("enrichment", "--lookup-topic", lookup_topic)
    deployment.worker("indexing")
    deployment.produce(range(500))
    deployment.wait_for(lambda: len(deployment.stored()) == 500, "500 alerts")
    docs = deployment.stored()
    assert sorted(d["uid"] for d in docs) == [f"C{n:08d}" for n in range(500)]
    assert all(d["source.type"] == "bro" and d["ip_dst_addr"] == "192.0.2.9" for d in docs)
    assert all(d["is_alert"] == "true" and d["threat.triage.score"] == 75 for d in docs)
    deployment.stop()
    statuses = deployment.statuses("parser")
    assert [s["platform"]["stopped"] for s in statuses.values()] == [True]


def test_two_parser_workers_share_the_partitions_and_survive_a_kill(
    deployment: Deployment,
) -> None:
    first = deployment.worker("parser", "--sensors", "bro")
    deployment.worker("parser", "--sensors", "bro")
    deployment.worker("enrichment", "--lookup-topic", "none")
    deployment.worker("indexing")

    def shared() -> bool:  # the group has settled: two partitions each
        statuses = deployment.statuses("parser").values()
        held = [p for s in statuses for p in _partitions(s)]
        return sorted(held) == [2, 2]

    deployment.wait_for(shared, "the partitions shared")
    deployment.produce(range(2_000))
    deployment.wait_for(lambda: len(deployment.stored()) == 2_000, "2,000 alerts")
    # both took part (their status files are rewritten every second: wait for them)
    deployment.wait_for(
        lambda: sum(parsed(s) for s in deployment.statuses("parser").values()) == 2_000,
        "both parsers' counts",
    )
    parsers = deployment.statuses("parser")
    assert len(parsers) == 2 and all(parsed(s) > 0 for s in parsers.values()), parsers
    # kill one mid-stream: the other gets its partitions and nothing is lost or doubled
    deployment.produce(range(2_000, 12_000))
    deployment.wait_for(
        lambda: parsed(deployment.statuses("parser").get(first.pid, {})) > 2_000, "progress"
    )
    os.kill(first.pid, signal.SIGKILL)
    deployment.wait_for(lambda: len(deployment.stored()) >= 12_000, "12,000 alerts")
    time.sleep(1)
    docs = deployment.stored()
    assert len(docs) == 12_000
    assert len({d["uid"] for d in docs}) == 12_000


def test_a_config_pushed_to_the_topic_applies_without_a_restart(deployment: Deployment) -> None:
    deployment.worker("parser", "--sensors", "bro")
    deployment.worker("enrichment", "--lookup-topic", "none")
    deployment.worker("indexing")
    deployment.produce(range(10))
    deployment.wait_for(lambda: len(deployment.stored()) == 10, "10 alerts")
    deployment.parser["fieldTransformations"] = [
        {"transformation": "STELLAR", "output": ["tagged"], "config": {"tagged": "'yes'"}}
    ]
    deployment.push()
    time.sleep(3)  # workers look at the config every 2 s
    deployment.produce(range(10, 20))
    deployment.wait_for(lambda: len(deployment.stored()) == 20, "20 alerts")
    tagged = sorted(d["uid"] for d in deployment.stored() if d.get("tagged") == "yes")
    assert tagged == [f"C{n:08d}" for n in range(10, 20)]


def _partitions(status: dict[str, Any]) -> list[int]:
    """The partition counts the worker's Kafka sources hold."""
    return [
        int(source.get("details", {}).get("partitions", 0))
        for source in status.get("sources", {}).values()
    ]


def test_metron_run_reads_a_sensor_topic_as_metron_did(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    """Embedded mode with Kafka as the source: a parser config's sensorTopic and the global
    config's kafka.brokers are all it takes (no sources config), as in Metron."""
    topic = f"squid-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(30)
    config = tmp_path / "config"
    (config / "parsers").mkdir(parents=True)
    (config / "global.json").write_text(json.dumps({"kafka.brokers": kafka_bootstrap}))
    (config / "parsers" / "bro.json").write_text(
        json.dumps({"parserClassName": "bro", "sensorTopic": topic})
    )
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "metron.cli.main", "run", "--no-http", "--workers", "1"],
        env={
            **os.environ,
            "METRON_CONFIG_DIR": str(config),
            "METRON_DATA_DIR": str(tmp_path / "data"),
        },
        stdout=log,
        stderr=log,
    )
    try:
        producer = Producer({"bootstrap.servers": kafka_bootstrap, "acks": "all"})
        for n in range(300):
            producer.produce(topic, value=conn(n), key=str(n).encode())
        assert producer.flush(30) == 0
        deadline = time.monotonic() + TIMEOUT

        def stored() -> int:
            if not (tmp_path / "data" / "alerts" / "alerts.db").exists():
                return 0
            with AlertStore(tmp_path / "data" / "alerts") as store:
                return int(store.search({"query": "source.type:bro", "size": 0})["total"])

        while stored() < 300:
            assert process.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        log.close()
    assert stored() == 300
