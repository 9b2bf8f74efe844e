"""The csv parser: named columns, opencsv quoting, the timestamp column."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.base import ParserError
from metron.parsing.parsers.csv import CsvParser
from metron.stellar.types import Long

COLUMNS = {"col1": 0, " col2": 1, "col3 ": 2}


@pytest.mark.parametrize(
    "line", ["red,green,blue", '"red", "green","blue"', "red, green, blue", " red , green , blue "]
)
def test_columns_trimmed_and_unquoted(line: str) -> None:
    (m,) = CsvParser({"columns": COLUMNS}).parse(line.encode()).messages
    assert {k: m[k] for k in ("col1", "col2", "col3")} == {
        "col1": "red",
        "col2": "green",
        "col3": "blue",
    }
    assert m["original_string"] == line
    assert type(m["timestamp"]) is Long  # the current time: there is no timestamp column
    assert abs(int(m["timestamp"]) - time.time() * 1000) < 60_000
    assert len(m) == 5


@pytest.mark.parametrize("line", ["#red,green,blue", "", "   ", "  # indented comment"])
def test_comments_and_blank_lines_give_nothing(line: str) -> None:
    assert CsvParser({"columns": COLUMNS}).parse(line.encode()).messages == []


def test_too_few_fields_and_open_quotes_are_errors() -> None:
    parser = CsvParser({"columns": COLUMNS})
    with pytest.raises(ParserError, match="Unable to parse red"):
        parser.parse(b"red")
    with pytest.raises(ParserError, match="Un-terminated"):
        parser.parse(b'red,"green,blue')


def test_timestamp_column_in_epoch_millis() -> None:
    parser = CsvParser({"columns": "timestamp,host", "separator": ";"})
    assert parser.parse(b"1714557600000;a").messages[0]["timestamp"] == Long(1714557600000)
    assert parser.parse(b" +42 ;a").messages[0]["timestamp"] == Long(42)
    # what cannot be converted stays the string it was, as in Metron
    assert parser.parse(b"1.5E12;a").messages[0]["timestamp"] == "1.5E12"
    assert parser.parse(b"soon;a").messages[0]["timestamp"] == "soon"


def test_timestamp_format_is_a_simpledateformat_in_utc() -> None:
    parser = CsvParser(
        {"columns": ["timestamp", "user"], "timestampFormat": "dd/MMM/yyyy:HH:mm:ss"}
    )
    m = parser.parse(b"04/Jul/2021:09:05:03,alice").messages[0]
    assert m["timestamp"] == Long(1625389503000)
    # SimpleDateFormat is lenient and reads a prefix
    m = parser.parse(b"31/Jun/2021:09:05:03 trailing,bob").messages[0]
    assert m["timestamp"] == Long(1625130303000)
    assert parser.parse(b"yesterday,carol").messages[0]["timestamp"] == "yesterday"


def test_column_named_original_string_is_overwritten() -> None:
    (m,) = CsvParser({"columns": ["original_string", "x"]}).parse(b"a,b").messages
    assert m["original_string"] == "a,b"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "columns"),
        ({"columns": ["a"], "separator": '"'}, "separator"),
        ({"columns": ["a"], "separator": ""}, "separator"),
        ({"columns": {"a": "first"}}, "position"),
        ({"columns": ["a"], "timestampFormat": "yyyy-MM-dd bbb"}, "timestampFormat"),
    ],
)
def test_bad_configs(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CsvParser(config)


def test_separator_uses_its_first_character() -> None:
    (m,) = CsvParser({"columns": ["a", "b"], "separator": "|;"}).parse(b"1|2").messages
    assert (m["a"], m["b"]) == ("1", "2")


def test_megabyte_line() -> None:
    parser = CsvParser({"columns": ["a", "b"]})
    start = time.perf_counter()
    (m,) = parser.parse(b'"x' + b'""' * 400_000 + b'",y').messages
    assert len(m["a"]) == 400_001
    assert time.perf_counter() - start < 2


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    with contextlib.suppress(ParserError):
        CsvParser({"columns": {"a": 0, "b": 3, "timestamp": 1}}).parse(raw)
