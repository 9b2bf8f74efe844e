"""Lookup data on a compacted Kafka topic, so that every worker has it locally.

In scale-out (Kafka) mode enrichment workers run on several machines, and lookups never
cross the network: each worker reads its own :class:`~metron.enrichment.lookup.SqliteLookup`.
The data reaches them on one compacted topic (``metron.lookup`` unless told otherwise):
loaders publish to it with :class:`KafkaLookupWriter` (``metron load ... --kafka``), and
each worker's :class:`LookupFollower` materialises it into the local store and keeps
following it.

Record format.  The key is the row's identity, the store's primary key, as a compact JSON
array ``["<table>","<column family>","<type>","<indicator>"]`` (UTF-8), so compaction keeps
the latest record of every row.  The value is the row as a JSON object,
``{"table": ..., "column_family": ..., "type": ..., "indicator": ..., "value": {...}}``,
the value map written as the store writes it; a tombstone (no value) deletes the row.

Offsets.  A follower joins no consumer group: it assigns itself every partition and keeps
how far it got in ``<store dir>/<store name>-topic-offsets.json`` (for the default store,
``<data dir>/lookup/lookup-topic-offsets.json``), written after each applied batch.  A
crash in between applies that batch again on restart, which changes nothing: puts replace
and deleting an absent row does nothing.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, Self

import orjson
from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from metron.config.kafka import (
    TIMEOUT,
    client_config,
    ensure_compacted_topic,
    topic_partitions,
    unreachable,
)
from metron.enrichment.lookup import (
    DEFAULT_COLUMN_FAMILY,
    Row,
    SqliteLookup,
    encode_key,
    encode_row,
)
from metron.errors import MetronError
from metron.stellar.serialize import from_json

__all__ = [
    "DEFAULT_LOOKUP_TOPIC",
    "KafkaLookupWriter",
    "LookupFollower",
    "LookupRecord",
    "decode_record",
    "encode_record",
    "encode_tombstone",
    "offsets_path",
]

#: The topic lookup data travels on unless told otherwise.
DEFAULT_LOOKUP_TOPIC = "metron.lookup"

_log = logging.getLogger(__name__)


class LookupRecord(NamedTuple):
    """One decoded record of the lookup topic; ``value`` None is a deletion."""

    table: str
    column_family: str
    type: str
    indicator: str
    value: dict[str, Any] | None


def _key(table: str, column_family: str, enrichment_type: str, indicator: str) -> bytes:
    return orjson.dumps([table, column_family, enrichment_type, indicator])


def encode_record(table: str, column_family: str, row: Row) -> tuple[bytes, bytes]:
    """The ``(key, value)`` of a ``(type, indicator, value map)`` row of ``table``; a row of
    the wrong shape is a :class:`TypeError`, as for a store."""
    tbl, cf, enrichment_type, indicator, text = encode_row(table, column_family, row)
    value = {
        "table": tbl,
        "column_family": cf,
        "type": enrichment_type,
        "indicator": indicator,
        # the store's own JSON, so Java-typed values (longs, floats) keep their form
        "value": orjson.Fragment(text),
    }
    return _key(tbl, cf, enrichment_type, indicator), orjson.dumps(value)


def encode_tombstone(table: str, column_family: str, key: tuple[str, str]) -> bytes:
    """The key of the tombstone that deletes the ``(type, indicator)`` row (its value is
    null); a key of the wrong shape is a :class:`TypeError`."""
    return _key(*encode_key(table, column_family, key))


def decode_record(key: bytes | None, value: bytes | None) -> LookupRecord:
    """The record of a topic message; a :class:`ValueError` saying why when it is not one
    (the key decides which row it is: compaction keeps the latest value per key)."""
    if key is None:
        raise ValueError("no key")
    try:
        identity = orjson.loads(key)
    except orjson.JSONDecodeError:
        raise ValueError(f"the key is not JSON: {key[:80]!r}") from None
    if (
        not isinstance(identity, list)
        or len(identity) != 4
        or not all(isinstance(part, str) for part in identity)
    ):
        raise ValueError(f"the key is not [table, column family, type, indicator]: {key[:80]!r}")
    table, column_family, enrichment_type, indicator = identity
    if value is None:
        return LookupRecord(table, column_family, enrichment_type, indicator, None)
    try:
        row = from_json(value)
    except ValueError as e:
        raise ValueError(f"the value is not JSON: {e}") from None
    if not isinstance(row, dict) or not isinstance(row.get("value"), dict):
        raise ValueError("the value is not an object with a 'value' map")
    named = [row.get(field) for field in ("table", "column_family", "type", "indicator")]
    if named != identity:
        raise ValueError(f"the value names the row {named!r:.120}, the key another")
    return LookupRecord(table, column_family, enrichment_type, indicator, row["value"])


class KafkaLookupWriter:
    """Writes rows to the lookup topic as loaders write to a store: ``put_many`` (and
    ``delete_many`` for tombstones), as a context manager.  The topic is created (compacted,
    one partition) when missing; :meth:`flush` and :meth:`close` wait until Kafka has every
    record, and any record it refused is a :class:`MetronError` naming brokers and topic."""

    def __init__(self, brokers: str, topic: str = DEFAULT_LOOKUP_TOPIC) -> None:
        self.brokers = brokers
        self.topic = topic
        ensure_compacted_topic(brokers, topic)
        self._producer = Producer(
            {
                **client_config(brokers),
                "acks": "all",
                "enable.idempotence": True,  # retries neither duplicate nor reorder
                "linger.ms": 20,
                "message.timeout.ms": int(TIMEOUT * 3000),
            }
        )
        self._failed = 0
        self._first_error = ""
        self._closed = False

    def __str__(self) -> str:
        return f"Kafka topic {self.topic} at {self.brokers}"

    def put_many(
        self, table: str, rows: Iterable[Row], column_family: str = DEFAULT_COLUMN_FAMILY
    ) -> int:
        """Send ``(type, indicator, value map)`` rows; the count.  Every row is checked
        before the first is sent, so a bad one sends nothing."""
        records = [encode_record(table, column_family, row) for row in rows]
        for key, value in records:
            self._send(key, value)
        return len(records)

    def delete_many(
        self,
        table: str,
        keys: Iterable[tuple[str, str]],
        column_family: str = DEFAULT_COLUMN_FAMILY,
    ) -> int:
        """Send a tombstone for every ``(type, indicator)`` key; the count."""
        tombstones = [encode_tombstone(table, column_family, key) for key in keys]
        for key in tombstones:
            self._send(key, None)
        return len(tombstones)

    def _send(self, key: bytes, value: bytes | None) -> None:
        while True:
            try:
                self._producer.produce(self.topic, key=key, value=value, on_delivery=self._sent)
            except BufferError:  # the local queue is full: let deliveries drain it
                self._producer.poll(0.1)
                continue
            except KafkaException as e:
                raise MetronError(f"cannot write to {self}: {e.args[0]}") from None
            self._producer.poll(0)
            return

    def _sent(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            self._failed += 1
            self._first_error = self._first_error or error.str()

    def flush(self, timeout: float = TIMEOUT * 4) -> None:
        """Wait until Kafka confirmed every record sent so far."""
        left = self._producer.flush(timeout)
        if self._failed:
            failed, first = self._failed, self._first_error
            self._failed, self._first_error = 0, ""
            raise MetronError(f"{self} did not take {failed} lookup records: {first}")
        if left:
            raise MetronError(f"timed out writing to {self}: {left} lookup records unconfirmed")

    def close(self) -> None:
        """:meth:`flush`, once."""
        if not self._closed:
            self._closed = True
            self.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def offsets_path(store_path: Path) -> Path:
    """Where a follower keeps its offsets: ``<store name>-topic-offsets.json`` beside the
    store's file."""
    return store_path.with_name(f"{store_path.stem}-topic-offsets.json")


class LookupFollower:
    """Materialises the lookup topic into a local :class:`SqliteLookup` and keeps it current.

    ``store`` is the store, or the data directory whose store to open (None: the default
    data directory); a store opened here is closed by :meth:`close`.  The follower reads
    every partition from its stored offsets (the beginning when it has none, or when the
    store is empty: a store deleted to rebuild it is filled again), applies records in
    batches of up to ``batch_size`` with ``put_many``/``delete_many`` (within a batch the
    latest record of a key wins), then saves the offsets.  Topic metadata is checked every
    ``refresh`` seconds while following, for the topic to appear or gain partitions.

    Call :meth:`catch_up` once at start, then :meth:`run` in a thread, then :meth:`close`.
    A record that is not a lookup record is logged and skipped (counted in ``skipped``).
    """

    def __init__(
        self,
        brokers: str,
        topic: str = DEFAULT_LOOKUP_TOPIC,
        store: SqliteLookup | Path | None = None,
        *,
        batch_size: int = 10_000,
        refresh: float = 5.0,
    ) -> None:
        self.brokers = brokers
        self.topic = topic
        self._owns_store = not isinstance(store, SqliteLookup)
        self.store = store if isinstance(store, SqliteLookup) else SqliteLookup.in_data_dir(store)
        self.offsets_file = offsets_path(self.store.path)
        self.skipped = 0
        self._batch_size = max(1, batch_size)
        self._refresh = max(0.0, refresh)
        self._offsets = self._load_offsets()
        self._assigned: set[int] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._consumer = Consumer(
            {
                **client_config(brokers),
                "group.id": f"metron-lookup-{uuid.uuid4().hex}",  # never joined: assigned
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "enable.partition.eof": False,
                # a stored offset past the end (the topic was recreated): start over
                "auto.offset.reset": "earliest",
            }
        )

    def __str__(self) -> str:
        return f"Kafka topic {self.topic} at {self.brokers}"

    def _load_offsets(self) -> dict[int, int]:
        try:
            saved = json.loads(self.offsets_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            _log.warning(
                "%s: unreadable (%s); reading %s from the beginning", self.offsets_file, e, self
            )
            return {}
        if not isinstance(saved, dict) or saved.get("topic") != self.topic or not len(self.store):
            return {}
        try:
            return {int(p): int(o) for p, o in saved["offsets"].items()}
        except (KeyError, AttributeError, TypeError, ValueError):
            _log.warning(
                "%s: not an offsets file; reading %s from the beginning", self.offsets_file, self
            )
            return {}

    def _save_offsets(self) -> None:
        data = {
            "topic": self.topic,
            "offsets": {str(p): o for p, o in sorted(self._offsets.items())},
        }
        temporary = self.offsets_file.with_name(self.offsets_file.name + ".tmp")
        temporary.write_text(json.dumps(data) + "\n", encoding="utf-8")
        os.replace(temporary, self.offsets_file)

    def _discover(self) -> None:
        """Assign partitions not assigned yet (all of them once the topic appears), each
        at its stored offset or the beginning."""
        partitions = topic_partitions(self._consumer, self.brokers, self.topic) or []
        new = [p for p in partitions if p not in self._assigned]
        if new:
            self._consumer.incremental_assign(
                [TopicPartition(self.topic, p, self._offsets.get(p, OFFSET_BEGINNING)) for p in new]
            )
            self._assigned.update(new)

    def _poll(self, timeout: float) -> int:
        """Consume one batch and apply it; the rows applied."""
        messages = self._consumer.consume(num_messages=self._batch_size, timeout=timeout)
        latest: dict[tuple[str, str, str, str], dict[str, Any] | None] = {}
        consumed: dict[int, int] = {}
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise MetronError(f"reading {self}: {error.str()}")
                _log.warning("reading %s: %s", self, error.str())
                continue
            partition, offset = message.partition(), message.offset()
            if partition is None or offset is None:
                continue
            consumed[partition] = offset + 1
            try:
                record = decode_record(message.key(), message.value())
            except ValueError as e:
                self.skipped += 1
                _log.warning("%s, partition %d, offset %d: skipped: %s", self, partition, offset, e)
                continue
            latest[record[:4]] = record.value
        if not consumed:
            return 0
        try:
            self._apply(latest)
            self._offsets.update(consumed)
            self._save_offsets()
        except BaseException:
            # not applied (or not recorded): read the batch again next time
            for partition in consumed:
                start = self._offsets.get(partition, OFFSET_BEGINNING)
                self._consumer.seek(TopicPartition(self.topic, partition, start))
            raise
        return len(latest)

    def _apply(self, latest: Mapping[tuple[str, str, str, str], dict[str, Any] | None]) -> None:
        puts: dict[tuple[str, str], list[Row]] = {}
        deletes: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for (table, column_family, enrichment_type, indicator), value in latest.items():
            if value is None:
                deletes.setdefault((table, column_family), []).append((enrichment_type, indicator))
            else:
                rows = puts.setdefault((table, column_family), [])
                rows.append((enrichment_type, indicator, value))
        for (table, column_family), rows in puts.items():
            self.store.put_many(table, rows, column_family)
        for (table, column_family), keys in deletes.items():
            self.store.delete_many(table, keys, column_family)

    def catch_up(self, timeout: float = 300.0) -> int:
        """Apply every record up to the topic's current end; the rows applied (written or
        deleted; a row written twice in one batch counts once).  Returns at once when the
        topic does not exist yet.  Unreachable brokers, or more than
        ``timeout`` seconds, are a :class:`MetronError` (what was applied stays applied, so
        the next call continues from there)."""
        deadline = time.monotonic() + timeout
        applied = 0
        with self._lock:
            partitions = topic_partitions(self._consumer, self.brokers, self.topic)
            if partitions is None:
                return 0
            ends = {}
            for p in partitions:
                try:
                    _low, ends[p] = self._consumer.get_watermark_offsets(
                        TopicPartition(self.topic, p), timeout=TIMEOUT
                    )
                except KafkaException as e:
                    raise unreachable(self.brokers, e.args[0]) from None
                if self._offsets.get(p, 0) > ends[p]:  # the topic was recreated: start over
                    del self._offsets[p]
            self._discover()
            pending = {p: end for p, end in ends.items() if self._offsets.get(p, 0) < end}
            while pending:
                if time.monotonic() > deadline:
                    left = ", ".join(f"partition {p}" for p in sorted(pending))
                    raise MetronError(
                        f"timed out after {timeout:g}s catching up with {self}: {left}"
                        f" unfinished, {applied} records applied"
                    )
                applied += self._poll(0.2)
                for p in [p for p, end in pending.items() if self._offsets.get(p, 0) >= end]:
                    del pending[p]
                if pending:  # offsets past the last record (transaction markers, compaction)
                    positions = self._consumer.position(
                        [TopicPartition(self.topic, p) for p in pending]
                    )
                    for position in positions:
                        if position.offset >= pending[position.partition]:
                            del pending[position.partition]
        return applied

    def run(self, stop: threading.Event) -> None:
        """Follow the topic until ``stop`` is set (or :meth:`close` is called), applying
        new records as they come.  Kafka or store failures are logged and retried, never
        raised: lookups go on from the local store meanwhile."""
        next_check = 0.0
        failing = ""
        while not stop.is_set():
            try:
                with self._lock:
                    if self._closed:
                        return
                    if time.monotonic() >= next_check:
                        next_check = time.monotonic() + self._refresh
                        self._discover()
                    assigned = bool(self._assigned)
                    if assigned:
                        self._poll(0.2)
                failing = ""
            except (MetronError, KafkaException, OSError, sqlite3.Error) as e:
                if str(e) != failing:  # once per distinct problem, not once per retry
                    failing = str(e)
                    _log.warning("following %s: %s; retrying", self, e)
                assigned = False
            if not assigned:
                stop.wait(min(self._refresh, 1.0) or 0.05)

    def close(self) -> None:
        """Stop reading (a running :meth:`run` returns) and close what the follower opened."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._consumer.close()
            if self._owns_store:
                self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
