"""The snort parser: Snort's 27 CSV columns, a java.time timestamp, is_alert."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.base import ParserError
from metron.parsing.parsers.snort import FIELD_NAMES, SnortParser
from metron.stellar.types import Long

LINE = (
    '06/02/23-21:14:07.300811 ,1,2018959,4,"ET POLICY PE EXE or DLL Windows file download, HTTP",'
    "TCP,198.51.100.61,80,10.11.12.13,52044,00:0c:29:aa:bb:01,00:0c:29:cc:dd:02,0x5EA,***A****,"
    "0x1C2B3A49,0x0F0E0D0C,,0xFAF0,118,0,2207,1500,1536000,,,,"
)


def test_every_column_and_the_constant_fields() -> None:
    (m,) = SnortParser({}).parse(LINE.encode()).messages
    assert m == {
        "timestamp": Long(1685740447300),
        "sig_generator": "1",
        "sig_id": "2018959",
        "sig_rev": "4",
        "msg": "ET POLICY PE EXE or DLL Windows file download, HTTP",
        "protocol": "TCP",
        "ip_src_addr": "198.51.100.61",
        "ip_src_port": "80",
        "ip_dst_addr": "10.11.12.13",
        "ip_dst_port": "52044",
        "ethsrc": "00:0c:29:aa:bb:01",
        "ethdst": "00:0c:29:cc:dd:02",
        "ethlen": "0x5EA",
        "tcpflags": "***A****",
        "tcpseq": "0x1C2B3A49",
        "tcpack": "0x0F0E0D0C",
        "tcplen": "",
        "tcpwindow": "0xFAF0",
        "ttl": "118",
        "tos": "0",
        "id": "2207",
        "dgmlen": "1500",
        "iplen": "1536000",
        "icmptype": "",
        "icmpcode": "",
        "icmpid": "",
        "icmpseq": "",
        "original_string": LINE,
        "is_alert": "true",
    }
    assert len(FIELD_NAMES) == 27
    assert type(m["timestamp"]) is Long


def test_time_zone_and_date_format_from_the_config() -> None:
    eastern = SnortParser({"timeZone": "America/New_York"}).parse(LINE.encode()).messages[0]
    assert eastern["timestamp"] == Long(1685740447300 + 4 * 3600 * 1000)  # EDT is UTC-4
    line = LINE.replace("06/02/23-", "06/02/2023-", 1)
    fmt = SnortParser({"dateFormat": "MM/dd/yyyy-HH:mm:ss.SSSSSS", "timeZone": "Asia/Kolkata"})
    assert fmt.parse(line.encode()).messages[0]["timestamp"] == Long(1685740447300 - 19800 * 1000)
    # empty settings mean the defaults, as in Metron
    assert SnortParser({"dateFormat": "", "timeZone": ""}).parse(LINE.encode()).messages


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"timeZone": "blahblahBADZONE"}, "Unable to find ZoneId"),
        ({"timeZone": "+02:00"}, "Unable to find ZoneId"),
        ({"dateFormat": "BADFORMAT"}, "Unknown pattern letter"),
        ({"dateFormat": 7}, "must be a string"),
    ],
)
def test_bad_configs(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SnortParser(config)


@pytest.mark.parametrize(
    "line",
    [
        "foo bar",
        "",
        "# not an alert",
        LINE.rsplit(",", 5)[0],  # 22 columns
        LINE.replace("06/02/23", "2023-06-02", 1),
        LINE.replace('"ET POLICY', '"ET POLICY "" unbalanced ""', 1).replace('HTTP"', "HTTP", 1),
    ],
)
def test_bad_lines_are_errors(line: str) -> None:
    with pytest.raises(ParserError, match="Unable to parse message"):
        SnortParser({}).parse(line.encode())


def test_extra_columns_are_ignored_and_values_trimmed() -> None:
    line = "  " + LINE.replace(",TCP,", ", TCP\t,", 1) + ",x,y"
    (m,) = SnortParser({}).parse(line.encode()).messages
    assert m["protocol"] == "TCP"
    assert m["icmpseq"] == ""
    assert m["original_string"] == line


def test_read_charset() -> None:
    (m,) = SnortParser({"readCharset": "UTF-16"}).parse(LINE.encode("utf-16")).messages
    assert m["sig_id"] == "2018959"


def test_undecodable_bytes_are_replaced() -> None:
    raw = LINE.replace("ET POLICY", "ET \xff POLICY").encode("latin-1")
    (m,) = SnortParser({}).parse(raw).messages
    assert "\ufffd" in m["msg"]


def test_megabyte_lines_fail_fast() -> None:
    parser = SnortParser({})
    for line in ('"a",' * 250_000, "x" * 1_000_000, LINE + "," * 1_000_000):
        start = time.perf_counter()
        with contextlib.suppress(ParserError):
            parser.parse(line.encode())
        assert time.perf_counter() - start < 2


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    with contextlib.suppress(ParserError):
        SnortParser({}).parse(raw)
