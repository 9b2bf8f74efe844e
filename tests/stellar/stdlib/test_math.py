"""ABS, CEILING, FLOOR, ROUND, SQRT, EXP, LN, LOG2, LOG10, SIN, COS, TAN and IS_NAN."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib.math import java_round
from metron.stellar.types import Float, Long, java_equals, to_java_string

ONE_ARG = ["ABS", "CEILING", "FLOOR", "SQRT", "EXP", "LN", "LOG2", "LOG10", "SIN", "COS", "TAN"]


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


def call(name: str, value: Any) -> Any:
    return ev(f"{name}(v)", {"v": value})


def close(result: Any, expected: float) -> bool:
    if math.isnan(expected):
        return isinstance(result, float) and math.isnan(result)
    return type(result) is float and math.isclose(result, expected, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ABS", 0.0, 0.0), ("ABS", 10.5, 10.5), ("ABS", -10.5, 10.5), ("ABS", -3, 3.0),
        ("ABS", Long(-3), 3.0), ("ABS", Float(-1.5), 1.5), ("ABS", -math.inf, math.inf),
        ("SQRT", 0.0, 0.0), ("SQRT", 25.0, 5.0), ("SQRT", -10.5, math.nan), ("SQRT", math.inf, math.inf),
        ("CEILING", 0.0, 0.0), ("CEILING", 10.5, 11.0), ("CEILING", -10.5, -10.0), ("CEILING", 3, 3.0),
        ("FLOOR", 0.0, 0.0), ("FLOOR", 10.5, 10.0), ("FLOOR", -10.5, -11.0), ("FLOOR", 1e300, 1e300),
        ("SIN", 0.0, 0.0), ("SIN", math.pi / 6, 0.5), ("SIN", math.pi / 2, 1.0), ("SIN", math.inf, math.nan),
        ("COS", 0.0, 1.0), ("COS", math.pi / 3, 0.5), ("COS", math.pi / 2, 0.0), ("COS", -math.inf, math.nan),
        ("TAN", 0.0, 0.0), ("TAN", math.pi / 4, 1.0), ("TAN", math.pi / 3, math.sqrt(3)),
        ("TAN", math.inf, math.nan),
        ("EXP", 0.0, 1.0), ("EXP", 0.5, math.sqrt(math.e)), ("EXP", 1.0, math.e), ("EXP", 2.0, math.e**2),
        ("EXP", 1000.0, math.inf), ("EXP", -math.inf, 0.0), ("EXP", -1000.0, 0.0),
        ("LN", math.e, 1.0), ("LN", 0.0, -math.inf), ("LN", -1.0, math.nan), ("LN", math.inf, math.inf),
        ("LOG2", 2.0, 1.0), ("LOG2", 0.0, -math.inf), ("LOG2", -2.0, math.nan),
        ("LOG10", 10.0, 1.0), ("LOG10", 0.0, -math.inf), ("LOG10", -0.0, -math.inf),
        ("LOG10", -1.0, math.nan),
    ],
)  # fmt: skip
def test_one_argument_functions(name: str, value: Any, expected: float) -> None:
    assert close(call(name, value), expected)


@pytest.mark.parametrize("name", ["LN", "LOG2", "LOG10"])
@pytest.mark.parametrize("power", range(1, 11))
def test_logarithms_of_powers(name: str, power: int) -> None:
    base = {"LN": math.e, "LOG2": 2.0, "LOG10": 10.0}[name]
    assert close(call(name, base**power), float(power))


def test_log2_divides_natural_logarithms() -> None:
    # ln(2^29) / ln(2) is not exactly 29 in doubles; Metron computes it that way.
    assert call("LOG2", 2.0**29) == math.log(2.0**29) / math.log(2)


@pytest.mark.parametrize("name", ONE_ARG)
def test_null_missing_and_nan_give_nan(name: str) -> None:
    for expression in (f"{name}(null)", f"{name}()", f"{name}(missing)", f"{name}(NaN)"):
        result = ev(expression)
        assert type(result) is float and math.isnan(result), expression


@pytest.mark.parametrize("name", [*ONE_ARG, "ROUND"])
@pytest.mark.parametrize("value", ["'1'", "true", "[1]", "{'a': 1}"])
def test_non_numbers_are_errors(name: str, value: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(f"{name}({value})")


@pytest.mark.parametrize("name", ONE_ARG)
def test_results_are_doubles_and_extra_arguments_ignored(name: str) -> None:
    result = ev(f"{name}(1, 'ignored')")
    assert type(result) is float


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("CEILING", -0.5, "-0.0"),
        ("CEILING", -0.0, "-0.0"),
        ("FLOOR", -0.0, "-0.0"),
        ("FLOOR", 0.5, "0.0"),
        ("ABS", -0.0, "0.0"),
        ("SQRT", -0.0, "-0.0"),
        ("CEILING", 11, "11.0"),
        ("ABS", 1e7, "1.0E7"),
    ],
)
def test_java_text_of_results(name: str, value: Any, text: str) -> None:
    assert to_java_string(call(name, value)) == text


# -- ROUND --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, 0), (0.5, 1), (0.4, 0), (-0.5, 0), (2.5, 3), (-2.5, -2), (-0.0, 0), (1.4999999999999998, 1),
        (0.49999999999999994, 0), (-0.49999999999999994, 0), (-0.5000000000000001, -1),
        (4503599627370497.0, 4503599627370497), (-1e-300, 0), (7, 7), (Long(-7), -7),
        (Float(2.5), 3), (1e20, 2**63 - 1), (-1e20, -(2**63)), (math.inf, 2**63 - 1),
        (-math.inf, -(2**63)),
    ],
)  # fmt: skip
def test_round(value: Any, expected: int) -> None:
    result = call("ROUND", value)
    assert type(result) is Long
    assert int(result) == expected


@pytest.mark.parametrize("expression", ["ROUND(null)", "ROUND()", "ROUND(NaN)", "ROUND(0.0/0.0)"])
def test_round_of_nothing_is_a_nan_double(expression: str) -> None:
    result = ev(expression)
    assert type(result) is float and math.isnan(result)


@given(st.floats(allow_nan=False, min_value=-1e19, max_value=1e19))
def test_round_is_half_up(x: float) -> None:
    exact = math.floor(Fraction(x) + Fraction(1, 2))
    exact = max(-(2**63), min(2**63 - 1, exact))
    assert int(java_round(x)) == exact


# -- IS_NAN -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("IS_NAN(NaN)", True),
        ("IS_NAN(0.0/0.0)", True),
        ("IS_NAN(1.0)", False),
        ("IS_NAN(1)", False),
        ("IS_NAN(1L)", False),
        ("IS_NAN(SQRT(-1))", True),
        ("IS_NAN(ABS())", True),
    ],
)
def test_is_nan(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


def test_is_nan_of_a_float_nan() -> None:
    assert call("IS_NAN", Float(math.nan)) is True


@pytest.mark.parametrize(
    "expression", ["IS_NAN('casey')", "IS_NAN()", "IS_NAN(null)", "IS_NAN(1, 2)", "IS_NAN(true)"]
)
def test_is_nan_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


@given(st.one_of(st.floats(), st.integers(-(2**63), 2**63 - 1), st.none(), st.text(max_size=3)))
def test_math_never_raises_anything_but_stellar_errors(value: Any) -> None:
    for name in [*ONE_ARG, "ROUND", "IS_NAN"]:
        try:
            result = call(name, value)
        except stellar.StellarError:
            continue
        if name == "IS_NAN":
            assert type(result) is bool
        elif (
            name == "ROUND"
            and not (isinstance(value, float) and math.isnan(value))
            and value is not None
        ):
            assert type(result) is Long
        else:
            assert type(result) is float


def test_constant_calls_fold() -> None:
    assert java_equals(ev("ABS(-2) == 2.0"), True)
