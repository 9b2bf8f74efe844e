"""The generic grok parser: Metron's GrokParser order, timestamps, multi-line, bad input."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.base import ParserError
from metron.parsing.parsers._grok import date_reader
from metron.parsing.parsers.grok import GrokParser, java_long
from metron.stellar.stdlib._simpledateformat import get_format
from metron.stellar.types import Long

SQUID = {
    "grokPath": "/patterns/squid",
    "patternLabel": "SQUID_DELIMITED",
    "timestampField": "timestamp",
}
YAF = {
    "grokPath": "/patterns/yaf",
    "patternLabel": "YAF_DELIMITED",
    "timestampField": "start_time",
    "timeFields": ["start_time", "end_time"],
    "dateFormat": "yyyy-MM-dd HH:mm:ss.S",
}
SQUID_LINE = "1712345678.901    88 10.9.8.7 TCP_MISS/200 4096 GET http://www.example.net/a - HIER_DIRECT/192.0.2.44 text/html"
YAF_LINE = (
    "2024-04-01 12:00:00.250|2024-04-01 12:00:01.5|   1.250|   0.010|  6|     192.0.2.1|  443|"
    "   198.51.100.2|50000|      AS|      PA|      AS|      PA|0a0b0c0d|00000010|000|000|"
    "       5|     900|       4|    1200|  443|eof"
)


def parser(**config: Any) -> GrokParser:
    return GrokParser(config)


def one(p: GrokParser, line: str | bytes) -> dict[str, Any]:
    result = p.parse(line.encode() if isinstance(line, str) else line)
    assert not result.errors and len(result.messages) == 1
    return result.messages[0]


def test_squid_line_with_metron_types() -> None:
    message = one(parser(**SQUID), SQUID_LINE)
    assert message == {
        "timestamp": Long(1712345678901),
        "elapsed": 88,
        "ip_src_addr": "10.9.8.7",
        "action": "TCP_MISS",
        "code": 200,
        "bytes": 4096,
        "method": "GET",
        "url": "http://www.example.net/a",
        "ip_dst_addr": "192.0.2.44",
        "original_string": SQUID_LINE,
    }
    assert type(message["timestamp"]) is Long and type(message["elapsed"]) is int


def test_time_fields_and_timestamp_field() -> None:
    message = one(parser(**YAF), YAF_LINE)
    assert message["start_time"] == Long(1711972800250)
    assert message["end_time"] == Long(1711972801005)  # "S" reads "5" as 5 ms, as Java does
    assert message["timestamp"] == Long(1711972800250)
    assert (message["duration"], message["isn"], message["risn"], message["tag"]) == (
        "1.250",
        "0a0b0c0d",
        10,
        0,
    )
    assert "YAF_DELIMITED" not in message


def test_time_zone_applies_to_time_fields() -> None:
    p = parser(**YAF, timeZone="America/New_York")
    assert one(p, YAF_LINE)["timestamp"] == Long(1711972800250 + 4 * 3600 * 1000)


def test_default_date_format_reads_a_zone(tmp_path: Path) -> None:
    (tmp_path / "when").write_text("WHEN at %{GREEDYDATA:when}\n")
    p = parser(grokPath=str(tmp_path / "when"), patternLabel="WHEN", timeFields=["when"])
    # yyyy-MM-dd HH:mm:ss.S z: "PST" is UTC-8 (standard time, even in April)
    assert one(p, "at 2024-04-01 12:00:00.7 PST")["when"] == Long(1712001600007)


def test_timestamp_field_text_loses_its_dots() -> None:
    p = parser(grokPath="/patterns/common", patternLabel="NOTSPACE", timestampField="NOTSPACE")
    assert one(p, "1.2.3")["timestamp"] == Long(123)
    with pytest.raises(ParserError, match='For input string: "abc"'):
        p.parse(b"abc")


def test_missing_timestamp_field_fails_the_record() -> None:
    p = parser(grokPath="/patterns/common", patternLabel="WORD", timestampField="when")
    with pytest.raises(ParserError, match="WORD pattern does not include field when"):
        p.parse(b"hello")


def test_a_time_field_holding_an_integer_fails_as_in_metron() -> None:
    p = parser(grokPath="/patterns/common", patternLabel="NUMBER", timeFields=["NUMBER"])
    with pytest.raises(ParserError, match="cannot be cast"):
        p.parse(b"1712345678")


def test_unparseable_date_fails_the_record() -> None:
    bad = YAF_LINE.replace("2024-04-01 12:00:00.250|", "2024-04-01 12:00:00|", 1)
    with pytest.raises(
        ParserError, match='Grok parser Error: Unparseable date: "2024-04-01 12:00:00"'
    ):
        parser(**YAF).parse(bad.encode())


def test_no_match_is_a_message_error_not_a_record_error() -> None:
    result = parser(**SQUID).parse(b"nothing to see")
    assert result.messages == []
    [(raw, error)] = result.errors
    assert raw == "nothing to see"
    assert "Grok statement produced a null message" in str(error)
    assert parser(**SQUID).parse(b"   ").errors


def test_validate_wants_a_positive_long() -> None:
    p = parser(**SQUID)
    assert p.validate({"timestamp": Long(1)})
    assert not p.validate({"timestamp": Long(0)})
    assert not p.validate({"timestamp": 1712345678})  # a Java Integer
    assert p.validate({"timestamp": 1712345678901})  # too large for an Integer: a Long
    assert not p.validate({"timestamp": "1712345678901"})
    assert not p.validate({})


def test_without_timestamp_field_a_captured_timestamp_is_invalid() -> None:
    p = parser(grokPath="/patterns/squid", patternLabel="SQUID_DELIMITED")
    message = one(p, SQUID_LINE)
    assert message["timestamp"] == "1712345678.901"
    assert not p.validate(message)


def test_multi_line_records() -> None:
    p = parser(**SQUID, multiLine="true")
    raw = f"{SQUID_LINE}\r\n\nbad line\n{SQUID_LINE}\rbad line\n".encode()
    result = p.parse(raw)
    assert len(result.messages) == 2
    assert [raw for raw, _ in result.errors] == ["", "bad line"]  # one error per distinct line
    assert p.parse(b"").messages == [] and p.parse(b"").errors == []


def test_multi_line_errors_of_one_line_do_not_stop_the_others() -> None:
    p = parser(**YAF, multiLine=True)
    bad = YAF_LINE.replace(".250|", "|", 1)
    result = p.parse(f"{bad}\n{YAF_LINE}".encode())
    assert len(result.messages) == 1
    assert "Unparseable date" in str(result.errors[0][1])


def test_charsets() -> None:
    utf16 = parser(**SQUID, multiLine="true", readCharset="UTF-16")
    assert len(utf16.parse(SQUID_LINE.encode("utf-16")).messages) == 1
    # a single-line record is read as UTF-8 whatever readCharset says, as in Metron
    single = parser(**SQUID, readCharset="UTF-16")
    assert len(single.parse(SQUID_LINE.encode()).messages) == 1
    with pytest.raises(ConfigError, match="charset"):
        parser(**SQUID, readCharset="NO-SUCH-CHARSET")


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("TRUE", True), (" true", False), ("", False)]
)
def test_multi_line_flag_is_java_boolean(value: str, expected: bool) -> None:
    assert parser(**SQUID, multiLine=value).multi_line is expected


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"patternLabel": "X"}, "grokPath is required"),
        ({"grokPath": "/patterns/squid"}, "patternLabel is required"),
        ({**SQUID, "patternLabel": "NOT-A-NAME"}, "not a grok pattern name"),
        ({**SQUID, "patternLabel": "MISSING"}, "not defined"),
        ({**SQUID, "grokPath": "/patterns/nope"}, "not found"),
        ({**SQUID, "timeFields": "start_time"}, "list of field names"),
        ({**SQUID, "dateFormat": "yyyy-MM-dd qq"}, "dateFormat"),
        ({**SQUID, "multiLine": 3}, "multiLine"),
    ],
)
def test_config_errors(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GrokParser(config)


def test_user_pattern_file_on_disk(tmp_path: Path) -> None:
    patterns = tmp_path / "app"
    patterns.write_text("APP %{TIMESTAMP_ISO8601:when} \\[%{LOGLEVEL:level}\\] %{GREEDYDATA:msg}\n")
    p = parser(
        grokPath=str(patterns),
        patternLabel="APP",
        timeFields=["when"],
        timestampField="when",
        dateFormat="yyyy-MM-dd'T'HH:mm:ss",
    )
    message = one(p, "2024-04-01T10:00:00 [WARN] disk 91% full")
    assert (message["timestamp"], message["level"], message["msg"]) == (
        Long(1711965600000),
        "WARN",
        "disk 91% full",
    )
    assert message["YEAR"] == 2024 and message["MONTHNUM"] == 4


def test_java_long() -> None:
    assert java_long("+17") == 17
    assert java_long("9223372036854775807") == 2**63 - 1
    assert java_long("9223372036854775808") is None
    assert java_long("") is None and java_long("-") is None


# -- the quick date reader ---------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        ["yyyy-MM-dd HH:mm:ss.S", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "dd/MM/yyyy H:m", "HH:mm:ss"]
    ),
    st.sampled_from(["UTC", "GMT+05:30", "Europe/Paris"]),
    st.tuples(
        st.integers(1500, 10050),
        st.integers(0, 14),
        st.integers(0, 33),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.integers(0, 1200),
    ),
    st.sampled_from(["", " ", "x", "  tail"]),
)
def test_quick_date_reader_agrees_with_the_emulation(
    pattern: str, zone: str, values: tuple[int, ...], tail: str
) -> None:
    year, month, day, hour, minute, second, milli = values
    text = (
        pattern.replace("yyyy", str(year))
        .replace("MM", f"{month:02d}")
        .replace("dd", f"{day:02d}")
        .replace("HH", f"{hour:02d}")
        .replace("H", str(hour))
        .replace("mm", f"{minute:02d}")
        .replace("m", str(minute))
        .replace("ss", f"{second:02d}")
        .replace("SSS", str(milli))
        .replace("S", str(milli))
        .replace("'T'", "T")
        .replace("'Z'", "Z")
        + tail
    )
    fmt = get_format(pattern, zone)
    assert date_reader(fmt)(text) == fmt.parse(text)


# -- hostile input -----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_parse_or_fail_cleanly(raw: bytes) -> None:
    for p in (PARSERS["squid"], PARSERS["yaf"]):
        with contextlib.suppress(ParserError):
            p.parse(raw)


PARSERS = {
    "squid": parser(**SQUID),
    "yaf": parser(**YAF),
    "yaf-lines": parser(**YAF, multiLine="true"),
}


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\x00garbage\x80",
        SQUID_LINE[:40].encode(),
        YAF_LINE[:100].encode(),
        YAF_LINE.encode() * 5000,
        ("\n".join([YAF_LINE] * 2000)).encode(),
        b"|" * 1_000_000,
        b"1 " * 500_000,
    ],
    ids=[
        "garbage",
        "truncated-squid",
        "truncated-yaf",
        "long-line",
        "many-lines",
        "pipes",
        "numbers",
    ],
)
def test_bad_and_huge_records_finish_quickly(raw: bytes) -> None:
    for p in PARSERS.values():
        start = time.perf_counter()
        with contextlib.suppress(ParserError):
            p.parse(raw)
        assert time.perf_counter() - start < 5
