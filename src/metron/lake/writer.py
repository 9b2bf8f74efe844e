"""Enriched messages into the Parquet lake: ``<root>/sensor=<sensor>/dt=<YYYY-MM-DD>/*.parquet``.

Each flush writes one zstd-compressed file per (sensor, day) in the batch, named
``part-<epoch ms>-<6-digit sequence>-<8 hex>.parquet`` (names sort in the order a writer
wrote them, which compaction relies on to keep a message's latest copy).  A file is written
under ``<root>/.tmp/`` and renamed into its partition, so a reader (or :func:`metron.lake.retention.compact`) only ever sees
whole files, and a partition directory only ever gains files by an atomic rename.

Messages are buffered as their JSON text (``write_lines`` takes the text as it is; ``write``
serialises) and a batch's table is read from the text by Arrow's JSON reader, with the type
rule below applied to what it read; a batch it cannot read as the rule says (a mixture, an
object, an integer beyond int64) is decoded message by message instead.

The day is the UTC day of the message's ``timestamp`` (epoch milliseconds).  A message
without a usable timestamp (absent, null, not a number, or outside years 1-9999) goes to the
UTC day of the flush that writes it.

Columns keep the messages' field names, dots and all (``enrichments.geo.ip_dst_addr.city``).
A file has the columns its batch has, so the schema grows as fields appear; readers unify
files by column name and read a field a file lacks as NULL.  Types, per batch and field:

* all strings, all booleans, all integers (int64), all floats: that type; integers mixed
  with floats are floats;
* lists and objects are JSON text (query them with DuckDB's ``json_extract``), always, so a
  field keeps one type from file to file;
* any other mixture (``80`` and ``"http"``, ``true`` and ``1``), or an integer beyond int64:
  a string column, strings as they are and other values as their JSON text (``80``,
  ``true``, ``[1,2]``);
* a field that is null (or absent) throughout the batch is left out of the file.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from itertools import accumulate, islice, pairwise
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from metron.arrowjson import one_array, read_lines, sound
from metron.errors import MetronError
from metron.message import dumps_kept

__all__ = ["DEFAULT_BATCH_SIZE", "LakeWriter", "check_sensor", "partition_dir"]

DEFAULT_BATCH_SIZE = 100_000
_DAY_MS = 86_400_000
_EPOCH = date(1970, 1, 1)
_FIRST_DAY = (date.min - _EPOCH).days
_LAST_DAY = (date.max - _EPOCH).days
_SENSOR = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_SIMPLE = {pa.string(), pa.int64(), pa.float64(), pa.bool_()}


def check_sensor(sensor: str) -> str:
    """``sensor`` if it can name a partition (letters, digits, ``_ . -``, not starting with
    a dot or dash), else a :class:`MetronError`."""
    if not _SENSOR.fullmatch(sensor):
        raise MetronError(
            f"sensor name {sensor!r} cannot name a lake partition: use letters, digits,"
            " '_', '.' and '-', starting with a letter, digit or '_'"
        )
    return sensor


def partition_dir(root: Path, sensor: str, day: date) -> Path:
    """The directory of ``sensor``'s messages of ``day``."""
    return root / f"sensor={sensor}" / f"dt={day.isoformat()}"


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str).decode()
    except TypeError:  # an integer beyond 64 bits, which orjson refuses
        return json.dumps(value, default=str, separators=(",", ":"))


def _column(values: list[Any]) -> pa.Array | None:
    """One column of a batch by the module's type rule; None when all null."""
    types = set(map(type, values))
    types.discard(type(None))
    if not types:
        return None
    kind: pa.DataType | None = None
    if types == {str}:
        kind = pa.string()
    elif types == {bool}:
        kind = pa.bool_()
    elif types == {int}:
        kind = pa.int64()
    elif types <= {int, float}:
        kind = pa.float64()
    if kind is not None:
        try:
            return pa.array(values, kind)
        except (OverflowError, pa.ArrowInvalid):
            pass  # an integer beyond int64: text, below
    return pa.array([_json_text(v) for v in values], pa.string())


def _fast_column(values: list[Any]) -> pa.Array | None:
    """:func:`_column`, trying pyarrow's own inference first (it agrees with the rule when
    it picks a simple type, and refuses the mixtures the rule turns into text)."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return _column(values)
    if array.type in _SIMPLE:
        return array
    if array.type == pa.null():
        return None
    return _column(values)


def _table(messages: list[dict[str, Any]]) -> pa.Table:
    """The batch as a table, rows in the batch's order.  Messages with the same fields in
    the same order (a sensor's usual case) are transposed together at C speed; each column
    then gets its type from all its values at once."""
    shapes: dict[tuple[str, ...], tuple[list[int], list[Any]]] = {}
    for row, message in enumerate(messages):
        keys = tuple(message)
        group = shapes.get(keys)
        if group is None:
            group = shapes[keys] = ([], [])
        group[0].append(row)
        group[1].append(message.values())
    groups = [
        (len(rows), dict(zip(keys, zip(*values, strict=True), strict=True)))
        for keys, (rows, values) in shapes.items()
    ]
    arrays, kept = [], []
    for name in dict.fromkeys(name for keys in shapes for name in keys):
        values: list[Any] = []
        for size, columns in groups:
            column = columns.get(name)
            values += column if column is not None else [None] * size
        array = _fast_column(values)
        if array is not None:
            arrays.append(array)
            kept.append(name)
    table = pa.Table.from_arrays(arrays, names=kept)
    if len(shapes) > 1:  # back to the batch's order
        rows = np.concatenate([np.asarray(rows, dtype=np.int64) for rows, _ in shapes.values()])
        table = table.take(pa.array(np.argsort(rows, kind="stable")))
    return table


#: Messages transposed at a time: the per-column lists of a smaller chunk stay in cache
#: (a 100,000-message batch built whole cost 40% more per message).
CHUNK = 20_000


def _chunked_table(messages: list[dict[str, Any]]) -> pa.Table:
    """:func:`_table` of ``messages``, built ``CHUNK`` messages at a time and concatenated
    when the chunks' types agree (or widen, int to double, as the rule does); otherwise,
    or when a chunk lost rows (all its fields null), the whole batch at once."""
    if len(messages) <= CHUNK:
        return _table(messages)
    tables = [_table(messages[i : i + CHUNK]) for i in range(0, len(messages), CHUNK)]
    if sum(table.num_rows for table in tables) == len(messages):
        try:
            return pa.concat_tables(tables, promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # a column typed differently in two chunks: the rule needs all values
    return _table(messages)


#: 20 digits in a row: perhaps an integer beyond 64 bits, which orjson reads as a float
_LONG_DIGITS = re.compile(rb"[0-9]{20}")


def _loads(line: bytes) -> dict[str, Any]:
    message = json.loads(line) if _LONG_DIGITS.search(line) else orjson.loads(line)
    if not isinstance(message, dict):
        raise MetronError(f"a lake message must be a JSON object, not {line[:80]!r}")
    return message


def _dumps(message: Any) -> bytes:
    """A message as the JSON line the lake buffers (Stellar's values as JSON's)."""
    try:
        return dumps_kept(message)
    except TypeError:  # an integer beyond 64 bits, or keys that are not strings
        return json.dumps(message, default=str, separators=(",", ":")).encode()


#: Beyond this magnitude a whole number in a float column may have been an integer too
#: big for int64 (which the rule makes text): such a batch takes the slow path.
_INT64_EDGE = 2.0**63
_LIST_ITEMS = {pa.string(), pa.int64(), pa.bool_(), pa.null()}


def _arrow_table(lines: list[bytes], table: pa.Table | None = None) -> pa.Table | None:
    """The batch's table straight from its JSON lines by Arrow's JSON reader (C++, several
    times faster than decoding to Python objects), when that gives exactly what the type
    rule gives; None when the batch needs the rule value by value (a mixture, an object,
    a list of floats or of mixed values, an integer beyond int64).  ``table``: what
    :func:`~metron.arrowjson.read_lines` read from ``lines`` already, if anything."""
    if table is None or table.num_rows != len(lines):
        table = read_lines(lines)
    if table is None or table.num_columns == 0:
        return None
    try:
        ruled = _by_the_rule(table)
    except pa.ArrowException:
        return None
    if ruled is None or ruled.num_rows != len(lines):  # every field null: no rows left
        return None
    return ruled


def _by_the_rule(table: pa.Table) -> pa.Table | None:
    """Arrow's reading of a batch made to follow the type rule, or None when it cannot."""
    arrays, names = [], []
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if kind == pa.null():
            continue  # null throughout: left out
        if pa.types.is_list(kind) and kind.value_type in _LIST_ITEMS and sound(column):
            arrays.append(_list_texts(column))
            names.append(name)
            continue
        if kind not in _SIMPLE:
            return None
        array = one_array(column)
        if kind == pa.float64():
            whole = pc.equal(array, pc.floor(array))
            edge = pc.greater_equal(pc.abs(array), _INT64_EDGE)
            if pc.any(pc.and_(whole, edge)).as_py():
                return None
        arrays.append(array)
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


#: Characters JSON escapes inside a string (a string holding one is rendered by orjson).
_ESCAPED = r'[\x00-\x1f"\\]'


def _list_texts(column: pa.ChunkedArray) -> pa.Array:
    """A column of lists of strings, integers, booleans or nulls as each list's JSON text
    (null for a null list), as ``orjson.dumps`` writes it: built by Arrow's kernels, but
    for strings that JSON must escape (then value by value)."""
    array = one_array(column)
    items = array.values
    kind = items.type
    if kind == pa.string():
        if pc.any(pc.match_substring_regex(items, _ESCAPED)).as_py():
            texts = [
                None if value is None else orjson.dumps(value).decode()
                for value in array.to_pylist()
            ]
            return pa.array(texts, pa.string())
        rendered = pc.binary_join_element_wise('"', items, '"', "")
    elif kind == pa.null():
        rendered = pa.nulls(len(items), pa.string())
    else:  # integers and booleans: their text is their JSON
        rendered = pc.cast(items, pa.string())
    rendered = pc.fill_null(rendered, "null")
    lists = pa.ListArray.from_arrays(array.offsets, rendered, mask=array.is_null())
    return pc.binary_join_element_wise("[", pc.binary_join(lists, ","), "]", "")


def _lines_table(
    lines: list[bytes], read: list[pa.Table] | None = None
) -> tuple[pa.Table, list[dict[str, Any]] | None]:
    """The batch's table, and its messages when they had to be decoded for it.  Read
    ``CHUNK`` lines at a time: the buffers of a chunk are reused from one to the next,
    where a whole batch's (100 MB) are fresh memory each time, and touching fresh memory
    cost more than reading it (measured: 8 us a message instead of 3).  ``read``: the
    lines read already (by :func:`~metron.arrowjson.read_lines`), a table for each run of
    them in order."""
    if read is not None and sum(table.num_rows for table in read) == len(lines):
        starts = list(accumulate((table.num_rows for table in read), initial=0))
        chunks = [(lines[a:b], table) for a, b, table in zip(starts, starts[1:], read)]
    else:
        chunks = [(lines[start : start + CHUNK], None) for start in range(0, len(lines), CHUNK)]
    tables = []
    for chunk, given in chunks:
        table = _arrow_table(chunk, given)
        if table is None:
            break
        tables.append(table)
    else:
        if len(tables) == 1:
            return tables[0], None
        try:  # chunks agree, or widen as the rule does (int64 and double: double)
            return pa.concat_tables(tables, promote_options="permissive"), None
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # a mixture across chunks: the rule needs all values
    messages = [_loads(line) for line in lines]
    return _chunked_table(messages), messages


def _days(
    messages: list[dict[str, Any]] | None, table: pa.Table, today: int
) -> np.ndarray[Any, Any]:
    """Each row's UTC day number (days since 1970-01-01); ``today`` where unusable.
    ``messages`` are needed only when the timestamp column is not all numbers (a column
    of one type that is not a number holds no usable timestamp)."""
    kind = table.schema.field("timestamp").type if "timestamp" in table.column_names else None
    if kind == pa.int64() or kind == pa.float64():
        values = table.column("timestamp").to_numpy().astype(np.float64)
    elif messages is None:
        values = np.full(table.num_rows, np.nan)
    else:
        raw = [m.get("timestamp") for m in messages]
        values = np.array(
            [v if type(v) is int or type(v) is float else np.nan for v in raw], np.float64
        )
    with np.errstate(invalid="ignore"):
        days = np.floor_divide(values, _DAY_MS)
    bad = ~np.isfinite(days) | (days < _FIRST_DAY) | (days > _LAST_DAY)
    days[bad] = today
    return days.astype(np.int64)


def _by_day(table: pa.Table, days: np.ndarray[Any, Any]) -> list[tuple[int, pa.Table]]:
    """The table's rows by day (``days``: each row's), each day's in their order.  Rows
    mostly come in time order: then each day is a slice (no copy); otherwise the rows
    are put in day order once (not filtered once a day)."""
    if bool(np.all(days == days[0])):
        return [(int(days[0]), table)]
    if not bool(np.all(days[:-1] <= days[1:])):
        order = np.argsort(days, kind="stable")
        table, days = table.take(order), days[order]
    unique = np.unique(days)
    starts = [*np.searchsorted(days, unique, side="left").tolist(), len(days)]
    return [
        (int(day), table.slice(start, stop - start))
        for day, (start, stop) in zip(unique.tolist(), pairwise(starts), strict=True)
    ]


class LakeWriter:
    """Buffers each sensor's messages and writes them to the lake in batches.

    ``write`` flushes a sensor whenever it holds ``batch_size`` messages; ``flush`` writes
    all that is buffered; ``close`` (or leaving the ``with`` block) flushes.  Messages are
    buffered as JSON text (compact: a message costs its text, not its Python objects), so
    they may change after ``write``.  Not thread-safe; several writers (processes) may
    share a root, since file names never collide.
    """

    def __init__(
        self,
        root: Path,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        compression: str = "zstd",
        compression_level: int | None = 1,
    ) -> None:
        if batch_size < 1:
            raise MetronError(f"batch_size must be at least 1, not {batch_size}")
        self.root = Path(root)
        self.batch_size = batch_size
        self.compression = compression
        self.compression_level = compression_level
        self.files_written: list[Path] = []
        self.rows_written = 0
        self._buffers: dict[str, list[bytes]] = {}
        # per sensor, the tables its buffered lines were read into by the writer's caller
        # (None once some came without: then they are read at the flush)
        self._read: dict[str, list[pa.Table] | None] = {}
        self._sequence = itertools.count()

    def write(self, sensor: str, messages: Iterable[Mapping[str, Any]]) -> None:
        """Buffer ``sensor``'s ``messages``, writing full batches as they fill."""
        self.write_lines(sensor, map(_dumps, messages))

    def write_lines(
        self, sensor: str, lines: Iterable[bytes], table: pa.Table | None = None
    ) -> None:
        """:meth:`write` for messages given as their JSON text (one object each, as
        :func:`metron.message.dumps` writes them): the cheap way in, since the batch's
        table is then read straight from the text.  ``table``: what
        :func:`~metron.arrowjson.read_lines` read from ``lines``, when the caller has it
        (then they are not read again)."""
        buffer = self._buffers.get(sensor)
        if buffer is None:
            buffer = self._buffers[check_sensor(sensor)] = []
            self._read[sensor] = []
        read = self._read[sensor]
        if (
            table is not None
            and read is not None
            and isinstance(lines, list)
            and table.num_rows == len(lines)
        ):
            at = 0
            while at < len(lines):  # (a batch that fills up is written: the rest goes on)
                taken = lines[at : at + self.batch_size - len(buffer)]
                buffer += taken
                read.append(table.slice(at, len(taken)))
                at += len(taken)
                if len(buffer) >= self.batch_size:
                    self._flush_sensor(sensor)
                    buffer, read = self._buffers[sensor], self._read[sensor]
                    assert read is not None  # (a flush leaves an empty list)
            return
        items = iter(lines)
        while True:
            buffer.extend(islice(items, self.batch_size - len(buffer)))
            if buffer:  # (some lines came without their table)
                self._read[sensor] = None
            if len(buffer) < self.batch_size:
                return
            self._flush_sensor(sensor)
            buffer = self._buffers[sensor]

    def flush(self) -> list[Path]:
        """Write everything buffered; the files written."""
        written: list[Path] = []
        for sensor in list(self._buffers):
            written += self._flush_sensor(sensor)
        return written

    def close(self) -> None:
        """Flush; the writer may still be used afterwards."""
        self.flush()

    def __enter__(self) -> LakeWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _flush_sensor(self, sensor: str) -> list[Path]:
        lines = self._buffers.get(sensor)
        read, self._read[sensor] = self._read.get(sensor), []
        if not lines:
            return []
        self._buffers[sensor] = []
        now_ms = int(time.time() * 1000)
        table, messages = _lines_table(lines, read)
        days = _days(messages, table, now_ms // _DAY_MS)
        written = []
        for day, part in _by_day(table, days):
            target = partition_dir(self.root, sensor, _EPOCH + timedelta(days=day))
            written.append(self._write_file(part, target, now_ms))
        self.files_written += written
        self.rows_written += len(lines)
        return written

    def _write_file(self, table: pa.Table, directory: Path, now_ms: int) -> Path:
        name = f"part-{now_ms:013d}-{next(self._sequence) % 1_000_000:06d}-{uuid.uuid4().hex[:8]}.parquet"
        staging = self.root / ".tmp"
        staging.mkdir(parents=True, exist_ok=True)
        directory.mkdir(parents=True, exist_ok=True)
        temporary = staging / f"{name}.tmp"
        try:
            pq.write_table(
                table,
                temporary,
                compression=self.compression,
                compression_level=self.compression_level,
                # measured on Metron-like batches: no dictionary pages is both faster to
                # write and smaller once zstd has had its go
                use_dictionary=False,
            )
            target = directory / name
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return target
