"""FUZZY_SCORE and FUZZY_LANGS."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib.text import LANGUAGE_TAGS
from metron.stellar.types import Char


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


@pytest.mark.parametrize(
    ("term", "query", "tag", "expected"),
    [
        ("metron", "m", "en", 1),
        ("metron", "metron", "en", 16),  # 1 + 5 consecutive matches of 3
        ("Apache Software Foundation", "asf", "en", 3),
        ("Workshop", "WS", "en", 2),
        ("Workshop", "wo", "en", 4),
        ("Workshop", "ho", "en", 4),
        ("Workshop", "hw", "en", 1),  # no match after the h: the w before it does not count
        ("Workshop", "z", "en", 0),
        ("abc", "abcd", "en", 7),
        ("aab", "ab", "en", 2),  # the b is not next to the first a
        ("TITLE", "title", "en", 13),
        ("TITLE", "title", "tr", 1),  # Turkish lower-cases I to a dotless ı
        ("TİTLE", "title", "tr-TR", 13),
        ("x\U0001f600y", "\U0001f600y", "en", 7),  # an emoji is two Java chars
        ("", "z", "en", 0),
        ("metron", "", "en", 0),
        ("a", "a", "und", 1),
        ("a", "a", "id", 1),
    ],
)
def test_fuzzy_score(term: str, query: str, tag: str, expected: int) -> None:
    result = ev("FUZZY_SCORE(t, q, l)", {"t": term, "q": query, "l": tag})
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    "expression",
    [
        "FUZZY_SCORE(1, 'a', 'en')",
        "FUZZY_SCORE('a', null, 'en')",
        "FUZZY_SCORE('a', 'a', null)",
        "FUZZY_SCORE('a', 'a', 5)",  # a non-string tag is not checked
        "FUZZY_SCORE(['a'], 'a', 'klingon')",
    ],
)
def test_fuzzy_score_of_non_strings_is_zero(expression: str) -> None:
    assert ev(expression) == 0


def test_fuzzy_score_of_a_char_is_zero() -> None:
    assert ev("FUZZY_SCORE(c, 'a', 'en')", {"c": Char("a")}) == 0


@pytest.mark.parametrize(
    "expression",
    [
        "FUZZY_SCORE('a', 'a', 'klingon')",
        "FUZZY_SCORE('a', 'a', 'EN')",  # tags are compared exactly
        "FUZZY_SCORE('a', 'a', 'in')",  # Java writes Indonesian as id
        "FUZZY_SCORE('', '', '')",
        "FUZZY_SCORE('a', 'a')",
        "FUZZY_SCORE()",
    ],
)
def test_fuzzy_score_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_fuzzy_langs() -> None:
    tags = ev("FUZZY_LANGS()")
    assert isinstance(tags, list) and len(tags) == 160
    assert {"en", "fr", "de", "en-US", "und", "he", "id", "nn-NO", "sr-Latn"} <= set(tags)
    assert len(set(tags)) == len(tags)
    assert tags == list(LANGUAGE_TAGS)
    tags.append("mutated")
    assert "mutated" not in ev("FUZZY_LANGS()")


@given(st.text(max_size=15), st.text(max_size=15), st.sampled_from(["en", "tr", "fr"]))
def test_fuzzy_score_bounds(term: str, query: str, tag: str) -> None:
    score = ev("FUZZY_SCORE(t, q, l)", {"t": term, "q": query, "l": tag})
    assert 0 <= score <= 3 * len(query.encode("utf-16-le")) // 2
    if term and query and term.lower() == query.lower() and term.isascii():
        assert score == 3 * len(term) - 2
