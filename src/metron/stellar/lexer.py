"""Stellar's lexer: Metron's token rules, longest match first, keywords over identifiers.

The rules follow Metron's ANTLR grammar exactly, including its quirks: the minus sign is
part of a number literal (``-1`` is one token, so ``1-1`` is two numbers), identifiers may
contain ``.`` and ``:`` (but not end with ``:``), keywords are only the all-lower or
all-upper spelling, ``not in`` needs exactly one space, and a bare exponent such as ``e5``
is its own (useless) token.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from metron.stellar.errors import StellarSyntaxError

__all__ = ["Token", "tokenize"]


class Token(NamedTuple):
    """One token: its kind, its text and where it starts and ends in the expression."""

    kind: str
    text: str
    start: int
    end: int


# Kinds.  Literal kinds carry their text; punctuation kinds are the punctuation itself.
INT = "INT"
LONG = "LONG"
FLOAT = "FLOAT"
DOUBLE = "DOUBLE"
STRING = "STRING"
IDENT = "IDENT"
EXPONENT = "EXPONENT"
EOF = "EOF"

KEYWORDS: dict[str, str] = {}
for _kind, _spellings in {
    "IN": ("in", "IN"),
    "AND": ("and", "AND"),
    "OR": ("or", "OR"),
    "NOT": ("not", "NOT"),
    "TRUE": ("true", "TRUE"),
    "FALSE": ("false", "FALSE"),
    "IF": ("if", "IF"),
    "THEN": ("then", "THEN"),
    "ELSE": ("else", "ELSE"),
    "NULL": ("null", "NULL"),
    "NAN": ("NaN",),
    "MATCH": ("match", "MATCH"),
    "DEFAULT": ("default", "DEFAULT"),
    "EXISTS": ("exists", "EXISTS"),
}.items():
    for _spelling in _spellings:
        KEYWORDS[_spelling] = _kind

_EXP = r"[eE][+-]?[0-9]+"
_NOT_IN = re.compile(r"not in|NOT IN")
_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


_NUMBER = re.compile(
    r"""(?P<FLOAT>-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF])
    |(?P<DOUBLE>-?(?:0|[1-9][0-9]*)\.[0-9]*(?:[eE][+-]?[0-9]+)?[dD]?
        |\.[0-9]+(?:[eE][+-]?[0-9]+)?[dD]?
        |-?(?:0|[1-9][0-9]*)[eE][+-]?[0-9]+[dD]?
        |-?(?:0|[1-9][0-9]*)[dD])
    |(?P<LONG>-?(?:0|[1-9][0-9]*)[lL])
    |(?P<INT>-?(?:0|[1-9][0-9]*))
    """,
    re.VERBOSE,
)
_IDENT = re.compile(r"[a-zA-Z_$](?:[a-zA-Z_.:0-9]*[a-zA-Z_.0-9])?")
_STRING = re.compile(r"""'(?:[^'\\]|\\['\\nrt])*'|"(?:[^"\\]|\\["\\nrt])*\"""")
_WS = re.compile(r"[ \t\r\n\f]+")
_COMMENT = re.compile(r"//[\s\S][^\n]*\n?")
_PUNCT = re.compile(r"&&|\|\||==|!=|<=|>=|->|=>|[<>+\-*/()\[\]{},:?.]")
_PUNCT_KIND = {"&&": "AND", "||": "OR"}
_EXPONENT = re.compile(_EXP)

# What a token starting with a given character can be.
_START: dict[str, str] = {}
for _c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$":
    _START[_c] = "ident"
for _c in "0123456789.-":
    _START[_c] = "number"
for _c in " \t\r\n\f":
    _START[_c] = "ws"
_START["'"] = _START['"'] = "string"
_START["/"] = "slash"


def tokenize(expression: str) -> list[Token]:
    """Split ``expression`` into tokens, ending with an ``EOF`` token.

    Raises :class:`StellarSyntaxError` for a character that starts no token, an invalid
    escape or an unterminated string.
    """
    tokens: list[Token] = []
    append = tokens.append
    start_of = _START.get
    n = len(expression)
    i = 0
    while i < n:
        c = expression[i]
        what = start_of(c)
        if what == "ident":
            m = _IDENT.match(expression, i)
            assert m is not None
            text = m.group()
            end = m.end()
            # ANTLR's longest match: 'not in' beats 'not'; a bare exponent such as 'e5' is
            # its own token; keywords beat identifiers of equal length.
            if c in "eE":
                e = _EXPONENT.match(expression, i)
                if e is not None and e.end() >= end:
                    end = e.end()
                    append(Token(EXPONENT, expression[i:end], i, end))
                    i = end
                    continue
            elif c in "nN":
                nin = _NOT_IN.match(expression, i)
                if nin is not None:
                    append(Token("NIN", nin.group(), i, nin.end()))
                    i = nin.end()
                    continue
            append(Token(KEYWORDS.get(text, IDENT), text, i, end))
            i = end
            continue
        if what == "ws":
            i += 1
            continue
        if what == "number":
            m = _NUMBER.match(expression, i)
            if m is not None:
                end = m.end()
                append(Token(m.lastgroup, m.group(), i, end))  # type: ignore[arg-type]
                i = end
                continue
        elif what == "string":
            m = _STRING.match(expression, i)
            if m is None:
                _scan_string(expression, i)  # raises the precise error
                raise AssertionError  # unreachable
            end = m.end()
            append(Token(STRING, m.group(), i, end))
            i = end
            continue
        elif what == "slash":
            m = _COMMENT.match(expression, i)
            if m is not None:
                i = m.end()
                continue
        m = _PUNCT.match(expression, i)
        if m is None:
            raise StellarSyntaxError(
                f"unexpected character {c!r}",
                expression=expression,
                offset=i,
                hint=_char_hint(c),
            )
        text = m.group()
        end = m.end()
        append(Token(_PUNCT_KIND.get(text, text), text, i, end))
        i = end
    append(Token(EOF, "", n, n))
    return tokens


def _char_hint(c: str) -> str | None:
    return {
        "!": "Stellar has no '!' operator: use not(...) or !=",
        "&": "use && or and",
        "|": "use || or or",
        "=": "use == to compare",
        "%": "Stellar has no '%' operator",
        ";": "a Stellar expression is a single expression, without ';'",
    }.get(c)


def _scan_string(expression: str, start: int) -> int:
    """Return the index just past the string literal starting at ``start``."""
    quote = expression[start]
    i = start + 1
    n = len(expression)
    while i < n:
        c = expression[i]
        if c == quote:
            return i + 1
        if c == "\\":
            nxt = expression[i + 1] if i + 1 < n else ""
            if nxt in ("\\", "n", "r", "t") or nxt == quote:
                i += 2
                continue
            raise StellarSyntaxError(
                f"invalid escape sequence '\\{nxt}' in string",
                expression=expression,
                offset=i,
                hint=f"inside {quote}...{quote} only \\{quote} \\\\ \\n \\r \\t are allowed;"
                " write a regex backslash as '\\\\'",
            )
        i += 1
    raise StellarSyntaxError(
        "unterminated string", expression=expression, offset=start, hint=f"close it with {quote}"
    )


def unescape_string(token_text: str) -> str:
    """The value of a string token: quotes stripped, Java escapes resolved."""
    body = token_text[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)
