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
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, overload

__all__ = [
    "NO_ACK",
    "Ack",
    "Emit",
    "Offsets",
    "PositionAck",
    "Source",
    "SourceStats",
    "without_superseded",
]

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


class Offsets(Sequence[str]):
    """The origins of records at byte offsets of one input: ``prefix`` then the offset,
    ``base + starts[i]`` for record i.  The strings are made where they are used (in a
    worker process): the batch carries the prefix and one 64-bit integer a record."""

    __slots__ = ("_base", "_prefix", "_starts")

    def __init__(self, prefix: str, base: int, starts: Iterable[int]) -> None:
        self._prefix = prefix
        self._base = base
        self._starts = starts if isinstance(starts, array) else array("q", starts)

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [f"{self._prefix}{self._base + start}" for start in self._starts[index]]
        return f"{self._prefix}{self._base + self._starts[index]}"

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same origins (a list of them, say)."""
        if isinstance(other, str) or not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Offsets, (self._prefix, self._base, self._starts))

    def __repr__(self) -> str:
        return f"Offsets({self._prefix!r}, {self._base}, {len(self)} records)"


class PositionAck:
    """An ack that sets its source's whole checkpoint (to where its batch ends), so that of
    several of one source due at once only the last needs to run
    (:func:`without_superseded`): running them all in order would leave the same
    checkpoint, at a save (an fsync) each.  A source whose acks are these accepts that
    the earlier ones may not be called."""

    __slots__ = ("_apply", "owner")

    def __init__(self, owner: object, apply: Callable[[], None]) -> None:
        self.owner = owner
        self._apply = apply

    def __call__(self) -> None:
        self._apply()


def without_superseded(acks: Sequence[Ack]) -> list[Ack]:
    """``acks`` (due now, in their order) without the :class:`PositionAck` that a later
    one of the same source makes moot."""
    kept: list[Ack] = []
    seen: set[int] = set()
    for ack in reversed(acks):
        if isinstance(ack, PositionAck):
            if id(ack.owner) in seen:
                continue
            seen.add(id(ack.owner))
        kept.append(ack)
    kept.reverse()
    return kept


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
