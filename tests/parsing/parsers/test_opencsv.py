"""opencsv 3.7's line parser as Metron's CSVConverter sets it up (expected tokens from a JVM)."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.parsers._opencsv import CsvConverter, OpenCsvLineParser, column_map

LINES = [
    ("a,b,c", ["a", "b", "c"]),
    ("", [""]),
    (",", ["", ""]),
    ('"a,b",c', ["a,b", "c"]),
    ('"a ""quoted"" word",x', ['a "quoted" word', "x"]),
    ('"a \\"quoted\\" word",x', ['a "quoted" word', "x"]),
    ("C:\\dir\\file,x", ["C:dirfile", "x"]),  # a lone backslash is dropped
    ('abc"d"ef,g', ['abc"d"ef', "g"]),  # a quote inside a field stays...
    ('ab"cd"ef,g', ['abcd"ef', "g"]),  # ...unless it is within the first three characters
    ('x,  "spaced"  ,y', ["x", 'spaced"  ', "y"]),
    ('"",""', ["", ""]),
    ('a,"",b', ["a", "", "b"]),
    ('""""', ['"']),
    ('"a"b,c', ["ab", "c"]),
    ("tab\tsep", ["tab\tsep"]),
]


@pytest.mark.parametrize(("line", "tokens"), LINES)
def test_tokens_like_opencsv(line: str, tokens: list[str]) -> None:
    assert OpenCsvLineParser(",").parse_line(line) == tokens


def test_an_open_quote_is_an_error_and_leaks_into_the_next_line() -> None:
    parser = OpenCsvLineParser(",")
    with pytest.raises(ValueError, match="Un-terminated quoted field"):
        parser.parse_line('a,"open')
    # Java's parser keeps "inside a field" after the failure: a doubled quote at the start
    # of the next line reads as an escaped quote.
    assert parser.parse_line('""x,y') == ['"x', "y"]
    assert OpenCsvLineParser(",").parse_line('""x,y') == ["x", "y"]


def test_other_separators() -> None:
    assert OpenCsvLineParser("|").parse_line('a|"b|c"|d') == ["a", "b|c", "d"]
    assert OpenCsvLineParser("\t").parse_line("a\t b\t") == ["a", " b", ""]


@pytest.mark.parametrize("separator", ['"', "\\", "\0"])
def test_separator_must_differ_from_quote_and_escape(separator: str) -> None:
    with pytest.raises(ConfigError, match="separator"):
        OpenCsvLineParser(separator)


def test_column_map_forms() -> None:
    assert column_map(["a", "b:5", "c"]) == {"a": 0, "b": 5, "c": 2}
    assert column_map("a,b,c:0") == {"a": 0, "b": 1, "c": 0}
    assert column_map({"a": 3, "b": "1"}) == {"a": 3, "b": 1}
    with pytest.raises(ConfigError, match="position"):
        column_map({"a": 1.5})
    with pytest.raises(ConfigError, match="name:position"):
        column_map(["a:x"])


def test_converter_trims_names_and_values_and_ignores_comments() -> None:
    c = CsvConverter({"columns": {" a ": 0, "b": 2}})
    assert c.to_map("  1 ,x,\t2\x01 ") == {"a": "1", "b": "2"}
    assert c.to_map("  # comment") is None
    assert c.to_map(" \t ") is None
    with pytest.raises(IndexError):
        c.to_map("only,two")
    with pytest.raises(ConfigError, match="columns"):
        CsvConverter({})


def test_megabyte_line_is_linear() -> None:
    parser = OpenCsvLineParser(",")
    for line in ('"a",' * 250_000, 'a"b\\",' * 150_000, "x" * 1_000_000):
        start = time.perf_counter()
        with contextlib.suppress(ValueError):
            parser.parse_line(line)
        assert time.perf_counter() - start < 2


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='ab,"\\ \t', max_size=40))
def test_fast_paths_agree_with_the_character_loop(line: str) -> None:
    parser = OpenCsvLineParser(",")
    try:
        expected: list[str] | None = parser._parse(line)
    except ValueError:
        expected = None
    fresh = OpenCsvLineParser(",")
    try:
        got: list[str] | None = fresh.parse_line(line)
    except ValueError:
        got = None
    assert got == expected
