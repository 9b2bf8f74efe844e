"""The platform's books: slots, acks in each source's emit order, a dead worker's batches."""

from __future__ import annotations

from collections.abc import Callable

from metron.runtime.ledger import Ledger
from metron.runtime.stages import Batch


def batch(ledger: Ledger, records: int = 1) -> Batch:
    return Batch(ledger.next_seq(), "bro", [b"x"] * records, None, 0.0)


def acker(log: list[str], name: str) -> Callable[[], None]:
    return lambda: log.append(name)


def test_acks_come_in_each_sources_emit_order() -> None:
    ledger = Ledger(slots=10)
    ledger.add_source(0)
    ledger.add_source(1)
    log: list[str] = []
    a1 = ledger.record(batch(ledger), 0, worker=0, ack=acker(log, "a1"))
    b1 = ledger.record(batch(ledger), 1, worker=1, ack=acker(log, "b1"))
    a2 = ledger.record(batch(ledger), 0, worker=1, ack=acker(log, "a2"))
    for ack in ledger.durable([a2.batch.seq]):  # a2 is durable before a1: not yet
        ack()
    assert log == []
    for ack in ledger.durable([b1.batch.seq]):  # another source is not held up
        ack()
    assert log == ["b1"]
    for ack in ledger.durable([a1.batch.seq]):
        ack()
    assert log == ["b1", "a1", "a2"]
    assert len(ledger) == 0


def test_an_empty_batch_takes_no_slot_and_waits_its_turn() -> None:
    ledger = Ledger(slots=1)
    ledger.add_source(0)
    log: list[str] = []
    assert ledger.take_slot(0)
    full = ledger.record(batch(ledger), 0, worker=0, ack=acker(log, "full"))
    assert ledger.record_empty(batch(ledger, 0), 0, acker(log, "empty")) == []
    assert not ledger.take_slot(0)  # the empty one took none, the full one holds the only one
    for ack in ledger.durable([full.batch.seq]):
        ack()
    assert log == ["full", "empty"]


def test_slots_are_freed_once_per_batch_by_processed_or_durable() -> None:
    ledger = Ledger(slots=2)
    ledger.add_source(0)
    assert ledger.take_slot(0) and ledger.take_slot(0)
    assert not ledger.take_slot(0)
    one = ledger.record(batch(ledger), 0, worker=0, ack=lambda: None)
    two = ledger.record(batch(ledger), 0, worker=0, ack=lambda: None)
    ledger.processed(one.batch.seq)
    ledger.processed(one.batch.seq)  # a second report frees nothing more
    ledger.durable([one.batch.seq])
    assert ledger.take_slot(0)
    assert not ledger.take_slot(0)
    ledger.durable([two.batch.seq])  # durable without processed (a resent batch): freed
    assert ledger.take_slot(0)
    assert not ledger.take_slot(0)


def test_a_dead_workers_batches_move_to_its_replacement() -> None:
    ledger = Ledger(slots=10)
    ledger.add_source(0)
    held = [ledger.record(batch(ledger), 0, worker=w, ack=lambda: None) for w in (0, 1, 0)]
    ledger.processed(held[0].batch.seq)  # processed but not durable: lost with the lake buffer
    assert [f.batch.seq for f in ledger.held_by(0)] == [held[0].batch.seq, held[2].batch.seq]
    ledger.durable([held[2].batch.seq])  # durable meanwhile, still waiting for its turn
    for flight in ledger.held_by(0):
        assert ledger.move(flight, 3)
    assert [f.worker for f in ledger.held_by(3)] == [3, 3]
    ledger.durable([held[0].batch.seq, held[1].batch.seq])
    assert not ledger.move(held[0], 4)  # gone: nothing to resend
    assert len(ledger) == 0
