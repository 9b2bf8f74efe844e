"""The paloalto parser: PAN-OS log types and versions told apart by their field counts."""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.base import ParserError
from metron.parsing.parsers.paloalto import PaloAltoParser, split_fields
from metron.stellar.types import Long


def _line(fields: list[str], count: int) -> bytes:
    return ",".join(fields + [""] * (count - len(fields))).encode()


HEAD = [
    "1",
    "2023/11/02 08:00:01",
    "001801012345",
    "{type}",
    "{sub}",
    "2049",
    "2023/11/02 08:00:00",
]
SESSION = [
    "10.5.5.5", "192.0.2.44", "", "", "allow-dns", "", "", "dns", "vsys2", "inside", "outside",
    "ae1.100", "ae2", "default", "2023/11/02 08:00:00", "4410", "1", "53001", "53", "0", "0",
    "0x19", "udp", "allow",
]  # fmt: skip


def _head(log_type: str, sub: str) -> list[str]:
    return [f.format(type=log_type, sub=sub) for f in HEAD]


def _parse(raw: bytes) -> dict[str, object]:
    (m,) = PaloAltoParser({}).parse(raw).messages
    assert type(m.pop("timestamp")) is Long
    return m


def test_traffic_80_fields() -> None:
    traffic = [*_head("TRAFFIC", "end"), *SESSION, "180", "80", "100", "2",
               "2023/11/02 07:59:59", "1", "any", "0", "9000000001", "0x0", "10.0.0.0-10.255.255.255",
               "United States", "0", "1", "1", "aged-out", "0", "0", "0", "0", "", "fw-a",
               "from-policy", "", "", "0", "", "0", "", "N/A"]  # fmt: skip
    m = _parse(_line(traffic, 61))
    assert m["parser_version"] == 80
    assert m["start"] == "2023/11/02 07:59:59"  # the session start replaces the log time
    assert m["protocol"] == "udp"
    assert m["session_end_reason"] == "aged-out"
    assert m["device_name"] == "fw-a"
    assert m["tunnel_type"] == "N/A"
    assert "natsrc" not in m and "srcuser" not in m  # empty values are left out
    assert "tokens_seen" not in m


@pytest.mark.parametrize(("count", "version"), [(45, 60), (53, 61), (61, 70), (72, 80), (50, 0)])
def test_threat_versions(count: int, version: int) -> None:
    threat = [*_head("THREAT", "url"), *SESSION, '"https://files.example.org:8443/a.exe"']
    m = _parse(_line(threat, count))
    assert m["parser_version"] == version
    assert m["url"] == "https://files.example.org:8443/a.exe"
    assert m["host"] == "files.example.org"
    assert (m.get("tokens_seen")) == (50 if version == 0 else None)


def test_threat_url_without_protocol_has_no_host() -> None:
    threat = [*_head("THREAT", "url"), *SESSION, "downloads.example.org/a.exe"]
    m = _parse(_line(threat, 45))
    assert m["url"] == "downloads.example.org/a.exe"
    assert "host" not in m


def test_system_and_config() -> None:
    system = [*_head("SYSTEM", "auth"), "", "auth-fail", "", "", "", "general", "medium",
              '"failed authentication for user ""ops"""', "77", "0x0"]  # fmt: skip
    m = _parse(_line(system, 17))
    assert m["parser_version"] == 61
    assert m["description"] == 'failed authentication for user ""ops""'
    assert m["severity"] == "medium"
    config = [*_head("CONFIG", "0"), "10.0.0.9", "vsys1", "delete", "ops", "CLI", "Succeeded",
              " network interface", '"before"', '"after"', "78", "0x0", "", "", "", "", "", "fw-b"]  # fmt: skip
    m = _parse(_line(config, 24))
    assert m["parser_version"] == 80
    assert (m["before_change_detail"], m["after_change_detail"]) == ("before", "after")
    assert m["seqno"] == "78"
    assert m["configuration_path"] == "network interface"


def test_quoted_commas_stay_in_one_field() -> None:
    assert split_fields('a,"b,c",d') == ["a", '"b,c"', "d"]
    assert split_fields('a,"b,""c"",d",e,') == ["a", '"b,""c"",d"', "e", ""]
    assert split_fields("a,,") == ["a", "", ""]
    assert split_fields('"a,b,c') == ['"a', "b", "c"]  # no quote after these commas
    assert split_fields('a,b",c') == ['a,b"', "c"]  # one quote after the first comma: kept
    # the same as Metron's look-ahead regex, which is quadratic on long lines
    metron = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)')
    for text in ['",' * 50, 'a,"b,c",d,"e', '"",,"x"', ',"a"",,b",']:
        assert split_fields(text) == metron.split(text)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"1,2,3", "log type"),
        (b"1,2,3,AUDIT,x,y,z", "Unsupported log type"),
        (_line([*_head("THREAT", "url"), *SESSION], 40), "Failed to parse"),
        (b"", "log type"),
    ],
)
def test_bad_records_are_errors(raw: bytes, message: str) -> None:
    with pytest.raises(ParserError, match=message):
        PaloAltoParser({}).parse(raw)


def test_quote_heavy_megabyte_line_is_linear() -> None:
    raw = ('"a,' * 300_000).encode()
    start = time.perf_counter()
    with pytest.raises(ParserError):
        PaloAltoParser({}).parse(raw)
    assert time.perf_counter() - start < 2
    start = time.perf_counter()
    assert len(split_fields('",' * 500_000)) == 250_001
    assert time.perf_counter() - start < 2


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    with contextlib.suppress(ParserError):
        PaloAltoParser({}).parse(raw)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "x", '"', '"q,r"', "TRAFFIC", "THREAT", " "]), max_size=80))
def test_random_field_lists(fields: list[str]) -> None:
    raw = ",".join(["1", "t", "s", "THREAT", *fields]).encode()
    with contextlib.suppress(ParserError):
        PaloAltoParser({}).parse(raw)
