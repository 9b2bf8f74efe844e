"""What every telemetry source gives the pipeline: batches of raw records, and a way to
say when a batch is safe.

A source runs in its own thread (:meth:`Source.run`) and hands the pipeline batches of raw
records (bytes, one telemetry record each: a log line, a syslog message, a Kafka record
value) through ``emit``.  ``emit`` blocks while the pipeline's bounded queue is full: that
is the back-pressure every source must respect (a source that cannot wait, UDP syslog,
drops instead and counts what it drops).

Durability.  Each batch comes with an ``ack``: the pipeline calls it once every record of
the batch is held by the stores (indexed, or written to the error store).  Only then may
the source advance its checkpoint (a file offset, a Kafka offset), so a crash at any moment
replays what was not yet stored and loses nothing.  Acks arrive in the order batches were
emitted.  A source that cannot replay (UDP, TCP syslog, stdin) acks with a no-op.

Identity.  A source that can replay also names each record's place in its input
(``origins``: one string per record, the same every time that record is read again, such
as a file's identity and the line's offset, or a Kafka topic, partition and offset).  The
pipeline derives the guids of a record's messages from it, so a replayed record replaces
what it produced before instead of duplicating it.  Sources that cannot replay give None.

Stopping.  :meth:`Source.run` returns soon after ``stop`` is set, having emitted nothing
after it; batches already emitted may still be acked afterwards, and
:meth:`Source.close` then writes the final checkpoint.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["NO_ACK", "Ack", "Emit", "Source", "SourceStats"]

#: Called by the pipeline when a batch is durable.
Ack = Callable[[], None]


class Emit(Protocol):
    """``emit(sensor, records, ack, origins)``: hand a batch to the pipeline (blocks under
    back-pressure); ``origins`` are the records' places in the input, or None."""

    def __call__(
        self,
        sensor: str,
        records: Sequence[bytes],
        ack: Ack,
        origins: Sequence[str] | None = None,
    ) -> None: ...


def NO_ACK() -> None:
    """The ack of a source that cannot replay: nothing to advance."""


@dataclass
class SourceStats:
    """What a source has done, for ``metron status`` and ``/metrics``."""

    records: int = 0
    batches: int = 0
    bytes: int = 0
    dropped: int = 0
    errors: int = 0
    #: Free-form details a source adds (open files, connections...).
    details: dict[str, int] = field(default_factory=dict)


class Source(ABC):
    """A source of raw telemetry for one or more sensors (see the module docstring)."""

    #: A short description for logs and status (``file /var/log/x.log``, ``udp :514``).
    name: str = "source"

    def __init__(self) -> None:
        self.stats = SourceStats()
        self._stats_lock = threading.Lock()

    def count(self, records: int = 0, size: int = 0, dropped: int = 0, errors: int = 0) -> None:
        """Add to the statistics (thread-safe)."""
        with self._stats_lock:
            stats = self.stats
            stats.records += records
            stats.bytes += size
            stats.dropped += dropped
            stats.errors += errors
            if records:
                stats.batches += 1

    @abstractmethod
    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Read records and ``emit`` them in batches until ``stop`` is set."""

    def close(self) -> None:  # noqa: B027 - most sources have nothing to release
        """Release resources and write the final checkpoint (after the last ack)."""
