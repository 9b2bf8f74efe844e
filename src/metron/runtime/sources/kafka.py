"""Raw telemetry from Kafka topics, as Metron's parser topologies read it.

One confluent-kafka consumer subscribes to every sensor's topic (``sensorTopic``, by
default the sensor's name) or topic regex (a leading ``^``, as Metron 0.7 allowed and
librdkafka expects).  Each record value is one raw record; records are grouped per sensor
into batches of ``batch_size``, or fewer once the oldest has waited ``max_delay`` seconds.

Offsets.  Auto-commit and auto offset-store are off: an offset is stored (``store_offsets``,
offset + 1 of a batch's last record per partition) only when the pipeline acks the batch,
and then committed (asynchronously; synchronously every ``sync_every`` acks, on partition
revoke and on :meth:`KafkaSource.close`).  Acks arrive in emit order, so an ack's offsets
never pass a record that is not yet stored.  A crash replays what was not acked: delivery is
at-least-once.  Null record values are skipped; their offsets ride on the next batch.

Threads.  A consumer must not be used from two threads at once, yet the pipeline acks from
its own threads.  So an ack only puts its offsets on a queue; the thread in :meth:`run`
drains that queue on every turn of its loop (at most ``POLL`` seconds apart) and stores and
commits them; :meth:`close`, called once ``run`` has returned, drains it a last time.  A lock
guards each use of the consumer, so a ``close`` racing a ``run`` waits for its turn.

Rebalance.  Each assignment of a partition gets a new epoch, recorded in the ack at emit
time.  On revoke the queued acks are applied and committed; then the partitions' epochs
end, their buffered records are dropped, and later acks for them are ignored: those records
go to the partitions' next owner from the committed offset (never backwards, which storing a
stale ack after a re-assignment could do).
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from metron.errors import ConfigError
from metron.runtime.sources.base import Emit, Source

__all__ = ["KafkaSource"]

log = logging.getLogger(__name__)

#: Longest wait for records in one turn of the run loop: bounds stop and ack latency.
POLL = 0.1
#: Seconds between librdkafka statistics (consumer lag) unless extra_config sets them.
STATS_INTERVAL_MS = 5000

_Partition = tuple[str, int]


@dataclass
class _Batch:
    """Records of one sensor waiting to be emitted, and the offsets they would commit."""

    #: (partition, offset, value) per record
    values: list[tuple[_Partition, int, bytes]] = field(default_factory=list)
    offsets: dict[_Partition, int] = field(default_factory=dict)
    since: float = 0.0  # monotonic time of the first value
    epochs: dict[_Partition, int] = field(default_factory=dict)

    def drop(self, gone: set[_Partition]) -> None:
        self.values = [entry for entry in self.values if entry[0] not in gone]
        self.offsets = {tp: o for tp, o in self.offsets.items() if tp not in gone}


class KafkaSource(Source):
    """Read sensors' raw records from Kafka (see the module docstring).

    ``topics`` maps each sensor to a topic name or a regex starting with ``^``; a record
    belongs to the sensor whose exact topic name it has, else to the first whose regex
    matches.  ``start`` is where a group without committed offsets begins;
    ``extra_config`` adds librdkafka settings (security, timeouts)."""

    def __init__(
        self,
        brokers: str,
        topics: Mapping[str, str] | Sequence[tuple[str, str]],
        group_id: str,
        *,
        batch_size: int = 1000,
        max_delay: float = 0.2,
        start: Literal["earliest", "latest"] = "earliest",
        extra_config: Mapping[str, Any] | None = None,
        sync_every: int = 100,
    ) -> None:
        super().__init__()
        pairs = list(topics.items()) if isinstance(topics, Mapping) else list(topics)
        if not pairs:
            raise ConfigError("kafka source: no sensor topics to read")
        if start not in ("earliest", "latest"):
            raise ConfigError(f"kafka source: start must be 'earliest' or 'latest', not {start!r}")
        if batch_size < 1 or max_delay <= 0:
            raise ConfigError("kafka source: batch_size must be >= 1 and max_delay > 0")
        self._exact: dict[str, str] = {}
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for sensor, topic in pairs:
            if topic.startswith("^"):
                try:
                    self._patterns.append((sensor, re.compile(topic)))
                except re.error as e:
                    raise ConfigError(
                        f"kafka source: sensor {sensor!r}: topic regex {topic!r}: {e}"
                    ) from None
            elif self._exact.setdefault(topic, sensor) != sensor:
                raise ConfigError(
                    f"kafka source: topic {topic!r} is read by both {self._exact[topic]!r} "
                    f"and {sensor!r}; give each sensor its own sensorTopic"
                )
        self._subscription = list(dict.fromkeys(topic for _, topic in pairs))
        self.name = f"kafka {','.join(self._subscription)}"
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.sync_every = max(1, sync_every)

        config: dict[str, Any] = {
            "bootstrap.servers": brokers,
            "group.id": group_id,
            "auto.offset.reset": start,
            "statistics.interval.ms": STATS_INTERVAL_MS,
            **(extra_config or {}),
            # The ack path below depends on these: not overridable.
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "error_cb": self._on_error,
            "stats_cb": self._on_stats,
            "on_commit": self._on_commit,
        }
        self._consumer = Consumer(config)
        self._lock = threading.Lock()  # one thread uses the consumer at a time
        self._acks: queue.SimpleQueue[tuple[dict[_Partition, int], dict[_Partition, int]]]
        self._acks = queue.SimpleQueue()
        self._epochs: dict[_Partition, int] = {}  # assigned partitions -> assignment epoch
        self._epoch = 0
        self._batches: dict[str, _Batch] = {}  # per sensor, filling
        self._full: list[tuple[str, _Batch]] = []  # filled, not yet emitted
        self._routes: dict[str, str | None] = {}
        self._unsynced = 0  # acks stored since the last synchronous commit
        self._subscribed = False
        self._closed = False
        self._last_error = ""

    # ------------------------------------------------------------------ the run loop

    def run(self, emit: Emit, stop: threading.Event) -> None:
        while not stop.is_set():
            with self._lock:
                if self._closed:
                    return
                if not self._subscribed:
                    self._consumer.subscribe(
                        self._subscription,
                        on_assign=self._on_assign,
                        on_revoke=self._on_revoke,
                        on_lost=self._on_lost,
                    )
                    self._subscribed = True
                self._apply_acks(commit=True)
                messages = self._consumer.consume(self.batch_size, timeout=self._wait())
                for message in messages:
                    self._take(message)
                ready = self._ready(time.monotonic())
            for sensor, batch in ready:
                if stop.is_set():
                    return  # nothing is emitted after stop; unemitted records are redelivered
                self._emit(emit, sensor, batch)

    def _wait(self) -> float:
        """How long the next poll may wait: until the oldest pending batch is due."""
        pending = [b.since for b in self._batches.values() if b.values]
        if not pending:
            return POLL
        due = min(pending) + self.max_delay - time.monotonic()
        return min(POLL, max(0.0, due))

    def _take(self, message: Message) -> None:
        error = message.error()
        if error is not None:
            self._report(error)
            return
        topic, partition, offset = message.topic(), message.partition(), message.offset()
        if topic is None or partition is None or offset is None:
            return
        sensor = self._sensor(topic)
        if sensor is None:
            self.count(errors=1)
            return
        batch = self._batches.get(sensor)
        if batch is None:  # (not setdefault: its default would be made for every record)
            batch = self._batches[sensor] = _Batch()
        tp = (topic, partition)
        batch.offsets[tp] = offset + 1
        value = message.value()
        if value is None:
            return  # a tombstone or empty record: nothing to parse
        if not batch.values:
            batch.since = time.monotonic()
        batch.values.append((tp, offset, value))
        if len(batch.values) >= self.batch_size:
            self._full.append((sensor, batch))
            self._batches[sensor] = _Batch()

    def _sensor(self, topic: str) -> str | None:
        if topic not in self._routes:
            sensor = self._exact.get(topic)
            if sensor is None:
                sensor = next((s for s, p in self._patterns if p.search(topic)), None)
            if sensor is None:
                log.warning("kafka source: records of topic %r match no sensor", topic)
            self._routes[topic] = sensor
        return self._routes[topic]

    def _ready(self, now: float) -> list[tuple[str, _Batch]]:
        """Take the full batches, and those whose oldest record has waited ``max_delay``."""
        ready, self._full = self._full, []
        for sensor, batch in self._batches.items():
            if batch.values and now - batch.since >= self.max_delay:
                ready.append((sensor, batch))
                self._batches[sensor] = _Batch()
        for _, batch in ready:  # the assignment each offset was read under
            batch.epochs = {tp: self._epochs.get(tp, -1) for tp in batch.offsets}
        return ready

    def _emit(self, emit: Emit, sensor: str, batch: _Batch) -> None:
        offsets, epochs = batch.offsets, batch.epochs
        values = [value for _, _, value in batch.values]
        origins = [
            f"{topic}:{partition}:{offset}" for (topic, partition), offset, _ in batch.values
        ]
        self.count(records=len(values), size=sum(len(v) for v in values))

        def ack() -> None:
            self._acks.put((offsets, epochs))

        emit(sensor, values, ack, origins)

    # ------------------------------------------------------------- acks and commits

    def _apply_acks(self, commit: bool) -> None:
        """Store the offsets of queued acks for partitions still in the same assignment;
        commit them (consumer thread, under the lock)."""
        stored = 0
        while True:
            try:
                offsets, epochs = self._acks.get_nowait()
            except queue.Empty:
                break
            live = [
                TopicPartition(t, p, o)
                for (t, p), o in offsets.items()
                if self._epochs.get((t, p), -2) == epochs[(t, p)]
            ]
            if live:
                try:
                    self._consumer.store_offsets(offsets=live)
                    stored += 1
                except KafkaException as e:
                    self._report(e.args[0])
        self._unsynced += stored
        if commit and stored:
            if self._unsynced >= self.sync_every:
                self._commit(sync=True)
            else:
                self._commit(sync=False)

    def _commit(self, sync: bool) -> None:
        try:
            if sync:
                self._consumer.commit(asynchronous=False)
            else:
                self._consumer.commit(asynchronous=True)
        except KafkaException as e:
            if e.args[0].code() != KafkaError._NO_OFFSET:
                self._report(e.args[0])
                return
        if sync:
            self._unsynced = 0

    def _on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._epoch += 1
        for p in partitions:
            self._epochs[(p.topic, p.partition)] = self._epoch
        self._count_partitions()
        log.info("kafka source %s: assigned %s", self.name, _names(partitions))

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Still assigned here: what was acked can be committed by this member.
        self._apply_acks(commit=False)
        self._commit(sync=True)
        self._forget(partitions)
        log.info("kafka source %s: revoked %s", self.name, _names(partitions))

    def _on_lost(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Already owned by another member: committing now could move its offsets back.
        self._forget(partitions)
        log.warning("kafka source %s: lost %s", self.name, _names(partitions))

    def _forget(self, partitions: list[TopicPartition]) -> None:
        gone = {(p.topic, p.partition) for p in partitions}
        for tp in gone:
            self._epochs.pop(tp, None)
        for batch in [*self._batches.values(), *(b for _, b in self._full)]:
            batch.drop(gone)
        self._count_partitions()

    def close(self) -> None:
        """Commit every acked offset and leave the consumer group (after ``run`` ends)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._apply_acks(commit=False)
                self._commit(sync=True)
            finally:
                self._consumer.close()

    # --------------------------------------------------------------- errors, stats

    def _on_error(self, error: KafkaError) -> None:
        self._report(error)

    def _on_commit(self, error: KafkaError | None, _partitions: list[TopicPartition]) -> None:
        if error is not None and error.code() != KafkaError._NO_OFFSET:
            self._report(error)

    def _report(self, error: KafkaError) -> None:
        """Count an error and log it (once while it repeats); librdkafka retries itself."""
        self.count(errors=1)
        if error.fatal():
            raise KafkaException(error)
        text = str(error)
        if text != self._last_error:
            self._last_error = text
            log.warning("kafka source %s: %s (retrying)", self.name, error.str())

    def _count_partitions(self) -> None:
        with self._stats_lock:
            self.stats.details["partitions"] = len(self._epochs)

    def _on_stats(self, stats_json: str) -> None:
        """librdkafka statistics: the consumer lag summed over assigned partitions."""
        try:
            topics = json.loads(stats_json).get("topics", {})
            lag = sum(
                max(0, int(p.get("consumer_lag", -1)))
                for topic, t in topics.items()
                for partition, p in t.get("partitions", {}).items()
                if partition != "-1" and (topic, int(partition)) in self._epochs
            )
        except (ValueError, AttributeError, TypeError):
            return
        with self._stats_lock:
            self.stats.details["lag"] = lag


def _names(partitions: list[TopicPartition]) -> str:
    return ", ".join(f"{p.topic}[{p.partition}]" for p in partitions) or "nothing"
