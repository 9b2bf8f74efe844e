"""The suricata parser: EVE events flattened, with Metron's 5-tuple and timestamp."""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.base import ParserError
from metron.parsing.parsers.suricata import SuricataParser, eve_millis
from metron.stellar.types import Long


def parse(event: dict[str, Any] | bytes) -> dict[str, Any]:
    raw = event if isinstance(event, bytes) else orjson.dumps(event)
    (message,) = SuricataParser({}).parse(raw).messages
    return message


def test_alert_is_flattened_with_metron_fields() -> None:
    m = parse(
        {
            "timestamp": "2024-04-01T09:41:07.318204+0000",
            "flow_id": 1436281947211035,
            "event_type": "alert",
            "src_ip": "192.0.2.61",
            "src_port": 44817,
            "dest_ip": "10.30.4.12",
            "dest_port": 80,
            "proto": "TCP",
            "alert": {"signature_id": 2024897, "metadata": {"tag": ["a", "b"]}},
        }
    )
    assert m == {
        "timestamp": Long(1711964467318),
        "suricata_timestamp": "2024-04-01T09:41:07.318204+0000",
        "flow_id": Long(1436281947211035),
        "event_type": "alert",
        "ip_src_addr": "192.0.2.61",
        "ip_src_port": 44817,
        "ip_dst_addr": "10.30.4.12",
        "ip_dst_port": 80,
        "protocol": "TCP",
        "alert.signature_id": 2024897,
        "alert.metadata.tag": ["a", "b"],
    }


def test_lists_of_objects_stay_lists() -> None:
    m = parse({"timestamp": "2024-04-01T00:00:00Z", "dns": {"answers": [{"ttl": 5000000000}]}})
    assert m["dns.answers"] == [{"ttl": Long(5000000000)}]


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("2024-04-01T09:41:07.318204+0000", 1711964467318),
        ("2024-04-01T11:41:07.3+02:00", 1711964467300),
        ("2024-04-01T04:41:07-0500", 1711964467000),
        ("2024-04-01T09:41:07Z", 1711964467000),
        ("2024-04-01T09:41:07.999999999", 1711964467999),
        ("1969-12-31T23:59:59.5+0000", -500),
    ],
)
def test_eve_timestamps(text: str, millis: int) -> None:
    assert eve_millis(text) == millis


def test_stats_event_has_no_tuple() -> None:
    m = parse(
        {
            "timestamp": "2024-04-01T09:42:00.000114+0000",
            "event_type": "stats",
            "stats": {"uptime": 5},
        }
    )
    assert m["stats.uptime"] == 5 and "ip_src_addr" not in m and "protocol" not in m


def test_event_without_timestamp_fails_validation() -> None:
    parser = SuricataParser({})
    (m,) = parser.parse(b'{"event_type":"alert"}').messages
    assert not parser.validate({**m, "original_string": "x"})


@pytest.mark.parametrize(
    "raw",
    [
        b'{"timestamp":"yesterday"}',
        b'{"timestamp":"2024-02-30T00:00:00Z"}',
        b'{"timestamp":"2024-04-01T24:00:00Z"}',
        b'{"timestamp":17119644}',
        b"[]",
        b"nope",
        b"",
        b'{"a":',
        b"[" * 100_000,
    ],
)
def test_bad_records_raise(raw: bytes) -> None:
    with pytest.raises(ParserError):
        SuricataParser({}).parse(raw)


def test_invalid_utf8_is_replaced() -> None:
    assert parse(b'{"timestamp":"2024-04-01T00:00:00Z","s":"a\xffb"}')["s"] == "a\ufffdb"


@settings(max_examples=300, deadline=1000)
@given(st.binary(max_size=2000))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    with contextlib.suppress(ParserError):
        SuricataParser({}).parse(raw)


@settings(max_examples=300, deadline=1000)
@given(st.text(max_size=40))
def test_random_timestamps_parse_or_raise(text: str) -> None:
    with contextlib.suppress(ValueError):
        eve_millis(text)
