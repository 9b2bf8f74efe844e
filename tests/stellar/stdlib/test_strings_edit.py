"""SUBSTRING, CHOMP, CHOP, PREPEND_IF_MISSING, APPEND_IF_MISSING, COUNT_MATCHES, STRING_ENTROPY."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib._stringedit import _hash_map_order
from metron.stellar.types import Char, java_equals


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


def fails(
    expression: str, variables: dict[str, Any] | None = None, match: str | None = None
) -> None:
    with pytest.raises(stellar.StellarError, match=match):
        ev(expression, variables)


# -- SUBSTRING ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("SUBSTRING('threat.triage', 7)", "triage"),
        ("SUBSTRING('threat.triage', 0, 6)", "threat"),
        ("SUBSTRING('abc', 3)", ""),
        ("SUBSTRING('abc', 1, 1)", ""),
        ("SUBSTRING('abc', 1, null)", "bc"),
        ("SUBSTRING('abc', 1.9)", "bc"),  # Number.intValue() truncates
        ("SUBSTRING('abc', 1L, 2L)", "b"),
        ("SUBSTRING('abc', 0.5f)", "abc"),
        ("SUBSTRING('', 5, 1)", ""),  # an empty string is returned before positions are checked
        ("SUBSTRING(null, 1)", None),
        ("SUBSTRING(null, null, null)", None),
        ("SUBSTRING('abc', null)", None),
        ("SUBSTRING('abc', null, 2)", None),
    ],
)
def test_substring(expression: str, expected: Any) -> None:
    assert java_equals(ev(expression), expected)


@pytest.mark.parametrize(
    "expression",
    [
        "SUBSTRING()",
        "SUBSTRING('abc')",
        "SUBSTRING('abc', '1')",
        "SUBSTRING('abc', 1, '2')",
        "SUBSTRING(5, 1)",
        "SUBSTRING(['abc'], 1)",
        "SUBSTRING(null, 'x')",  # types are checked before nulls
        "SUBSTRING('abc', 4)",
        "SUBSTRING('abc', -1)",
        "SUBSTRING('abc', 2, 1)",
        "SUBSTRING('abc', 0, 4)",
        "SUBSTRING('abc', true)",
    ],
)
def test_substring_errors(expression: str) -> None:
    fails(expression)


def test_substring_of_a_char_is_an_error() -> None:
    fails("SUBSTRING(c, 0)", {"c": Char("x")})


def test_substring_counts_utf16_units() -> None:
    text = "a\U0001f600b"  # the emoji is two Java chars
    assert ev("SUBSTRING(t, 1, 3)", {"t": text}) == "\U0001f600"
    assert ev("SUBSTRING(t, 3)", {"t": text}) == "b"
    assert ev("SUBSTRING(t, 2)", {"t": text}) == "\ude00b"  # Java leaves half a pair
    fails("SUBSTRING(t, 5)", {"t": text})


# -- CHOMP / CHOP -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "chomped", "chopped"),
    [
        ("line", "line", "lin"),
        ("line\n", "line", "line"),
        ("line\r", "line", "line"),
        ("line\r\n", "line", "line"),
        ("line\n\r", "line\n", "line\n"),
        ("line\n\n", "line\n", "line\n"),
        ("\n", "", ""),
        ("\r\n", "", ""),
        ("x", "x", ""),
        ("", "", ""),
        ("x\U0001f600", "x\U0001f600", "x\ud83d"),  # CHOP drops one UTF-16 unit, like Java
    ],
)
def test_chomp_and_chop(value: str, chomped: str, chopped: str) -> None:
    assert ev("CHOMP(v)", {"v": value}) == chomped
    assert ev("CHOP(v)", {"v": value}) == chopped


@pytest.mark.parametrize("name", ["CHOMP", "CHOP"])
def test_chomp_and_chop_edges(name: str) -> None:
    assert ev(f"{name}(null)") is None
    assert ev(f"{name}(missing)") is None
    fails(f"{name}()", match="missing its argument")
    fails(f"{name}(123)", match="cannot be cast")
    fails(f"{name}(['a'])", match="cannot be cast")


# -- PREPEND_IF_MISSING / APPEND_IF_MISSING -----------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("PREPEND_IF_MISSING('example.com', 'www.')", "www.example.com"),
        ("PREPEND_IF_MISSING('www.example.com', 'www.')", "www.example.com"),
        ("PREPEND_IF_MISSING('WWW.example.com', 'www.')", "www.WWW.example.com"),
        ("PREPEND_IF_MISSING('ftp.example.com', 'www.', 'ftp.')", "ftp.example.com"),
        ("PREPEND_IF_MISSING('example.com', 'www.', 'ftp.')", "www.example.com"),
        ("PREPEND_IF_MISSING('example.com', 'www.', null)", "www.example.com"),
        ("PREPEND_IF_MISSING('example.com', 'www.', '')", "example.com"),
        ("PREPEND_IF_MISSING('example.com', '')", "example.com"),
        ("PREPEND_IF_MISSING('example.com', null)", "example.com"),
        ("PREPEND_IF_MISSING('', 'www.')", "www."),
        ("PREPEND_IF_MISSING(null, 'www.')", None),
        ("PREPEND_IF_MISSING(null, null, null)", None),
        ("APPEND_IF_MISSING('/var/log', '/')", "/var/log/"),
        ("APPEND_IF_MISSING('/var/log/', '/')", "/var/log/"),
        ("APPEND_IF_MISSING('report.PDF', '.pdf', '.PDF')", "report.PDF"),
        ("APPEND_IF_MISSING('report', '.pdf', '.PDF')", "report.pdf"),
        ("APPEND_IF_MISSING('', 'x', null)", "x"),
        ("APPEND_IF_MISSING(null, 'x')", None),
    ],
)
def test_if_missing(expression: str, expected: Any) -> None:
    assert java_equals(ev(expression), expected)


@pytest.mark.parametrize("name", ["PREPEND_IF_MISSING", "APPEND_IF_MISSING"])
@pytest.mark.parametrize(
    "arguments", ["", "'abc'", "'a', 'b', 'c', 'd'", "123, 'abc'", "'abc', 1", "'abc', 'x', 2"]
)
def test_if_missing_errors(name: str, arguments: str) -> None:
    fails(f"{name}({arguments})")


# -- COUNT_MATCHES ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("COUNT_MATCHES('a.b.c.d', '.')", 3),
        ("COUNT_MATCHES('aaaa', 'aa')", 2),  # occurrences do not overlap
        ("COUNT_MATCHES('banana', 'nan')", 1),
        ("COUNT_MATCHES('abc', 'x')", 0),
        ("COUNT_MATCHES('abc', '')", 0),
        ("COUNT_MATCHES('', 'a')", 0),
        ("COUNT_MATCHES(null, 'a')", 0),
        ("COUNT_MATCHES('abc', null)", 0),
    ],
)
def test_count_matches(expression: str, expected: int) -> None:
    result = ev(expression)
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    "expression",
    [
        "COUNT_MATCHES()",
        "COUNT_MATCHES('abc')",
        "COUNT_MATCHES('a', 'b', 'c')",
        "COUNT_MATCHES(123, 456)",
    ],
)
def test_count_matches_errors(expression: str) -> None:
    fails(expression)


# -- STRING_ENTROPY -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("STRING_ENTROPY('')", 0.0),
        ("STRING_ENTROPY(null)", 0.0),
        ("STRING_ENTROPY('zzzz')", 0.0),
        ("STRING_ENTROPY('abab')", 1.0),
        ("STRING_ENTROPY('abcd')", 2.0),
        ("STRING_ENTROPY('xxxxyyzz')", 1.5),
        ("STRING_ENTROPY(1212)", 1.0),  # converted to a string first
        ("STRING_ENTROPY(['abab', 'zz'])", 1.0),  # a list converts its first item
    ],
)
def test_string_entropy(expression: str, expected: float) -> None:
    result = ev(expression)
    assert type(result) is float and result == expected


def test_string_entropy_counts_utf16_units() -> None:
    # One emoji is two distinct code units, each half of the text.
    assert ev("STRING_ENTROPY(t)", {"t": "\U0001f600"}) == 1.0


@pytest.mark.parametrize("expression", ["STRING_ENTROPY()", "STRING_ENTROPY('a', 'b')"])
def test_string_entropy_needs_one_argument(expression: str) -> None:
    fails(expression, match="exactly one")


def test_hash_map_order_follows_buckets_then_insertion() -> None:
    # 'q' (113) and 'a' (97) share bucket 1 of 16; 'b' (98) is in bucket 2.
    assert _hash_map_order([ord("q"), ord("b"), ord("a")]) == [ord("q"), ord("a"), ord("b")]
    # 13 keys grow the table to 32 buckets; '!', 'A' and 'a' all land in bucket 1 and keep
    # their insertion order, the others fill buckets 2 to 11.
    keys = [ord(c) for c in "a!A"] + list(range(0x102, 0x10C))
    assert _hash_map_order(keys) == [ord("a"), ord("!"), ord("A"), *range(0x102, 0x10C)]
    # With 12 keys the table still has 16 buckets: 0x102 (bucket 2) and 0x112 collide.
    assert _hash_map_order([0x112, 0x102, 0x101]) == [0x101, 0x112, 0x102]


def test_hash_map_order_grows_for_a_crowded_bucket() -> None:
    # Nine keys in bucket 0 of 16 make Java double the table (below 64 it resizes instead of
    # building a tree), which separates 0x100 from 0x110.
    keys = [0x100 + 0x10 * i for i in range(9)]
    assert _hash_map_order(keys) == [0x100 + 0x10 * i for i in (0, 2, 4, 6, 8, 1, 3, 5, 7)]


@given(st.text(min_size=1, max_size=60))
def test_string_entropy_is_shannon_entropy(text: str) -> None:
    result = ev("STRING_ENTROPY(t)", {"t": text})
    units = text.encode("utf-16-le", "surrogatepass")
    codes = [units[i : i + 2] for i in range(0, len(units), 2)]
    total = len(codes)
    expected = -sum(codes.count(c) / total * math.log2(codes.count(c) / total) for c in set(codes))
    assert math.isclose(result, expected, abs_tol=1e-9)


@given(
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=20),
    st.integers(-3, 25),
    st.one_of(st.none(), st.integers(-3, 25)),
)
def test_substring_is_java_substring(text: str, start: int, end: int | None) -> None:
    variables = {"t": text, "s": start, "e": end}
    stop = len(text) if end is None else end
    if text and not 0 <= start <= stop <= len(text):
        fails("SUBSTRING(t, s, e)", variables)
    else:
        assert ev("SUBSTRING(t, s, e)", variables) == text[start:stop]
