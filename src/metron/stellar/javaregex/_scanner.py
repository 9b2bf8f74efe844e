"""Reading a Java pattern: the cursor, escape values, ``\\p{..}`` and character classes.

Java's first pass turns ``\\Q...\\E`` into escaped text; then comments mode (``(?x)``)
skips whitespace and ``#`` comments everywhere except right after a backslash.  A character
class is read exactly as Java 8's ``clazz()`` reads it, including its peculiar negation (a
leading ``^`` complements only what is not in a nested class) and intersections (``&&``),
and is then evaluated to one explicit set of code points.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from metron.stellar.javaregex._charset import (
    CharSet,
    ascii_case_closure,
    case_single,
    latin1_case_chars,
    unicode_case_range,
)
from metron.stellar.javaregex._nodes import Chars, JavaRegexError, Node, Raw, Ref
from metron.stellar.javaregex._unicode import java_property

__all__ = [
    "CANON_EQ",
    "CASE_INSENSITIVE",
    "COMMENTS",
    "DOTALL",
    "LITERAL",
    "MULTILINE",
    "UNICODE_CASE",
    "UNICODE_CHARACTER_CLASS",
    "UNIX_LINES",
    "Scanner",
    "evaluate",
]

UNIX_LINES = 0x01
CASE_INSENSITIVE = 0x02
COMMENTS = 0x04
MULTILINE = 0x08
LITERAL = 0x10
DOTALL = 0x20
UNICODE_CASE = 0x40
CANON_EQ = 0x80
UNICODE_CHARACTER_CLASS = 0x100

_ASCII_WS = " \t\n\x0b\f\r"
_TERMINATORS = "\n\r\x85\u2028\u2029"
# Characters whose case partners lie outside Latin-1: Java never puts them in its bit class.
_LATIN1_SPECIAL = frozenset((0xFF, 0xB5, 0x49, 0x69, 0x53, 0x73, 0x4B, 0x6B, 0xC5, 0xE5))


# -- class expressions (evaluated once the whole class is read, like Java's node graph) --------


@dataclass(slots=True)
class _Bits:
    """Java's BitClass: one mutable set of characters < 256 shared by a class level."""

    points: set[int] = field(default_factory=set)


_ClassExpr = tuple  # ("set", CharSet) | ("bits", _Bits) | (op, a, b) | ("not", a)


def evaluate(expr: _ClassExpr) -> CharSet:
    op = expr[0]
    if op == "set":
        result: CharSet = expr[1]
        return result
    if op == "bits":
        return CharSet.chars(expr[1].points)
    if op == "not":
        return ~evaluate(expr[1])
    left, right = evaluate(expr[1]), evaluate(expr[2])
    if op == "or":
        return left | right
    if op == "and":
        return left & right
    return left - right


def _remove_quoting(pattern: str) -> str:
    """Java's first pass: \\Q...\\E becomes escaped literal text."""
    start = pattern.find("\\Q")
    if start < 0:
        return pattern
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        if pattern[i + 1] != "Q":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        i += 2
        end = pattern.find("\\E", i)
        quoted = pattern[i:] if end < 0 else pattern[i:end]
        i = n if end < 0 else end + 2
        for k, q in enumerate(quoted):
            if q.isascii() and q.isdigit():
                out.append(f"\\x3{q}" if k == 0 else q)
            elif not q.isascii() or q.isalpha():
                out.append(q)
            else:
                out.append("\\" + q)
    return "".join(out)


class Scanner(ABC):
    """The cursor over a pattern, with everything that reads characters and classes."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.original = pattern
        self.src = _remove_quoting(pattern)
        self.n = len(self.src)
        self.pos = 0
        self.flags = flags | (UNICODE_CASE if flags & UNICODE_CHARACTER_CLASS else 0)
        self.groups = 0
        self.open: list[int] = []
        self.closed: set[int] = set()
        self.names: dict[str, int] = {}
        self.refs: list[tuple[Ref, frozenset[int]]] = []
        self.last_match: list[Raw] = []
        if self.flags & CANON_EQ:
            raise self.error("CANON_EQ (canonical equivalence) is not supported")

    def error(self, description: str, index: int | None = None) -> JavaRegexError:
        return JavaRegexError(description, self.original, self.pos if index is None else index)

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)

    def skip_ws(self) -> None:
        if not self.flags & COMMENTS:
            return
        src, n = self.src, self.n
        while self.pos < n:
            c = src[self.pos]
            if c in _ASCII_WS:
                self.pos += 1
            elif c == "#":
                ends = "\n" if self.flags & UNIX_LINES else _TERMINATORS
                while self.pos < n and src[self.pos] not in ends:
                    self.pos += 1
            else:
                break

    def peek(self) -> str:
        self.skip_ws()
        return self.src[self.pos] if self.pos < self.n else ""

    def raw(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.src[i] if i < self.n else ""

    def literal(self, cp: int) -> Chars:
        if not self.has(CASE_INSENSITIVE):
            return Chars(CharSet(((cp, cp),)))
        return Chars(case_single(cp, self.has(UNICODE_CASE)))

    def octal(self) -> int:
        def digit(offset: int, top: str = "7") -> int | None:
            c = self.raw(offset)
            return int(c) if c and "0" <= c <= top else None

        first = digit(0)
        if first is None:
            raise self.error("Illegal octal escape sequence")
        second = digit(1)
        if second is None:
            self.pos += 1
            return first
        third = digit(2)
        if third is not None and first <= 3:
            self.pos += 3
            return first * 64 + second * 8 + third
        self.pos += 2
        return first * 8 + second

    def hex_escape(self) -> int:
        hexdigits = "0123456789abcdefABCDEF"
        a, b = self.raw(), self.raw(1)
        if a and a in hexdigits and b and b in hexdigits:
            self.pos += 2
            return int(a + b, 16)
        if a == "{" and b and b in hexdigits:
            self.pos += 1
            value = 0
            while self.raw() and self.raw() in hexdigits:
                value = value * 16 + int(self.raw(), 16)
                self.pos += 1
                if value > 0x10FFFF:
                    raise self.error("Hexadecimal codepoint is too big")
            if self.raw() != "}":
                raise self.error("Unclosed hexadecimal escape sequence")
            self.pos += 1
            return value
        raise self.error("Illegal hexadecimal escape sequence")

    def unicode_escape(self) -> int:
        text = self.src[self.pos : self.pos + 4]
        if len(text) < 4 or any(c not in "0123456789abcdefABCDEF" for c in text):
            raise self.error("Illegal Unicode escape sequence")
        self.pos += 4
        value = int(text, 16)
        if 0xD800 <= value <= 0xDBFF and self.src.startswith("\\u", self.pos):
            low = self.src[self.pos + 2 : self.pos + 6]
            if len(low) == 4 and all(c in "0123456789abcdefABCDEF" for c in low):
                second = int(low, 16)
                if 0xDC00 <= second <= 0xDFFF:
                    self.pos += 6
                    return 0x10000 + ((value - 0xD800) << 10) + (second - 0xDC00)
        return value

    def family(self, complement: bool) -> CharSet:
        """\\p / \\P after the letter: \\pL or \\p{Name}."""
        if self.raw() == "{":
            end = self.src.find("}", self.pos)
            if end < 0:
                raise self.error("Unclosed character family")
            name = self.src[self.pos + 1 : end]
            if not name:
                raise self.error("Empty character family")
            self.pos = end + 1
        else:
            name = self.raw()
            self.pos += 1
        try:
            result = java_property(name, self.has(UNICODE_CHARACTER_CLASS))
        except ValueError as e:
            raise self.error(str(e)) from None
        return ~result if complement else result

    def char_class(self, consume: bool) -> _ClassExpr:
        """Java 8's clazz(): the position is just after '[' (or at an intersection operand)."""
        prev: _ClassExpr | None = None
        node: _ClassExpr | None = None
        bits = _Bits()
        bits_expr: _ClassExpr = ("bits", bits)
        include = True
        first = True
        while True:
            c = self.peek()
            if c == "":
                raise self.error("Unclosed character class")
            if c == "^" and first and self.pos > 0 and self.src[self.pos - 1] == "[":
                self.pos += 1
                include = not include
                continue
            first = False
            if c == "[":
                self.pos += 1
                node = self.char_class(True)
                prev = node if prev is None else ("or", prev, node)
                continue
            if c == "&" and self.raw(1) == "&":
                self.pos += 2
                right: _ClassExpr | None = None
                c = self.peek()
                while c not in ("]", "&"):
                    if c == "":
                        raise self.error("Unclosed character class")
                    if c == "[":
                        self.pos += 1
                        nested = self.char_class(True)
                        right = nested if right is None else ("or", right, nested)
                    else:
                        right = self.char_class(False)
                    c = self.peek()
                if right is not None:
                    node = right
                if prev is None:
                    if right is None:
                        raise self.error("Bad class syntax")
                    prev = right
                elif node is not None:
                    prev = ("and", prev, node)
                continue
            if c == "]" and prev is not None:
                if consume:
                    self.pos += 1
                return prev
            node = self.class_range(bits, bits_expr)
            if include:
                if prev is None:
                    prev = node
                elif prev is not node:
                    prev = ("or", prev, node)
            elif prev is None:
                prev = ("not", node)
            elif prev is not node:
                prev = ("diff", prev, node)

    def class_range(self, bits: _Bits, bits_expr: _ClassExpr) -> _ClassExpr:
        c = self.peek()
        if c == "\\":
            self.pos += 1
            e = self.raw()
            if e in ("p", "P"):
                self.pos += 1
                return ("set", self.family(e == "P"))
            is_range = self.raw(1) == "-"
            value = self.escape(True, is_range)
            if isinstance(value, CharSet):
                return ("set", value)
            assert isinstance(value, int)
            cp = value
        else:
            self.pos += 1
            cp = ord(c)
        if self.peek() == "-":
            after = self.raw(1)
            if after == "[":
                return self.single(bits, bits_expr, cp)
            if after == "":
                raise self.error("Unclosed character class")
            if after != "]":
                self.pos += 1
                m = self.peek()
                if m == "\\":
                    self.pos += 1
                    end_value = self.escape(True, True)
                    end = end_value if isinstance(end_value, int) else -1
                else:
                    self.pos += 1
                    end = ord(m)
                if end < cp:
                    raise self.error("Illegal character range")
                return ("set", self.case_range(cp, end))
        return self.single(bits, bits_expr, cp)

    def case_range(self, lo: int, hi: int) -> CharSet:
        plain = CharSet(((lo, hi),))
        if not self.has(CASE_INSENSITIVE):
            return plain
        if self.has(UNICODE_CASE):
            return unicode_case_range(lo, hi)
        return ascii_case_closure(plain)

    def single(self, bits: _Bits, bits_expr: _ClassExpr, cp: int) -> _ClassExpr:
        ci, uc = self.has(CASE_INSENSITIVE), self.has(UNICODE_CASE)
        if cp < 256 and not (ci and uc and cp in _LATIN1_SPECIAL):
            bits.points.update(latin1_case_chars(cp, uc) if ci else (cp,))
            return bits_expr
        return ("set", self.literal(cp).cs)

    @abstractmethod
    def escape(self, in_class: bool, is_range: bool) -> int | CharSet | Node:
        """Read the escape after a backslash (the parser knows the full set)."""
