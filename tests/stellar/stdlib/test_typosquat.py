"""DOMAIN_TYPOSQUAT: every strategy, the exclusion of the input and Java's HashSet order."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.types import JavaSet


def squat(domain: Any) -> Any:
    return stellar.evaluate("DOMAIN_TYPOSQUAT(d)", {"d": domain})


def test_empty_domain_gives_the_alphabet_in_order() -> None:
    # Only the addition strategy produces anything; one-letter strings hash to their code,
    # so Java's HashSet walks them alphabetically.
    result = squat("")
    assert isinstance(result, JavaSet)
    assert list(result) == list(string.ascii_lowercase)


def test_single_letter_in_java_hash_set_order() -> None:
    # Worked out by hand: "" (omission) hashes to bucket 0; "a?" hashes to 3007 + ord(?),
    # which lands in bucket ord(?) - 1 of 64; single characters land in bucket ord(c) % 64.
    # Within a bucket, strings keep the order they were first added (addition first, then
    # bitsquatting c/e/i/q, omission "", repetition, replacement q/w/s/z/y/2/1, vowel swap).
    expected = [
        *["", "aa", "ab", "ac", "ad", "c", "ae", "af", "e", "ag", "ah", "ai", "aj", "i"],
        *["ak", "al", "am", "an", "ao", "ap", "o", "aq", "ar", "q", "1", "as", "2"],
        *["at", "s", "au", "av", "u", "aw", "ax", "w", "ay", "az", "y", "z"],
    ]
    assert list(squat("a")) == expected


@pytest.mark.parametrize(
    ("domain", "present"),
    [
        # addition: a letter at the end
        ("shop", ["shopa", "shopz"]),
        # bitsquatting: one bit flipped, only digits, lower-case letters and '-' kept
        ("shop", ["chop", "rhop", "sjop", "shoq", "sho0"]),
        # homoglyph: every occurrence of a letter inside a window, and the xn-- spelling
        ("shop", ["sh0p", "shoρ", "ʂhop", "śhop", "xn--hop-bza"]),
        # hyphenation: a hyphen between two characters
        ("shop", ["s-hop", "sh-op", "sho-p"]),
        # insertion: a neighbouring key before or after an inner character
        ("shop", ["sghop", "shgop", "shiop", "sh0op", "sho0p"]),
        # omission
        ("shop", ["hop", "sop", "shp", "sho"]),
        # repetition of a letter
        ("shop", ["sshop", "shhop", "shoop", "shopp"]),
        # replacement by a neighbouring key (QWERTY, QWERTZ, AZERTY)
        ("shop", ["ahop", "qhop", "shol", "shom", "shoo"]),
        # subdomain: a dot between two characters that are not '-' or '.'
        ("shop", ["s.hop", "sh.op", "sho.p"]),
        # transposition of neighbours
        ("shop", ["hsop", "sohp", "shpo"]),
        # vowel swap
        ("shop", ["shap", "shep", "ship", "shup"]),
    ],
)
def test_strategies(domain: str, present: list[str]) -> None:
    result = squat(domain)
    for candidate in present:
        assert candidate in result


@pytest.mark.parametrize(
    ("domain", "absent"),
    [
        ("a-b", ["a.-b", "a-.b"]),  # no dot next to a hyphen
        ("a.b", ["a..b"]),  # nor next to a dot
        ("a1", ["a11"]),  # '1' is not a letter, so it is not repeated
        ("sz", ["asz", "sxz"]),  # the first and last characters get no neighbouring keys
        ("aa", ["àà"]),  # the homoglyph window never spans the whole domain
        ("ab", ["Ab", "aB"]),  # bitsquatting keeps only digits, lower case and '-'
    ],
)
def test_strategy_limits(domain: str, absent: list[str]) -> None:
    result = squat(domain)
    for candidate in absent:
        assert candidate not in result


def test_homoglyph_window_replaces_every_occurrence() -> None:
    assert "ààb" in squat("aab")  # the window "aa" has both a's replaced
    assert "àab" in squat("aab") and "aàb" in squat("aab")


def test_homoglyph_ace_form() -> None:
    result = squat("ab")
    assert "àb" in result
    assert "àb".encode("idna").decode("ascii") in result


def test_punycode_input_is_decoded_for_homoglyphs() -> None:
    # 'xn--bcher-kva' is 'bücher'; look-alikes are made from the Unicode form...
    result = squat("xn--bcher-kva")
    assert "dücher" in result  # b -> d
    assert "bücner" not in result  # (h has no 'n' look-alike)
    assert "bücհer" in result  # h -> Armenian ho
    # ...while the other strategies work on the text as given.
    assert "xn--bcher-kv" in result
    assert "xn-bcher-kva" in result


def test_input_is_never_in_the_result() -> None:
    # Vowel swap turns "aa" back into "aa", for instance; the input is always removed.
    for domain in ("aa", "il", "oo", "a", "xn--bcher-kva"):
        assert domain not in squat(domain)


def test_cherokee_look_alikes_keep_their_unicode_3_2_ace_form() -> None:
    # IDNA 2003 maps with Unicode 3.2, where Cherokee letters have no lower case.
    result = squat("hi")
    assert "Ꮒi" in result
    assert "xn--i-zbi" in result  # today's case folding would give Ꮒ's lower-case form


def test_upper_case_input() -> None:
    result = squat("Ab")
    assert "Ad" in result  # homoglyph b -> d, the upper-case A kept
    assert "Àb" not in result  # look-alikes exist only for lower-case letters


def test_characters_outside_the_bmp_count_as_two_units() -> None:
    result = squat("a\U0001f600")
    assert "a\ud83d" in result  # omitting the low surrogate leaves a lone high one
    assert "\ud83da\ude00" in result  # transposing 'a' and the high surrogate
    assert "\U0001f600" in result  # omitting the 'a'
    assert "a" not in result  # dropping the emoji takes two omissions
    assert "\U0001f600a" not in result


def test_null_and_no_argument() -> None:
    assert squat(None) is None
    assert stellar.evaluate("DOMAIN_TYPOSQUAT()") is None


@pytest.mark.parametrize("value", [1, 2.5, ["shop"], {"a": 1}, True])
def test_non_strings_are_errors(value: Any) -> None:
    with pytest.raises(stellar.StellarError):
        squat(value)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=8))
def test_any_text(domain: str) -> None:
    result = squat(domain)
    assert isinstance(result, JavaSet)
    assert domain not in result
    assert all(isinstance(x, str) for x in result)
    for c in string.ascii_lowercase:
        assert domain + c in result
    if all(c <= "\uffff" for c in domain):
        for i in range(len(domain)):
            omitted = domain[:i] + domain[i + 1 :]
            assert omitted == domain or omitted in result
