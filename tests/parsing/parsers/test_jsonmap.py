"""The jsonMap parser: map strategies, JsonPath queries, wrapping, original strings."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.base import ParserError
from metron.parsing.parsers.jsonmap import JsonMapParser
from metron.stellar.types import Long

NESTED = b'{"c":{"blah":7,"blah2":"foo","big":{"inner":"baz","deeper":{"color":"grey"}}},"k":"v"}'


def messages(raw: bytes | str, **config: Any) -> list[dict[str, Any]]:
    data = raw.encode() if isinstance(raw, str) else raw
    return JsonMapParser(config).parse(data).messages


def without_time(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "timestamp"}


def test_plain_object_gets_current_time() -> None:
    before = time.time_ns() // 1_000_000
    (m,) = messages('{"foo":"bar","number":2.0,"n":3}')
    assert without_time(m) == {"foo": "bar", "number": 2.0, "n": 3}
    assert type(m["timestamp"]) is Long and before <= int(m["timestamp"]) <= before + 5000


def test_existing_timestamp_is_kept() -> None:
    (m,) = messages('{"timestamp": 1000, "a": 1}')
    assert m["timestamp"] == 1000


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("DROP", {"k": "v"}),
        (
            "ALLOW",
            {
                "k": "v",
                "c": {
                    "blah": 7,
                    "blah2": "foo",
                    "big": {"inner": "baz", "deeper": {"color": "grey"}},
                },
            },
        ),
        (
            "UNFOLD",
            {
                "k": "v",
                "c.blah": 7,
                "c.blah2": "foo",
                "c.big.inner": "baz",
                "c.big.deeper.color": "grey",
            },
        ),
    ],
)
def test_map_strategies(strategy: str, expected: dict[str, Any]) -> None:
    (m,) = messages(NESTED, mapStrategy=strategy)
    assert without_time(m) == expected


def test_error_strategy_rejects_nested_objects() -> None:
    with pytest.raises(ParserError, match="because value is a map"):
        messages(NESTED, mapStrategy="ERROR")
    assert messages('{"flat": [1, {"in": "list"}]}', mapStrategy="ERROR")[0]["flat"] == [
        1,
        {"in": "list"},
    ]


def test_integers_are_typed_as_jackson_reads_them() -> None:
    (m,) = messages('{"small": 5, "big": 5000000000}')
    assert type(m["small"]) is int and type(m["big"]) is Long


def test_query_emits_one_message_per_object() -> None:
    raw = '{"foo":[{"name":"foo1","number":1.0},{"name":"foo2","number":2.0}]}'
    out = messages(raw, jsonpQuery="$.foo")
    assert [without_time(m) for m in out] == [
        {"name": "foo1", "number": 1.0},
        {"name": "foo2", "number": 2.0},
    ]
    assert all("original_string" not in m for m in out)


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("$.foo[*]", 2),
        ("$.foo[?(@.n > 1)]", 1),
        ("$.nothing", 0),
        ("$.foo[5:9]", 0),
        ("$['foo']", 2),
    ],
)
def test_query_forms(query: str, count: int) -> None:
    assert len(messages('{"foo":[{"n":1},{"n":2}]}', jsonpQuery=query)) == count


@pytest.mark.parametrize(
    "raw", ['{"foo":{"n":1}}', '{"foo":"text"}', '{"foo":[{"n":1},3]}', '{"foo":[null]}']
)
def test_query_must_find_objects(raw: str) -> None:
    with pytest.raises(ParserError):
        messages(raw, jsonpQuery="$.foo")


def test_query_finding_null_gives_nothing() -> None:
    assert messages('{"foo":null}', jsonpQuery="$.foo") == []


def test_override_original_string_prints_like_json_simple() -> None:
    raw = '{"foo":[{"name":"foo1","value":"bar","number":1.0,"u":"a/b","w":{"z":1,"a":2}}]}'
    (m,) = messages(raw, jsonpQuery="$.foo", overrideOriginalString=True)
    # A java.util.HashMap copy orders the top level (checked with Java 17); nested
    # objects keep their order.
    assert m["original_string"] == (
        '{"name":"foo1","number":1.0,"value":"bar","u":"a\\/b","w":{"z":1,"a":2}}'
    )


def test_wrapped_entities() -> None:
    config = {"jsonpQuery": "$.items", "wrapInEntityArray": "true", "wrapEntityName": "items"}
    out = messages('{"a":1},{"a":2},  \t', **config)
    assert [m["a"] for m in out] == [1, 2]
    config["wrapInEntityArray"] = False
    # Unwrapped, Jackson reads the first object only, which has no "items".
    assert messages('{"a":1},{"a":2}', **config) == []


def test_wrap_default_entity_name() -> None:
    out = messages('{"a":1}', jsonpQuery="$.messages", wrapInEntityArray=True)
    assert out[0]["a"] == 1


def test_trailing_text_is_ignored_like_jackson() -> None:
    assert messages('{"a":1} and then some')[0]["a"] == 1


@pytest.mark.parametrize(
    "config",
    [
        {"mapStrategy": "FLATTEN"},
        {"jsonpQuery": "$$..$$SDSE$#$#."},
        {"jsonpQuery": 5},
        {"overrideOriginalString": 3},
    ],
)
def test_bad_config(config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        JsonMapParser(config)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"[1,2]",
        b"null",
        b"42",
        b"not json",
        b'{"a":',
        b"\xff\xfe",
        b"{" * 200_000,
        b'{"a":NaN}',
    ],
)
def test_bad_records_raise(raw: bytes) -> None:
    with pytest.raises(ParserError):
        JsonMapParser({}).parse(raw)


def test_megabyte_record() -> None:
    big = "x" * 1_000_000
    start = time.perf_counter()
    assert messages('{"big":"' + big + '"}')[0]["big"] == big
    assert time.perf_counter() - start < 1.0


@settings(max_examples=300, deadline=1000)
@given(st.binary(max_size=2000), st.sampled_from(["DROP", "UNFOLD", "ALLOW", "ERROR"]))
def test_random_bytes_parse_or_raise(raw: bytes, strategy: str) -> None:
    for config in ({"mapStrategy": strategy}, {"mapStrategy": strategy, "jsonpQuery": "$..a"}):
        with contextlib.suppress(ParserError):
            JsonMapParser(config).parse(raw)
