"""Stellar's lexer: Metron's token rules, longest match first, keywords over identifiers.

The rules follow Metron's ANTLR grammar exactly, including its quirks: the minus sign is
part of a number literal (``-1`` is one token, so ``1-1`` is two numbers), identifiers may
contain ``.`` and ``:`` (but not end with ``:``), keywords are only the all-lower or
all-upper spelling, ``not in`` needs exactly one space, and a bare exponent such as ``e5``
is its own (useless) token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metron.stellar.errors import StellarSyntaxError

__all__ = ["Token", "tokenize"]


@dataclass(frozen=True, slots=True)
class Token:
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

# Punctuation, longest first so that '->' wins over '-', '<=' over '<', and so on.
_PUNCT = [
    ("&&", "AND"),
    ("||", "OR"),
    ("==", "=="),
    ("!=", "!="),
    ("<=", "<="),
    (">=", ">="),
    ("->", "->"),
    ("=>", "=>"),
    ("<", "<"),
    (">", ">"),
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("/", "/"),
    ("(", "("),
    (")", ")"),
    ("[", "["),
    ("]", "]"),
    ("{", "{"),
    ("}", "}"),
    (",", ","),
    (":", ":"),
    ("?", "?"),
    (".", "."),
]

_INT = r"-?(?:0|[1-9][0-9]*)"
_EXP = r"[eE][+-]?[0-9]+"
# Each number form of the grammar; the longest match over all of them wins.
_NUMBER_FORMS = [
    (DOUBLE, re.compile(rf"{_INT}\.[0-9]*(?:{_EXP})?[dD]?")),
    (DOUBLE, re.compile(rf"\.[0-9]+(?:{_EXP})?[dD]?")),
    (DOUBLE, re.compile(rf"{_INT}{_EXP}[dD]?")),
    (DOUBLE, re.compile(rf"{_INT}(?:{_EXP})?[dD]")),
    (FLOAT, re.compile(rf"{_INT}\.[0-9]*(?:{_EXP})?[fF]")),
    (FLOAT, re.compile(rf"-?\.[0-9]+(?:{_EXP})?[fF]")),
    (FLOAT, re.compile(rf"{_INT}(?:{_EXP})?[fF]")),
    (LONG, re.compile(rf"{_INT}[lL]")),
    (INT, re.compile(_INT)),
    (EXPONENT, re.compile(_EXP)),
]
_IDENT = re.compile(r"[a-zA-Z_$](?:[a-zA-Z_.:0-9]*[a-zA-Z_.0-9])?")
_NOT_IN = re.compile(r"not in|NOT IN")
_WS = frozenset(" \t\r\n\f")
_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def tokenize(expression: str) -> list[Token]:
    """Split ``expression`` into tokens, ending with an ``EOF`` token.

    Raises :class:`StellarSyntaxError` for a character that starts no token, an invalid
    escape or an unterminated string.
    """
    tokens: list[Token] = []
    append = tokens.append
    n = len(expression)
    i = 0
    while i < n:
        c = expression[i]
        if c in _WS:
            i += 1
            continue
        if c == "/" and expression.startswith("//", i):
            # ANTLR's `'//' .+? (EOL|EOF)`: at least one character, up to the next newline.
            # The body's first character is taken even if it is a newline, so an empty '//'
            # line swallows the next line, as in Metron.  '//' at the very end is no comment.
            if i + 2 < n:
                newline = expression.find("\n", i + 3)
                i = n if newline < 0 else newline + 1
                continue
        if c == "'" or c == '"':
            end = _scan_string(expression, i)
            append(Token(STRING, expression[i:end], i, end))
            i = end
            continue
        best_kind = ""
        best_end = i
        if c.isdigit() or c in "-.eE":
            for kind, pattern in _NUMBER_FORMS:
                m = pattern.match(expression, i)
                if m and m.end() > best_end:
                    best_kind, best_end = kind, m.end()
        if c.isalpha() or c in "_$":
            m = _IDENT.match(expression, i)
            if m and m.end() > best_end:
                text = m.group()
                best_kind, best_end = KEYWORDS.get(text, IDENT), m.end()
            if c in "nN":
                m = _NOT_IN.match(expression, i)
                if m and m.end() >= best_end:
                    best_kind, best_end = "NIN", m.end()
        if best_end > i:
            append(Token(best_kind, expression[i:best_end], i, best_end))
            i = best_end
            continue
        for text, kind in _PUNCT:
            if expression.startswith(text, i):
                append(Token(kind, text, i, i + len(text)))
                i += len(text)
                break
        else:
            raise StellarSyntaxError(
                f"unexpected character {c!r}",
                expression=expression,
                offset=i,
                hint=_char_hint(c),
            )
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
