"""Scale-out: the pipeline's stages as Kafka consumer-group workers on Metron's topics.

::

    <sensor topics> ─ parser workers ─▶ enrichments ─ enrichment workers ─▶ indexing
                          │                               │                    │
                          └──── errors ─▶ error topic ◀───┘        indexing workers
                                          (default: indexing)     alert store + lake

Each kind of worker is a consumer group (``<sensors>_parser`` for parsers, as Metron's
spouts named theirs; ``enrichments``; ``indexing``): start more processes, on this machine
or another, and Kafka shares the partitions among them; when one dies its partitions move
to the others at the next rebalance.

Delivery.  A batch's offsets are committed only after everything it produced is confirmed
by the brokers (parser and enrichment workers: ``acks=all``, idempotent producer) or held
by the stores (indexing workers: the alert store at once, the lake when its buffer is
written), so a crash replays what was not finished: at least once.  Parser workers derive
each message's guid from its record's topic, partition and offset, so a replay produces
the same guids, and the alert store replaces instead of duplicating.

Config.  Workers read the config tree from the compacted config topic (``metron config
push --kafka``), or from a local directory with ``--config-dir``, look again every few
seconds, and apply a valid change between two batches; an invalid one is logged and the
running config kept.  Enrichment workers also materialise the lookup topic (threat intel,
enrichment tables) into their local lookup store before they consume, and keep following
it (:mod:`metron.enrichment.lookup_topic`).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import orjson
from confluent_kafka import KafkaError, KafkaException, Message, Producer

from metron.arrowjson import set_threads
from metron.config.store import read_directory, validate
from metron.errors import ConfigError, MetronError
from metron.message import GUID, SOURCE_TYPE, ErrorRecord, dumps, origin_guids
from metron.runtime.allocator import settle
from metron.runtime.configwatch import ConfigFollower
from metron.runtime.metrics import Delta, Metrics, write_status
from metron.runtime.sources.base import Ack
from metron.runtime.stages import (
    ERROR_SENSOR,
    Batch,
    EnrichStage,
    IndexStage,
    ParseStage,
    check_buildable,
    parser_sensors,
)

__all__ = ["KINDS", "KafkaWorker", "topics_of"]

log = logging.getLogger(__name__)

Kind = Literal["parser", "enrichment", "indexing"]
KINDS: tuple[Kind, ...] = ("parser", "enrichment", "indexing")
#: Seconds between two looks at the config.
CONFIG_INTERVAL = 2.0
#: Seconds a batch may wait for the lake write (indexing workers).
LAKE_INTERVAL = 5.0
#: Seconds to wait for the brokers to confirm a batch's output.
PRODUCE_TIMEOUT = 60.0


def topics_of(tree: Mapping[str, Any]) -> dict[str, str]:
    """Metron's topic names from the global config, with Metron's defaults."""
    config = tree.get("global") or {}

    def name(key: str, default: str) -> str:
        value = config.get(key)
        return value if isinstance(value, str) and value else default

    return {
        "enrichments": name("enrichment.input.topic", "enrichments"),
        "indexing": name("enrichment.output.topic", "indexing"),
        "indexing_in": name("indexing.input.topic", "indexing"),
        "parser_error": name("parser.error.topic", "indexing"),
        "enrichment_error": name("enrichment.error.topic", "indexing"),
    }


class KafkaWorker:
    """One worker process of one ``kind`` (see the module docstring); :meth:`run` until
    ``stop`` is set."""

    def __init__(
        self,
        kind: Kind,
        brokers: str,
        data_dir: Path,
        *,
        config_dir: Path | None = None,
        config_topic: str | None = None,
        sensors: Sequence[str] | None = None,
        group: str | None = None,
        lookup_topic: str | None = None,
        batch_size: int = 1000,
        lake_interval: float = LAKE_INTERVAL,
    ) -> None:
        if kind not in KINDS:
            raise ConfigError(f"unknown worker kind {kind!r}: one of {', '.join(KINDS)}")
        self.kind = kind
        self.brokers = brokers
        self.data_dir = Path(data_dir)
        self.config_dir = config_dir
        self.config_topic = config_topic
        self.wanted_sensors = list(sensors) if sensors else None
        self.group = group
        self.lookup_topic = lookup_topic
        self.batch_size = batch_size
        self.lake_interval = lake_interval
        self.metrics = Metrics()
        self.problems: list[str] = []
        self.tree = self._read_config()
        problems = self._check(self.tree)
        if problems:
            raise ConfigError("the config has problems:\n  " + "\n  ".join(problems))
        self._seq = itertools.count(1)
        self._producer: Producer | None = None
        self._delivery_errors: list[str] = []
        self._config = ConfigFollower(self._read_config, self._check, self.tree)
        self._source: Any = None  # the KafkaSource consuming, for its statistics
        self._follower_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ config

    def _read_config(self) -> dict[str, Any]:
        if self.config_dir is not None:
            return read_directory(self.config_dir)
        from metron.config import kafka as config_kafka

        return config_kafka.read(self.brokers, self.config_topic or config_kafka.DEFAULT_TOPIC)

    def _check(self, tree: Mapping[str, Any]) -> list[str]:
        problems = validate(tree) + check_buildable(tree, self.config_dir or Path("."))
        if self.kind == "parser":
            known = set(parser_sensors(tree))
            missing = [s for s in self.sensors_of(tree) if s not in known]
            if missing:
                problems.append(
                    f"no parser config for {', '.join(missing)}: push parsers/<sensor> first"
                )
            if not self.sensors_of(tree):
                problems.append("no sensors to parse: name them with --sensors")
        return problems

    def sensors_of(self, tree: Mapping[str, Any]) -> list[str]:
        """The sensors a parser worker reads: those asked for, else every configured one."""
        return self.wanted_sensors or parser_sensors(tree)

    def _subscription(self, tree: Mapping[str, Any]) -> dict[str, str]:
        """Sensor (or stage) -> the topic it reads."""
        topics = topics_of(tree)
        if self.kind == "parser":
            out = {}
            for sensor in self.sensors_of(tree):
                parser = tree.get(f"parsers/{sensor}") or {}
                topic = parser.get("sensorTopic") if isinstance(parser, dict) else None
                out[sensor] = _kafka_topic(topic or sensor)
            return out
        if self.kind == "enrichment":
            return {"enrichments": topics["enrichments"]}
        return {"indexing": topics["indexing_in"]}

    def group_id(self, tree: Mapping[str, Any]) -> str:
        if self.group:
            return self.group
        if self.kind == "parser":
            return "__".join(self.sensors_of(tree)) + "_parser"
        return "enrichments" if self.kind == "enrichment" else "indexing"

    # ------------------------------------------------------------------ running

    def run(self, stop: threading.Event, on_started: Callable[[], None] | None = None) -> None:
        """Consume, process and produce (or store) until ``stop`` is set; then finish the
        batches taken, commit, and return."""
        from metron.runtime.sources.kafka import KafkaSource

        follower = self._follow_lookups(stop) if self.kind == "enrichment" else None
        stage = self._build(self.tree)
        inbox: queue.Queue[tuple[str, list[bytes], Ack, list[str] | None, float]] = queue.Queue(
            maxsize=4
        )
        source_stop = threading.Event()

        def emit(
            sensor: str,
            records: Sequence[bytes],
            ack: Ack,
            origins: Sequence[str] | None = None,
        ) -> None:
            item = (sensor, list(records), ack, list(origins) if origins else None, time.time())
            while not source_stop.is_set():
                with contextlib.suppress(queue.Full):
                    inbox.put(item, timeout=0.2)
                    return

        def start_source(tree: Mapping[str, Any]) -> tuple[KafkaSource, threading.Thread]:
            source = KafkaSource(
                self.brokers,
                self._subscription(tree),
                self.group_id(tree),
                batch_size=self.batch_size,
                extra_config={"session.timeout.ms": 10_000, "heartbeat.interval.ms": 1_000},
            )
            thread = threading.Thread(
                target=source.run, args=(emit, source_stop), name=source.name, daemon=True
            )
            thread.start()
            self._source = source
            return source, thread

        source, thread = start_source(self.tree)
        set_threads(False)  # workers share the machine's cores
        settle()  # what was built to start lives as long as the worker
        pending: list[Ack] = []  # indexing: stored, waiting for the lake write
        oldest = 0.0
        next_config = time.monotonic() + CONFIG_INTERVAL
        next_status = 0.0
        if on_started is not None:
            on_started()
        try:
            while not stop.is_set():
                try:
                    item = inbox.get(timeout=0.2)
                except queue.Empty:
                    item = None
                if item is not None:
                    ack = self._handle(stage, *item)
                    if ack is not None:
                        if not pending:
                            oldest = time.monotonic()
                        pending.append(ack)
                if pending and (
                    isinstance(stage, IndexStage)
                    and (stage.lake_full() or time.monotonic() - oldest >= self.lake_interval)
                ):
                    pending = self._durable(stage, pending)
                if isinstance(stage, EnrichStage) and stage.lookup_appeared():
                    stage = self._rebuilt(stage, self.tree)  # lookup data arrived: use it
                now = time.monotonic()
                if now >= next_config:
                    next_config = now + CONFIG_INTERVAL
                    fresh = self._config.poll()
                    if fresh is not None:
                        pending = self._durable(stage, pending)
                        old_subscription = self._subscription(self.tree)
                        stage = self._rebuilt(stage, fresh)
                        if self._subscription(fresh) != old_subscription:
                            source_stop.set()
                            thread.join()
                            source.close()
                            source_stop.clear()
                            source, thread = start_source(fresh)
                        self.tree = fresh
                if now >= next_status:
                    next_status = now + 1.0
                    self._write_status()
        finally:
            source_stop.set()
            thread.join(timeout=30)
            # what was taken but not processed is left uncommitted: Kafka gives it again
            pending = self._durable(stage, pending)
            source.close()
            _close(stage)
            if self._producer is not None:
                self._producer.flush(PRODUCE_TIMEOUT)
            if follower is not None:
                stop.set()  # also when leaving on an error: the follower's thread ends
                if self._follower_thread is not None:
                    self._follower_thread.join(timeout=30)
                follower.close()
            self._write_status(stopped=True)

    def _build(self, tree: Mapping[str, Any]) -> ParseStage | EnrichStage | IndexStage:
        config_dir = self.config_dir or self.data_dir
        if self.kind == "parser":
            return ParseStage(tree, self.sensors_of(tree))
        if self.kind == "enrichment":
            return EnrichStage(tree, config_dir, self.data_dir)
        return IndexStage(tree, self.data_dir)

    def _rebuilt(
        self, stage: ParseStage | EnrichStage | IndexStage, tree: Mapping[str, Any]
    ) -> ParseStage | EnrichStage | IndexStage:
        try:
            fresh = self._build(tree)
        except (MetronError, OSError) as e:
            self._problem(f"the new config was not applied: {e}")
            return stage
        _close(stage)
        settle()
        log.warning("%s worker: config change applied", self.kind)
        return fresh

    def _problem(self, text: str) -> None:
        log.error("%s worker: %s", self.kind, text)
        self.problems = [*self.problems[-19:], text]

    def _follow_lookups(self, stop: threading.Event) -> Any:
        """Materialise the lookup topic into the local store before consuming."""
        if self.lookup_topic is None:
            return None
        from metron.enrichment.lookup_topic import LookupFollower

        follower = LookupFollower(self.brokers, self.lookup_topic, self.data_dir)
        applied = follower.catch_up(PRODUCE_TIMEOUT)
        log.info("lookup topic %s: %d rows applied", self.lookup_topic, applied)
        self._follower_thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
        self._follower_thread.start()
        return follower

    # ------------------------------------------------------------------ one batch

    def _handle(
        self,
        stage: ParseStage | EnrichStage | IndexStage,
        sensor: str,
        records: list[bytes],
        ack: Ack,
        origins: list[str] | None,
        emitted: float,
    ) -> Ack | None:
        """Process one consumed batch; ack it (or return the ack when it must wait for the
        lake)."""
        delta = Delta()
        topics = topics_of(self.tree)
        if isinstance(stage, ParseStage):
            batch = Batch(next(self._seq), sensor, records, origins, emitted)
            messages, errors = stage.process(batch, delta)
            parser = self.tree.get(f"parsers/{sensor}") or {}
            out = parser.get("outputTopic") if isinstance(parser, dict) else None
            self._produce(out or topics["enrichments"], messages)
            self._produce(_error_topic(parser, topics), errors)
            self._confirm()
            delta.count(sensor, "source", in_=len(records), out=len(records))
            self.metrics.merge(delta)
            ack()
            return None
        messages, bad = _decode(records, origins, self.kind, sensor)
        if isinstance(stage, EnrichStage):
            by_sensor: dict[str, list[dict[str, Any]]] = {}
            for message in messages:
                by_sensor.setdefault(str(message.get(SOURCE_TYPE, "")), []).append(message)
            errors = bad
            for name, group in by_sensor.items():
                enriched, problems = stage.process(group, name, emitted, delta)
                self._produce(topics["indexing"], enriched)
                errors += problems
            self._produce(topics["enrichment_error"], errors)
            self._confirm()
            self.metrics.merge(delta)
            ack()
            return None
        written = stage.write(messages + bad, ERROR_SENSOR)
        for name in {str(m.get(SOURCE_TYPE, ERROR_SENSOR)) for m in messages}:
            count = sum(1 for m in messages if m.get(SOURCE_TYPE, ERROR_SENSOR) == name)
            delta.count(name, "indexing", in_=count, out=count)
            delta.observe(name, "indexing", time.time() - emitted, count)
        if bad:
            delta.count(ERROR_SENSOR, "indexing", in_=len(bad), out=len(bad))
        self.metrics.merge(delta)
        log.debug("indexed %d", written)
        if not stage.lake_rows:
            ack()
            return None
        return ack

    def _durable(self, stage: Any, pending: list[Ack]) -> list[Ack]:
        if pending:
            if isinstance(stage, IndexStage):
                stage.flush_lake()
            for ack in pending:
                ack()
        return []

    def _produce(self, topic: str, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        producer = self._producer
        if producer is None:
            producer = self._producer = Producer(
                {
                    "bootstrap.servers": self.brokers,
                    "acks": "all",
                    "enable.idempotence": True,
                    "linger.ms": 5,
                    "compression.type": "lz4",
                    "message.timeout.ms": int(PRODUCE_TIMEOUT * 1000),
                }
            )
        for message in messages:
            key = message.get(GUID)
            value = dumps(message)
            while True:
                try:
                    producer.produce(
                        topic,
                        value=value,
                        key=key.encode() if isinstance(key, str) else None,
                        on_delivery=self._delivered,
                    )
                    break
                except BufferError:  # the local queue is full: let it drain
                    producer.poll(0.1)
        producer.poll(0)

    def _delivered(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            self._delivery_errors.append(f"{message.topic()}: {error.str()}")

    def _confirm(self) -> None:
        """Wait until the brokers confirmed everything produced; a failure stops the
        worker before it commits (the batch is then read again)."""
        if self._producer is None:
            return
        left = self._producer.flush(PRODUCE_TIMEOUT)
        if self._delivery_errors or left:
            problems = "; ".join(self._delivery_errors[:5]) or f"{left} unconfirmed"
            raise MetronError(f"Kafka did not take the {self.kind} worker's output: {problems}")

    # ------------------------------------------------------------------ status

    def status(self) -> dict[str, Any]:
        source = self._source
        if source is not None:
            stats = source.stats
            self.metrics.source_stats(
                source.name,
                {
                    "records": stats.records,
                    "bytes": stats.bytes,
                    "dropped": stats.dropped,
                    "errors": stats.errors,
                    "details": dict(stats.details),
                },
            )
        snapshot = self.metrics.snapshot()
        snapshot["platform"] = {
            "kind": self.kind,
            "brokers": self.brokers,
            "group": self.group_id(self.tree),
            "problems": list(self.problems),
            "config_error": self._config.error,
        }
        return snapshot

    def _write_status(self, stopped: bool = False) -> None:
        self.metrics.tick()
        snapshot = self.status()
        snapshot["platform"]["stopped"] = stopped
        path = self.data_dir / "run" / f"worker-{self.kind}-{os.getpid()}.json"
        try:
            write_status(path, snapshot, os.getpid())
        except OSError as e:
            log.warning("status not written: %s", e)


def _kafka_topic(topic: str) -> str:
    """Metron's ``/regex/`` topic form as librdkafka's ``^regex``."""
    if len(topic) > 2 and topic.startswith("/") and topic.endswith("/"):
        body = topic[1:-1]
        return body if body.startswith("^") else f"^{body}"
    return topic


def _error_topic(parser: Any, topics: Mapping[str, str]) -> str:
    topic = parser.get("errorTopic") if isinstance(parser, dict) else None
    return topic if isinstance(topic, str) and topic else topics["parser_error"]


def _decode(
    records: list[bytes], origins: list[str] | None, kind: str, sensor: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """JSON messages from records; a record that is not a JSON object is an error (with a
    guid from its origin, so a replay replaces it)."""
    messages: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        try:
            value = orjson.loads(record)
            if not isinstance(value, dict):
                raise ValueError("a message must be a JSON object")
        except ValueError as e:
            error = ErrorRecord(f"{kind}_error", [sensor], [record], exception=e).to_message()
            if origins is not None:
                error[GUID] = next(origin_guids(ERROR_SENSOR, origins[i]))
            errors.append(error)
            continue
        messages.append(value)
    return messages, errors


def _close(stage: Any) -> None:
    close = getattr(stage, "close", None)
    if close is not None:
        try:
            close()
        except (KafkaException, OSError, MetronError) as e:
            log.warning("closing the stage: %s", e)
