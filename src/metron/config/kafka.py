"""The configuration tree on a compacted Kafka topic, where Metron kept it in ZooKeeper.

One record per config key (``global``, ``parsers/<sensor>``, ...), its value the config as
compact JSON; the latest record of a key is its config, and a tombstone (a record without a
value) deletes it.  With ``cleanup.policy=compact`` Kafka keeps at least the latest record
of every key, so reading the topic from the beginning to its end gives the whole tree.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from metron.config import store
from metron.errors import ConfigError, MetronError

__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_TOPIC",
    "TIMEOUT",
    "PushResult",
    "client_config",
    "ensure_compacted_topic",
    "patch",
    "push",
    "read",
    "topic_partitions",
    "unreachable",
]

#: The topic the configs live on unless told otherwise.
DEFAULT_TOPIC = "metron.configs"
#: Seconds to wait for the brokers to answer at all.
CONNECT_TIMEOUT = 5.0
#: The bound of every other single step, in seconds.
TIMEOUT = 10.0


class PushResult:
    """What a push changed: keys written, keys deleted (tombstones), keys unchanged."""

    def __init__(self, written: list[str], deleted: list[str], unchanged: list[str]) -> None:
        self.written = written
        self.deleted = deleted
        self.unchanged = unchanged

    def __repr__(self) -> str:
        return f"PushResult(written={self.written}, deleted={self.deleted})"


def client_config(brokers: str) -> dict[str, Any]:
    """The settings every metron Kafka client starts from: the brokers, a short connection
    timeout, and librdkafka's own log kept off the terminal."""
    return {
        "bootstrap.servers": brokers,
        "socket.connection.setup.timeout.ms": int(CONNECT_TIMEOUT * 1000),
        "logger": _QUIET,
    }


# librdkafka's log lines (connection refused...) would clutter the CLI's output; the errors
# that matter come back as exceptions.
_QUIET = logging.getLogger("metron.config.kafka.librdkafka")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def unreachable(brokers: str, error: object) -> MetronError:
    """The error for brokers that do not answer, with the options that name them."""
    if isinstance(error, KafkaError):
        error = error.str()
    return MetronError(
        f"cannot reach Kafka at {brokers} ({error}); check --kafka / $METRON_KAFKA_BROKERS"
    )


def topic_partitions(client: AdminClient | Consumer, brokers: str, topic: str) -> list[int] | None:
    """The partitions of ``topic``; None when it does not exist."""
    try:
        # every topic's metadata: asking for one topic's can make the broker create it
        # (auto.create.topics.enable), with the default cleanup policy instead of compaction
        metadata = client.list_topics(timeout=CONNECT_TIMEOUT)
    except KafkaException as e:
        raise unreachable(brokers, e.args[0]) from None
    if not metadata.brokers:
        raise unreachable(brokers, "no broker answered")
    meta = metadata.topics.get(topic)
    if meta is None:
        return None
    if meta.error is not None:
        if meta.error.code() in (
            KafkaError.UNKNOWN_TOPIC_OR_PART,
            KafkaError._UNKNOWN_TOPIC,
            KafkaError.LEADER_NOT_AVAILABLE,
        ):
            return None
        raise MetronError(f"Kafka topic {topic}: {meta.error.str()}")
    return sorted(meta.partitions)


def ensure_compacted_topic(brokers: str, topic: str) -> None:
    """Create ``topic`` (compacted, one partition) when it is missing; wait until its
    metadata shows, so that a client started next finds it."""
    admin = AdminClient(client_config(brokers))
    if topic_partitions(admin, brokers, topic) is not None:
        return
    new = NewTopic(topic, num_partitions=1, config={"cleanup.policy": "compact"})
    futures = admin.create_topics([new], operation_timeout=TIMEOUT, request_timeout=TIMEOUT)
    try:
        futures[topic].result(timeout=TIMEOUT * 2)
    except KafkaException as e:
        error = e.args[0]
        if not (isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS):
            raise MetronError(f"cannot create Kafka topic {topic}: {error}") from None
    deadline = time.monotonic() + TIMEOUT
    while topic_partitions(admin, brokers, topic) is None:  # metadata trails the controller
        if time.monotonic() > deadline:
            raise MetronError(f"Kafka topic {topic} was created but has no metadata yet")
        time.sleep(0.05)


def _read(brokers: str, topic: str) -> dict[str, Any] | None:
    """The configs on ``topic``; None when the topic does not exist."""
    consumer = Consumer(
        {
            **client_config(brokers),
            "group.id": f"metron-config-{uuid.uuid4().hex}",  # never joined: partitions are assigned
            "enable.auto.commit": False,
            "enable.partition.eof": False,
        }
    )
    try:
        partitions = topic_partitions(consumer, brokers, topic)
        if partitions is None:
            return None
        ends: dict[int, int] = {}
        starts = []
        for p in partitions:
            try:
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, p), timeout=TIMEOUT
                )
            except KafkaException as e:
                raise unreachable(brokers, e.args[0]) from None
            if high > low:
                ends[p] = high
                starts.append(TopicPartition(topic, p, low))
        configs: dict[str, Any] = {}
        if not ends:
            return configs
        consumer.assign(starts)
        deadline = time.monotonic() + TIMEOUT * 3
        while ends:
            if time.monotonic() > deadline:
                left = ", ".join(f"{topic}[{p}]" for p in sorted(ends))
                raise MetronError(f"timed out reading the configs from Kafka: {left} unfinished")
            for message in consumer.consume(num_messages=1000, timeout=0.2):
                _take(message, configs, topic)
                partition, offset = message.partition(), message.offset()
                if (
                    partition is not None
                    and offset is not None
                    and offset + 1 >= ends.get(partition, offset + 2)
                ):
                    ends.pop(partition, None)
            if ends:  # offsets past the last record (transaction markers, compaction)
                for position in consumer.position([TopicPartition(topic, p) for p in list(ends)]):
                    if position.offset >= ends[position.partition]:
                        ends.pop(position.partition, None)
        return configs
    finally:
        consumer.close()


def _take(message: Message, configs: dict[str, Any], topic: str) -> None:
    error = message.error()
    if error is not None:
        if error.code() == KafkaError._PARTITION_EOF:
            return
        raise MetronError(f"reading Kafka topic {topic}: {error.str()}")
    raw_key = message.key()
    if raw_key is None:
        return  # not a config record
    key = raw_key.decode("utf-8", errors="replace") if isinstance(raw_key, bytes) else raw_key
    value = message.value()
    if value is None:
        configs.pop(key, None)
        return
    try:
        configs[key] = json.loads(value)
    except ValueError as e:
        raise MetronError(
            f"Kafka topic {topic}, offset {message.offset()}: config {key!r} is not valid JSON: {e}"
        ) from None


def read(brokers: str, topic: str = DEFAULT_TOPIC) -> dict[str, Any]:
    """Every config on ``topic``: its records from the beginning to the end of every
    partition, the latest value of a key winning and tombstones deleting."""
    configs = _read(brokers, topic)
    if configs is None:
        raise MetronError(f"Kafka topic {topic} does not exist: push the configs first")
    return configs


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _produce(brokers: str, topic: str, records: Mapping[str, Any | None]) -> None:
    """Write ``records`` (None: a tombstone) and wait until Kafka has every one."""
    producer = Producer(
        {
            **client_config(brokers),
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
            "message.timeout.ms": int(TIMEOUT * 3000),
        }
    )
    errors: list[str] = []

    def delivered(err: KafkaError | None, message: Message) -> None:
        if err is not None:
            key = message.key()
            errors.append(f"{key.decode() if isinstance(key, bytes) else key}: {err.str()}")

    for key, value in records.items():
        payload = None if value is None else _compact(value)
        try:
            producer.produce(topic, key=key.encode("utf-8"), value=payload, on_delivery=delivered)
        except (KafkaException, BufferError) as e:
            raise MetronError(f"cannot write config {key} to Kafka topic {topic}: {e}") from None
        producer.poll(0)
    left = producer.flush(TIMEOUT * 4)
    if errors:
        raise MetronError(f"Kafka did not take these configs: {'; '.join(errors)}")
    if left:
        raise MetronError(f"timed out writing to Kafka topic {topic}: {left} configs unconfirmed")


def _refuse(problems: list[str]) -> ConfigError:
    listed = "\n".join(f"  {p}" for p in problems)
    return ConfigError(f"invalid configs, nothing written:\n{listed}")


def push(
    brokers: str,
    configs: Mapping[str, Any],
    topic: str = DEFAULT_TOPIC,
    *,
    prune: bool = False,
) -> PushResult:
    """Write the keys of ``configs`` that are new or changed on ``topic``, as Metron's PUSH
    did; with ``prune``, also a tombstone for every key on the topic that ``configs`` lacks,
    so the topic holds exactly ``configs``.  The configs are validated first; any problem
    refuses the push with every problem listed and nothing written.  The topic is created
    (compacted, one partition) when missing."""
    problems = store.validate(configs)
    if problems:
        raise _refuse(problems)
    ensure_compacted_topic(brokers, topic)
    current = _read(brokers, topic) or {}
    records: dict[str, Any | None] = {}
    written, unchanged = [], []
    for key in store.sorted_keys(configs):
        if key in current and store.canonical(current[key]) == store.canonical(configs[key]):
            unchanged.append(key)
        else:
            written.append(key)
            records[key] = configs[key]
    deleted = [key for key in store.sorted_keys(current) if key not in configs] if prune else []
    records.update(dict.fromkeys(deleted))
    if records:
        _produce(brokers, topic, records)
    return PushResult(written, deleted, unchanged)


def patch(brokers: str, key: str, operations: Any, topic: str = DEFAULT_TOPIC) -> dict[str, Any]:
    """Apply RFC 6902 ``operations`` to the config ``key`` on ``topic``, validate the
    result, and write it back.  Returns the patched config."""
    configs = read(brokers, topic)
    if key not in configs:
        raise MetronError(f"no config {key} on Kafka topic {topic}: push it first")
    patched = store.apply_patch(configs[key], operations)
    problems = store.validate({key: patched})
    if problems:
        raise _refuse(problems)
    if store.canonical(patched) != store.canonical(configs[key]):
        _produce(brokers, topic, {key: patched})
    return patched
