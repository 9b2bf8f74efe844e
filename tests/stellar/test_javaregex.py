"""Java regular expressions translated to Python: each case states what java.util.regex does."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.stellar import javaregex
from metron.stellar.errors import StellarError

# (Java pattern, input, does Matcher.matches() succeed)
MATCHES = [
    # ASCII-only predefined classes by default, Unicode ones with (?U)
    (r"\d+", "2024", True),
    (r"\d+", "\u0663\u0664", False),
    (r"(?U)\d+", "\u0663\u0664", True),
    (r"\w+", "caf\u00e9", False),
    (r"(?U)\w+", "caf\u00e9", True),
    (r"\s", "\u00a0", False),
    (r"(?U)\s", "\u00a0", True),
    (r"\s", "\x0b", True),
    (r"\S+", "a\u00a0b", True),
    (r"\D\W", "x-", True),
    # POSIX and java.lang.Character classes
    (r"\p{Alpha}+", "Zebra", True),
    (r"\p{Alpha}", "\u00e9", False),
    (r"(?U)\p{Alpha}", "\u00e9", True),
    (r"(?U)\p{alpha}", "\u00e9", True),
    (r"\p{Digit}{3}", "909", True),
    (r"\p{Alnum}+", "abc123", True),
    (r"\p{Upper}\p{Lower}+", "Metron", True),
    (r"\p{Punct}+", "!?{}~", True),
    (r"\p{Punct}", "\u00bf", False),
    (r"\p{Space}", "\x0b", True),
    (r"\p{XDigit}+", "c0FFee", True),
    (r"\p{XDigit}", "g", False),
    (r"\p{Blank}", "\t", True),
    (r"\p{Cntrl}", "\x7f", True),
    (r"\p{Graph}", " ", False),
    (r"\p{Print}", " ", True),
    (r"\p{ASCII}+", "plain", True),
    (r"\p{L1}", "\u00ff", True),
    (r"\p{all}", "\n", True),
    (r"\p{javaLowerCase}+", "abc", True),
    (r"\p{javaWhitespace}", "\x1c", True),
    (r"\p{javaSpaceChar}", "\u00a0", True),
    (r"\p{javaMirrored}", "(", True),
    # Unicode categories and binary properties
    (r"\p{L}+", "h\u00e9llo", True),
    (r"\pL\PL", "a1", True),
    (r"\p{Lu}", "\u00c9", True),
    (r"\p{IsLu}\p{gc=Ll}", "Ab", True),
    (r"\p{general_category=Nd}", "7", True),
    (r"\P{L}+", "123 !", True),
    (r"\p{IsAlphabetic}+", "\u00e9t\u00e9", True),
    (r"\p{IsLetter}", "\u4e2d", True),
    (r"\p{IsDigit}", "\u0661", True),
    (r"\p{IsWhite_Space}", "\u0085", True),
    (r"\p{IsWhiteSpace}", "\u2029", True),
    (r"\p{IsPunctuation}", "\u00bf", True),
    (r"\p{IsHex_Digit}", "\uff21", True),
    (r"\p{IsControl}", "\u0085", True),
    (r"\p{IsJoin_Control}", "\u200d", True),
    (r"\p{IsNoncharacter_Code_Point}", "\ufdd0", True),
    (r"\p{IsIdeographic}", "\u4e00", True),
    (r"\p{IsTitlecase}", "\u01c5", True),
    (r"\p{IsUppercase}", "\u24b6", True),
    (r"\p{IsLowercase}", "\u00aa", True),
    (r"\p{IsAlpha}", "\u00e9", False),  # Java 8: IsAlpha falls back to the ASCII class
    # classes: ranges, unions, intersections, Java 8's negation
    (r"[a-z&&[^aeiou]]+", "rhythm", True),
    (r"[a-z&&[^aeiou]]+", "vowel", False),
    (r"[a-c&&b-d]", "b", True),
    (r"[a-c&&b-d]", "a", False),
    (r"[a-z&&[^e]&&[^x]]+", "abc", True),
    (r"[\w&&[^\d]]+", "a_b", True),
    (r"[\p{L}&&[^a-z]]+", "\u00c9A", True),
    (r"[abc[def]]+", "adf", True),
    (r"[^a[b]]", "b", True),  # Java 8 (Metron's JVM): ^ does not reach the nested class
    (r"[^a[b]]", "a", False),
    (r"[^a-c&&b-d]", "d", True),
    (r"[^a-c&&b-d]", "a", False),  # Java 8: (not a-c) and b-d
    (r"[]a]+", "]a", True),
    (r"[^]]+", "ab", True),
    (r"[a-]+", "a-", True),
    (r"[-a]+", "-a", True),
    (r"[a-[b]]+", "a-b", True),
    (r"[&&a]", "a", True),
    (r"[a&]+", "a&", True),
    (r"[\d-z]+", "1-z", True),
    (r"[%-.]+", "%&'()*+,-.", True),
    (r"[\x{61}-\x{63}]+", "abc", True),
    (r"[\Q^]\E]+", "^]", True),
    (r"[^abc]", "\u0100", True),
    # quoting
    (r"\Qa.b\E", "a.b", True),
    (r"\Qa.b\E", "axb", False),
    (r"\Q(a)\E", "(a)", True),
    (r"\Qab", "ab", True),
    (r"a\Q\E*", "aaa", True),
    (r"a\Qb.c\Ed", "ab.cd", True),
    (r"\\Q", "\\Q", True),
    # escapes
    (r"\0101\0377\0400", "A\u00ff\u00200", True),
    (r"\x{41}\x41\u0041", "AAA", True),
    (r"\cA\c?", "\x01\x7f", True),
    (r"\e\a\f\t", "\x1b\x07\x0c\t", True),
    (r"\008", "\x008", True),
    (r"\01234", "\x534", True),
    (r"\x{1F600}+", "\U0001f600\U0001f600", True),
    (r"\uD83D\uDE00", "\U0001f600", True),
    (r"\.\-\@", ".-@", True),
    # dot, anchors and Java's line terminators
    (r"a.c", "a\rc", False),
    (r"a.c", "a\u2028c", False),
    (r"(?s)a.c", "a\rc", True),
    (r"(?d)a.c", "a\rc", True),
    (r".", "\U0001f600", True),
    (r"abc$", "abc\n", False),
    (r"(?m)^$", "", False),  # Java: multi-line ^ never matches at the end of input
    (r"^$", "", True),
    (r"\A\z", "", True),
    (r"\R\R", "\r\n\n", True),
    (r"\R", "\r", True),
    (r"\R\n", "\r\n", False),  # Java 8: \R takes the whole \r\n and never gives it back
    (r"\v+", "\x0b\x85", True),
    (r"\h+", " \t\u00a0\u3000", True),
    (r"\H\V", "ab", True),
    (r"\b\w+\b", "word", True),
    (r"a\B", "a", False),
    # case-insensitivity: ASCII unless UNICODE_CASE
    (r"(?i)hello", "HeLLo", True),
    (r"(?i)\u00e9", "\u00c9", False),
    (r"(?iu)\u00e9", "\u00c9", True),
    (r"(?iu)\u017f", "S", True),
    (r"(?i)\u017f", "S", False),
    (r"(?iu)[k]", "\u212a", True),
    (r"(?i)k", "\u212a", False),
    (r"(?i)[a-c]+", "ABC", True),
    (r"(?iu)[\u00e0-\u00e5]+", "\u00c0\u00c5", True),
    (r"(?i)stra\u00dfe", "STRASSE", False),
    (r"(?i)\p{Lower}", "A", False),  # Java 8: properties ignore CASE_INSENSITIVE
    (r"(?i)\Q.a\E", ".A", True),
    # inline flags apply to the rest of the enclosing group, alternatives included
    (r"a(?i)b|c", "C", True),
    (r"a(?i)b|c", "aB", True),
    (r"(?i:a)b|c", "AB", False),
    (r"(a(?i)b)c", "aBc", True),
    (r"(a(?i)b)c", "aBC", False),
    (r"(?i)a(?-i)b", "Ab", True),
    (r"(?i)a(?-i)b", "AB", False),
    # comments mode skips whitespace and # comments, also inside classes
    (r"(?x) a b # comment", "ab", True),
    (r"(?x)[ a b ]+", "ab", True),
    (r"(?x)a\ b", "a b", True),
    (r"(?x)\Q a \E", " a ", True),
    (r"(?x)a#c" + "\n" + "b", "ab", True),
    # quantifiers, possessive and atomic
    (r"a++a", "aaa", False),
    (r"a*+b", "aab", True),
    (r"(?>a|ab)c", "abc", False),
    (r"(?>a+)b", "aab", True),
    (r"a{0}b", "b", True),
    (r"a{2,}", "aaa", True),
    (r"a{1,2}{2}", "aaaa", False),  # {2} repeats an empty atom, not a{1,2}
    (r"x{2}{3}", "xx", True),
    (r"{2}a", "a", True),
    (r"a{2,3}+", "aaa", True),
    (r"(a|ab)(c|bcd)(d*)", "abcd", True),
    # back references
    (r"(a)\1", "aa", True),
    (r"(?i)(a)\1", "aA", True),
    (r"(?iu)(\u00e9)\1", "\u00e9\u00c9", True),
    (r"(?<a>x)\k<a>", "xx", True),
    (r"(\d)(\d)(\d)(\d)(\d)(\d)(\d)(\d)(\d)(\d)\10", "01234567899", True),
    (r"(\d)\10", "110", True),  # only one group: \1 then a literal 0
    (r"(a)|b\2", "a", True),  # a group that does not exist never matches
    (r"(a)|b\2", "b", False),
    # look-around, including Java's bounded variable-length look-behind
    (r"(?<=a|bc)d", "d", False),
    (r"\w+(?=!)!", "hey!", True),
    (r"\w+(?!!)", "hey", True),
    # misc
    (r"", "", True),
    (r"a|", "", True),
    (r"()", "", True),
    (r"(?:)", "", True),
    (r"\w+@\w+\.com", "bob@example.com", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), MATCHES)
def test_matches(pattern: str, text: str, expected: bool) -> None:
    assert (javaregex.compile(pattern).matches(text) is not None) is expected


# (Java pattern, input, Matcher.group(0..n) after matches())
GROUPS = [
    (r"(?<user>\w+)@(?<host>[\w.]+)", "ops@example.org", ("ops@example.org", "ops", "example.org")),
    (r"(a)(b)?", "a", ("a", "a", None)),
    (r"(a|b)*", "ab", ("ab", "b")),
    (r"(?:(a)|b)+", "ab", ("ab", "a")),
    (r"(a*)+", "aa", ("aa", "")),
    (r"(\d+)-(\d+)", "10-20", ("10-20", "10", "20")),
    (r"\Q(\E(x)", "(x", ("(x", "x")),
]


@pytest.mark.parametrize(("pattern", "text", "groups"), GROUPS)
def test_groups(pattern: str, text: str, groups: tuple[str | None, ...]) -> None:
    p = javaregex.compile(pattern)
    m = p.matches(text)
    assert m is not None
    assert p.groups == len(groups) - 1
    assert tuple(m.group(i) for i in range(p.groups + 1)) == groups


def test_named_groups_keep_java_names_and_numbers() -> None:
    p = javaregex.compile(r"(?<year>\d{4})-(\d\d)-(?<day>\d\d)")
    assert p.groupindex == {"year": 1, "day": 3}
    assert p.regex.groupindex == {"year": 1, "day": 3}


# (Java pattern, input, the (start, end) of each Matcher.find())
FINDS = [
    (r"\d+", "a1b22c333", [(1, 2), (3, 5), (6, 9)]),
    (r"x*", "axb", [(0, 0), (1, 2), (2, 2), (3, 3)]),
    (r"x*?", "x", [(0, 0), (1, 1)]),  # after an empty match Java moves on one character
    (r"(?m)^", "a\nb\n", [(0, 0), (2, 2)]),
    (r"$", "a\n", [(1, 1), (2, 2)]),
    (r"(?m)$", "a\r\nb", [(1, 1), (4, 4)]),
    (r"\Z", "a\r\n", [(1, 1), (3, 3)]),
    (r"(?d)$", "a\r\n", [(2, 2), (3, 3)]),
    (r"\Ga", "aab", [(0, 1), (1, 2)]),
    (r"\Ga", "baa", []),
    (r"(?<=a|bc)d", "adbcdcd", [(1, 2), (4, 5)]),
    (r"(?<!a|bc)d", "adxdbcd", [(3, 4)]),
    (r"(?<=\d{1,3})x", "12x-x", [(2, 3)]),
    (r"(?<=^|,)\w", "a,b,,c", [(0, 1), (2, 3), (5, 6)]),
    (r"\b\w", "ab cd", [(0, 1), (3, 4)]),
    (r"\B", "ab", [(1, 1)]),
]


@pytest.mark.parametrize(("pattern", "text", "spans"), FINDS)
def test_find_all(pattern: str, text: str, spans: list[tuple[int, int]]) -> None:
    assert [m.span() for m in javaregex.compile(pattern).find_all(text)] == spans


def test_find_from_a_position() -> None:
    p = javaregex.compile(r"\d")
    m = p.find("a1b2", 2)
    assert m is not None and m.group() == "2"
    assert javaregex.compile(r"\Gb").find("ab", 1) is not None
    assert javaregex.compile(r"a").looking_at("abc") is not None
    with pytest.raises(StellarError):
        p.find("ab", 3)


# (Java pattern, input, replacement, Matcher.replaceAll)
REPLACEMENTS = [
    (r"(\d+)", "a1b22", "<$1>", "a<1>b<22>"),
    (r"(?<num>\d+)", "a1b22", "[${num}]\\$", "a[1]$b[22]$"),
    (r"(a)", "aa", "$12", "a2a2"),  # $1 then "2": there is no group 12
    (r"((((((((((a))))))))))", "a", "$10$11", "aa1"),
    (r"(a)(b)?", "a", "[$2]", "[]"),  # a group that did not take part is empty
    (r"x*?", "x", "-", "-x-"),
    (r"x*", "abxd", "-", "-a-b--d-"),
    (r"(?m)^", "a\nb\n", ">", ">a\n>b\n"),
    (r"\Ga", "aaab", "x", "xxxb"),
    (r"a", "banana", "\\\\", "b\\n\\n\\"),
    (r"a", "banana", "\\n", "bnnnnn"),
    (r"(a)", "bb", "$9", "bb"),  # without a match the replacement is never read
    (r"\s+", "a  b\t\tc", " ", "a b c"),
]


@pytest.mark.parametrize(("pattern", "text", "replacement", "expected"), REPLACEMENTS)
def test_replace_all(pattern: str, text: str, replacement: str, expected: str) -> None:
    assert javaregex.compile(pattern).replace_all(text, replacement) == expected


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("$2", "No group 2"),
        ("$", "group index is missing"),
        ("x\\", "character to be escaped is missing"),
        ("$x", "Illegal group reference"),
        ("${nope}", "No group with name {nope}"),
        ("${}", "0 length name"),
        ("${name", "missing trailing '}'"),
        ("${1a}", "starts with digit character"),
    ],
)
def test_replacement_errors(replacement: str, message: str) -> None:
    with pytest.raises(StellarError, match=re.escape(message)):
        javaregex.compile(r"(?<name>a)").replace_all("a", replacement)


def test_replace_first_and_python_template() -> None:
    p = javaregex.compile(r"(?<n>\d)")
    assert p.replace_first("a1b2", "<${n}>") == "a<1>b2"
    template = p.python_replacement("<$1>\\\\")
    assert p.regex.sub(template, "a1") == "a<1>\\"


@pytest.mark.parametrize(
    ("pattern", "text", "limit", "parts"),
    [
        (",", "a,b,,c,,", 0, ["a", "b", "", "c"]),
        (",", "a,b,,c,,", -1, ["a", "b", "", "c", "", ""]),
        (",", "a,b,c", 2, ["a", "b,c"]),
        (",", "a,b,c", 1, ["a,b,c"]),
        ("", "abc", 0, ["a", "b", "c"]),
        (",", ",a", 0, ["", "a"]),
        ("x", "abc", 0, ["abc"]),
        (",", "", 0, [""]),
    ],
)
def test_split(pattern: str, text: str, limit: int, parts: list[str]) -> None:
    assert javaregex.compile(pattern).split(text, limit) == parts


# patterns Java rejects, with (part of) Java's description
INVALID = [
    ("(", "Unclosed group"),
    ("a)", "Unmatched closing ')'"),
    ("[a", "Unclosed character class"),
    ("[]", "Unclosed character class"),
    ("*a", "Dangling meta character '*'"),
    ("a**", "Dangling meta character '*'"),
    ("(?i)+", "Dangling meta character '+'"),
    ("a{", "Illegal repetition"),
    ("${x}", "Illegal repetition"),
    ("a{,2}", "Illegal repetition"),
    ("a{2", "Unclosed counted closure"),
    ("a{3,2}", "Illegal repetition range"),
    ("\\", "Unexpected internal error"),
    ("\\E", "Illegal/unsupported escape sequence"),
    ("\\y", "Illegal/unsupported escape sequence"),
    ("[\\b]", "Illegal/unsupported escape sequence"),
    ("[\\1]", "Illegal/unsupported escape sequence"),
    ("\\x4", "Illegal hexadecimal escape sequence"),
    ("\\x{110000}", "Hexadecimal codepoint is too big"),
    ("\\x{41", "Unclosed hexadecimal escape sequence"),
    ("\\u12", "Illegal Unicode escape sequence"),
    ("\\0", "Illegal octal escape sequence"),
    ("\\c", "Illegal control escape sequence"),
    ("\\p{Foo}", "Unknown character property name {Foo}"),
    ("\\p{lower}", "Unknown character property name {lower}"),
    ("\\p{}", "Empty character family"),
    ("\\p{L", "Unclosed character family"),
    ("\\p{foo=bar}", "Unknown Unicode property {name=<foo>, value=<bar>}"),
    ("(?<=(?:ab)*)b", "does not have an obvious maximum length"),
    ("(?<=\\1)(a)", "does not have an obvious maximum length"),
    ("(?<n>a)(?<n>b)", "Named capturing group <n> is already defined"),
    ("(?<1a>x)", "Unknown look-behind group"),
    ("(?<a-b>x)", "named capturing group is missing trailing '>'"),
    ("\\k<x>", "named capturing group <x> does not exit"),
    ("\\k", "is not followed by '<'"),
    ("(?z)", "Unknown inline modifier"),
    ("(?i-m-s)", "Unknown inline modifier"),
    ("(?$)", "Unknown group type"),
    ("[z-a]", "Illegal character range"),
    ("[a-\\d]", "Illegal character range"),
    ("[&&]", "Bad class syntax"),
]


@pytest.mark.parametrize(("pattern", "message"), INVALID)
def test_invalid_patterns(pattern: str, message: str) -> None:
    with pytest.raises(StellarError, match=re.escape(message)):
        javaregex.compile(pattern)


# patterns Java accepts that have no Python translation here
UNSUPPORTED = [
    ("\\p{IsLatin}", "script"),
    ("\\p{script=Greek}", "script"),
    ("\\p{InGreek}", "block"),
    ("\\p{blk=Basic Latin}", "block"),
    ("a\\Gb", "\\G"),
    ("\\2(a)(b)", "back reference"),
    ("(a\\1)", "back reference"),
    ("(?<=(a|bc))d", "look-behind"),
    ("(?<=a*)b", "unbounded"),
    ("(?<=a+)b", "unbounded"),
    ("(?c)a", "CANON_EQ"),
]


@pytest.mark.parametrize(("pattern", "message"), UNSUPPORTED)
def test_unsupported_patterns(pattern: str, message: str) -> None:
    with pytest.raises(StellarError, match=re.escape(message)):
        javaregex.compile(pattern)


def test_compile_flags() -> None:
    assert javaregex.compile("abc", javaregex.CASE_INSENSITIVE).matches("ABC")
    assert not javaregex.compile("\u00e9", javaregex.CASE_INSENSITIVE).matches("\u00c9")
    both = javaregex.CASE_INSENSITIVE | javaregex.UNICODE_CASE
    assert javaregex.compile("\u00e9", both).matches("\u00c9")
    assert javaregex.compile(r"\w", javaregex.UNICODE_CHARACTER_CLASS).matches("\u00e9")
    assert javaregex.compile("a.b", javaregex.DOTALL).matches("a\nb")
    assert javaregex.compile("^b", javaregex.MULTILINE).find("a\nb")
    assert javaregex.compile("a b", javaregex.COMMENTS).matches("ab")
    assert javaregex.compile("a.b(", javaregex.LITERAL).matches("a.b(")
    assert javaregex.compile("A.", javaregex.LITERAL | javaregex.CASE_INSENSITIVE).matches("a.")
    with pytest.raises(StellarError):
        javaregex.compile("a", javaregex.CANON_EQ)


def test_compiled_patterns_are_cached_and_flag_free() -> None:
    assert javaregex.compile(r"\d+") is javaregex.compile(r"\d+")
    translation = javaregex.translate_pattern(r"(?i)a(?s).")
    assert translation.python == "[Aa](?s:.)"
    assert re.compile(translation.python).flags == re.UNICODE


def test_quote() -> None:
    for text in ["a.b*c", "\\E", "x\\Ey\\Qz", ""]:
        assert javaregex.compile(javaregex.quote(text)).matches(text)


_PIECES = st.sampled_from(
    [
        "a", "b", ".", "\\", "\\d", "\\p{L}", "[", "]", "^", "-", "&&", "(", ")", "(?i)",
        "(?<n>", "\\k<n>", "\\1", "|", "*", "+", "?", "{2}", "{1,", "}", "\\Q", "\\E", "$",
        "(?<=", "(?=", "#", " ", "(?x)", "\\x{", "\\u00", "\\0", "\\c", "\\G", "\\b",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=8).map("".join), st.text(max_size=12))
def test_arbitrary_patterns_fail_only_with_stellar_error(pattern: str, text: str) -> None:
    try:
        p = javaregex.compile(pattern)
    except StellarError:
        return
    p.matches(text)
    list(p.find_all(text))
    with contextlib.suppress(StellarError):
        p.replace_all(text, "<$0>")
    p.split(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_arbitrary_text_never_breaks_translation(pattern: str) -> None:
    with contextlib.suppress(StellarError):
        javaregex.compile(pattern)
