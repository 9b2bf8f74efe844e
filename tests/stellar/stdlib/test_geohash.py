"""GEOHASH_* functions.

Geohashes and decoded centres were checked against ch.hsr geohash 1.3.0 and distances
against Spatial4j 0.6 (to the last bit or one unit in the last place: Java's trigonometric
functions are not bit-identical to the C library's).
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib.geohash import decode, encode
from metron.stellar.types import Long

BIG_BEN = "gcpuvpmm2d79"
CHRIST_THE_REDEEMER = "75cm2txp6"
SKAGEN = "u4pruydqmvpb"


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


# -- GEOHASH_FROM_LATLONG ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "precision", "expected"),
    [
        (51.5007, -0.1246, 12, BIG_BEN),
        (51.5007, -0.1246, 5, "gcpuv"),
        (-22.9519, -43.2105, 9, CHRIST_THE_REDEEMER),
        (90.0, 180.0, 12, "zzzzzzzzzzzz"),
        (-90.0, -180.0, 12, "000000000000"),
        (0.0, 0.0, 12, "s00000000000"),
        (35.6586, 139.7454, 0, ""),
        (35.6586, 139.7454, -1, ""),
        (math.nan, 10.0, 6, "h0p058"),  # NaN passes the range check and always bisects low
    ],
)
def test_from_latlong(lat: float, lon: float, precision: int, expected: str) -> None:
    variables = {"lat": lat, "lon": lon, "p": precision}
    assert ev("GEOHASH_FROM_LATLONG(lat, lon, p)", variables) == expected
    if precision == 12:
        assert ev("GEOHASH_FROM_LATLONG(lat, lon)", variables) == expected


def test_from_latlong_converts_its_arguments() -> None:
    assert ev("GEOHASH_FROM_LATLONG('51.5007', ' -0.1246', '5')") == "gcpuv"
    assert ev("GEOHASH_FROM_LATLONG(51, 0L, 2.9)") == "u1"


@pytest.mark.parametrize(
    "expression",
    [
        "GEOHASH_FROM_LATLONG(1.0)",
        "GEOHASH_FROM_LATLONG()",
        "GEOHASH_FROM_LATLONG(null, 1.0)",
        "GEOHASH_FROM_LATLONG(1.0, null, 5)",
        "GEOHASH_FROM_LATLONG('north', 1.0)",
        "GEOHASH_FROM_LATLONG('north', 1.0, 5)",
    ],
)
def test_from_latlong_null(expression: str) -> None:
    assert ev(expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        "GEOHASH_FROM_LATLONG(1.0, 2.0, 13)",
        "GEOHASH_FROM_LATLONG(91.0, 0.0)",
        "GEOHASH_FROM_LATLONG(0.0, -180.5)",
        "GEOHASH_FROM_LATLONG(1.0, 2.0, null)",  # a null precision cannot be unboxed
        "GEOHASH_FROM_LATLONG('north', 2.0, 'x')",
    ],
)
def test_from_latlong_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- GEOHASH_FROM_LOC --------------------------------------------------------------------------


def test_from_loc() -> None:
    loc = {"latitude": "51.5007", "longitude": "-0.1246", "city": "London"}
    assert ev("GEOHASH_FROM_LOC(loc)", {"loc": loc}) == BIG_BEN
    assert ev("GEOHASH_FROM_LOC(loc, 5)", {"loc": loc}) == "gcpuv"
    assert ev("GEOHASH_FROM_LOC(loc, '5')", {"loc": loc}) == "gcpuv"
    # Double.parseDouble accepts a type suffix and surrounding blanks
    assert ev("GEOHASH_FROM_LOC({'latitude': ' 51.5007d', 'longitude': '-0.1246f'}, 5)") == "gcpuv"


@pytest.mark.parametrize(
    "expression",
    [
        "GEOHASH_FROM_LOC()",
        "GEOHASH_FROM_LOC(null)",
        "GEOHASH_FROM_LOC(null, 'x')",
        "GEOHASH_FROM_LOC({})",
        "GEOHASH_FROM_LOC({'latitude': '51.5'})",
        "GEOHASH_FROM_LOC({'latitude': 'north', 'longitude': '0.1'})",
        "GEOHASH_FROM_LOC({'latitude': null, 'longitude': null})",
    ],
)
def test_from_loc_null(expression: str) -> None:
    assert ev(expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        "GEOHASH_FROM_LOC('51.5,0.1')",
        "GEOHASH_FROM_LOC({'latitude': 51.5, 'longitude': 0.1})",  # the values must be strings
        "GEOHASH_FROM_LOC({'latitude': 51.5})",
        "GEOHASH_FROM_LOC({'latitude': '95', 'longitude': '0'})",
        "GEOHASH_FROM_LOC({'latitude': '5', 'longitude': '0'}, 13)",
        "GEOHASH_FROM_LOC({}, null)",
    ],
)
def test_from_loc_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- GEOHASH_TO_LATLONG ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("geohash", "lat", "lon"),
    [
        (BIG_BEN, 51.50069992057979, -0.12459984049201012),
        ("7h2wjz", -19.99786376953125, -44.0386962890625),
        ("", 0.0, 0.0),
        ("s", 22.5, 22.5),
        ("z" * 32, 90.0, 180.0),  # longer than 12 characters is fine when decoding
    ],
)
def test_to_latlong(geohash: str, lat: float, lon: float) -> None:
    result = ev("GEOHASH_TO_LATLONG(h)", {"h": geohash})
    assert result == {"latitude": lat, "longitude": lon}
    assert list(result) == ["latitude", "longitude"]


def test_to_latlong_null() -> None:
    assert ev("GEOHASH_TO_LATLONG(null)") is None
    assert ev("GEOHASH_TO_LATLONG()") is None


@pytest.mark.parametrize(
    "expression",
    ["GEOHASH_TO_LATLONG('GCPU')", "GEOHASH_TO_LATLONG('abc')", "GEOHASH_TO_LATLONG(1)"],
)
def test_to_latlong_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- GEOHASH_DIST ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "strategy", "expected"),
    [
        (BIG_BEN, CHRIST_THE_REDEEMER, "HAVERSINE", 9283.178421727978),
        (BIG_BEN, CHRIST_THE_REDEEMER, "LAW_OF_COSINES", 9283.178421727978),
        (BIG_BEN, CHRIST_THE_REDEEMER, "VICENTY", 9283.178421727978),
        (SKAGEN, BIG_BEN, "HAVERSINE", 961.3934470143556),
        (SKAGEN, BIG_BEN, "LAW_OF_COSINES", 961.3934470143573),
        (SKAGEN, BIG_BEN, "VICENTY", 961.393447014356),
        ("s00000000000", "zzzzzzzzzzzz", "HAVERSINE", 10007.557176093189),
        ("7h2wjz", "7h2wjy", "HAVERSINE", 0.6108128159237207),
        ("7h2wjz", "7h2wjy", "LAW_OF_COSINES", 0.6108128145499513),  # cancellation at short range
        ("7h2wjz", "7h2wjy", "VICENTY", 0.6108128159236744),
    ],
)
def test_dist(first: str, second: str, strategy: str, expected: float) -> None:
    variables = {"a": first, "b": second, "s": strategy}
    assert ev("GEOHASH_DIST(a, b, s)", variables) == pytest.approx(expected, rel=1e-15)
    assert ev("GEOHASH_DIST(b, a, s)", variables) == pytest.approx(expected, rel=1e-14)
    if strategy == "HAVERSINE":
        assert ev("GEOHASH_DIST(a, b)", variables) == pytest.approx(expected, rel=1e-15)


def test_dist_same_point_is_zero() -> None:
    for strategy in ("HAVERSINE", "LAW_OF_COSINES", "VICENTY"):
        assert ev("GEOHASH_DIST(a, a, s)", {"a": SKAGEN, "s": strategy}) == 0.0


def test_dist_null() -> None:
    assert ev("GEOHASH_DIST(null, 'u4pr')") is None
    assert ev("GEOHASH_DIST('u4pr', null)") is None
    assert ev("GEOHASH_DIST('u4pr')") is None
    assert ev("GEOHASH_DIST(null, 'INVALID')") is None  # the second hash is never read


@pytest.mark.parametrize(
    "expression",
    [
        "GEOHASH_DIST('u4pr', 'gcpu', 'haversine')",  # strategy names are case-sensitive
        "GEOHASH_DIST('u4pr', 'gcpu', 'EUCLID')",
        "GEOHASH_DIST('u4pr', 'gcpu', null)",
        "GEOHASH_DIST('u4pr', 'GCPU')",
        "GEOHASH_DIST('INVALID', null)",
        "GEOHASH_DIST(1, 'gcpu')",
    ],
)
def test_dist_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- GEOHASH_MAX_DIST --------------------------------------------------------------------------


def test_max_dist() -> None:
    hashes = [SKAGEN, BIG_BEN, CHRIST_THE_REDEEMER]
    expected = ev("GEOHASH_DIST(a, b)", {"a": SKAGEN, "b": CHRIST_THE_REDEEMER})
    assert ev("GEOHASH_MAX_DIST(h)", {"h": hashes}) == expected
    assert ev("GEOHASH_MAX_DIST(h)", {"h": [*reversed(hashes), None]}) == pytest.approx(expected)
    assert ev("GEOHASH_MAX_DIST(h, 'VICENTY')", {"h": hashes}) == pytest.approx(expected)
    assert ev("GEOHASH_MAX_DIST([a, a, a])", {"a": SKAGEN}) == 0.0
    assert ev("GEOHASH_MAX_DIST([a])", {"a": SKAGEN}) == 0.0


def test_max_dist_empty_and_null() -> None:
    assert math.isnan(ev("GEOHASH_MAX_DIST([])"))
    assert math.isnan(ev("GEOHASH_MAX_DIST([null])"))
    assert ev("GEOHASH_MAX_DIST(null)") is None
    assert ev("GEOHASH_MAX_DIST()") is None


@pytest.mark.parametrize(
    "expression",
    [
        "GEOHASH_MAX_DIST('u4pr')",  # a string is not a collection
        "GEOHASH_MAX_DIST({'u4pr': 1})",
        "GEOHASH_MAX_DIST(['u4pr', 5])",
        "GEOHASH_MAX_DIST(['u4pr', 'UPPER'])",
        "GEOHASH_MAX_DIST([], 'FAST')",
    ],
)
def test_max_dist_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- GEOHASH_CENTROID --------------------------------------------------------------------------


def test_centroid_of_one_point_is_that_point() -> None:
    assert ev("GEOHASH_CENTROID([h], 9)", {"h": BIG_BEN}) == BIG_BEN[:9]
    assert ev("GEOHASH_CENTROID({h: 7}, 9)", {"h": BIG_BEN}) == BIG_BEN[:9]


def test_centroid_is_the_midpoint_on_the_sphere() -> None:
    # two points on the equator, 90 degrees apart: the midpoint is at 45 degrees
    a = encode(0.0, 0.0, 12)
    b = encode(0.0, 90.0, 12)
    lat, lon = decode(ev("GEOHASH_CENTROID([a, b])", {"a": a, "b": b}))
    assert lat == pytest.approx(0.0, abs=1e-6)
    assert lon == pytest.approx(45.0, abs=1e-6)
    # weights pull the centre: three times as much weight at 90 degrees
    lat, lon = decode(ev("GEOHASH_CENTROID({a: 1, b: 3})", {"a": a, "b": b}))
    assert lon == pytest.approx(math.degrees(math.atan2(3, 1)), abs=1e-6)


def test_centroid_examples() -> None:
    assert ev("GEOHASH_CENTROID(['s0h0', 's050'], 4)") == "s058"
    assert ev("GEOHASH_CENTROID({'s0h0': 3, 's050': 1}, 4)") == "s05b"
    assert ev("GEOHASH_CENTROID({'s0h0': 3, 's050': 1.5, null: 'ignored'}, 4)") == ev(
        "GEOHASH_CENTROID({'s0h0': 2.0, 's050': 1L}, 4)"
    )


def test_centroid_null() -> None:
    assert ev("GEOHASH_CENTROID([])") is None
    assert ev("GEOHASH_CENTROID([null])") is None
    assert ev("GEOHASH_CENTROID({})") is None
    assert ev("GEOHASH_CENTROID(null)") is None
    assert ev("GEOHASH_CENTROID()") is None
    assert ev("GEOHASH_CENTROID('s0h0')") is None  # neither a collection nor a map


def test_centroid_of_zero_total_weight() -> None:
    # dividing by a zero total gives NaN coordinates, which hash to all zeros
    assert ev("GEOHASH_CENTROID({'s0h0': 0}, 4)") == "0000"


@pytest.mark.parametrize(
    "expression",
    [
        "GEOHASH_CENTROID(['s0h0'], 4L)",  # the precision must be an Integer
        "GEOHASH_CENTROID(['s0h0'], '4')",
        "GEOHASH_CENTROID(['s0h0'], null)",
        "GEOHASH_CENTROID(['s0h0'], 13)",
        "GEOHASH_CENTROID({'s0h0': '3'})",  # weights must be numbers
        "GEOHASH_CENTROID({'s0h0': true})",
        "GEOHASH_CENTROID({1: 3})",
        "GEOHASH_CENTROID(['s0h0', 7])",
        "GEOHASH_CENTROID(['BAD'])",
    ],
)
def test_centroid_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_centroid_precision_is_not_checked_without_points() -> None:
    assert ev("GEOHASH_CENTROID([], 'x')") is None
    assert ev("GEOHASH_CENTROID([], v)", {"v": Long(3)}) is None


# -- properties --------------------------------------------------------------------------------


@given(
    st.floats(min_value=-90, max_value=90),
    st.floats(min_value=-180, max_value=180),
    st.integers(min_value=1, max_value=12),
)
def test_decoded_centre_lies_in_the_cell(lat: float, lon: float, chars: int) -> None:
    geohash = encode(lat, lon, chars)
    assert len(geohash) == chars
    centre = ev("GEOHASH_TO_LATLONG(h)", {"h": geohash})
    assert encode(centre["latitude"], centre["longitude"], chars) == geohash


@given(st.text(max_size=20), st.text(max_size=20))
def test_arbitrary_hashes_never_break(a: str, b: str) -> None:
    for expression in ("GEOHASH_DIST(a, b)", "GEOHASH_TO_LATLONG(a)", "GEOHASH_CENTROID([a, b])"):
        with contextlib.suppress(stellar.StellarError):
            ev(expression, {"a": a, "b": b})
