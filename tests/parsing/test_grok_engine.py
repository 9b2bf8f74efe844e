"""The grok engine: java-grok 0.1.0's fields, values and quirks, our pattern files, speed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from metron.errors import ConfigError
from metron.parsing.grok import (
    Grok,
    GrokError,
    clean_value,
    java_int,
    load_patterns,
    pattern_file_text,
)

COMMON = Grok.from_files(["/patterns/common"])


def fields(expression: str, text: str, grok: Grok = COMMON) -> dict | None:
    return grok.compile(expression).captures(text)


# -- which captures become fields --------------------------------------------------------


def test_every_reference_captures_and_unwanted_is_dropped() -> None:
    assert fields("%{IPORHOST}:%{POSINT:port}", "host 10.1.2.3:8080 x") == {
        "IPORHOST": "10.1.2.3",
        "port": 8080,
    }
    # IP's own references are :UNWANTED, so no IPV4/IPV6 field appears
    assert fields("%{IP:ip}", "10.0.0.1") == {"ip": "10.0.0.1"}


def test_nested_unnamed_references_are_fields_too() -> None:
    out = fields("%{URI:uri}", "see https://bob@www.example.com:8443/a/b.html?q=1&r=2 now")
    assert out == {
        "uri": "https://bob@www.example.com:8443/a/b.html?q=1&r=2",
        "URIPROTO": "https",
        "USER": "bob",
        "URIHOST": "www.example.com:8443",
        "IPORHOST": "www.example.com",
        "port": 8443,
        "URIPATHPARAM": "/a/b.html?q=1&r=2",
        "URIPATH": "/a/b.html",
        "URIPARAM": "?q=1&r=2",
    }


def test_a_group_that_did_not_take_part_is_null() -> None:
    assert fields("%{WORD:a}(?: %{INT:b})?", "abc") == {"a": "abc", "b": None}


def test_user_named_groups_are_fields_even_with_dots() -> None:
    assert fields(r"(?<user.name>\w+)@%{HOSTNAME:host}", "mail alice@example.org") == {
        "user.name": "alice",
        "host": "example.org",
    }


def test_type_suffixes_stay_in_the_field_name() -> None:
    # java-grok 0.1.0 has no conversions: the suffix is part of the name
    assert fields("%{INT:port:int} %{WORD:w:long}", "80 x") == {"port:int": 80, "w:long": "x"}


def test_inline_definition_adds_the_pattern() -> None:
    grok = Grok.from_files(["/patterns/common"])
    assert fields("%{HEX=[0-9a-f]+} %{HEX:h}", "ff 0a", grok) == {"HEX=[0-9a-f]+": "ff", "h": "0a"}
    assert grok.patterns["HEX"] == "[0-9a-f]+"


# -- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("161", 161),
        ("000", 0),
        ("+5", 5),
        ("-0", 0),
        ("-1", -1),
        ("2147483647", 2147483647),
        ("-2147483648", -2147483648),
        ("2147483648", "2147483648"),
        ("-2147483649", "-2147483649"),
        ("99999999999999999999", "99999999999999999999"),
        ("0.000", "0.000"),
        ("22efa001", "22efa001"),
        ("1e5", "1e5"),
        (" 1", " 1"),
        ("+", "+"),
        ("-", "-"),
        ("", ""),
        ("١٢٣", 123),  # Integer.parseInt reads any Unicode decimal digit
        ('"quoted"', "quoted"),
        ("'single'", "single"),
        ('""', ""),
        ("\"mixed'", "\"mixed'"),
        ('"5"', "5"),  # quotes go, but the value is not re-read as a number
    ],
)
def test_values_as_java_grok_cleans_them(text: str, value: object) -> None:
    got = clean_value(text)
    assert got == value and type(got) is type(value)


def test_values_in_captures_follow_the_same_rules() -> None:
    out = fields(r"%{DATA:a}\|%{DATA:b}\|%{DATA:c}\|%{GREEDYDATA:d}", '0042|4294967296|"x y"|-7')
    assert out == {"a": 42, "b": "4294967296", "c": "x y", "d": -7}


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_lone_quote_fails_as_in_java_grok(quote: str) -> None:
    with pytest.raises(GrokError):
        fields(r"x=%{NOTSPACE:v}", f"x={quote}")


def test_java_int() -> None:
    assert java_int("12") == 12
    assert java_int("1_000") is None
    assert java_int("²") is None  # a digit for Python's isdigit, not for Java


# -- repeated references and clashing fields ---------------------------------------------


def test_repeated_reference_text_reads_its_first_occurrence() -> None:
    # both %{INT:x} are one group: its value is the first occurrence's, here null
    assert fields(r"(?:%{INT:x} a|b %{INT:x})", "b 5") == {"x": None}
    assert fields(r"(?:%{INT:x} a|b %{INT:x})", "5 a") == {"x": 5}


def test_later_group_of_the_same_field_wins_even_when_null() -> None:
    assert fields(r"(?:%{INT:x}|%{WORD:x})", "abc") == {"x": "abc"}
    assert fields(r"(?:%{INT:x}|%{WORD:x})", "5") == {"x": None}


def test_expansion_order_decides_which_hour_is_kept() -> None:
    # ISO8601_TIMEZONE's %{HOUR} is expanded after TIMESTAMP_ISO8601's, so it is a group of
    # its own further right: with a "Z" zone it is null, and it is the one kept.
    out = fields("%{TIMESTAMP_ISO8601:ts}", "2024-02-11T08:15:30.5Z")
    assert out is not None
    assert (out["YEAR"], out["MONTHNUM"], out["SECOND"], out["HOUR"]) == (2024, 2, "30.5", None)
    out = fields("%{TIMESTAMP_ISO8601:ts}", "2024-02-11T08:15:30+05:30")
    assert out is not None and (out["HOUR"], out["MINUTE"]) == (5, 30)


# -- matching ----------------------------------------------------------------------------


def test_searches_anywhere_and_blank_never_matches() -> None:
    pattern = COMMON.compile("%{INT:n}")
    assert pattern.captures("abc 12 def") == {"n": 12}
    assert pattern.match("abc 12") is None
    assert pattern.match("12 abc") == {"n": 12}
    assert pattern.captures("no digits") is None
    assert COMMON.compile(r"\s*").captures(" \t\u2003 ") is None
    assert COMMON.compile(r"x?").captures("") is None


def test_java_regex_syntax_in_patterns() -> None:
    grok = Grok({**COMMON.patterns, "ALPHA": r"\p{Alpha}++", "LIT": r"\Q(a)\E"})
    assert fields(r"^%{ALPHA:w} %{LIT}", "héllo (a)", grok) is None  # \p{Alpha} is ASCII
    assert fields(r"%{ALPHA:w} %{LIT}", "hello (a)", grok) == {"w": "hello", "LIT": "(a)"}
    assert fields(r"(?<q>[#|])%{WORD:w}\k<q>", "say |hi|", grok) == {"q": "|", "w": "hi"}
    assert fields(r"(['\"])%{WORD:w}\1", "say 'hi'", grok) == {"w": "hi"}
    # Java's . stops at \u0085 and \u2028 as well as \n and \r
    assert fields("%{GREEDYDATA:all}", "a\u2028b") == {"all": "a"}


def test_escaped_named_group_syntax_is_not_a_group() -> None:
    assert fields(r"\(?<x>%{INT:n}", "<x>7") == {"n": 7}


# -- errors in patterns ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("%{NOPE}", "not defined"),
        ("%{IP:ip.src}", "malformed"),
        ("%{INT:n}(", "not a valid regex"),
        ("   ", "empty"),
    ],
)
def test_bad_expressions_are_config_errors(expression: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        COMMON.compile(expression)


def test_a_pattern_that_refers_to_itself_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="refers to itself"):
        Grok({"LOOP": "a%{LOOP}"}).compile("%{LOOP}")


def test_a_pattern_that_doubles_at_every_level_is_a_config_error() -> None:
    patterns = {f"P{i}": f"%{{P{i + 1}}}x%{{P{i + 1}}}" for i in range(40)}
    patterns["P40"] = "y"
    with pytest.raises(ConfigError, match="too large"):
        Grok(patterns).compile("%{P0}")


# -- pattern files -----------------------------------------------------------------------


def test_pattern_file_lines() -> None:
    text = "# comment\nA  \\d+\r\n  INDENTED x\nB a b \rA later\n\nC_1\t[x]\n"
    assert load_patterns(text) == {"A": "later", "B": "a b ", "C_1": "[x]"}
    with pytest.raises(ConfigError, match="no regex"):
        load_patterns("EMPTY   \n")


def test_pattern_files_on_disk_come_before_shipped_ones(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.write_bytes("GREETING h\u00e9llo\n".encode("latin-1"))
    grok = Grok.from_files(["/patterns/common", str(mine)], charset="latin-1")
    assert grok.compile("%{GREETING:g}").captures("h\u00e9llo") == {"g": "h\u00e9llo"}
    assert "SQUID_DELIMITED" in pattern_file_text("/patterns/squid")
    with pytest.raises(ConfigError, match="not found"):
        pattern_file_text(str(tmp_path / "missing"))


# -- the shipped patterns ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("IPV4", ["0.0.0.0", "255.255.255.255", "010.1.2.3"], ["256.1.1.1", "1.2.3", "1.2.3.4.5"]),
        (
            "IPV6",
            [
                "::1",
                "fe80::1%eth0",
                "2001:db8::8a2e:370:7334",
                "::ffff:192.0.2.1",
                "1:2:3:4:5:6:7:8",
            ],
            ["1:2", "gggg::1", ":::"],
        ),
        ("HOSTNAME", ["example.org", "a-b.c", "host."], ["-bad", ".x"]),
        ("MAC", ["00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e"], ["00:1a:2b"]),
        ("UUID", ["123e4567-e89b-12d3-a456-426614174000"], ["123e4567-e89b-12d3-a456"]),
        ("QUOTEDSTRING", ['"a \\" b"', "'x'", "``", '""'], ['"open', "'"]),
        ("NUMBER", ["1", "-1.5", "+.5", "10"], ["abc", "."]),
        ("BASE16FLOAT", ["0x1f", "1f.8", "1.a"], ["xyz"]),
        (
            "TIMESTAMP_ISO8601",
            ["2024-02-11T08:15:30.5Z", "2024-02-11 0815", "2024-2-1T1:00+0100"],
            ["2024/02/11"],
        ),
        ("SYSLOGTIMESTAMP", ["Mar  3 09:14:07", "December 24 23:59:60"], ["Mar 3 9:14"]),
        ("DATESTAMP", ["03/28/2024 10:11:12", "28.03.2024-10:11:12.5"], ["2024-03-28"]),
        ("HTTPDATE", ["10/Oct/2000:13:55:36 -0700"], ["10/10/2000"]),
        ("UNIXPATH", ["/var/log/messages", "/a\\ b"], ["relative/path"]),
        ("WINPATH", ["C:\\Windows\\System32", "\\\\server\\share"], ["C:/x"]),
        (
            "URI",
            ["http://example.org", "ftp://u:p@host:21/f.txt", "svn+ssh://h/r?x"],
            ["example.org"],
        ),
        ("EMAILADDRESS", ["first.last+tag@example.co.uk"], ["@example.org"]),
        ("LOGLEVEL", ["WARN", "error", "Emergency"], ["verbose"]),
        ("SYSLOGBASE", ["Mar  3 09:14:07 host1 sshd[42]:"], ["host1 sshd:"]),
    ],
)
def test_common_patterns_match_what_they_should(name: str, good: list[str], bad: list[str]) -> None:
    pattern = COMMON.compile(f"^%{{{name}:v}}$")
    for text in good:
        assert pattern.captures(text) is not None, text
    for text in bad:
        assert pattern.captures(text) is None, text


def test_every_shipped_pattern_compiles() -> None:
    for sensor in ("squid", "yaf", "websphere"):
        grok = Grok.from_files(["/patterns/common", f"/patterns/{sensor}"])
        for name in grok.patterns:
            grok.compile(f"%{{{name}}}")


HOSTILE = {
    "squid": [
        "1 1 ::1%" * 125_000,
        "1 " * 500_000,
        "1 1 fe80::1%a " * 70_000,
        "1.5 1 1.1.1.1 A/1 1 GET " + "x" * 1_000_000,
    ],
    "yaf": [
        "2016-01-28 15:29:48.512|" * 40_000,
        "2016-01-28 15:29:48.512|2016-01-28 15:29:48.512|0|0|6| ::1%" + "|" * 1_000_000,
        "2016-01-28 15:29:48.512|2016-01-28 15:29:48.512|0|0|6|1.1.1.1|80|1.1.1.1|80|"
        + "  A|" * 250_000,
    ],
    "websphere": ["<1>Apr 15 17:47:28 A " * 45_000, "<" * 1_000_000],
}


@pytest.mark.parametrize("sensor", sorted(HOSTILE))
def test_hostile_megabyte_lines_fail_fast(sensor: str) -> None:
    label = {"squid": "SQUID_DELIMITED", "yaf": "YAF_DELIMITED", "websphere": "WEBSPHERE"}[sensor]
    pattern = Grok.from_files(["/patterns/common", f"/patterns/{sensor}"]).compile(f"%{{{label}}}")
    for line in HOSTILE[sensor]:
        start = time.perf_counter()
        pattern.captures(line)
        assert time.perf_counter() - start < 3, f"{sensor}: {line[:40]!r}... took too long"
