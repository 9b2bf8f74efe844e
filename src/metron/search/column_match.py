"""How a query node matches one :class:`~metron.search.columns.Column`, and how its values
sort and print, all vectorised; :class:`~metron.search.engine.ColumnIndex` combines the
columns.  Text patterns run once per distinct value (see
:meth:`~metron.search.columns.Dictionary.scan`); numbers and IP addresses are compared
in numpy, with exact Python arithmetic for integers beyond float64's exact range."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from metron.search.columns import FALSE, TRUE, Column
from metron.search.matching import (
    bool_of,
    ip_key_of,
    ip_network_of,
    lucene_regex,
    number_of,
    range_kind,
    wildcard_regex,
)
from metron.search.query import ONE, STAR, Node, Range, Regex, Term, Wildcard, scalar_text

__all__ = ["compiled_regex", "match_column", "number_texts", "sort_keys"]

Mask = np.ndarray[Any, np.dtype[np.bool_]]
Ints = np.ndarray[Any, Any]

#: Characters a number's text (see scalar_text) can hold.
_NUMBER_CHARS = frozenset("0123456789-.E")
_LOW64 = (1 << 64) - 1


# ------------------------------------------------------------------ matching a column


def match_column(col: Column, node: Node) -> tuple[Mask | None, Ints | None]:
    """Which dictionary codes (a mask over codes) and which numeric pairs (positions) of
    ``col`` match a :class:`Term`, :class:`Wildcard`, :class:`Regex` or :class:`Range`."""
    if isinstance(node, Term):
        return _term(col, node.text)
    if isinstance(node, Wildcard):
        literal = "".join(p for p in node.parts if p not in (STAR, ONE))
        numbers = set(literal) <= _NUMBER_CHARS
        return _text(col, ("w", node.parts), _wildcard(node.parts).fullmatch, numbers)
    if isinstance(node, Regex):
        return _text(col, ("r", node.pattern), compiled_regex(node.pattern).fullmatch, True)
    if isinstance(node, Range):
        return _range(col, node)
    raise TypeError(f"not a field node: {node!r}")


@lru_cache(maxsize=256)
def _wildcard(parts: tuple[str, ...]) -> Any:
    return wildcard_regex(parts)


@lru_cache(maxsize=256)
def compiled_regex(pattern: str) -> Any:
    """A Lucene regular expression, compiled once (raises RegexError when invalid)."""
    return lucene_regex(pattern)


def _codes_mask(col: Column) -> Mask:
    return np.zeros(len(col.dict), dtype=bool)


def _term(col: Column, text: str) -> tuple[Mask | None, Ints | None]:
    codes = _codes_mask(col)
    codes[col.dict.equal(text)] = True
    boolean = bool_of(text)
    if boolean is not None:
        codes[TRUE if boolean else FALSE] = True
    network = ip_network_of(text)
    address = ip_key_of(text) if network is None else None
    if network is not None or address is not None:
        low, high = network if network is not None else (address, address)
        assert low is not None and high is not None
        is_ip, his, los = col.dict.ip_keys()
        codes |= is_ip & _ip_between(his, los, low, high, True, True)
    number = number_of(text)
    pairs = None
    if number is not None and len(col.nd):
        hit = col.nv.view() == number
        for position, exact in col.big.items():
            hit[position] = exact == number
        pairs = np.flatnonzero(hit)
    return codes, pairs


def _text(col: Column, key: Any, test: Any, numbers: bool) -> tuple[Mask | None, Ints | None]:
    codes = col.dict.scan(key, lambda value: test(value) is not None).copy()
    codes[FALSE] = test("false") is not None
    codes[TRUE] = test("true") is not None
    pairs = None
    if numbers and len(col.nd):
        tids, texts = number_texts(col, np.arange(len(col.nd)))
        good = np.array([test(text) is not None for text in texts], dtype=bool)
        pairs = np.flatnonzero(good[tids])
    return codes, pairs


def number_texts(col: Column, positions: Ints) -> tuple[Ints, list[str]]:
    """For numeric pairs: a per-pair id of its number and the numbers' texts by id."""
    values = col.nv.view()[positions]
    kind = col.ni.view()[positions].astype(np.int8)
    if col.big:
        kind[np.isin(positions, np.fromiter(col.big, dtype=np.int64))] = 2
    tids = np.zeros(len(positions), dtype=np.int64)
    texts: list[str] = []
    for want in (1, 0):
        part = np.flatnonzero(kind == want)
        if not len(part):
            continue
        # By bits, so that 0.0 and -0.0 (different texts) stay apart.
        unique, inverse = np.unique(values[part].view(np.int64), return_inverse=True)
        tids[part] = inverse + len(texts)
        numbers = unique.view(np.float64).tolist()
        if want:
            texts.extend(str(int(v)) for v in numbers)
        else:
            texts.extend(scalar_text(v) for v in numbers)
    if col.big:
        # Integers beyond float64's exact range: each pair its own id and exact text.
        for i, position in enumerate(positions.tolist()):
            if position in col.big:
                tids[i] = len(texts)
                texts.append(str(col.big[position]))
    return tids, texts


def _range(col: Column, node: Range) -> tuple[Mask | None, Ints | None]:
    if node.low is None and node.high is None:
        return np.ones(len(col.dict), dtype=bool), np.arange(len(col.nd))
    kind = range_kind(node.low, node.high)
    if kind == "number":
        low = None if node.low is None else number_of(node.low)
        high = None if node.high is None else number_of(node.high)
        values = col.nv.view()
        hit = np.ones(len(values), dtype=bool)
        if low is not None:
            hit &= values >= low if node.include_low else values > low
        if high is not None:
            hit &= values <= high if node.include_high else values < high
        for position, exact in col.big.items():
            hit[position] = (
                low is None or exact > low or (node.include_low and exact == low)
            ) and (high is None or exact < high or (node.include_high and exact == high))
        return None, np.flatnonzero(hit)
    if kind == "ip":
        is_ip, his, los = col.dict.ip_keys()
        low_ip = None if node.low is None else ip_key_of(node.low)
        high_ip = None if node.high is None else ip_key_of(node.high)
        return is_ip & _ip_between(
            his, los, low_ip, high_ip, node.include_low, node.include_high
        ), None
    low_s, high_s = node.low, node.high

    def test(value: str) -> bool:
        if low_s is not None and (value < low_s or (value == low_s and not node.include_low)):
            return False
        return high_s is None or value < high_s or (value == high_s and node.include_high)

    key = ("s", low_s, high_s, node.include_low, node.include_high)
    return col.dict.scan(key, test), None


def _ip_between(
    his: Ints, los: Ints, low: int | None, high: int | None, inc_low: bool, inc_high: bool
) -> Mask:
    hit = np.ones(len(his), dtype=bool)
    if low is not None:
        lh, ll = np.uint64(low >> 64), np.uint64(low & _LOW64)
        above = (his > lh) | ((his == lh) & ((los >= ll) if inc_low else (los > ll)))
        hit &= above
    if high is not None:
        hh, hl = np.uint64(high >> 64), np.uint64(high & _LOW64)
        below = (his < hh) | ((his == hh) & ((los <= hl) if inc_high else (los < hl)))
        hit &= below
    return hit


# ------------------------------------------------------------------ sort keys


def sort_keys(col: Column, rows: Ints, desc: bool) -> list[np.ndarray[Any, Any]]:
    """Keys (most significant first) ordering ``rows`` by the column's first values:
    numbers before strings (reversed whole for ``desc``), missing last."""
    n = len(rows)
    sd, nd = col.sd.view(), col.nd.view()
    s_at = np.searchsorted(sd, rows)
    has_s = s_at < len(sd)
    has_s[has_s] = sd[s_at[has_s]] == rows[has_s]
    n_at = np.searchsorted(nd, rows)
    has_n = n_at < len(nd)
    has_n[has_n] = nd[n_at[has_n]] == rows[has_n]
    use_n = has_n
    if col.mixed:
        both = np.flatnonzero(has_n & has_s)
        for i in both.tolist():
            use_n[i] = col.mixed.get(int(rows[i]), True)
    use_s = has_s & ~use_n
    keys: list[np.ndarray[Any, Any]] = []
    if use_s.any() and use_n.any():
        group = np.full(n, 2, dtype=np.int8)
        group[use_n] = 1 if desc else 0
        group[use_s] = 0 if desc else 1
        keys.append(group)
    if use_n.any():
        if col.big:
            values = _exact_ranks(col, n_at[use_n])
        else:
            values = col.nv.view()[n_at[use_n]]
        key = np.full(n, math.inf)
        key[use_n] = -values if desc else values
        keys.append(key)
    if use_s.any():
        ranks = col.dict.ranks()[col.sc.view()[s_at[use_s]]]
        rank_key = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        rank_key[use_s] = -ranks if desc else ranks
        keys.append(rank_key)
    return keys


def _exact_ranks(col: Column, positions: Ints) -> np.ndarray[Any, Any]:
    """Dense ranks of numeric pairs by exact value (for integers beyond float64)."""
    values: list[int | float] = col.nv.view()[positions].tolist()
    for i, p in enumerate(positions.tolist()):
        if p in col.big:
            values[i] = col.big[p]
        elif col.ni.view()[p]:
            values[i] = int(values[i])
    ordered = sorted(set(values))
    rank = {value: i for i, value in enumerate(ordered)}
    return np.array([rank[value] for value in values], dtype=np.float64)
