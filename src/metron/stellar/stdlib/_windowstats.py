"""The windowed statistics provider: exact statistics over the last N values.

It computes each statistic the way commons-math 3.6.1's ``DescriptiveStatistics`` does, in the
same order of operations: sums from 0.0 left to right, the mean with a second-pass correction
term, the variance as (Σd² - (Σd)²/n)/(n-1), the kurtosis from the incremental moments, and
percentiles with the LEGACY estimator (position p/100·(n+1) in the sorted window, clamped to
the ends, linearly interpolated; NaN values left out).  It has no sum of logs and cannot be
merged, as in Metron.
"""

from __future__ import annotations

import math
from collections import deque
from functools import reduce
from operator import add
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.stdlib._statmath import fast_pow, java_div, java_exp, java_log, java_sqrt
from metron.stellar.stdlib._statproviders import StatisticsProvider
from metron.stellar.types import double_to_string

__all__ = ["WindowedStatisticsProvider"]

NAN = math.nan


class WindowedStatisticsProvider(StatisticsProvider):
    """Exact statistics over the most recent ``window_size`` values."""

    __slots__ = ("_values", "window_size")

    def __init__(self, window_size: int) -> None:
        self.window_size = window_size
        self._values: deque[float] = deque(maxlen=window_size)

    def add_value(self, value: float) -> None:
        self._values.append(value)

    @property
    def values(self) -> list[float]:
        """The values in the window, oldest first."""
        return list(self._values)

    def count(self) -> int:
        return len(self._values)

    def min(self) -> float:
        values = self._values
        if not values:
            return NAN
        low = values[0]
        for v in values:
            if v == v:  # NaN values are skipped, except in the first slot
                low = low if low < v else v
        return low

    def max(self) -> float:
        values = self._values
        if not values:
            return NAN
        high = values[0]
        for v in values:
            if v == v:
                high = high if high > v else v
        return high

    def sum(self) -> float:
        return reduce(add, self._values, 0.0)

    def sum_squares(self) -> float:
        return reduce(add, (v * v for v in self._values), 0.0)

    def mean(self) -> float:
        return _mean(self._values)

    def variance(self) -> float:
        return _variance(self._values, True)

    def population_variance(self) -> float:
        return _variance(self._values, False)

    def standard_deviation(self) -> float:
        n = len(self._values)
        if n == 0:
            return NAN
        return java_sqrt(self.variance()) if n > 1 else 0.0

    def geometric_mean(self) -> float:
        values = self._values
        logs = reduce(add, (java_log(v) for v in values), 0.0)
        return java_exp(java_div(logs, len(values)))

    def quadratic_mean(self) -> float:
        n = len(self._values)
        return java_sqrt(java_div(self.sum_squares(), n)) if n > 0 else NAN

    def sum_logs(self) -> float:
        raise StellarError("sum logs not available if 'windowSize' > 0")

    def skewness(self) -> float:
        values = self._values
        n = len(values)
        if n <= 2:
            return NAN
        m = _mean(values)
        accum = 0.0
        accum2 = 0.0
        for v in values:
            d = v - m
            accum += d * d
            accum2 += d
        variance = (accum - (accum2 * accum2 / n)) / (n - 1)
        accum3 = 0.0
        for v in values:
            d = v - m
            accum3 += d * d * d
        accum3 = java_div(accum3, variance * java_sqrt(variance))
        n0 = float(n)
        return (n0 / ((n0 - 1) * (n0 - 2))) * accum3

    def kurtosis(self) -> float:
        values = self._values
        n = len(values)
        if n <= 3:
            return NAN
        # mean and variance from the incremental (storeless) moments, as commons-math does here
        m1 = 0.0
        m2 = 0.0
        k = 0
        for v in values:
            k += 1
            dev = v - m1
            n_dev = dev / k
            m1 += n_dev
            m2 += (k - 1.0) * dev * n_dev
        std = java_sqrt(m2 / (k - 1.0))
        accum = reduce(add, (fast_pow(v - m1, 4) for v in values), 0.0)
        accum = java_div(accum, fast_pow(std, 4))
        n0 = float(n)
        coefficient = (n0 * (n0 + 1)) / ((n0 - 1) * (n0 - 2) * (n0 - 3))
        term = (3 * fast_pow(n0 - 1, 2)) / ((n0 - 2) * (n0 - 3))
        return coefficient * accum - term

    def percentile(self, p: float) -> float:
        if p <= 0 or p > 100:
            raise StellarError(
                f"out of bounds quantile value: {double_to_string(p)}, must be in (0, 100]"
            )
        values = self._values
        n = len(values)
        if n == 0:
            return NAN
        if n == 1:
            return values[0]
        work = sorted(v for v in values if v == v)
        length = len(work)
        if length == 0:
            return NAN
        if p != p:  # Java ends up reading index -1 of its work array
            raise StellarError("percentile NaN cannot be estimated")
        q = p / 100.0
        pos = float(length) if q == 1.0 else q * (length + 1)
        if pos < 1:
            return work[0]
        if pos >= length:
            return work[-1]
        fpos = math.floor(pos)
        lower = work[int(fpos) - 1]
        upper = work[int(fpos)]
        return lower + (pos - fpos) * (upper - lower)

    def merge(self, other: StatisticsProvider) -> StatisticsProvider:
        raise StellarError("Windowed Statistics cannot be merged.")

    def __str__(self) -> str:
        return (
            f"WindowedStatisticsProvider(window={self.window_size}, count={len(self._values)},"
            f" mean={double_to_string(self.mean())})"
        )

    __repr__ = __str__


def _mean(values: Any) -> float:
    n = len(values)
    if n == 0:
        return NAN
    xbar = reduce(add, values, 0.0) / n
    correction = reduce(add, (v - xbar for v in values), 0.0)
    return xbar + correction / n


def _variance(values: Any, bias_corrected: bool) -> float:
    n = len(values)
    if n == 0:
        return NAN
    if n == 1:
        return 0.0
    m = _mean(values)
    accum = 0.0
    accum2 = 0.0
    for v in values:
        dev = v - m
        accum += dev * dev
        accum2 += dev
    return java_div(accum - (accum2 * accum2 / n), (n - 1.0) if bias_corrected else float(n))
