"""The lancope parser: the alarm's hosts and time taken from its syslog message."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.base import ParserError
from metron.parsing.parsers.lancope import LancopeParser
from metron.stellar.types import Long

LINE = (
    "<131>Apr 01 09:30:02 swc-01 StealthWatch[4410]: 2024-04-01T09:29:41Z 10.60.3.21 "
    "198.51.100.140 Major Data Exfiltration"
)


def test_hosts_time_and_original_string() -> None:
    raw = (
        '{"message":"' + LINE + '","@version":"1","@timestamp":"2024-04-01T09:30:02.118Z",'
        '"type":"syslog","host":"10.60.0.5","n":5}'
    ).encode()
    (m,) = LancopeParser({}).parse(raw).messages
    assert m == {
        "@version": "1",
        "type": "syslog",
        "host": "10.60.0.5",
        "n": Long(5),
        "ip_src_addr": "10.60.3.21",
        "ip_dst_addr": "198.51.100.140",
        "timestamp": Long(1711963781000),
        "original_string": LINE,
    }


def test_padded_day_shifts_the_words_like_java() -> None:
    # "Apr  1" splits into an empty word, so the sixth word is not the time.
    raw = ('{"message":"' + LINE.replace("Apr 01", "Apr  1") + '"}').encode()
    with pytest.raises(ParserError, match="not a date"):
        LancopeParser({}).parse(raw)


def test_trailing_spaces_do_not_count_as_words() -> None:
    raw = b'{"message":"a b c d e 2024-04-01T09:29:41Z 10.0.0.1   "}'
    with pytest.raises(ParserError, match="words"):
        LancopeParser({}).parse(raw)


def test_utf16_charset() -> None:
    raw = ('{"message":"' + LINE + '"}').encode("utf-16")
    (m,) = LancopeParser({"readCharset": "UTF-16"}).parse(raw).messages
    assert m["ip_src_addr"] == "10.60.3.21"


@pytest.mark.parametrize(
    "raw",
    [b"{}", b'{"message":null}', b'{"message":"too short"}', b"[]", b"nope", b"", b"\x00" * 5000],
)
def test_bad_records_raise(raw: bytes) -> None:
    with pytest.raises(ParserError):
        LancopeParser({}).parse(raw)


@settings(max_examples=300, deadline=1000)
@given(st.binary(max_size=2000))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    with contextlib.suppress(ParserError):
        LancopeParser({}).parse(raw)


@settings(max_examples=200, deadline=1000)
@given(st.text(max_size=300))
def test_random_messages_parse_or_raise(text: str) -> None:
    import orjson

    with contextlib.suppress(ParserError):
        LancopeParser({}).parse(orjson.dumps({"message": text}))
