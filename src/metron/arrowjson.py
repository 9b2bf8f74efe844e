"""JSON lines read into Arrow columns at C speed (pyarrow's JSON reader), for the stores
that take batches of messages as their JSON text: the lake's tables and the search index's
columns.

Arrow infers one type per field; where that loses what the text said, the callers decode
the field themselves.  What Arrow does that we undo or detect here:

* a string that looks like a date becomes a timestamp: such fields are read again as
  strings;
* integers and floats in one field become floats: :func:`has_integer` tells whether a
  float field also held integer literals;
* a list holding a null comes out malformed (its offsets count the null, its values do
  not): :func:`sound` tells whether a column is well formed;
* a batch Arrow cannot read as one type per field (``80`` and ``"http"`` in one field),
  a line that is not an object, a string with a lone surrogate: :func:`read_lines` gives
  None and the caller decodes the batch message by message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import orjson
import pyarrow as pa
import pyarrow.json as pj

__all__ = ["has_integer", "join_lines", "one_array", "read_lines", "set_threads", "sound"]

_READ = pj.ReadOptions(use_threads=True, block_size=4 << 20)
_SERIAL = pj.ReadOptions(use_threads=False, block_size=4 << 20)
_options = [_READ]
_UNREADABLE = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


def set_threads(enabled: bool) -> None:
    """Whether :func:`read_lines` parses on Arrow's threads (the default) or on the
    calling thread only.  Threads give a large batch sooner but cost some CPU more in all
    (measured: ~0.5 µs a line): a process that shares the cores with others busy with the
    same work (the platform's) reads serially."""
    _options[0] = _READ if enabled else _SERIAL


def join_lines(lines: Sequence[bytes]) -> bytes:
    """The lines as one buffer for :func:`read_lines` and :func:`has_integer`."""
    return b"\n".join(lines)


def read_lines(lines: Sequence[bytes], blob: bytes | None = None) -> pa.Table | None:
    """The JSON objects ``lines`` as a table (one row per line, in order), or None when
    Arrow cannot read them as one type per field.  ``blob`` is :func:`join_lines` of the
    lines when the caller already has it."""
    if not lines:
        return None
    if blob is None:
        blob = join_lines(lines)
    read = _options[0]
    try:
        table = pj.read_json(pa.py_buffer(blob), read_options=read)
        dates = [field for field in table.schema if pa.types.is_timestamp(field.type)]
        if dates:
            strings = pa.schema([(field.name, pa.string()) for field in dates])
            options = pj.ParseOptions(explicit_schema=strings)
            table = pj.read_json(pa.py_buffer(blob), read_options=read, parse_options=options)
    except _UNREADABLE:
        return None
    if table.num_rows != len(lines):
        return None
    return table


def has_integer(blob: bytes, field: str) -> bool:
    """Whether ``blob`` (JSON lines) may hold an integer literal as the value of ``field``
    (a false yes, from text inside a string that looks like it, only costs the caller a
    slower path; a key written with needless escapes is not recognised)."""
    key = re.escape(orjson.dumps(field))
    return re.search(key + rb"\s*:\s*-?[0-9]+\s*[,}]", blob) is not None


def one_array(column: pa.ChunkedArray) -> pa.Array:
    """A column as one array: its only chunk as it is (``combine_chunks`` copies even a
    single chunk), or its chunks combined."""
    if column.num_chunks == 1:
        return column.chunk(0)
    return column.combine_chunks()


def sound(column: pa.ChunkedArray) -> bool:
    """Whether a column of a table from :func:`read_lines` is well formed (see above)."""
    try:
        column.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True
