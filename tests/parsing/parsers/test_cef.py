"""The cef parser: Metron's CEFParser field for field, its quirks, and bad input."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import MetronError
from metron.parsing.base import ParserError
from metron.parsing.parsers import _syslogtime, cef
from metron.parsing.parsers.cef import CefParser

NOW = 1_700_000_000_000  # 2023-11-14T22:13:20Z


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_syslogtime, "now_ms", lambda: NOW)
    monkeypatch.setattr(cef, "now_ms", lambda: NOW)


def parse_one(text: str) -> dict[str, Any]:
    result = CefParser().parse(text.encode())
    assert result.errors == []
    assert len(result.messages) == 1
    return result.messages[0]


HEADER = "CEF:0|Acme|Edge|2.1|4001|Connection denied|"


def test_header_and_extension_fields_with_metron_names() -> None:
    m = parse_one(
        HEADER + "7|src=198.51.100.4 spt=5050 dst=203.0.113.9 dpt=22 act=deny app=ssh proto=TCP"
    )
    assert m == {
        "DeviceVendor": "Acme",
        "DeviceProduct": "Edge",
        "DeviceVersion": "2.1",
        "DeviceEvent": "4001",
        "Name": "Connection denied",
        "Severity": 7,
        "ip_src_addr": "198.51.100.4",
        "ip_src_port": 5050,
        "ip_dst_addr": "203.0.113.9",
        "ip_dst_port": 22,
        "deviceAction": "deny",
        "protocol": "ssh",
        "proto": "TCP",
        "original_string": m["original_string"],
        "timestamp": NOW,
    }


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("0", 0),
        ("10", 10),
        ("07", 7),
        ("+9", 9),
        ("Low", 2),
        ("Medium", 5),
        ("High", 8),
        ("Very-High", 10),
        ("Unknown", 0),
        ("low", 0),
        ("100", 0),
    ],
)
def test_severity_numbers_and_words(severity: str, expected: int) -> None:
    assert parse_one(f"CEF:0|V|P|1|E|N|{severity}|a=b")["Severity"] == expected


@pytest.mark.parametrize("severity", ["", "x", " 7", "7 "])
def test_short_non_numeric_severity_is_an_error(severity: str) -> None:
    with pytest.raises(ParserError):
        CefParser().parse(f"CEF:0|V|P|1|E|N|{severity}|a=b".encode())


def test_labels_rename_custom_fields_and_disappear() -> None:
    m = parse_one(HEADER + "3|cs1Label=Rule Name cs1=allow all cn1=5 cs2Label=Unused")
    assert m["Rule Name"] == "allow all"
    assert m["cn1"] == "5"
    assert not any(k.startswith("cs") for k in m)


def test_escapes_are_kept_and_only_unescaped_equals_split() -> None:
    m = parse_one(HEADER + r"3|msg=a\=b c\\d request=/q?x\=1 path=C:\\tmp")
    assert m["msg"] == r"a\=b c\\d"
    assert m["request"] == r"/q?x\=1"
    assert m["path"] == r"C:\\tmp"


def test_a_value_without_a_space_before_the_next_equals_is_lost() -> None:
    m = parse_one(HEADER + "3|a=1=2 b=3")
    assert (m["a"], m["b"]) == ("2", "3")


def test_the_last_cef_header_on_the_line_wins() -> None:
    m = parse_one("CEF:0|a|b|c|d|e|1|x=CEF:0|V|P|1|E|N|2|k=v")
    assert (m["DeviceVendor"], m["Severity"], m["k"]) == ("V", 2, "v")
    assert "x" not in m


@pytest.mark.parametrize(
    ("rt", "expected"),
    [
        ("1690001234567", 1690001234567),
        ("Jun 02 2023 17:45:10 UTC", 1685727910000),
        ("Jul 19 2023 06:30:00.125 -0500", 1689766200125),
        ("Feb 09 2015 00:27:43", 1423441663000),
        ("05 January 2019 10:11:12", 1546683072000),
        ("Nov 01 10:00:00", 1698832800000),  # no year: this year
        ("Dec 25 10:00:00", 1671962400000),  # more than four days ahead: the year before
    ],
)
def test_rt_formats(rt: str, expected: int) -> None:
    assert parse_one(HEADER + f"3|rt={rt} src=192.0.2.1")["timestamp"] == expected


def test_syslog_timestamps_and_host() -> None:
    iso = parse_one("<134>2023-03-14T09:01:07+01:00 CEF:0|V|P|1|E|N|3|a=b")
    assert iso["timestamp"] == 1678780867000 and "host" not in iso
    bsd = parse_one("<134>Nov 10 08:00:00 CEF:0|V|P|1|E|N|3|a=b")
    assert bsd["timestamp"] == 1699603200000
    assert parse_one("<13>fw01.example CEF:0|V|P|1|E|N|3|a=b")["host"] == "fw01.example"
    # Metron's host pattern has no '-': the host is cut at the first one
    assert parse_one("<13>fw-01 CEF:0|V|P|1|E|N|3|a=b")["host"] == "fw"


def test_no_header_gives_nothing() -> None:
    assert CefParser().parse(b"plain text, no header").messages == []
    assert CefParser().parse(b"").messages == []


@pytest.mark.parametrize(
    "text",
    [
        HEADER + "3|",  # no key at all: Metron's NullPointerException
        HEADER + "3|spt=http",
        HEADER + "3|dpt=99999999999",
        HEADER + "3|rt=yesterday",
        HEADER + "3|rt=99999999999999999999",
        HEADER + "3|msg=one\u2028two",  # a line break in the extension
        "first line\n" + HEADER + "3|a=b",  # a line break before the header
    ],
)
def test_bad_records_are_errors(text: str) -> None:
    with pytest.raises(ParserError):
        CefParser().parse(text.encode())


def test_line_breaks_inside_the_header_are_allowed() -> None:
    assert parse_one("CEF:0|V|P|1|E|two\nlines|3|a=b")["Name"] == "two\nlines"


def test_read_charset() -> None:
    raw = (HEADER + "3|msg=caf\u00e9").encode("latin-1")
    m = CefParser({"readCharset": "ISO-8859-1"}).parse(raw).messages[0]
    assert m["msg"] == "caf\u00e9"


@pytest.mark.parametrize(
    "text",
    [
        "CEF:0|" * 200_000,
        "a" * 1_000_000,
        HEADER + "3|" + "=" * 1_000_000,
        HEADER + "3|" + "k=v " * 250_000,
        "<13>" + "Jan 1 " * 100_000 + "CEF:0|" + "|" * 5,
        "CEF:0|" + "x" * 500_000 + "\n" + "CEF:0|" * 1000,
    ],
)
def test_megabyte_and_adversarial_input_is_quick(text: str) -> None:
    start = time.perf_counter()
    with contextlib.suppress(ParserError):
        CefParser().parse(text.encode())
    assert time.perf_counter() - start < 2.0


@settings(max_examples=300, deadline=1000)
@given(
    st.binary(max_size=400) | st.text(alphabet="CEF:0|=\\ \nab1<>-", max_size=200).map(str.encode)
)
def test_any_bytes_parse_or_fail_cleanly(raw: bytes) -> None:
    try:
        result = CefParser().parse(raw)
    except MetronError:
        return
    for m in result.messages:
        assert isinstance(m["Severity"], int) and isinstance(m["timestamp"], int)
