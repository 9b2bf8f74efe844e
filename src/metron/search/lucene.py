"""Lucene query syntax (as Metron's alerts UI sends it) parsed into query nodes.

:func:`parse` turns a query string into a :mod:`metron.search.query` node tree, using
luqum's parser for the grammar.  What each form means is the contract in
:mod:`metron.search.query`; the choices made here:

* ``a~1`` (fuzzy) and ``"a b"~2`` (proximity) are not supported: they raise
  :class:`QuerySyntaxError` rather than silently matching something else.
* ``a^2`` (boost) parses, and the boost is ignored: hits are not scored.
* ``/regex/`` accepts the subset of Lucene regular expressions described in
  :func:`metron.search.matching.lucene_regex`; Lucene's optional operators ``&``, ``~``,
  ``<n-m>``, ``@`` and ``#`` raise :class:`QuerySyntaxError`.
* ``&&``, ``||`` and ``!`` are Lucene's spellings of ``AND``, ``OR`` and ``NOT`` (as
  whole tokens; ``a&&b`` is one term, as in Lucene).
* A field name is unescaped and a ``:`` in it becomes ``.``: ``enrichments\\:geo\\:city``
  is the field ``enrichments.geo.city``.  A ``*`` in a field name is kept: the index reads
  it as a pattern.  ``field:(a b)`` applies the field to every term in the group; a field
  inside such a group (``f:(g:a)``) is an error, as is ``a:b:c`` (an unescaped ``:`` in a
  value such as an IPv6 address: escape it, ``ip:2001\\:db8\\:\\:1``, or quote it).
* Nested boolean clauses of the same kind are flattened where the meaning is unchanged,
  and a single-clause ``Bool`` becomes its clause.
"""

from __future__ import annotations

import re

from luqum import tree
from luqum.thread import parse as luqum_parse

from metron.errors import MetronError
from metron.search.matching import RegexError, lucene_regex
from metron.search.query import (
    ONE,
    STAR,
    Bool,
    Exists,
    MatchAll,
    Node,
    Range,
    Regex,
    Term,
    Wildcard,
)

__all__ = ["QuerySyntaxError", "parse"]


class QuerySyntaxError(MetronError):
    """The query is not valid (supported) Lucene syntax; ``position`` is the 0-based
    offset of the problem in ``query`` and ``reason`` says what is wrong."""

    def __init__(self, reason: str, *, query: str, position: int) -> None:
        self.reason = reason
        self.query = query
        self.position = max(0, min(position, len(query)))
        super().__init__(str(self))

    def __str__(self) -> str:
        # the caret line must line up with the query line: show newlines and tabs as blanks
        shown = re.sub(r"\s", " ", self.query)
        return (
            f"Syntax error at position {self.position}: {self.reason}\n"
            f"{shown}\n"
            f"{' ' * self.position}^"
        )


def parse(text: str) -> Node:
    """The query node for a Lucene query string; blank, ``*`` and ``*:*`` match all.

    Raises :class:`QuerySyntaxError` for anything invalid or unsupported."""
    if not text.strip():
        return MatchAll()
    rewritten, origin = _rewrite_operators(text)
    try:
        parsed = luqum_parse(rewritten)
    except RecursionError:
        raise QuerySyntaxError("the query nests too deeply", query=text, position=0) from None
    except Exception as exc:  # luqum/PLY report every problem as some exception
        reason, at = _describe(str(exc), rewritten)
        raise QuerySyntaxError(reason, query=text, position=origin[at]) from None
    try:
        return _Converter(text, origin).convert(parsed, None)
    except RecursionError:
        raise QuerySyntaxError("the query nests too deeply", query=text, position=0) from None


# ------------------------------------------------------------------ before luqum

_BOUNDARY = " \t\r\n\f\v()"
_AFTER_OPERATOR = ":+-!^~[]{}<>="


def _rewrite_operators(text: str) -> tuple[str, list[int]]:
    """Spell ``&&``, ``||`` and a leading ``!`` the way luqum knows (``AND``, ``OR``,
    ``-``), outside phrases, regexes and escapes; ``origin[i]`` is the offset in ``text``
    of the rewritten text's character ``i`` (one more entry for its end)."""
    out: list[str] = []
    origin: list[int] = []

    def emit(chunk: str, at: int) -> None:
        out.append(chunk)
        origin.extend([at] * len(chunk))

    i, n = 0, len(text)
    while i < n:
        char = text[i]
        token_start = i == 0 or text[i - 1] in _BOUNDARY or text[i - 1] in _AFTER_OPERATOR
        if char == "\\":
            for j in range(i, min(i + 2, n)):
                emit(text[j], j)
            i += 2
            continue
        if char in '"/' and token_start:
            end = _closing(text, i)
            for j in range(i, end):
                emit(text[j], j)
            i = end
            continue
        if (
            token_start
            and text[i : i + 2] in ("&&", "||")
            and (i + 2 == n or text[i + 2] in _BOUNDARY)
        ):
            emit(" AND " if char == "&" else " OR ", i)
            i += 2
            continue
        if token_start and char == "!":
            emit("-", i)
            i += 1
            continue
        if token_start and char in "<>":
            # a negative bound (f:>=-5): luqum would read the '-' as a prohibition
            end = i + 2 if text[i + 1 : i + 2] == "=" else i + 1
            for j in range(i, end):
                emit(text[j], j)
            if text[end : end + 1] == "-":
                emit("\\-", end)
                end += 1
            i = end
            continue
        emit(char, i)
        i += 1
    origin.append(n)
    return "".join(out), origin


def _closing(text: str, start: int) -> int:
    """The offset just past the quote or slash closing the one at ``start`` (or the end)."""
    mark, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == mark:
            return i + 1
        i += 1
    return len(text)


_AT_POSITION = re.compile(r"at position (\d+)")
_UNEXPECTED = re.compile(r"unexpected\s+'(.*)' at position")


def _describe(message: str, text: str) -> tuple[str, int]:
    """A reason and an offset (in ``text``) for luqum's error message."""
    found = _AT_POSITION.search(message)
    if found is None:
        if "end of expression" in message:
            return (
                "unexpected end of the query (an unclosed '(' or '[', or a dangling operator?)",
                len(text),
            )
        return "the query could not be parsed", 0
    at = min(int(found.group(1)), len(text))
    char = text[at] if at < len(text) else ""
    if message.startswith("Illegal character"):
        if char == '"':
            return "unterminated phrase: '\"' without a closing '\"'", at
        if char == "/":
            return "unterminated regular expression: '/' without a closing '/'", at
        return f"unexpected character {char!r}", at
    token = _UNEXPECTED.search(message)
    shown = (token.group(1) if token else char).strip()
    if shown == ":":
        return "unexpected ':' (escape a ':' in a value as '\\:', or quote the value)", at
    return f"unexpected {shown!r}", at


# ------------------------------------------------------------------- after luqum

_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def _unescape(raw: str) -> str:
    return _ESCAPED.sub(r"\1", raw)


def _field_name(raw: str) -> str:
    return _unescape(raw).replace(":", ".")


class _Converter:
    def __init__(self, text: str, origin: list[int]) -> None:
        self.text = text
        self.origin = origin

    def error(self, reason: str, item: tree.Item, extra: int = 0) -> QuerySyntaxError:
        at = item.pos if isinstance(item.pos, int) else 0
        at = min(at + extra, len(self.origin) - 1)
        return QuerySyntaxError(reason, query=self.text, position=self.origin[at])

    def convert(self, item: tree.Item, field: str | None) -> Node:
        if isinstance(item, tree.SearchField):
            return self.search_field(item, field)
        if isinstance(item, (tree.Group, tree.FieldGroup)):
            return self.convert(item.expr, field)
        if isinstance(item, tree.Boost):
            return self.convert(item.expr, field)  # scoring is not modelled
        if isinstance(item, tree.Fuzzy):
            raise self.error(f"fuzzy search {str(item).strip()!r} is not supported", item)
        if isinstance(item, tree.Proximity):
            raise self.error(f"proximity search {str(item).strip()!r} is not supported", item)
        if isinstance(item, tree.Regex):
            return self.regex(item, field)
        if isinstance(item, tree.Phrase):
            return Term(field, _unescape(item.value[1:-1]))
        if isinstance(item, tree.Word):
            return self.word(item, field)
        if isinstance(item, tree.Range):
            return Range(
                field,
                self.bound(item.low),
                self.bound(item.high),
                bool(item.include_low),
                bool(item.include_high),
            )
        if isinstance(item, tree.From):
            return Range(field, self.bound(item.a), None, include_low=bool(item.include))
        if isinstance(item, tree.To):
            return Range(field, None, self.bound(item.a), include_high=bool(item.include))
        if isinstance(item, (tree.Not, tree.Prohibit)):
            return _bool([], [], [self.convert(item.a, field)])
        if isinstance(item, tree.Plus):
            return self.convert(item.a, field)
        if isinstance(item, tree.BaseOperation):
            return self.operation(item, field)
        raise self.error(f"unsupported query element {str(item).strip()!r}", item)

    def search_field(self, item: tree.SearchField, field: str | None) -> Node:
        if field is not None:
            raise self.error("a field cannot be named inside another field's value", item)
        expr = item.expr
        if isinstance(expr, tree.SearchField):
            raise self.error(
                "a value cannot contain an unescaped ':' (escape it as '\\:' or quote the value)",
                expr,
            )
        if item.name == "_exists_":
            if not isinstance(expr, tree.Word):
                raise self.error("_exists_ needs a field name", expr)
            return Exists(_field_name(expr.value))
        name = _field_name(item.name)
        if name == "*" and isinstance(expr, tree.Word) and expr.value == "*":
            return MatchAll()
        return self.convert(expr, name)

    def word(self, item: tree.Word, field: str | None) -> Node:
        raw = item.value
        if raw == "*":
            return MatchAll() if field is None else Exists(field)
        parts: list[str] = []
        literal: list[str] = []
        wild = False
        i = 0
        while i < len(raw):
            char = raw[i]
            if char == "\\" and i + 1 < len(raw):
                literal.append(raw[i + 1])
                i += 2
                continue
            if char in "*?":
                if char == "*" and parts[-1:] == [STAR] and not literal:
                    i += 1  # '**' is '*'
                    continue
                if literal:
                    parts.append("".join(literal))
                    literal = []
                parts.append(STAR if char == "*" else ONE)
                wild = True
            else:
                literal.append(char)
            i += 1
        if not wild:
            return Term(field, "".join(literal))
        if literal:
            parts.append("".join(literal))
        return Wildcard(field, tuple(parts))

    def regex(self, item: tree.Regex, field: str | None) -> Node:
        pattern = item.value[1:-1]
        try:
            lucene_regex(pattern)
        except RegexError as exc:
            raise self.error(exc.reason, item, 1 + exc.position) from None
        return Regex(field, pattern)

    def bound(self, item: tree.Item) -> str | None:
        if isinstance(item, tree.Prohibit):  # luqum reads the '-' of '-5' as a prohibition
            inner = self.bound(item.a)
            return None if inner is None else "-" + inner
        if isinstance(item, tree.Phrase):
            return _unescape(item.value[1:-1])
        if isinstance(item, tree.Word):
            return None if item.value == "*" else _unescape(item.value)
        raise self.error(f"unsupported range bound {str(item).strip()!r}", item)

    def operation(self, item: tree.BaseOperation, field: str | None) -> Node:
        must: list[Node] = []
        should: list[Node] = []
        must_not: list[Node] = []
        conjunction = isinstance(item, tree.AndOperation)
        for operand in item.operands:
            while isinstance(operand, tree.Boost):
                operand = operand.expr
            if isinstance(operand, (tree.Not, tree.Prohibit)):
                must_not.append(self.convert(operand.a, field))
            elif isinstance(operand, tree.Plus) or conjunction:
                must.append(self.convert(operand, field))
            else:
                should.append(self.convert(operand, field))
        return _bool(must, should, must_not)


def _bool(must: list[Node], should: list[Node], must_not: list[Node]) -> Node:
    """A Bool of these clauses, with same-kind nested Bools merged where that keeps the
    meaning, and a lone must or should clause returned as itself."""
    flat_must: list[Node] = []
    flat_not: list[Node] = []
    for clause in must:
        # AND(x, AND(y, NOT z)) is AND(x, y, NOT z); a NOT-only child may only merge when
        # no should clause would turn from optional into required
        if isinstance(clause, Bool) and not clause.should and (clause.must or not should):
            flat_must.extend(clause.must)
            flat_not.extend(clause.must_not)
        else:
            flat_must.append(clause)
    flat_should: list[Node] = []
    for clause in should:
        if isinstance(clause, Bool) and not clause.must and not clause.must_not:
            flat_should.extend(clause.should)
        else:
            flat_should.append(clause)
    for clause in must_not:
        # NOT (a OR b) is NOT a AND NOT b
        if isinstance(clause, Bool) and not clause.must and not clause.must_not:
            flat_not.extend(clause.should)
        else:
            flat_not.append(clause)
    if len(flat_must) == 1 and not flat_should and not flat_not:
        return flat_must[0]
    if len(flat_should) == 1 and not flat_must and not flat_not:
        return flat_should[0]
    return Bool(tuple(flat_must), tuple(flat_should), tuple(flat_not))
