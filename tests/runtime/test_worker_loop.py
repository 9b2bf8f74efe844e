"""The worker's loop: when it writes the lake (and so reports batches durable)."""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from typing import Any

import pytest

from metron.runtime import worker
from metron.runtime.metrics import Delta
from metron.runtime.stages import Batch


class _Stages:
    """Stands in for the pipeline's stages: each batch adds its records to the lake's
    buffer; flush_lake empties it."""

    def __init__(self) -> None:
        self.lake_rows = 0
        self.flushed: list[int] = []

    def process(self, batch: Batch, delta: Delta) -> list[Any]:
        self.lake_rows += len(batch.records)
        return []

    def lake_full(self) -> bool:
        return False

    def flush_lake(self) -> None:
        self.flushed.append(self.lake_rows)
        self.lake_rows = 0

    def lookup_appeared(self) -> bool:
        return False

    def close(self) -> None:
        pass


class _Outbox:
    def __init__(self) -> None:
        self.sent: queue.Queue[tuple[Any, ...]] = queue.Queue()

    def send(self, message: tuple[Any, ...]) -> None:
        self.sent.put(message)


def _batch(seq: int, size: int) -> tuple[str, Batch]:
    return ("batch", Batch(seq, "bro", [b"{}"] * size, None, 0.0))


@pytest.mark.parametrize("size", [6_000, 10])
def test_a_drained_pipeline_writes_a_large_lake_buffer_at_once(
    monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Every batch sent is processed: a worker writes its lake buffer then (not after
    IDLE seconds) when it is large; a small one waits, so that a trickle of batches does
    not make a file each."""
    monkeypatch.setattr(worker, "IDLE", 3600.0)  # nothing else makes it write meanwhile
    inbox: queue.Queue[Any] = queue.Queue()
    stages, outbox = _Stages(), _Outbox()
    loop = threading.Thread(
        target=worker._take_batches,
        args=(0, [stages], {}, Path("."), Path("."), inbox, outbox, os.getppid(), 3600.0),
    )
    loop.start()
    try:
        for item in (_batch(1, size // 2), _batch(2, size - size // 2), ("drained",)):
            inbox.put(item)
        assert outbox.sent.get(timeout=30)[:3] == ("processed", 0, 1)
        assert outbox.sent.get(timeout=30)[:3] == ("processed", 0, 2)
        if size >= worker.DRAINED_LAKE_ROWS:
            assert outbox.sent.get(timeout=30) == ("durable", 0, [1, 2])
            assert stages.flushed == [size]
        else:
            with pytest.raises(queue.Empty):  # waits (for IDLE, the interval, or more)
                outbox.sent.get(timeout=0.5)
            assert stages.flushed == []
    finally:
        inbox.put(("stop",))
        loop.join(timeout=30)
    if size < worker.DRAINED_LAKE_ROWS:
        assert outbox.sent.get(timeout=1) == ("durable", 0, [1, 2])  # at the stop
