"""Stellar values to JSON and back."""

from __future__ import annotations

import math

from metron.stellar.serialize import from_json, to_json
from metron.stellar.types import Float, JavaSet, Long


def test_json_integers_become_ints_or_longs() -> None:
    value = from_json('{"small": 7, "big": 3000000000, "neg": -2147483648, "list": [2147483648]}')
    assert type(value["small"]) is int
    assert type(value["big"]) is Long
    assert type(value["neg"]) is int
    assert type(value["list"][0]) is Long


def test_from_json_accepts_nan() -> None:
    assert math.isnan(from_json("NaN"))
    assert from_json("[Infinity]") == [math.inf]


def test_to_json_forms() -> None:
    assert to_json(None) == "null"
    assert to_json([True, 1, Long(2), 2.5, Float(0.1)]) == "[true,1,2,2.5,0.1]"
    assert to_json(JavaSet(["a", "b"])) == '["a","b"]'
    assert to_json({1: "x", "k": {"n": None}}) == '{"1":"x","k":{"n":null}}'
    assert to_json([math.nan, math.inf, -math.inf]) == "[NaN,Infinity,-Infinity]"
    assert to_json('quote"and\nnewline') == '"quote\\"and\\nnewline"'


def test_opaque_values_print_their_string_form() -> None:
    class Sketch:
        def __str__(self) -> str:
            return "Sketch(42)"

    assert to_json({"s": Sketch()}) == '{"s":"Sketch(42)"}'
