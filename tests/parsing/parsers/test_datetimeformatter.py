"""java.time's DateTimeFormatter.ofPattern parsing (Java 8, strict, SMART), used by snort.

The expected instants were checked against a JVM; where Java 8 and later JVMs differ (noted
below), Java 8's behaviour is the one Metron had and the one kept.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.parsers._datetimeformatter import DateTimePattern, PatternError, zone_of

CASES = [
    ("MM/dd/yy-HH:mm:ss.SSSSSS", "UTC", "11/05/21-07:08:09.123456", 1636096089123),
    ("MM/dd/yy-HH:mm:ss.SSSSSS", "Europe/Berlin", "11/05/21-07:08:09.123456", 1636092489123),
    ("MM/dd/yyyy-HH:mm:ss.SSSSSS", "America/New_York", "11/05/2021-07:08:09.999999", 1636110489999),
    # SMART: an invalid day of month becomes the month's last day
    ("yyyy-MM-dd HH:mm:ss", "UTC", "2021-02-31 10:00:00", 1614506400000),
    ("yyyy-MM-dd HH:mm:ss", "UTC", "2020-02-30 10:00:00", 1582970400000),
    ("yyyy-MM-dd HH:mm:ss", "UTC", "2021-04-31 23:59:59", 1619827199000),
    # 24:00 is the next midnight
    ("yyyy-MM-dd HH:mm:ss", "UTC", "2021-12-31 24:00:00", 1640995200000),
    ("uuuu-MM-dd HH:mm:ss", "UTC", "0000-01-05 10:00:00", -62166837600000),
    ("yyyy-MM-dd HH:mm", "UTC", "2021-07-04 12:30", 1625401800000),
    ("yyyy-MM-dd HH", "UTC", "2021-07-04 12", 1625400000000),
    ("yyyyMMddHHmmss", "UTC", "20210704123000", 1625401800000),
    ("yyMMddHHmm", "UTC", "2107041230", 1625401800000),
    ("d/M/y H:m:s", "UTC", "4/7/2021 9:5:3", 1625389503000),
    ("d/M/y H:m:s", "UTC", "04/07/2021 09:05:03", 1625389503000),
    ("dd MMM yyyy hh:mm:ss a", "UTC", "04 Jul 2021 09:05:03 PM", 1625432703000),
    ("dd MMM yyyy hh:mm:ss a", "UTC", "04 Jul 2021 12:05:03 AM", 1625357103000),
    ("EEE, dd MMM yyyy HH:mm:ss", "UTC", "Sun, 04 Jul 2021 09:05:03", 1625389503000),
    ("EEEE MMMM d yyyy HH:mm", "UTC", "Sunday July 4 2021 09:05", 1625389500000),
    ("MMMMM d yyyy HH", "UTC", "J 4 2021 10", 1625392800000),  # narrow "J" is July
    ("yyyy-DDD HH:mm", "UTC", "2021-185 09:05", 1625389500000),
    ("yyyy-MM-dd'T'HH:mm:ss[.SSS]", "UTC", "2021-07-04T09:05:03", 1625389503000),
    ("yyyy-MM-dd'T'HH:mm:ss[.SSS]", "UTC", "2021-07-04T09:05:03.250", 1625389503250),
    ("yyyy-MM-dd HH:mm:ss VV", "UTC", "2021-07-04 09:05:03 Asia/Tokyo", 1625357103000),
    ("yyyy-MM-dd HH:mm:ss VV", "UTC", "2021-07-04 09:05:03 UTC+02:00", 1625382303000),
    ("yyyy-MM-dd HH:mm:ss VV", "UTC", "2021-07-04 09:05:03 Z", 1625389503000),
    ("yyyy-MM-dd HH:mm:ss.n", "UTC", "2021-07-04 09:05:03.123456789", 1625389503123),
    ("yyyy-MM-dd k:mm", "UTC", "2021-07-04 24:05", 1625357100000),
    ("G yyyy-MM-dd HH:mm", "UTC", "BC 0044-03-15 12:00", -63517780800000),
    # a gap moves forward, an overlap takes the earlier offset
    ("yyyy-MM-dd HH:mm:ss", "America/New_York", "2021-03-14 02:30:00", 1615707000000),
    ("yyyy-MM-dd HH:mm:ss", "America/New_York", "2021-11-07 01:30:00", 1636263000000),
    ("yyyy-MM-dd HH:mm:ss", "Australia/Lord_Howe", "2021-10-03 02:15:00", 1633189500000),
    # Java 8 only: an offset is read but the formatter's zone wins (Java 9+ uses the offset)
    ("yyyy-MM-dd HH:mm:ssXXX", "UTC", "2021-07-04 09:05:03+02:00", 1625389503000),
    # Java 8 only: a fraction followed by a non-digit may be one digit short
    ("yyyy-MM-dd HH:mm:ss.SSS'Z'", "UTC", "2021-07-04 09:05:03.12Z", 1625389503120),
]

FAILURES = [
    ("yyyy-MM-dd HH:mm:ss", "2021-13-01 00:00:00"),
    ("yyyy-MM-dd HH:mm:ss", "2021-01-32 00:00:00"),
    ("yyyy-MM-dd HH:mm:ss", "2021-1-05 00:00:00"),  # MM is exactly two digits
    ("yyyy-MM-dd HH:mm:ss", "21-01-05 00:00:00"),
    ("yyyy-MM-dd HH:mm:ss", "2021-01-05 00:00:60"),
    ("yyyy-MM-dd HH:mm:ss", "2021-01-05 24:00:01"),
    ("yyyy-MM-dd HH:mm:ss", "2021-01-05 10:00:00 "),  # the whole text must be read
    ("yyyy-MM-dd HH:mm:ss", "0000-01-05 10:00:00"),  # no year 0 of the era
    ("yyyy-MM-dd HH:mm:ss", "+2021-07-04 09:05:03"),
    ("yyyy-MM-dd HH:mm:ss", "-2021-07-04 09:05:03"),
    ("yyyy-MM-dd HH:mm:ss", "2021-07-04\u00a009:05:03"),
    ("yyyy-MM-dd HH:mm:ss", "٢٠٢١-07-04 09:05:03"),  # only ASCII digits
    ("yyyy-MM-dd", "2021-07-04"),  # a ZonedDateTime needs a time
    ("HH:mm:ss", "12:30:00"),  # and a date
    ("yyyy-MM-dd a", "2021-07-04 PM"),  # Java 8 makes no time of AM/PM alone
    ("dd MMM yyyy hh:mm:ss a", "04 JUL 2021 09:05:03 PM"),  # names are case-sensitive
    ("EEE, dd MMM yyyy HH:mm:ss", "Mon, 04 Jul 2021 09:05:03"),  # the day must agree
    ("yyyy-DDD HH:mm", "2021-366 09:05"),
    ("yyyy-MM-dd HH:mm:ss VV", "2021-07-04 09:05:03 Mars/Olympus"),
    ("MM/dd/yy-HH:mm:ss.SSSSSS", ""),
    ("MM/dd/yy-HH:mm:ss.SSSSSS", "03/14/24-09:26:53.1048"),
    ("yyyyyyyyy-MM-dd HH", "500002069-01-01 00"),  # past the range of epoch milliseconds
]


@pytest.mark.parametrize(("pattern", "zone", "text", "millis"), CASES)
def test_parses_like_java(pattern: str, zone: str, text: str, millis: int) -> None:
    assert DateTimePattern(pattern).epoch_millis(text, zone_of(zone)) == millis


@pytest.mark.parametrize(("pattern", "text"), FAILURES)
def test_refuses_what_java_refuses(pattern: str, text: str) -> None:
    with pytest.raises(ValueError, match="Text '"):
        DateTimePattern(pattern).epoch_millis(text, zone_of("UTC"))


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("BADFORMAT", "Unknown pattern letter: B"),
        ("yyyy-MM-dd 'T", "incomplete string literal"),
        ("yyyy]", "without previous"),
        ("yyyy{", "reserved character"),
        ("ddd", "Too many pattern letters: d"),
        ("SSSSSSSSSS", "from 0 to 9"),
        ("V", "count must be 2"),
        ("yyyy-ww", "not supported"),
        ("yyyy zzz", "not supported"),
    ],
)
def test_pattern_errors(pattern: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        DateTimePattern(pattern)


def test_fast_and_slow_paths_agree() -> None:
    p = DateTimePattern("MM/dd/yy-HH:mm:ss.SSSSSS")
    zone = zone_of("America/Chicago")
    for text in (
        "01/27/16-16:01:04.877970",
        "02/29/24-23:59:59.999999",
        "02/30/23-00:00:00.000000",
    ):
        fast = p.epoch_millis(text, zone)
        p._simple = None  # force the element-by-element parse
        assert p.epoch_millis(text, zone) == fast
        p = DateTimePattern("MM/dd/yy-HH:mm:ss.SSSSSS")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text_parses_or_fails_quickly(text: str) -> None:
    for pattern in ("MM/dd/yy-HH:mm:ss.SSSSSS", "yyyy-MM-dd HH:mm:ss[ VV]", "EEE MMM d y h:m a"):
        start = time.perf_counter()
        with contextlib.suppress(ValueError):
            DateTimePattern(pattern).epoch_millis(text, zone_of("UTC"))
        assert time.perf_counter() - start < 0.5
