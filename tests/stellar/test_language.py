"""The Stellar language: operators, precedence, types and quirks, as Metron evaluates them."""

from __future__ import annotations

import math
from typing import Any

import pytest

from metron import stellar
from metron.stellar import StellarError, StellarSyntaxError
from metron.stellar.types import Float, JavaSet, Long, java_equals, java_type_name


def ev(expression: str, **variables: Any) -> Any:
    return stellar.evaluate(expression, variables)


def same(actual: Any, expected: Any) -> bool:
    return java_equals(actual, expected)


# -- arithmetic --------------------------------------------------------------------------

ARITHMETIC = [
    ("3 + 4", 7),
    ("10 - 4 - 3", 3),
    ("9 / 3 * 3", 1),  # '*' binds tighter than '/'
    ("24 / 4 * 2", 3),
    ("3 * 8 / 6", 4),
    ("64 / 4 / 2", 8),
    ("2 + 3 * 4", 14),
    ("(2 + 3) * 4", 20),
    ("-9 / 2", -4),  # truncation toward zero
    ("9 / -2", -4),
    ("7 - -2", 9),
    ("3*-2", -6),
    ("2147483647 + 2", -2147483647),  # 32-bit wrap
    ("-2147483648 - 1", 2147483647),
    ("2147483647L + 2", Long(2147483649)),
    ("9223372036854775807L + 1", Long(-9223372036854775808)),
    ("65536 * 65536", 0),
    ("1 + 2L", Long(3)),
    ("1 + 2.0", 3.0),
    ("1 + 0.5f", Float(1.5)),
    ("2L * 1.5f", Float(3.0)),
    ("0.5f + 0.25", 0.75),
    ("1.1f + 2.2", float(Float(1.1)) + 2.2),
    ("10 / 4.0", 2.5),
    ("1e3 + 1", 1001.0),
    ("2D", 2.0),
    ("3.f", Float(3.0)),
    (".25 * 4", 1.0),
    ("missing + 3", 3),  # null counts as 0
    ("3 * missing", 0),
]


@pytest.mark.parametrize(("expression", "expected"), ARITHMETIC)
def test_arithmetic(expression: str, expected: Any) -> None:
    result = ev(expression)
    assert same(result, expected), f"{result!r} ({java_type_name(result)})"


def test_float_arithmetic_is_single_precision() -> None:
    assert ev("0.1f + 0.2f == 0.3f") is True
    assert ev("0.1f + 0.2f == 0.3") is False
    assert type(ev("0.1f * 3")) is Float


def test_division_by_zero() -> None:
    with pytest.raises(StellarError, match="by zero"):
        ev("5 / 0")
    with pytest.raises(StellarError):
        ev("5L / 0L")
    assert ev("5 / 0.0") == math.inf
    assert ev("-5 / 0.0") == -math.inf
    assert math.isnan(ev("0.0 / 0"))
    assert float(ev("1.0f / 0")) == math.inf


def test_nan_propagates_and_never_equals() -> None:
    assert math.isnan(ev("NaN + 1"))
    assert ev("NaN == NaN") is False
    assert ev("NaN != NaN") is True
    assert ev("NaN < 1") is False
    assert ev("NaN >= NaN") is False


@pytest.mark.parametrize("expression", ["'a' + 1", "true + 1", "1 + null", "[1] + 1", "x + 'b'"])
def test_non_numbers_are_not_arithmetic_operands(expression: str) -> None:
    with pytest.raises(StellarSyntaxError):
        ev(expression)


def test_arithmetic_on_a_string_variable_is_an_error() -> None:
    with pytest.raises(StellarError, match="arithmetic needs numbers"):
        ev("x + 1", x="one")
    with pytest.raises(StellarError):
        ev("x * 2", x=True)


# -- literals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0", 0),
        ("-0", 0),
        ("12L", Long(12)),
        ("-3l", Long(-3)),
        ("2.5", 2.5),
        ("-2.5", -2.5),
        ("1.", 1.0),
        ("4e2", 400.0),
        ("4E-2", 0.04),
        ("7d", 7.0),
        ("2.5f", Float(2.5)),
        ("-.5f", Float(-0.5)),
        ("5F", Float(5.0)),
        ("'it''s'", None),  # placeholder replaced below
    ][:-1],
)
def test_number_literals(expression: str, expected: Any) -> None:
    assert same(ev(expression), expected)


@pytest.mark.parametrize(
    "expression",
    ["007", "01", "00L", "--2", "2147483648", "99999999999999999999L", "1-1", "4 -1"],
)
def test_bad_number_literals(expression: str) -> None:
    with pytest.raises(StellarSyntaxError):
        ev(expression)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'plain'", "plain"),
        ('"double"', "double"),
        ("'say \"hi\"'", 'say "hi"'),
        ('"it\'s"', "it's"),
        ("'it\\'s'", "it's"),
        ('"a \\"b\\""', 'a "b"'),
        ("'tab\\there'", "tab\there"),
        ("'line\\nbreak'", "line\nbreak"),
        ("'cr\\r'", "cr\r"),
        ("'back\\\\slash'", "back\\slash"),
        ("'\\\\d+'", "\\d+"),
        ("'' == \"\"", True),
        ("'1' == \"1\"", True),
    ],
)
def test_strings(expression: str, expected: Any) -> None:
    assert same(ev(expression), expected)


@pytest.mark.parametrize("expression", ["'\\d'", "'\\u0041'", "'unterminated", '"\\\'"', "'a\\\"'"])
def test_bad_escapes(expression: str) -> None:
    with pytest.raises(StellarSyntaxError):
        ev(expression)


def test_keywords_are_lower_or_upper_case_only() -> None:
    assert ev("TRUE") is True
    assert ev("NULL") is None
    assert stellar.evaluate("True", {"True": 5}) == 5  # an ordinary identifier
    assert ev("If", If="x") == "x"
    with pytest.raises(StellarSyntaxError):
        ev("If x then 1 else 2")


def test_identifiers_with_dots_and_colons() -> None:
    assert ev("ip.src:port", **{"ip.src:port": 80}) == 80
    assert ev("$price", **{"$price": 2}) == 2
    assert ev("a.b.c", **{"a.b.c": "deep"}) == "deep"


def test_comments() -> None:
    assert ev("1 + // one\n 2") == 3
    assert ev("// leading comment\n 5") == 5


# -- comparison and equality -------------------------------------------------------------

COMPARISONS = [
    ("2 < 3", True),
    ("3 <= 3", True),
    ("2L > 1", True),
    ("2.5 >= 2.5f", True),
    ("'abc' < 'abd'", True),
    ("'B' < 'a'", True),
    ("false < true", True),
    ("missing < 1", False),
    ("1 > missing", False),
    ("missing == null", True),
    ("null == null", True),
    ("null != false", True),
    ("'' == null", False),
    ("2 == 2.0", True),
    ("2L == 2", True),
    ("0 == -0.0", True),
    ("1 == '1'", False),
    ("true == 'true'", False),
    ("[1, 2] == [1, 2]", True),
    ("[1] == [1L]", False),
    ("[1] == [1.0]", False),
    ("{'a' : 1} == {'a' : 1}", True),
    ("1 < 2 == true", True),
    ("not(1 > 2) == true", True),
]


@pytest.mark.parametrize(("expression", "expected"), COMPARISONS)
def test_comparisons(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize("expression", ["1 < '1'", "'2' >= 1", "[1] < [2]", "true < 1"])
def test_incomparable_types(expression: str) -> None:
    with pytest.raises(StellarError, match="cannot compare"):
        ev(expression)


# -- in ----------------------------------------------------------------------------------

MEMBERSHIP = [
    ("'ell' in 'hello'", True),
    ("'xyz' in 'hello'", False),
    ("'b' in ['a', 'b']", True),
    ("2 in [1, 2, 3]", True),
    ("2 in [1L, 2L]", False),
    ("2L in [1L, 2L]", True),
    ("2.0 in [2]", False),
    ("true in [1]", False),
    ("null in [null]", True),
    ("'k' in {'k' : 1}", True),
    ("'v' in {'k' : 'v'}", False),
    ("1 in 1", True),
    ("true in true", True),
    ("'a' in missing", False),
    ("null in 'abc'", False),
    ("'a' not in ['b']", True),
    ("'a' NOT IN ['a']", False),
    ("null not in 'abc'", True),
    ("1 + 1 in [2]", True),
    ("'x' in 'yxz' == true", False),  # 'x' in ('yxz' == true)
    ("false in 'yxz' == true", True),
    ("'a' in ['a'] in [true]", False),  # 'a' in (['a'] in [true])
]


@pytest.mark.parametrize(("expression", "expected"), MEMBERSHIP)
def test_membership(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


def test_membership_with_variables() -> None:
    rule = stellar.compile("port in [22, 23, 3389]")
    assert rule.evaluate({"port": 22}) is True
    assert rule.evaluate({"port": 80}) is False
    assert rule.evaluate({"port": Long(22)}) is False
    assert rule.evaluate({"port": 22.0}) is False
    assert rule.evaluate({"port": None}) is False
    assert rule.evaluate({"port": [22]}) is False
    assert stellar.evaluate("x in s", {"x": 2, "s": JavaSet([1, 2])}) is True


# -- logic -------------------------------------------------------------------------------

LOGIC = [
    ("true && false", False),
    ("true || false", True),
    ("true AND true", True),
    ("false OR true", True),
    ("false and true or true", False),  # false and (true or true)
    ("true or false and false", True),
    ("true and false or true", True),  # true and (false or true)
    ("missing and true", False),
    ("missing or true", True),
    ("[] or true", True),
    ("{} and true", False),
    ("'yes' and true", True),
    ("'on' and 'y'", True),
    ("'nope' or false", False),
    ("1 and true", True),
    ("0 or false", False),
    ("[true] and true", True),
    ("not(true)", False),
    ("not(missing)", True),
    ("not([])", True),
    ("not('yes')", False),
    ("not(1 > 2 or 3 > 4)", True),
]


@pytest.mark.parametrize(("expression", "expected"), LOGIC)
def test_logic(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


def test_short_circuit_skips_the_right_side() -> None:
    assert ev("true or 1 / 0 == 1") is True
    assert ev("false and 1 / 0 == 1") is False
    assert ev("missing and 1 / 0 == 1") is False
    with pytest.raises(StellarError):
        ev("'true' or 1 / 0 == 1")  # a non-boolean left side does not short-circuit


@pytest.mark.parametrize(
    "expression", ["not true", "TO_STRING(true and false)", "[1 in [1]]", "!true", "a & b"]
)
def test_logic_syntax_errors(expression: str) -> None:
    with pytest.raises(StellarSyntaxError):
        ev(expression)


# -- conditionals ------------------------------------------------------------------------

CONDITIONALS = [
    ("1 < 2 ? 'yes' : 'no'", "yes"),
    ("if 1 > 2 then 'yes' else 'no'", "no"),
    ("IF true THEN 1 ELSE 2", 1),
    ("false ? 1 : 2 + 3", 5),
    ("true ? 1 : false ? 2 : 3", 1),
    ("false ? 1 : false ? 2 : 3", 3),
    ("10 + (false ? 1 : 2)", 12),
    ("missing ? 1 : 2", 2),
    ("[] ? 1 : 2", 2),
    ("true ? null : 1", None),
    ("if 1 < 2 and 'a' in ['a'] then 'both' else 'not'", "both"),
]


@pytest.mark.parametrize(("expression", "expected"), CONDITIONALS)
def test_conditionals(expression: str, expected: Any) -> None:
    assert same(ev(expression), expected)


def test_only_the_chosen_branch_is_evaluated() -> None:
    assert ev("true ? 1 : 1 / 0") == 1
    assert ev("if false then 1 / 0 else 2") == 2


@pytest.mark.parametrize("expression", ["'yes' ? 1 : 2", "1 ? 1 : 2", "if [1] then 1 else 2"])
def test_non_boolean_condition_is_an_error(expression: str) -> None:
    with pytest.raises(StellarError, match="must be a boolean"):
        ev(expression)


# -- match -------------------------------------------------------------------------------


def test_match_picks_the_first_true_clause() -> None:
    expression = "match{ n > 10 => 'big', n > 5 => 'medium', default => 'small'}"
    assert ev(expression, n=20) == "big"
    assert ev(expression, n=7) == "medium"
    assert ev(expression, n=1) == "small"
    assert ev(expression) == "small"  # null checks are false


def test_match_evaluates_only_the_chosen_action() -> None:
    assert ev("match{ x == 1 => 'one', x == 2 => 1 / 0, default => 'other'}", x=1) == "one"


def test_match_invokes_a_zero_argument_lambda_action() -> None:
    assert ev("match{ x => () -> 'called', default => 'no'}", x=True) == "called"


def test_match_single_literal_check_quirk() -> None:
    # A lone true/false literal check is replaced by false when the match is the whole
    # expression (Metron's validation hack), but not inside a map value.
    assert ev("match{ true => 'a', default => 'b'}") == "b"
    assert ev("match{ flag => 'a', default => 'b'}", flag=True) == "a"
    assert ev("match{ (true) => 'a', default => 'b'}") == "a"
    assert ev("{ 'k' : match{ true => 'a', default => 'b'} }") == {"k": "a"}


@pytest.mark.parametrize(
    "expression",
    [
        "match{ x => 1 }",
        "match{ default => 1 }",
        "match{ x => match{ y => 1, default => 2}, default => 3}",
    ],
)
def test_match_syntax_errors(expression: str) -> None:
    with pytest.raises(StellarSyntaxError):
        ev(expression)


def test_match_inside_a_lambda_may_nest() -> None:
    expression = (
        "match{ x => MAP([1], (v) -> match{ v == 1 => 'one', default => 'other'}), default => []}"
    )
    assert ev(expression, x=True) == ["one"]


# -- collections and lambdas -------------------------------------------------------------


def test_list_and_map_literals() -> None:
    assert ev("[1, 'two', [3], {'four' : 4}, null]") == [1, "two", [3], {"four": 4}, None]
    assert ev("[]") == []
    assert ev("{}") == {}
    assert ev("{ 'a' : 1, 'a' : 2 }") == {"a": 1}  # the first duplicate wins
    assert ev("{ key : 1 }", key="dynamic") == {"dynamic": 1}
    assert ev("{ 1 < 2 : 'yes' }") == {True: "yes"}


def test_constant_literals_are_fresh_on_every_evaluation() -> None:
    expression = stellar.compile("x")
    first = stellar.evaluate("[1, 2]")
    first.append(3)
    assert stellar.evaluate("[1, 2]") == [1, 2]
    assert expression.evaluate({"x": 1}) == 1


def test_map_key_written_without_spaces_is_one_identifier() -> None:
    with pytest.raises(StellarSyntaxError, match="':' after a map key"):
        ev("{a:1}")
    assert ev("{'a':1}") == {"a": 1}


def test_lambdas_close_over_variables() -> None:
    fn = ev("(a, b) -> a + b + c", c=100)
    assert fn(1, 2) == 103
    assert fn(1) == 101  # a missing parameter is null, and null counts as 0
    assert ev("x -> x", x="outer")("inner") == "inner"
    assert ev("() -> 42")() == 42


def test_exists() -> None:
    assert ev("exists(x)", x=0) is True
    assert ev("exists(x)", x="") is True
    assert ev("exists(x)", x=None) is False
    assert ev("exists(x)") is False
    with pytest.raises(StellarSyntaxError):
        ev("exists('x')")


def test_all_fields_variable() -> None:
    assert ev("_", a=1, b="two") == {"a": 1, "b": "two"}


# -- variables, strictness, blank ------------------------------------------------------


def test_missing_variables_are_null_unless_strict() -> None:
    assert stellar.evaluate("nothing") is None
    with pytest.raises(StellarError, match="not defined"):
        stellar.evaluate("nothing", strict=True)
    assert stellar.evaluate("x", {"x": None}, strict=True) is None


def test_blank_expression_is_null() -> None:
    assert stellar.evaluate("   ") is None


def test_variables_used() -> None:
    expression = stellar.compile("MAP(items, (x) -> x + offset) == expected")
    assert expression.variables_used == {"items", "offset", "expected"}


# -- errors ------------------------------------------------------------------------------


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(StellarSyntaxError) as info:
        stellar.compile("a == 1 &&\n  b ==")
    error = info.value
    assert (error.line, error.column) == (2, 7)
    text = str(error)
    assert "line 2, column 7" in text
    assert text.splitlines()[1].strip() == "b =="
    assert text.splitlines()[2].index("^") == 2 + 6


def test_unknown_function_suggests_close_names() -> None:
    with pytest.raises(StellarSyntaxError, match="unknown function 'SHELL_LIST_VAR'") as info:
        stellar.validate("true and SHELL_LIST_VAR()")
    assert info.value.hint is not None and "SHELL_LIST_VARS" in info.value.hint
    assert info.value.column == 10


def test_unknown_function_fails_only_when_evaluated() -> None:
    # Metron resolves functions lazily: a skipped call to an unknown function is no error.
    assert stellar.evaluate("x && NO_SUCH_FUNCTION('blah')", {"x": False}) is False
    with pytest.raises(StellarSyntaxError, match="unknown function"):
        stellar.evaluate("x && NO_SUCH_FUNCTION('blah')", {"x": True})


def test_evaluation_errors_name_the_expression() -> None:
    with pytest.raises(StellarError) as info:
        stellar.evaluate("10 / x", {"x": 0})
    assert info.value.expression == "10 / x"
    assert "10 / x" in str(info.value)


def test_function_errors_name_the_function() -> None:
    with pytest.raises(StellarError) as info:
        stellar.evaluate("SHELL_MAP2TABLE('not a map')")
    assert info.value.function == "SHELL_MAP2TABLE"
    assert "SHELL_MAP2TABLE" in str(info.value)


def test_service_functions_are_not_configured_by_default() -> None:
    with pytest.raises(StellarError, match="not configured"):
        stellar.evaluate("SHELL_LIST_VARS()")


def test_map_literals_iterate_in_java_hashmap_order() -> None:
    # Java's HashMap orders "foo", "bar", "baz" by hash bucket: bar, foo, baz.
    assert list(ev("{'foo' : 1, 'bar' : 2, 'baz' : 3}")) == ["bar", "foo", "baz"]
    assert list(ev("{'b' : 1, 'a' : 2}")) == ["a", "b"]


@pytest.mark.parametrize("literal", ["1" * 5000, "1" * 5000 + "L", "9" * 25, "-" + "9" * 25])
def test_integer_literals_of_any_length_are_syntax_errors_when_out_of_range(literal: str) -> None:
    with pytest.raises(StellarSyntaxError, match="literal out of range"):
        ev(literal)
