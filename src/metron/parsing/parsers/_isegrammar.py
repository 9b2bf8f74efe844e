"""The grammar of Metron's Cisco ISE parser (``ISEParser.jj``, JavaCC), reproduced.

Metron reads ``header=<record>`` as ``key=value`` pairs separated by commas:

- Characters pass first through JavaCC's Java-unicode-escape reader: ``\\uXXXX`` (after an
  odd number of backslashes, any number of ``u``) becomes that character, and a ``\\u`` not
  followed by four hex digits (``DOMAIN\\user``) is a lexical error.
- Tokens, longest match first (ties to the earlier): ``//...``, ``#...`` comments up to a
  line break, ``/*...*/`` comments up to the last ``*/``, line breaks (all skipped); ``,``;
  ``=``; ``\\``; ``(tag=0)`` (any case); a *string* of anything but ``" \\r \\n \\f \\t = ,``
  where ``"`` and ``,`` may appear right after a backslash (which stays in the text); a
  *braced string* ``{...}`` without inner braces.  Anything else (a tab or a quote starting
  a token) is a lexical error.
- ``object = key "=" value ("," key "=" value)* [","] EOF``.  A value is null before a
  comma or at the end, a nested object when it starts ``key =`` (so ``a=b=c`` is
  ``{"a": {"b": "c"}}``), ``(tag=0)`` glued to the next string, a braced string that
  swallows the comma after it, or a string.  Keys and strings are trimmed.

A lexical error (Java ``Error``) becomes :class:`IseLexicalError`; a grammar error
:class:`IseSyntaxError`, which Metron's parser swallows.  Values nested deeper than
:data:`MAX_DEPTH` levels are an :class:`IseLexicalError` too (Metron's parser overflows
its stack somewhat deeper, around 1500-2500 levels).
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from metron.parsing.base import ParserError
from metron.parsing.parsers._javatext import java_trim

__all__ = ["MAX_DEPTH", "IseLexicalError", "IseSyntaxError", "parse_ise"]

#: Nested values deeper than this are an error (Java's stack gives out past ~1500 levels;
#: JSON writers such as orjson stop at 254).
MAX_DEPTH = 250

EOF, C_LINE, C_BLOCK, SH_LINE, EOL, COMMA, EQUALS, SLASH, TAG, STRING, BRACED = range(11)
_SKIPPED = (C_LINE, C_BLOCK, SH_LINE, EOL)
_STRING = re.compile(r'(?:[^"\r\n\f\t=,\\]+|\\[",]?)+')
_BRACED = re.compile(r"\{[^{}]+\}")
_BRACE = re.compile(r"[{}]")
_EOLS = re.compile(r"[\n\r\f]")
# Tokens whose first character leaves no choice: a comma, an equals sign, a line break, or a
# string starting with an ordinary character (not / # ( { \\, which may start other tokens).
_FAST_TOKEN = re.compile(r'(,)|(=)|([\n\r\f])|([^"\r\n\f\t=,\\/#({](?:[^"\r\n\f\t=,\\]+|\\[",]?)*)')
_FAST_KINDS = (EOF, COMMA, EQUALS, EOL, STRING)
_RUN = re.compile(r"\\+")
_HEX = re.compile(r"u+([0-9A-Fa-f]{4})")
_SURROGATES = re.compile("[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]")


class IseLexicalError(ParserError):
    """JavaCC's TokenMgrError or an invalid unicode escape (Java ``Error``s)."""


class IseSyntaxError(ParserError):
    """JavaCC's ParseException."""


def _unescape(text: str) -> tuple[str, int]:
    """JavaCharStream's ``\\uXXXX`` decoding.  A bad escape ends the text: the reader fails
    when it reaches the first backslash of its run, whose index is returned (else -1)."""
    if "\\u" not in text:
        return text, -1
    out: list[str] = []
    pos = 0
    for run in _RUN.finditer(text):
        start, end = run.span()
        if (end - start) % 2 == 0 or not text.startswith("u", end):
            continue
        out.append(text[pos:start])
        m = _HEX.match(text, end)
        if m is None:
            decoded = "".join(out)
            return decoded, len(decoded)
        out.append("\\" * (end - start - 1) + chr(int(m[1], 16)))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), -1


def _pair(m: re.Match[str]) -> str:
    pair = m.group()
    if len(pair) == 1:
        return "?"  # a lone surrogate: Java's UTF-8 encoder writes '?'
    return chr(0x10000 + ((ord(pair[0]) - 0xD800) << 10) + ord(pair[1]) - 0xDC00)


def _join_surrogates(text: str) -> str:
    """Surrogates from ``\\uD83D\\uDE00`` escapes as one character (Java's UTF-16 pair)."""
    return _SURROGATES.sub(_pair, text)


class _Lexer:
    """The token manager: each call to :meth:`next` reads one token as JavaCC would."""

    def __init__(self, text: str) -> None:
        self.text, self.bad_at = _unescape(text)
        self.pos = 0
        self.eols = [m.start() for m in _EOLS.finditer(self.text)]
        self.last_close = self.text.rfind("*/")
        self.surrogates = _SURROGATES.search(self.text) is not None

    def _fail_if_read(self, furthest: int) -> None:
        if 0 <= self.bad_at <= furthest:
            raise IseLexicalError("Invalid escape character in the input (a \\u escape)")

    def _eol_after(self, pos: int) -> int:
        i = bisect.bisect_left(self.eols, pos)
        return self.eols[i] if i < len(self.eols) else -1

    def next(self) -> tuple[int, str]:
        text, n = self.text, len(self.text)
        while True:
            p = self.pos
            if p >= n:
                self._fail_if_read(p)
                return EOF, ""
            self._fail_if_read(p)
            kind, length, furthest = self._longest(text, p, n)
            self._fail_if_read(furthest)
            if kind < 0:
                raise IseLexicalError(f"Lexical error at column {p + 1}: {text[p]!r}")
            self.pos = p + length
            if kind not in _SKIPPED:
                image = text[p : p + length]
                return kind, _join_surrogates(image) if self.surrogates else image

    def tokenize_all(self) -> list[tuple[int, str]] | None:
        """Every token at once, when no lexical error can occur (else None: the caller then
        reads lazily, so that a grammar error before the bad spot wins as in Java)."""
        if self.bad_at >= 0:
            return None
        text, n = self.text, len(self.text)
        tokens: list[tuple[int, str]] = []
        pos = 0
        fast = _FAST_TOKEN.match
        while pos < n:
            m = fast(text, pos)
            if m is not None:
                kind = _FAST_KINDS[m.lastindex or 0]
                end = m.end()
            else:
                kind, length, _ = self._longest(text, pos, n)
                if kind < 0:
                    return None
                end = pos + length
            if kind not in _SKIPPED:
                image = text[pos:end]
                tokens.append((kind, _join_surrogates(image) if self.surrogates else image))
            pos = end
        self.pos = n
        return tokens

    def _longest(self, text: str, p: int, n: int) -> tuple[int, int, int]:
        """The longest token at ``p`` (kind, length) and the last index the scan reads."""
        c = text[p]
        best, best_len, furthest = -1, 0, p

        def offer(kind: int, length: int) -> None:
            nonlocal best, best_len
            if length > best_len or (length == best_len and kind < best):
                best, best_len = kind, length

        if c == "/" and text.startswith("//", p):
            eol = self._eol_after(p + 2)
            furthest = max(furthest, eol if eol >= 0 else n)
            if eol >= 0:
                offer(C_LINE, eol + 1 - p)
        elif c == "/" and text.startswith("/*", p):
            furthest = n  # the comment's loop never ends before the input does
            if self.last_close >= p + 2:
                offer(C_BLOCK, self.last_close + 2 - p)
        elif c == "/":
            furthest = max(furthest, p + 1)
        if c == "#":
            eol = self._eol_after(p + 1)
            furthest = max(furthest, eol if eol >= 0 else n)
            if eol >= 0:
                offer(SH_LINE, eol + 1 - p)
        if c in "\n\r\f":
            offer(EOL, 1)
        elif c == ",":
            offer(COMMA, 1)
        elif c == "=":
            offer(EQUALS, 1)
        elif c == "\\":
            offer(SLASH, 1)
        elif c == "(":
            i = 0
            while i < 7 and p + i < n and text[p + i].lower() == "(tag=0)"[i]:
                i += 1
            furthest = max(furthest, p + min(i, 6))
            if i == 7:
                offer(TAG, 7)
        elif c == "{":
            m = _BRACED.match(text, p)
            if m is not None:
                offer(BRACED, m.end() - p)
            stop = _BRACE.search(text, p + 1)
            furthest = max(furthest, stop.start() if stop else n)
        m = _STRING.match(text, p)
        if m is not None:
            offer(STRING, m.end() - p)
            furthest = max(furthest, m.end())
        return best, best_len, furthest


class _Parser:
    """The generated parser's decisions and token fetches, on a lazily read token list."""

    def __init__(self, lexer: _Lexer) -> None:
        self.lexer = lexer
        tokens = lexer.tokenize_all()
        self.tokens = tokens if tokens is not None else [lexer.next()]  # ReInit reads one
        self.i = 0

    def la(self, k: int) -> int:
        j = self.i + k
        tokens = self.tokens
        if j < len(tokens):
            return tokens[j][0]
        while len(tokens) <= j:
            tokens.append(self.lexer.next())
        return tokens[j][0]

    def consume(self, kind: int) -> str:
        self.la(1)  # Java reads the following token before checking this one
        found, image = self.tokens[self.i]
        if found != kind:
            raise IseSyntaxError(
                f"Encountered token kind {found} at token {self.i}, expected {kind}"
            )
        self.i += 1
        return image

    def key(self) -> str:
        return java_trim(java_trim(self.consume(STRING)))

    def parse_object(self) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        key = self.key()
        self.consume(EQUALS)
        obj[key] = self.value()
        while self.la(0) == COMMA and self.la(1) == STRING:
            self.consume(COMMA)
            key = self.key()
            self.consume(EQUALS)
            obj[key] = self.value()
        if self.la(0) == COMMA:
            self.consume(COMMA)
        self.consume(EOF)
        return obj

    def _nested_ahead(self) -> bool:
        """``LOOKAHEAD(innerMap())``: a string and ``=`` (its scan also peeks for ``\\ ,``)."""
        if self.la(0) != STRING or self.la(1) != EQUALS:
            return False
        k = 2
        while self.la(k) == SLASH and self.la(k + 1) == COMMA:
            if self.la(k + 2) != STRING or self.la(k + 3) != EQUALS:
                break
            k += 4
        return True

    def value(self) -> Any:
        # Nested objects are kept on an explicit stack: ISE nests one level per '='.
        stack: list[tuple[dict[str, Any], str]] = []
        while True:
            if self.la(0) != COMMA and self._nested_ahead():
                inner: dict[str, Any] = {}
                key = self.key()
                self.consume(EQUALS)
                stack.append((inner, key))
                if len(stack) > MAX_DEPTH:
                    raise IseLexicalError(
                        f"values nest deeper than {MAX_DEPTH} levels (Metron's parser runs out"
                        " of stack somewhere past 1500)"
                    )
                continue
            result = self.simple_value()
            while stack:
                inner, key = stack[-1]
                inner[key] = result
                if self.la(0) != SLASH:
                    stack.pop()
                    result = inner
                    continue
                self.consume(SLASH)
                self.consume(COMMA)
                stack[-1] = (inner, self.key())
                self.consume(EQUALS)
                break
            else:
                return result

    def simple_value(self) -> Any:
        kind = self.la(0)
        if kind in (COMMA, EOF):
            return None
        if kind == TAG:
            self.consume(TAG)
            return "(tag=0)" + self.consume(STRING)
        if kind == BRACED and self.la(1) == COMMA:
            image = self.consume(BRACED)
            self.consume(COMMA)
            return java_trim(image)
        if kind == STRING:
            return java_trim(self.consume(STRING))
        self.consume(-1)
        raise AssertionError("unreachable")


def parse_ise(text: str) -> dict[str, Any]:
    """The object Metron's ISE grammar reads from ``text``."""
    return _Parser(_Lexer(text)).parse_object()
