"""File, directory and stdin sources against real files, with a fake pipeline: a bounded
queue of batches (emit blocks when it is full) from which the test takes batches and acks
them in order, or not, to play a crash."""

from __future__ import annotations

import gzip
import io
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.runtime.sources.base import NO_ACK, Ack, Source
from metron.runtime.sources.directory import DirectorySource
from metron.runtime.sources.files import FileTailSource, file_key
from metron.runtime.sources.stdin import StdinSource

TIMEOUT = 5.0


class Pipeline:
    """The pipeline's side of the contract: a bounded queue, acks called by the test."""

    def __init__(self, bound: int = 100) -> None:
        self.batches: queue.Queue[tuple[str, list[bytes], Ack]] = queue.Queue(maxsize=bound)
        #: record -> the origins it was emitted with, in order
        self.origins: dict[bytes, list[str]] = {}

    def emit(
        self,
        sensor: str,
        records: Sequence[bytes],
        ack: Ack,
        origins: Sequence[str] | None = None,
    ) -> None:
        if origins is not None:
            for record, origin in zip(records, origins, strict=True):
                self.origins.setdefault(record, []).append(origin)
        self.batches.put((sensor, list(records), ack))

    def take(self, count: int, *, ack: bool = True) -> list[bytes]:
        """The records of batches taken until ``count`` records came (acking each batch)."""
        records: list[bytes] = []
        deadline = time.monotonic() + TIMEOUT
        while len(records) < count:
            try:
                _, batch, batch_ack = self.batches.get(
                    timeout=max(0.0, deadline - time.monotonic())
                )
            except queue.Empty:
                pytest.fail(f"only {len(records)} of {count} records came: {records}")
            records.extend(batch)
            if ack:
                batch_ack()
        return records

    def take_batch(self) -> tuple[list[bytes], Ack]:
        _, batch, batch_ack = self.batches.get(timeout=TIMEOUT)
        return batch, batch_ack

    def quiet(self, seconds: float = 0.3) -> None:
        """Nothing more is emitted for a while."""
        time.sleep(seconds)
        assert self.batches.empty(), f"unexpected batch: {self.batches.get_nowait()[1]}"


@contextmanager
def running(source: Source, pipeline: Pipeline) -> Iterator[threading.Thread]:
    """Run ``source`` in a thread; on exit stop it (unblocking its emit) and close it."""
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(pipeline.emit, stop), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        deadline = time.monotonic() + TIMEOUT
        while thread.is_alive() and time.monotonic() < deadline:
            while not pipeline.batches.empty():  # a blocked emit must get through to see stop
                pipeline.batches.get_nowait()
            thread.join(0.05)
        assert not thread.is_alive(), "the source did not stop"
        source.close()


def append(path: Path, text: str) -> None:
    with open(path, "ab") as f:
        f.write(text.encode())


def lines(*items: str) -> list[bytes]:
    return [item.encode() for item in items]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "logs" / "app.log"


@pytest.fixture
def tail(log: Path, tmp_path: Path) -> Callable[..., FileTailSource]:
    log.parent.mkdir(exist_ok=True)

    def make(**options: object) -> FileTailSource:
        return FileTailSource("app", log, tmp_path / "checkpoints", poll_interval=0.02, **options)  # type: ignore[arg-type]

    return make


# --- tailing one file ---------------------------------------------------------------------


def test_tail_reads_existing_and_appended_lines_skipping_blank_ones(
    tail: Callable[..., FileTailSource], log: Path
) -> None:
    append(log, "one\n\ntwo\r\n  \n")
    pipeline = Pipeline()
    source = tail()
    with running(source, pipeline):
        assert pipeline.take(2) == lines("one", "two")
        append(log, "three\nfour\n")
        assert pipeline.take(2) == lines("three", "four")
        pipeline.quiet(0.1)
    assert source.stats.records == 4
    checkpoint = json.loads(source.checkpoint_file.read_bytes())
    assert checkpoint["offset"] == log.stat().st_size
    assert checkpoint["inode"] == log.stat().st_ino


def test_tail_waits_for_the_file_and_for_a_partial_line_to_end(
    tail: Callable[..., FileTailSource], log: Path
) -> None:
    pipeline = Pipeline()
    with running(tail(), pipeline):
        pipeline.quiet(0.1)
        append(log, "first\nhalf a ")
        assert pipeline.take(1) == lines("first")
        pipeline.quiet(0.2)
        append(log, "line\n")
        assert pipeline.take(1) == lines("half a line")


def test_tail_follows_rotation_finishing_the_old_file(
    tail: Callable[..., FileTailSource], log: Path
) -> None:
    append(log, "a1\n")
    pipeline = Pipeline()
    with running(tail(), pipeline):
        assert pipeline.take(1) == lines("a1")
        log.rename(log.with_name("app.log.1"))
        # The writer has not reopened yet: it still writes to the renamed file.
        append(log.with_name("app.log.1"), "a2\nno newline")
        append(log, "b1\nb2\n")
        assert pipeline.take(4) == lines("a2", "no newline", "b1", "b2")
        append(log, "b3\n")
        assert pipeline.take(1) == lines("b3")
    # every record has its own origin, the rotated file's and the new file's alike
    origins = [o for found in pipeline.origins.values() for o in found]
    assert len(origins) == 6 == len(set(origins))
    # the file's identity and the line's offset (guids derive from it: a replay after an
    # upgrade must name each line as before)
    with open(log, "rb") as stream:
        key = file_key(stream)
    assert pipeline.origins[b"b1"] == [f"{key}:0"]
    assert pipeline.origins[b"b3"] == [f"{key}:6"]


def test_tail_starts_again_after_truncation(tail: Callable[..., FileTailSource], log: Path) -> None:
    append(log, "old line one\nold line two\n")
    pipeline = Pipeline()
    with running(tail(), pipeline):
        assert pipeline.take(2) == lines("old line one", "old line two")
        log.write_bytes(b"new\n")
        assert pipeline.take(1) == lines("new")


def test_tail_start_at_end_skips_what_is_there(
    tail: Callable[..., FileTailSource], log: Path
) -> None:
    append(log, "before\n")
    pipeline = Pipeline()
    with running(tail(start_at="end"), pipeline):
        pipeline.quiet(0.1)
        append(log, "after\n")
        assert pipeline.take(1) == lines("after")


def test_tail_replays_what_was_not_acked_after_a_crash(
    tail: Callable[..., FileTailSource], log: Path
) -> None:
    append(log, "".join(f"line {i}\n" for i in range(1, 6)))
    pipeline = Pipeline()
    with running(tail(batch_size=2), pipeline):
        first, ack_first = pipeline.take_batch()
        second, _ = pipeline.take_batch()  # emitted, never acked: the process dies here
        assert (first, second) == (lines("line 1", "line 2"), lines("line 3", "line 4"))
        ack_first()
    crashed = pipeline
    pipeline = Pipeline()
    with running(tail(batch_size=2), pipeline):
        assert pipeline.take(3) == lines("line 3", "line 4", "line 5")
        pipeline.quiet(0.1)
    # a replayed record has the origin it had the first time (its messages keep their guids)
    for record in lines("line 3", "line 4"):
        assert pipeline.origins[record] == crashed.origins[record]
    assert len({o for found in pipeline.origins.values() for o in found}) == 3
    pipeline = Pipeline()
    with running(tail(batch_size=2), pipeline):
        pipeline.quiet(0.1)


def test_tail_resumes_in_the_rotated_file(tail: Callable[..., FileTailSource], log: Path) -> None:
    append(log, "a1\n")
    pipeline = Pipeline()
    with running(tail(), pipeline):
        assert pipeline.take(1) == lines("a1")
    append(log, "a2\n")
    log.rename(log.with_name("app.log.1"))
    append(log, "b1\n")
    pipeline = Pipeline()
    with running(tail(), pipeline):
        assert pipeline.take(2) == lines("a2", "b1")


def test_tail_checkpoint_of_another_file_starts_from_the_beginning(
    tail: Callable[..., FileTailSource], log: Path
) -> None:
    append(log, "gone\n")
    pipeline = Pipeline()
    with running(tail(), pipeline):
        assert pipeline.take(1) == lines("gone")
    log.unlink()
    log.write_bytes(b"fresh line\n")  # likely to get the inode just freed
    pipeline = Pipeline()
    with running(tail(), pipeline):
        assert pipeline.take(1) == lines("fresh line")


def test_tail_polls_a_busy_file_quickly_and_an_idle_one_less_often(
    log: Path, tmp_path: Path
) -> None:
    log.parent.mkdir(exist_ok=True)
    append(log, "one\n")
    source = FileTailSource("app", log, tmp_path / "checkpoints", poll_interval=0.05)
    waits: list[float] = []

    class Stop:
        """Records the tail's waits (returning at once); new lines come during the fifth."""

        def is_set(self) -> bool:
            return len(waits) >= 9

        def wait(self, seconds: float) -> bool:
            waits.append(seconds)
            if len(waits) == 5:
                append(log, "two\n")
            return False

    emitted: list[bytes] = []

    def emit(sensor: str, records: list[bytes], ack: Any, origins: Any = None) -> None:
        emitted.extend(records)
        ack()

    source.run(emit, Stop())  # type: ignore[arg-type]
    assert emitted == [b"one", b"two"]
    # doubling up to 4 polls while nothing comes, back to one poll once lines came
    assert waits == [0.05, 0.1, 0.2, 0.2, 0.2, 0.05, 0.1, 0.2, 0.2]


def test_tail_waits_under_back_pressure(tail: Callable[..., FileTailSource], log: Path) -> None:
    append(log, "".join(f"{i}\n" for i in range(50)))
    pipeline = Pipeline(bound=1)
    source = tail(batch_size=1)
    with running(source, pipeline):
        time.sleep(0.2)
        assert source.stats.records <= 2  # one batch queued, one blocked in emit
        assert pipeline.take(50) == lines(*(str(i) for i in range(50)))


# --- a directory of files -----------------------------------------------------------------


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    directory = tmp_path / "inbox"
    directory.mkdir()
    return directory


def directory_source(inbox: Path, tmp_path: Path, **options: object) -> DirectorySource:
    return DirectorySource("app", inbox, tmp_path / "checkpoints", poll_interval=0.02, **options)  # type: ignore[arg-type]


def test_directory_reads_each_file_once_in_name_order(inbox: Path, tmp_path: Path) -> None:
    (inbox / "b.log").write_bytes(b"b1\n\nb2")
    (inbox / "a.log").write_bytes(b"a1\n")
    with gzip.open(inbox / "c.log.gz", "wb") as f:
        f.write(b"c1\nc2\n")
    (inbox / ".d.log.partial").write_bytes(b"hidden\n")
    pipeline = Pipeline()
    source = directory_source(inbox, tmp_path)
    with running(source, pipeline):
        assert pipeline.take(5) == lines("a1", "b1", "b2", "c1", "c2")
        (inbox / ".d.log.partial").rename(inbox / "d.log")
        assert pipeline.take(1) == lines("hidden")
        pipeline.quiet(0.1)
    checkpoint = json.loads(source.checkpoint_file.read_bytes())
    assert checkpoint["done"] == ["a.log", "b.log", "c.log.gz", "d.log"]
    pipeline = Pipeline()
    with running(directory_source(inbox, tmp_path), pipeline):
        pipeline.quiet(0.1)


def test_directory_waits_until_a_file_stops_growing(inbox: Path, tmp_path: Path) -> None:
    pipeline = Pipeline()
    with running(DirectorySource("app", inbox, tmp_path, poll_interval=0.2), pipeline):
        for i in range(8):  # a line every 20 ms: never two polls without a change
            append(inbox / "growing.log", f"{i}\n")
            time.sleep(0.02)
        assert pipeline.take(8) == lines(*(str(i) for i in range(8)))


def test_directory_resumes_mid_file_after_a_crash(inbox: Path, tmp_path: Path) -> None:
    (inbox / "a.log").write_bytes(b"1\n2\n3\n4\n5\n")
    with gzip.open(inbox / "b.log.gz", "wb") as f:
        f.write(b"6\n7\n8\n")
    pipeline = Pipeline()
    with running(directory_source(inbox, tmp_path, batch_size=2), pipeline):
        first, ack_first = pipeline.take_batch()
        assert first == lines("1", "2")
        ack_first()
        assert pipeline.take(6, ack=False) == lines("3", "4", "5", "6", "7", "8")
    crashed = pipeline
    pipeline = Pipeline()
    with running(directory_source(inbox, tmp_path, batch_size=2), pipeline):
        assert pipeline.take(3) == lines("3", "4", "5")
        # Crash inside the gzip file: the second run stored 6 and 7 only.
        batch, ack = pipeline.take_batch()
        assert batch == lines("6", "7")
        ack()
    for record in lines("3", "4", "5", "6", "7"):
        assert pipeline.origins[record] == crashed.origins[record]
    pipeline = Pipeline()
    with running(directory_source(inbox, tmp_path, batch_size=2), pipeline):
        assert pipeline.take(1) == lines("8")
        pipeline.quiet(0.1)


def test_directory_reads_a_damaged_gzip_up_to_the_damage(inbox: Path, tmp_path: Path) -> None:
    data = gzip.compress(b"".join(f"line {i}\n".encode() for i in range(100)))
    (inbox / "cut.log.gz").write_bytes(data[:-8])  # no trailer: the end cannot be checked
    (inbox / "next.log").write_bytes(b"next\n")
    pipeline = Pipeline()
    source = directory_source(inbox, tmp_path)
    with running(source, pipeline):
        records = pipeline.take(101)
    assert records[-1] == b"next"
    assert records[:3] == lines("line 0", "line 1", "line 2")
    assert source.stats.errors == 1


# --- standard input -----------------------------------------------------------------------


def test_stdin_emits_lines_until_end_of_input() -> None:
    stream = io.BytesIO(b"one\r\n\ntwo\nthree")
    pipeline = Pipeline()
    source = StdinSource("app", stream, batch_size=2)
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(pipeline.emit, stop))
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive(), "run did not return at end of input"
    batches = [pipeline.take_batch() for _ in range(pipeline.batches.qsize())]
    assert [r for batch, _ in batches for r in batch] == lines("one", "two", "three")
    assert all(ack is NO_ACK for _, ack in batches)
    assert all(len(batch) <= 2 for batch, _ in batches)


def test_stdin_emits_slow_lines_at_once_and_stops_while_waiting() -> None:
    read_end, write_end = os.pipe()
    with open(read_end, "rb") as reader, open(write_end, "wb", buffering=0) as writer:
        pipeline = Pipeline()
        with running(StdinSource("app", reader), pipeline):
            writer.write(b"typed\n")
            assert pipeline.take(1) == lines("typed")
            pipeline.quiet(0.1)


def test_read_lines_stops_a_batch_past_its_bytes() -> None:
    from metron.runtime.sources.files import read_lines

    data = b"".join(b"%d %s\n" % (n, b"x" * 20) for n in range(10))  # 23-24 bytes a line
    stream = io.BytesIO(data)
    records, consumed, at_end = read_lines(stream, 100, final=False, max_bytes=50)
    assert records == data.splitlines()[:3] and consumed == 3 * 23 and not at_end
    stream.seek(consumed)
    rest, _, at_end = read_lines(stream, 100, final=False)
    assert records + rest == data.splitlines() and at_end
    # one line longer than the bound is a batch of its own, never split
    long = b"y" * 80 + b"\nz\n"
    records, consumed, _ = read_lines(io.BytesIO(long), 100, final=False, max_bytes=50)
    assert records == [b"y" * 80] and consumed == 81


def _read_lines_by_line(
    stream: io.BytesIO, limit: int, final: bool, max_bytes: int | None
) -> tuple[list[bytes], int, bool, list[int]]:
    """The line rules, one readline at a time: what read_lines must give."""
    records: list[bytes] = []
    starts: list[int] = []
    consumed = 0
    while len(records) < limit and (max_bytes is None or consumed < max_bytes):
        line = stream.readline()
        if not line:
            return records, consumed, True, starts
        if not line.endswith(b"\n"):
            if not final:
                return records, consumed, True, starts
            record = line
        else:
            record = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        if record.strip():
            records.append(record)
            starts.append(consumed)
        consumed += len(line)
    return records, consumed, False, starts


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.sampled_from([b"a", b"bc", b" ", b"\t", b"\r", b"\n", b"\n", b"\r\n", b"xyz" * 5]),
        max_size=60,
    ).map(b"".join),
    skip=st.integers(0, 10),
    limit=st.integers(1, 8),
    final=st.booleans(),
    max_bytes=st.none() | st.integers(1, 40),
    block=st.integers(1, 20),
)
def test_read_lines_reads_blocks_by_the_line_rules(
    data: bytes, skip: int, limit: int, final: bool, max_bytes: int | None, block: int
) -> None:
    import metron.runtime.sources.files as files

    skip = min(skip, len(data))
    expected = _read_lines_by_line(io.BytesIO(data[skip:]), limit, final, max_bytes)
    stream = io.BytesIO(data)
    stream.seek(skip)
    starts: list[int] = []
    saved = files.READ_BLOCK
    files.READ_BLOCK = block  # (lines across blocks, lines longer than a block)
    try:
        records, consumed, at_end = files.read_lines(
            stream, limit, final=final, starts=starts, max_bytes=max_bytes
        )
    finally:
        files.READ_BLOCK = saved
    assert (records, consumed, at_end, starts) == expected
    assert stream.tell() == skip + consumed  # left where the next batch begins


def test_offsets_are_origins_made_where_they_are_used() -> None:
    import pickle

    from metron.runtime.sources.base import Offsets

    origins = Offsets("8:12:abc:", 1000, [0, 17, 40])
    assert len(origins) == 3
    assert list(origins) == ["8:12:abc:1000", "8:12:abc:1017", "8:12:abc:1040"]
    assert origins[-1] == "8:12:abc:1040" and origins[1:] == ["8:12:abc:1017", "8:12:abc:1040"]
    assert origins == ["8:12:abc:1000", "8:12:abc:1017", "8:12:abc:1040"]
    back = pickle.loads(pickle.dumps(origins))
    assert back == origins and isinstance(back, Offsets)
    with pytest.raises(IndexError):
        origins[3]


def test_position_acks_due_together_save_the_last_checkpoint_only() -> None:
    from metron.runtime.sources.base import PositionAck, without_superseded

    calls: list[str] = []
    tail, other = object(), object()

    def ack(name: str, owner: object | None = None) -> Ack:
        def call() -> None:
            calls.append(name)

        return call if owner is None else PositionAck(owner, call)

    due = [ack("t1", tail), ack("t2", tail), ack("plain"), ack("o1", other), ack("t3", tail)]
    for each in without_superseded(due):
        each()
    assert calls == ["plain", "o1", "t3"]  # in their order; t3 makes t1 and t2 moot
    assert without_superseded([]) == []


def test_a_tailed_files_checkpoint_is_its_last_acked_batch(tmp_path: Path) -> None:
    from metron.runtime.sources.base import without_superseded
    from metron.runtime.sources.files import load_checkpoint

    log = tmp_path / "app.log"
    log.write_bytes(b"".join(b"line %d\n" % n for n in range(25)))
    source = FileTailSource("app", log, checkpoint_dir=tmp_path / "ck", batch_size=10)
    acks: list[Ack] = []
    done = threading.Event()

    def emit(sensor: str, records: Sequence[bytes], ack: Ack, origins: Any = None) -> None:
        acks.append(ack)
        if len(acks) == 3:
            done.set()

    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(emit, stop))
    thread.start()
    assert done.wait(10)
    stop.set()
    thread.join(10)
    called = without_superseded(acks)
    assert len(called) == 1
    called[0]()
    checkpoint = load_checkpoint(source.checkpoint_file)
    assert checkpoint is not None and checkpoint["offset"] == log.stat().st_size


def test_read_lines_reads_no_more_than_a_batch_may_take() -> None:
    import metron.runtime.sources.files as files

    class Counted(io.BytesIO):
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self.asked: list[int] = []

        def read(self, size: int | None = -1) -> bytes:
            self.asked.append(-1 if size is None else size)
            return super().read(size)

    data = b"".join(b"%06d%s\n" % (n, b"x" * 993) for n in range(3000))  # 1,000-byte lines
    stream = Counted(data)
    records, consumed, _ = files.read_lines(stream, 4000, final=False, max_bytes=300_000)
    assert len(records) == 300 and consumed == 300_000
    # the first block, then what the rest of the byte budget allows (not 3,700 lines more)
    assert max(stream.asked) <= 300_000 and stream.asked[0] == files.READ_BLOCK
    stream = Counted(data)
    records, _, _ = files.read_lines(stream, 4000, final=False)
    assert len(records) == 3000 and max(stream.asked) <= files.MAX_BLOCK
