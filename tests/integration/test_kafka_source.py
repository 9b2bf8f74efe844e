"""KafkaSource against a real broker: batches per sensor, regex topics, acked offsets
committed and un-acked ones redelivered, a group of two sources sharing partitions, and a
prompt stop.  Every wait has a deadline; topics and groups are unique per test."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from metron.runtime.sources.base import Ack
from metron.runtime.sources.kafka import KafkaSource

pytestmark = pytest.mark.kafka

TIMEOUT = 20.0  # seconds any single step may take before the test fails
FAST_GROUP = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def admin(kafka_bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": kafka_bootstrap})


def _create_topic(admin: AdminClient, topic: str, partitions: int = 1) -> None:
    futures = admin.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=1)],
        operation_timeout=TIMEOUT,
    )
    futures[topic].result(timeout=TIMEOUT)

    def ready() -> bool:
        meta = admin.list_topics(topic, timeout=TIMEOUT).topics.get(topic)
        return meta is not None and meta.error is None and len(meta.partitions) == partitions

    _wait_for(ready, f"metadata of {topic}")


def _produce(
    bootstrap: str, topic: str, values: Sequence[bytes | None], partitions: int | None = None
) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"})
    errors: list[KafkaError] = []

    def delivered(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            errors.append(err)

    for i, value in enumerate(values):
        extra = {} if partitions is None else {"partition": i % partitions}
        producer.produce(topic, value=value, on_delivery=delivered, **extra)
        producer.poll(0)
    assert producer.flush(TIMEOUT) == 0, "messages left undelivered"
    assert errors == []


class Running:
    """A KafkaSource running in a thread, collecting what it emits (acking on request)."""

    def __init__(self, source: KafkaSource, *, auto_ack: bool = False) -> None:
        self.source = source
        self.auto_ack = auto_ack
        self.batches: list[tuple[str, list[bytes], Ack]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=source.run, args=(self.emit, self.stop))
        self.thread.start()

    def emit(
        self,
        sensor: str,
        records: Sequence[bytes],
        ack: Ack,
        origins: Sequence[str] | None = None,
    ) -> None:
        with self.lock:
            self.batches.append((sensor, list(records), ack))
        if self.auto_ack:
            ack()

    def records(self) -> list[bytes]:
        with self.lock:
            return [r for _, records, _ in self.batches for r in records]

    def wait_records(self, count: int) -> list[bytes]:
        _wait_for(lambda: len(self.records()) >= count, f"{count} records")
        return self.records()

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "run did not return after stop"
        self.source.close()


@pytest.fixture
def running() -> Iterator[Callable[..., Running]]:
    """Start sources; each is stopped and closed at the end of the test."""
    started: list[Running] = []

    def start(source: KafkaSource, **kwargs: Any) -> Running:
        started.append(Running(source, **kwargs))
        return started[-1]

    yield start
    for run in started:
        if run.thread.is_alive() or not run.stop.is_set():
            run.finish()


def _source(bootstrap: str, topics: Any, group: str, **kwargs: Any) -> KafkaSource:
    kwargs.setdefault("extra_config", FAST_GROUP)
    return KafkaSource(bootstrap, topics, group, **kwargs)


def _committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        wanted = [TopicPartition(topic, p) for p in range(partitions)]
        return {tp.partition: tp.offset for tp in consumer.committed(wanted, timeout=TIMEOUT)}
    finally:
        consumer.close()


def test_records_reach_emit_in_batches(
    admin: AdminClient, kafka_bootstrap: str, running: Callable[..., Running]
) -> None:
    topic = _name("batches")
    _create_topic(admin, topic)
    values = [f"line {i}".encode() for i in range(25)]
    _produce(kafka_bootstrap, topic, [*values[:10], None, *values[10:]])
    run = running(_source(kafka_bootstrap, {"bro": topic}, _name("g"), batch_size=10))
    assert run.wait_records(25) == values  # one partition: in order; the null is skipped
    sizes = [len(records) for _, records, _ in run.batches]
    assert sizes[:2] == [10, 10] and sum(sizes) == 25
    assert {sensor for sensor, _, _ in run.batches} == {"bro"}
    run.finish()
    stats = run.source.stats
    assert (stats.records, stats.batches) == (25, len(sizes))


def test_two_sensors_on_two_topics(
    admin: AdminClient, kafka_bootstrap: str, running: Callable[..., Running]
) -> None:
    bro, snort = _name("bro"), _name("snort")
    _create_topic(admin, bro)
    _create_topic(admin, snort)
    _produce(kafka_bootstrap, bro, [f"bro {i}".encode() for i in range(30)])
    _produce(kafka_bootstrap, snort, [f"snort {i}".encode() for i in range(20)])
    run = running(_source(kafka_bootstrap, [("bro", bro), ("snort", snort)], _name("g")))
    run.wait_records(50)
    for sensor, records, _ in run.batches:
        assert records and all(r.startswith(sensor.encode()) for r in records)
    by_sensor = {s: sum(len(r) for x, r, _ in run.batches if x == s) for s in ("bro", "snort")}
    assert by_sensor == {"bro": 30, "snort": 20}


def test_regex_topic_subscription(
    admin: AdminClient, kafka_bootstrap: str, running: Callable[..., Running]
) -> None:
    prefix = _name("rx")
    exact = f"{prefix}-exact"
    for topic in (f"{prefix}-a", f"{prefix}-b", exact):
        _create_topic(admin, topic)
        _produce(kafka_bootstrap, topic, [f"{topic} {i}".encode() for i in range(5)])
    # The exact name wins over the regex that also matches it.
    topics = {"many": f"^{prefix}-.*", "one": exact}
    run = running(_source(kafka_bootstrap, topics, _name("g"), max_delay=0.05))
    run.wait_records(15)
    for sensor, records, _ in run.batches:
        expected = "one" if records[0].startswith(exact.encode()) else "many"
        assert sensor == expected
    assert sorted(run.records()) == sorted(
        f"{prefix}-{t} {i}".encode() for t in ("a", "b", "exact") for i in range(5)
    )


def test_acked_offsets_are_committed_and_unacked_redelivered(
    admin: AdminClient, kafka_bootstrap: str, running: Callable[..., Running]
) -> None:
    topic, group = _name("ack"), _name("g")
    _create_topic(admin, topic)
    values = [f"r{i}".encode() for i in range(20)]
    _produce(kafka_bootstrap, topic, values)

    first = running(_source(kafka_bootstrap, {"s": topic}, group, batch_size=5))
    first.wait_records(20)
    assert [len(r) for _, r, _ in first.batches] == [5, 5, 5, 5]
    first.batches[0][2]()  # acks arrive in emit order: the first two batches are stored
    first.batches[1][2]()
    first.finish()  # a crash after that: batches 3 and 4 were never acked
    assert _committed(kafka_bootstrap, group, topic, 1) == {0: 10}

    second = running(_source(kafka_bootstrap, {"s": topic}, group, batch_size=5))
    assert second.wait_records(10) == values[10:]
    time.sleep(0.3)
    assert second.records() == values[10:], "acked records were delivered again"
    for _, _, ack in second.batches:
        ack()
    second.finish()
    assert _committed(kafka_bootstrap, group, topic, 1) == {0: 20}

    _produce(kafka_bootstrap, topic, [b"late"])
    third = running(_source(kafka_bootstrap, {"s": topic}, group, batch_size=5))
    assert third.wait_records(1) == [b"late"]


def test_ack_from_another_thread_is_committed_while_running(
    admin: AdminClient, kafka_bootstrap: str, running: Callable[..., Running]
) -> None:
    topic, group = _name("live"), _name("g")
    _create_topic(admin, topic)
    _produce(kafka_bootstrap, topic, [b"a", b"b", b"c"])
    run = running(_source(kafka_bootstrap, {"s": topic}, group, batch_size=3))
    run.wait_records(3)
    acker = threading.Thread(target=run.batches[0][2])
    acker.start()
    acker.join(timeout=5)
    _wait_for(lambda: _committed(kafka_bootstrap, group, topic, 1) == {0: 3}, "the commit")


def test_two_sources_in_one_group_split_the_partitions(
    admin: AdminClient, kafka_bootstrap: str, running: Callable[..., Running]
) -> None:
    topic, group = _name("split"), _name("g")
    _create_topic(admin, topic, 4)
    one = running(_source(kafka_bootstrap, {"s": topic}, group), auto_ack=True)
    two = running(_source(kafka_bootstrap, {"s": topic}, group), auto_ack=True)

    def stable() -> bool:
        mine = one.source.stats.details.get("partitions", 0)
        theirs = two.source.stats.details.get("partitions", 0)
        return mine > 0 and theirs > 0 and mine + theirs == 4

    # Produce once the group is stable, so no record is read before a rebalance.
    _wait_for(stable, "a stable assignment")
    values = [f"m{i}".encode() for i in range(1000)]
    _produce(kafka_bootstrap, topic, values, partitions=4)
    _wait_for(lambda: len(one.records()) + len(two.records()) >= 1000, "1000 records")
    time.sleep(0.3)
    assert one.records() and two.records(), "one member read nothing"
    assert sorted(one.records() + two.records()) == sorted(values)  # each exactly once
    one.finish()
    two.finish()
    assert _committed(kafka_bootstrap, group, topic, 4) == {p: 250 for p in range(4)}


def test_stop_returns_promptly(
    admin: AdminClient, kafka_bootstrap: str, running: Callable[..., Running]
) -> None:
    topic = _name("idle")
    _create_topic(admin, topic)
    run = running(_source(kafka_bootstrap, {"s": topic}, _name("g")))
    _wait_for(lambda: run.source.stats.details.get("partitions") == 1, "the assignment")
    began = time.monotonic()
    run.stop.set()
    run.thread.join(timeout=5)
    assert not run.thread.is_alive()
    assert time.monotonic() - began < 1.0
    run.source.close()
    run.source.close()  # closing twice is harmless


def test_unreachable_broker_is_retried_not_a_crash(running: Callable[..., Running]) -> None:
    source = KafkaSource("127.0.0.1:1", {"s": "nowhere"}, _name("g"))
    run = running(source)
    _wait_for(lambda: source.stats.errors > 0, "an error to be counted", timeout=10)
    assert run.thread.is_alive()
    began = time.monotonic()
    run.finish()
    assert time.monotonic() - began < 2.0
    assert run.batches == []


def test_rebalance_commits_acked_and_redelivers_unacked(
    admin: AdminClient, kafka_bootstrap: str, running: Callable[..., Running]
) -> None:
    """A second member joins: the first commits what it acked before giving partitions up;
    what it had not acked is read again (by whichever member owns the partition now), and
    acks that arrive after the revoke no longer count."""
    topic, group = _name("rebalance"), _name("g")
    _create_topic(admin, topic, 4)
    one = running(_source(kafka_bootstrap, {"s": topic}, group))
    _wait_for(lambda: one.source.stats.details.get("partitions") == 4, "all four partitions")
    acked = [f"a{i}".encode() for i in range(40)]
    _produce(kafka_bootstrap, topic, acked, partitions=4)
    one.wait_records(40)
    for _, _, ack in list(one.batches):
        ack()
    _wait_for(
        lambda: _committed(kafka_bootstrap, group, topic, 4) == {p: 10 for p in range(4)}, "commit"
    )
    pending = [f"u{i}".encode() for i in range(40)]
    _produce(kafka_bootstrap, topic, pending, partitions=4)
    one.wait_records(80)
    seen = len(one.records())
    stale = [ack for _, records, ack in one.batches if records[0].startswith(b"u")]

    two = running(_source(kafka_bootstrap, {"s": topic}, group))

    def stable() -> bool:
        theirs = two.source.stats.details.get("partitions", 0)
        return theirs > 0 and one.source.stats.details.get("partitions", 0) + theirs == 4

    _wait_for(stable, "the rebalance")
    _wait_for(lambda: len(one.records()) - seen + len(two.records()) >= 40, "redelivery")
    assert sorted(one.records()[seen:] + two.records()) == sorted(pending)
    for ack in stale:  # acks of batches read before the revoke: ignored
        ack()
    one.finish()
    two.finish()
    assert _committed(kafka_bootstrap, group, topic, 4) == {p: 10 for p in range(4)}
