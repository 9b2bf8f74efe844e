"""Smoke tests of the real Apache Kafka broker the pipeline's workers will run against
(scripts/kafka-broker.sh; CI starts one and sets METRON_KAFKA_BOOTSTRAP): topics,
produce/consume, a consumer group splitting partitions, committed offsets, compaction."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

pytestmark = pytest.mark.kafka

TIMEOUT = 30.0  # seconds any single step may take before the test fails


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def admin(kafka_bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": kafka_bootstrap})


def _create_topic(admin: AdminClient, topic: str, partitions: int, **config: str) -> None:
    futures = admin.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=1, config=config)],
        operation_timeout=TIMEOUT,
    )
    futures[topic].result(timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while True:  # metadata reaches the broker's cache a moment after the controller
        topics = admin.list_topics(topic, timeout=TIMEOUT).topics
        meta = topics.get(topic)
        if meta is not None and meta.error is None and len(meta.partitions) == partitions:
            return
        assert time.monotonic() < deadline, f"topic {topic} has no metadata: {meta}"
        time.sleep(0.05)


def _produce(bootstrap: str, topic: str, count: int, partitions: int | None = None) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"})
    errors: list[KafkaError] = []

    def delivered(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            errors.append(err)

    for i in range(count):
        extra = {} if partitions is None else {"partition": i % partitions}
        producer.produce(topic, key=f"k{i}", value=f"message {i}", on_delivery=delivered, **extra)
        producer.poll(0)
    assert producer.flush(TIMEOUT) == 0, "messages left undelivered"
    assert errors == []


def _consumer(bootstrap: str, group: str, protocol: str = "classic") -> Consumer:
    config = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "group.protocol": protocol,
    }
    if protocol == "classic":
        config |= {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
    return Consumer(config)


def _drain(consumer: Consumer, messages: list[Message]) -> None:
    for msg in consumer.consume(num_messages=500, timeout=0.1):
        assert msg.error() is None, msg.error()
        messages.append(msg)


@pytest.fixture
def closing() -> Iterator[list[Consumer]]:
    """Consumers appended here are closed (leaving their group) after the test."""
    consumers: list[Consumer] = []
    yield consumers
    for consumer in consumers:
        consumer.close()


def test_topic_with_four_partitions(admin: AdminClient) -> None:
    topic = _name("four")
    _create_topic(admin, topic, 4)
    meta = admin.list_topics(topic, timeout=TIMEOUT).topics[topic]
    assert sorted(meta.partitions) == [0, 1, 2, 3]
    assert all(len(p.replicas) == 1 for p in meta.partitions.values())


def test_produce_and_consume_a_thousand(
    admin: AdminClient, kafka_bootstrap: str, closing: list[Consumer]
) -> None:
    topic = _name("thousand")
    _create_topic(admin, topic, 4)
    _produce(kafka_bootstrap, topic, 1000)
    consumer = _consumer(kafka_bootstrap, _name("group"))
    closing.append(consumer)
    consumer.subscribe([topic])
    received: list[Message] = []
    deadline = time.monotonic() + TIMEOUT
    while len(received) < 1000 and time.monotonic() < deadline:
        _drain(consumer, received)
    values = sorted(int(m.value().split()[1]) for m in received)
    assert values == list(range(1000))
    for msg in received:  # a key goes with its value
        assert msg.key() == b"k" + msg.value().split()[1]


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_group_of_two_splits_the_partitions_and_commits(
    admin: AdminClient, kafka_bootstrap: str, closing: list[Consumer], protocol: str
) -> None:
    """Two members of one group (classic rebalance protocol, and KIP-848's ``consumer``)
    share a 4-partition topic: each reads its own partitions, together all 1,000 messages
    once, and the offsets they commit are the ones they consumed."""
    topic, group = _name("split"), _name("group")
    _create_topic(admin, topic, 4)
    first = _consumer(kafka_bootstrap, group, protocol)
    second = _consumer(kafka_bootstrap, group, protocol)
    closing += [first, second]
    first.subscribe([topic])
    second.subscribe([topic])

    # Produce only once the group is stable, so no message is read before a rebalance.
    early: list[Message] = []
    deadline = time.monotonic() + TIMEOUT
    while True:
        _drain(first, early)
        _drain(second, early)
        mine = {p.partition for p in first.assignment()}
        theirs = {p.partition for p in second.assignment()}
        if mine and theirs and not mine & theirs and mine | theirs == {0, 1, 2, 3}:
            break
        assert time.monotonic() < deadline, f"no stable assignment: {mine} / {theirs}"
    assert early == []

    _produce(kafka_bootstrap, topic, 1000, partitions=4)
    got: dict[int, list[Message]] = {0: [], 1: []}
    deadline = time.monotonic() + TIMEOUT
    while len(got[0]) + len(got[1]) < 1000 and time.monotonic() < deadline:
        _drain(first, got[0])
        _drain(second, got[1])

    assert got[0] and got[1], "one member consumed nothing"
    assert {m.partition() for m in got[0]} <= mine
    assert {m.partition() for m in got[1]} <= theirs
    positions = [(m.partition(), m.offset()) for m in got[0] + got[1]]
    assert len(positions) == len(set(positions)) == 1000, "duplicates or missing messages"
    assert sorted(int(m.value().split()[1]) for m in got[0] + got[1]) == list(range(1000))

    first.commit(asynchronous=False)
    second.commit(asynchronous=False)
    consumed_to = {p: 0 for p in range(4)}
    for partition, offset in positions:
        consumed_to[partition] = max(consumed_to[partition], offset + 1)
    assert sum(consumed_to.values()) == 1000
    wanted = [TopicPartition(topic, p) for p in range(4)]
    committed = {tp.partition: tp.offset for tp in first.committed(wanted, timeout=TIMEOUT)}
    assert committed == consumed_to
    # A new member of the group starts where the group left off: nothing left to read.
    for consumer in (first, second):
        consumer.close()
    closing.clear()
    late = _consumer(kafka_bootstrap, group, protocol)
    closing.append(late)
    positions_late = late.committed(wanted, timeout=TIMEOUT)
    assert {tp.partition: tp.offset for tp in positions_late} == consumed_to


def test_compacted_topic(admin: AdminClient, kafka_bootstrap: str) -> None:
    topic = _name("compacted")
    _create_topic(admin, topic, 1, **{"cleanup.policy": "compact"})
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    configs = admin.describe_configs([resource])[resource].result(timeout=TIMEOUT)
    assert configs["cleanup.policy"].value == "compact"
    _produce(kafka_bootstrap, topic, 10)  # keyed messages are accepted
