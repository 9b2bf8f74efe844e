"""The ise parser: Metron's JavaCC grammar for Cisco ISE key/values, quirks included."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import MetronError
from metron.parsing.base import ParserError
from metron.parsing.parsers._isegrammar import MAX_DEPTH
from metron.parsing.parsers.ise import IseParser

HEADER = "Mar 14 09:12:44 192.0.2.10 ise-01 CISE_Passed_Authentications 5200 NOTICE Passed"


def parse_one(text: str) -> dict[str, Any]:
    result = IseParser().parse(text.encode())
    assert result.errors == []
    assert len(result.messages) == 1
    return result.messages[0]


def test_header_pairs_and_address_copies() -> None:
    m = parse_one(
        f"  {HEADER}, Device IP Address=198.51.100.40, Device Port=1812,"
        " DestinationIPAddress=192.0.2.10, DestinationPort=1645, UserName=CORP\\\\jsmith,  "
    )
    assert m == {
        "header": HEADER,
        "Device IP Address": "198.51.100.40",
        "Device Port": "1812",
        "DestinationIPAddress": "192.0.2.10",
        "DestinationPort": "1645",
        "UserName": "CORP\\\\jsmith",
        "ip_src_addr": "198.51.100.40",
        "ip_src_port": "1812",
        "ip_dst_addr": "192.0.2.10",
        "ip_dst_port": "1645",
    }
    assert "timestamp" not in m and IseParser().validate(m)


def test_values_nest_one_level_per_equals_and_escaped_commas_stay() -> None:
    m = parse_one(
        f"{HEADER}, EndpointProperty=Framed-IP=10.0.0.1\\,Called-ID=00-11, Step=1, Step=2"
    )
    assert m["EndpointProperty"] == {"Framed-IP": {"10.0.0.1\\,Called-ID": "00-11"}}
    assert m["Step"] == "2"  # a repeated key keeps the last value


def test_null_tag_and_braced_values() -> None:
    m = parse_one(HEADER + ", PortalUser=, Class=(TAG=0)CACS:01, Last=, Response={a=b, c},")
    assert m["PortalUser"] is None and m["Last"] is None
    assert m["Class"] == "(tag=0)CACS:01"
    assert m["Response"] == "{a=b, c}"  # the braced value swallows the comma after it...
    assert parse_one("a={x}, b=c")["header"] == {"a": "{x}"}  # ...a plain string does not


@pytest.mark.parametrize(
    "text",
    [
        "a, b",  # 'b' without '='
        "a={x,y}, b=c",  # the braced value swallowed the comma before 'b'
        "a={x,y}",  # a brace string needs a comma after it
        "a=1,, b=2",
        "x=1, Device IP Address=a=b",  # Metron's cast of a nested object fails
    ],
)
def test_records_the_grammar_rejects_are_dropped_silently(text: str) -> None:
    result = IseParser().parse(text.encode())
    assert result.messages == [] and result.errors == []


@pytest.mark.parametrize(
    "text",
    [
        "UserName=LAB\\user01, x=1",  # '\u' that is no unicode escape
        "a=1,\tb=2",  # a tab where a token starts
        'a=1, "b"=2',
        "a=" + "b=" * (MAX_DEPTH + 1) + "c",
    ],
)
def test_lexical_errors_are_parser_errors(text: str) -> None:
    with pytest.raises(ParserError):
        IseParser().parse(text.encode())


def test_unicode_escapes_and_comments() -> None:
    m = parse_one(r"a=caf\u00e9 \ud83d\ude00, b=\\u0041, c=\uD800")
    assert (m["header"], m["b"], m["c"]) == ({"a": "caf\u00e9 \U0001f600"}, "\\\\u0041", "?")
    # comments only where a token starts (not after a space), up to the end of their line
    m = parse_one("a=1,// c\nb=2,#x\nc=3,/*x*/\nd=4")
    assert (m["header"], m["b"], m["c"], m["d"]) == ({"a": "1"}, "2", "3", "4")
    assert parse_one("a=1,/* x */d=4")["/* x */d"] == "4"  # the longer string wins


def test_deep_nesting_serializes() -> None:
    m = parse_one("a=" + "b=" * (MAX_DEPTH - 1) + "c")
    assert orjson.loads(orjson.dumps(m))


@pytest.mark.parametrize(
    "text",
    [
        "k=v, " * 200_000,
        "x" * 1_000_000,
        "a=/*" + "x" * 1_000_000,
        "a=1, " + "#, " * 300_000,
        "a=1, " + "/*, " * 250_000,
        "a=" + "{" * 1_000_000,
        "a=" + "\\" * 999_999 + "u",
    ],
)
def test_megabyte_and_adversarial_input_is_quick(text: str) -> None:
    start = time.perf_counter()
    with contextlib.suppress(ParserError):
        IseParser().parse(text.encode())
    assert time.perf_counter() - start < 3.0


@settings(max_examples=300, deadline=1000)
@given(
    st.binary(max_size=300)
    | st.text(alphabet='ab=, \\u0{}()tag#/*\n\t"', max_size=150).map(str.encode)
)
def test_any_bytes_parse_or_fail_cleanly(raw: bytes) -> None:
    try:
        result = IseParser().parse(raw)
    except MetronError:
        return
    for m in result.messages:
        orjson.dumps(m)
