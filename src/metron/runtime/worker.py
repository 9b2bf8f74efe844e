"""A worker process of the embedded platform: runs :class:`~metron.runtime.stages.Stages`
on the batches the main process sends it.

Messages between the main process and a worker (over ``multiprocessing`` queues):

* to the worker: ``("batch", Batch)``; ``("config", tree)`` to rebuild the stages from a
  new (already validated) config tree; ``("stop",)`` to finish what was sent, write the
  lake and exit.  Queue order is kept, so a config applies from the next batch on.
* to the main process, over the worker's own pipe (so a worker killed half-way through a
  message garbles only its own channel; :mod:`metron.runtime.channel` frames them):
  ``("ready", worker)`` once the stages are built;
  ``("processed", worker, seq, delta, handovers)`` when batch ``seq`` is in the alert
  store (with its counts, and what it wrote there for the main process's search index,
  which then need not read it back); ``("durable", worker, seqs)`` when the batches
  ``seqs`` are held by every store, the lake included; ``("problem", worker, text)`` for
  something the operator should see (a config that could not be applied: the previous
  one keeps running); ``("fatal", worker, text)`` when the worker cannot go on (it then
  exits).

A batch is written to the alert store as soon as it is processed (searchable at once),
and to the lake in larger writes (fewer, bigger files): when the lake buffer holds
``lake_batch`` rows, its oldest batch has waited ``lake_interval`` seconds, no batch
came for ``IDLE`` seconds, or the main process says that every batch it sent is
processed (``("drained",)``) and the buffer holds :data:`DRAINED_LAKE_ROWS` rows at
least.  Batches are reported durable only then, so a source's checkpoint never passes
data the lake lacks.

A worker whose main process dies exits too (it checks its parent every second).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import sqlite3
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from metron.arrowjson import set_threads
from metron.errors import MetronError
from metron.runtime import channel
from metron.runtime.allocator import settle, tune_allocator, tune_collector
from metron.runtime.metrics import Delta
from metron.runtime.stages import Batch, Stages

__all__ = ["worker_main"]

log = logging.getLogger(__name__)

#: How long a batch may wait for the lake write (seconds), at most.
DEFAULT_LAKE_INTERVAL = 5.0
#: Seconds without a batch after which the lake is written anyway (a burst has ended).
IDLE = 1.0
#: Lake rows a worker writes at once when the pipeline is drained (fewer wait for IDLE:
#: a trickle of batches, each one draining the pipeline, must not make a file each).
DRAINED_LAKE_ROWS = 5_000


def worker_main(
    number: int,
    tree: dict[str, Any],
    config_dir: Path,
    data_dir: Path,
    inbox: Queue[Any],
    outbox: Connection,
    parent: int,
    lake_interval: float = DEFAULT_LAKE_INTERVAL,
) -> None:
    """The worker's life (the target of its process)."""
    # The main process owns the signals: Ctrl-C in a terminal reaches the whole process
    # group, a service manager may signal every process, and the main process decides
    # how the workers stop (after the batches they hold).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format=f"worker {number}: %(message)s")
    tune_allocator()
    tune_collector()
    set_threads(False)  # the other workers use the other cores
    try:
        stages = Stages(tree, config_dir, data_dir)
    except (MetronError, OSError, sqlite3.Error) as e:
        channel.send(outbox, ("fatal", number, f"cannot build the pipeline: {e}"))
        return
    settle()
    channel.send(outbox, ("ready", number))
    sender = _Sender(outbox)
    try:
        _loop(number, stages, tree, config_dir, data_dir, inbox, sender, parent, lake_interval)
    except Exception as e:  # a bug or a broken store: say so, the main process restarts us
        log.exception("worker %d failed", number)
        with contextlib.suppress(MetronError):
            sender.send(("fatal", number, f"{type(e).__name__}: {e}"))
    finally:
        sender.close()


class _Sender:
    """The worker's messages to the main process, sent in order by a thread of their own:
    a batch's message carries what it wrote (megabytes: its table, for the main process's
    search index), and the worker goes on with the next batch while the main process
    reads them."""

    def __init__(self, outbox: Connection) -> None:
        self._outbox = outbox
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sender", daemon=True)
        self._thread.start()

    def send(self, message: Any) -> None:
        """Queue ``message``; raises once a message could not be sent (the worker then
        ends, and the main process starts another and sends it the batches again)."""
        if self._failed is not None:
            raise MetronError(f"a message to the main process failed: {self._failed}")
        self._queue.put(message)

    def close(self) -> None:
        """Send what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (message := self._queue.get()) is not None:
            try:
                channel.send(self._outbox, message)
            except OSError:  # the main process is gone: the worker notices and exits
                return
            except Exception as e:  # (a message that cannot be pickled: a bug)
                self._failed = e
                return


def _loop(
    number: int,
    stages: Stages,
    tree: dict[str, Any],
    config_dir: Path,
    data_dir: Path,
    inbox: Queue[Any],
    outbox: _Sender,
    parent: int,
    lake_interval: float,
) -> None:
    """Take batches until told to stop (or orphaned); the stages in use (a config change
    replaces them) are closed on the way out."""
    holder = [stages]
    try:
        _take_batches(
            number, holder, tree, config_dir, data_dir, inbox, outbox, parent, lake_interval
        )
    finally:
        holder[0].close()


def _take_batches(
    number: int,
    holder: list[Stages],
    tree: dict[str, Any],
    config_dir: Path,
    data_dir: Path,
    inbox: Queue[Any],
    outbox: _Sender,
    parent: int,
    lake_interval: float,
) -> None:
    stages = holder[0]
    pending: list[int] = []  # processed, waiting for the lake write
    oldest = 0.0  # when the oldest of them was processed (monotonic)

    def durable() -> None:
        nonlocal pending
        stages.flush_lake()
        outbox.send(("durable", number, pending))
        pending = []

    while True:
        wait = (
            IDLE if not pending else min(IDLE, max(0.0, oldest + lake_interval - time.monotonic()))
        )
        try:
            item = inbox.get(timeout=wait)
        except queue.Empty:
            item = None
        if os.getppid() != parent:
            return  # orphaned: the main process is gone; what is not durable is replayed
        if item is None:
            if pending:  # idle, or the oldest batch is due: write the lake
                durable()
            continue
        kind = item[0]
        if kind == "batch":
            batch: Batch = item[1]
            delta = Delta()
            handovers = stages.process(batch, delta)
            outbox.send(("processed", number, batch.seq, delta, handovers))
            if not pending:
                oldest = time.monotonic()
            pending.append(batch.seq)
            if (
                not stages.lake_rows
                or stages.lake_full()
                or time.monotonic() - oldest >= lake_interval
            ):
                durable()
        elif kind == "drained":
            if pending and stages.lake_rows >= DRAINED_LAKE_ROWS:
                durable()
        elif kind == "config":
            if pending:
                durable()
            tree = item[1]
            stages = holder[0] = _rebuilt(number, stages, tree, config_dir, data_dir, outbox)
        elif kind == "stop":
            if pending:
                durable()
            return
        if stages.lookup_appeared():  # threat intel loaded since: use it
            if pending:
                durable()
            stages = holder[0] = _rebuilt(number, stages, tree, config_dir, data_dir, outbox)


def _rebuilt(
    number: int,
    stages: Stages,
    tree: dict[str, Any],
    config_dir: Path,
    data_dir: Path,
    outbox: _Sender,
) -> Stages:
    """New stages from ``tree``; the old ones when that fails (and the problem reported)."""
    try:
        fresh = Stages(tree, config_dir, data_dir)
    except (MetronError, OSError, sqlite3.Error) as e:
        outbox.send(("problem", number, f"the new config was not applied: {e}"))
        return stages
    stages.close()
    settle()
    return fresh
