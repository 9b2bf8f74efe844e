"""The embedded platform's books: every batch between its source's ``emit`` and its ack.

A batch is *in flight* from emit until it is *durable* (every store holds it).  The ledger
answers three questions, all under one lock, so that the platform's threads (sources,
the results reader, the monitor) agree:

* how many batches may still enter: a bounded number of *slots*, taken at emit and given
  back once a worker has the batch in the alert store (*processed*), or once it is
  durable if that comes first (a batch resent to a replacement worker);
* which acks are due: a source's batches are acked in the order it emitted them, each
  once it and every earlier batch of that source are durable;
* which batches a dead worker held, to send them to its replacement.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass

from metron.runtime.sources.base import Ack
from metron.runtime.stages import Batch

__all__ = ["Flight", "Ledger"]


@dataclass
class Flight:
    """A batch in flight: its source, the worker that has it, whether it was processed."""

    batch: Batch
    source: int
    worker: int  # -1: an empty batch, held by no worker
    processed: bool = False


class Ledger:
    """The batches in flight (see the module docstring); ``slots`` bounds them."""

    def __init__(self, slots: int) -> None:
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(slots)
        self._seq = itertools.count(1)
        self._flights: dict[int, Flight] = {}
        self._durable: set[int] = set()
        self._orders: dict[int, deque[tuple[int, Ack]]] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._flights)

    def next_seq(self) -> int:
        return next(self._seq)

    def add_source(self, source: int) -> None:
        with self._lock:
            self._orders[source] = deque()

    def take_slot(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a slot; whether one was taken."""
        return self._slots.acquire(timeout=timeout)

    def record(self, batch: Batch, source: int, worker: int, ack: Ack) -> Flight:
        """Enter a batch (its slot taken) sent to ``worker``; ``ack`` is due once it and
        the source's earlier batches are durable."""
        flight = Flight(batch, source, worker)
        with self._lock:
            self._flights[batch.seq] = flight
            self._orders[source].append((batch.seq, ack))
        return flight

    def record_empty(self, batch: Batch, source: int, ack: Ack) -> list[Ack]:
        """Enter a batch without records (it takes no slot and goes to no worker): durable
        at once, acked in its turn.  The acks now due."""
        with self._lock:
            self._flights[batch.seq] = Flight(batch, source, -1)
            self._orders[source].append((batch.seq, ack))
        return self.durable([batch.seq])

    def processed(self, seq: int) -> None:
        """A worker has the batch in the alert store: its slot is free."""
        with self._lock:
            flight = self._flights.get(seq)
            if flight is None or flight.processed:
                return
            flight.processed = True
        self._slots.release()

    def durable(self, seqs: list[int]) -> list[Ack]:
        """Batches every store holds; the acks now due, in each source's emit order."""
        acks: list[Ack] = []
        freed = 0
        with self._lock:
            sources = set()
            for seq in seqs:
                flight = self._flights.get(seq)
                if flight is None:
                    continue
                self._durable.add(seq)
                sources.add(flight.source)
                if flight.worker >= 0 and not flight.processed:  # resent, durable first
                    flight.processed = True
                    freed += 1
            for source in sources:
                order = self._orders[source]
                while order and order[0][0] in self._durable:
                    seq, ack = order.popleft()
                    self._durable.discard(seq)
                    del self._flights[seq]
                    acks.append(ack)
        for _ in range(freed):
            self._slots.release()
        return acks

    def held_by(self, worker: int) -> list[Flight]:
        """The batches ``worker`` holds that are not durable, in emit order."""
        with self._lock:
            return [
                self._flights[seq]
                for seq in sorted(self._flights)
                if self._flights[seq].worker == worker
            ]

    def move(self, flight: Flight, worker: int) -> bool:
        """Give ``flight`` to ``worker``; False when it became durable meanwhile."""
        with self._lock:
            if flight.batch.seq not in self._flights:
                return False
            flight.worker = worker
            return True
