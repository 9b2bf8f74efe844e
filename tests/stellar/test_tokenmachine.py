"""Metron's token-stack evaluator: its quirks, and agreement with the compiled closures."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar import StellarContext, StellarError
from metron.stellar.compiler import compile_tree
from metron.stellar.parser import parse, parse_checked
from metron.stellar.tokenmachine import has_else_hazard, machine
from metron.stellar.types import java_equals


def ev(expression: str, **variables: Any) -> Any:
    return stellar.evaluate(expression, variables)


def test_a_nested_conditional_inside_a_skipped_else_leaves_work_on_the_stack() -> None:
    # Metron skips a true conditional's else branch only to the first end marker.
    with pytest.raises(StellarError, match="empty stack"):
        ev("true ? 1 : TO_STRING(false ? 2 : 3)")
    assert ev("true ? 1 : (false ? 2 : 3) + 4") == 5
    assert ev("false ? 1 : TO_STRING(false ? 2 : 3)") == "3"


def test_chained_conditionals_are_not_affected() -> None:
    assert ev("true ? 1 : false ? 2 : 3") == 1
    assert ev("false ? 1 : true ? 2 : 3") == 2
    assert ev("if x then 'a' else if y then 'b' else 'c'", x=True) == "a"
    assert not has_else_hazard(parse("a ? 1 : b ? 2 : c ? 3 : 4"), "a ? 1 : b ? 2 : c ? 3 : 4")


def test_non_boolean_condition_inside_arguments_passes_every_value_on() -> None:
    assert ev("TO_STRING(if 'foo' then 1 else 2)") == "foo"
    assert ev("[if 'foo' then 1 else 2]") == ["foo", 1, 2]


def test_a_short_circuited_inner_logical_confuses_the_outer_one() -> None:
    # The inner 'or' leaves its operand carrying the inner frame; the outer 'or' then skips
    # to the end, and the pending 'and' operand stays on the stack: Metron fails.
    with pytest.raises(StellarError, match="Invalid parse"):
        ev("x and (x or n == 2) or x", x=True, n=1)
    assert ev("(x or y) or z", x=True) is True  # harmless when nothing else is pending
    assert ev("(x or y) and z", x=True, z=True) is True


def test_non_boolean_condition_at_the_top_is_an_error() -> None:
    with pytest.raises(StellarError, match="must be a boolean"):
        ev("'foo' ? 1 : 2")
    with pytest.raises(StellarError, match="must be a boolean"):
        ev("match{ 1 => 'a', default => 'b'}")


# fmt: off
FRAGMENTS = [
    "x", "y", "n", "s", "l", "1", "2L", "0.5", "'a'", "true", "false", "null", "[1, 'a']",
    "{'k' : 1}", "(x ? 1 : 2)", "(y and x)", "(n + 1)", "(n / 2 * 3)", "LENGTH(s)",
    "TO_UPPER(s)", "(n > 1)", "('a' in s)", "(x or n == 2)", "MAP(l, v -> v)",
    "(true ? n : (false ? 1 : 2))", "not(x)", "exists(y)",
]
OPERATORS = [" + ", " * ", " == ", " != ", " < ", " and ", " or ", " in ", " ? ", " : "]
# fmt: on


@st.composite
def expressions(draw: st.DrawFn) -> str:
    parts = [draw(st.sampled_from(FRAGMENTS))]
    for _ in range(draw(st.integers(0, 4))):
        parts.append(draw(st.sampled_from(OPERATORS)))
        parts.append(draw(st.sampled_from(FRAGMENTS)))
    return "".join(parts)


VARIABLES = {"x": True, "y": None, "n": 3, "s": "abc", "l": [1, 2]}


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return ("value", fn(dict(VARIABLES)))
    except StellarError:
        return ("error", None)


@settings(max_examples=600, deadline=None)
@given(expressions())
def test_closures_and_token_machine_agree(text: str) -> None:
    try:
        tree = parse(text)
    except StellarError:
        return
    context = StellarContext()
    closures = _outcome(compile_tree(tree, text, context, strict=False))
    tokens = _outcome(machine(parse(text), text, context, strict=False))
    _, nested_else, nested_logical = parse_checked(text)
    if nested_logical or (nested_else and has_else_hazard(parse(text), text)):
        return  # the closures are knowingly not used for these
    if closures[0] == "error":
        return  # includes non-boolean conditions, which fall back to the machine
    assert tokens[0] == "value", f"{text}: closures gave {closures[1]!r}, the machine failed"
    a, b = closures[1], tokens[1]
    if isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b)
    elif callable(a):
        assert callable(b)
    else:
        assert java_equals(a, b), f"{text}: closures {a!r}, machine {b!r}"
