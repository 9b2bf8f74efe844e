"""Scalar-level matching primitives shared by the indexes (see :mod:`metron.search.query`).

Both :class:`metron.search.naive.NaiveIndex` and the columnar engine use these, so a query
text is read the same way everywhere: what counts as a number, an IP address, a CIDR
network, a boolean word; how a wildcard or a Lucene regular expression becomes a Python
pattern (use ``fullmatch``); which kind of comparison a range makes.

IP addresses are compared by :func:`ip_key_of`, an integer in IPv6 space where an IPv4
address takes its IPv4-mapped place (``::ffff:a.b.c.d``), as Elasticsearch's ``ip`` type
does; so ``10.0.0.1`` and ``::ffff:10.0.0.1`` are the same address.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Sequence
from typing import Literal

from metron.errors import MetronError
from metron.search.query import ONE, STAR

__all__ = [
    "RegexError",
    "bool_of",
    "field_pattern",
    "ip_key_of",
    "ip_network_of",
    "lucene_regex",
    "number_of",
    "range_kind",
    "wildcard_regex",
]

_V4_MAPPED = 0xFFFF_0000_0000


def number_of(text: str) -> float | None:
    """``text`` as a number (``22``, ``-1.5``, ``1e3``, ``+4``, ``.5``), or None; words such
    as ``nan`` and ``inf``, digit separators (``1_000``), surrounding blanks and
    non-ASCII digits are not numbers."""
    if not text or not text.isascii() or "_" in text or text != text.strip():
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def bool_of(text: str) -> bool | None:
    """``true``/``false`` in any case as a boolean, else None."""
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


def ip_key_of(text: str) -> int | None:
    """The address's integer key (IPv4 mapped into IPv6 space), or None when ``text`` is
    not an IPv4 or IPv6 address."""
    if "." not in text and ":" not in text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 4:
        return int(address) | _V4_MAPPED
    return int(address)


def ip_network_of(text: str) -> tuple[int, int] | None:
    """The lowest and highest address key of a network in CIDR form (``10.0.0.0/8``,
    ``2001:db8::/32``; host bits are ignored), or None when ``text`` is not one."""
    if "/" not in text:
        return None
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    low, high = int(network.network_address), int(network.broadcast_address)
    if network.version == 4:
        return low | _V4_MAPPED, high | _V4_MAPPED
    return low, high


def range_kind(low: str | None, high: str | None) -> Literal["number", "ip", "string"]:
    """How a range compares: ``number`` when every given bound is a number (so also when
    both ends are open, where any value matches), ``ip`` when every given bound is an IP
    address, else ``string`` (code-point order)."""
    given = [bound for bound in (low, high) if bound is not None]
    if all(number_of(bound) is not None for bound in given):
        return "number"
    if all(ip_key_of(bound) is not None for bound in given):
        return "ip"
    return "string"


def field_pattern(name: str) -> re.Pattern[str] | None:
    """A field-name pattern (``ip_*_addr``, ``*``) as a pattern for ``fullmatch``, or None
    when ``name`` has no ``*`` and so names one field."""
    if "*" not in name:
        return None
    return re.compile(".*".join(re.escape(piece) for piece in name.split("*")), re.DOTALL)


def wildcard_regex(parts: Sequence[str]) -> re.Pattern[str]:
    """A :class:`~metron.search.query.Wildcard`'s parts as a pattern for ``fullmatch``."""
    pieces = []
    for part in parts:
        if part == STAR:
            pieces.append(".*")
        elif part == ONE:
            pieces.append(".")
        else:
            pieces.append(re.escape(part))
    return re.compile("".join(pieces), re.DOTALL)


# ----------------------------------------------------------- Lucene regular expressions


class RegexError(MetronError):
    """A Lucene regular expression is invalid or uses an unsupported operator;
    ``position`` is the 0-based offset in the pattern, ``reason`` what is wrong."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(f"{reason} (at offset {position} of the regular expression)")
        self.reason = reason
        self.position = position


_UNSUPPORTED = {
    "&": "intersection '&'",
    "~": "complement '~'",
    "<": "numeric interval '<n-m>'",
    "@": "any-string '@'",
    "#": "empty-language '#'",
}
_PREDEFINED = {
    "d": "0-9",
    "w": "a-zA-Z0-9_",
    "s": " \\t\\n\\r\\f\\v",
}


def lucene_regex(pattern: str) -> re.Pattern[str]:
    """A Lucene regular expression (as written between ``/`` and ``/``) as a Python pattern
    for ``fullmatch``.

    Supported: literal characters, ``\\`` escapes, ``.``, ``[...]``/``[^...]`` classes with
    ranges, ``\\d \\D \\s \\S \\w \\W``, ``"quoted"`` literal strings, ``( )``, ``|``, and
    ``* + ? {n} {n,} {n,m}`` (stackable: ``a**``).  As in Lucene, ``^`` and ``$`` are
    ordinary characters and a repetition sign with nothing before it is literal.  Lucene's
    optional operators ``&``, ``~``, ``<n-m>``, ``@`` and ``#`` raise :class:`RegexError`
    (escape them for the character itself), as does any malformed pattern."""
    if pattern == "":
        return re.compile("")
    parser = _RegexTranslator(pattern)
    try:
        body = parser.union()
    except RecursionError:
        raise RegexError("the regular expression nests too deeply", 0) from None
    if parser.pos < len(pattern):
        raise RegexError("unbalanced ')'", parser.pos)
    try:
        return re.compile(body, re.DOTALL)
    except (re.error, OverflowError, RecursionError) as exc:
        raise RegexError(f"invalid regular expression ({exc})", 0) from None


class _RegexTranslator:
    """Recursive descent over Lucene's RegExp grammar, emitting Python syntax."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _peek(self, chars: str) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] in chars

    def _next(self, what: str = "a character") -> str:
        if self.pos >= len(self.text):
            raise RegexError(f"unexpected end of the regular expression, expected {what}", self.pos)
        char = self.text[self.pos]
        self.pos += 1
        return char

    def union(self) -> str:
        branches = [self.concat()]
        while self._peek("|"):
            self.pos += 1
            branches.append(self.concat())
        return "|".join(branches)

    def concat(self) -> str:
        items = [self.repeat()]
        while self.pos < len(self.text) and not self._peek(")|"):
            items.append(self.repeat())
        return "".join(items)

    def repeat(self) -> str:
        atom = self.simple()
        while self._peek("?*+{"):
            sign = self._next()
            if sign == "{":
                sign = self._bounds()
            atom = f"(?:{atom}){sign}"
        return atom

    def _bounds(self) -> str:
        low = self._digits()
        if not low:
            raise RegexError("a number expected after '{'", self.pos)
        high = low
        if self._peek(","):
            self.pos += 1
            high = self._digits()
        if not self._peek("}"):
            raise RegexError("'}' expected", self.pos)
        self.pos += 1
        if high and int(high) < int(low):
            raise RegexError(
                f"repetition {{{low},{high}}} has a maximum below its minimum", self.pos
            )
        return f"{{{low},{high}}}"

    def _digits(self) -> str:
        start = self.pos
        while self._peek("0123456789"):
            self.pos += 1
        return self.text[start : self.pos]

    def simple(self) -> str:
        start = self.pos
        char = self._next()
        if char in _UNSUPPORTED:
            raise RegexError(
                f"Lucene's regex operator {_UNSUPPORTED[char]} is not supported"
                f" (escape it as '\\{char}' for the character)",
                start,
            )
        if char == ".":
            return "."
        if char == '"':
            end = self.text.find('"', self.pos)
            if end < 0:
                raise RegexError("unterminated quoted string", start)
            literal = self.text[self.pos : end]
            self.pos = end + 1
            return f"(?:{re.escape(literal)})"
        if char == "(":
            if self._peek(")"):
                self.pos += 1
                return "(?:)"
            inner = self.union()
            if not self._peek(")"):
                raise RegexError("')' expected", self.pos)
            self.pos += 1
            return f"(?:{inner})"
        if char == "[":
            return self._char_class(start)
        if char == "\\":
            return self._escape(in_class=False)
        return re.escape(char)

    def _escape(self, *, in_class: bool) -> str:
        char = self._next("a character after '\\'")
        lowered = char.lower()
        if lowered in _PREDEFINED:
            chars = _PREDEFINED[lowered]
            if char.isupper():
                if in_class:
                    raise RegexError(f"'\\{char}' is not supported inside [...]", self.pos - 2)
                return f"[^{chars}]"
            return chars if in_class else f"[{chars}]"
        return re.escape(char)

    def _class_char(self) -> tuple[str, str | None]:
        """One character of a class: its Python text and its literal (None for \\d...)."""
        char = self._next("']'")
        if char == "\\":
            following = self.text[self.pos] if self.pos < len(self.text) else ""
            text = self._escape(in_class=True)
            return text, None if following.lower() in _PREDEFINED else following
        return re.escape(char), char

    def _char_class(self, start: int) -> str:
        negate = self._peek("^")
        if negate:
            self.pos += 1
        items = []
        while True:
            text, low = self._class_char()
            if self._peek("-") and low is not None:
                self.pos += 1
                high_text, high = self._class_char()
                if high is None:
                    raise RegexError("a class range must end in a character", self.pos - 2)
                if ord(high) < ord(low):
                    raise RegexError(f"invalid class range {low}-{high}", self.pos - 1)
                text = f"{text}-{high_text}"
            items.append(text)
            if self.pos >= len(self.text) or self._peek("]"):
                break
        if not self._peek("]"):
            raise RegexError("unterminated character class '['", start)
        self.pos += 1
        return f"[{'^' if negate else ''}{''.join(items)}]"
