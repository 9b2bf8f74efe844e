"""The leef parser: Metron's LEEFParser field for field, its quirks, and bad input."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import MetronError
from metron.parsing.base import ParserError
from metron.parsing.parsers import _syslogtime, leef
from metron.parsing.parsers.leef import LeefParser

NOW = 1_700_000_000_000  # 2023-11-14T22:13:20Z


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_syslogtime, "now_ms", lambda: NOW)
    monkeypatch.setattr(leef, "now_ms", lambda: NOW)


def parse_one(text: str) -> dict[str, Any]:
    result = LeefParser().parse(text.encode())
    assert result.errors == []
    assert len(result.messages) == 1
    return result.messages[0]


def test_leef_1_0_tab_separated_with_metron_names() -> None:
    m = parse_one(
        "LEEF:1.0|Northwind|Badge|2.3|door|src=203.0.113.14\tdst=203.0.113.2\t"
        "srcPort=40122\tdstPort=443\tusrName=kpatel"
    )
    assert m == {
        "DeviceVendor": "Northwind",
        "DeviceProduct": "Badge",
        "DeviceVersion": "2.3",
        "DeviceEvent": "door",
        "ip_src_addr": "203.0.113.14",
        "ip_src_port": 40122,
        "ip_dst_addr": "203.0.113.2",
        "ip_dst_port": 443,
        "usrName": "kpatel",
        "original_string": m["original_string"],
        "timestamp": NOW,
    }


def test_leef_2_0_delimiters() -> None:
    assert parse_one("LEEF:2.0|V|P|1|E|^|a=1^b=2")["b"] == "2"
    assert parse_one("LEEF:2.0|V|P|1|E|a=1\tb=2")["b"] == "2"  # none given: tab
    assert parse_one("LEEF:2.0|V|P|1|E||a=1\tb=2")["b"] == "2"  # empty: tab
    assert parse_one("LEEF:2.0|V|P|1|E|^|a=1\\^x^b=2")["a"] == "1\\^x"  # escaped: kept
    # the delimiter field is a regex class: "x09" splits at x, 0 and 9 (hex is not decoded)
    m = parse_one("LEEF:2.0|V|P|1|E|x09|k=1x2=3")
    assert (m["k"], m["2"]) == ("1", "3")
    # a wrongly used delimiter leaves one attribute: a=b=c keeps b
    assert parse_one("LEEF:2.0|V|P|1|E|^| src=192.0.2.0\tdst=192.0.2.9")["ip_src_addr"] == (
        "192.0.2.0\tdst"
    )


def test_leef_0_reads_cef_style_extensions_with_labels() -> None:
    m = parse_one("LEEF:0|Umbrella|Proxy|6.7|block| src=192.0.2.15 cs1=gambling cs1Label=Category")
    assert (m["ip_src_addr"], m["Category"]) == ("192.0.2.15", "gambling")


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ("devTime=1692627000000", 1692627000000),
        ("devTime=Aug 21 2023 14:05:33.412 GMT", 1692626733412),
        ("devTime=Aug 21 2023 14:05:33", 1692626733000),
        ("devTime=2023-08-22 09:15:00\tdevTimeFormat=yyyy-MM-dd HH:mm:ss", 1692695700000),
        ("devTime=Nov 01 10:00:00.000\tdevTimeFormat=MMM dd HH:mm:ss.SSS", 1698832800000),
    ],
)
def test_dev_time(attributes: str, expected: int) -> None:
    assert parse_one("LEEF:1.0|V|P|1|E|" + attributes)["timestamp"] == expected


def test_syslog_timestamp_and_host_when_no_dev_time() -> None:
    m = parse_one("<30>2023-08-21T14:05:40Z LEEF:2.0|V|P|1|E|a=1")
    assert m["timestamp"] == 1692626740000 and "host" not in m
    assert parse_one("<12>printsrv LEEF:1.0|V|P|1|E|a=1")["host"] == "printsrv"


def test_each_line_is_an_event_and_other_lines_are_skipped() -> None:
    raw = "LEEF:1.0|V|P|1|E|a=1\r\nnoise\nLEEF:1.0|V|P|1|E|a=2\n"
    result = LeefParser().parse(raw.encode())
    assert [m["a"] for m in result.messages] == ["1", "2"]
    assert [m["original_string"] for m in result.messages] == [
        "LEEF:1.0|V|P|1|E|a=1",
        "LEEF:1.0|V|P|1|E|a=2",
    ]


def test_an_unreadable_dev_time_is_an_error_for_its_line_only() -> None:
    bad = "LEEF:1.0|V|P|1|E|devTime=last week"
    result = LeefParser().parse(f"{bad}\nLEEF:1.0|V|P|1|E|a=1\n{bad}".encode())
    assert len(result.messages) == 1
    assert [line for line, _ in result.errors] == [bad]  # one error per distinct line


@pytest.mark.parametrize(
    "text",
    [
        "LEEF:1.0|V|P|1|E|a=1\tstapler",  # no '='
        "LEEF:1.0|V|P|1|E|a=1\t\tb=2",  # an empty attribute
        "LEEF:1.0|V|P|1|E|",  # nothing at all
        "LEEF:|V|P|1|E|a=1",  # no version: Metron's NullPointerException
        "LEEF:2.0|V|P|1|E|[|a=1",  # not a valid regex class
        "LEEF:1.0|V|P|1|E|srcPort=http",
        "LEEF:1.0|V|P|1|E|devTime=1\tdevTimeFormat=qqq",  # bad pattern, even if unused
        "LEEF:1.0|V|P|1|E|devTime=99999999999999999999",
    ],
)
def test_bad_records_are_errors(text: str) -> None:
    with pytest.raises(ParserError):
        LeefParser().parse(text.encode())


@pytest.mark.parametrize(
    "text",
    [
        "LEEF:2.0|" * 200_000,
        "x" * 1_000_000,
        "LEEF:1.0|V|P|1|E|" + "k=v\t" * 200_000 + "k=v",
        "LEEF:0|V|P|1|E|" + "=" * 1_000_000,
        "LEEF:2.0|V|P|1|E|^|" + "\\^" * 500_000,
    ],
)
def test_megabyte_and_adversarial_input_is_quick(text: str) -> None:
    start = time.perf_counter()
    with contextlib.suppress(ParserError):
        LeefParser().parse(text.encode())
    assert time.perf_counter() - start < 2.0


@settings(max_examples=300, deadline=1000)
@given(
    st.binary(max_size=400) | st.text(alphabet="LEF:0.12|=\t^\\ \nax", max_size=200).map(str.encode)
)
def test_any_bytes_parse_or_fail_cleanly(raw: bytes) -> None:
    try:
        result = LeefParser().parse(raw)
    except MetronError:
        return
    for m in result.messages:
        assert isinstance(m["timestamp"], int)
