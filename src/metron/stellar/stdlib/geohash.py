"""Geohash functions: GEOHASH_FROM_LATLONG, GEOHASH_FROM_LOC, GEOHASH_TO_LATLONG,
GEOHASH_DIST, GEOHASH_MAX_DIST and GEOHASH_CENTROID.

A geohash names a cell of the Earth: starting from the whole longitude range [-180, 180]
and latitude range [-90, 90], each bit halves one range (longitude first, then alternating),
and every five bits become one character of ``0123456789bcdefghjkmnpqrstuvwxyz``.  Metron
uses ch.hsr geohash 1.3.0 (at most 12 characters, latitude within +-90 and longitude within
+-180 or an error) and measures great-circle distances with Spatial4j on a sphere of mean
radius 6371.0087714 km.  Degrees become radians the way Java 8's ``Math.toRadians`` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from metron.stellar.convert import parse_java_double, to_double, to_integer
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._javacodec import hashmap_order
from metron.stellar.types import INT_MAX, INT_MIN, Char, JavaSet, Long, is_number

__all__: list[str] = []

_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"
_VALUES = {c: i for i, c in enumerate(_ALPHABET)}
_MAX_CHARS = 12
EARTH_MEAN_RADIUS_KM = 6371.0087714
_LAT_LONG_KEYS = hashmap_order(["longitude", "latitude"])


def _radians(degrees: float) -> float:
    return degrees / 180.0 * math.pi


def _degrees(radians: float) -> float:
    return radians * 180.0 / math.pi


def _check_point(lat: float, lon: float) -> None:
    if abs(lat) > 90 or abs(lon) > 180:
        raise StellarError(f"the coordinates ({lat}, {lon}) are out of range")


def encode(lat: float, lon: float, chars: int) -> str:
    """The geohash of a point with ``chars`` characters (none when ``chars`` <= 0)."""
    _check_point(lat, lon)
    if chars > _MAX_CHARS:
        raise StellarError(f"a geohash can only be {_MAX_CHARS} characters long")
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    out = []
    even = True
    for _ in range(max(chars, 0)):
        value = 0
        for _ in range(5):
            if even:
                mid = (lon_lo + lon_hi) / 2
                bit = lon >= mid
                lon_lo, lon_hi = (mid, lon_hi) if bit else (lon_lo, mid)
            else:
                mid = (lat_lo + lat_hi) / 2
                bit = lat >= mid
                lat_lo, lat_hi = (mid, lat_hi) if bit else (lat_lo, mid)
            value = value << 1 | bit
            even = not even
        out.append(_ALPHABET[value])
    return "".join(out)


def decode(text: str) -> tuple[float, float]:
    """The centre (latitude, longitude) of a geohash's cell; a bad character is an error."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    even = True
    for char in text:
        value = _VALUES.get(char)
        if value is None:
            raise StellarError(f"{text!r} is not a geohash: {char!r} is not a geohash character")
        for shift in (4, 3, 2, 1, 0):
            bit = value >> shift & 1
            if even:
                mid = (lon_lo + lon_hi) / 2
                lon_lo, lon_hi = (mid, lon_hi) if bit else (lon_lo, mid)
            else:
                mid = (lat_lo + lat_hi) / 2
                lat_lo, lat_hi = (mid, lat_hi) if bit else (lat_lo, mid)
            even = not even
    return (lat_lo + lat_hi) / 2, (lon_lo + lon_hi) / 2


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    half_lon = math.sin((lon1 - lon2) * 0.5)
    half_lat = math.sin((lat1 - lat2) * 0.5)
    h = half_lat * half_lat + math.cos(lat1) * math.cos(lat2) * half_lon * half_lon
    h = min(h, 1.0)
    return 2 * math.atan2(math.sqrt(h), math.sqrt(1 - h))


def _law_of_cosines(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    cos_angle = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(
        lon2 - lon1
    )
    if cos_angle < -1.0:
        return math.pi
    if cos_angle >= 1.0:
        return 0.0
    return math.acos(cos_angle)


def _vincenty(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Vincenty's formula for a sphere (well-conditioned at every distance)
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    cos1, cos2 = math.cos(lat1), math.cos(lat2)
    sin1, sin2 = math.sin(lat1), math.sin(lat2)
    d_lon = lon2 - lon1
    cos_d, sin_d = math.cos(d_lon), math.sin(d_lon)
    a = cos2 * sin_d
    b = cos1 * sin2 - sin1 * cos2 * cos_d
    c = sin1 * sin2 + cos1 * cos2 * cos_d
    return math.atan2(math.sqrt(a * a + b * b), c)


_STRATEGIES: dict[str, Callable[[float, float, float, float], float]] = {
    "HAVERSINE": _haversine,
    "LAW_OF_COSINES": _law_of_cosines,
    "VICENTY": _vincenty,
}


def _distance(p1: tuple[float, float], p2: tuple[float, float], strategy: str) -> float:
    angle = _STRATEGIES[strategy](
        _radians(p1[0]), _radians(p1[1]), _radians(p2[0]), _radians(p2[1])
    )
    return EARTH_MEAN_RADIUS_KM * angle


def _strategy(args: tuple[Any, ...], at: int) -> str:
    if len(args) <= at:
        return "HAVERSINE"
    name = _string(args[at], "strategy")
    if name not in _STRATEGIES:
        raise StellarError(
            f"unknown distance strategy {name!r}: use one of {', '.join(_STRATEGIES)}"
        )
    return name


def _string(value: Any, what: str) -> Any:
    if value is not None and (not isinstance(value, str) or type(value) is Char):
        raise StellarError(f"the {what} must be a string, not {type(value).__name__}")
    return value


def _precision(value: Any) -> int:
    number = to_integer(value)
    if number is None:
        raise StellarError("the character precision must be a number")
    return number


def _java_div(a: float, b: float) -> float:
    if b == 0.0:
        if a == 0.0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _centroid(points: Iterable[tuple[tuple[float, float], float]]) -> tuple[float, float] | None:
    """Weighted centre of gravity of points on the unit sphere, back in degrees."""
    x = y = z = total = 0.0
    n = 0
    for (lat, lon), weight in points:
        lat_r, lon_r = _radians(lat), _radians(lon)
        cos_lat = math.cos(lat_r)
        x += cos_lat * math.cos(lon_r) * weight
        y += cos_lat * math.sin(lon_r) * weight
        z += math.sin(lat_r) * weight
        total += weight
        n += 1
    if n == 0:
        return None
    x, y, z = _java_div(x, total), _java_div(y, total), _java_div(z, total)
    lon = math.atan2(y, x)
    lat = math.atan2(z, math.sqrt(x * x + y * y))
    return _degrees(lat), _degrees(lon)


def _weighted(mapping: Mapping[Any, Any]) -> Iterable[tuple[tuple[float, float], float]]:
    for key in hashmap_order(mapping):
        if key is None:
            continue
        point = decode(_string(key, "geohash"))
        weight = mapping[key]
        if not is_number(weight):
            raise StellarError(f"the weight of {key} must be a number")
        yield point, float(weight)


@stellar(
    "GEOHASH_FROM_LATLONG",
    params=[
        "latitude - the latitude in degrees",
        "longitude - the longitude in degrees",
        "character_precision - (optional) the length of the geohash, at most 12; default 12",
    ],
    returns="the geohash of the point; null when latitude or longitude is missing or not a number",
    description="Computes the geohash of a latitude and longitude.",
    examples=[
        ("GEOHASH_FROM_LATLONG(48.8584, 2.2945)", "u09tunquc9zh"),
        ("GEOHASH_FROM_LATLONG('48.8584', '2.2945', 5)", "u09tu"),
        ("GEOHASH_FROM_LATLONG('north', 2.2945)", None),
    ],
    pure=True,
)
def geohash_from_latlong(*args: Any) -> str | None:
    if len(args) < 2 or args[0] is None or args[1] is None:
        return None
    lat, lon = to_double(args[0]), to_double(args[1])
    chars = _precision(args[2]) if len(args) > 2 else _MAX_CHARS
    if lat is None or lon is None:
        return None
    return encode(lat, lon, chars)


@stellar(
    "GEOHASH_FROM_LOC",
    params=[
        "map - a location with 'latitude' and 'longitude' strings, as GEO_GET returns",
        "character_precision - (optional) the length of the geohash, at most 12; default 12",
    ],
    returns="the geohash of the location; null when either coordinate is missing or not a number",
    description="Computes the geohash of a geo enrichment location.",
    examples=[
        ("GEOHASH_FROM_LOC({'latitude': '-33.8568', 'longitude': '151.2153'}, 7)", "r3gx2ux"),
        ("GEOHASH_FROM_LOC({'latitude': '-33.8568'})", None),
    ],
    pure=True,
)
def geohash_from_loc(*args: Any) -> str | None:
    if not args:
        return None
    location = args[0]
    if location is not None and not isinstance(location, Mapping):
        raise StellarError("GEOHASH_FROM_LOC expects a map with latitude and longitude")
    if location is None:
        return None
    chars = _precision(args[1]) if len(args) > 1 else _MAX_CHARS
    lat_text = _string(location.get("latitude"), "latitude")
    lon_text = _string(location.get("longitude"), "longitude")
    if lat_text is None or lon_text is None:
        return None
    lat, lon = parse_java_double(lat_text), parse_java_double(lon_text)
    if lat is None or lon is None:
        return None
    return encode(lat, lon, chars)


@stellar(
    "GEOHASH_TO_LATLONG",
    params=["hash - the geohash"],
    returns="a map with the 'latitude' and 'longitude' of the centre of the geohash's cell",
    description="Finds the point a geohash stands for: the centre of its cell.",
    examples=[
        ("GEOHASH_TO_LATLONG('s0000')", {"longitude": 0.02197265625, "latitude": 0.02197265625}),
        ("GEOHASH_TO_LATLONG('')", {"longitude": 0.0, "latitude": 0.0}),
        Example("GEOHASH_TO_LATLONG('ABC')", error=True),
    ],
    pure=True,
)
def geohash_to_latlong(*args: Any) -> dict[str, float] | None:
    if not args or _string(args[0], "geohash") is None:
        return None
    lat, lon = decode(args[0])
    point = {"latitude": lat, "longitude": lon}
    return {k: point[k] for k in _LAT_LONG_KEYS}


@stellar(
    "GEOHASH_DIST",
    params=[
        "hash1 - the first location as a geohash",
        "hash2 - the second location as a geohash",
        "strategy - (optional) how to measure the great-circle distance: HAVERSINE (the"
        " default), LAW_OF_COSINES or VICENTY",
    ],
    returns="the distance between the centres of the two cells in kilometres; null when a hash is null",
    description="Measures the great-circle distance between two geohashes.",
    examples=[
        ("GEOHASH_DIST('u09tunquc9zh', 'r3gx2ux9')", 16963.887611322003),
        ("GEOHASH_DIST('u09t', 'u09t', 'VICENTY')", 0.0),
    ],
    pure=True,
)
def geohash_dist(*args: Any) -> float | None:
    if len(args) < 2 or _string(args[0], "geohash") is None:
        return None
    first = decode(args[0])
    if _string(args[1], "geohash") is None:
        return None
    second = decode(args[1])
    return _distance(first, second, _strategy(args, 2))


@stellar(
    "GEOHASH_MAX_DIST",
    params=[
        "hashes - a list or set of geohashes (nulls are skipped)",
        "strategy - (optional) HAVERSINE (the default), LAW_OF_COSINES or VICENTY",
    ],
    returns="the largest distance in kilometres between two of the geohashes; NaN for no geohash",
    description="Measures how far apart the furthest two of a collection of geohashes are.",
    examples=[
        ("GEOHASH_MAX_DIST(['u09t', 'u0bz', null, 'gcpv'])", 358.4253606615158),
        ("GEOHASH_MAX_DIST([])", math.nan),
    ],
    pure=True,
)
def geohash_max_dist(*args: Any) -> float | None:
    if not args:
        return None
    hashes = args[0]
    if hashes is not None and not isinstance(hashes, (list, tuple, JavaSet, set, frozenset)):
        raise StellarError("GEOHASH_MAX_DIST expects a list of geohashes")
    if hashes is None:
        return None
    strategy = _strategy(args, 1)
    points = [decode(h) for h in hashes if _string(h, "geohash") is not None]
    best = math.nan
    for i, p1 in enumerate(points):
        for p2 in points[: i + 1]:
            d = _distance(p1, p2, strategy)
            if best != best or d > best:
                best = d
    return best


@stellar(
    "GEOHASH_CENTROID",
    params=[
        "hashes - a list of geohashes, or a map from geohash to a numeric weight",
        "character_precision - (optional) the length of the resulting geohash; default 12",
    ],
    returns="the geohash of the centre of gravity of the points; null when there are none",
    description=(
        "Finds the geographic midpoint of geohashes: the points are averaged as vectors on"
        " the sphere (weighted when given a map) and the mean is projected back."
    ),
    examples=[
        ("GEOHASH_CENTROID(['s0h0', 's050'], 4)", "s058"),
        ("GEOHASH_CENTROID({'s0h0': 3, 's050': 1}, 4)", "s05b"),
        ("GEOHASH_CENTROID([])", None),
    ],
    pure=True,
)
def geohash_centroid(*args: Any) -> str | None:
    if not args or args[0] is None:
        return None
    source = args[0]
    if isinstance(source, Mapping):
        centre = _centroid(_weighted(source))
    elif isinstance(source, (list, tuple, JavaSet, set, frozenset)):
        points = (decode(h) for h in source if _string(h, "geohash") is not None)
        centre = _centroid((p, 1.0) for p in points)
    else:
        return None
    if centre is None:
        return None
    chars = _MAX_CHARS
    if len(args) > 1:
        chars = args[1]
        if type(chars) is not int or not INT_MIN <= chars <= INT_MAX:
            kind = "Long" if type(chars) is Long else type(chars).__name__
            raise StellarError(f"the character precision must be an Integer, not {kind}")
    return encode(centre[0], centre[1], chars)
