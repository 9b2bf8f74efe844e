"""The parsed form of a Java pattern, and how it is written out as a Python pattern.

A node is one character (an explicit code-point set), a piece of ready Python text (anchors),
a back reference, a group or a repetition.  Python's look-behind needs a fixed length where
Java accepts a bounded one, so a variable look-behind is split into fixed-length variants.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from metron.stellar.javaregex._charset import CharSet

__all__ = [
    "CARET_MULTI",
    "DOLLAR",
    "DOLLAR_MULTI",
    "LINE_ENDING",
    "UNIX_CARET_MULTI",
    "UNIX_DOLLAR",
    "UNIX_DOLLAR_MULTI",
    "Chars",
    "Group",
    "JavaRegexError",
    "Node",
    "Raw",
    "Ref",
    "Repeat",
    "Translation",
    "emit_seq",
    "width",
]


class JavaRegexError(ValueError):
    """A pattern Java rejects (or one this translator cannot express in Python)."""

    def __init__(self, description: str, pattern: str, index: int | None = None) -> None:
        where = f" near index {index}" if index is not None else ""
        super().__init__(f"{description}{where} in regular expression {pattern!r}")
        self.description = description
        self.index = index


@dataclass(frozen=True, slots=True)
class Translation:
    """A translated pattern: Python source, group count, names, and whether it starts with \\G."""

    python: str
    groups: int
    names: dict[str, int]
    starts_at_last_match: bool


# -- the tree ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Chars:
    """Exactly one character out of a set."""

    cs: CharSet


@dataclass(slots=True)
class Raw:
    """Python text used as it is (anchors, \\b, \\R), with its width range."""

    py: str
    lo: int = 0
    hi: int | None = 0


@dataclass(slots=True)
class Ref:
    """A back reference; number and name both None mean a group that does not exist."""

    number: int | None
    name: str | None
    case: str  # "", "a" (ASCII case-insensitive) or "u" (Unicode case-insensitive)
    at: int


@dataclass(slots=True)
class Group:
    """A group: capturing, named, non-capturing, atomic, or a look-around."""

    kind: str  # "cap", "name", "non", "atomic", "=", "!", "<=", "<!"
    body: list[list[Node]]
    name: str | None = None
    number: int = 0


@dataclass(slots=True)
class Repeat:
    """A quantified node; hi None is unbounded."""

    node: Node
    lo: int
    hi: int | None
    mode: str  # "", "?" (lazy), "+" (possessive)


Node = Chars | Raw | Ref | Group | Repeat

# Java 8's anchors, written with Java's line terminators.
DOLLAR = "(?=(?:\\r\\n|[\\r\\x85\\u2028\\u2029])?\\Z|(?<!\\r)\\n\\Z)"
DOLLAR_MULTI = "(?=[\\r\\x85\\u2028\\u2029]|\\Z|(?<!\\r)\\n)"
UNIX_DOLLAR = "(?=\\n?\\Z)"
UNIX_DOLLAR_MULTI = "(?=\\n|\\Z)"
CARET_MULTI = "(?!\\Z)(?:\\A|(?<=[\\n\\x85\\u2028\\u2029])|(?<=\\r)(?!\\n))"
UNIX_CARET_MULTI = "(?!\\Z)(?:\\A|(?<=\\n))"
LINE_ENDING = "(?>\\r\\n|[\\n\\x0b\\f\\r\\x85\\u2028\\u2029])"


# -- widths and emission ----------------------------------------------------------------------


def width(branches: list[list[Node]]) -> tuple[int, int | None]:
    """(shortest, longest or None if unbounded) match of an alternation, in characters."""
    lows, highs = [], []
    for seq in branches:
        lo: int = 0
        hi: int | None = 0
        for node in seq:
            a, b = _node_width(node)
            lo += a
            hi = None if hi is None or b is None else hi + b
        lows.append(lo)
        highs.append(hi)
    return min(lows), (None if None in highs else max(h for h in highs if h is not None))


def _node_width(node: Node) -> tuple[int, int | None]:
    if isinstance(node, Chars):
        return 1, 1
    if isinstance(node, Raw):
        return node.lo, node.hi
    if isinstance(node, Ref):
        return 0, None
    if isinstance(node, Group):
        return (0, 0) if node.kind in ("=", "!", "<=", "<!") else width(node.body)
    lo, hi = _node_width(node.node)
    if hi == 0:
        return 0, 0
    top = None if hi is None or node.hi is None else hi * node.hi
    return lo * node.lo, top


def emit_seq(seq: list[Node]) -> str:
    return "".join(_emit(node) for node in seq)


def _emit_alt(branches: list[list[Node]]) -> str:
    return "|".join(emit_seq(b) for b in branches)


def _emit(node: Node) -> str:
    if isinstance(node, Chars):
        return node.cs.to_python()
    if isinstance(node, Raw):
        return node.py
    if isinstance(node, Ref):
        if node.number is None and node.name is None:
            return "(?!)"
        inner = f"(?P={node.name})" if node.name else f"\\{node.number}"
        flag = {"": "", "a": "ai", "u": "i"}[node.case]
        return f"(?{flag}:{inner})" if flag else f"(?:{inner})"
    if isinstance(node, Group):
        body = _emit_alt(node.body)
        if node.kind == "cap":
            return f"({body})"
        if node.kind == "name":
            return f"(?P<{node.name}>{body})"
        if node.kind == "non":
            return f"(?:{body})"
        if node.kind == "atomic":
            return f"(?>{body})"
        if node.kind in ("=", "!"):
            return f"(?{node.kind}{body})"
        return _emit_lookbehind(node)
    inner = _emit(node.node)
    if not _quantifiable(node.node):
        inner = f"(?:{inner})"
    lo, hi = node.lo, node.hi
    if (lo, hi) == (0, None):
        q = "*"
    elif (lo, hi) == (1, None):
        q = "+"
    elif (lo, hi) == (0, 1):
        q = "?"
    elif hi is None:
        q = f"{{{lo},}}"
    elif lo == hi:
        q = f"{{{lo}}}"
    else:
        q = f"{{{lo},{hi}}}"
    return inner + q + node.mode


def _quantifiable(node: Node) -> bool:
    if isinstance(node, Chars):
        return True
    if isinstance(node, Group):
        return node.kind in ("cap", "name", "non", "atomic")
    return isinstance(node, Ref)


_MAX_VARIANTS = 256


def _emit_lookbehind(node: Group) -> str:
    """Python needs a fixed width; Java allows a bounded one, so split it by width."""
    positive = node.kind == "<="
    lo, hi = width(node.body)
    if lo == hi:
        return f"(?{node.kind}{_emit_alt(node.body)})"
    variants = _variants_alt(node.body)
    if variants is None:
        raise ValueError(
            "a look-behind whose length varies is supported only when it can be split into "
            "fixed-length alternatives without capturing groups"
        )
    by_width: dict[int, list[str]] = {}
    for size, text in variants:
        by_width.setdefault(size, []).append(text)
    parts = [f"(?{node.kind}{'|'.join(texts)})" for texts in by_width.values()]
    return "(?:" + "|".join(parts) + ")" if positive else "".join(parts)


_Variants = list[tuple[int, str]]


def _variants_alt(branches: list[list[Node]]) -> _Variants | None:
    out: _Variants = []
    for seq in branches:
        v = _variants_seq(seq)
        if v is None:
            return None
        out.extend(v)
    return out if len(out) <= _MAX_VARIANTS else None


def _variants_seq(seq: list[Node]) -> _Variants | None:
    result: _Variants = [(0, "")]
    for node in seq:
        options = _variants(node)
        if options is None or len(result) * len(options) > _MAX_VARIANTS:
            return None
        result = [(w1 + w2, t1 + t2) for (w1, t1), (w2, t2) in itertools.product(result, options)]
    return result


def _variants(node: Node) -> _Variants | None:
    lo, hi = _node_width(node)
    if lo == hi and hi is not None:
        return [(lo, _emit(node))]
    if isinstance(node, Group):
        if node.kind in ("non", "atomic"):
            return _variants_alt(node.body)
        return None
    if isinstance(node, Repeat) and node.hi is not None:
        inner = _variants(node.node)
        if inner is None:
            return None
        out: _Variants = []
        for count in range(node.lo, node.hi + 1):
            v = _variants_seq([node.node] * count) if count else [(0, "")]
            if v is None:
                return None
            out.extend(v)
        return out if len(out) <= _MAX_VARIANTS else None
    return None
