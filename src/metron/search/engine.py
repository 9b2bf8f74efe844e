"""The fast in-memory columnar :class:`~metron.search.query.Index`.

Documents become rows (in the order added, which is id order); each field is a
:class:`~metron.search.columns.Column` of (row, value) pairs.  A query node evaluates to a
boolean mask over rows: text matching runs once per distinct value of a field (over its
dictionary, cached per pattern), numbers and IP addresses are compared with numpy, and
the rows follow from the pairs.  Answers are exactly :class:`~metron.search.naive.NaiveIndex`'s.

A snapshot (:meth:`ColumnIndex.save`, :meth:`ColumnIndex.load`) is a directory of ``.npy``
files (memory-mapped on load), Arrow IPC dictionaries and a JSON manifest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from itertools import count, repeat
from operator import lt
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from metron.arrowjson import has_integer, join_lines, one_array, read_lines, sound
from metron.search.column_match import compiled_regex, match_column, number_texts, sort_keys
from metron.search.columns import LONG, TRUE, Column, Vec
from metron.search.matching import field_pattern
from metron.search.query import (
    Bool,
    Exists,
    FacetCounts,
    GroupSpec,
    Hits,
    MatchAll,
    Node,
    Regex,
    SortField,
    field_values,
)
from metron.search.snapshot import read_snapshot, write_snapshot

__all__ = ["ColumnIndex"]

Mask = np.ndarray[Any, np.dtype[np.bool_]]
Ints = np.ndarray[Any, Any]

_FAST_TYPES = frozenset({str, int, float, bool})
#: Arrow types whose values are plain values of one Python type.
_ARROW_KINDS: dict[pa.DataType, set[type]] = {
    pa.string(): {str},
    pa.int64(): {int},
    pa.float64(): {float},
    pa.bool_(): {bool},
    # (a handover's string column of repeated values: see documents._encoded)
    pa.dictionary(pa.int32(), pa.string()): {str},
}
#: Documents are moved into the columns this many at a time (or before a query).
_BATCH = 16384


#: Rows, their values, and the set of the values' types when known.
Piece = tuple[Ints, Sequence[Any], set[type] | None]


def _held_integers(column: pa.ChunkedArray, texts: Sequence[bytes], name: str) -> bool:
    """Whether the text behind a float column read by Arrow wrote some of its values as
    integers: only the lines whose value is a whole number need a look."""
    array = one_array(column)
    whole = pc.fill_null(pc.equal(array, pc.floor(array)), False)
    rows = np.flatnonzero(whole.to_numpy(zero_copy_only=False))
    if not len(rows):
        return False
    return has_integer(join_lines([texts[row] for row in rows.tolist()]), name)


def _flat(kind: pa.DataType) -> bool:
    """Whether a column of this type holds no objects (scalars, or lists of scalars)."""
    if pa.types.is_list(kind):
        kind = kind.value_type
    return not pa.types.is_nested(kind)


#: A list column as its lists' lengths, their values one after another, and the values'
#: type (no values: every list empty).
ListPiece = tuple[np.ndarray[Any, Any], pa.Array | None, set[type] | None]


def _list_piece(column: pa.ChunkedArray) -> ListPiece | None:
    """A column of lists of strings, integers or booleans (no null inside) taken apart;
    None when it is not one (then its values are decoded from the texts)."""
    kind = column.type
    if not pa.types.is_list(kind):
        return None
    item = _ARROW_KINDS.get(kind.value_type)
    if item is None or item == {float}:  # floats: some may have been integers
        if kind.value_type == pa.null() and sound(column):  # all empty: nothing to add
            return np.zeros(len(column), dtype=np.int64), None, None
        return None
    if not sound(column):  # a null inside a list
        return None
    try:
        lengths = np.concatenate(
            [
                pc.fill_null(pc.list_value_length(chunk), 0).to_numpy(zero_copy_only=False)
                for chunk in column.chunks
            ]
        )
        flat = [chunk.flatten() for chunk in column.chunks]
    except pa.ArrowException:  # (pyarrow cannot combine some lists the reader makes)
        return None
    if any(chunk.null_count for chunk in flat):
        return None
    values = pa.concat_arrays(flat) if len(flat) > 1 else flat[0]
    return lengths, values, item


def _lists(
    name: str,
    column: pa.ChunkedArray,
    rows: Ints,
    parts: dict[str, list[Piece]],
    repeated: set[str],
) -> bool:
    """A column of lists of strings, integers or booleans (no null inside) as the piece
    of repeated rows that :meth:`ColumnIndex._odd_column` makes of them; whether it was
    one (otherwise the caller decodes the field's values)."""
    taken = _list_piece(column)
    if taken is None:
        return False
    lengths, values, item = taken
    if values is not None and lengths.sum():
        piece = (np.repeat(rows, lengths).astype(np.int32), values, item)
        parts.setdefault(name, []).append(piece)
        if lengths.max() > 1:
            repeated.add(name)
    return True


def texts_needed(table: pa.Table | None, texts: Sequence[bytes]) -> bool:
    """Whether :meth:`ColumnIndex.add_columns` of ``table`` (what
    :func:`~metron.arrowjson.read_lines` read from ``texts``) needs the texts too: for
    objects, fields of mixed types, lists it cannot take apart, or a field of floats
    whose text held integers.  When not, the texts may be left out (None)."""
    if table is None or _decoded_in_part(table):
        return True
    return any(
        _ARROW_KINDS.get(column.type) == {float} and _held_integers(column, texts, name)
        for name, column in zip(table.column_names, table.columns, strict=True)
    )


def _decoded_in_part(table: pa.Table) -> bool:
    """Whether some of the table's fields are taken from the decoded texts (objects,
    mixtures, lists that cannot be taken apart), whatever the texts say."""
    if not all(map(_flat, table.schema.types)):
        return True
    return any(
        _ARROW_KINDS.get(column.type) is None
        and column.type != pa.null()
        and _list_piece(column) is None
        for column in table.columns
    )


class ColumnIndex:
    """Documents as columns of values; see the module docstring."""

    def __init__(self) -> None:
        self._set_rows(Vec("q"), Vec("i"), Vec("B"))
        self._index_names: list[str] = []
        self._index_codes: dict[str, int] = {}
        self._cols: dict[str, Column] = {}
        self._rows = 0
        self._n_live = 0
        self._last_id: int | None = None
        self._pending: list[dict[Any, Any]] = []

    # ------------------------------------------------------------------ updates

    def add(self, doc_id: int, index: str, doc: Mapping[str, Any]) -> None:
        """Add a document; ids must grow.  Documents reach the columns in batches: until
        the next query, the lists and objects nested in ``doc`` must not change."""
        if self._last_id is not None and doc_id <= self._last_id:
            raise ValueError(f"document id {doc_id} is not above the last one ({self._last_id})")
        self._last_id = doc_id
        self._rows += 1
        self._n_live += 1
        self._append_id(doc_id)
        code = self._index_codes.get(index)
        if code is None:
            code = self._index_codes[index] = len(self._index_names)
            self._index_names.append(index)
        self._append_index(code)
        self._append_live(1)
        pending = self._pending
        pending.append(dict(doc))
        if len(pending) >= _BATCH:
            self._flush()

    def add_many(self, docs: Sequence[tuple[int, str, Mapping[str, Any]]]) -> None:
        """:meth:`add` for many ``(id, index, document)`` at once (ids must grow); the
        documents are not copied, so they must not change until the next query."""
        if not docs:
            return
        base = self._add_rows([doc_id for doc_id, _, _ in docs], [index for _, index, _ in docs])
        at = 0
        while at < len(docs):
            room = _BATCH - len(self._pending)
            self._pending += [
                doc if type(doc) is dict else dict(doc) for _, _, doc in docs[at : at + room]
            ]
            at = min(at + room, len(docs))
            if len(self._pending) >= _BATCH:
                # the pending documents end at docs[at - 1], not at the last row added
                self._flush(end=base + at)

    def add_texts(
        self, docs: Sequence[tuple[int, str, bytes]], table: pa.Table | None = None
    ) -> None:
        """:meth:`add_many` for documents given as their JSON text (one object each), the
        same index as :meth:`add_many` of the decoded documents, built cheaper: the
        fields' values are read by Arrow's JSON reader at C speed (see
        :mod:`metron.arrowjson`), and only the fields that need it (lists, objects, a
        field of floats that also holds integers) are decoded document by document.
        ``table``, when given, is what :func:`~metron.arrowjson.read_lines` read from the
        texts already (in another process, say): they are not read again."""
        if docs:
            self.add_columns(
                [doc_id for doc_id, _, _ in docs],
                [index for _, index, _ in docs],
                [text for _, _, text in docs],
                table,
            )

    def add_columns(
        self,
        ids: Sequence[int],
        indexes: Sequence[str] | str,
        texts: Sequence[bytes] | None,
        table: pa.Table | None = None,
    ) -> None:
        """:meth:`add_texts` for documents given as columns: their ids (a ``range``
        costs least), index names (one name for all, or one each) and texts.  The texts
        may be None when ``table`` holds them and :func:`texts_needed` said so (the
        caller vouches for it: a float field is then taken as floats throughout)."""
        if (texts is not None and len(texts) != len(ids)) or (
            not isinstance(indexes, str) and len(indexes) != len(ids)
        ):
            raise ValueError("add_columns: one id, index name and text per document")
        if not ids:
            return
        if texts is None:
            if table is None or table.num_rows != len(ids) or _decoded_in_part(table):
                raise ValueError("add_columns: the table does not hold the documents alone")
        elif table is None or table.num_rows != len(texts):
            table = read_lines(texts)
        if texts is not None and (table is None or not all(map(_flat, table.schema.types))):
            # not one type per field, or objects (their fields may meet dotted names in
            # an order only the documents know): document by document
            names = repeat(indexes) if isinstance(indexes, str) else indexes
            self.add_many(list(zip(ids, names, map(orjson.loads, texts))))
            return
        assert table is not None  # (texts None: checked above)
        self._flush()  # the pending documents' rows come first
        first = self._add_rows(ids, indexes)
        all_rows = np.arange(first, first + len(ids), dtype=np.int32)
        parts: dict[str, list[Piece]] = {}
        repeated: set[str] = set()
        decoded: list[dict[str, Any]] | None = None
        for name, column in zip(table.column_names, table.columns, strict=True):
            kind = _ARROW_KINDS.get(column.type)
            if kind == {float} and texts is not None and _held_integers(column, texts, name):
                kind = None  # integers among the floats: Arrow made them floats
            if kind is not None:
                # the Arrow array itself: its values reach the column without becoming
                # Python objects (see Column.extend)
                array = one_array(column)
                if array.null_count:
                    valid = array.is_valid().to_numpy(zero_copy_only=False)
                    piece = (all_rows[valid], array.drop_null(), kind)
                else:
                    piece = (all_rows, array, kind)
                parts.setdefault(name, []).append(piece)
                continue
            if column.type == pa.null():
                continue  # null (or absent) throughout
            if _lists(name, column, all_rows, parts, repeated):
                continue
            if decoded is None:
                assert texts is not None  # (texts None: no field is decoded, checked above)
                decoded = [orjson.loads(text) for text in texts]
            values = [doc.get(name) for doc in decoded]
            self._odd_column(name, all_rows, values, parts, repeated)
        self._extend(parts, repeated)

    def _add_rows(self, ids: Sequence[int], indexes: Sequence[str] | str) -> int:
        """Rows for documents ``ids`` of ``indexes`` (ids must grow; one index name for
        all, or one each); the first one's row."""
        growing = ids.step > 0 if isinstance(ids, range) else all(map(lt, ids, ids[1:]))
        if (self._last_id is not None and ids[0] <= self._last_id) or not growing:
            raise ValueError("document ids must grow")
        codes = self._index_codes
        names = self._index_names
        index_codes: list[int] = []
        for index in (indexes,) if isinstance(indexes, str) else indexes:
            code = codes.get(index)
            if code is None:
                code = codes[index] = len(names)
                names.append(index)
            index_codes.append(code)
        self._last_id = ids[-1]
        self._rows += len(ids)
        self._n_live += len(ids)
        if isinstance(ids, range):  # (a handover's: its values made at C speed)
            self._ids.tail.frombytes(
                np.arange(ids.start, ids.stop, ids.step, dtype=np.int64).tobytes()
            )
        else:
            self._ids.tail.extend(ids)
        if isinstance(indexes, str):
            self._index.tail.frombytes(np.full(len(ids), index_codes[0], np.int32).tobytes())
        else:
            self._index.tail.extend(index_codes)
        self._live.tail.extend(b"\x01" * len(ids))
        return self._rows - len(ids)

    def _set_rows(self, ids: Vec, index: Vec, live: Vec) -> None:
        """Per row: the document id, the index name's code, and whether it is live."""
        self._ids, self._index, self._live = ids, index, live
        # Bound once for add(), the hot path (a tail is emptied, never replaced).
        self._append_id = ids.tail.append
        self._append_index = index.tail.append
        self._append_live = live.tail.append

    def _flush(self, end: int | None = None) -> None:
        """Move the pending documents into the columns; they are the rows before ``end``
        (default: the last rows added)."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        # Documents with the same keys (in the same order) are transposed at C speed.
        shapes: dict[tuple[Any, ...], tuple[list[int], list[Any]]] = {}
        first = (self._rows if end is None else end) - len(pending)
        for row, keys, doc in zip(count(first), map(tuple, pending), pending):
            group = shapes.get(keys)
            if group is None:
                group = shapes[keys] = ([], [])
            group[0].append(row)
            group[1].append(doc.values())
        parts: dict[str, list[Piece]] = {}
        repeated: set[str] = set()
        for keys, (rows, docs) in shapes.items():
            rows_array = np.asarray(rows, dtype=np.int32)
            for key, column in zip(keys, zip(*docs, strict=True), strict=True):
                name = key if type(key) is str else str(key)
                kind = set(map(type, column))
                if kind <= _FAST_TYPES:
                    parts.setdefault(name, []).append((rows_array, column, kind))
                else:
                    self._odd_column(name, rows_array, column, parts, repeated)
        self._extend(parts, repeated)

    def _extend(self, parts: dict[str, list[Piece]], repeated: set[str]) -> None:
        """Add each field's pieces to its column (made when new)."""
        cols = self._cols
        orders: dict[tuple[int, ...], Ints] = {}
        for name, pieces in parts.items():
            col = cols.get(name)
            if col is None:
                col = cols[name] = Column()
            col.extend_pieces(pieces, orders)
            col.settle()
            if name in repeated:
                col.multi = True
        for vec in (self._ids, self._index, self._live):
            vec.settle()

    @staticmethod
    def _odd_column(
        name: str,
        rows: Ints,
        column: Sequence[Any],
        parts: dict[str, list[Piece]],
        repeated: set[str],
    ) -> None:
        """A column of a shape that holds lists, objects or nulls besides plain values:
        the plain values stay one piece; lists of plain values become one piece of
        repeated rows; the rest (objects, nested lists) go through :func:`field_values`
        value by value.  A row's values thus keep the order the document gives them."""
        plain = [i for i, value in enumerate(column) if type(value) in _FAST_TYPES]
        if plain:
            parts.setdefault(name, []).append((rows[plain], [column[i] for i in plain], None))
        flat_rows: list[int] = []
        lengths: list[int] = []
        flat_values: list[Any] = []
        for i, value in enumerate(column):
            kind = type(value)
            if kind in _FAST_TYPES or value is None:
                continue
            if (kind is list or kind is tuple) and all(type(v) in _FAST_TYPES for v in value):
                if value:
                    flat_rows.append(i)
                    lengths.append(len(value))
                    flat_values += value
                continue
            for field, values in field_values({name: value}).items():
                piece = (np.full(len(values), rows[i], dtype=np.int32), values, None)
                parts.setdefault(field, []).append(piece)
                if len(values) > 1:
                    repeated.add(field)
        if flat_rows:
            repeats = np.repeat(rows[flat_rows], lengths).astype(np.int32)
            parts.setdefault(name, []).append((repeats, flat_values, None))
            if max(lengths) > 1:
                repeated.add(name)

    def delete(self, doc_id: int) -> None:
        """Remove a document from later searches (an unknown id is ignored)."""
        ids = self._ids.view()
        row = int(np.searchsorted(ids, doc_id))
        if row >= len(ids) or ids[row] != doc_id:
            return
        live = self._live.writable()
        if live[row]:
            live[row] = 0
            self._n_live -= 1

    def __len__(self) -> int:
        return self._n_live

    # ------------------------------------------------------------------ queries

    def search(
        self,
        query: Node,
        *,
        indices: Sequence[str] | None = None,
        sort: Sequence[SortField] = (),
        offset: int = 0,
        limit: int = 10,
        facets: Sequence[str] = (),
    ) -> Hits:
        """See :meth:`metron.search.query.Index.search`."""
        rows = np.flatnonzero(self._matching(query, indices))
        ordered = rows
        if sort and len(rows) > 1 and limit > 0:
            ordered = self._sorted(rows, sort, offset + limit)
        page = ordered[offset : offset + limit] if limit > 0 else rows[:0]
        ids = self._ids.view()[page].tolist()
        counts: FacetCounts = {}
        if facets:
            mask = np.zeros(self._rows, dtype=bool)
            mask[rows] = True
            for name in facets:
                counts[name] = self._facet(mask, name)
        return Hits(total=len(rows), ids=ids, facets=counts)

    def group(
        self,
        query: Node,
        groups: Sequence[GroupSpec],
        *,
        indices: Sequence[str] | None = None,
        score_field: str | None = None,
    ) -> list[dict[str, Any]]:
        """See :meth:`metron.search.query.Index.group`."""
        if not groups:
            return []
        return self._group(self._matching(query, indices), groups, score_field)

    def fields(self, indices: Sequence[str] | None = None) -> dict[str, set[str]]:
        """See :meth:`metron.search.query.Index.fields`."""
        rows = self._scope(indices)
        out: dict[str, set[str]] = {}
        for name, col in self._cols.items():
            kinds: set[str] = set()
            sd, nd = col.sd.view(), col.nd.view()
            if len(nd):
                isint = col.ni.view()[rows[nd]]
                if isint.any():
                    kinds.add("integer")
                if not isint.all():
                    kinds.add("float")
            if len(sd):
                present = np.zeros(len(col.dict), dtype=bool)
                present[col.sc.view()[rows[sd]]] = True
                if present[: TRUE + 1].any():
                    kinds.add("boolean")
                present[: TRUE + 1] = False
                if present.any():
                    is_ip = col.dict.ip_keys()[0]
                    if (present & is_ip).any():
                        kinds.add("ip")
                    if (present & ~is_ip).any():
                        kinds.add("string")
            if kinds:
                out[name] = kinds
        return out

    # ------------------------------------------------------------------ snapshots

    def save(self, directory: Path) -> None:
        """Write a snapshot to ``directory`` atomically (replacing one there)."""
        self._flush()
        write_snapshot(self, Path(directory))

    @classmethod
    def load(cls, directory: Path) -> ColumnIndex:
        """Open a snapshot written by :meth:`save` (arrays memory-mapped, copied on write);
        raises OSError or ValueError when it cannot be read."""
        return read_snapshot(cls, Path(directory))

    # ------------------------------------------------------------------ matching

    def _scope(self, indices: Sequence[str] | None) -> Mask:
        """Live rows of the named indices."""
        self._flush()
        live = self._live.view().astype(bool)
        if indices is None:
            return live
        wanted = np.array(
            [any(fnmatchcase(name, p) for p in indices) for name in self._index_names] or [False]
        )
        return live & wanted[self._index.view()]

    def _matching(self, query: Node, indices: Sequence[str] | None) -> Mask:
        self._flush()
        return self._eval(query) & self._scope(indices)

    def _named(self, field: str | None) -> list[Column]:
        if field is None:
            return list(self._cols.values())
        pattern = field_pattern(field)
        if pattern is None:
            col = self._cols.get(field)
            return [] if col is None else [col]
        return [col for name, col in self._cols.items() if pattern.fullmatch(name)]

    def _eval(self, node: Node) -> Mask:
        n = self._rows
        if isinstance(node, MatchAll):
            return np.ones(n, dtype=bool)
        if isinstance(node, Bool):
            return self._bool(node)
        if isinstance(node, Regex):
            compiled_regex(node.pattern)  # a bad pattern is an error even where no field matches
        mask = np.zeros(n, dtype=bool)
        for col in self._named(node.field):
            if isinstance(node, Exists):
                mask[col.sd.view()] = True
                mask[col.nd.view()] = True
            else:
                codes, pairs = match_column(col, node)
                if codes is not None and codes.any():
                    mask[col.sd.view()[codes[col.sc.view()]]] = True
                if pairs is not None:
                    mask[col.nd.view()[pairs]] = True
        return mask

    def _bool(self, node: Bool) -> Mask:
        mask: Mask | None = None
        for clause in node.must:
            part = self._eval(clause)
            mask = part if mask is None else mask & part
        if mask is None:
            if node.should:
                mask = np.zeros(self._rows, dtype=bool)
                for clause in node.should:
                    mask |= self._eval(clause)
            else:
                mask = np.ones(self._rows, dtype=bool)
        for clause in node.must_not:
            mask &= ~self._eval(clause)
        return mask

    # ------------------------------------------------------------------ sorting

    def _sorted(self, rows: Ints, sort: Sequence[SortField], wanted: int) -> Ints:
        keys: list[np.ndarray[Any, Any]] = []
        for spec in sort:
            col = self._cols.get(spec.field)
            if col is not None:
                keys.extend(sort_keys(col, rows, spec.order == "desc"))
        if not keys:
            return rows
        if len(keys) == 1 and wanted < len(rows) // 8:
            # A page near the top: partition first, then sort the few candidates.
            key = keys[0]
            cut = np.partition(key, wanted - 1)[wanted - 1] if wanted > 0 else key.min()
            candidates = np.flatnonzero(key <= cut)
            order = candidates[np.lexsort((candidates, key[candidates]))]
            return rows[order]
        # lexsort is stable and rows ascend, so ties keep the order documents were added.
        return rows[np.lexsort(keys[::-1])]

    # ------------------------------------------------------------------ facets and groups

    def _pairs_text(self, col: Column, mask: Mask) -> tuple[Ints, list[str], Ints]:
        """The matched rows' (row, text id) pairs of a column, and the texts by id."""
        sd, nd = col.sd.view(), col.nd.view()
        texts: dict[str, int] = {}
        rows_parts: list[Ints] = []
        tids_parts: list[Ints] = []
        if len(sd):
            hit = mask[sd]
            codes = col.sc.view()[hit]
            if len(codes):
                unique, inverse = np.unique(codes, return_inverse=True)
                ids = [texts.setdefault(t, len(texts)) for t in col.dict.texts(unique)]
                rows_parts.append(sd[hit])
                tids_parts.append(np.asarray(ids, dtype=np.int64)[inverse])
        if len(nd):
            hit = np.flatnonzero(mask[nd])
            if len(hit):
                number_tids, numbers = number_texts(col, hit)
                ids = [texts.setdefault(text, len(texts)) for text in numbers]
                rows_parts.append(nd[hit])
                tids_parts.append(np.asarray(ids, dtype=np.int64)[number_tids])
        if not rows_parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, [], empty
        rows = np.concatenate(rows_parts).astype(np.int64)
        tids = np.concatenate(tids_parts)
        if col.multi:
            # A document counts once per distinct text.
            both = np.unique(rows * len(texts) + tids)
            rows, tids = both // len(texts), both % len(texts)
        return rows, list(texts), tids

    def _facet(self, mask: Mask, name: str) -> dict[str, int]:
        col = self._cols.get(name)
        if col is None:
            return {}
        counted = self._facet_strings(col, mask)
        if counted is not None:
            return counted
        _, texts, tids = self._pairs_text(col, mask)
        counts = np.bincount(tids, minlength=len(texts)).tolist()
        found = sorted(zip(texts, counts, strict=True), key=lambda item: (-item[1], item[0]))
        return {text: count for text, count in found if count}

    @staticmethod
    def _facet_strings(col: Column, mask: Mask) -> dict[str, int] | None:
        """:meth:`_facet` of a column whose matched documents hold one string or boolean
        each, counted and ordered in Arrow (a field of 50,000 addresses costs a few
        milliseconds, not a Python sort); None for the other columns."""
        if col.multi:
            return None
        nd = col.nd.view()
        if len(nd) and mask[nd].any():
            return None  # numbers among the values: the general path
        sd = col.sd.view()
        codes = col.sc.view()[mask[sd]] if len(sd) else np.zeros(0, dtype=np.int32)
        if not len(codes):
            return {}
        per_code = np.bincount(codes)
        present = np.flatnonzero(per_code)
        try:
            texts = col.dict.arrow().take(pa.array(present))
        except (UnicodeError, pa.ArrowException):
            return None  # a value Arrow cannot hold (a lone surrogate)
        table = pa.table({"t": texts, "c": per_code[present]})
        lengths = pc.binary_length(texts)
        if col.dict.frozen or pc.max(lengths).as_py() > LONG:
            # a text may hold several codes (see Dictionary): sum them
            grouped = table.group_by("t").aggregate([("c", "sum")])
            table = grouped.select(["t", "c_sum"]).rename_columns(["t", "c"])
        order = pc.sort_indices(table, sort_keys=[("c", "descending"), ("t", "ascending")])
        table = table.take(order)
        return dict(zip(table["t"].to_pylist(), table["c"].to_pylist(), strict=True))

    def _group(
        self, mask: Mask, specs: Sequence[GroupSpec], score_field: str | None
    ) -> list[dict[str, Any]]:
        spec, rest = specs[0], specs[1:]
        col = self._cols.get(spec.field)
        if col is None:
            return []
        rows, texts, tids = self._pairs_text(col, mask)
        counts = np.bincount(tids, minlength=len(texts)).tolist()
        keys = sorted(t for t, c in zip(texts, counts, strict=True) if c)
        position = {text: i for i, text in enumerate(texts)}
        if spec.order_by == "count":
            keys.sort(key=lambda key: counts[position[key]], reverse=spec.order == "desc")
        elif spec.order == "desc":
            keys.reverse()
        order = np.argsort(tids, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(tids, minlength=len(texts)))])
        out: list[dict[str, Any]] = []
        for key in keys:
            tid = position[key]
            members = np.zeros(self._rows, dtype=bool)
            members[rows[order[bounds[tid] : bounds[tid + 1]]]] = True
            entry: dict[str, Any] = {
                "key": key,
                "total": counts[tid],
                "score": self._score(members, score_field),
            }
            if rest:
                entry["groups"] = self._group(members, rest, score_field)
            out.append(entry)
        return out

    def _score(self, members: Mask, score_field: str | None) -> float:
        col = self._cols.get(score_field) if score_field is not None else None
        if col is None:
            return 0.0
        hit = np.flatnonzero(members[col.nd.view()])
        if not len(hit):
            return 0.0
        values = col.nv.view()[hit]
        if col.big:
            values = values.copy()
            for i, position in enumerate(hit.tolist()):
                if position in col.big:
                    values[i] = float(col.big[position])
        # Added one by one in document order, as the reference does.
        return float(np.cumsum(np.concatenate([[0.0], values]))[-1])
