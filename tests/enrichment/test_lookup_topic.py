"""The lookup topic: its record codec (no Kafka), and against a real broker a writer whose
rows followers materialise, resume, update, delete and pick up once the topic appears,
and ``metron load flatfile --kafka`` end to end.  Every wait has a deadline; topics are
unique per test."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewPartitions

from metron.enrichment.lookup import EnrichmentService, SqliteLookup
from metron.enrichment.lookup_topic import (
    KafkaLookupWriter,
    LookupFollower,
    LookupRecord,
    decode_record,
    encode_record,
    encode_tombstone,
    offsets_path,
)
from metron.errors import MetronError
from metron.stellar.types import Long

TIMEOUT = 30.0  # seconds any single step may take before the test fails

Run = Callable[..., subprocess.CompletedProcess[str]]


# ----------------------------------------------------------------------- the codec


def test_a_row_round_trips() -> None:
    key, value = encode_record("threatintel", "t", ("ip", "10.0.0.1", {"source": "feed", "n": 3}))
    assert key == b'["threatintel","t","ip","10.0.0.1"]'
    assert orjson.loads(value) == {
        "table": "threatintel",
        "column_family": "t",
        "type": "ip",
        "indicator": "10.0.0.1",
        "value": {"source": "feed", "n": 3},
    }
    assert decode_record(key, value) == LookupRecord(
        "threatintel", "t", "ip", "10.0.0.1", {"source": "feed", "n": 3}
    )


def test_the_key_is_the_rows_identity_only() -> None:
    first, _ = encode_record("enrichment", "t", ("asset", "h1", {"owner": "a"}))
    second, _ = encode_record("enrichment", "t", ("asset", "h1", {"owner": "b"}))
    other_family, _ = encode_record("enrichment", "f", ("asset", "h1", {"owner": "a"}))
    assert first == second == encode_tombstone("enrichment", "t", ("asset", "h1"))
    assert other_family != first


def test_long_values_keep_their_type() -> None:
    key, value = encode_record("enrichment", "t", ("asset", "h", {"big": Long(1 << 40)}))
    decoded = decode_record(key, value).value
    assert decoded is not None
    assert isinstance(decoded["big"], Long)
    assert decoded["big"] == Long(1 << 40)


def test_a_tombstone_decodes_as_a_deletion() -> None:
    key = encode_tombstone("threatintel", "t", ("domain", "evil.example"))
    assert decode_record(key, None) == LookupRecord(
        "threatintel", "t", "domain", "evil.example", None
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (None, b"{}", "no key"),
        (b"not json", None, "the key is not JSON"),
        (b'["a","b","c"]', None, "the key is not"),
        (b'["a","b","c",4]', None, "the key is not"),
        (b'["a","t","ip","x"]', b"{", "the value is not JSON"),
        (b'["a","t","ip","x"]', b'{"value": 3}', "'value' map"),
        (
            b'["a","t","ip","x"]',
            b'{"table":"a","column_family":"t","type":"ip","indicator":"y","value":{}}',
            "the key another",
        ),
    ],
)
def test_malformed_records_say_why(key: bytes | None, value: bytes | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_record(key, value)


def test_bad_rows_are_refused_by_the_codec() -> None:
    with pytest.raises(TypeError, match="must be a map"):
        encode_record("enrichment", "t", ("asset", "h", "not a map"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be strings"):
        encode_tombstone("enrichment", "t", ("asset", 7))  # type: ignore[arg-type]


def test_offsets_live_beside_the_store(tmp_path: Path) -> None:
    assert offsets_path(tmp_path / "lookup" / "lookup.db") == (
        tmp_path / "lookup" / "lookup-topic-offsets.json"
    )


# ----------------------------------------------------------------------- against Kafka


def _topic() -> str:
    return f"lookup-test-{uuid.uuid4().hex[:12]}"


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _rows(n: int, source: str = "feed") -> list[tuple[str, str, dict[str, object]]]:
    return [("ip", f"10.0.0.{i}", {"source": source, "n": i}) for i in range(n)]


@pytest.fixture
def follow(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Callable[..., LookupFollower]]:
    """Make followers on fresh data directories (or a given one); all closed at the end."""
    made: list[LookupFollower] = []

    def make(topic: str, where: str = "data", **options: float) -> LookupFollower:
        follower = LookupFollower(kafka_bootstrap, topic, tmp_path / where, **options)  # type: ignore[arg-type]
        made.append(follower)
        return follower

    yield make
    for follower in made:
        follower.close()


@pytest.mark.kafka
def test_a_follower_materialises_exactly_the_rows(
    kafka_bootstrap: str, follow: Callable[..., LookupFollower]
) -> None:
    topic = _topic()
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        assert writer.put_many("threatintel", _rows(50)) == 50
        assert writer.put_many("enrichment", [("asset", "h1", {"owner": "ops"})], "f") == 1
    follower = follow(topic)
    assert follower.catch_up(TIMEOUT) == 51
    store = follower.store
    assert len(store) == 51
    assert store.get("threatintel", "ip", "10.0.0.7") == {"source": "feed", "n": 7}
    assert store.get("enrichment", "asset", "h1", "f") == {"owner": "ops"}
    assert store.get("enrichment", "asset", "h1") is None  # the column family is kept

    second = follow(topic, "other")
    assert second.catch_up(TIMEOUT) == 51
    assert second.store.get("threatintel", "ip", "10.0.0.7") == {"source": "feed", "n": 7}
    assert len(second.store) == 51


@pytest.mark.kafka
def test_a_restart_resumes_from_the_stored_offsets(
    kafka_bootstrap: str, follow: Callable[..., LookupFollower], tmp_path: Path
) -> None:
    topic = _topic()
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        writer.put_many("threatintel", _rows(20))
    first = follow(topic)
    assert first.catch_up(TIMEOUT) == 20
    first.close()
    saved = json.loads(offsets_path(first.store.path).read_text())
    assert saved == {"topic": topic, "offsets": {"0": 20}}

    assert follow(topic).catch_up(TIMEOUT) == 0  # nothing applied again
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        writer.put_many("threatintel", [("ip", "10.9.9.9", {"source": "late"})])
    again = follow(topic)
    assert again.catch_up(TIMEOUT) == 1
    assert len(again.store) == 21
    again.close()

    # a store deleted to rebuild it is filled again, whatever the offsets file says
    for path in again.store.path.parent.glob("lookup.db*"):
        path.unlink()
    rebuilt = follow(topic)
    assert rebuilt.catch_up(TIMEOUT) == 21
    assert len(rebuilt.store) == 21


@pytest.mark.kafka
def test_an_update_replaces_and_a_tombstone_deletes(
    kafka_bootstrap: str, follow: Callable[..., LookupFollower]
) -> None:
    topic = _topic()
    follower = follow(topic)
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        writer.put_many("threatintel", _rows(3))
    follower.catch_up(TIMEOUT)
    generation = follower.store.generation()
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        writer.put_many("threatintel", [("ip", "10.0.0.1", {"source": "newer"})])
        assert writer.delete_many("threatintel", [("ip", "10.0.0.2")]) == 1
    assert follower.catch_up(TIMEOUT) == 2
    store = follower.store
    assert store.get("threatintel", "ip", "10.0.0.1") == {"source": "newer"}
    assert not store.exists("threatintel", "ip", "10.0.0.2")
    assert store.exists("threatintel", "ip", "10.0.0.0")
    assert store.generation() != generation  # enrichment caches drop their answers

    fresh = follow(topic, "fresh")  # replaying the whole topic ends in the same state
    fresh.catch_up(TIMEOUT)
    assert fresh.store.get("threatintel", "ip", "10.0.0.1") == {"source": "newer"}
    assert not fresh.store.exists("threatintel", "ip", "10.0.0.2")
    assert len(fresh.store) == 2


@pytest.mark.kafka
def test_catch_up_waits_for_everything_present(
    kafka_bootstrap: str, follow: Callable[..., LookupFollower]
) -> None:
    topic = _topic()
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        for start in range(0, 3000, 500):
            writer.put_many(
                "threatintel", [("ip", f"i{i}", {"n": i}) for i in range(start, start + 500)]
            )
    follower = follow(topic, batch_size=100)  # many batches, each saved
    assert follower.catch_up(TIMEOUT) == 3000
    assert len(follower.store) == 3000


@pytest.mark.kafka
def test_catch_up_on_a_missing_topic_applies_nothing(
    follow: Callable[..., LookupFollower],
) -> None:
    follower = follow(_topic())
    assert follower.catch_up(TIMEOUT) == 0
    assert len(follower.store) == 0


@pytest.mark.kafka
def test_a_running_follower_picks_up_a_topic_created_later(
    kafka_bootstrap: str, follow: Callable[..., LookupFollower]
) -> None:
    topic = _topic()
    follower = follow(topic, refresh=0.2)
    follower.catch_up(TIMEOUT)
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    thread.start()
    try:
        with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
            writer.put_many("threatintel", _rows(5))
        _wait_for(lambda: len(follower.store) == 5, "the first rows")
        with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
            writer.delete_many("threatintel", [("ip", "10.0.0.0")])
        _wait_for(lambda: len(follower.store) == 4, "the deletion")
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive()


@pytest.mark.kafka
def test_an_unreachable_broker_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MetronError, match=r"cannot reach Kafka at 127\.0\.0\.1:9"):
        KafkaLookupWriter("127.0.0.1:9", "metron.lookup")
    with (
        LookupFollower("127.0.0.1:9", "metron.lookup", tmp_path) as follower,
        pytest.raises(MetronError, match=r"cannot reach Kafka at 127\.0\.0\.1:9"),
    ):
        follower.catch_up(TIMEOUT)


@pytest.mark.kafka
@pytest.mark.parametrize("how", ["option", "environment"])
def test_load_flatfile_with_kafka_end_to_end(
    kafka_bootstrap: str, run_metron: Run, tmp_path: Path, how: str
) -> None:
    topic = _topic()
    (tmp_path / "bad.csv").write_text("10.1.1.1,botnet\n10.1.1.2,scanner\n")
    extractor = {
        "config": {
            "columns": {"ip": 0, "kind": 1},
            "indicator_column": "ip",
            "type": "malicious_ip",
            "separator": ",",
        },
        "extractor": "CSV",
    }
    (tmp_path / "extractor.json").write_text(json.dumps(extractor))
    command = ["load", "flatfile", "-i", "bad.csv", "-e", "extractor.json", "-t", "threatintel"]
    if how == "option":
        done = run_metron(*command, "--kafka", kafka_bootstrap, "--lookup-topic", topic)
    else:
        env = {"METRON_KAFKA_BROKERS": kafka_bootstrap}
        done = run_metron(*command, "--lookup-topic", topic, env=env)
    assert done.returncode == 0, done.stderr
    assert f"Kafka topic {topic} at {kafka_bootstrap}" in done.stderr
    assert not (tmp_path / "data" / "lookup" / "lookup.db").exists()  # nothing local

    with LookupFollower(kafka_bootstrap, topic, tmp_path / "worker") as follower:
        assert follower.catch_up(TIMEOUT) == 2
    with SqliteLookup.in_data_dir(tmp_path / "worker") as store:
        service = EnrichmentService(store)
        assert service.get("malicious_ip", "10.1.1.2", "threatintel", "t") == {
            "ip": "10.1.1.2",
            "kind": "scanner",
        }
        assert service.exists("malicious_ip", "10.1.1.1", "threatintel", "t")


@pytest.mark.kafka
def test_a_record_that_is_not_a_lookup_record_is_skipped(
    kafka_bootstrap: str, follow: Callable[..., LookupFollower]
) -> None:
    topic = _topic()
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        writer.put_many("threatintel", _rows(1))
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(topic, key=b"not a lookup key", value=b"{}")
    assert producer.flush(TIMEOUT) == 0
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        writer.put_many("threatintel", [("ip", "10.7.7.7", {"source": "after"})])
    follower = follow(topic)
    assert follower.catch_up(TIMEOUT) == 2
    assert follower.skipped == 1
    assert follower.store.exists("threatintel", "ip", "10.7.7.7")


@pytest.mark.kafka
def test_a_running_follower_reads_partitions_added_later(
    kafka_bootstrap: str, follow: Callable[..., LookupFollower]
) -> None:
    topic = _topic()
    with KafkaLookupWriter(kafka_bootstrap, topic) as writer:
        writer.put_many("threatintel", _rows(3))
    follower = follow(topic, refresh=0.2)
    follower.catch_up(TIMEOUT)
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    thread.start()
    try:
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        admin.create_partitions([NewPartitions(topic, 3)])[topic].result(timeout=TIMEOUT)
        producer = Producer({"bootstrap.servers": kafka_bootstrap})
        for partition in (1, 2):
            key, value = encode_record("threatintel", "t", ("ip", f"10.8.8.{partition}", {}))
            producer.produce(topic, key=key, value=value, partition=partition)
        assert producer.flush(TIMEOUT) == 0
        _wait_for(lambda: len(follower.store) == 5, "the rows of the new partitions")
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert json.loads(offsets_path(follower.store.path).read_text())["offsets"] == {
        "0": 3,
        "1": 1,
        "2": 1,
    }


@pytest.mark.parametrize("command", ["flatfile", "stix", "misp", "taxii"])
def test_every_lookup_loader_takes_kafka_options(command: str) -> None:
    from typer.testing import CliRunner

    from metron.cli.main import app

    shown = CliRunner().invoke(app, ["load", command, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "--kafka" in shown.output
    assert "--lookup-topic" in shown.output
    assert "METRON_KAFKA_BROKERS" in shown.output


def test_without_brokers_a_load_stays_local(run_metron: Run, tmp_path: Path) -> None:
    (tmp_path / "feed").mkdir()
    (tmp_path / "feed" / "manifest.json").write_text("{}")
    done = run_metron("load", "misp", "feed", env={"METRON_KAFKA_BROKERS": " "})
    assert done.returncode == 0, done.stderr
    assert f"written to the lookup store {tmp_path / 'data' / 'lookup' / 'lookup.db'}" in (
        done.stderr
    )
