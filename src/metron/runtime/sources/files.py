"""A log file as a source, tailed as it grows; the line reading and checkpoints that the
directory source shares.

Records are lines, without the line ending (``\\n`` or ``\\r\\n``); blank lines are skipped.

:class:`FileTailSource` follows one growing file, like ``tail -F``.  A last line without
its newline is held back until the newline arrives (a writer may be half-way through it),
except in a file that has been rotated away, which will not grow again: its last line is
emitted as it is.  Rotation (the file renamed and a new one created at the path) is noticed
by a change of inode or device: the old file is read to its end, then the new one from its
start.  Truncation (the file shorter than the offset read) starts again at offset 0; lines
written after a ``copytruncate`` and before the next poll that reach past the old offset are
not told apart from old ones, as with every tailer.

:class:`~metron.runtime.sources.directory.DirectorySource` reads a directory of files once
each, with the same line rules and checkpoints.

Checkpoints are small JSON files under ``checkpoint_dir`` (``<data dir>/checkpoints`` when
None), one per source, replaced atomically and advanced by the acks only, so a crash
replays every line not yet stored and loses none (at least once: the alert store
de-duplicates by guid).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import threading
from abc import abstractmethod
from bisect import bisect_left
from itertools import accumulate
from pathlib import Path
from typing import IO, Any, Literal

from metron.runtime.sources.base import Ack, Emit, Offsets, PositionAck, Source
from metron.settings import data_dir

__all__ = [
    "CheckpointedSource",
    "FileTailSource",
    "checkpoint_path",
    "file_key",
    "load_checkpoint",
    "read_lines",
    "save_checkpoint",
    "strip_newline",
]

log = logging.getLogger(__name__)


#: Lines a tailed file's batch holds at most, by default: a file holds a backlog, and each
#: batch costs the same besides its lines (a store transaction, a catch-up, messages
#: between processes), so larger batches cost less per line (measured on the pipeline
#: bench: ~8% less CPU an event than batches of 1,000).
DEFAULT_BATCH = 4000
#: A batch stops growing past this much text, whatever its number of lines (so that very
#: long lines keep the batches in flight, hence memory, bounded).
BATCH_BYTES = 8 << 20


#: Bytes read from a file at a time when a batch begins (then as many as its lines so
#: far suggest the rest needs); lines are split out of these blocks at C speed.
READ_BLOCK = 1 << 16
#: ... and at most this many (a line longer than that is read in several).
MAX_BLOCK = 8 << 20


def read_lines(
    stream: IO[bytes],
    limit: int,
    *,
    final: bool,
    starts: list[int] | None = None,
    max_bytes: int | None = None,
) -> tuple[list[bytes], int, bool]:
    """Up to ``limit`` non-blank lines from ``stream`` at its position, and no more once
    ``max_bytes`` were consumed (when given).

    Returns the records, the number of bytes consumed (blank lines included) and whether
    the end of the data was reached.  A last line without newline is consumed only when
    ``final``; otherwise it is left unread.  The stream is left at the end of what was
    consumed.  ``starts``, when given, receives each record's offset from the position
    read from.
    """
    origin = stream.tell()
    records: list[bytes] = []
    found: list[int] = []
    budget = max_bytes if max_bytes is not None else sys.maxsize
    consumed = 0
    carry: list[bytes] = []  # the start of a line whose end is not read yet
    at_end = False
    while len(records) < limit and consumed < budget:
        block = stream.read(_block_size(records, consumed, limit, budget))
        if not block:
            at_end = True
            if carry and final:  # a last line without its newline
                line = b"".join(carry)
                if line.strip():
                    records.append(line)
                    found.append(consumed)
                consumed += len(line)
                # (the end is known to be reached when there was room for more)
                at_end = len(records) < limit and consumed < budget
            break
        if b"\n" not in block:
            carry.append(block)
            continue
        if carry:
            carry.append(block)
            block = b"".join(carry)
        lines = block.split(b"\n")
        rest = lines.pop()
        carry = [rest] if rest else []
        consumed, stopped = _take(lines, b"\r" in block, records, found, consumed, limit, budget)
        if stopped:
            break
    stream.seek(origin + consumed)
    if starts is not None:
        starts += found
    return records, consumed, at_end


def _block_size(records: list[bytes], consumed: int, limit: int, budget: int) -> int:
    """How much to read next: what the lines still wanted take at the average length of
    those read so far (with a margin), so that little is read twice; no more than the
    byte budget left, or MAX_BLOCK, and no less than READ_BLOCK."""
    if not records:
        return READ_BLOCK
    wanted = (limit - len(records)) * consumed // len(records) * 9 // 8
    return max(READ_BLOCK, min(wanted, budget - consumed, MAX_BLOCK))


def _take(
    lines: list[bytes],
    returns: bool,
    records: list[bytes],
    starts: list[int],
    consumed: int,
    limit: int,
    budget: int,
) -> tuple[int, bool]:
    """Whole ``lines`` (their newlines split off; ``returns``: some may end in ``\\r``)
    onto ``records`` and their offsets onto ``starts``, blank ones skipped, until
    ``limit`` records or ``budget`` bytes; the bytes consumed then, and whether it
    stopped before the last line."""
    room = limit - len(records)
    at = list(accumulate(map(_PLUS_ONE, map(len, lines[:room])), initial=consumed))
    # the lines that begin before the budget is spent (the first one always does)
    count = min(room, len(lines), bisect_left(at, budget))
    taken = lines[:count]
    if not returns and all(map(bytes.strip, taken)):  # the usual case, at C speed
        records += taken
        starts += at[:count]
        return at[count], count < len(lines)
    for line in lines:  # blank lines or line ends to strip: line by line
        if len(records) >= limit or consumed >= budget:
            return consumed, True
        record = line[:-1] if line.endswith(b"\r") else line
        if record.strip():
            records.append(record)
            starts.append(consumed)
        consumed += len(line) + 1
    return consumed, False


_PLUS_ONE = (1).__add__  # (a line's length with its newline)


def file_key(stream: IO[bytes]) -> str:
    """What tells this file apart from every other for record origins: its device and
    inode, and a digest of its first line (an inode is reused once a file is deleted)."""
    device, inode = _identity(os.fstat(stream.fileno()))
    head = os.pread(stream.fileno(), HEAD_BYTES, 0)
    first = head.split(b"\n", 1)[0]
    return f"{device}:{inode}:{hashlib.sha1(first).hexdigest()[:16]}"


def checkpoint_path(directory: Path | None, kind: str, sensor: str, target: Path) -> Path:
    """Where the checkpoint of a ``kind`` source of ``sensor`` reading ``target`` lives."""
    base = directory if directory is not None else data_dir() / "checkpoints"
    digest = hashlib.sha1(str(target.absolute()).encode()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", sensor)
    return base / f"{kind}-{safe}-{digest}.json"


def load_checkpoint(path: Path) -> dict[str, Any] | None:
    """The checkpoint at ``path``, or None when absent or unreadable (then start afresh)."""
    try:
        value = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        log.warning("%s: checkpoint not readable, starting afresh: %s", path, e)
        return None
    return value if isinstance(value, dict) else None


def save_checkpoint(path: Path, value: dict[str, Any]) -> None:
    """Replace the checkpoint at ``path`` atomically (write aside, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(json.dumps(value, sort_keys=True).encode())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class CheckpointedSource(Source):
    """A source whose acks update a checkpoint held in memory and saved to disk."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.checkpoint_file = path
        self._lock = threading.Lock()
        self._dirty = False

    @abstractmethod
    def _state(self) -> dict[str, Any]:
        """The checkpoint to save: where the acked records end."""

    def _save(self) -> None:
        """Write the checkpoint (the caller holds the lock); a failure is retried later."""
        try:
            save_checkpoint(self.checkpoint_file, self._state())
            self._dirty = False
        except OSError as e:
            self._dirty = True
            self.count(errors=1)
            log.error("%s: cannot write checkpoint: %s", self.checkpoint_file, e)

    def close(self) -> None:
        with self._lock:
            if self._dirty:
                self._save()


#: How many first bytes of a file identify it, with its inode (an inode is reused).
HEAD_BYTES = 1024


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


def _head(stream: IO[bytes], size: int) -> dict[str, Any]:
    """A digest of the first ``size`` bytes of ``stream`` (without moving its position)."""
    data = os.pread(stream.fileno(), size, 0)
    return {"head_size": size, "head": hashlib.sha1(data).hexdigest()}


class FileTailSource(CheckpointedSource):
    """Lines appended to ``path``, across rotation and truncation (see the module docstring).

    Without a checkpoint, reading starts at the beginning of the file, or at its end with
    ``start_at="end"``.  With one, it resumes at the checkpoint's offset when the file is
    the same (same inode and device, and the same first bytes, since a new file may get a
    deleted file's inode); when the file was rotated since, the rotated file is looked for
    beside it (``app.log.1``, ``app.log-20240101``...) and finished first; otherwise the
    new file is read from its beginning.
    """

    def __init__(
        self,
        sensor: str,
        path: Path | str,
        checkpoint_dir: Path | str | None,
        *,
        batch_size: int = DEFAULT_BATCH,
        poll_interval: float = 0.05,
        idle_interval: float | None = None,
        start_at: Literal["beginning", "end"] = "beginning",
    ) -> None:
        if start_at not in ("beginning", "end"):
            raise ValueError(f"start_at must be 'beginning' or 'end', not {start_at!r}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.path = Path(path)
        directory = Path(checkpoint_dir) if checkpoint_dir is not None else None
        super().__init__(checkpoint_path(directory, "file", sensor, self.path))
        self.sensor = sensor
        self.name = f"file {self.path}"
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        # (default: 4 polls, 0.2 s)
        self.idle_interval = max(idle_interval or 4 * poll_interval, poll_interval)
        self.start_at = start_at
        self._acked: dict[str, Any] = {}

    def _state(self) -> dict[str, Any]:
        return {"path": str(self.path), **self._acked}

    def _ack(self, position: dict[str, Any]) -> Ack:
        def ack() -> None:
            with self._lock:
                self._acked = position
                self._save()

        return PositionAck(self, ack)

    @staticmethod
    def _position(stream: IO[bytes], offset: int) -> dict[str, Any]:
        """Where ``stream`` is read to, with what tells the file apart from a later one that
        reuses its inode: a digest of its first bytes."""
        device, inode = _identity(os.fstat(stream.fileno()))
        size = min(HEAD_BYTES, offset)
        return {"device": device, "inode": inode, "offset": offset, **_head(stream, size)}

    @staticmethod
    def _same_file(stream: IO[bytes], saved: dict[str, Any]) -> bool:
        if _identity(os.fstat(stream.fileno())) != (saved.get("device"), saved.get("inode")):
            return False
        size = saved.get("head_size")
        return not isinstance(size, int) or _head(stream, size)["head"] == saved.get("head")

    def _open(self, path: Path) -> IO[bytes] | None:
        try:
            return open(path, "rb")
        except FileNotFoundError:
            return None

    def _resume(self) -> tuple[IO[bytes] | None, int]:
        """The file to read first and the offset to read it from."""
        stream = self._open(self.path)
        saved = load_checkpoint(self.checkpoint_file)
        if saved is None:
            if stream is not None and self.start_at == "end":
                return stream, os.fstat(stream.fileno()).st_size
            return stream, 0
        offset = saved.get("offset")
        if not isinstance(offset, int):
            return stream, 0
        if stream is None or not self._same_file(stream, saved):
            if stream is not None:
                stream.close()
            stream = self._find_rotated(saved)
            if stream is None:
                return self._open(self.path), 0
            log.info("%s: resuming in the rotated file %s", self.path, stream.name)
        return stream, offset if offset <= os.fstat(stream.fileno()).st_size else 0

    def _find_rotated(self, saved: dict[str, Any]) -> IO[bytes] | None:
        """The checkpoint's file, renamed beside the path (``app.log.1``), opened."""
        try:
            siblings = sorted(self.path.parent.iterdir())
        except OSError:
            return None
        for sibling in siblings:
            if not sibling.name.startswith(self.path.name) or sibling == self.path:
                continue
            try:
                if _identity(sibling.stat()) != (saved.get("device"), saved.get("inode")):
                    continue
                stream = self._open(sibling)
            except OSError:
                continue
            if stream is not None and self._same_file(stream, saved):
                return stream
            if stream is not None:
                stream.close()
        return None

    def run(self, emit: Emit, stop: threading.Event) -> None:
        stream, offset = self._resume()
        # The wait between two looks at the end of the file: poll_interval while lines
        # keep coming (they are picked up within it), doubling up to idle_interval once
        # none come (a poll costs ~0.1 ms: 20 a second of each of many idle files add up).
        wait = self.poll_interval
        try:
            while not stop.is_set():
                if stream is None:
                    stream, offset = self._open(self.path), 0
                    if stream is None:
                        stop.wait(self.idle_interval)
                        continue
                identity = _identity(os.fstat(stream.fileno()))
                stream.seek(offset)
                starts: list[int] = []
                records, consumed, at_end = read_lines(
                    stream, self.batch_size, final=False, starts=starts, max_bytes=BATCH_BYTES
                )
                if records and not self._emit(
                    emit, stop, records, stream, offset, starts, offset + consumed
                ):
                    return
                offset += consumed
                if not at_end:
                    continue
                if os.fstat(stream.fileno()).st_size < offset:
                    log.info("%s: truncated, reading again from the start", self.path)
                    offset = 0
                    continue
                try:
                    current = _identity(self.path.stat())
                except OSError:
                    current = identity  # renamed, new file not there yet: keep the old one
                if current != identity:
                    log.info("%s: rotated, finishing the old file", self.path)
                    if not self._drain(emit, stop, stream, offset):
                        return
                    stream.close()
                    stream = None
                    continue
                if records:
                    wait = self.poll_interval
                else:
                    stop.wait(wait)
                    wait = min(wait * 2, self.idle_interval)
        finally:
            if stream is not None:
                stream.close()

    def _drain(
        self,
        emit: Emit,
        stop: threading.Event,
        stream: IO[bytes],
        offset: int,
    ) -> bool:
        """Read a rotated file to its end, last line included; False when stopped."""
        stream.seek(offset)
        while True:
            starts: list[int] = []
            records, consumed, at_end = read_lines(
                stream, self.batch_size, final=True, starts=starts, max_bytes=BATCH_BYTES
            )
            if records and not self._emit(
                emit, stop, records, stream, offset, starts, offset + consumed
            ):
                return False
            offset += consumed
            if at_end:
                return True

    def _emit(
        self,
        emit: Emit,
        stop: threading.Event,
        records: list[bytes],
        stream: IO[bytes],
        offset: int,
        starts: list[int],
        end: int,
    ) -> bool:
        """Emit ``records`` read from ``offset`` (``starts`` relative to it), the file read
        up to ``end`` once they are stored; False when stopped."""
        if stop.is_set():
            return False
        origins = Offsets(f"{file_key(stream)}:", offset, starts)
        emit(self.sensor, records, self._ack(self._position(stream, end)), origins)
        self.count(records=len(records), size=sum(map(len, records)))
        return True


def strip_newline(line: bytes) -> bytes:
    return line[:-2] if line.endswith(b"\r\n") else line.removesuffix(b"\n")
