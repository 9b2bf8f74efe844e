"""The logstash parser: Logstash fields dropped and renamed, @timestamp read leniently."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.base import ParserError
from metron.parsing.parsers.logstash import LogstashParser
from metron.stellar.types import Long


def parse(raw: str | bytes, **config: Any) -> dict[str, Any]:
    data = raw.encode() if isinstance(raw, str) else raw
    (message,) = LogstashParser(config).parse(data).messages
    return message


def test_fields_dropped_renamed_and_timestamp() -> None:
    m = parse(
        '{"@timestamp":"2024-04-01T09:12:44.512Z","@version":"1","host":"h","type":"t",'
        '"tags":["x"],"message":"hello","src_ip":"10.0.0.1","dst_ip":"10.0.0.2",'
        '"src_port":1234,"dst_port":80,"extra":{"a":1}}'
    )
    assert m == {
        "timestamp": Long(1711962764512),
        "original_string": "hello",
        "ip_src_addr": "10.0.0.1",
        "ip_dst_addr": "10.0.0.2",
        "ip_src_port": Long(1234),
        "ip_dst_port": Long(80),
        "extra": {"a": Long(1)},
    }


def test_lenient_milliseconds_like_java() -> None:
    # SimpleDateFormat reads all the digits after the dot as a count of milliseconds.
    assert parse('{"@timestamp":"2024-04-01T09:12:44.5Z"}')["timestamp"] == Long(1711962764005)
    assert parse('{"@timestamp":"2024-04-01T09:12:44.123456Z"}')["timestamp"] == Long(1711962887456)


def test_read_charset_is_ignored_like_metron() -> None:
    assert (
        parse('{"@timestamp":"2024-04-01T09:12:44.512Z","m":"é"}', readCharset="ISO-8859-1")["m"]
        == "é"
    )


@pytest.mark.parametrize(
    "raw",
    [
        b'{"message":"no time"}',
        b'{"@timestamp":"2024-04-01 09:12:44"}',
        b'{"@timestamp":1711962764512}',
        b'{"@timestamp":null}',
        b"[1]",
        b"not json",
        b"",
        b'{"@timestamp":"2024-04-01T09:12:44.512Z","n":99999999999999999999}',
        b"\xff" * 1000,
        b"[" * 100_000,
    ],
)
def test_bad_records_raise(raw: bytes) -> None:
    with pytest.raises(ParserError):
        LogstashParser({}).parse(raw)


def test_validation_needs_original_string_and_timestamp() -> None:
    parser = LogstashParser({})
    (m,) = parser.parse(b'{"@timestamp":"2024-04-01T09:12:44.512Z"}').messages
    assert not parser.validate(m)
    assert parser.validate({**m, "original_string": "raw"})


@settings(max_examples=300, deadline=1000)
@given(st.binary(max_size=2000))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    with contextlib.suppress(ParserError):
        LogstashParser({}).parse(raw)
