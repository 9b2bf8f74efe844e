"""STATS_* and BIN: the online and windowed providers, their quirks and their precision."""

from __future__ import annotations

import contextlib
import math
import pickle
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib._statmath import fast_pow
from metron.stellar.stdlib._statproviders import OnlineStatisticsProvider
from metron.stellar.stdlib._tdigest import TDigest
from metron.stellar.stdlib._windowstats import WindowedStatisticsProvider
from metron.stellar.types import JavaSet, Long

NAN = math.nan
ACCESSORS = [
    "STATS_COUNT",
    "STATS_SUM",
    "STATS_MIN",
    "STATS_MAX",
    "STATS_MEAN",
    "STATS_VARIANCE",
    "STATS_SD",
    "STATS_POPULATION_VARIANCE",
    "STATS_GEOMETRIC_MEAN",
    "STATS_QUADRATIC_MEAN",
    "STATS_SUM_SQUARES",
    "STATS_SUM_LOGS",
    "STATS_SKEWNESS",
    "STATS_KURTOSIS",
]
# 1000 values with repeats of nothing: the t-digest merges centroids past 301 values, so the
# percentiles below (computed by Metron's own t-digest 3.1 AVLTreeDigest) test the port itself.
WAVE = [round(math.sin(i * 0.37) * 50 + (i % 17) * 3.1, 6) for i in range(1000)]


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


def filled(window: int, values: list[float]) -> Any:
    stats = ev(f"STATS_INIT({window})")
    ev("STATS_ADD(s, v)", {"s": stats, "v": values})
    return stats


def same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


# -- STATS_INIT / STATS_ADD -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("STATS_INIT()", OnlineStatisticsProvider),
        ("STATS_INIT(0)", OnlineStatisticsProvider),
        ("STATS_INIT(-3)", OnlineStatisticsProvider),
        ("STATS_INIT('5')", OnlineStatisticsProvider),  # only a number counts as a window
        ("STATS_INIT(null)", OnlineStatisticsProvider),
        ("STATS_INIT(5)", WindowedStatisticsProvider),
        ("STATS_INIT(2.9)", WindowedStatisticsProvider),
        ("STATS_INIT(7L)", WindowedStatisticsProvider),
    ],
)
def test_init_chooses_provider(expression: str, kind: type) -> None:
    assert type(ev(expression)) is kind


def test_init_window_truncates() -> None:
    assert ev("STATS_INIT(2.9)").window_size == 2


def test_init_window_too_large_is_an_error() -> None:
    with pytest.raises(stellar.StellarError):
        ev("STATS_INIT(10000000000L)")


def test_add_mutates_and_returns_the_same_object() -> None:
    stats = ev("STATS_INIT()")
    assert ev("STATS_ADD(s, 1, 2)", {"s": stats}) is stats
    assert ev("STATS_COUNT(s)", {"s": stats}) == 2.0


@pytest.mark.parametrize(
    ("expression", "count", "total"),
    [
        ("STATS_ADD(null, 1)", 1.0, 1.0),
        ("STATS_ADD(STATS_INIT(), 1, null, [2, null, '3'])", 3.0, 6.0),
        ("STATS_ADD(STATS_INIT(), SET_INIT([4, 5]))", 2.0, 9.0),
        ("STATS_ADD(STATS_INIT(), ' 2.5 ', 1.5f, 2L, true)", 4.0, 7.0),
        ("STATS_ADD(STATS_INIT())", 0.0, 0.0),
        ("STATS_ADD(STATS_INIT(), [[7, 8]])", 1.0, 7.0),  # a nested list converts its first element
    ],
)
def test_add_accepts(expression: str, count: float, total: float) -> None:
    stats = ev(expression)
    assert ev("STATS_COUNT(s)", {"s": stats}) == count
    assert ev("STATS_SUM(s)", {"s": stats}) == total


@pytest.mark.parametrize(
    "expression",
    [
        "STATS_ADD()",
        "STATS_ADD('stats', 1)",
        "STATS_ADD(5, 1)",
        "STATS_ADD(STATS_INIT(), 'abc')",
        "STATS_ADD(STATS_INIT(), [1, 'abc'])",
        "STATS_ADD(STATS_INIT(), {'a': 1})",
        "STATS_ADD(STATS_INIT(), TO_DOUBLE('NaN'))",
        "STATS_ADD(STATS_INIT(), 1e308, 1e308)",  # the sum of squares overflows
        "STATS_ADD(STATS_INIT(), 3e-305)",  # the sum of squares underflows
    ],
)
def test_add_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- accessors --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACCESSORS)
def test_accessors_give_nan_for_null(name: str) -> None:
    result = ev(f"{name}(null)")
    assert type(result) is float and math.isnan(result)


@pytest.mark.parametrize("name", ACCESSORS)
@pytest.mark.parametrize("argument", ["'stats'", "[1, 2]", "5", "HLLP_INIT()"])
def test_accessors_reject_non_statistics(name: str, argument: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(f"{name}({argument})")


@pytest.mark.parametrize("name", ACCESSORS)
def test_accessors_need_an_argument(name: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(f"{name}()")


def test_count_is_a_double() -> None:
    assert type(ev("STATS_COUNT(STATS_ADD(STATS_INIT(), 1, 2))")) is float


@pytest.mark.parametrize("window", [0, 50])
def test_summary_of_small_sample(window: int) -> None:
    stats = filled(window, [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    v = {"s": stats}
    assert ev("STATS_COUNT(s)", v) == 8.0
    assert ev("STATS_SUM(s)", v) == 31.0
    assert ev("STATS_MIN(s)", v) == 1.0
    assert ev("STATS_MAX(s)", v) == 9.0
    assert ev("STATS_MEAN(s)", v) == 3.875
    assert ev("STATS_SUM_SQUARES(s)", v) == 173.0
    assert ev("STATS_VARIANCE(s)", v) == pytest.approx(7.553571428571429, rel=1e-15)
    assert ev("STATS_SD(s)", v) == pytest.approx(2.748376143938713, rel=1e-15)
    assert ev("STATS_QUADRATIC_MEAN(s)", v) == pytest.approx(4.650268809434569, rel=1e-15)
    assert ev("STATS_SKEWNESS(s)", v) == pytest.approx(0.8335031385336659, rel=1e-12)
    assert ev("STATS_KURTOSIS(s)", v) == pytest.approx(0.27660580453699435, rel=1e-12)


def test_online_only_and_windowed_only() -> None:
    online = filled(0, [1.0, 2.0])
    windowed = filled(10, [1.0, 2.0])
    for name in ("STATS_GEOMETRIC_MEAN", "STATS_POPULATION_VARIANCE"):
        with pytest.raises(stellar.StellarError, match="geometric mean"):
            ev(f"{name}(s)", {"s": online})
    with pytest.raises(stellar.StellarError, match="sum logs"):
        ev("STATS_SUM_LOGS(s)", {"s": windowed})
    assert ev("STATS_SUM_LOGS(s)", {"s": online}) == math.log(2.0)
    assert ev("STATS_POPULATION_VARIANCE(s)", {"s": windowed}) == 0.25
    assert ev("STATS_GEOMETRIC_MEAN(s)", {"s": windowed}) == pytest.approx(math.sqrt(2), rel=1e-15)


@pytest.mark.parametrize(
    ("window", "name", "expected"),
    [
        (0, "STATS_MEAN", NAN),
        (0, "STATS_VARIANCE", -0.0),  # 0 / (0 - 1.0), as Metron computes it
        (0, "STATS_SD", -0.0),
        (0, "STATS_QUADRATIC_MEAN", NAN),
        (0, "STATS_MIN", NAN),
        (0, "STATS_SUM", 0.0),
        (0, "STATS_SKEWNESS", NAN),
        (5, "STATS_MEAN", NAN),
        (5, "STATS_VARIANCE", NAN),
        (5, "STATS_SD", NAN),
        (5, "STATS_POPULATION_VARIANCE", NAN),
        (5, "STATS_GEOMETRIC_MEAN", NAN),
        (5, "STATS_MAX", NAN),
        (5, "STATS_SUM", 0.0),
        (5, "STATS_KURTOSIS", NAN),
    ],
)
def test_empty_statistics(window: int, name: str, expected: float) -> None:
    result = ev(f"{name}(STATS_INIT({window}))")
    assert same(result, expected) and math.copysign(1, result) == math.copysign(1, expected)


@pytest.mark.parametrize(
    ("window", "name", "expected"),
    [
        (0, "STATS_VARIANCE", NAN),
        (0, "STATS_SD", NAN),
        (0, "STATS_SKEWNESS", NAN),
        (5, "STATS_VARIANCE", 0.0),
        (5, "STATS_SD", 0.0),
        (5, "STATS_POPULATION_VARIANCE", 0.0),
    ],
)
def test_single_value(window: int, name: str, expected: float) -> None:
    assert same(ev(f"{name}(STATS_ADD(STATS_INIT({window}), 4))"), expected)


def test_constant_values_have_nan_shape() -> None:
    for window in (0, 10):
        stats = filled(window, [2.0] * 6)
        assert math.isnan(ev("STATS_SKEWNESS(s)", {"s": stats}))
        assert math.isnan(ev("STATS_KURTOSIS(s)", {"s": stats}))


def test_log_of_non_positive_values() -> None:
    assert ev("STATS_SUM_LOGS(STATS_ADD(STATS_INIT(), 0))") == -math.inf
    assert math.isnan(ev("STATS_SUM_LOGS(STATS_ADD(STATS_INIT(), -1))"))
    assert math.isnan(ev("STATS_GEOMETRIC_MEAN(STATS_ADD(STATS_INIT(3), -1, 2))"))


def test_window_keeps_last_values() -> None:
    stats = filled(3, [100.0, 1.0, 2.0, 3.0])
    assert stats.values == [1.0, 2.0, 3.0]
    assert ev("STATS_COUNT(s)", {"s": stats}) == 3.0
    assert ev("STATS_MAX(s)", {"s": stats}) == 3.0


def test_online_min_max_are_ordinal() -> None:
    stats = filled(0, [4.0, -2.0, 7.5])
    assert stats.stellar_min() == -2.0 and stats.stellar_max() == 7.5
    assert math.isnan(OnlineStatisticsProvider().stellar_max())
    assert filled(4, [1.0, 9.0]).stellar_max() == 9.0


def test_readable_string() -> None:
    assert str(filled(0, [1.0, 2.0, 3.0])) == "OnlineStatisticsProvider(count=3, mean=2.0)"
    assert str(filled(5, [1.0])) == "WindowedStatisticsProvider(window=5, count=1, mean=1.0)"
    assert ev("TO_STRING(STATS_INIT())") == "OnlineStatisticsProvider(count=0, mean=NaN)"


def test_providers_pickle() -> None:
    for stats in (filled(0, WAVE[:400]), filled(20, WAVE[:30])):
        clone = pickle.loads(pickle.dumps(stats))
        assert ev("STATS_PERCENTILE(s, 40)", {"s": clone}) == ev(
            "STATS_PERCENTILE(s, 40)", {"s": stats}
        )


# -- moments: Metron's formulas, checked against the Java implementation ----------------------


def test_wave_matches_metron() -> None:
    online = filled(0, WAVE)
    windowed = filled(250, WAVE)
    expected_online = {
        "STATS_MEAN": 24.783257281000004,
        "STATS_SUM": 24783.257281000006,
        "STATS_VARIANCE": 644.9850815134126,
        "STATS_SD": 25.396556489284382,
        "STATS_QUADRATIC_MEAN": 35.47604738253879,
        "STATS_SUM_SQUARES": 1258549.937888137,
        "STATS_KURTOSIS": -1.4003957277674024,
        "STATS_SKEWNESS": -0.009193405101517657,
    }
    for name, value in expected_online.items():
        assert ev(f"{name}(s)", {"s": online}) == value, name
    expected_windowed = {
        "STATS_MEAN": 24.741476528,
        "STATS_SUM": 6185.3691320000025,
        "STATS_VARIANCE": 660.7385500085459,
        "STATS_SD": 25.70483514844135,
        "STATS_QUADRATIC_MEAN": 35.64037396821316,
        "STATS_SUM_SQUARES": 317559.06414852163,
        "STATS_KURTOSIS": -1.4240182348711217,
        "STATS_SKEWNESS": -0.1032711465659829,
        "STATS_POPULATION_VARIANCE": 658.0955958085117,
    }
    for name, value in expected_windowed.items():
        assert ev(f"{name}(s)", {"s": windowed}) == value, name


@pytest.mark.parametrize(
    ("p", "online", "windowed"),
    [
        (0.5, -13.93648122, -14.359298855),
        (10, -9.475314466666667, -12.599902),
        (25, 1.4480439999999999, 0.84557125),
        (50, 24.99871855555556, 27.53494),
        (75, 48.033464333333335, 49.53909675),
        (90, 59.0196518, 58.8936724),
        (100, 63.56376, 61.311424),
    ],
)
def test_wave_percentiles_match_metron(p: float, online: float, windowed: float) -> None:
    assert ev("STATS_PERCENTILE(s, p)", {"s": filled(0, WAVE), "p": p}) == online
    assert ev("STATS_PERCENTILE(s, p)", {"s": filled(250, WAVE), "p": p}) == windowed


def test_merge_matches_metron_formulas() -> None:
    a = filled(0, [1.0, 5.0, 2.0])
    b = filled(0, [10.0, 0.5])
    merged = ev("STATS_MERGE([a, b])", {"a": a, "b": b})
    whole = filled(0, [1.0, 5.0, 2.0, 10.0, 0.5])
    v, w = {"s": merged}, {"s": whole}
    for name in ("STATS_COUNT", "STATS_SUM", "STATS_MIN", "STATS_MAX", "STATS_SUM_SQUARES"):
        assert ev(f"{name}(s)", v) == ev(f"{name}(s)", w)
    for p in (10, 30, 50, 90):
        assert ev(f"STATS_PERCENTILE(s, {p})", v) == ev(f"STATS_PERCENTILE(s, {p})", w)
    for name in ("STATS_MEAN", "STATS_VARIANCE", "STATS_SKEWNESS", "STATS_KURTOSIS"):
        assert ev(f"{name}(s)", v) == pytest.approx(ev(f"{name}(s)", w), rel=1e-12)


def test_fast_pow_is_extended_precision() -> None:
    assert fast_pow(1.1, 4) == 1.4641000000000004
    assert fast_pow(-2.0, 3) == -8.0
    assert fast_pow(1e200, 2) == math.inf
    assert fast_pow(-1e200, 3) == -math.inf
    assert fast_pow(-1e-200, 4) == -0.0  # FastMath reports a signed zero on underflow
    assert math.isnan(fast_pow(NAN, 4))


# -- STATS_MERGE ------------------------------------------------------------------------------


def test_merge_single_returns_same_object() -> None:
    a = filled(0, [1.0])
    assert ev("STATS_MERGE([a])", {"a": a}) is a
    assert ev("STATS_MERGE([1, 'x', a, null])", {"a": a}) is a


@pytest.mark.parametrize(
    "expression",
    [
        "STATS_MERGE()",
        "STATS_MERGE(null)",
        "STATS_MERGE([])",
        "STATS_MERGE('a')",
        "STATS_MERGE([1, 2])",
    ],
)
def test_merge_gives_null(expression: str) -> None:
    assert ev(expression) is None


def test_merge_of_a_set_gives_null() -> None:
    assert ev("STATS_MERGE(SET_INIT([STATS_INIT()]))") is None


def test_merge_keeps_first_bounds_when_one_is_empty() -> None:
    empty_first = ev("STATS_MERGE([STATS_INIT(), STATS_ADD(STATS_INIT(), 3)])")
    assert ev("STATS_COUNT(s)", {"s": empty_first}) == 1.0
    assert math.isnan(ev("STATS_MAX(s)", {"s": empty_first}))
    empty_second = ev("STATS_MERGE([STATS_ADD(STATS_INIT(), 3), STATS_INIT()])")
    assert ev("STATS_MAX(s)", {"s": empty_second}) == 3.0


def test_merge_of_empty_providers_poisons_the_mean_moment() -> None:
    merged = ev("STATS_MERGE([STATS_INIT(), STATS_INIT()])")
    ev("STATS_ADD(s, 1, 2, 3)", {"s": merged})
    assert ev("STATS_MEAN(s)", {"s": merged}) == 2.0  # the mean comes from the sums
    assert math.isnan(ev("STATS_VARIANCE(s)", {"s": merged}))  # the moments are NaN (0/0)


@pytest.mark.parametrize(
    "expression",
    [
        "STATS_MERGE([STATS_INIT(3), STATS_INIT(3)])",
        "STATS_MERGE([STATS_INIT(), STATS_INIT(3)])",
        "STATS_MERGE([STATS_ADD(STATS_INIT(), 1e200), STATS_ADD(STATS_INIT(), 1e200)])",
    ],
)
def test_merge_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_merge_windowed_alone_is_fine() -> None:
    w = filled(3, [1.0])
    assert ev("STATS_MERGE([w])", {"w": w}) is w


# -- STATS_PERCENTILE -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0, 10.0), (10, 13.0), (25, 17.5), (50, 25.0), (90, 37.0), (100, 40.0), ("50", 25.0)],
)
def test_online_percentile_interpolates_small_sets(p: Any, expected: float) -> None:
    stats = filled(0, [40.0, 10.0, 30.0, 20.0])
    assert ev("STATS_PERCENTILE(s, p)", {"s": stats, "p": p}) == expected


@pytest.mark.parametrize(
    ("p", "expected"), [(1, 10.0), (20, 10.0), (50, 25.0), (70, 35.0), (80, 40.0), (100, 40.0)]
)
def test_windowed_percentile_is_legacy(p: float, expected: float) -> None:
    stats = filled(10, [40.0, 10.0, 30.0, 20.0])
    assert ev("STATS_PERCENTILE(s, p)", {"s": stats, "p": p}) == expected


def test_percentile_edge_cases() -> None:
    assert math.isnan(ev("STATS_PERCENTILE(null, 50)"))
    assert math.isnan(ev("STATS_PERCENTILE(STATS_ADD(STATS_INIT(), 1), null)"))
    assert math.isnan(ev("STATS_PERCENTILE(STATS_ADD(STATS_INIT(), 1), 'x')"))
    assert math.isnan(ev("STATS_PERCENTILE(STATS_INIT(), 50)"))
    assert math.isnan(ev("STATS_PERCENTILE(STATS_INIT(4), 50)"))
    assert ev("STATS_PERCENTILE(STATS_ADD(STATS_INIT(4), 7), 1)") == 7.0
    assert ev("STATS_PERCENTILE(STATS_ADD(STATS_INIT(), 7), 0)") == 7.0


@pytest.mark.parametrize(
    "expression",
    [
        "STATS_PERCENTILE(STATS_INIT(), 101)",
        "STATS_PERCENTILE(STATS_INIT(), -1)",
        "STATS_PERCENTILE(STATS_INIT(5), 0)",
        "STATS_PERCENTILE(STATS_INIT(5), 100.5)",
        "STATS_PERCENTILE(STATS_ADD(STATS_INIT()))",
    ],
)
def test_percentile_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=301), st.floats(0, 100))
def test_tdigest_is_exact_interpolation_for_small_sets(values: list[float], p: float) -> None:
    digest = TDigest(150)
    for v in values:
        digest.add(v)
    ordered = sorted(values)
    index = p / 100 * (len(values) - 1)
    low = math.floor(index)
    high = min(low + 1, len(values) - 1)
    if len(values) == 1 or index == low:
        expected = ordered[low]
        assert digest.quantile(p / 100) == expected
    else:
        expected = ordered[low] * (high - index) + ordered[high] * (index - low)
        assert digest.quantile(p / 100) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_tdigest_accuracy_on_large_sets() -> None:
    rng = random.Random(11)
    values = [rng.gauss(0, 1) for _ in range(30000)]
    stats = filled(0, values)
    ordered = sorted(values)
    for p in (1, 10, 25, 50, 75, 90, 99):
        exact = ordered[round(p / 100 * (len(values) - 1))]
        assert ev("STATS_PERCENTILE(s, p)", {"s": stats, "p": p}) == pytest.approx(exact, abs=1e-2)
    assert len(stats.digest.centroids) < 3000


def test_tdigest_is_deterministic() -> None:
    rng = random.Random(3)
    values = [float(rng.randint(0, 20)) for _ in range(2000)]  # many ties
    first = filled(0, values)
    second = filled(0, values)
    assert first.digest.centroids == second.digest.centroids


# -- STATS_BIN and BIN ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "bounds", "expected"),
    [
        (1, None, 0),
        (2.5, None, 0),  # 25th percentile of 1..10 in a window is 2.75
        (3, None, 1),
        (5.5, None, 1),
        (6, None, 2),
        (9, None, 3),
        (3, "'QUARTILE'", 1),
        (3, "'QUINTILE'", 1),
        (3, "'DECILE'", 2),
        (3, "[50]", 0),
        (3, "[]", -1),
        (None, None, -1),
    ],
)
def test_stats_bin(value: Any, bounds: str | None, expected: int) -> None:
    stats = filled(100, [float(i) for i in range(1, 11)])
    expression = "STATS_BIN(s, v)" if bounds is None else f"STATS_BIN(s, v, {bounds})"
    assert ev(expression, {"s": stats, "v": value}) == expected


def test_stats_bin_single_value() -> None:
    for window in (0, 10):
        stats = filled(window, [10.0])
        assert [ev("STATS_BIN(s, v)", {"s": stats, "v": v}) for v in (9, 10, 11)] == [0, 0, 3]


def test_stats_bin_null_and_empty() -> None:
    assert ev("STATS_BIN(null, 3)") == -1
    assert ev("STATS_BIN(STATS_INIT(), 3)") == 3  # NaN percentiles never contain a value


@pytest.mark.parametrize(
    "expression",
    [
        "STATS_BIN(STATS_INIT(), 3, 'quartile')",
        "STATS_BIN(STATS_INIT(), 3, null)",
        "STATS_BIN(STATS_INIT(), 3, 7)",
        "STATS_BIN(null, 3, 'BOGUS')",
        "STATS_BIN(STATS_ADD(STATS_INIT(), 1, 2), 3, ['50'])",
        "STATS_BIN(STATS_ADD(STATS_INIT(), 1, 2), 3, [90, 10])",
        "STATS_BIN(STATS_ADD(STATS_INIT(5), 1), 3, [0])",
        "STATS_BIN(STATS_INIT())",
    ],
)
def test_stats_bin_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (9, 0),
        (10, 0),
        (11, 1),
        (19.5, 1),
        (21, 2),
        (30, 2),
        (30.01, 3),
        (1000, 3),
        ("15", 1),
    ],
)
def test_bin(value: Any, expected: int) -> None:
    assert ev("BIN(v, [10, 20, 30])", {"v": value}) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("BIN(null, [1])", -1),
        ("BIN(5)", -1),
        ("BIN(5, null)", -1),
        ("BIN(5, [])", -1),
        ("BIN('x', [1])", -1),
        ("BIN(5, [1, 1, 1])", 3),
        ("BIN(1, [1, 1, 1])", 0),
        ("BIN(5, [10, 2])", 0),  # the order is only checked up to the bin found
        ("BIN(5, [1.5f, 7L])", 1),
    ],
)
def test_bin_edges(expression: str, expected: int) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "BIN()",
        "BIN(15, [10, 2, 30])",
        "BIN(5, 'abc')",
        "BIN(5, SET_INIT([1]))",
        "BIN(5, ['a'])",
        "BIN(5, [null])",
    ],
)
def test_bin_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- robustness -------------------------------------------------------------------------------

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**31), 2**31 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3)), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(0, 5), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(ANY_VALUE, ANY_VALUE, st.sampled_from([0, 4]))
def test_random_inputs_only_raise_stellar_errors(a: Any, b: Any, window: int) -> None:
    stats = ev(f"STATS_INIT({window})")
    variables = {"s": stats, "a": a, "b": b}
    for expression in (
        "STATS_ADD(s, a, b)",
        "STATS_PERCENTILE(s, a)",
        "STATS_BIN(s, a, b)",
        "BIN(a, b)",
        "STATS_INIT(a)",
        "STATS_MERGE(a)",
        "STATS_MEAN(a)",
    ):
        with contextlib.suppress(stellar.StellarError):
            ev(expression, variables)


def test_long_and_set_values_are_numbers() -> None:
    stats = ev("STATS_ADD(STATS_INIT(), s)", {"s": JavaSet([Long(2), 3.5])})
    assert ev("STATS_SUM(s)", {"s": stats}) == 5.5
