"""The fireeye parser: CEF pairs of single-part alerts, the lenient timestamp, quirks."""

from __future__ import annotations

import contextlib
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.base import ParserError
from metron.parsing.parsers._fireeye import PAIR_REGEX, convert_to_epoch, pairs
from metron.parsing.parsers.fireeye import FireEyeParser
from metron.stellar.types import Long

YEAR = time.gmtime().tm_year


def parse(line: str | bytes, **config: Any) -> dict[str, Any]:
    raw = line.encode() if isinstance(line, str) else line
    result = FireEyeParser(config).parse(raw)
    assert len(result.messages) == 1 and not result.errors
    return result.messages[0]


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def test_single_part_alert() -> None:
    line = (
        "<164>Apr 22 13:05:11 10.3.1.5 fenotify-44.alert: CEF:0|FireEye|CMS|8.1|DM|domain-match|1|"
        "rt=Apr 22 2024 13:05:10 UTC dvc=10.3.2.17 cn3Label=cncPort cn3=53 proto=udp spt=61007"
        " src=10.3.2.17 dst=203.0.113.9 cs1Label=sname cs1=Trojan.Generic.DNS"
    )
    m = parse(line)
    assert type(m["timestamp"]) is Long and int(m["timestamp"]) == ms(YEAR, 4, 22, 13, 5, 11)
    del m["timestamp"]
    assert m == {
        "original_string": line,
        "dvc": "10.3.2.17",
        "dst_portLabel": "cncPort",
        "dst_potimestamp": "53",  # "dst_port=" contains "rt=", renamed after cn3 became dst_port
        "protocol": "udp",
        "src_port": "61007",
        "src_ip": "10.3.2.17",
        "dst_ip": "203.0.113.9",
        "ip_src_addr": "10.3.2.17",
        "ip_src_port": "61007",
        "ip_dst_addr": "203.0.113.9",
    }  # the last word (cs1=...) is left out, and cs1Label=sname then has no blank after it


def test_repeated_keys_join_and_text_before_the_priority_is_dropped() -> None:
    m = parse(
        "relay x <164>Apr 22 13:05:11 10.3.1.5 fenotify-1.alert: C|dvc=1.1.1.1 dvc=2.2.2.2 z=1 end"
    )
    assert m["dvc"] == "1.1.1.1 ,2.2.2.2" and m["original_string"].startswith("<164>Apr")


def test_multi_part_alerts_keep_only_the_line() -> None:
    m = parse("<164>fenotify-44.2.alert: ::~~Host: x::~~ dmac=00:1c cs1=a b=c ")
    assert set(m) == {"original_string", "timestamp"} and int(m["timestamp"]) == 0


def test_lenient_timestamps() -> None:
    assert convert_to_epoch("feb", "30", "25:61:61", 2015) == ms(2015, 3, 3, 2, 2, 1)
    assert convert_to_epoch("DEC", "0", "0:0:0", 2015) == ms(2015, 11, 30)
    # intValue() of a number beyond an int, and a date before 1582 (Julian)
    assert convert_to_epoch("Jan", "4294967297", "0:0:0", 2015) == ms(2015, 1, 1)
    assert convert_to_epoch("Dec", "00199999999999", "99999999999:0:0", 2026) == -156624690675600000
    with pytest.raises(ValueError):
        convert_to_epoch("Foo", "1", "0:0:0", 2015)


@pytest.mark.parametrize(
    "line",
    [
        "<164>fenotify-1.alert: too-short",
        "",
        "<164>Foo 22 13:05:11 10.3.1.5 fenotify-1.alert: C|dvc=1.1.1.1 end",
    ],
)
def test_errors(line: str) -> None:
    with pytest.raises(ParserError):
        FireEyeParser({}).parse(line.encode())


def test_megabyte_lines_are_quick() -> None:
    lines = (
        "<164>Apr 22 13:05:11 1.1.1.1 fenotify-1.alert: " + "a=" * 500_000,
        "<164>Apr 22 13:05:11 1.1.1.1 fenotify-1.alert: " + "a=b " * 250_000,
        "<1>" * 300_000,
        "Apr " * 250_000,
    )
    for line in lines:
        start = time.perf_counter()
        with contextlib.suppress(ParserError):
            FireEyeParser({}).parse(line.encode())
        assert time.perf_counter() - start < 5


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    try:
        result = FireEyeParser({}).parse(b"<164>Apr 22 13:05:11 1.1.1.1 fenotify-1.alert: " + raw)
    except ParserError:
        return
    assert len(result.messages) == 1


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "b1", "=", "= ", " ", "  ", "\t", "\r", "\n", "\u2028", "\x85", "é", "z="]
        ),
        max_size=16,
    )
)
def test_pairs_scan_finds_what_metrons_regex_finds(parts: list[str]) -> None:
    text = "".join(parts)
    regex = [(m.group(1), m.group(2) + " ") for m in re.finditer(PAIR_REGEX, text)]
    assert pairs(text) == regex
