"""Summary statistics over streams of numbers: STATS_* and BIN (Metron's metron-statistics).

``STATS_INIT()`` makes an *online* provider (constant memory, mergeable, t-digest percentiles);
``STATS_INIT(n)`` with n > 0 a *windowed* one over the last n values (exact, not mergeable).
``STATS_ADD`` changes the provider it is given and returns it.  Every accessor returns NaN for
a null provider and raises for something that is not a provider.  What each provider refuses
(Metron's quirks, kept): the online one has no geometric mean or population variance, the
windowed one no sum of logs; ``STATS_COUNT`` is a Double; percentiles are in percent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from metron.stellar.convert import to_double, to_integer
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._statproviders import OnlineStatisticsProvider, StatisticsProvider
from metron.stellar.stdlib._windowstats import WindowedStatisticsProvider
from metron.stellar.types import JavaSet, Long, is_number, java_type_name, to_java_string

__all__ = ["get_bin", "stats_provider"]

NAN = math.nan
_ITERABLES = (list, JavaSet, set, frozenset, tuple)
_SPLITS: dict[str, list[float]] = {
    "QUARTILE": [25.0, 50.0, 75.0],
    "QUINTILE": [20.0, 40.0, 60.0, 80.0],
    "DECILE": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
}


def stats_provider(value: Any) -> StatisticsProvider | None:
    """The argument as a statistics provider: null stays null, anything else is an error."""
    if value is None or isinstance(value, StatisticsProvider):
        return value
    raise StellarError(f"{java_type_name(value)} cannot be cast to a statistics object")


def _as_double(value: Any) -> float:
    t = type(value)
    if t is float:
        return value
    if t is int or t is Long:
        return float(value)
    converted = to_double(value)
    if converted is None:
        raise StellarError(f"cannot add {to_java_string(value)!r}: it is not a number")
    return converted


def _init(args: tuple[Any, ...]) -> StatisticsProvider:
    window = 0
    if args and is_number(args[0]):
        size = to_integer(args[0])
        if size is None:
            raise StellarError(f"window size {to_java_string(args[0])} does not fit an integer")
        window = size
    return WindowedStatisticsProvider(window) if window > 0 else OnlineStatisticsProvider()


@stellar(
    "STATS_INIT",
    params=[
        "window_size - (optional) keep only the last window_size values; 0, a negative number, "
        "no argument or a non-number keep summaries of every value instead"
    ],
    returns="a new statistics object",
    description=(
        "Makes an empty statistics object. Without a window it keeps running summaries (constant "
        "memory, mergeable, approximate percentiles); with a window it keeps the values of the "
        "window and computes everything exactly, but cannot be merged."
    ),
    examples=[
        ("STATS_COUNT(STATS_INIT())", 0.0),
        ("STATS_MEAN(STATS_ADD(STATS_INIT(2), 1, 2, 3, 4))", 3.5),
        Example("STATS_INIT(5)", check=False),
    ],
    pure=True,
)
def stats_init(*args: Any) -> StatisticsProvider:
    return _init(args)


@stellar(
    "STATS_ADD",
    params=[
        "stats - the statistics object; null makes a new one without a window",
        "value+ - numbers, or lists of numbers, to add; nulls are skipped",
    ],
    returns="the statistics object, with the values added",
    description=(
        "Adds values to a statistics object, changing that object. Each argument may be a number "
        "(or a string holding one) or a list of them. Without a window, a value so large that "
        "the running sums overflow (an infinity, say) is an error."
    ),
    examples=[
        ("STATS_COUNT(STATS_ADD(STATS_INIT(), 4, [5, null, 6], null))", 3.0),
        ("STATS_SUM(STATS_ADD(null, '2.5', 1))", 3.5),
        Example("STATS_ADD(STATS_INIT(), 'many')", error=True),
    ],
    pure=True,
)
def stats_add(*args: Any) -> StatisticsProvider:
    stats = stats_provider(args[0])
    if stats is None:
        stats = OnlineStatisticsProvider()
    add = stats.add_value
    for i in range(1, len(args)):
        value = args[i]
        if value is None:
            continue
        if isinstance(value, _ITERABLES):
            for item in value:
                if item is not None:
                    add(_as_double(item))
        else:
            add(_as_double(value))
    return stats


@stellar(
    "STATS_MERGE",
    params=["statistics - a list of statistics objects"],
    returns="a statistics object summarising all of them; null for an empty list or a non-list",
    description=(
        "Merges statistics objects made without a window into a new one. Entries that are not "
        "statistics objects are skipped; a list with a single object returns that object. "
        "Windowed statistics cannot be merged. Merging an empty object first keeps its empty "
        "minimum and maximum, as Metron does."
    ),
    examples=[
        (
            "STATS_COUNT(STATS_MERGE([STATS_ADD(STATS_INIT(), 1, 2), STATS_ADD(STATS_INIT(), 3)]))",
            3.0,
        ),
        ("STATS_MERGE([])", None),
        Example("STATS_MERGE([STATS_INIT(3), STATS_INIT(3)])", error=True),
    ],
    pure=True,
)
def stats_merge(*args: Any) -> StatisticsProvider | None:
    if not args or not isinstance(args[0], list):
        return None
    merged: StatisticsProvider | None = None
    for item in args[0]:
        if isinstance(item, StatisticsProvider):
            merged = item if merged is None else merged.merge(item)
    return merged


def _accessor(
    name: str,
    get: Callable[[StatisticsProvider], float],
    description: str,
    returns: str,
    examples: list[Any],
) -> None:
    def accessor(*args: Any) -> float:
        stats = stats_provider(args[0])
        return NAN if stats is None else get(stats)

    accessor.__name__ = name.lower()
    stellar(
        name,
        params=["stats - the statistics object"],
        returns=returns + "; NaN when the statistics object is null",
        description=description,
        examples=examples,
        pure=True,
    )(accessor)


_SAMPLE = "STATS_ADD(STATS_INIT(), 2, 4, 4, 4, 5, 5, 7, 9)"
_WINDOW = "STATS_ADD(STATS_INIT(8), 2, 4, 4, 4, 5, 5, 7, 9)"

_accessor(
    "STATS_COUNT",
    lambda s: float(s.count()),
    "Counts the values added (in the window, for a windowed object). The count is a Double.",
    "the number of values, as a Double",
    [(f"STATS_COUNT({_SAMPLE})", 8.0), ("STATS_COUNT(null)", NAN)],
)
_accessor(
    "STATS_SUM",
    lambda s: s.sum(),
    "Sums the values added (in the window, for a windowed object).",
    "the sum of the values",
    [(f"STATS_SUM({_SAMPLE})", 40.0)],
)
_accessor(
    "STATS_MIN",
    lambda s: s.min(),
    "The smallest value added (in the window, for a windowed object); NaN when there is none.",
    "the minimum",
    [(f"STATS_MIN({_SAMPLE})", 2.0), ("STATS_MIN(STATS_INIT())", NAN)],
)
_accessor(
    "STATS_MAX",
    lambda s: s.max(),
    "The largest value added (in the window, for a windowed object); NaN when there is none.",
    "the maximum",
    [(f"STATS_MAX({_SAMPLE})", 9.0)],
)
_accessor(
    "STATS_MEAN",
    lambda s: s.mean(),
    "The arithmetic mean of the values added (in the window, for a windowed object).",
    "the mean",
    [(f"STATS_MEAN({_SAMPLE})", 5.0), ("STATS_MEAN(null)", NAN)],
)
_accessor(
    "STATS_VARIANCE",
    lambda s: s.variance(),
    "The sample variance (divided by n - 1) of the values added.",
    "the sample variance",
    [(f"STATS_VARIANCE({_SAMPLE})", 32.0 / 7), ("STATS_VARIANCE(STATS_ADD(STATS_INIT(), 3))", NAN)],
)
_accessor(
    "STATS_SD",
    lambda s: s.standard_deviation(),
    "The sample standard deviation (square root of the sample variance) of the values added.",
    "the sample standard deviation",
    [(f"STATS_SD({_WINDOW})", 2.138089935299395)],
)
_accessor(
    "STATS_POPULATION_VARIANCE",
    lambda s: s.population_variance(),
    "The population variance (divided by n) of the values in the window. Only windowed "
    "statistics objects have it; the others raise an error.",
    "the population variance",
    [
        (f"STATS_POPULATION_VARIANCE({_WINDOW})", 4.0),
        Example(f"STATS_POPULATION_VARIANCE({_SAMPLE})", error=True),
    ],
)
_accessor(
    "STATS_GEOMETRIC_MEAN",
    lambda s: s.geometric_mean(),
    "The geometric mean (the n-th root of the product) of the values in the window. Only "
    "windowed statistics objects have it; the others raise an error.",
    "the geometric mean",
    [
        ("STATS_GEOMETRIC_MEAN(STATS_ADD(STATS_INIT(5), 1, 10, 100))", 10.000000000000002),
        Example("STATS_GEOMETRIC_MEAN(STATS_ADD(STATS_INIT(), 1, 10, 100))", error=True),
    ],
)
_accessor(
    "STATS_QUADRATIC_MEAN",
    lambda s: s.quadratic_mean(),
    "The quadratic mean (root mean square) of the values added.",
    "the square root of the mean of the squares",
    [("STATS_QUADRATIC_MEAN(STATS_ADD(STATS_INIT(), 3, 4, 5, 6, 7))", 5.196152422706632)],
)
_accessor(
    "STATS_SUM_SQUARES",
    lambda s: s.sum_squares(),
    "The sum of the squares of the values added.",
    "the sum of the squares",
    [("STATS_SUM_SQUARES(STATS_ADD(STATS_INIT(), 1, 2, 3))", 14.0)],
)
_accessor(
    "STATS_SUM_LOGS",
    lambda s: s.sum_logs(),
    "The sum of the natural logarithms of the values added. Only statistics objects without a "
    "window have it; windowed ones raise an error.",
    "the sum of the natural logs",
    [
        ("STATS_SUM_LOGS(STATS_ADD(STATS_INIT(), 1, 1))", 0.0),
        Example("STATS_SUM_LOGS(STATS_ADD(STATS_INIT(10), 1))", error=True),
    ],
)
_accessor(
    "STATS_SKEWNESS",
    lambda s: s.skewness(),
    "The bias-corrected sample skewness of the values added; NaN for fewer than three values.",
    "the skewness",
    [
        (f"STATS_SKEWNESS({_WINDOW})", 0.8184875533567997),
        ("STATS_SKEWNESS(STATS_ADD(STATS_INIT(), 1, 2))", NAN),
    ],
)
_accessor(
    "STATS_KURTOSIS",
    lambda s: s.kurtosis(),
    "The bias-corrected sample excess kurtosis of the values added; NaN for fewer than four "
    "values.",
    "the kurtosis",
    [
        (f"STATS_KURTOSIS({_WINDOW})", 0.940624999999998),
        ("STATS_KURTOSIS(STATS_ADD(STATS_INIT(), 1, 2, 3))", NAN),
    ],
)


@stellar(
    "STATS_PERCENTILE",
    params=["stats - the statistics object", "p - the percentile, in percent (0 < p <= 100)"],
    returns="the p-th percentile; NaN when the statistics object or p is null",
    description=(
        "Estimates the p-th percentile of the values added; p is a percentage (50 is the "
        "median). A windowed object computes it exactly (the position p/100·(n+1) in the sorted "
        "window, interpolated); the others estimate it with a t-digest, which is exact "
        "interpolation over the sorted values for small data sets."
    ),
    examples=[
        ("STATS_PERCENTILE(STATS_ADD(STATS_INIT(), 10, 20, 30, 40), 50)", 25.0),
        ("STATS_PERCENTILE(STATS_ADD(STATS_INIT(10), 10, 20, 30, 40), 90)", 40.0),
        Example("STATS_PERCENTILE(STATS_ADD(STATS_INIT(), 1), 150)", error=True),
    ],
    pure=True,
)
def stats_percentile(*args: Any) -> float:
    stats = stats_provider(args[0])
    p = to_double(args[1])
    if stats is None or p is None:
        return NAN
    return stats.percentile(p)


def get_bin(value: float, count: int, bound: Callable[[int], float]) -> int:
    """The first bin whose bound is at least ``value`` (``count`` when none is)."""
    last = -math.inf
    for i in range(count):
        b = bound(i)
        if last > b:
            raise StellarError("Your bins must be non-decreasing")
        if value <= b:
            return i
        last = b
    return count


def _number(value: Any) -> float:
    if is_number(value):
        return float(value)
    raise StellarError(f"bin bound {to_java_string(value)} is not a number")


def _splits(value: Any) -> list[Any]:
    if isinstance(value, str):
        split = _SPLITS.get(value)
        if split is None:
            raise StellarError(f"unknown split {value!r}: use QUARTILE, QUINTILE or DECILE")
        return split
    if isinstance(value, list):
        return value
    raise StellarError(f"The split you tried to pass is not a valid split: {to_java_string(value)}")


@stellar(
    "STATS_BIN",
    params=[
        "stats - the statistics object",
        "value - the value to place",
        "bounds - (optional) percentiles separating the bins, as a list, or one of 'QUARTILE' "
        "(the default), 'QUINTILE', 'DECILE'",
    ],
    returns=(
        "the bin N with percentile(bound N-1) < value <= percentile(bound N): 0 below the first "
        "bound, len(bounds) above the last; -1 when stats or value is null"
    ),
    description=(
        "Places a value in a bin delimited by percentiles of the statistics object, e.g. which "
        "quartile it falls in."
    ),
    examples=[
        (f"STATS_BIN({_WINDOW}, 4.5)", 1),
        (f"STATS_BIN({_WINDOW}, 8, 'DECILE')", 8),
        ("STATS_BIN(null, 8)", -1),
    ],
    pure=True,
)
def stats_bin(*args: Any) -> int:
    stats = stats_provider(args[0])
    value = to_double(args[1])
    bins = _splits(args[2]) if len(args) > 2 else _SPLITS["QUARTILE"]
    if stats is None or value is None or not bins:
        return -1
    return get_bin(value, len(bins), lambda i: stats.percentile(_number(bins[i])))


@stellar(
    "BIN",
    params=["value - the value to place", "bounds - a list of bounds, in increasing order"],
    returns=(
        "the bin N with bound(N-1) < value <= bound(N): 0 up to the first bound, len(bounds) "
        "above the last; -1 when value is null or there are no bounds"
    ),
    description="Places a value in a bin delimited by a sorted list of bounds.",
    examples=[
        ("BIN(15, [10, 20, 30])", 1),
        ("BIN(20, [10, 20, 30])", 1),
        ("BIN(31, [10, 20, 30])", 3),
        Example("BIN(15, [10, 2])", error=True),
    ],
    pure=True,
)
def bin_(*args: Any) -> int:
    value = to_double(args[0])
    bins = args[1] if len(args) > 1 else None
    if bins is not None and not isinstance(bins, list):
        raise StellarError(f"{java_type_name(bins)} cannot be cast to a list of bounds")
    if value is None or not bins:
        return -1
    return get_bin(value, len(bins), lambda i: _number(bins[i]))
