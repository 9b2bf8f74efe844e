"""The syslog3164 parser: simple-syslog 0.0.3's fields, Metron's year-less timestamps."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError, MetronError
from metron.parsing.parsers import _syslogtime
from metron.parsing.parsers.syslog3164 import Syslog3164Parser

NOW = 1_700_000_000_000  # 2023-11-14T22:13:20Z


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_syslogtime, "now_ms", lambda: NOW)


def parse_one(text: str, **config: Any) -> dict[str, Any]:
    result = Syslog3164Parser(config).parse(text.encode())
    assert result.errors == []
    assert len(result.messages) == 1
    return result.messages[0]


def test_all_fields() -> None:
    line = "<38>Oct  3 14:07:22 gateway-2 sshd[4411]: Accepted publickey for deploy"
    assert parse_one(line) == {
        "syslog.header.pri": "38",
        "syslog.header.severity": "6",
        "syslog.header.facility": "4",
        "syslog.header.timestamp": "Oct  3 14:07:22",
        "syslog.header.hostName": "gateway-2",
        "syslog.message": "sshd[4411]: Accepted publickey for deploy",
        "original_string": line,
        "timestamp": 1696342042000,  # 2023-10-03T14:07:22Z
    }


@pytest.mark.parametrize(
    ("stamp", "zone", "expected"),
    [
        ("Nov 18 22:13:20", None, 1700345600000),  # four days ahead: still this year
        ("Nov 19 22:13:21", None, 1668896001000),  # more: the year before
        ("Oct 10 12:00:00", "America/Chicago", 1696957200000),
        ("Oct 10 12:00:00", "UTC-05:00", 1696957200000),
        ("Oct 10 12:00:00", "+05:30", 1696919400000),
        ("Jan 12 24:00:00", None, 1673481600000),  # java.time: 24:00:00 is midnight
        ("2023-06-07T08:09:10.123+02:00", "Asia/Tokyo", 1686118150123),
    ],
)
def test_timestamps_in_the_device_zone(stamp: str, zone: str | None, expected: int) -> None:
    config = {} if zone is None else {"deviceTimeZone": zone}
    assert parse_one(f"<13>{stamp} host msg", **config)["timestamp"] == expected


def test_priority_may_be_missing_and_the_message_may_be_empty() -> None:
    m = parse_one("Nov 30 23:59:59 nopri-host cron[77]: run")
    assert "syslog.header.pri" not in m and m["syslog.message"] == "cron[77]: run"
    assert parse_one("<13>Mar 14 01:02:03 quiet ")["syslog.message"] == ""
    assert parse_one("<13>Mar 14 01:02:03  no host")["syslog.header.hostName"] == ""


def test_unsupported_timestamp_shapes_are_errors_keyed_by_the_record() -> None:
    raw = "<13>Jan 5 08:52:35 host one space, one digit\n<13>Jan 05 08:52:35 host fine"
    result = Syslog3164Parser().parse(raw.encode())
    assert len(result.messages) == 1
    assert [key for key, _ in result.errors] == [raw]


@pytest.mark.parametrize(
    "line",
    [
        "<13>Feb 30 10:00:00 host impossible day",
        "<13>Foo 12 10:00:00 host unknown month",
        "<13>Jan 12 23:60:00 host bad minute",
        "<13>Foo bar baz",
        "<13>Jan 12 10:00:00 host",  # no space after the host
        "<13>Jan 12 10:00:00 h\u0101st",
    ],
)
def test_bad_lines_are_errors_for_that_line(line: str) -> None:
    result = Syslog3164Parser().parse(line.encode())
    assert result.messages == []
    assert [key for key, _ in result.errors] == [line]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "+19:00", "UTC+5:", 5])
def test_bad_device_time_zone_is_a_config_error(zone: object) -> None:
    with pytest.raises(ConfigError):
        Syslog3164Parser({"deviceTimeZone": zone})


@pytest.mark.parametrize(
    "text",
    [
        "<13>Jan 12 10:00:00 " + "h" * 1_000_000 + " m",
        "<13>Jan 12 10:00:00 host " + "m" * 1_000_000,
        "Jan  " * 200_000,
        "<13>Jan 12 10:00:00 host m\n" * 20_000,
    ],
)
def test_megabyte_and_adversarial_input_is_quick(text: str) -> None:
    start = time.perf_counter()
    Syslog3164Parser().parse(text.encode())
    assert time.perf_counter() - start < 3.0


@settings(max_examples=300, deadline=1000)
@given(
    st.binary(max_size=300) | st.text(alphabet="<>0123 :JanFeb-T\n.x", max_size=100).map(str.encode)
)
def test_any_bytes_parse_or_fail_cleanly(raw: bytes) -> None:
    try:
        result = Syslog3164Parser({"deviceTimeZone": "Europe/Paris"}).parse(raw)
    except MetronError:
        return
    for m in result.messages:
        assert isinstance(m["timestamp"], int)
