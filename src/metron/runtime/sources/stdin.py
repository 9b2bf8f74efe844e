"""Standard input as a source: ``zcat old.log.gz | metron run --stdin bro``.

Records are lines without the line ending; blank lines are skipped; a last line without
newline is emitted at end of input, and :meth:`StdinSource.run` then returns.  A pipe
cannot be replayed, so batches are acked with :data:`NO_ACK`.

The stream is read by a helper thread into a bounded queue (one batch deep: back-pressure
reaches the writer of the pipe), and a batch is emitted as soon as no more lines are
waiting, so lines typed or piped slowly are not held back until a batch fills.  The helper
thread is a daemon: a stop while it waits for input does not wait for that input.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from typing import IO

from metron.runtime.sources.base import NO_ACK, Emit, Source

__all__ = ["StdinSource"]

log = logging.getLogger(__name__)

#: Put in the queue after the last line (end of input or a read error).
_END = b""


class StdinSource(Source):
    """Lines of a binary stream (standard input by default) until end of input."""

    def __init__(
        self, sensor: str, stream: IO[bytes] | None = None, *, batch_size: int = 1000
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.sensor = sensor
        self.stream = stream
        self.batch_size = batch_size
        self.name = "stdin" if stream is None else f"stream {getattr(stream, 'name', '?')}"

    def _read(self, stream: IO[bytes], lines: queue.Queue[bytes], stop: threading.Event) -> None:
        try:
            for line in iter(stream.readline, b""):
                while not stop.is_set():
                    try:
                        lines.put(line, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                else:
                    return
        except (OSError, ValueError) as e:  # ValueError: the stream was closed under us
            self.count(errors=1)
            log.error("%s: read failed, ending the input: %s", self.name, e)
        lines.put(_END)

    def run(self, emit: Emit, stop: threading.Event) -> None:
        stream = self.stream if self.stream is not None else sys.stdin.buffer
        lines: queue.Queue[bytes] = queue.Queue(maxsize=self.batch_size)
        reader = threading.Thread(
            target=self._read, args=(stream, lines, stop), name=f"metron-{self.name}", daemon=True
        )
        reader.start()
        ended = False
        while not ended and not stop.is_set():
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            batch: list[bytes] = []
            while True:
                if line == _END:
                    ended = True
                    break
                record = line[:-2] if line.endswith(b"\r\n") else line.removesuffix(b"\n")
                if record.strip():
                    batch.append(record)
                if len(batch) >= self.batch_size:
                    break
                try:
                    line = lines.get_nowait()
                except queue.Empty:
                    break
            if batch and not stop.is_set():
                emit(self.sensor, batch, NO_ACK)
                self.count(records=len(batch), size=sum(len(r) for r in batch))
