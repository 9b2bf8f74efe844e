"""Storage for :class:`metron.search.engine.ColumnIndex`: growable vectors, a field's
dictionary of string values, and a field's column of (document row, value) pairs.

Appends go to ``array.array`` tails (cheap per element); before a query (or once a tail is
long) the tails move in bulk into numpy bases that grow geometrically, so a query sees
plain numpy arrays without copying.  A large base lives in pages of its own (an anonymous
private memory map) that grow by remapping, not copying.  A base may be a read-only memory
map of a snapshot: the first append or write copies it (copy-on-write).
"""

from __future__ import annotations

import contextlib
import math
import mmap
import re
from array import array
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import is_
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from metron.search.matching import ip_key_of

__all__ = ["FALSE", "SETTLE_AT", "TRUE", "Column", "Dictionary", "Vec", "to_arrow"]

#: Dictionary codes of the booleans; string codes start at 2.
FALSE, TRUE = 0, 1
#: Integers beyond this magnitude are not exact in float64; their exact value is kept aside.
BIG = 2**53
#: Strings longer than this are not de-duplicated (each occurrence gets its own code).
LONG = 128
#: A dictionary moves its Python tail into an Arrow chunk past this many entries.
FREEZE_AT = 1 << 16
#: An Arrow batch of at least this many values, all distinct and all new, of a field
#: whose values were mostly new so far, stops its dictionary de-duplicating at once.
DISTINCT_BATCH = 1024
#: A vector's base past this many bytes lives in its own memory map (see Vec._grow).
MAPPED_BYTES = 1 << 20
#: The size of a transparent huge page (x86-64, arm64 with 4 KB pages).
HUGE_PAGE = 2 << 20
_NOTHING = np.empty(0, dtype=np.int8)
#: A frozen chunk of at least this many bytes is not merged with its neighbours.
CHUNK_BYTES = 1 << 20
#: A vector moves its appended values into its numpy base past this many: an
#: ``array.array`` grows by a sixteenth at a time, and each growth may copy it whole
#: (measured at 1,000,000 documents: a twentieth of the indexing time).
SETTLE_AT = 1 << 16

_IP_CHARS = re.compile(r"[0-9A-Fa-f:.]+(%.*)?", re.DOTALL)
_LOW64 = (1 << 64) - 1


def _huge_pages(pages: mmap.mmap) -> None:
    """Ask for transparent huge pages (2 MB) for a vector's map, where the system gives
    them on request: each fresh 4 KB page costs a fault, microseconds on a virtual
    machine, and a large base touches thousands."""
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if advice is not None:
        with contextlib.suppress(OSError):
            pages.madvise(advice)


def _owned(chunk: pa.Array) -> pa.Array:
    """``chunk``, or a copy of it when it holds much more memory than its values: an
    array read from an Arrow IPC stream (a worker's handover) points into the whole
    stream, which a kept chunk would keep alive (every column of the batch), and a
    slice keeps its whole buffers."""
    held = sum(
        buffer.size if buffer.parent is None else buffer.parent.size
        for buffer in chunk.buffers()
        if buffer is not None
    )
    if held > chunk.nbytes * 9 // 8 + 4096:
        return pa.concat_arrays([chunk])
    return chunk


def _small(chunk: pa.Array) -> bool:
    """Whether a frozen chunk is one to merge with its small neighbours."""
    return len(chunk) < FREEZE_AT and chunk.nbytes < CHUNK_BYTES


def to_arrow(texts: Sequence[str]) -> pa.Array:
    """Strings as an Arrow ``large_string`` array."""
    joined = "".join(texts)
    if not joined.isascii():
        return pa.array(texts, pa.large_string())
    # ASCII: one copy into buffers allocated at their final size, much cheaper than
    # Arrow's builder (which grows, and touches fresh memory at every step).
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=offsets[1:])
    data = joined.encode("ascii")
    return pa.LargeStringArray.from_buffers(len(texts), pa.py_buffer(offsets), pa.py_buffer(data))


class Vec:
    """A growable typed vector: ``tail`` takes appends, :meth:`view` gives numpy."""

    __slots__ = ("_pages", "base", "dtype", "n", "tail")

    def __init__(self, typecode: str, base: np.ndarray[Any, Any] | None = None) -> None:
        self.tail: array[Any] = array(typecode)
        self.dtype = np.dtype(typecode)
        self.base: np.ndarray[Any, Any] = (
            base if base is not None else np.empty(0, dtype=self.dtype)
        )
        self.n = len(self.base)
        #: the memory map that holds the base, once the base is large (see _grow)
        self._pages: mmap.mmap | None = None

    def __len__(self) -> int:
        return self.n + len(self.tail)

    def view(self) -> np.ndarray[Any, Any]:
        """Everything appended so far (a view: do not keep it across appends)."""
        if self.tail:
            self._flush()
        return self.base[: self.n]

    def writable(self) -> np.ndarray[Any, Any]:
        """Like :meth:`view`, but safe to write into (copies a read-only base)."""
        view = self.view()
        if not self.base.flags.writeable:
            self.base = np.array(self.base)
            view = self.base[: self.n]
        return view

    def _grow(self, capacity: int) -> None:
        """Give the base room for ``capacity`` values.  Past MAPPED_BYTES the base is a
        private anonymous memory map of whole huge pages, which grows by remapping its
        pages instead of copying them into fresh memory (measured at 1,000,000
        documents: the vectors' upkeep 0.86 -> 0.64 s, the store's memory 906 -> 870
        MB); a small one is a plain array, copied."""
        size = capacity * self.dtype.itemsize
        if size < MAPPED_BYTES:
            grown = np.empty(capacity, dtype=self.dtype)
            grown[: self.n] = self.base[: self.n]
            self.base = grown
            return
        # whole huge pages: a huge page is only used where the map covers all of it
        size = -(-size // HUGE_PAGE) * HUGE_PAGE
        capacity = size // self.dtype.itemsize
        pages = self._pages
        if pages is not None and self.base.flags.writeable:
            old_size = len(pages)
            self.base = _NOTHING  # (the map cannot be resized while an array exports it)
            try:
                pages.resize(size)
            except (BufferError, OSError, SystemError):  # a view is held (or no mremap): copy
                self.base = np.frombuffer(pages, self.dtype, old_size // self.dtype.itemsize)
            else:
                self.base = np.frombuffer(pages, self.dtype, capacity)
                return
        fresh: mmap.mmap | None
        try:
            fresh = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        except OSError:  # no more maps allowed: the heap, as for a small base
            fresh = None
            grown = np.empty(capacity, dtype=self.dtype)
        else:
            _huge_pages(fresh)
            grown = np.frombuffer(fresh, self.dtype, capacity)
        grown[: self.n] = self.base[: self.n]
        self.base = grown
        self._pages = fresh

    def settle(self) -> None:
        """Move the appended values into the base once they are many (the base grows by
        half, so each value is copied a bounded number of times however long it gets)."""
        if len(self.tail) >= SETTLE_AT:
            self._flush()

    def last(self) -> Any:
        if self.tail:
            return self.tail[-1]
        return self.base[self.n - 1] if self.n else None

    def _flush(self) -> None:
        extra = np.frombuffer(self.tail, dtype=self.dtype)
        need = self.n + len(extra)
        if need > len(self.base) or not self.base.flags.writeable:
            self._grow(max(need, int(self.n * 1.5) + 1024))
        self.base[self.n : need] = extra
        self.n = need
        del extra
        del self.tail[:]


class Dictionary:
    """A field's string (and boolean) values by code.

    Codes 0 and 1 are the booleans (their texts ``false``/``true`` make sorting and facets
    uniform); strings get codes from 2.  The same string may hold several codes (a frozen
    chunk is not de-duplicated against later values, long strings never are), so every
    lookup scans for all codes of a value."""

    def __init__(self, frozen: list[pa.Array] | None = None) -> None:
        self.frozen: list[pa.Array] = frozen if frozen is not None else []
        self.frozen_n = sum(len(chunk) for chunk in self.frozen)
        self.tail: list[str] = [] if self.frozen else ["false", "true"]
        self.map: dict[str, int] = {}
        #: whether new values are looked up in :attr:`map` (off for mostly-unique fields).
        self.dedup = True
        self._coded = 0
        empty = np.zeros(0, dtype=np.uint64)
        self._ip = (np.zeros(0, dtype=bool), empty, empty)
        self._scans: dict[Any, tuple[int, np.ndarray[Any, Any]]] = {}
        self._rank: tuple[int, np.ndarray[Any, Any]] | None = None

    def __len__(self) -> int:
        return self.frozen_n + len(self.tail)

    def codes(self, values: Sequence[str]) -> np.ndarray[Any, Any]:
        """The codes of ``values`` (int32), giving new values new codes."""
        tail = self.tail
        self._coded += len(values)
        if not self.dedup:
            self._room(len(values))
            start = self.frozen_n + len(tail)
            tail.extend(values)
            return np.arange(start, start + len(values), dtype=np.int32)
        known = self.map
        try:
            return np.fromiter(map(known.get, values), dtype=np.int32, count=len(values))
        except TypeError:  # a value not seen yet
            pass
        return self._looked_up(values)

    def _looked_up(self, values: Sequence[str]) -> np.ndarray[Any, Any]:
        """:meth:`codes` once some value is known to be new (counted already)."""
        tail = self.tail
        known = self.map
        # Every pass below runs at C speed: these are the indexing loop's innermost steps.
        codes = list(map(known.get, values))
        if None in codes:
            fresh = list(dict.fromkeys(compress(values, map(is_, codes, repeat(None)))))
            self._room(len(fresh))
            start = self.frozen_n + len(tail)
            local = dict(zip(fresh, range(start, start + len(fresh))))
            tail.extend(fresh)
            if self.dedup:
                if max(map(len, fresh)) <= LONG:
                    known.update(local)
                else:
                    known.update((v, c) for v, c in local.items() if len(v) <= LONG)
            codes = list(map(local.get, values, codes))
        return np.array(codes, dtype=np.int32)

    def codes_of_array(self, array: pa.Array) -> np.ndarray[Any, Any]:
        """:meth:`codes` for an Arrow string array without nulls: the same codes, given at
        C speed.  Each distinct value of the array is looked up once; a field that no
        longer de-duplicates takes the array as a chunk, without making Python strings."""
        count = len(array)
        encoded = None
        if pa.types.is_dictionary(array.type):  # (encoded by its sender)
            if self.dedup:
                encoded = array
            else:
                array = array.dictionary.take(array.indices)
        elif self.dedup and count >= DISTINCT_BATCH:
            encoded = pc.dictionary_encode(array)
            if len(encoded.dictionary) == count and self._distinct_so_far(encoded.dictionary):
                # an id or raw message: decided now rather than after FREEZE_AT values
                # looked up one by one (at 200,000 documents, most of the time of ids)
                self.dedup = False
                self._coded = 0
                self._freeze()
        if not self.dedup:
            self._coded += count
            start = self.frozen_n + len(self.tail)
            if self.tail:  # values added one by one since: they freeze as codes() does
                self._room(count)
            if self.tail:  # (codes follow the tail's, so the values join it)
                self.tail.extend(array.to_pylist())
            else:
                self._add_chunk(_owned(array.cast(pa.large_string())))
            return np.arange(start, start + count, dtype=np.int32)
        self._coded += count  # every value, as codes() counts them
        if encoded is None:
            encoded = pc.dictionary_encode(array)
        uniques = encoded.dictionary.to_pylist()
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        return self._looked_up(uniques)[indices]

    def _distinct_so_far(self, values: pa.Array) -> bool:
        """Whether the values coded so far were mostly new, and none of ``values`` (a
        batch's distinct values) is known: the field looks unique throughout."""
        if len(self.tail) < self._coded // 2:
            return False
        known = self.map
        return not any(map(known.__contains__, values.to_pylist())) if known else True

    def _freeze(self) -> None:
        """Move the tail into an Arrow chunk (it stays when it is not UTF-8)."""
        try:
            chunk = to_arrow(self.tail)
        except (UnicodeError, pa.ArrowException):
            return  # not UTF-8 (a lone surrogate): the tail stays in Python
        self._add_chunk(chunk)
        self.tail.clear()
        self.map.clear()

    def _add_chunk(self, chunk: pa.Array) -> None:
        """Append a frozen chunk; the trailing small chunks (below FREEZE_AT values and
        CHUNK_BYTES of text) are merged into one once they hold that many values or
        bytes (or are 16), so that the chunks stay few however small the batches that
        came, and each value is copied once.  A chunk of CHUNK_BYTES or more (raw
        messages, say) is kept as it came: merging copied those texts once more into
        fresh memory (measured for original_string at 1,000,000 documents: 0.80 ->
        0.36 µs a document), and a term looks through all chunks in one call anyway."""
        frozen = self.frozen
        self.frozen_n += len(chunk)
        frozen.append(chunk)
        small = 0
        while small < len(frozen) and _small(frozen[-1 - small]):
            small += 1
        if small > 1:
            tail = frozen[-small:]
            if (
                small >= 16
                or sum(map(len, tail)) >= FREEZE_AT
                or sum(c.nbytes for c in tail) >= CHUNK_BYTES
            ):
                frozen[-small:] = [pa.concat_arrays(tail)]

    def _room(self, count: int) -> None:
        """Freeze the tail into an Arrow chunk when ``count`` more would pass the limit."""
        if len(self.tail) + count > FREEZE_AT and self.tail:
            if len(self.tail) > self._coded // 2:
                # Mostly distinct values (ids, raw messages): stop de-duplicating them.
                self.dedup = False
            self._coded = 0
            self._freeze()

    def text(self, code: int) -> str:
        if code >= self.frozen_n:
            return self.tail[code - self.frozen_n]
        for chunk in self.frozen:
            if code < len(chunk):
                return str(chunk[code].as_py())
            code -= len(chunk)
        raise IndexError(code)

    def texts(self, codes: np.ndarray[Any, Any]) -> list[str]:
        if len(codes) > 64 and self.frozen_n:
            whole = self.arrow()
            return [str(text) for text in whole.take(pa.array(codes)).to_pylist()]
        return [self.text(int(code)) for code in codes]

    def arrow(self) -> pa.ChunkedArray:
        """All values (codes 0 and 1 as ``false``/``true``) as one Arrow array."""
        chunks = [*self.frozen]
        if self.tail:
            chunks.append(to_arrow(self.tail))
        return pa.chunked_array(chunks, pa.large_string())

    def _iter_from(self, start: int) -> list[str]:
        """The texts of codes ``start`` and above, in code order."""
        out: list[str] = []
        if start < self.frozen_n:
            offset = 0
            for chunk in self.frozen:
                if start < offset + len(chunk):
                    out.extend(chunk.slice(max(start - offset, 0)).to_pylist())
                offset += len(chunk)
        out.extend(self.tail[max(start - self.frozen_n, 0) :])
        return out

    def equal(self, text: str) -> np.ndarray[Any, Any]:
        """Codes (>= 2) of the strings equal to ``text``."""
        found: list[int] = []
        if self.frozen:  # all chunks in one call: positions across them, at C speed
            whole = pa.chunked_array(self.frozen, pa.large_string())
            found.extend(pc.indices_nonzero(pc.equal(whole, text)).to_numpy().tolist())
        # The tail is scanned at C speed: not every value is in the map.
        tail = self.tail
        at = -1
        while True:
            try:
                at = tail.index(text, at + 1)
            except ValueError:
                break
            found.append(at + self.frozen_n)
        codes = np.asarray(found, dtype=np.int64)
        return codes[codes >= 2]

    def scan(self, key: Any, test: Callable[[str], bool]) -> np.ndarray[Any, Any]:
        """A boolean per code: ``test`` on each string (False for codes 0 and 1); cached
        under ``key`` and extended as codes are added."""
        size = len(self)
        done, ok = self._scans.get(key, (0, np.zeros(0, dtype=bool)))
        if done < size:
            fresh = np.fromiter(
                (test(value) for value in self._iter_from(done)), dtype=bool, count=size - done
            )
            ok = np.concatenate([ok, fresh])
            ok[:2] = False
            if len(self._scans) > 64:
                self._scans.clear()
            self._scans[key] = (size, ok)
        return ok

    def ip_keys(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Per code: whether the string is an IP address, and its key's high and low 64
        bits."""
        done = len(self._ip[0])
        if done < len(self):
            fresh = self._iter_from(done)
            oks = np.zeros(len(fresh), dtype=bool)
            his = np.zeros(len(fresh), dtype=np.uint64)
            los = np.zeros(len(fresh), dtype=np.uint64)
            for i, text in enumerate(fresh):
                if done + i >= 2 and _IP_CHARS.fullmatch(text):
                    key = ip_key_of(text)
                    if key is not None:
                        oks[i] = True
                        his[i] = key >> 64
                        los[i] = key & _LOW64
            old = self._ip
            self._ip = (
                np.concatenate([old[0], oks]),
                np.concatenate([old[1], his]),
                np.concatenate([old[2], los]),
            )
        return self._ip

    def ip_address_cache(
        self, restore: tuple[np.ndarray[Any, Any], ...] | None = None
    ) -> tuple[np.ndarray[Any, Any], ...]:
        """The IP addresses worked out so far (for snapshots); ``restore`` puts them back."""
        if restore is not None:
            is_ip, his, los = restore
            self._ip = (is_ip, his, los)
        return self._ip

    def ranks(self) -> np.ndarray[Any, Any]:
        """Per code, the dense rank of its text in code-point order."""
        size = len(self)
        if self._rank is None or self._rank[0] != size:
            try:
                # UTF-8 byte order is code-point order, which Arrow's sort follows.
                ranked = pc.rank(self.arrow(), sort_keys="ascending", tiebreaker="dense")
                ranks = ranked.to_numpy().astype(np.int64)
            except (UnicodeError, pa.ArrowException):
                texts = self._iter_from(0)
                dense = {text: i for i, text in enumerate(sorted(set(texts)))}
                ranks = np.array([dense[text] for text in texts], dtype=np.int64)
            self._rank = (size, ranks)
        return self._rank[1]


def _merged(
    parts: list[np.ndarray[Any, Any]], orders: dict[tuple[int, ...], np.ndarray[Any, Any]]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The row arrays merged in row order, and the order that merges them."""
    key = tuple(map(id, parts))
    order = orders.get(key)
    rows = np.concatenate(parts)
    if order is None:
        order = orders[key] = np.argsort(rows, kind="stable")
    return rows[order], order


class Column:
    """One field's values: (row, code) pairs for strings and booleans, (row, number,
    is-int) pairs for numbers, in row order."""

    def __init__(
        self,
        parts: dict[str, np.ndarray[Any, Any]] | None = None,
        dictionary: Dictionary | None = None,
    ) -> None:
        parts = parts or {}
        self.sd = Vec("i", parts.get("sd"))
        self.sc = Vec("i", parts.get("sc"))
        self.nd = Vec("i", parts.get("nd"))
        self.nv = Vec("d", parts.get("nv"))
        self.ni = Vec("b", parts.get("ni"))
        self.dict = dictionary if dictionary is not None else Dictionary()
        # The tails themselves, for the indexing loop (they are emptied, never replaced).
        self.sdt, self.sct = self.sd.tail, self.sc.tail
        self.ndt, self.nvt, self.nit = self.nd.tail, self.nv.tail, self.ni.tail
        #: pair position -> exact integer, for integers beyond float64's exact range.
        self.big: dict[int, int] = {}
        #: rows holding both numbers and strings -> whether a number came first.
        self.mixed: dict[int, bool] = {}
        #: whether some row holds more than one value.
        self.multi = False

    def settle(self) -> None:
        """:meth:`Vec.settle` for each of the column's vectors (after a batch)."""
        for vec in (self.sd, self.sc, self.nd, self.nv, self.ni):
            if len(vec.tail) >= SETTLE_AT:
                vec.settle()

    def extend_pieces(
        self,
        pieces: list[tuple[np.ndarray[Any, Any], Sequence[Any], set[type] | None]],
        orders: dict[tuple[int, ...], np.ndarray[Any, Any]],
    ) -> None:
        """Add pieces of (rows, values), each with increasing rows, together holding each
        row's values in order; pieces whose values are all strings, booleans, floats or
        (float64-exact) integers go through numpy without merging the values first.
        ``orders`` caches the merge order of the same row arrays (while they live)."""
        s_rows: list[np.ndarray[Any, Any]] = []
        s_codes: list[np.ndarray[Any, Any]] = []
        n_rows: list[np.ndarray[Any, Any]] = []
        n_vals: list[np.ndarray[Any, Any]] = []
        n_int: list[np.ndarray[Any, Any]] = []
        simple = len(pieces) > 1
        if simple:  # (Arrow arrays come one piece to a field; merged, they are values)
            pieces = [
                (rows, values.to_pylist(), known) if isinstance(values, pa.Array) else piece
                for piece in pieces
                for rows, values, known in (piece,)
            ]
        for rows, values, known in pieces if simple else ():
            kinds = set(map(type, values)) if known is None else known
            if kinds == {str}:
                s_rows.append(np.asarray(rows, dtype=np.int32))
                s_codes.append(self.dict.codes(values))
            elif kinds == {bool}:
                s_rows.append(np.asarray(rows, dtype=np.int32))
                s_codes.append(np.array(values, dtype=np.int32))
            elif kinds == {int} or kinds == {float}:
                try:
                    numbers = np.array(values, dtype=np.float64)
                except OverflowError:
                    simple = False
                    break
                if not np.all(np.abs(numbers) < BIG):  # also catches inf and nan
                    simple = False
                    break
                n_rows.append(np.asarray(rows, dtype=np.int32))
                n_vals.append(numbers)
                n_int.append(np.full(len(numbers), kinds == {int}, dtype=np.int8))
            else:
                simple = False
                break
        if not simple:
            if len(pieces) == 1:
                self.extend(np.asarray(pieces[0][0], dtype=np.int32), pieces[0][1], pieces[0][2])
                return
            rows_array = np.concatenate([np.asarray(r, dtype=np.int32) for r, _, _ in pieces])
            merged: Sequence[Any] = [value for _, chunk, _ in pieces for value in chunk]
            order = np.argsort(rows_array, kind="stable")
            self.extend(rows_array[order], [merged[i] for i in order.tolist()])
            return
        # New codes above were handed out; the pairs are appended in row order.
        if s_rows:
            rows_array, order = _merged(s_rows, orders)
            self.sdt.frombytes(rows_array.tobytes())
            self.sct.frombytes(np.concatenate(s_codes)[order].tobytes())
        if n_rows:
            rows_array, order = _merged(n_rows, orders)
            self.ndt.frombytes(rows_array.tobytes())
            self.nvt.frombytes(np.concatenate(n_vals)[order].tobytes())
            self.nit.frombytes(np.concatenate(n_int)[order].tobytes())

    def extend(
        self, rows: np.ndarray[Any, Any], values: Sequence[Any], known: set[type] | None = None
    ) -> None:
        """Add a batch of (row, scalar) pairs: ``rows`` (int32) never decrease and are all
        above the rows already held (the caller sets :attr:`multi` when a row repeats);
        ``known`` is the set of the values' types when the caller knows it.  ``values``
        may be an Arrow array without nulls (strings, int64, float64 or booleans)."""
        if isinstance(values, pa.Array):
            self._extend_array(rows, values)
            return
        kinds = known if known is not None else set(map(type, values))
        if kinds == {str}:
            self.sdt.frombytes(rows.tobytes())
            self.sct.frombytes(self.dict.codes(values).tobytes())
        elif kinds == {int}:
            try:
                numbers = np.array(values, dtype=np.float64)
            except OverflowError:
                self._mixed(rows.tolist(), values)
                return
            self._numbers(rows, numbers, values, 1)
        elif kinds == {bool}:
            self.sdt.frombytes(rows.tobytes())
            self.sct.frombytes(np.array(values, dtype=np.int32).tobytes())
        elif kinds == {float}:
            numbers = np.array(values, dtype=np.float64)
            finite = np.isfinite(numbers)
            if not finite.all():
                numbers, rows = numbers[finite], rows[finite]
            self._numbers(rows, numbers, None, 0)
        else:
            self._mixed(rows.tolist(), values)

    def _extend_array(self, rows: np.ndarray[Any, Any], array: pa.Array) -> None:
        """:meth:`extend` for an Arrow array: the values go from Arrow to numpy (and the
        strings to their codes) without becoming Python objects."""
        kind = array.type
        if kind == pa.string() or kind == pa.large_string() or pa.types.is_dictionary(kind):
            self.sdt.frombytes(rows.tobytes())
            self.sct.frombytes(self.dict.codes_of_array(array).tobytes())
        elif kind == pa.int64():
            exact = array.to_numpy()
            self._numbers(rows, exact.astype(np.float64), exact, 1)
        elif kind == pa.float64():
            numbers = array.to_numpy()
            finite = np.isfinite(numbers)
            if not finite.all():
                numbers, rows = numbers[finite], rows[finite]
            self._numbers(rows, numbers, None, 0)
        elif kind == pa.bool_():
            self.sdt.frombytes(rows.tobytes())
            codes = array.to_numpy(zero_copy_only=False).astype(np.int32)
            self.sct.frombytes(codes.tobytes())
        else:
            self.extend(rows, array.to_pylist())

    def _numbers(
        self,
        rows: np.ndarray[Any, Any],
        numbers: np.ndarray[Any, Any],
        exact: Sequence[int] | None,
        isint: int,
    ) -> None:
        if exact is not None:
            big = np.flatnonzero(np.abs(numbers) >= BIG)
            if len(big):
                start = len(self.nd)
                for i in big.tolist():
                    self.big[start + i] = int(exact[i])
                    numbers[i] = math.inf if exact[i] > 0 else -math.inf
        self.ndt.frombytes(rows.tobytes())
        self.nvt.frombytes(numbers.tobytes())
        self.nit.frombytes(bytes([isint]) * len(rows))

    def _mixed(self, rows: list[int], values: Sequence[Any]) -> None:
        """Values of several kinds: split by kind, noting which kind each row had first."""
        s_rows: list[int] = []
        s_values: list[Any] = []
        s_bools: set[int] = set()
        n_rows: list[int] = []
        n_values: list[float] = []
        n_int = bytearray()
        first: dict[int, bool] = {}
        start = len(self.nd)
        for row, value in zip(rows, values):
            kind = type(value)
            if kind is int or kind is float:
                if kind is float and not math.isfinite(value):
                    continue
                if kind is int and not -BIG <= value <= BIG:
                    self.big[start + len(n_values)] = value
                    n_values.append(math.inf if value > 0 else -math.inf)
                else:
                    n_values.append(value)
                n_rows.append(row)
                n_int.append(kind is int)
                first.setdefault(row, True)
            else:
                s_rows.append(row)
                if kind is bool:
                    s_bools.add(len(s_values))
                s_values.append(value)
                first.setdefault(row, False)
        if len(s_rows) + len(n_rows) > len(first):
            self.multi = True
        for row in set(s_rows).intersection(n_rows):
            self.mixed[row] = first[row]
        self._strings_and_bools(s_rows, s_values, s_bools)
        if n_rows:
            self.ndt.extend(n_rows)
            self.nvt.extend(n_values)
            self.nit.frombytes(bytes(n_int))

    def _strings_and_bools(self, rows: list[int], values: list[Any], bools: set[int]) -> None:
        if not rows:
            return
        self.sdt.extend(rows)
        codes = self.dict.codes([v for i, v in enumerate(values) if i not in bools])
        if bools:
            merged = iter(codes.tolist())
            codes = np.array(
                [int(v) if i in bools else next(merged) for i, v in enumerate(values)],
                dtype=np.int32,
            )
        self.sct.frombytes(codes.tobytes())
