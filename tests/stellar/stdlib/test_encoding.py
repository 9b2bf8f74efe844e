"""ENCODE, DECODE, IS_ENCODING and GET_SUPPORTED_ENCODINGS (commons-codec 1.10 behaviour).

Expected values were checked against commons-codec 1.10 running on a JVM.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib._javacodec import java_utf8_decode, java_utf8_encode
from metron.stellar.types import Char

ENCODINGS = ["BASE32", "BASE32HEX", "BASE64", "BINARY", "HEX"]


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


def test_supported_encodings() -> None:
    assert ev("GET_SUPPORTED_ENCODINGS()") == ENCODINGS
    # a fresh list each time: changing one result does not change the next
    first = ev("GET_SUPPORTED_ENCODINGS()")
    first.append("ROT13")
    assert ev("GET_SUPPORTED_ENCODINGS()") == ENCODINGS


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("BASE32", "NDB2S3DMN4======"),
        ("BASE32HEX", "D31QIR3CDS======"),
        ("BASE64", "aMOpbGxv"),
        ("HEX", "68c3a96c6c6f"),
    ],
)
def test_encode(encoding: str, expected: str) -> None:
    assert ev("ENCODE(s, e)", {"s": "héllo", "e": encoding}) == expected
    assert ev("ENCODE(s, e)", {"s": "héllo", "e": encoding.lower()}) == expected


def test_binary_encoding_writes_bytes_last_first() -> None:
    # 'h' = 01101000, 'é' = 11000011 10101001: the last byte comes first
    assert ev("ENCODE('hé', 'BINARY')") == "101010011100001101101000"
    assert ev("DECODE('101010011100001101101000', 'BINARY')") == "hé"


@pytest.mark.parametrize(
    ("encoded", "encoding", "expected"),
    [
        ("MZXW6===", "BASE32", "foo"),
        ("MZXW6YQ", "BASE32", "foob"),  # padding is optional
        ("abc", "BASE32", ""),  # commons-codec 1.10 knows no lower case: all skipped
        ("CPNMU", "BASE32HEX", "foo"),
        ("W0", "BASE32HEX", "\x00"),  # 'W' decodes as 32 and carries into the next bits
        ("Zm9vYg", "BASE64", "foob"),
        ("Zm9v YmFy\n", "BASE64", "foobar"),  # whitespace is skipped
        ("Zm9v-_8", "BASE64", "foo\ufffd\ufffd"),  # URL-safe characters too
        ("Z", "BASE64", ""),  # six bits make no byte
        ("not base64!", "BASE64", "\ufffd\ufffd[j\u01fa"),  # garbage decodes to garbage
        ("0110100001101001", "BINARY", "ih"),
        ("xx0110100001101001", "BINARY", "ih"),  # leading odd characters are ignored
        ("1110100001101001", "BINARY", "i\ufffd"),
        ("00000000", "BINARY", "00000000"),  # decodes to blank: the input comes back
        ("Hello World", "BINARY", "Hello World"),
        ("c3a9", "HEX", "é"),
        ("C3A9", "HEX", "é"),
        ("ｃ３ａ９", "HEX", "é"),  # Character.digit accepts full-width digits and letters
        ("ff", "HEX", "\ufffd"),
        ("abc", "HEX", "abc"),  # odd length: the input comes back
        ("0g", "HEX", "0g"),
    ],
)
def test_decode(encoded: str, encoding: str, expected: str) -> None:
    assert ev("DECODE(s, e)", {"s": encoded, "e": encoding}) == expected


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("MZXW6===", "BASE32", True),
        ("MZXW6 ===", "BASE32", True),
        ("mzxw6", "BASE32", False),
        ("Hello World", "BASE32", False),
        ("CPNMU===", "BASE32HEX", True),
        ("W", "BASE32HEX", True),
        ("X", "BASE32HEX", False),
        ("SGVsbG8=", "BASE64", True),
        ("a-b_c= \t", "BASE64", True),
        ("Hello World", "BASE64", True),  # letters and a space are all "Base64"
        ("Hello World\x00", "BASE64", False),
        ("a.b", "BASE64", False),
        ("0101", "BINARY", True),
        ("0101 ", "BINARY", False),
        ("c3a9", "HEX", True),
        ("ｃ３", "HEX", True),
        ("abc", "HEX", False),
        ("0g", "HEX", False),
        ("", "HEX", False),
    ],
)
def test_is_encoding(text: str, encoding: str, expected: bool) -> None:
    assert ev("IS_ENCODING(s, e)", {"s": text, "e": encoding}) is expected


def test_verify_returns_input_that_is_not_encoded() -> None:
    assert ev("DECODE('Hello World', 'BASE32', true)") == "Hello World"
    assert ev("DECODE('MZXW6===', 'BASE32', true)") == "foo"
    assert ev("DECODE('Hello World\\t!', 'BASE64', true)") == "Hello World\t!"
    # a coincidentally valid Base64 string still decodes
    assert ev("DECODE('Hello World', 'BASE64', true)") != "Hello World"
    assert ev("DECODE('Hello World', 'BASE64', false)") == ev("DECODE('Hello World', 'BASE64')")


@pytest.mark.parametrize("function", ["ENCODE", "DECODE"])
@pytest.mark.parametrize("text", ["''", "null"])
def test_empty_or_null_string_gives_null(function: str, text: str) -> None:
    assert ev(f"{function}({text}, 'BASE64')") is None
    assert ev(f"{function}('abc', '')") is None
    assert ev(f"{function}('abc', null)") is None


def test_is_encoding_of_nothing_is_false() -> None:
    assert ev("IS_ENCODING('', 'HEX')") is False
    assert ev("IS_ENCODING(null, 'HEX')") is False
    assert ev("IS_ENCODING('ab', '')") is False
    assert ev("IS_ENCODING('ab', null)") is False
    assert ev("IS_ENCODING('ab', 'HEX', 'ignored')") is True


@pytest.mark.parametrize(
    "expression",
    [
        "ENCODE('abc', 'ROT13')",
        "DECODE('abc', 'ROT13')",
        "IS_ENCODING('abc', 'ROT13')",
        "ENCODE('abc')",
        "ENCODE('abc', 'HEX', 1, 2)",
        "DECODE('abc')",
        "DECODE('abc', 'HEX', true, 1)",
        "IS_ENCODING('abc')",
        "ENCODE(1, 'HEX')",
        "ENCODE('abc', 1)",
        "ENCODE(1, null)",
        "DECODE(['a'], 'HEX')",
        "IS_ENCODING(1, 'HEX')",
        "DECODE('abc', 'HEX', 'true')",  # verify must be a Boolean
        "DECODE('abc', 'HEX', null)",  # unboxing a null verify
    ],
)
def test_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_null_verify_is_fine_when_nothing_is_decoded() -> None:
    assert ev("DECODE('', 'HEX', null)") is None


def test_a_character_is_not_a_string() -> None:
    with pytest.raises(stellar.StellarError):
        ev("ENCODE(c, 'HEX')", {"c": Char("a")})


def test_encode_extra_argument_is_ignored() -> None:
    assert ev("ENCODE('ok', 'HEX', 'whatever')") == "6f6b"


def test_unpaired_surrogate_is_written_as_question_mark() -> None:
    assert ev("ENCODE(s, 'HEX')", {"s": "a\ud800b"}) == "613f62"
    assert java_utf8_encode("\ud83d\ude00") == "😀".encode()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xed\xa0\x80A", "\ufffdA"),  # an encoded surrogate is one replacement in Java
        (b"\xed\xbf", "\ufffd"),  # a truncated sequence at the end is one replacement
        (b"\xed\xbfA", "\ufffdA"),
        (b"\xe0\x80A", "\ufffd\ufffdA"),
        (b"\xf0\x9f\x98", "\ufffd"),
        (b"caf\xc3\xa9", "café"),
    ],
)
def test_java_utf8_decoding(data: bytes, expected: str) -> None:
    assert java_utf8_decode(data) == expected


text_without_surrogates = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40
)


@given(text_without_surrogates, st.sampled_from(ENCODINGS))
def test_round_trip(text: str, encoding: str) -> None:
    encoded = ev("ENCODE(s, e)", {"s": text, "e": encoding})
    assert ev("IS_ENCODING(s, e)", {"s": encoded, "e": encoding}) is True
    decoded = ev("DECODE(s, e, true)", {"s": encoded, "e": encoding})
    if encoding == "BINARY" and not text.strip("".join(map(chr, range(33)))):
        assert decoded == encoded  # a blank result is taken for a failure
    else:
        assert decoded == text


@given(st.text(max_size=40), st.sampled_from([*ENCODINGS, "base64", "bad"]), st.booleans())
def test_arbitrary_text_never_breaks(text: str, encoding: str, verify: bool) -> None:
    variables = {"s": text, "e": encoding, "v": verify}
    for expression in ("DECODE(s, e, v)", "ENCODE(s, e)", "IS_ENCODING(s, e)"):
        try:
            result = ev(expression, variables)
        except stellar.StellarError:
            assert encoding == "bad" and text
        else:
            assert result is None or isinstance(result, (str, bool))
