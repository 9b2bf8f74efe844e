"""The syslog5424 parser: simple-syslog 0.0.3's fields as Metron configures it, and bad input."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError, MetronError
from metron.parsing.parsers import _syslog
from metron.parsing.parsers.syslog5424 import Syslog5424Parser

LINE = (
    '<165>1 2023-05-04T10:22:31.447Z web-07.example.net nginx 2231 ACCESS [req@32473 method="GET"'
    ' path="/a\\"b\\]c"][geo@1 cc="NL"] GET /index.html served '
)


def parse_one(text: str, **config: Any) -> dict[str, Any]:
    result = Syslog5424Parser(config).parse(text.encode())
    assert result.errors == []
    assert len(result.messages) == 1
    return result.messages[0]


def test_all_fields() -> None:
    assert parse_one(LINE) == {
        "syslog.header.pri": "165",
        "syslog.header.severity": "5",
        "syslog.header.facility": "20",
        "syslog.header.version": "1",
        "syslog.header.timestamp": "2023-05-04T10:22:31.447Z",
        "syslog.header.hostName": "web-07.example.net",
        "syslog.header.appName": "nginx",
        "syslog.header.procId": "2231",
        "syslog.header.msgId": "ACCESS",
        "syslog.structuredData.req@32473.method": "GET",
        "syslog.structuredData.req@32473.path": '/a\\"b\\]c',
        "syslog.structuredData.geo@1.cc": "NL",
        "syslog.message": "GET /index.html served",
        "original_string": LINE,
        "timestamp": 1683195751447,
    }


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("OMIT", {}),
        ("DASH", {"syslog.header.procId": "-", "syslog.header.msgId": "-"}),
        ("NULL", {"syslog.header.procId": None, "syslog.header.msgId": None}),
    ],
)
def test_nil_policy(policy: str, expected: dict[str, Any]) -> None:
    m = parse_one("<14>1 2023-05-04T10:22:31Z host app - - - hello", nilPolicy=policy)
    assert {
        k: v for k, v in m.items() if k in ("syslog.header.procId", "syslog.header.msgId")
    } == expected


def test_default_policy_is_omit_and_bad_policies_are_config_errors() -> None:
    assert "syslog.header.procId" not in parse_one("<14>1 2023-05-04T10:22:31Z h a - - - x")
    for bad in ("dash", "NONE", 1):
        with pytest.raises(ConfigError):
            Syslog5424Parser({"nilPolicy": bad})


def test_nil_timestamp_gives_the_current_time_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_syslog.time, "time", lambda: 1_700_000_000.9)
    assert parse_one("<14>1 - host app - - - x")["timestamp"] == 1_700_000_000


def test_priority_and_version_may_be_missing() -> None:
    m = parse_one("2023-05-04T10:23:00Z relay-1 postfix 812 - - queued")
    assert "syslog.header.pri" not in m and "syslog.header.version" not in m
    m = parse_one("<014>12023-05-04T10:23:00Z h a p m - x")  # version 1 glued to the year
    assert (m["syslog.header.pri"], m["syslog.header.severity"], m["syslog.header.version"]) == (
        "014",
        "6",
        "1",
    )


def test_messages_and_structured_data_edges() -> None:
    assert "syslog.message" not in parse_one("<14>1 2023-05-04T10:22:31Z h a p m -")
    assert "syslog.message" not in parse_one("<14>1 2023-05-04T10:22:31Z h a p m - ")
    assert parse_one("<14>1 2023-05-04T10:22:31Z h a p m -    ")["syslog.message"] == ""
    # an element that does not parse after a good one starts the message
    m = parse_one('<14>1 2023-05-04T10:23:09Z h a - - [ok@1 a="1"][broken b=2] tail')
    assert (m["syslog.structuredData.ok@1.a"], m["syslog.message"]) == ("1", "[broken b=2] tail")
    # empty fields between two spaces are empty strings
    assert parse_one("<14>1 2023-05-04T10:22:31Z  a p m - x")["syslog.header.hostName"] == ""


def test_each_line_is_a_message_with_the_whole_record_as_original_string() -> None:
    raw = "<14>1 2023-05-04T10:22:31Z h a p m - one\r\n\n<14>1 2023-05-04T10:22:32Z h a p m - two"
    result = Syslog5424Parser().parse(raw.encode())
    assert [m["syslog.message"] for m in result.messages] == ["one", "two"]
    assert all(m["original_string"] == raw for m in result.messages)
    assert [line for line, _ in result.errors] == [""]  # the blank line


@pytest.mark.parametrize(
    "line",
    [
        "<14>1 2023-05-04T10:23:05Z host app - - - price \u20ac5",  # beyond U+00FF
        "<14>1 2023-05-04 10:23:05 host app - - - x",
        "<14>1 2023-05-04T10:23:05.1234567Z host app - - - x",
        "<14>1 2023-02-30T00:00:00Z host app - - - x",
        "<14>1 2023-05-04T24:00:00Z host app - - - x",
        "<1234>1 2023-05-04T10:23:05Z host app - - - x",
        "<14>1 2023-05-04T10:23:05Z host app - - [bad x] x",
        "<14>1 2023-05-04T10:23:05Z host app - -",
        "87 <14>1 2023-05-04T10:23:05Z host app - - - octet-counted framing is not read",
        "   ",
    ],
)
def test_bad_lines_are_errors_for_that_line(line: str) -> None:
    result = Syslog5424Parser().parse(line.encode())
    assert result.messages == []
    assert [key for key, _ in result.errors] == [line]


def test_error_order_is_metrons() -> None:
    # Metron keys errors by line in a HashMap copied into another: this is its order.
    lines = ["2014-06-20T09:14:07+00:loggregator", " app - - - hello"]
    result = Syslog5424Parser().parse("\n".join(lines).encode())
    assert [key for key, _ in result.errors] == lines


@pytest.mark.parametrize(
    "text",
    [
        "<14>1 2023-05-04T10:22:31Z h a p m [a" + ' b="c"' * 150_000,
        "<14>1 2023-05-04T10:22:31Z h a p m " + "[x]" * 300_000 + "]",
        "<14>1 2023-05-04T10:22:31Z h a p m - " + "m" * 1_000_000,
        "<1>" * 300_000,
        "\n" * 200_000,
    ],
)
def test_megabyte_and_adversarial_input_is_quick(text: str) -> None:
    start = time.perf_counter()
    Syslog5424Parser().parse(text.encode())
    assert time.perf_counter() - start < 3.0


@settings(max_examples=300, deadline=1000)
@given(
    st.binary(max_size=300)
    | st.text(alphabet='<>0123- T:Z[]="\\ab\n', max_size=150).map(str.encode)
)
def test_any_bytes_parse_or_fail_cleanly(raw: bytes) -> None:
    try:
        result = Syslog5424Parser({"nilPolicy": "DASH"}).parse(raw)
    except MetronError:
        return
    for m in result.messages:
        assert isinstance(m["timestamp"], int)
