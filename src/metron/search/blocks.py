"""Documents' JSON texts kept in compressed blocks of the alert store's database.

A write of many documents (at least :data:`MIN_DOCS`) does not store each one's text in
its ``docs`` row: the rows get an empty ``doc`` (a JSON text is never empty) and the
texts go, in id order, into rows of the ``blocks`` table, about :data:`BLOCK_BYTES` of
text each, LZ4-compressed.  JSON messages compress about four times, and most of what a
bulk write costs is the bytes SQLite writes (twice: to the WAL, then to the database),
so this halves the cost of a write and shrinks the database.  LZ4 because it is cheap
both ways: a block decompresses in microseconds, so reading one document out of it
costs no more than reading its row did.

A block row: ``last`` (the id of its last document; the key, so that the block holding
id ``n`` is the first with ``last >= n``), ``first``, ``codec``, ``sizes`` (each text's
length, little-endian unsigned 32-bit) and ``data`` (the texts one after another,
compressed).  Blocks are written in the same transaction as their documents' rows and
never changed, so a reader that sees a row sees its block, and a block once read stays
true: :class:`Blocks` keeps the last few it read.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pyarrow as pa

from metron.errors import MetronError

__all__ = [
    "BLOCK_BYTES",
    "CACHED_BLOCKS",
    "CODEC",
    "MIN_DOCS",
    "SCHEMA",
    "Blocks",
    "insert",
    "pack",
]

#: Uncompressed text per block: large enough to compress well, small enough that
#: reading one document decompresses little.
BLOCK_BYTES = 65_536
#: Writes of fewer documents keep each text in its row (a block would save nothing).
MIN_DOCS = 16
CODEC = "lz4"
#: Decompressed blocks a reader keeps (searches mostly read recent documents).
CACHED_BLOCKS = 16

SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (
    last INTEGER PRIMARY KEY,
    first INTEGER NOT NULL,
    codec TEXT NOT NULL,
    sizes BLOB NOT NULL,
    data BLOB NOT NULL
);
"""

#: A block as :func:`pack` makes it: (offset of its first text, offset of its last,
#: codec, sizes, data); :func:`insert` adds the id of the first text packed.
Packed = tuple[int, int, str, bytes, bytes]
#: A block row: (last, first, codec, sizes, data).
BlockRow = tuple[int, int, str, bytes, bytes]

_SIZE = np.dtype("<u4")
_codecs: dict[str, pa.Codec] = {}


def _codec(name: str) -> pa.Codec:
    codec = _codecs.get(name)
    if codec is None:
        if name != CODEC:
            raise MetronError(f"the alert store holds a block compressed with {name!r}")
        codec = _codecs[name] = pa.Codec(name)
    return codec


def pack(texts: Sequence[bytes], block_bytes: int | None = None) -> list[Packed]:
    """The blocks holding ``texts``, compressed: runs of whole texts, each ending with
    the text that reaches the next multiple of ``block_bytes`` (default
    :data:`BLOCK_BYTES`) of text, so that no block holds more than that besides its
    last text.  (Done before the write transaction, which need not wait for it.)"""
    if not texts:
        return []
    limit = BLOCK_BYTES if block_bytes is None else block_bytes
    sizes = np.fromiter(map(len, texts), np.int64, len(texts))
    if int(sizes.max()) > 0xFFFF_FFFF:
        raise MetronError("a document of 4 GiB or more cannot be stored")
    ends = np.cumsum(sizes)
    # each block ends at the first text that reaches the next multiple of the limit
    cuts = np.searchsorted(ends, np.arange(limit, int(ends[-1]), limit), side="left") + 1
    bounds = [0, *np.unique(cuts).tolist()]
    if bounds[-1] != len(texts):
        bounds.append(len(texts))
    codec = _codec(CODEC)
    packed = []
    for start, stop in pairwise(bounds):
        data = codec.compress(b"".join(texts[start:stop]), asbytes=True)
        block_sizes = sizes[start:stop].astype(_SIZE).tobytes()
        packed.append((start, stop - 1, CODEC, block_sizes, data))
    return packed


def insert(conn: sqlite3.Connection, packed: Sequence[Packed], first: int) -> None:
    """Write the blocks of :func:`pack` for texts whose first is document ``first``
    (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO blocks (last, first, codec, sizes, data) VALUES (?, ?, ?, ?, ?)",
        [
            (first + stop, first + start, codec, sizes, data)
            for start, stop, codec, sizes, data in packed
        ],
    )


class _Block:
    """A decompressed block: the text of document ``first + i`` is
    ``data[starts[i]:starts[i + 1]]``."""

    __slots__ = ("data", "first", "last", "starts")

    def __init__(self, row: BlockRow) -> None:
        last, first, codec, sizes, data = row
        lengths = np.frombuffer(sizes, _SIZE)
        if len(lengths) != last - first + 1:
            raise MetronError(f"the alert store's block ending at document {last} is damaged")
        self.first, self.last = int(first), int(last)
        starts = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=starts[1:])
        self.starts: list[int] = starts.tolist()
        total = self.starts[-1]
        try:
            self.data = _codec(str(codec)).decompress(data, decompressed_size=total, asbytes=True)
        except (pa.ArrowException, OSError):  # (Arrow reports a bad frame as OSError)
            self.data = b""
        if len(self.data) != total:
            raise MetronError(f"the alert store's block ending at document {last} is damaged")

    def text(self, doc_id: int) -> bytes:
        at = doc_id - self.first
        return self.data[self.starts[at] : self.starts[at + 1]]


class Blocks:
    """Reads documents' texts out of the blocks of one connection, keeping the last
    :data:`CACHED_BLOCKS` it decompressed."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._cache: OrderedDict[int, _Block] = OrderedDict()  # by last id
        self._lock = threading.Lock()

    def texts(self, ids: Sequence[int]) -> dict[int, bytes]:
        """The texts of the documents ``ids`` (whose rows have an empty ``doc``)."""
        out: dict[int, bytes] = {}
        block: _Block | None = None
        for doc_id in sorted(ids):
            if block is None or not block.first <= doc_id <= block.last:
                block = self._block(doc_id)
            out[doc_id] = block.text(doc_id)
        return out

    def _block(self, doc_id: int) -> _Block:
        with self._lock:
            for block in self._cache.values():
                if block.first <= doc_id <= block.last:
                    self._cache.move_to_end(block.last)
                    return block
        row = self._conn.execute(
            "SELECT last, first, codec, sizes, data FROM blocks WHERE last >= ?"
            " ORDER BY last LIMIT 1",
            (doc_id,),
        ).fetchone()
        if row is None or row[1] > doc_id:
            raise _missing(doc_id)
        block = _Block(row)
        with self._lock:
            self._cache[block.last] = block
            while len(self._cache) > CACHED_BLOCKS:
                self._cache.popitem(last=False)
        return block


def _missing(doc_id: int) -> MetronError:
    return MetronError(
        f"the alert store's document {doc_id} has no text: its row says it is in a block,"
        " and no block holds it (the database is damaged)"
    )
