"""The date functions and the SimpleDateFormat engine behind them.

Expected values were produced by a JVM (java.text.SimpleDateFormat, java.util.Calendar, the
default zone UTC, Java 8 locale data) from the inputs below.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar import StellarError
from metron.stellar.stdlib import _javacalendar as jc
from metron.stellar.stdlib._dateparse import parse_number
from metron.stellar.stdlib._datepattern import PatternError, compile_pattern
from metron.stellar.stdlib._javazone import get_time_zone
from metron.stellar.stdlib._simpledateformat import SimpleDateFormat, get_format
from metron.stellar.types import Char, Float, Long, java_equals


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


AUG_2016 = 1472131630748  # Thu 2016-08-25 13:27:10.748 UTC

# (epoch millis, (DAY_OF_WEEK, DAY_OF_MONTH, DAY_OF_YEAR, WEEK_OF_MONTH, WEEK_OF_YEAR, MONTH, YEAR))
CALENDAR_CASES = [
    (0, (5, 1, 1, 1, 1, 0, 1970)),
    (1472131630748, (5, 25, 238, 4, 35, 7, 2016)),
    (1483142400000, (7, 31, 366, 5, 53, 11, 2016)),
    (1483228799999, (7, 31, 366, 5, 53, 11, 2016)),
    (1451606400000, (6, 1, 1, 1, 1, 0, 2016)),
    (1420070400000, (5, 1, 1, 1, 1, 0, 2015)),
    (-1, (4, 31, 365, 5, 1, 11, 1969)),
    (-12219292800001, (5, 4, 277, 1, 40, 9, 1582)),
    (-12219292800000, (6, 15, 278, 1, 40, 9, 1582)),
    (-62135596800000, (2, 3, 3, 2, 2, 0, 1)),
    (253402300799999, (6, 31, 365, 5, 1, 11, 9999)),
    (-30000000000000, (3, 28, 118, 5, 18, 3, 1019)),
    (9000000000000000, (7, 24, 237, 4, 34, 7, 287168)),
    (951782400000, (3, 29, 60, 5, 10, 1, 2000)),
    (1293753600000, (6, 31, 365, 5, 1, 11, 2010)),
]

FORMAT_CASES = [
    (
        "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
        "America/New_York",
        1472131630748,
        "2016-08-25T09:27:10.748-0400",
    ),
    (
        "EEEE, MMMM d, yyyy h:mm a zzzz",
        "America/Los_Angeles",
        1483228800000,
        "Saturday, December 31, 2016 4:00 PM Pacific Standard Time",
    ),
    ("EEE MMM dd HH:mm:ss z yyyy", "Europe/London", 1467374400000, "Fri Jul 01 13:00:00 BST 2016"),
    ("EEE MMM dd HH:mm:ss z yyyy", "Europe/London", 1451649600000, "Fri Jan 01 12:00:00 GMT 2016"),
    ("yyyy-MM-dd HH:mm:ss z", "Asia/Kolkata", 1472131630748, "2016-08-25 18:57:10 IST"),
    ("yyyy-MM-dd HH:mm:ss z", "GMT+05:30", 1472131630748, "2016-08-25 18:57:10 GMT+05:30"),
    ("yyyy-MM-dd HH:mm:ss z", "Foo/Bar", 1472131630748, "2016-08-25 13:27:10 GMT"),
    ("yyyy-MM-dd HH:mm:ss z", "EST", 1467374400000, "2016-07-01 07:00:00 EST"),
    ("yyyy-MM-dd HH:mm:ss z", "America/New_York", 1467374400000, "2016-07-01 08:00:00 EDT"),
    ("yyyy-MM-dd HH:mm:ss zzzz", "PST", 1467374400000, "2016-07-01 05:00:00 Pacific Daylight Time"),
    ("yyyy-MM-dd HH:mm:ss XXX", "Australia/Adelaide", 1467374400000, "2016-07-01 21:30:00 +09:30"),
    ("yyyy-MM-dd HH:mm:ss X", "UTC", 1467374400000, "2016-07-01 12:00:00 Z"),
    ("yy yyy yyyyy", None, 1472131630748, "16 2016 02016"),
    ("G yyyy-MM-dd", None, -62198755200000, "BC 0002-01-03"),
    ("YYYY-'W'ww-u yyyy-MM-dd", None, 1483142400000, "2016-W53-6 2016-12-31"),
    ("YYYY-'W'ww-u yyyy-MM-dd", None, 1230681600000, "2009-W01-3 2008-12-31"),
    ("D DDD F W w E", None, 1472131630748, "238 238 4 4 35 Thu"),
    ("h:mm a k:mm K:mm", None, 1472083230748, "12:00 AM 24:00 0:00"),
    ("h:mm a k:mm K:mm", None, 1472126430748, "12:00 PM 12:00 0:00"),
    ("'o''clock' '' hh 'at' HH", None, 1472131630748, "o'clock ' 01 at 13"),
    ("yyyy-MM-dd", None, -12219292800001, "1582-10-04"),
    ("yyyy-MM-dd", None, -12219292800000, "1582-10-15"),
    ("yyyy-MM-dd HH:mm:ss", None, 9223372036854775807, "292278994-08-17 07:12:55"),
    ("yyyy-MM-dd HH:mm:ss G", None, -9223372036854775808, "292269055-12-02 16:47:04 BC"),
    ("MMM MMMM LLL LLLL M MM", None, 1472131630748, "Aug August Aug August 8 08"),
]

PARSE_CASES = [
    ("yyyy-MM-dd HH:mm:ss", None, "2016-08-25 13:27:10", True, 1472131630000),
    ("yyyy-MM-dd HH:mm:ss", "America/New_York", "2016-08-25 13:27:10", True, 1472146030000),
    ("yyyy-MM-dd HH:mm:ss", "America/New_York", "2016-01-25 13:27:10", True, 1453746430000),
    ("yyyy-MM-dd HH:mm:ss", "EST", "2016-08-25 13:27:10", True, 1472149630000),
    ("yyyy-MM-dd HH:mm:ss", "Nowhere/Special", "2016-08-25 13:27:10", True, 1472131630000),
    ("yyyy-MM-dd HH:mm:ss", "GMT-03:30", "2016-08-25 13:27:10", True, 1472144230000),
    ("yyyy-MM-dd HH:mm", "America/New_York", "2016-03-13 02:30", True, 1457854200000),
    ("yyyy-MM-dd HH:mm", "America/New_York", "2016-11-06 01:30", True, 1478413800000),
    ("yyyy-MM-dd", None, "2016-13-01", True, 1483228800000),
    ("yyyy-MM-dd", None, "2016-02-30", True, 1456790400000),
    ("yyyy-MM-dd", None, "2016-00-00", True, 1448841600000),
    ("yyyy-MM-dd HH:mm:ss", None, "2016-08-25 25:61:61", True, 1472176921000),
    ("yyyy-MM-dd", None, "2016-08-25 and more", True, 1472083200000),
    ("yyyy-MM-dd", None, "2016/08/25", True, None),
    ("yyyyMMddHHmmss", None, "20160825132710", True, 1472131630000),
    ("yyyyMMdd", None, "2016825", True, 1664928000000),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", None, "2016-08-25T09:27:10.748-0400", True, 1472131630748),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", None, "2016-08-25T13:27:10.748Z", True, 1472131630748),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", None, "2016-08-25T15:27:10.748+02:00", True, 1472131630748),
    ("dd/MMM/yyyy:HH:mm:ss Z", None, "25/Aug/2016:13:27:10 +0000", True, 1472131630000),
    ("MMM dd yyyy HH:mm:ss", None, "aug 25 2016 13:27:10", True, 1472131630000),
    ("MMM dd yyyy HH:mm:ss", None, "AUGUST 25 2016 13:27:10", True, 1472131630000),
    ("MMM dd yyyy HH:mm:ss", None, "Augu 25 2016 13:27:10", True, None),
    ("EEE MMM dd HH:mm:ss zzz yyyy", None, "Thu Aug 25 09:27:10 EDT 2016", True, 1472131630000),
    ("EEE MMM dd HH:mm:ss zzz yyyy", None, "Thu Aug 25 13:27:10 UTC 2016", True, 1472131630000),
    ("EEE MMM dd HH:mm:ss zzz yyyy", None, "Thu Aug 25 14:27:10 BST 2016", True, 1472131630000),
    ("EEE MMM dd HH:mm:ss zzz yyyy", None, "Thu Aug 25 18:57:10 IST 2016", True, 1472144230000),
    ("yyyy-MM-dd HH:mm z", None, "2016-08-25 13:27 GMT+05:30", True, 1472111820000),
    ("yyyy-MM-dd HH:mm z", None, "2016-08-25 13:27 GMT", True, 1472131620000),
    ("yyyy-MM-dd HH:mm z", None, "2016-08-25 13:27 gmt-8:00", True, 1472160420000),
    ("yyyy-MM-dd HH:mm z", None, "2016-08-25 13:27 Pacific Daylight Time", True, 1472156820000),
    ("yyyy-MM-dd HH:mm z", None, "2016-08-25 13:27 XYZ", True, None),
    ("h:mm a", None, "1:30 PM", True, 48600000),
    ("h:mm a", None, "12:30 am", True, 1800000),
    ("yyyy", None, "2E3", True, 946684800000),
    ("yyyy", None, "-44", True, -63555926400000),
    ("yyyy", None, "٢٠١٦", True, 1451606400000),
    ("yyyy-MM-dd", None, " 2016- 8- 5", True, 1470355200000),
    ("ddMMMyyyy", None, "25Aug2016", True, 1472083200000),
    ("yyyy-MM-dd", None, "1582-10-10", True, -12218860800000),
    ("yyyy-MM-dd", None, "0001-01-01", True, -62135769600000),
    ("G yyyy", None, "BC 0044", True, -63524304000000),
    ("yyyy-DDD", None, "2016-366", True, 1483142400000),
    ("YYYY-'W'ww-u", None, "2017-W01-1", True, 1483315200000),
    ("yyyy-MM F EEE", None, "2016-08 2 Tue", True, 1470700800000),
    ("yyyy-MM-dd", None, "2014-05-01", False, 1398902400000),
    ("yyyy-MM-dd", None, "2014-25-01", False, None),
    ("yyyy-MM-dd", None, "2014-05-32", False, None),
    ("yyyy-MM-dd", None, "2014-02-29", False, None),
    ("yyyy-MM-dd", None, "2016-02-29", False, 1456704000000),
    ("yyyy-MM-dd", None, "2014/05/01", False, None),
    ("yyyy-MM-dd", None, "2.3", False, None),
    ("yyyy-MM-dd", None, "2014-05-01 10:00", False, 1398902400000),
    ("yyyy-MM-dd HH:mm", None, "2014-05-01 24:00", False, None),
    ("EEE yyyy-MM-dd", None, "Fri 2016-08-26", False, 1472169600000),
    ("EEE yyyy-MM-dd", None, "Thu 2016-08-26", False, None),
    ("MM/dd/yy", None, "02/29/15", False, None),
    ("hh:mm a", None, "13:00 PM", False, None),
    ("yyyy-MM-dd", None, "1582-10-10", False, None),
]


# -- the engine against the JVM -----------------------------------------------------------


@pytest.mark.parametrize(("millis", "expected"), CALENDAR_CASES)
def test_calendar_fields(millis: int, expected: tuple[int, ...]) -> None:
    f = jc.compute_fields(millis, 0, 0)
    fields = (jc.DAY_OF_WEEK, jc.DAY_OF_MONTH, jc.DAY_OF_YEAR, jc.WEEK_OF_MONTH)
    fields += (jc.WEEK_OF_YEAR, jc.MONTH, jc.YEAR)
    assert tuple(f[i] for i in fields) == expected


@pytest.mark.parametrize(("pattern", "zone", "millis", "expected"), FORMAT_CASES)
def test_format(pattern: str, zone: str | None, millis: int, expected: str) -> None:
    assert get_format(pattern, zone).format(millis) == expected


@pytest.mark.parametrize(("pattern", "zone", "text", "lenient", "expected"), PARSE_CASES)
def test_parse(
    pattern: str, zone: str | None, text: str, lenient: bool, expected: int | None
) -> None:
    assert get_format(pattern, zone, lenient).parse(text) == expected


def test_abutting_fields_follow_java_8() -> None:
    # Java 8 reads a numeric field followed by any other field with its letter count, so
    # "123Aug2016" stops after "12"; Java 9+ would read all three digits.
    assert get_format("ddMMMyyyy", None).parse("123Aug2016") is None
    assert get_format("ddMMMyyyy", None).parse("12Aug2016") == 1470960000000


def test_two_digit_years_fall_within_80_years_before_now() -> None:
    this_year = datetime.now(UTC).year
    for offset in (-79, -1, 0, 1, 19):
        year = this_year + offset
        millis = get_format("yy-MM-dd", None).parse(f"{year % 100:02d}-07-01")
        assert millis is not None
        assert datetime.fromtimestamp(millis / 1000, UTC).year == year
    # Not exactly two digits: the year is taken literally.
    assert get_format("yy", None).parse("5") == get_format("yyyy", None).parse("0005")
    assert get_format("yy", None).parse("2016") == get_format("yyyy", None).parse("2016")


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2016", 4, (2016, 4)),
        ("-12x", 4, (-12, 3)),
        ("0042", 4, (42, 4)),
        ("12.5", 4, (12, 2)),
        ("1E3", 3, (1000, 3)),
        ("1E-3", 4, (0, 4)),
        ("25E", 3, (25, 2)),
        ("7E+1", 4, (7, 1)),
        ("\u0661\u0662", 2, (12, 2)),
        ("4294967297", 10, (1, 10)),  # a Long narrowed to an int wraps
        ("99999999999999999999", 20, (2147483647, 20)),  # a Double narrowed saturates
        ("-99999999999999999999", 21, (-2147483648, 21)),
        ("\u221e", 1, (2147483647, 1)),
        ("\ufffd", 1, (0, 1)),
        ("12345", 2, (12, 2)),
        ("x1", 2, None),
        ("-", 1, None),
        ("+5", 2, None),
    ],
)
def test_number_parsing_follows_decimal_format(
    text: str, end: int, expected: tuple[int, int] | None
) -> None:
    assert parse_number(text, 0, end) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("yyyy-MM-dd INVALID", "Illegal pattern character 'I'"),
        ("yyyy 'quoted", "Unterminated quote"),
        ("XXXX", "invalid ISO 8601 format: length=4"),
        ("b", "Illegal pattern character 'b'"),
    ],
)
def test_invalid_patterns(pattern: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        compile_pattern(pattern)


def test_pattern_quotes() -> None:
    assert compile_pattern("'it''s' ''") == ("it's '",)
    assert get_format("hh 'o''clock' a", None).format(AUG_2016) == "01 o'clock PM"


@pytest.mark.parametrize(
    ("zone_id", "resolved", "raw_offset"),
    [
        ("UTC", "UTC", 0),
        ("America/New_York", "America/New_York", -18_000_000),
        ("EST", "EST", -18_000_000),
        ("PST", "PST", -28_800_000),
        ("GMT+05:30", "GMT+05:30", 19_800_000),
        ("GMT+5", "GMT+05:00", 18_000_000),
        ("GMT-0930", "GMT-09:30", -34_200_000),
        ("GMT+0", "GMT+00:00", 0),
        ("GMT+24:00", "GMT", 0),
        ("utc", "GMT", 0),
        ("Z", "GMT", 0),
        ("", "GMT", 0),
        ("Mars/Olympus_Mons", "GMT", 0),
    ],
)
def test_time_zone_ids(zone_id: str, resolved: str, raw_offset: int) -> None:
    zone = get_time_zone(zone_id)
    assert zone.id == resolved
    assert zone.raw_offset == raw_offset


def test_fixed_three_letter_zones_ignore_daylight_saving() -> None:
    july = 1467374400000
    assert get_time_zone("EST").offsets(july) == (-18_000_000, 0)
    assert get_time_zone("America/New_York").offsets(july) == (-18_000_000, 3_600_000)
    assert get_time_zone("MST").offsets(july) == (-25_200_000, 0)
    assert get_time_zone("HST").offsets(july) == (-36_000_000, 0)


def test_zone_before_1900_uses_standard_time() -> None:
    # Java's zone tables start in 1900: earlier instants use today's standard offset.
    assert get_time_zone("America/New_York").offsets(-5_364_662_400_000) == (-18_000_000, 0)


# -- TO_EPOCH_TIMESTAMP ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("TO_EPOCH_TIMESTAMP('2016-08-25 13:27:10', 'yyyy-MM-dd HH:mm:ss')", {}, 1472131630000),
        (
            "TO_EPOCH_TIMESTAMP('2016-08-25 09:27:10', 'yyyy-MM-dd HH:mm:ss', 'America/New_York')",
            {},
            1472131630000,
        ),
        (
            "TO_EPOCH_TIMESTAMP('2016-08-25 08:27:10', 'yyyy-MM-dd HH:mm:ss', 'EST')",
            {},
            1472131630000,
        ),
        (
            "TO_EPOCH_TIMESTAMP('2016-08-25 13:27:10', 'yyyy-MM-dd HH:mm:ss', 'Nope')",
            {},
            1472131630000,
        ),
        ("TO_EPOCH_TIMESTAMP('2016-13-01', 'yyyy-MM-dd')", {}, 1483228800000),
        ("TO_EPOCH_TIMESTAMP('2016-08-25 with trailing text', 'yyyy-MM-dd')", {}, 1472083200000),
        (
            "TO_EPOCH_TIMESTAMP('Aug 25 2016 09:27:10 EDT', 'MMM dd yyyy HH:mm:ss z')",
            {},
            1472131630000,
        ),
        ("TO_EPOCH_TIMESTAMP(d, 'yyyyMMdd')", {"d": 20160825}, 1472083200000),  # toString'd
        ("TO_EPOCH_TIMESTAMP(d, f)", {"d": "1970", "f": "yyyy"}, 0),
    ],
)
def test_to_epoch_timestamp(expression: str, variables: dict[str, Any], expected: int) -> None:
    result = ev(expression, variables)
    assert java_equals(result, Long(expected))


@pytest.mark.parametrize(
    "expression",
    [
        "TO_EPOCH_TIMESTAMP('2016/08/25', 'yyyy-MM-dd')",
        "TO_EPOCH_TIMESTAMP('', 'yyyy-MM-dd')",
        "TO_EPOCH_TIMESTAMP('anything', '')",  # nothing read: Java's parse fails
        "TO_EPOCH_TIMESTAMP(null, 'yyyy-MM-dd')",
        "TO_EPOCH_TIMESTAMP('2016-08-25', null)",
        "TO_EPOCH_TIMESTAMP(missing, 'yyyy')",
        "TO_EPOCH_TIMESTAMP(' Aug 2016', 'MMM yyyy')",  # text fields do not skip blanks
    ],
)
def test_to_epoch_timestamp_null(expression: str) -> None:
    assert ev(expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        "TO_EPOCH_TIMESTAMP('2016-08-25', 'yyyy-MM-dd INVALID')",
        "TO_EPOCH_TIMESTAMP('2016-08-25')",
        "TO_EPOCH_TIMESTAMP()",
    ],
)
def test_to_epoch_timestamp_errors(expression: str) -> None:
    with pytest.raises(StellarError):
        ev(expression)


# -- DATE_FORMAT ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        (
            "DATE_FORMAT('EEE MMM dd yyyy hh:mm:ss zzz', t, 'EST')",
            {"t": Long(AUG_2016)},
            "Thu Aug 25 2016 08:27:10 EST",
        ),
        (
            "DATE_FORMAT('yyyy-MM-dd HH:mm:ss.SSS zzzz', t)",
            {"t": Long(AUG_2016)},
            "2016-08-25 13:27:10.748 Coordinated Universal Time",
        ),
        (
            "DATE_FORMAT('yyyy-MM-dd HH:mm Z', 1472131630748L, 'Asia/Kolkata')",
            {},
            "2016-08-25 18:57 +0530",
        ),
        ("DATE_FORMAT('yyyy-MM-dd', 0L, null)", {}, "1970-01-01"),
        ("DATE_FORMAT('yyyy-MM-dd', t)", {"t": 2**40}, "2004-11-03"),  # a big int is a Long
        ("DATE_FORMAT('G yyyy', -62198755200000L)", {}, "BC 0002"),
        ("DATE_FORMAT(f, 0L)", {"f": 12}, "12"),  # the format is toString'd
    ],
)
def test_date_format(expression: str, variables: dict[str, Any], expected: str) -> None:
    assert ev(expression, variables) == expected


def test_date_format_defaults_to_now() -> None:
    this_year = str(datetime.now(UTC).year)
    for expression in (
        "DATE_FORMAT('yyyy')",
        "DATE_FORMAT('yyyy', 'UTC')",  # a string second argument is the zone
        "DATE_FORMAT('yyyy', 1000)",  # an Integer second argument is ignored: now
        "DATE_FORMAT('yyyy', 2.5)",
        "DATE_FORMAT('yyyy', null, 'UTC')",
    ):
        assert ev(expression) in (this_year, str(int(this_year) + 1)), expression
    assert ev("DATE_FORMAT('z', 'America/Los_Angeles')") in ("PST", "PDT")


@pytest.mark.parametrize(
    "expression",
    [
        "DATE_FORMAT('yyyy', null)",
        "DATE_FORMAT(null)",
        "DATE_FORMAT(null, 0L, 'UTC')",
        "DATE_FORMAT(null, 'UTC')",
    ],
)
def test_date_format_null(expression: str) -> None:
    assert ev(expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        "DATE_FORMAT()",
        "DATE_FORMAT('yyyy', 1000, 'UTC')",  # with three arguments the epoch must be a Long
        "DATE_FORMAT('yyyy', '1000', 'UTC')",
        "DATE_FORMAT('yyyy', 0L, 5)",  # and the zone a String
        "DATE_FORMAT('INVALID DATE FORMAT', 0L, 'EST')",
        "DATE_FORMAT('yyyy', 0L, x)",
    ],
)
def test_date_format_errors(expression: str) -> None:
    with pytest.raises(StellarError):
        ev(expression, {"x": Char("U")})


# -- the calendar part functions ------------------------------------------------------------

PARTS = (
    "DAY_OF_WEEK",
    "DAY_OF_MONTH",
    "DAY_OF_YEAR",
    "WEEK_OF_MONTH",
    "WEEK_OF_YEAR",
    "MONTH",
    "YEAR",
)


@pytest.mark.parametrize(("millis", "expected"), CALENDAR_CASES)
def test_calendar_part_functions(millis: int, expected: tuple[int, ...]) -> None:
    for name, value in zip(PARTS, expected):
        result = ev(f"{name}(t)", {"t": Long(millis)})
        assert type(result) is int and result == value, name


@pytest.mark.parametrize("name", PARTS)
def test_calendar_part_arguments(name: str) -> None:
    assert ev(f"{name}('1472131630748')") == ev(f"{name}(1472131630748L)")  # converted
    assert ev(f"{name}(1472131630748.9)") == ev(f"{name}(1472131630748L)")  # truncated
    assert ev(f"{name}(0)") == ev(f"{name}(0L)")
    assert ev(f"{name}('not a number')") is None
    assert ev(f"{name}(null)") is None
    assert ev(f"{name}({{}})") is None
    now = datetime.now(UTC)
    result = ev(f"{name}()")
    assert type(result) is int
    if name == "YEAR":
        assert result in (now.year, now.year + 1)
    if name == "MONTH":
        assert result in (now.month - 1, now.month % 12)


def test_month_is_zero_based_and_weeks_start_on_sunday() -> None:
    assert ev("MONTH(0L)") == 0
    assert ev("DAY_OF_WEEK(1471737600000L)") == 1  # Sunday 2016-08-21
    assert ev("WEEK_OF_MONTH(1470009600000L)") == 1  # Mon 2016-08-01
    assert ev("WEEK_OF_MONTH(1470528000000L)") == 2  # Sun 2016-08-07 starts week 2
    assert ev("WEEK_OF_YEAR(1483142400000L)") == 53  # Sat 2016-12-31
    assert ev("WEEK_OF_YEAR(1293753600000L)") == 1  # Fri 2010-12-31 is in 2011's week 1


# -- IS_DATE --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("IS_DATE('2014-05-01', 'yyyy-MM-dd')", {}, True),
        ("IS_DATE(field1, 'yyyy-MM-dd')", {"field1": "2014-06-01"}, True),
        ("IS_DATE('2014-05-01 10:00', 'yyyy-MM-dd')", {}, True),
        ("IS_DATE('2016-02-29', 'yyyy-MM-dd')", {}, True),
        ("IS_DATE('Thu Aug 25 2016', 'EEE MMM dd yyyy')", {}, True),
        ("IS_DATE('2014/05/01', 'yyyy-MM-dd')", {}, False),
        ("IS_DATE('2014-25-01', 'yyyy-MM-dd')", {}, False),
        ("IS_DATE('2014-05-32', 'yyyy-MM-dd')", {}, False),
        ("IS_DATE('2014-02-29', 'yyyy-MM-dd')", {}, False),
        ("IS_DATE('2014-05-01 24:00', 'yyyy-MM-dd HH:mm')", {}, False),
        ("IS_DATE('Mon Aug 25 2016', 'EEE MMM dd yyyy')", {}, False),
        ("IS_DATE('1582-10-10', 'yyyy-MM-dd')", {}, False),  # lost in the Gregorian reform
        ("IS_DATE(x, 'yyyy-MM-dd')", {"x": Float(2.3)}, False),
        ("IS_DATE(x, 'yyyy')", {"x": 2016}, True),  # toString'd
        ("IS_DATE(null, 'yyyy-MM-dd')", {}, False),
        ("IS_DATE('2014-05-01', null)", {}, False),
        ("IS_DATE(missing, 'yyyy-MM-dd')", {}, False),
        ("IS_DATE('2014-05-01')", {}, False),
        ("IS_DATE()", {}, False),
        ("IS_DATE('x', '')", {}, False),
    ],
)
def test_is_date(expression: str, variables: dict[str, Any], expected: bool) -> None:
    assert ev(expression, variables) is expected


def test_is_date_invalid_pattern_is_an_error() -> None:
    with pytest.raises(StellarError, match="Illegal pattern character"):
        ev("IS_DATE('2014-05-01', 'yyyy-MM-dd INVALID')")


# -- properties -----------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.sampled_from("yMdHhmsSEazZXGDFwWkKuYL'- :./,T0123456789+AaugMon"), max_size=16
)


@settings(max_examples=300, deadline=None)
@given(
    date=st.text(max_size=20) | _TEXT,
    pattern=_TEXT | st.text(max_size=8),
    zone=st.text(max_size=10),
)
def test_random_input_never_escapes_as_anything_but_stellar_error(
    date: str, pattern: str, zone: str
) -> None:
    variables = {"d": date, "p": pattern, "z": zone}
    for expression in (
        "TO_EPOCH_TIMESTAMP(d, p)",
        "TO_EPOCH_TIMESTAMP(d, p, z)",
        "IS_DATE(d, p)",
        "DATE_FORMAT(p, 1472131630748L, z)",
    ):
        with contextlib.suppress(StellarError):
            ev(expression, variables)


@settings(max_examples=300, deadline=None)
@given(millis=st.integers(min_value=-62_135_596_800_000, max_value=253_402_300_799_999))
def test_format_then_parse_round_trips(millis: int) -> None:
    for pattern, zone in (
        ("yyyy-MM-dd HH:mm:ss.SSS", None),
        ("G yyyy-MM-dd'T'HH:mm:ss.SSSZ", "America/New_York"),
        ("EEE, d MMM yyyy HH:mm:ss.SSS XXX", "Asia/Kathmandu"),
    ):
        if zone is not None and millis < -631_152_000_000:
            continue  # before 1950 zones had offsets in seconds, which Z and X leave out
        fmt = get_format(pattern, zone)
        assert fmt.parse(fmt.format(millis)) == millis
        strict = get_format(pattern, zone, lenient=False)
        assert strict.parse(fmt.format(millis)) == millis


@settings(max_examples=500, deadline=None)
@given(
    parts=st.lists(
        st.text(alphabet="0123456789", min_size=1, max_size=11)
        | st.sampled_from([" 7", "-3", "1E2", "\u0663", "", "99999999999"]),
        min_size=6,
        max_size=6,
    ),
    seps=st.lists(st.sampled_from(["-", " ", ":", "", "T", "--"]), min_size=5, max_size=5),
)
def test_one_regex_parser_agrees_with_the_general_parser(parts: list[str], seps: list[str]) -> None:
    text = parts[0] + "".join(s + p for s, p in zip(seps, parts[1:]))
    for pattern in ("yyyy-MM-dd HH:mm:ss", "yyyyMMddHHmmss", "yyyy-MM-dd'T'HH:mm:ss", "dd.MM.yyyy"):
        fast = get_format(pattern, "America/New_York")
        general = SimpleDateFormat(pattern, fast.zone)
        general._fast = None  # force the field-by-field parser
        assert fast.parse(text) == general.parse(text), (pattern, text)
