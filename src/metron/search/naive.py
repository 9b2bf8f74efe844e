"""The slow, obviously correct twin of :class:`metron.search.query.Index`.

:class:`NaiveIndex` evaluates every query node against every document by the rules in
:mod:`metron.search.query`, one value at a time.  It is the reference the fast columnar
engine is tested against, and an index for small tests.

Where the contract leaves a choice, this is the reading taken: ``desc`` reverses the whole
ascending order of present values (so strings come before numbers in ``desc``), documents
without the sort field stay last; a range with both ends open matches any value; group
``term`` order compares the keys' text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from metron.search.matching import (
    bool_of,
    field_pattern,
    ip_key_of,
    ip_network_of,
    lucene_regex,
    number_of,
    range_kind,
    wildcard_regex,
)
from metron.search.query import (
    Bool,
    Exists,
    FacetCounts,
    GroupSpec,
    Hits,
    MatchAll,
    Node,
    Range,
    Regex,
    Scalar,
    SortField,
    Term,
    Wildcard,
    field_values,
    scalar_text,
)

__all__ = ["NaiveIndex"]

Values = dict[str, list[Scalar]]
ValueTest = Callable[[Scalar], bool]


class NaiveIndex:
    """Documents in a dict, searched by brute force."""

    def __init__(self) -> None:
        self._docs: dict[int, tuple[str, Values]] = {}

    def add(self, doc_id: int, index: str, doc: Mapping[str, Any]) -> None:
        self._docs[doc_id] = (index, field_values(doc))

    def delete(self, doc_id: int) -> None:
        self._docs.pop(doc_id, None)

    def __len__(self) -> int:
        return len(self._docs)

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
        ids = self._matching(query, indices)
        for key in reversed(sort):  # stable sorts, last key first
            ids = self._sorted(ids, key)
        counts: FacetCounts = {name: self._facet(ids, name) for name in facets}
        return Hits(total=len(ids), ids=ids[offset : offset + limit], facets=counts)

    def group(
        self,
        query: Node,
        groups: Sequence[GroupSpec],
        *,
        indices: Sequence[str] | None = None,
        score_field: str | None = None,
    ) -> list[dict[str, Any]]:
        if not groups:
            return []
        return self._group(self._matching(query, indices), groups, score_field)

    def fields(self, indices: Sequence[str] | None = None) -> dict[str, set[str]]:
        kinds: dict[str, set[str]] = {}
        for doc_id in self._in_indices(indices):
            for name, values in self._docs[doc_id][1].items():
                kinds.setdefault(name, set()).update(_kind(value) for value in values)
        return kinds

    # ------------------------------------------------------------------ internals

    def _in_indices(self, indices: Sequence[str] | None) -> list[int]:
        return [
            doc_id
            for doc_id, (index, _) in sorted(self._docs.items())
            if indices is None or any(fnmatchcase(index, pattern) for pattern in indices)
        ]

    def _matching(self, query: Node, indices: Sequence[str] | None) -> list[int]:
        return [
            doc_id for doc_id in self._in_indices(indices) if _matches(query, self._docs[doc_id][1])
        ]

    def _sorted(self, ids: list[int], key: SortField) -> list[int]:
        present = [doc_id for doc_id in ids if self._docs[doc_id][1].get(key.field)]
        missing = [doc_id for doc_id in ids if not self._docs[doc_id][1].get(key.field)]
        present.sort(
            key=lambda doc_id: _sort_key(self._docs[doc_id][1][key.field][0]),
            reverse=key.order == "desc",
        )
        return present + missing

    def _facet(self, ids: Iterable[int], name: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for doc_id in ids:
            for text in {scalar_text(value) for value in self._docs[doc_id][1].get(name, [])}:
                counts[text] = counts.get(text, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def _group(
        self, ids: list[int], specs: Sequence[GroupSpec], score_field: str | None
    ) -> list[dict[str, Any]]:
        spec, rest = specs[0], specs[1:]
        members: dict[str, list[int]] = {}
        for doc_id in ids:
            texts = {scalar_text(value) for value in self._docs[doc_id][1].get(spec.field, [])}
            for text in texts:
                members.setdefault(text, []).append(doc_id)
        keys = sorted(members)  # ties by key ascending
        if spec.order_by == "count":
            keys.sort(key=lambda key: len(members[key]), reverse=spec.order == "desc")
        elif spec.order == "desc":
            keys.reverse()
        out: list[dict[str, Any]] = []
        for key in keys:
            entry: dict[str, Any] = {
                "key": key,
                "total": len(members[key]),
                "score": self._score(members[key], score_field),
            }
            if rest:
                entry["groups"] = self._group(members[key], rest, score_field)
            out.append(entry)
        return out

    def _score(self, ids: list[int], score_field: str | None) -> float:
        if score_field is None:
            return 0.0
        total = 0.0
        for doc_id in ids:
            for value in self._docs[doc_id][1].get(score_field, []):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    total += value
        return total


def _sort_key(value: Scalar) -> tuple[int, float | str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, scalar_text(value))


def _kind(value: Scalar) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    return "ip" if ip_key_of(value) is not None else "string"


# ------------------------------------------------------------------------ matching


def _matches(node: Node, values: Values) -> bool:
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, Bool):
        if any(_matches(clause, values) for clause in node.must_not):
            return False
        if node.must:
            return all(_matches(clause, values) for clause in node.must)
        if node.should:
            return any(_matches(clause, values) for clause in node.should)
        return True
    if isinstance(node, Exists):
        return any(values[name] for name in _field_names(node.field, values))
    test = _value_test(node)
    names = _field_names(node.field, values)
    return any(test(value) for name in names for value in values[name])


def _field_names(field: str | None, values: Values) -> list[str]:
    if field is None:
        return list(values)
    pattern = field_pattern(field)
    if pattern is None:
        return [field] if field in values else []
    return [name for name in values if pattern.fullmatch(name)]


def _value_test(node: Term | Wildcard | Regex | Range) -> ValueTest:
    if isinstance(node, Term):
        return _term_test(node.text)
    if isinstance(node, Wildcard):
        return _text_test(wildcard_regex(node.parts))
    if isinstance(node, Regex):
        return _text_test(lucene_regex(node.pattern))
    return _range_test(node)


def _is_number(value: Scalar) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _term_test(text: str) -> ValueTest:
    number = number_of(text)
    boolean = bool_of(text)
    network = ip_network_of(text)
    address = ip_key_of(text)

    def test(value: Scalar) -> bool:
        if isinstance(value, bool):
            return boolean is value
        if _is_number(value):
            return number is not None and value == number
        assert isinstance(value, str)
        if value == text:
            return True
        if network is not None:
            key = ip_key_of(value)
            return key is not None and network[0] <= key <= network[1]
        return address is not None and ip_key_of(value) == address

    return test


def _text_test(pattern: re.Pattern[str]) -> ValueTest:
    return lambda value: pattern.fullmatch(scalar_text(value)) is not None


def _range_test(node: Range) -> ValueTest:
    if node.low is None and node.high is None:
        return lambda value: True
    kind = range_kind(node.low, node.high)
    if kind == "number":
        low_n = None if node.low is None else number_of(node.low)
        high_n = None if node.high is None else number_of(node.high)
        return lambda value: _is_number(value) and _between(value, low_n, high_n, node)
    if kind == "ip":
        low_ip = None if node.low is None else ip_key_of(node.low)
        high_ip = None if node.high is None else ip_key_of(node.high)

        def ip_test(value: Scalar) -> bool:
            key = ip_key_of(value) if isinstance(value, str) else None
            return key is not None and _between(key, low_ip, high_ip, node)

        return ip_test
    return lambda value: isinstance(value, str) and _between(value, node.low, node.high, node)


def _between(value: Any, low: Any, high: Any, node: Range) -> bool:
    if low is not None and (value < low or (value == low and not node.include_low)):
        return False
    return high is None or value < high or (value == high and node.include_high)
