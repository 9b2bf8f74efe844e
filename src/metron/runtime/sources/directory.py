"""A directory of files as a source: every file read once, in name order, as files appear.

The source reads every file of a directory once, in name order, as files
appear.  A file is read once it has stopped changing (same size and modification time on
two polls in a row); lines appended to a file after it was read are not read.  Names ending
in ``.gz`` are read through gzip; hidden files (``.name``) are ignored, so a writer can
upload under a hidden name and rename when done.

Records are lines as :mod:`metron.runtime.sources.files` reads them, and the checkpoint
(files done, and the offset in the current one) advances with the acks only, so a restart
continues mid-file and replays nothing that was stored.
"""

from __future__ import annotations

import gzip
import logging
import os
import threading
import zlib
from collections import deque
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from typing import IO, Any, cast

from metron.runtime.sources.base import Ack, Emit
from metron.runtime.sources.files import (
    CheckpointedSource,
    checkpoint_path,
    load_checkpoint,
    strip_newline,
)

__all__ = ["DirectorySource"]

log = logging.getLogger(__name__)


class DirectorySource(CheckpointedSource):
    """Every file of ``directory`` matching ``pattern``, once (see the module docstring).

    The checkpoint holds the names of the files done (names no longer in the directory are
    forgotten) and the file being read with the offset reached, so a restart continues
    mid-file; in a ``.gz`` file the offset counts uncompressed bytes.  A file that cannot
    be read to its end (a damaged gzip stream) is counted as an error and logged; the lines
    read before the damage are emitted, the rest is left behind.
    """

    def __init__(
        self,
        sensor: str,
        directory: Path | str,
        checkpoint_dir: Path | str | None,
        *,
        pattern: str = "*",
        batch_size: int = 1000,
        poll_interval: float = 1.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.directory = Path(directory)
        where = Path(checkpoint_dir) if checkpoint_dir is not None else None
        super().__init__(checkpoint_path(where, "dir", sensor, self.directory))
        self.sensor = sensor
        self.name = f"directory {self.directory}"
        self.pattern = pattern
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        saved = load_checkpoint(self.checkpoint_file) or {}
        done = saved.get("done")
        self._done: set[str] = (
            {n for n in done if isinstance(n, str)} if isinstance(done, list) else set()
        )
        current, offset = saved.get("current"), saved.get("offset")
        self._current: tuple[str, int] | None = None
        if isinstance(current, str) and isinstance(offset, int):
            self._current = (current, offset)
        # Batches are numbered; a file is done once the last batch emitted before its end is acked.
        self._emitted = 0
        self._acked = 0
        self._finished: deque[tuple[int, str]] = deque()

    def _state(self) -> dict[str, Any]:
        name, offset = self._current if self._current is not None else (None, 0)
        return {
            "directory": str(self.directory),
            "done": sorted(self._done),
            "current": name,
            "offset": offset,
        }

    def _ack(self, seq: int, name: str, offset: int) -> Ack:
        def ack() -> None:
            with self._lock:
                self._acked = seq
                self._current = (name, offset)
                self._settle()
                self._save()

        return ack

    def _settle(self) -> bool:
        """Mark done the finished files whose batches are all acked (the lock is held)."""
        changed = False
        while self._finished and self._finished[0][0] <= self._acked:
            name = self._finished.popleft()[1]
            self._done.add(name)
            if self._current is not None and self._current[0] == name:
                self._current = None
            changed = True
        return changed

    def _listing(self) -> dict[str, tuple[int, int]]:
        """Matching files and their (size, mtime) signatures."""
        found: dict[str, tuple[int, int]] = {}
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return found
        for entry in entries:
            if entry.name.startswith(".") or not fnmatch(entry.name, self.pattern):
                continue
            try:
                if entry.is_file():
                    stat = entry.stat()
                    found[entry.name] = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                continue
        return found

    def run(self, emit: Emit, stop: threading.Event) -> None:
        with self._lock:
            read = set(self._done)
            resume = dict([self._current]) if self._current is not None else {}
        previous: dict[str, tuple[int, int]] = {}
        while not stop.is_set():
            listing = self._listing()
            with self._lock:
                self._done &= listing.keys()
            ready = [n for n in sorted(listing) if n not in read and previous.get(n) == listing[n]]
            previous = listing
            for name in ready:
                if not self._read_file(emit, stop, name, resume.pop(name, 0)):
                    return
                read.add(name)
            stop.wait(self.poll_interval)

    def _read_file(self, emit: Emit, stop: threading.Event, name: str, offset: int) -> bool:
        """Emit the lines of one file from ``offset``; False when stopped before its end."""
        path = self.directory / name
        opener: Callable[[Path], IO[bytes]] = _open_gzip if name.endswith(".gz") else _open_plain
        batch: list[bytes] = []
        origins: list[str] = []
        try:
            with opener(path) as stream:
                # a file is read once it has settled: its name, size and time identify it
                stat = os.stat(path)
                key = f"{name}:{stat.st_size}:{stat.st_mtime_ns}"
                if offset:
                    stream.seek(offset)
                for line in stream:
                    record = strip_newline(line)
                    if record.strip():
                        batch.append(record)
                        origins.append(f"{key}:{offset}")
                    offset += len(line)
                    if len(batch) >= self.batch_size:
                        if not self._emit(emit, stop, batch, origins, name, offset):
                            return False
                        batch, origins = [], []
        except FileNotFoundError:
            pass  # removed before it was read: nothing to do
        except (OSError, EOFError, zlib.error) as e:
            self.count(errors=1)
            log.error("%s: cannot be read past offset %d, left behind: %s", path, offset, e)
        if batch and not self._emit(emit, stop, batch, origins, name, offset):
            return False
        with self._lock:
            self._finished.append((self._emitted, name))
            if self._settle():
                self._save()
        return True

    def _emit(
        self,
        emit: Emit,
        stop: threading.Event,
        batch: list[bytes],
        origins: list[str],
        name: str,
        end: int,
    ) -> bool:
        if stop.is_set():
            return False
        self._emitted += 1
        emit(self.sensor, batch, self._ack(self._emitted, name, end), origins)
        self.count(records=len(batch), size=sum(len(r) for r in batch))
        return True


def _open_plain(path: Path) -> IO[bytes]:
    return open(path, "rb")


def _open_gzip(path: Path) -> IO[bytes]:
    # GzipFile reads like a binary file but is not declared as an IO[bytes].
    return cast(IO[bytes], gzip.open(path, "rb"))
