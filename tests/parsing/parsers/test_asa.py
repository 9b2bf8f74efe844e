"""The asa parser: header, message patterns, Metron's timestamp rules, quirks, bad input."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.base import ParserError
from metron.parsing.grok import Grok
from metron.parsing.parsers._asa import device_zone, grok_value, syslog_millis
from metron.parsing.parsers.asa import MAX_MESSAGE, TAG_PATTERNS, AsaParser
from metron.stellar.types import Long

CLOCK = datetime(2016, 1, 6, 1, 30, 30, tzinfo=UTC).timestamp()  # Metron's sample clock


def parser(**config: Any) -> AsaParser:
    p = AsaParser(config)
    p.clock = lambda: CLOCK
    return p


def parse(line: str | bytes, **config: Any) -> dict[str, Any]:
    raw = line.encode() if isinstance(line, str) else line
    result = parser(**config).parse(raw)
    assert len(result.messages) == 1 and not result.errors
    return result.messages[0]


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def test_connection_built_gives_every_metron_field() -> None:
    line = (
        "<166>Jan  5 08:52:35 fw-7 %ASA-6-302013: Built inbound TCP connection 42 for"
        " outside:198.51.100.7/51544 (198.51.100.7/51544) to dmz:10.9.0.5/443 (203.0.113.5/443)"
    )
    m = parse(line)
    assert orjson.loads(orjson.dumps(m)) == {
        "original_string": line,
        "timestamp": ms(2016, 1, 5, 8, 52, 35),
        "ciscotag": "ASA-6-302013",
        "syslog_severity": "info",
        "syslog_facility": "local4",
        "syslog_host": "fw-7",
        "ip_src_addr": "198.51.100.7",
        "ip_src_port": 51544,
        "ip_dst_addr": "10.9.0.5",
        "ip_dst_port": 443,
        "protocol": "tcp",
        "action": "built",
    }
    assert type(m["timestamp"]) is Long and type(m["ip_src_port"]) is int


def test_every_mapped_tag_has_a_compiled_pattern() -> None:
    grok = Grok.from_files(["/patterns/common", "/patterns/asa"])
    for label in set(TAG_PATTERNS.values()):
        assert grok.compile("%{" + label + "}").regex is not None
    assert len(TAG_PATTERNS) == 40


@pytest.mark.parametrize(
    ("tag", "body", "fields"),
    [
        (
            "ASA-4-106023",
            'Deny udp src inside:10.1.5.61/137 dst outside:192.0.2.255/137 by access-group "in" [0x1, 0x0]',
            {"ip_src_addr": "10.1.5.61", "ip_dst_port": 137, "protocol": "udp", "action": "deny"},
        ),
        (
            "ASA-5-106100",
            "access-list in permitted udp inside/10.1.2.3(5123)(ACME\\ml) -> outside/8.8.4.4(53)"
            " hit-cnt 17 300-second interval [0x4f, 0x1a]",
            {"ip_src_port": 5123, "ip_dst_addr": "8.8.4.4", "action": "permitted"},
        ),
        (
            "ASA-7-710003",
            "TCP access denied by ACL from 198.51.100.99/60000 to outside:198.51.100.2/22",
            {"action": "denied by acl", "ip_dst_port": 22},
        ),
        (
            "ASA-6-302020",
            "Built outbound ICMP connection for faddr 8.8.8.8/0 gaddr 198.51.100.2/7 laddr 10.1.7.21/7",
            {"ip_dst_addr": "8.8.8.8", "ip_src_addr": "10.1.7.21", "protocol": "icmp"},
        ),
        (
            "ASA-6-302015",
            "Built inbound UDP connection 9 for outside:2001:db8:44::15/500 (2001:db8:44::15/500)"
            " to inside:2001:db8:10::1/500 (2001:db8:10::1/500)",
            {"ip_src_addr": "2001:db8:44::15", "ip_dst_addr": "2001:db8:10::1"},
        ),
    ],
)
def test_message_patterns(tag: str, body: str, fields: dict[str, Any]) -> None:
    m = parse(f"<164>Mar 14 2019 07:21:16: %{tag}: {body}")
    assert {k: m.get(k) for k in fields} == fields


def test_quirks_metron_keeps() -> None:
    # 609001: the protocol is a WORD and "local-host" is not one, so nothing matches
    m = parse("<167>Mar 14 2019 07:21:42: %ASA-7-609001: Built local-host dmz:10.1.8.53")
    assert "ip_src_addr" not in m and m["ciscotag"] == "ASA-7-609001"
    # 313001: the lazy interface swallows nothing, so the destination is never read
    m = parse(
        "<163>Mar 14 2019 07:21:32: %ASA-3-313004: Denied ICMP type=0, code=0 from 10.1.1.1"
        " on interface inside to 10.1.1.200: no matching session"
    )
    assert m["ip_src_addr"] == "10.1.1.1" and "ip_dst_addr" not in m
    # 313005: both protocols are called protocol and the first wins
    m = parse(
        "<164>Mar 14 2019 07:21:34: %ASA-4-313005: No matching connection for ICMP error message:"
        " icmp src outside:203.0.113.90 dst inside:10.1.5.5 (type 3, code 1) on outside"
        " interface.  Original IP payload: tcp src 10.1.5.5/44321 dst 203.0.113.90/25."
    )
    assert m["protocol"] == "icmp" and "ip_src_addr" not in m
    # the severity is part of the key: ASA-3-106010 has no pattern, ASA-2-106010 has
    m = parse(
        "<163>Mar 14 2019 07:21:54: %ASA-3-106010: Deny inbound protocol 50 src o:1.2.3.4 dst o:5.6.7.8"
    )
    assert set(m) == {
        "original_string",
        "timestamp",
        "ciscotag",
        "syslog_severity",
        "syslog_facility",
    }
    # grok 0.1.0 turns digits into numbers: a numeric host is a number
    assert (
        parse("<166>Mar 14 2019 07:22:00 12345 %ASA-6-302010: 1 in use, 2 most used")["syslog_host"]
        == 12345
    )
    assert (
        parse("<166>Mar 14 2019 07:22:01 fw 007 %ASA-6-302010: 1 in use, 2 most used")[
            "syslog_prog"
        ]
        == 7
    )
    # ports read by Integer.parseInt: "+0022" is 22
    m = parse(
        "<164>Mar 14 2019 07:22:04: %ASA-4-106023: Deny tcp src o:203.0.113.4/+0022 dst i:10.1.0.2/022"
        ' by access-group "x" [0x0, 0x0]'
    )
    assert (m["ip_src_port"], m["ip_dst_port"]) == (22, 22)
    # facility and severity of any priority; unnamed facilities are "unknown"
    m = parse("<999>Mar 14 2019 07:22:12: %ASA-6-302010: 1 in use, 2 most used")
    assert (m["syslog_facility"], m["syslog_severity"]) == ("unknown", "debug")


@pytest.mark.parametrize(
    "line",
    [
        "-- MARK --",
        "",
        "<0>Mar 14 2019 07:22:14: %ASA-6-302010: 1 in use, 2 most used",  # POSINT
        "<99999999999>Mar 14 2019 07:22:13: %ASA-6-302010: 1 in use, 2 most used",
        "<166>Mar  5 2019 07:22:07: %ASA-6-302010: 1 in use, 2 most used",  # one-digit day + year
        "<166>Mar 14 19 07:22:08: %ASA-6-302010: 1 in use, 2 most used",  # two-digit year
        "<166>Mar 14 2019 7:22:09: %ASA-6-302010: 1 in use, 2 most used",  # one-digit hour
        "<166>Mar 14 2019 07:22:10.123: %ASA-6-302010: 1 in use, 2 most used",  # fraction
        "<166>March 14 2019 07:22:11: %ASA-6-302010: 1 in use, 2 most used",  # long month
        "<166>Mar 14 2019 07:22:60: %ASA-6-302010: 1 in use, 2 most used",  # second 60
        "<166>Jan 5 08:52:35 fw %ASA-6-302010: 1 in use, 2 most used",  # one space, one digit
        "<166>Feb 30 01:00:00 fw %ASA-6-302010: 1 in use, 2 most used",  # no year: invalid date
        '<166>Mar 14 2019 07:22:06: %ASA-6-302014"',  # message is a lone quote
        '<164>Mar 14 2019 07:22:02: %ASA-4-106023: Deny 50 src o:1.2.3.4 dst i:10.0.0.2 by access-group "x" [0x0, 0x0]',
        '<164>Mar 14 2019 07:22:03: %ASA-4-106023: Deny tcp src o:1.2.3.4/99999999999 dst i:10.0.0.2/22 by access-group "x" [0x0, 0x0]',
        "<166>Mar 14 2019 07:22:05: %ASA-7-609002: Teardown tcp o:1.2.3.4(') duration 0:00:01",
    ],
)
def test_errors_where_metron_fails(line: str) -> None:
    with pytest.raises(ParserError):
        parser().parse(line.encode())


def test_day_past_month_end_with_a_year_is_the_last_day() -> None:
    m = parse("<190>Feb 30 2015 12:00:00: %ASA-6-302010: 1 in use, 2 most used")
    assert int(m["timestamp"]) == ms(2015, 2, 28, 12, 0, 0)
    m = parse("<190>Apr 31 2016 12:00:00: %ASA-6-302010: 1 in use, 2 most used")
    assert int(m["timestamp"]) == ms(2016, 4, 30, 12, 0, 0)


@pytest.mark.parametrize(
    ("stamp", "now", "expected"),
    [
        ("Jan  5 08:52:35", (2016, 1, 6), (2016, 1, 5, 8, 52, 35)),
        ("Jan 10 00:00:00", (2016, 1, 6), (2016, 1, 10)),  # within four days ahead
        ("Jan 10 00:00:01", (2016, 1, 6), (2015, 1, 10, 0, 0, 1)),  # past four days: last year
        ("Dec 31 23:59:59", (2016, 1, 2), (2015, 12, 31, 23, 59, 59)),
        ("Jan 01 00:00:00", (2016, 12, 29), (2016, 1, 1)),  # never the next year
    ],
)
def test_year_is_derived_from_the_clock(
    stamp: str, now: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    now_ms = ms(*now)
    assert syslog_millis(stamp, UTC, now_ms) == ms(*expected)


def test_year_derivation_uses_the_device_zone() -> None:
    zone = device_zone("America/New_York")
    # 2016-03-13 02:30 does not exist in New York: java.time moves it an hour on
    now = ms(2016, 3, 10)
    assert syslog_millis("Mar 13 02:30:00", zone, now) == ms(2016, 3, 13, 7, 30)
    # 2016-11-06 01:30 happens twice: the earlier offset (EDT) wins
    assert syslog_millis("Nov 06 01:30:00", zone, ms(2016, 11, 5)) == ms(2016, 11, 6, 5, 30)
    m = parse(
        "<166>Aug 05 2016 01:01:34: %ASA-6-302010: 1 in use, 2 most used",
        deviceTimeZone="UTC-05:00",
    )
    assert int(m["timestamp"]) == ms(2016, 8, 5, 6, 1, 34)


@pytest.mark.parametrize(
    "zone", ["UTC", "Z", "GMT", "+05:30", "-0800", "+5", "UTC+01:00", "GMT-3", "Europe/Paris"]
)
def test_zone_ids_java_accepts(zone: str) -> None:
    assert device_zone(zone) is not None


@pytest.mark.parametrize(
    "zone", ["", "Mars/Olympus", "+19:00", "+5:30", "+05:3000", "america/new_york!", 5]
)
def test_zone_ids_java_rejects_are_config_errors(zone: Any) -> None:
    with pytest.raises(ConfigError):
        AsaParser({"deviceTimeZone": zone})


def test_grok_value_follows_integer_parse_int() -> None:
    assert grok_value("007") == 7 and grok_value("-5") == -5 and grok_value("+5") == 5
    assert grok_value("2147483648") == "2147483648" and grok_value("1_0") == "1_0"
    assert grok_value("+") == "+" and grok_value("") == "" and grok_value("٣") == "٣"


def test_line_is_read_as_utf8_whatever_the_charset() -> None:
    line = "<166>Mar 14 2019 07:22:22 fw %ASA-6-302010: 1 in use, 2 most used é"
    m = parser(readCharset="ISO-8859-1").parse(line.encode("utf-8")).messages[0]
    assert m["original_string"] == line


def test_garbage_and_wrong_encodings_give_errors_not_crashes() -> None:
    for raw in (
        b"\xff\xfe\x00<\x00",
        b"\x00" * 100,
        "<166>Mar 14 2019 07:22:22 %ASA".encode("utf-16"),
    ):
        with pytest.raises(ParserError):
            parser().parse(raw)
    bad = b"<166>Mar 14 2019 07:22:22 fw %ASA-6-302010: 1 in use, 2 most used \xff"
    assert parser().parse(bad).messages[0]["original_string"].endswith("used \ufffd")


def test_megabyte_lines_are_quick() -> None:
    head = "<166>Mar 14 2019 07:22:22: %ASA-4-106023: Deny tcp src "
    hostile = [
        head + "a:1.1.1.1(u) dst a:1.1.1.1(u) by access-group x [a, " * 20_000,
        "<166>Mar 14 2019 07:22:22 " + "a." * 500_000 + " %x",
        "<166>Mar 14 2019 07:22:22 " + "a." * 500_000,
        "<" + "1" * 1_000_000,
    ]
    for line in hostile:
        start = time.perf_counter()
        with contextlib.suppress(ParserError):
            parser().parse(line.encode())
        assert time.perf_counter() - start < 5


def test_long_messages_keep_the_header_only() -> None:
    body = (
        "Built inbound TCP connection 1 for o:1.2.3.4/1 to i:5.6.7.8/2 (" + "u" * MAX_MESSAGE + ")"
    )
    m = parse(f"<166>Mar 14 2019 07:22:22: %ASA-6-302013: {body}")
    assert "ip_src_addr" not in m and m["ciscotag"] == "ASA-6-302013"


def test_hostile_messages_within_the_limit_are_bounded() -> None:
    unit = "a:1.1.1.1(u) dst a:1.1.1.1(u) by access-group x [a, "
    body = (unit * (MAX_MESSAGE // len(unit) + 1))[: MAX_MESSAGE - 2]
    start = time.perf_counter()
    parser().parse(f"<166>Mar 14 2019 07:22:22: %ASA-4-106023: {body}".encode())
    assert time.perf_counter() - start < 2


def test_validate_needs_original_string_and_timestamp() -> None:
    p = parser()
    assert p.validate({"original_string": "x", "timestamp": None})
    assert not p.validate({"original_string": "x"})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    try:
        result = parser().parse(b"<166>Mar 14 2019 07:22:22: %ASA-6-302013: " + raw)
    except ParserError:
        return
    assert len(result.messages) == 1


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(TAG_PATTERNS)), st.text(max_size=200))
def test_random_messages_for_every_tag_parse_or_raise(tag: str, text: str) -> None:
    try:
        result = parser().parse(f"<166>Mar 14 2019 07:22:22: %{tag}: {text}".encode())
    except ParserError:
        return
    assert result.messages[0]["ciscotag"] == tag
