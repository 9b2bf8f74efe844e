"""The zeek parser: TSV logs read with the header state of their file."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.base import ParserError
from metron.parsing.parsers._zeektsv import unescape
from metron.parsing.parsers.zeek import ZeekParser
from metron.stellar.types import Long

T = "\t"
HEADER = [
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\tconn",
    "#open\t2024-04-01-09-00-00",
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tduration\tlocal_orig\ttunnel_parents\tports",
    "#types\ttime\tstring\taddr\tport\taddr\tport\tinterval\tbool\tset[string]\tvector[count]",
]


def feed(parser: ZeekParser, lines: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in lines:
        out.extend(parser.parse(line.encode()).messages)
    return out


def test_headers_then_typed_records() -> None:
    line = T.join(
        [
            "1711962305.118342",
            "C1",
            "10.0.0.1",
            "51522",
            "10.0.0.2",
            "443",
            "1.5",
            "T",
            "a,b",
            "1,2",
        ]
    )
    (m,) = feed(ZeekParser({}), [*HEADER, line])
    assert m == {
        "timestamp": Long(1711962305118),
        "bro_timestamp": "1711962305.118342",
        "uid": "C1",
        "ip_src_addr": "10.0.0.1",
        "ip_src_port": Long(51522),
        "ip_dst_addr": "10.0.0.2",
        "ip_dst_port": Long(443),
        "duration": 1.5,
        "local_orig": True,
        "tunnel_parents": ["a", "b"],
        "ports": [Long(1), Long(2)],
        "protocol": "conn",
    }


def test_unset_and_empty_markers() -> None:
    line = T.join(["1.0", "C1", "10.0.0.1", "1", "10.0.0.2", "2", "-", "-", "(empty)", "-"])
    (m,) = feed(ZeekParser({}), [*HEADER, line])
    assert (
        m["tunnel_parents"] == []
        and "duration" not in m
        and "local_orig" not in m
        and "ports" not in m
    )


def test_headers_give_no_messages_and_a_new_file_resets_them() -> None:
    parser = ZeekParser({})
    assert feed(parser, HEADER) == []
    feed(parser, ["#close\t2024-04-01-10-00-00", "#separator \\x09", "#fields\tts\tuid"])
    (m,) = feed(parser, ["2.0\tC9"])
    assert m["uid"] == "C9" and "protocol" not in m  # no #path in the new file


def test_data_before_headers_is_an_error() -> None:
    with pytest.raises(ParserError, match="#fields"):
        ZeekParser({}).parse(b"1.0\tC1")


def test_configured_fields_for_headerless_input() -> None:
    parser = ZeekParser(
        {
            "path": "dns",
            "fields": ["ts", "query", "TTLs"],
            "types": ["time", "string", "vector[interval]"],
        }
    )
    (m,) = feed(parser, ["5.25\texample.org\t1.0,2.5"])
    assert m["protocol"] == "dns" and m["TTLs"] == [1.0, 2.5] and m["query"] == "example.org"


def test_other_separator() -> None:
    parser = ZeekParser({})
    (m,) = feed(parser, ["#separator |", "#path|x", "#fields|ts|a", "#types|time|count", "3|7"])
    assert m["a"] == Long(7) and m["protocol"] == "x"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("plain", "plain"),
        ("a\\x09b", "a\tb"),
        ("\\x2d", "-"),
        ("caf\\xc3\\xa9", "café"),
        ("bad\\xffbyte", "bad\\xffbyte"),
        ("\\x5cx41", "\\x41"),
        ("\\xZZ", "\\xZZ"),
    ],
)
def test_unescape(text: str, value: str) -> None:
    assert unescape(text) == value


@pytest.mark.parametrize(
    "line",
    [
        T.join(["1.0", "C1"]),
        T.join(["x", "C1", "10.0.0.1", "1", "10.0.0.2", "2", "1.0", "T", "a", "1"]),
        T.join(["1.0", "C1", "10.0.0.1", "p", "10.0.0.2", "2", "1.0", "T", "a", "1"]),
        T.join(["1.0", "C1", "10.0.0.1", "1", "10.0.0.2", "2", "nan", "T", "a", "1"]),
        T.join(["1.0", "C1", "10.0.0.1", "1", "10.0.0.2", "2", "1.0", "yes", "a", "1"]),
        T.join(["1.0", "C1", "10.0.0.1", "1", "10.0.0.2", "2", "1.0", "T", "a", "1,x"]),
        "a" * 1_000_000,
    ],
)
def test_bad_lines_raise(line: str) -> None:
    parser = ZeekParser({})
    feed(parser, HEADER)
    with pytest.raises(ParserError):
        parser.parse(line.encode())


@pytest.mark.parametrize(
    "config", [{"path": 5}, {"fields": "ts,uid"}, {"types": ["time"]}, {"separator": ""}]
)
def test_bad_config(config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        ZeekParser(config)


def test_blank_lines_are_skipped() -> None:
    assert ZeekParser({}).parse(b"").messages == []


@settings(max_examples=300, deadline=1000)
@given(st.lists(st.binary(max_size=300), max_size=12))
def test_random_lines_parse_or_raise(lines: list[bytes]) -> None:
    parser = ZeekParser({})
    for raw in [line.encode() for line in HEADER] + lines:
        with contextlib.suppress(ParserError):
            parser.parse(raw)
