"""FORMAT and its java.util.Formatter engine."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib._javaformat import hash_code, java_format
from metron.stellar.types import Char, Float, JavaSet, Long


def fmt(pattern: str, *args: Any) -> str:
    return java_format(pattern, args)


@pytest.mark.parametrize(
    ("pattern", "args", "expected"),
    [
        # general
        ("%s", ("text",), "text"),
        ("%s|%s|%s", (1, 2.0, None), "1|2.0|null"),
        ("%s", (1e7,), "1.0E7"),
        ("%s", (Float(0.1),), "0.1"),
        ("%s", ([1, "a", None],), "[1, a, null]"),
        ("%s", ({"k": [1]},), "{k=[1]}"),
        ("%s", (JavaSet([2, 1]),), "[2, 1]"),
        ("%S", ("mixed Case",), "MIXED CASE"),
        ("%.3s", ("abcdef",), "abc"),
        ("%6s|", ("ab",), "    ab|"),
        ("%-6s|", ("ab",), "ab    |"),
        ("%-6.1s|", ("ab",), "a     |"),
        ("%b %b %b %b", (True, False, None, "false"), "true false false true"),
        ("%B", (True,), "TRUE"),
        ("%.2b", (True,), "tr"),
        ("%h", ("abc",), "17862"),
        ("%H", ("abc",), "17862"),
        ("%h", (None,), "null"),
        ("%h", (-1,), "ffffffff"),
        # characters
        ("%c", (65,), "A"),
        ("%c", (Char("z"),), "z"),
        ("%C", (Char("z"),), "Z"),
        ("%3c|", (0x1F600,), " \U0001f600|"),  # width counts UTF-16 units
        ("%c", (None,), "null"),
        # integers
        ("%d", (42,), "42"),
        ("%d", (Long(-9000000000),), "-9000000000"),
        ("%06d", (234,), "000234"),
        ("%06d", (-234,), "-00234"),
        ("%,d", (1234567,), "1,234,567"),
        ("%,d", (-1234,), "-1,234"),
        ("%,010d", (1234,), "000001,234"),
        ("%+d %+d", (5, -5), "+5 -5"),
        ("% d", (5,), " 5"),
        ("%(d", (-5,), "(5)"),
        ("%(05d", (-3,), "(003)"),
        ("%-5d|", (7,), "7    |"),
        ("%x %X %o", (255, 255, 8), "ff FF 10"),
        ("%#x %#X %#o", (255, 255, 8), "0xff 0XFF 010"),
        ("%08x", (255,), "000000ff"),
        ("%#08x", (255,), "0x0000ff"),
        ("%x", (-1,), "ffffffff"),  # an Integer is printed as 32 unsigned bits
        ("%x", (Long(-1),), "ffffffffffffffff"),
        ("%o", (-8,), "37777777770"),
        ("%d", (2**70,), "1180591620717411303424"),  # a BigInteger from JSON
        ("%x", (-(2**70),), "-400000000000000000"),
        ("%d", (None,), "null"),
        ("%5x|", (None,), " null|"),
        ("%X", (None,), "NULL"),
        # floating point: Java rounds the shortest decimal digits half-up
        ("%f", (1.5,), "1.500000"),
        ("%.1f", (234.0,), "234.0"),
        ("%.1f", (0.15,), "0.2"),
        ("%.2f", (0.125,), "0.13"),
        ("%.3f", (2.0005,), "2.001"),
        ("%.0f", (2.5,), "3"),
        ("%.0f", (0.4,), "0"),
        ("%.2f", (0.0049,), "0.00"),
        ("%.2f", (0.005,), "0.01"),
        ("%.2f", (99.995,), "100.00"),
        ("%.20f", (0.1,), "0.10000000000000000000"),
        ("%.10f", (Float(0.1),), "0.1000000015"),  # a Float is widened to a double first
        ("%f", (1e20,), "100000000000000000000.000000"),
        ("%#.0f", (3.0,), "3."),
        ("%08.3f", (-3.14159,), "-003.142"),
        ("%,.2f", (1234567.891,), "1,234,567.89"),
        ("%(,.2f", (-1234.5,), "(1,234.50)"),
        ("%+.1f", (0.0,), "+0.0"),
        ("%f", (-0.0,), "-0.000000"),
        ("%e", (12345.678,), "1.234568e+04"),
        ("%.2e", (0.0,), "0.00e+00"),
        ("%E", (1e-10,), "1.000000E-10"),
        ("%.0e", (9.5,), "1e+01"),
        ("%.3e", (1e100,), "1.000e+100"),
        ("%010.2e", (-12345.6789,), "-01.23e+04"),
        ("%g", (0.0,), "0.00000"),
        ("%g", (123.456,), "123.456"),
        ("%g", (0.0001,), "0.000100000"),
        ("%g", (0.00001,), "1.00000e-05"),
        ("%g", (123456789.0,), "1.23457e+08"),
        ("%g", (100000.0,), "100000"),
        ("%.3G", (1234567.0,), "1.23E+06"),
        ("%a", (1.0,), "0x1.0p0"),
        ("%a", (-0.5,), "-0x1.0p-1"),
        ("%A", (255.5,), "0X1.FFP7"),
        ("%.2a", (1 / 3,), "0x1.55p-2"),
        ("%.3a", (1.0,), "0x1.000p0"),
        ("%a", (5e-324,), "0x0.0000000000001p-1022"),
        ("%f", (float("nan"),), "NaN"),
        ("%+e", (float("inf"),), "+Infinity"),
        ("%(f", (float("-inf"),), "(Infinity)"),
        ("%E", (float("-inf"),), "-INFINITY"),
        ("%08f", (float("inf"),), "Infinity"),
        ("%10f|", (float("nan"),), "       NaN|"),
        ("%5.1f|", (None,), "    n|"),  # null prints "null", cut by the precision
        # text, indices
        ("100%%", (), "100%"),
        ("%-3%|", (), "%  |"),
        ("a%nb", (), "a\nb"),
        ("%2$s-%1$s", ("a", "b"), "b-a"),
        ("%s %<s %s", ("a", "b"), "a a b"),
        ("%2$s %s %s", ("a", "b"), "b a b"),  # explicit indices do not move the ordinary ones
        ("%0$s", ("z",), "z"),  # index 0 counts as no index
        ("no specifiers", (1, 2), "no specifiers"),
        ("", (), ""),
    ],
)
def test_java_format(pattern: str, args: tuple[Any, ...], expected: str) -> None:
    assert fmt(pattern, *args) == expected


@pytest.mark.parametrize(
    ("pattern", "args", "exception"),
    [
        ("%d", ("seven",), "IllegalFormatConversion"),
        ("%d", (1.0,), "IllegalFormatConversion"),
        ("%d", (True,), "IllegalFormatConversion"),
        ("%f", (1,), "IllegalFormatConversion"),
        ("%e", (Long(1),), "IllegalFormatConversion"),
        ("%c", ("a",), "IllegalFormatConversion"),
        ("%c", (Long(65),), "IllegalFormatConversion"),
        ("%c", (0x110000,), "IllegalFormatCodePoint"),
        ("%tY", (2017,), "IllegalFormatConversion"),  # an Integer is not a time
        ("%tY", ("2017",), "IllegalFormatConversion"),
        ("%d", (), "MissingFormatArgument"),
        ("%s %s", ("a",), "MissingFormatArgument"),
        ("%<s", ("a",), "MissingFormatArgument"),
        ("%3$s", ("a", "b"), "MissingFormatArgument"),
        ("%q", (1,), "UnknownFormatConversion"),
        ("%D", (1,), "UnknownFormatConversion"),
        ("%tq", (Long(1),), "UnknownFormatConversion"),
        ("100%", (), "UnknownFormatConversion"),
        ("%", (), "UnknownFormatConversion"),
        ("%-d", (1,), "MissingFormatWidth"),
        ("%0d", (1,), "MissingFormatWidth"),
        ("%-s", ("a",), "MissingFormatWidth"),
        ("%+ d", (1,), "IllegalFormatFlags"),
        ("%-05d", (1,), "IllegalFormatFlags"),
        ("%0%", (), "IllegalFormatFlags"),
        ("%-n", (), "IllegalFormatFlags"),
        ("%5n", (), "IllegalFormatWidth"),
        ("%.2d", (1,), "IllegalFormatPrecision"),
        ("%.2c", (65,), "IllegalFormatPrecision"),
        ("%.1%", (), "IllegalFormatPrecision"),
        ("%--5d", (1,), "DuplicateFormatFlags"),
        ("%#d", (1,), "FormatFlagsConversionMismatch"),
        ("%,x", (1,), "FormatFlagsConversionMismatch"),
        ("%+x", (1,), "FormatFlagsConversionMismatch"),
        ("%(o", (1,), "FormatFlagsConversionMismatch"),
        ("%,e", (1.0,), "FormatFlagsConversionMismatch"),
        ("%#g", (1.0,), "FormatFlagsConversionMismatch"),
        ("%,a", (1.0,), "FormatFlagsConversionMismatch"),
        ("%+s", ("a",), "FormatFlagsConversionMismatch"),
        ("%#s", ("a",), "FormatFlagsConversionMismatch"),
        ("%#b", (True,), "FormatFlagsConversionMismatch"),
        ("%+c", (65,), "FormatFlagsConversionMismatch"),
        ("%99999999999s", ("a",), "IllegalFormatWidth"),
        ("%.99999999999s", ("a",), "IllegalFormatPrecision"),
    ],
)
def test_java_format_errors(pattern: str, args: tuple[Any, ...], exception: str) -> None:
    with pytest.raises(stellar.StellarError, match=exception):
        fmt(pattern, *args)


def test_the_whole_pattern_is_checked_before_formatting() -> None:
    # Java parses every specifier first: a bad one at the end fails even when the
    # arguments of the others are fine.
    with pytest.raises(stellar.StellarError, match="UnknownFormatConversion"):
        fmt("%s %q", "a")


def test_hash_code_of_collections() -> None:
    assert hash_code([1, 2]) == 994  # 31 * (31 * 1 + 1) + 2
    assert hash_code({"a": 1}) == hash_code("a") ^ 1
    assert hash_code(JavaSet([1, 2])) == 3
    assert hash_code(Long(2**32)) == 1


@pytest.fixture
def utc() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.setenv("TZ", "UTC")
    time.tzset()
    yield
    mp.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("%tF", "2017-07-14"),
        ("%tT", "02:40:00"),
        ("%tY/%<tm/%<td %<tH:%<tM:%<tS.%<tL", "2017/07/14 02:40:00.123"),
        ("%tc", "Fri Jul 14 02:40:00 UTC 2017"),
        ("%tr", "02:40:00 AM"),
        ("%tD", "07/14/17"),
        ("%tR", "02:40"),
        ("%tB %<tb %<th %<tA %<ta", "July Jul Jul Friday Fri"),
        ("%TB %<Tp", "JULY AM"),
        ("%tk %<tl %<tI %<tp", "2 2 02 am"),
        ("%tj %<te %<tC %<ty", "195 14 20 17"),
        ("%ts %<tQ %<tN", "1500000000 1500000000123 123000000"),
        ("%tz %<tZ", "+0000 UTC"),
        ("%12tF|", "  2017-07-14|"),
        ("%-12tF|", "2017-07-14  |"),
    ],
)
def test_date_time_of_epoch_millis(utc: None, pattern: str, expected: str) -> None:
    assert fmt(pattern, Long(1500000000123)) == expected


def test_date_time_of_null_and_before_the_epoch(utc: None) -> None:
    assert fmt("%tF", None) == "null"
    assert fmt("%tF %<tT %<ts", Long(-1500)) == "1969-12-31 23:59:58 -1"


def test_date_time_uses_the_local_time_zone() -> None:
    mp = pytest.MonkeyPatch()
    mp.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert fmt("%tH %<tz %<tZ", Long(1500000000000)) == "22 -0400 EDT"
    finally:
        mp.undo()
        time.tzset()


# -- the Stellar function -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("FORMAT('no args')", {}, "no args"),
        ("FORMAT('%.1f', TO_DOUBLE(234))", {}, "234.0"),
        ("FORMAT('%d > %d', x, y)", {"x": 234, "y": 3}, "234 > 3"),
        ("FORMAT('%s', missing)", {}, "null"),
        ("FORMAT('extra', 1, 2)", {}, "extra"),
        ("FORMAT(5)", {}, "5"),
        ("FORMAT(['%s!', 'ignored'], 'hi')", {}, "hi!"),  # the format converts like TO_STRING
        ("FORMAT('%s=%d', 'count', 3000000000L)", {}, "count=3000000000"),
    ],
)
def test_format_function(expression: str, variables: dict[str, Any], expected: str) -> None:
    assert stellar.evaluate(expression, variables) == expected


@pytest.mark.parametrize(
    "expression", ["FORMAT()", "FORMAT(null)", "FORMAT('missing: %d')", "FORMAT('%d', 'x')"]
)
def test_format_function_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        stellar.evaluate(expression, {})


_PIECES = st.sampled_from(
    ["%", "%%", "%n", "s", "d", "x", "f", "e", "g", "a", "c", "b", "h", "t", "T", "Y", "S", "o",
     "-", "#", "+", " ", "0", ",", "(", "<", "1$", "2$", "5", "12", ".", ".3", "q", "z", "abc"]
)  # fmt: skip
_ARGS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**63), 2**63 - 1).map(Long),
    st.floats(),
    st.floats(width=32).map(Float),
    st.text(max_size=5),
    st.characters().map(Char),
    st.lists(st.integers(-3, 3), max_size=3),
)


@given(pieces=st.lists(_PIECES, max_size=8), args=st.lists(_ARGS, max_size=3))
def test_format_raises_only_stellar_errors(pieces: list[str], args: list[Any]) -> None:
    try:
        result = fmt("".join(pieces), *args)
    except stellar.StellarError:
        return
    assert isinstance(result, str)


@given(value=st.floats(allow_nan=False, allow_infinity=False), digits=st.integers(0, 12))
def test_fixed_point_is_close_to_the_value(value: float, digits: int) -> None:
    text = fmt(f"%.{digits}f", value)
    assert abs(float(text) - value) <= 0.5 * 10.0**-digits * (1 + 1e-9) + abs(value) * 1e-15
