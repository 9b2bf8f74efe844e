"""Random text never escapes the parser as anything but a StellarSyntaxError."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar import StellarError, StellarSyntaxError
from metron.stellar.parser import parse

# Fragments that make random text look like Stellar, so the parser's deeper paths run.
FRAGMENTS = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "?",
    "->",
    "=>",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "and",
    "or",
    "&&",
    "||",
    "not",
    "in",
    "not in",
    "if",
    "then",
    "else",
    "match",
    "default",
    "exists",
    "true",
    "false",
    "null",
    "NaN",
    "x",
    "y",
    "a.b",
    "1",
    "-1",
    "2L",
    "1.5",
    "2f",
    "1e3",
    "'s'",
    '"d"',
    " ",
    "\n",
    "// c\n",
    "TO_UPPER",
    "LENGTH",
    "MAP",
    "_",
]

stellar_like = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join)


@settings(max_examples=800, deadline=None)
@given(st.text(max_size=60))
def test_random_text_only_raises_syntax_errors(text: str) -> None:
    with contextlib.suppress(StellarSyntaxError):
        parse(text)


@settings(max_examples=1500, deadline=None)
@given(stellar_like)
def test_stellar_like_text_only_raises_syntax_errors(text: str) -> None:
    with contextlib.suppress(StellarSyntaxError):
        parse(text)


@settings(max_examples=800, deadline=None)
@given(
    stellar_like,
    st.dictionaries(
        st.sampled_from(["x", "y", "a.b"]),
        st.none() | st.integers(-5, 5) | st.text(max_size=3) | st.booleans(),
    ),
)
def test_evaluation_only_raises_stellar_errors(text: str, variables: dict[str, object]) -> None:
    try:
        stellar.evaluate(text, variables)
    except StellarError as e:
        assert "internal error" not in str(e), str(e)
