"""Lucene query syntax to query nodes, and syntax errors with a position and a caret."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron.errors import MetronError
from metron.search.lucene import QuerySyntaxError, parse
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


def t(field: str | None, text: str) -> Term:
    return Term(field, text)


a, b, c, d = t(None, "a"), t(None, "b"), t(None, "c"), t(None, "d")

CASES: list[tuple[str, Node]] = [
    # match all
    ("", MatchAll()),
    (" \t\n", MatchAll()),
    ("*", MatchAll()),
    ("*:*", MatchAll()),
    # terms and phrases
    ("evil", t(None, "evil")),
    ("f:v", t("f", "v")),
    ("f:TO", t("f", "TO")),
    ('"a b"', t(None, "a b")),
    ('f:"a b"', t("f", "a b")),
    ('f:"say \\"hi\\""', t("f", 'say "hi"')),
    ('f:"*"', t("f", "*")),
    ('f:"a:b"', t("f", "a:b")),
    ("f:O'Brien", t("f", "O'Brien")),
    ("f:2026-11-29T10:00:00", t("f", "2026-11-29T10:00:00")),
    # wildcards; escaped ones are literal
    ("f:te*t?", Wildcard("f", ("te", STAR, "t", ONE))),
    ("te*", Wildcard(None, ("te", STAR))),
    ("f:?", Wildcard("f", (ONE,))),
    ("f:a**", Wildcard("f", ("a", STAR))),
    ("f:te\\*t", t("f", "te*t")),
    ("f:a\\*b*", Wildcard("f", ("a*b", STAR))),
    ("f:a\\?", t("f", "a?")),
    # regular expressions, kept as written
    ("f:/ab+c/", Regex("f", "ab+c")),
    ("/[a-z]+/", Regex(None, "[a-z]+")),
    ("f:/a\\/b/", Regex("f", "a\\/b")),
    ("f://", Regex("f", "")),
    ('f:/"a.b"|c{2,}/', Regex("f", '"a.b"|c{2,}')),
    # ranges
    ("f:[1 TO 5]", Range("f", "1", "5")),
    ("f:{1 TO 5}", Range("f", "1", "5", False, False)),
    ("f:[1 TO 5}", Range("f", "1", "5", True, False)),
    ("f:{1 TO 5]", Range("f", "1", "5", False, True)),
    ("f:[1 TO *]", Range("f", "1", None)),
    ("f:[* TO 5}", Range("f", None, "5", True, False)),
    ("f:[* TO *]", Range("f", None, None)),
    ("f:[-5 TO -1]", Range("f", "-5", "-1")),
    ('f:["a b" TO "c d"]', Range("f", "a b", "c d")),
    ("f:[10.0.0.1 TO 10.0.0.9]", Range("f", "10.0.0.1", "10.0.0.9")),
    ("f:[2001\\:db8\\:\\:1 TO *]", Range("f", "2001:db8::1", None)),
    ("f:>=5", Range("f", "5", None, True, True)),
    ("f:>5", Range("f", "5", None, False, True)),
    ("f:<=5", Range("f", None, "5", True, True)),
    ("f:<5", Range("f", None, "5", True, False)),
    ("[1 TO 2]", Range(None, "1", "2")),
    ("f:>=-5", Range("f", "-5", None)),
    ("f:<-1.5", Range("f", None, "-1.5", True, False)),
    (
        "f:(>5 AND <10)",
        Bool(must=(Range("f", "5", None, False), Range("f", None, "10", True, False))),
    ),
    # booleans: AND/OR/NOT and their symbols, +/-; implicit OR
    ("a AND b", Bool(must=(a, b))),
    ("a && b", Bool(must=(a, b))),
    ("(a)&&(b)", Bool(must=(a, b))),
    ("a OR b", Bool(should=(a, b))),
    ("a || b", Bool(should=(a, b))),
    ("a b", Bool(should=(a, b))),
    ("NOT a", Bool(must_not=(a,))),
    ("!a", Bool(must_not=(a,))),
    ("-a", Bool(must_not=(a,))),
    ("+a", a),
    ("(a)", a),
    ("a AND NOT b", Bool(must=(a,), must_not=(b,))),
    ("a && !b", Bool(must=(a,), must_not=(b,))),
    ("a OR NOT b", Bool(should=(a,), must_not=(b,))),
    ("+a -b c", Bool(must=(a,), should=(c,), must_not=(b,))),
    ("a -b", Bool(should=(a,), must_not=(b,))),
    ("a b AND c", Bool(should=(a, Bool(must=(b, c))))),
    ("a OR b AND c", Bool(should=(a, Bool(must=(b, c))))),
    ("a AND b OR c AND d", Bool(should=(Bool(must=(a, b)), Bool(must=(c, d))))),
    ("(a OR b) AND c", Bool(must=(Bool(should=(a, b)), c))),
    # same-kind nesting flattens
    ("(a AND b) AND (c AND d)", Bool(must=(a, b, c, d))),
    ("a OR (b OR (c OR d))", Bool(should=(a, b, c, d))),
    ("a AND (NOT b)", Bool(must=(a,), must_not=(b,))),
    ("NOT (a OR b)", Bool(must_not=(a, b))),
    ("!(a b)", Bool(must_not=(a, b))),
    ("a AND (b AND NOT c)", Bool(must=(a, b), must_not=(c,))),
    # ...but not where an optional should would become required
    ("a (+b) ", Bool(should=(a, b))),
    ("c +(-a)", Bool(must=(Bool(must_not=(a,)),), should=(c,))),
    # a field applies to each term of its group
    ("f:(a OR b)", Bool(should=(t("f", "a"), t("f", "b")))),
    ("f:(a b)", Bool(should=(t("f", "a"), t("f", "b")))),
    ("f:(a AND b*)", Bool(must=(t("f", "a"), Wildcard("f", ("b", STAR))))),
    ("f:(+a -b)", Bool(must=(t("f", "a"),), must_not=(t("f", "b"),))),
    ('f:(a "b c" [1 TO 2])', Bool(should=(t("f", "a"), t("f", "b c"), Range("f", "1", "2")))),
    ("f:-a", Bool(must_not=(t("f", "a"),))),
    # exists
    ("_exists_:f", Exists("f")),
    ("f:*", Exists("f")),
    ("_exists_:enrichments\\:geo\\:city", Exists("enrichments.geo.city")),
    ("_exists_:ip_*", Exists("ip_*")),
    # field names: escapes, Metron's dedotted form, patterns
    (
        "enrichments\\:geo\\:ip_dst_addr\\:city:Paris",
        t("enrichments.geo.ip_dst_addr.city", "Paris"),
    ),
    ("enrichments.geo.ip_dst_addr.city:Paris", t("enrichments.geo.ip_dst_addr.city", "Paris")),
    ("source\\:type:bro", t("source.type", "bro")),
    ("my\\ field:x", t("my field", "x")),
    ("ip_*_addr:10.0.0.1", t("ip_*_addr", "10.0.0.1")),
    ("*:x", t("*", "x")),
    # escaped specials in values
    ("f:a\\:b", t("f", "a:b")),
    ("f:a\\.b", t("f", "a.b")),
    ("f:a\\ b", t("f", "a b")),
    ("f:\\/path", t("f", "/path")),
    ("f:\\-1", t("f", "-1")),
    ("f:\\+1", t("f", "+1")),
    ("f:\\(x\\)", t("f", "(x)")),
    ("f:\\[x\\]", t("f", "[x]")),
    ("f:a\\&&b", t("f", "a&&b")),
    ("f:a\\\\b", t("f", "a\\b")),
    ("f:\\!x", t("f", "!x")),
    ('f:\\"x', t("f", '"x')),
    # CIDR and IPv6 values
    ("ip_src_addr:10.0.0.0/8", t("ip_src_addr", "10.0.0.0/8")),
    ("ip:2001\\:db8\\:\\:1", t("ip", "2001:db8::1")),
    ('ip:"2001:db8::1"', t("ip", "2001:db8::1")),
    ("ip:2001\\:db8\\:\\:/32", t("ip", "2001:db8::/32")),
    # operators only as whole tokens
    ("a&&b", t(None, "a&&b")),
    ("a!b", t(None, "a!b")),
    ('"a && b"', t(None, "a && b")),
    ("f:/a||b/", Regex("f", "a||b")),
    # boosts are ignored
    ("a^2", a),
    ("f:a^0.5 AND b", Bool(must=(t("f", "a"), b))),
    ("(a OR b)^3", Bool(should=(a, b))),
    ("f:[1 TO 2]^2", Range("f", "1", "2")),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[query for query, _ in CASES])
def test_parse(query: str, expected: Node) -> None:
    assert parse(query) == expected


ERRORS: list[tuple[str, int, str]] = [
    ("a~1", 0, "fuzzy search 'a~1' is not supported"),
    ("f:abc~", 2, "fuzzy search"),
    ('x "a b"~2', 2, "proximity search"),
    ("(a", 2, "unexpected end of the query"),
    ("a AND", 5, "unexpected end of the query"),
    ("a &&", 4, "unexpected end of the query"),
    ("f:[1 TO", 7, "unexpected end of the query"),
    ("a)", 1, "unexpected ')'"),
    ("a OR OR b", 5, "unexpected 'OR'"),
    ("f:[a TO b OR c]", 10, "unexpected 'OR'"),
    ('f:"abc', 2, "unterminated phrase"),
    ("f:/ab", 2, "unterminated regular expression"),
    ("'x'", 0, 'unexpected character "\'"'),
    ("a:b:c", 2, "unescaped ':'"),
    ("ip:2001:db8::1", 12, "escape a ':'"),
    ("f:(g:a)", 3, "a field cannot be named inside another field's value"),
    ("_exists_:(a b)", 9, "_exists_ needs a field name"),
    ("f:/a&b/", 4, "intersection '&' is not supported"),
    ("f:/~a/", 3, "complement '~' is not supported"),
    ("f:/a<1-5>/", 4, "interval '<n-m>' is not supported"),
    ("f:/@/", 3, "any-string '@' is not supported"),
    ("f:/a#/", 4, "empty-language '#' is not supported"),
    ("x AND f:/(a/", 11, "')' expected"),
    ("f:/a)/", 4, "unbalanced ')'"),
    ("f:/[a/", 3, "unterminated character class"),
    ("f:/[z-a]/", 6, "invalid class range z-a"),
    ("f:/a{x}/", 5, "a number expected after '{'"),
    ("f:/a{3,1}/", 9, "maximum below its minimum"),
]


@pytest.mark.parametrize(("query", "position", "reason"), ERRORS, ids=[q for q, _, _ in ERRORS])
def test_syntax_errors(query: str, position: int, reason: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    error = caught.value
    assert isinstance(error, MetronError)
    assert error.position == position
    assert reason in error.reason
    header, line, caret = str(error).split("\n")
    assert header == f"Syntax error at position {position}: {error.reason}"
    assert line == query
    assert caret == " " * position + "^"


def test_error_caret_lines_up_under_tabs_and_newlines() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse("a\tb\n)")
    assert str(caught.value).split("\n")[1:] == ["a b )", "    ^"]
    assert caught.value.position == 4


def test_error_text_is_exact() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse("ip:10.0.0.1 AND (port:22")
    assert str(caught.value) == (
        "Syntax error at position 24: unexpected end of the query"
        " (an unclosed '(' or '[', or a dangling operator?)\n"
        "ip:10.0.0.1 AND (port:22\n"
        "                        ^"
    )


def test_deep_nesting_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError):
        parse("(" * 50000 + "a" + ")" * 50000)


REGEXES = [
    ("ab+c", "abbbc", True),
    ("ab+c", "xabc", False),
    ("a.c", "a\nc", True),
    ("^a$", "^a$", True),
    ("^a$", "a", False),
    ('"a.b"', "a.b", True),
    ('"a.b"', "axb", False),
    ("*a", "*a", True),
    ("a**", "aaa", True),
    ("a{2}{3}", "a" * 6, True),
    ("a{2,}", "a", False),
    ("\\d+\\.\\d", "12.5", True),
    ("\\D\\S\\W", "a-!", True),
    ("[\\w.]+", "a_b.c", True),
    ("[^a-c]", "d", True),
    ("[^a-c]", "b", False),
    ("(ab|cd)+", "abcdab", True),
    ("|a", "|a", True),
    ("()a", "a", True),
    ("\\&\\~\\@\\#\\<", "&~@#<", True),
    ("[&~@#<]+", "&~@#<", True),
    ("a>", "a>", True),
    ("", "", True),
]


@pytest.mark.parametrize(("pattern", "text", "matches"), REGEXES)
def test_lucene_regex_subset(pattern: str, text: str, matches: bool) -> None:
    assert (lucene_regex(pattern).fullmatch(text) is not None) is matches


@pytest.mark.parametrize("pattern", ["a|", "\\", "a{", "a{2", '"ab', "[]", "[^]", "a{99999999999}"])
def test_lucene_regex_errors(pattern: str) -> None:
    with pytest.raises(RegexError):
        lucene_regex(pattern)


LUCENE_ALPHABET = st.sampled_from(
    [*"abfxyz019 .:*?\\/\"'()[]{}<>=+-!&|^~@#_,\t\n", "AND", "OR", "NOT", "TO", "_exists_"]
)


@given(st.lists(LUCENE_ALPHABET, max_size=25).map("".join))
def test_lucene_like_text_parses_or_raises_syntax_error(text: str) -> None:
    try:
        parse(text)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(text)
        assert str(error).startswith(f"Syntax error at position {error.position}: ")


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_syntax_error(text: str) -> None:
    try:
        parse(text)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(text)
