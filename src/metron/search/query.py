"""The alert store's query model: what an analyst's Lucene query means, backend-neutral.

:mod:`metron.search.lucene` parses Lucene query syntax into the nodes below; an index
(:class:`metron.search.engine.ColumnIndex`, or :class:`metron.search.naive.NaiveIndex`, the
slow reference twin) evaluates them over documents.  Both follow these rules, which are the
contract the tests hold them to.

Documents and values
--------------------
A document is a JSON object (an enriched Metron message).  :func:`field_values` flattens it
into ``field -> values``: nested objects join their keys with ``.`` (``{"a": {"b": 1}}``
gives field ``a.b``), lists give several values of one field (a list of objects gives the
sub-fields several values), ``null`` gives nothing, and every other value is a *scalar*:
a string, a boolean, or a number (int or float; a bool is never a number).  Metron's field
names are dotted (``enrichments.geo.ip_dst_addr.city``); a query may also name a field in
Metron's Elasticsearch form, with ``:`` for ``.`` (escaped in the query:
``enrichments\\:geo\\:ip_dst_addr\\:city``), which names the same field.

Matching a scalar (keyword semantics, as Metron's Elasticsearch templates map strings)
-----------------------------------------------------------------------------------
* :class:`Term` ``field:text`` matches a value when
  - it is a string equal to ``text`` (exact, case-sensitive), or
  - it is a number and ``text`` parses as a number (``22``, ``-1.5``, ``1e3``) equal to it, or
  - it is a boolean and ``text`` is ``true``/``false`` (any case) naming it, or
  - ``text`` is an IP network in CIDR form (``10.0.0.0/8``, ``2001:db8::/32``) and the
    value is a string holding an IP address inside it, or
  - both are IP addresses that are the same address (``2001:db8::1`` and
    ``2001:0db8:0:0:0:0:0:1``).
  A :class:`Term` from a quoted phrase (``field:"a b"``) means the same: the whole value.
* :class:`Wildcard` ``field:te*t?`` matches a string value whose whole text fits the
  pattern (``*`` any run of characters, ``?`` one character; case-sensitive), and a number
  or boolean whose text (as :func:`scalar_text` writes it) fits.
* :class:`Regex` ``field:/pattern/`` matches a string value the pattern matches in full
  (Lucene regular expressions, a subset of Python's; numbers and booleans by their text).
* :class:`Range` matches numbers numerically when both given bounds are numbers (or
  open); IP addresses by address when both given bounds are IP addresses; otherwise
  strings by code-point order.  ``[a TO b]`` includes the bounds, ``{a TO b}`` excludes
  them, ``*`` leaves an end open, ``field:>=x`` / ``>x`` / ``<=x`` / ``<x`` are ranges too.
* A document matches a field node when any value of the field matches; a field the
  document lacks (or an unknown field) matches nothing.
* :class:`Exists` (``_exists_:field``, ``field:*``) matches documents with at least one
  value of ``field``.
* A field may be a pattern (``ip_*_addr:10.0.0.1``): any field whose name fits.
* No field (``evil``, ``"a b"``, ``ev*l``): the node is tried on every field (``field``
  is ``None``).

Booleans
--------
:class:`Bool` holds ``must``, ``should`` and ``must_not`` clauses: a document matches when
it matches every ``must``, no ``must_not``, and, when there is no ``must``, at least one
``should`` (a ``Bool`` with only ``must_not`` clauses matches everything else).  ``a AND
b`` is must+must, ``a OR b`` should+should, ``NOT a`` / ``-a`` / ``!a`` must_not, ``+a``
must, and terms side by side (``a b``) are OR'd, as Lucene's default operator.  AND binds
tighter than OR.  :class:`MatchAll` is ``*``, ``*:*`` or an empty query.

Sorting and facets (see :class:`SortField` and :class:`Index`)
--------------------------------------------------------------
A document's sort value for a field is its first value (in document order).  Numbers sort
before strings and booleans (compared as their text); numbers numerically, strings by code
point; documents without the field come last whatever the order; ties keep the order in
which documents were added.  A facet counts, over the matched documents, how many have
each distinct value of the field (a document counts once per distinct value), keyed by
:func:`scalar_text`; the counts are ordered by count (descending), then key.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from metron.stellar.types import to_java_string

__all__ = [
    "ONE",
    "STAR",
    "Bool",
    "Exists",
    "FacetCounts",
    "GroupSpec",
    "Hits",
    "Index",
    "MatchAll",
    "Node",
    "Range",
    "Regex",
    "SortField",
    "Term",
    "Wildcard",
    "field_values",
    "iter_nodes",
    "scalar_text",
]

Scalar = str | bool | int | float


# ---------------------------------------------------------------------------- the nodes


@dataclass(frozen=True)
class Term:
    """``field:text`` (``field`` None: any field); ``text`` is unescaped."""

    field: str | None
    text: str


@dataclass(frozen=True)
class Wildcard:
    """``field:pattern`` with wildcards: ``parts`` is the pattern as a sequence of literal
    texts (unescaped; an escaped ``\\*`` is literal text) and the wildcards :data:`STAR`
    (``*``) and :data:`ONE` (``?``)."""

    field: str | None
    parts: tuple[str, ...]


#: ``*`` (any run of characters) in a :class:`Wildcard`'s parts.
STAR = "\x00*"
#: ``?`` (one character) in a :class:`Wildcard`'s parts.
ONE = "\x00?"


@dataclass(frozen=True)
class Regex:
    """``field:/pattern/``: ``pattern`` as written between the slashes."""

    field: str | None
    pattern: str


@dataclass(frozen=True)
class Range:
    """``field:[low TO high]`` and friends; ``None`` for an open end."""

    field: str | None
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Exists:
    """``_exists_:field`` or ``field:*``."""

    field: str


@dataclass(frozen=True)
class MatchAll:
    """``*``, ``*:*`` or nothing."""


@dataclass(frozen=True)
class Bool:
    """Boolean clauses (see the module docstring for what matches)."""

    must: tuple[Node, ...] = ()
    should: tuple[Node, ...] = ()
    must_not: tuple[Node, ...] = ()


Node = Term | Wildcard | Regex | Range | Exists | MatchAll | Bool


# ------------------------------------------------------------------------ values


def field_values(doc: Mapping[str, Any]) -> dict[str, list[Scalar]]:
    """The document's fields and their scalar values, flattened (see the module
    docstring); fields without values are left out."""
    out: dict[str, list[Scalar]] = {}
    for key, value in doc.items():
        _flatten(str(key), value, out)
    return out


def _flatten(name: str, value: Any, out: dict[str, list[Scalar]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{name}.{key}", item, out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _flatten(name, item, out)
    elif isinstance(value, (str, bool, int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return
        out.setdefault(name, []).append(value)
    else:
        out.setdefault(name, []).append(str(value))


def scalar_text(value: Scalar) -> str:
    """A scalar as facets key it and wildcards see it: strings as they are, booleans as
    ``true``/``false``, integers in decimal, floats as Java's ``Double.toString`` writes
    them for ordinary magnitudes (``1.5``, ``22.0``, ``1.0E-4``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return to_java_string(value)


# ---------------------------------------------------------------- search interface


@dataclass(frozen=True)
class SortField:
    """One sort key: a field and ``asc`` or ``desc``."""

    field: str
    order: Literal["asc", "desc"] = "desc"


#: ``{field: {value text: count}}``, each field's counts ordered by count, then key.
FacetCounts = dict[str, dict[str, int]]


@dataclass
class Hits:
    """What a search found: the total and one page of document ids, in sort order."""

    total: int
    ids: list[int]
    facets: FacetCounts = field(default_factory=dict)


@dataclass(frozen=True)
class GroupSpec:
    """One level of a group request: the field, and how groups are ordered: by ``count``
    or by ``term``, ``asc`` or ``desc``."""

    field: str
    order_by: Literal["count", "term"] = "count"
    order: Literal["asc", "desc"] = "desc"


class Index(Protocol):
    """A searchable set of documents, each with an integer id and an index name."""

    def add(self, doc_id: int, index: str, doc: Mapping[str, Any]) -> None:
        """Add a document (ids only grow)."""
        ...

    def delete(self, doc_id: int) -> None:
        """Remove a document from every later search."""
        ...

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
        """The documents matching ``query`` in the named indices (``fnmatch`` patterns;
        ``None``: all), sorted (no sort: insertion order), one page of them, and the facet
        counts over all of them."""
        ...

    def group(
        self,
        query: Node,
        groups: Sequence[GroupSpec],
        *,
        indices: Sequence[str] | None = None,
        score_field: str | None = None,
    ) -> list[dict[str, Any]]:
        """Nested groups of the matching documents: for each group a dict with ``key``
        (the value's :func:`scalar_text`), ``total`` (documents), ``score`` (the sum of
        ``score_field``'s numeric values over them, 0 without one) and, below the last
        level, ``groups`` (the next level's list; absent at the last level)."""
        ...

    def fields(self, indices: Sequence[str] | None = None) -> dict[str, set[str]]:
        """Each field of the live documents of the named indices and the kinds of value
        seen in it: ``string`` (a string that is not an IP address), ``ip`` (a string
        holding an IPv4 or IPv6 address), ``integer``, ``float``, ``boolean``."""
        ...

    def __len__(self) -> int:
        """The number of live documents."""
        ...


def iter_nodes(node: Node) -> Iterator[Node]:
    """Every node of a query tree, depth first."""
    yield node
    if isinstance(node, Bool):
        for child in (*node.must, *node.should, *node.must_not):
            yield from iter_nodes(child)
