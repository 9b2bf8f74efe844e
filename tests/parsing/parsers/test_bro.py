"""The bro parser: Metron's field mapping, its original_string, and bad input."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.base import ParserError
from metron.parsing.parsers._bro import decimal_format
from metron.parsing.parsers._jsonsimple import hashmap_order, to_json_string
from metron.parsing.parsers.bro import BroParser
from metron.stellar.types import Long


def parse(line: str | bytes, **config: Any) -> dict[str, Any]:
    raw = line.encode() if isinstance(line, str) else line
    result = BroParser(config).parse(raw)
    assert len(result.messages) == 1
    return result.messages[0]


def as_json(message: dict[str, Any]) -> Any:
    return orjson.loads(orjson.dumps(message))


def test_wrapped_record_maps_metron_fields() -> None:
    m = parse(
        '{"conn":{"ts":1700000000.25,"uid":"Cx1","id.orig_h":"10.1.1.1","id.orig_p":4000,'
        '"id.resp_h":"10.2.2.2","id.resp_p":53,"proto":"udp"}}'
    )
    assert as_json(m) == {
        "timestamp": 1700000000250,
        "bro_timestamp": "1700000000.25",
        "uid": "Cx1",
        "ip_src_addr": "10.1.1.1",
        "ip_src_port": 4000,
        "ip_dst_addr": "10.2.2.2",
        "ip_dst_port": 53,
        "proto": "udp",
        "protocol": "conn",
        "original_string": m["original_string"],
    }
    assert type(m["timestamp"]) is Long and type(m["ip_src_port"]) is Long


def test_original_string_is_upper_type_pipe_and_pairs_in_hashmap_order() -> None:
    m = parse('{"dns":{"ts":1.5,"uid":"C1","query":"a.example","AA":true,"TTLs":[30.0]}}')
    # A Java HashMap iterates these five keys in this order (checked with Java 17).
    assert hashmap_order(["ts", "uid", "query", "AA", "TTLs"]) == [
        "AA",
        "TTLs",
        "uid",
        "query",
        "ts",
    ]
    assert m["original_string"] == "DNS | AA:true TTLs:[30.0] uid:C1 query:a.example ts:1.5"


def test_unwrapped_record_with_type_key() -> None:
    m = parse('{"ts":1700000000,"uid":"C2","id.orig_h":"10.0.0.5","type":"weird","sensor":"s1"}')
    assert m["protocol"] == "weird"
    assert m["type"] == "weird"  # the type key stays, as in Metron
    assert m["original_string"].startswith("WEIRD | ")
    assert m["bro_timestamp"] == "1700000000.0"


def test_top_level_key_is_cleaned() -> None:
    assert parse('{"ht-tp!":{"ts":2}}')["protocol"] == "http"


def test_nested_keys_are_not_cleaned() -> None:
    assert "we-ird" in parse('{"x":{"ts":2,"we-ird":1}}')


def test_hosts_lists_give_addresses_only_without_id_fields() -> None:
    m = parse('{"files":{"ts":2,"tx_hosts":["10.9.9.9","10.9.9.8"],"rx_hosts":[]}}')
    assert m["ip_src_addr"] == "10.9.9.9"
    assert "ip_dst_addr" not in m and "tx_hosts" not in m and "rx_hosts" not in m
    m = parse('{"x":{"ts":2,"id.orig_h":"1.1.1.1","tx_hosts":["2.2.2.2"]}}')
    assert m["ip_src_addr"] == "1.1.1.1" and m["tx_hosts"] == ["2.2.2.2"]


def test_source_ip_wins_over_id_orig_h() -> None:
    m = parse('{"x":{"ts":2,"id.orig_h":"1.1.1.1","source_ip":"3.3.3.3"}}')
    assert m["ip_src_addr"] == "3.3.3.3" and m["id.orig_h"] == "1.1.1.1"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (12345678.0, "12345678.0"),
        (12345678.1, "12345678.1"),
        (12345678.111111, "12345678.111111"),
        (1711962370.1234567, "1711962370.123457"),
        (0.0078125, "0.007812"),  # an exact tie: half-even
        (-0.0000001, "-0.0"),
        (1e22, "10000000000000000000000.0"),
    ],
)
def test_decimal_format_matches_java(seconds: float, text: str) -> None:
    assert decimal_format(seconds) == text


def test_truncated_milliseconds() -> None:
    assert parse('{"x":{"ts":1467657279.9999}}')["timestamp"] == Long(1467657279999)
    assert parse('{"x":{"ts":-1.5}}')["timestamp"] == Long(-1500)


def test_json_simple_text_of_nested_values() -> None:
    m = parse('{"x":{"ts":2,"l":["a/b","q\\"",1,2.5e-4,1e7,null,{"k":false}]}}')
    assert 'l:["a\\/b","q\\"",1,2.5E-4,1.0E7,null,{"k":false}]' in m["original_string"]
    assert to_json_string(["\u2001\x7f"]) == '["\\u2001\\u007F"]'


def test_record_without_ts_fails_validation() -> None:
    parser = BroParser({})
    m = parser.parse(b'{"conn":{"uid":"C"}}').messages[0]
    assert "timestamp" not in m and not parser.validate(m)


def test_empty_payload_is_still_a_message() -> None:
    assert parse('{"conn":{}}')["original_string"] == "CONN |"


@pytest.mark.parametrize(
    "line",
    [
        b'{"foo":"bar"}',
        b"foo bar",
        b"",
        b"{}",
        b"[1,2]",
        b'{"conn":{"ts":1,"x":null}}',
        b'{"conn":{"ts":"1.5"}}',
        b'{"conn":{"ts":true}}',
        b'{"conn":{"ts":1,"tx_hosts":"10.0.0.1"}}',
        b'{"conn":{"ts":1,"n":99999999999999999999}}',
        b'{"conn":{"ts":1,"n":9223372036854775808}}',
        b'{"conn":{"ts":1,"n":[12000000000000000000]}}',
        b'{"type":null}',
        b'{"conn":{"ts":1}} trailing',
        b'{"conn":{"ts":1,"uid":"C',
        b"\xff\xfe\x00garbage",
        b"\xef\xbb\xbf{}",
        b"[" * 100_000,
    ],
)
def test_bad_records_raise(line: bytes) -> None:
    with pytest.raises((ParserError, ValueError, TypeError)):
        BroParser({}).parse(line)


def test_long_boundaries() -> None:
    m = parse('{"x":{"ts":1,"n":9223372036854775807,"d":1.2e19}}')
    assert m["n"] == Long(9223372036854775807)
    assert "d:12000000000000000000.0" in m["original_string"]


def test_invalid_utf8_is_replaced_and_control_characters_accepted() -> None:
    m = parse(b'{"x":{"ts":1,"s":"a\xffb","t":"tab\there"}}')
    assert m["s"] == "a\ufffdb" and m["t"] == "tab\there"


def test_other_charset() -> None:
    raw = '{"x":{"ts":1,"s":"é"}}'.encode("utf-16")
    assert parse(raw, readCharset="UTF-16")["s"] == "é"


def test_megabyte_record_is_quick() -> None:
    big = "a" * 1_000_000
    start = time.perf_counter()
    m = parse('{"http":{"ts":1,"uri":"' + big + '"}}')
    assert m["uri"] == big
    assert time.perf_counter() - start < 1.0


def test_many_shapes_do_not_grow_caches_without_bound() -> None:
    from metron.parsing.parsers import _jsonsimple, bro

    parser = BroParser({})
    for i in range(5000):
        parser.parse(f'{{"x":{{"ts":1,"k{i}":1}}}}'.encode())
    assert len(bro._PLANS) <= 4096 and len(_jsonsimple._ORDER_CACHE) <= 4096


@settings(max_examples=300, deadline=1000)
@given(st.binary(max_size=2000))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    with contextlib.suppress(ParserError, ValueError, TypeError):
        BroParser({}).parse(raw)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=1000)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=12), st.text(max_size=8))
def test_random_records_parse_or_raise(payload: dict[str, Any], log_type: str) -> None:
    raw = orjson.dumps({log_type: payload})
    try:
        m = BroParser({}).parse(raw).messages[0]
    except (ParserError, ValueError, TypeError):
        return
    assert m["original_string"].startswith(m["protocol"].upper() + " |")
