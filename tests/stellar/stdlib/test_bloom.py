"""BLOOM_INIT, BLOOM_ADD, BLOOM_EXISTS, BLOOM_MERGE and the BloomFilter class."""

from __future__ import annotations

import contextlib
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib.bloom import BloomFilter, encode_value
from metron.stellar.types import Char, Float, JavaSet, Long, f32

VARIABLES: dict[str, Any] = {
    "string": "casey",
    "double": 1.0,
    "integer": 1,
    "map": {"key1": "value1", "key2": "value2"},
}


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


# -- BLOOM_INIT ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected", "fpp", "bits", "hashes"),
    [
        ("BLOOM_INIT()", 100_000, f32(0.01), 958_528, 7),
        ("BLOOM_INIT(1000)", 100_000, f32(0.01), 958_528, 7),  # a lone argument is ignored
        ("BLOOM_INIT(1000, 0.05)", 1000, f32(0.01), 9600, 7),  # the rate needs three arguments
        ("BLOOM_INIT(1000, 0.05, 'ignored')", 1000, f32(0.05), 6272, 4),
        ("BLOOM_INIT('1000', '0.05', null)", 1000, f32(0.05), 6272, 4),
        ("BLOOM_INIT(1000.9, 0.05, 0)", 1000, f32(0.05), 6272, 4),
        ("BLOOM_INIT(0, 0.01, 0)", 0, f32(0.01), 64, 6),  # zero insertions are sized as one
    ],
)
def test_bloom_init_sizing(
    expression: str, expected: int, fpp: float, bits: int, hashes: int
) -> None:
    bloom = ev(expression)
    assert isinstance(bloom, BloomFilter)
    assert bloom.expected_insertions == expected
    assert bloom.fpp == fpp
    assert bloom.bit_size == bits
    assert bloom.num_hashes == hashes
    assert bloom.bits_set() == 0


@pytest.mark.parametrize(
    "expression",
    [
        "BLOOM_INIT(-1, 0.01, 0)",
        "BLOOM_INIT(10, 0, 0)",
        "BLOOM_INIT(10, 1.0, 0)",
        "BLOOM_INIT(10, -0.5, 0)",
        "BLOOM_INIT(10, NaN, 0)",
        "BLOOM_INIT(10, 'x', 0)",
        "BLOOM_INIT(10, null, 0)",
        "BLOOM_INIT(null, 0.1)",
        "BLOOM_INIT('many', 0.1)",
        "BLOOM_INIT(1, 0.99, 0)",  # no bits at all
        "BLOOM_INIT(2147483647, 0.0000001, 0)",  # far too large to allocate
    ],
)
def test_bloom_init_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_bloom_init_is_a_new_filter_each_time() -> None:
    expression = stellar.compile("BLOOM_INIT()")
    assert expression.evaluate({}) is not expression.evaluate({})


# -- BLOOM_ADD / BLOOM_EXISTS -------------------------------------------------------------


def test_add_then_every_value_is_found() -> None:
    bloom = ev("BLOOM_ADD(BLOOM_INIT(), string, double, integer, map)", VARIABLES)
    for value in VARIABLES.values():
        assert bloom.might_contain(value)
    assert bloom.might_contain({"key1": "value1", "key2": "value2"})


@pytest.mark.parametrize(
    ("probe", "expected"),
    [("'casey'", True), ("double", True), ("integer", True), ("map", True), ("'samantha'", False)],
)
def test_exists(probe: str, expected: bool) -> None:
    expression = f"BLOOM_EXISTS(BLOOM_ADD(BLOOM_INIT(), string, double, integer, map), {probe})"
    assert ev(expression, VARIABLES) is expected


def test_add_changes_the_filter_in_place() -> None:
    bloom = BloomFilter(100, f32(0.01))
    assert ev("BLOOM_ADD(b, 'x', null)", {"b": bloom}) is bloom
    assert "x" in bloom
    assert ev("BLOOM_EXISTS(b, 'x')", {"b": bloom}) is True


@pytest.mark.parametrize(
    ("added", "probe"),
    [
        (1, Long(1)),
        (1, 1.0),
        (1.0, Float(1.0)),
        (1, "1"),
        ("a", Char("a")),
        (True, 1),
        ([1, 2], [2, 1]),
        ([1], JavaSet([1])),
        ({"a": 1}, {"a": Long(1)}),
    ],
)
def test_values_of_different_java_types_are_different_members(added: Any, probe: Any) -> None:
    bloom = BloomFilter(1000, f32(0.001))
    bloom.add(added)
    assert bloom.might_contain(added)
    assert not bloom.might_contain(probe)


def test_false_positive_rate_is_about_as_asked() -> None:
    bloom = ev("BLOOM_INIT(2000, 0.01, 0)")
    for i in range(2000):
        bloom.add(f"member-{i}")
    false_positives = sum(bloom.might_contain(f"other-{i}") for i in range(20000))
    assert false_positives / 20000 < 0.02


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("BLOOM_EXISTS()", False),
        ("BLOOM_EXISTS(null)", False),
        ("BLOOM_EXISTS(BLOOM_INIT())", False),
        ("BLOOM_EXISTS(BLOOM_INIT(), null)", False),
        ("BLOOM_EXISTS(null, null)", False),
        ("BLOOM_ADD(null)", None),
        ("BLOOM_ADD(null, null)", None),
    ],
)
def test_exists_and_add_edge_cases(expression: str, expected: Any) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize(
    "expression",
    [
        "BLOOM_ADD()",
        "BLOOM_ADD('x')",
        "BLOOM_ADD([1], 2)",
        "BLOOM_ADD(null, 1)",
        "BLOOM_EXISTS('x')",
        "BLOOM_EXISTS('x', 1)",
        "BLOOM_EXISTS(null, 'casey')",
        "BLOOM_EXISTS(BLOOM_ADD(BLOOM_INIT(), 'a'), sam)",
    ],
)
def test_add_and_exists_errors(expression: str) -> None:
    if "sam)" in expression:
        with pytest.raises(stellar.StellarError):
            stellar.evaluate(expression, {}, strict=True)
        return
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- BLOOM_MERGE --------------------------------------------------------------------------


def test_merge_into_the_first_filter() -> None:
    filters = {
        name: ev(f"BLOOM_ADD(BLOOM_INIT(), {name})", VARIABLES)
        for name in ("string", "double", "integer", "map")
    }
    merged = ev("BLOOM_MERGE([string, 'skipped', double, null, integer, map])", filters)
    assert merged is filters["string"]
    for value in VARIABLES.values():
        assert merged.might_contain(value)
    assert not filters["double"].might_contain("casey")


@pytest.mark.parametrize(
    "expression",
    [
        "BLOOM_MERGE([])",
        "BLOOM_MERGE(['a', 1])",
        "BLOOM_MERGE(null)",
        "BLOOM_MERGE()",
        "BLOOM_MERGE(5)",
    ],
)
def test_merge_gives_null(expression: str) -> None:
    assert ev(expression) is None


def test_merge_needs_a_list() -> None:
    # Only a list is accepted (Metron checks for a List).
    assert ev("BLOOM_MERGE(b)", {"b": BloomFilter()}) is None
    assert ev("BLOOM_MERGE([b])", {"b": (bloom := BloomFilter())}) is bloom


@pytest.mark.parametrize(
    "expression",
    [
        "BLOOM_MERGE([b, b])",  # a filter cannot be merged with itself
        "BLOOM_MERGE([b, BLOOM_INIT(10, 0.01, 0)])",
        "BLOOM_MERGE([b, BLOOM_INIT(1000, 0.01, 0)])",  # same insertions, another rate
    ],
)
def test_merge_errors(expression: str) -> None:
    bloom = BloomFilter(1000, f32(0.05))
    with pytest.raises(stellar.StellarError):
        ev(expression, {"b": bloom})


# -- the BloomFilter class ----------------------------------------------------------------


def test_encoding_is_stable() -> None:
    assert encode_value("casey") == b"S\x00\x00\x00\x05casey"
    assert encode_value(["a", 1, {"k": 2.0}]) == (
        b"L\x00\x00\x00\x03S\x00\x00\x00\x01aI\x00\x00\x00\x01"
        b"M\x00\x00\x00\x01S\x00\x00\x00\x01kD@\x00\x00\x00\x00\x00\x00\x00"
    )


def test_bit_positions_are_stable() -> None:
    bloom = BloomFilter(1000, f32(0.01))
    bloom.add("casey")
    bloom.add(1)
    expected = {4875, 4989, 6325, 6439, 6553, 7889, 8003, 1317, 1336, 3926, 5737, 6516, 8327, 8346}
    bits = int.from_bytes(bloom.to_bytes()[-bloom.bit_size // 8 :], "little")
    assert {i for i in range(bloom.bit_size) if bits >> i & 1} == expected


def test_serialisation_round_trip() -> None:
    bloom = BloomFilter(500, f32(0.02))
    for value in ("a", 1, Long(2), [1, None], {"x": True}):
        bloom.add(value)
    copy = BloomFilter.from_bytes(bloom.to_bytes())
    assert copy == bloom
    assert copy.num_hashes == bloom.num_hashes and copy.fpp == bloom.fpp
    assert copy.might_contain([1, None])
    assert pickle.loads(pickle.dumps(bloom)) == bloom
    assert bloom != BloomFilter(500, f32(0.02))


@pytest.mark.parametrize("data", [b"", b"nonsense", BloomFilter(10, 0.1).to_bytes()[:-1]])
def test_from_bytes_rejects_garbage(data: bytes) -> None:
    with pytest.raises(stellar.StellarError):
        BloomFilter.from_bytes(data)


def test_str_is_a_short_description() -> None:
    bloom = ev("BLOOM_ADD(BLOOM_INIT(), 'a')")
    text = str(bloom)
    assert text.startswith("BloomFilter(")
    assert "958528 bits" in text and "7 hashes" in text and "7 bits set" in text
    assert len(text) < 200


_values = st.recursive(
    st.one_of(st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(st.lists(_values, max_size=10))
def test_no_false_negatives(values: list[Any]) -> None:
    bloom = BloomFilter(50, f32(0.01))
    for value in values:
        bloom.add(value)
    assert all(bloom.might_contain(value) for value in values)


@given(_values, _values)
def test_bloom_functions_never_raise_anything_but_stellar_errors(a: Any, b: Any) -> None:
    for expression in (
        "BLOOM_INIT(a, b, 0)",
        "BLOOM_ADD(a, b)",
        "BLOOM_EXISTS(a, b)",
        "BLOOM_MERGE(a)",
    ):
        with contextlib.suppress(stellar.StellarError):
            ev(expression, {"a": a, "b": b})
