"""The two statistics providers behind ``STATS_*``: online (mergeable) and windowed (exact).

* :class:`OnlineStatisticsProvider` keeps running sums and the first four central moments,
  updated per value with the single-pass formulas Metron uses (Knuth/Welford generalised to
  third and fourth moments, plus their pairwise merge), and a t-digest for percentiles.  It
  refuses the geometric mean and the population variance, like Metron.
* :class:`~metron.stellar.stdlib._windowstats.WindowedStatisticsProvider` keeps the last N
  values and computes each statistic exactly (see that module).

Arithmetic follows Java: division by zero gives an infinity or NaN, ``Math.log`` of a
non-positive number gives -Infinity or NaN, and ``FastMath.pow`` with an integral exponent is
computed in extended precision (Veltkamp splitting), so results agree to the last digit.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

from metron.stellar.errors import StellarError
from metron.stellar.stdlib._statmath import (
    fast_pow,
    java_div,
    java_log,
    java_max,
    java_min,
    java_sqrt,
)
from metron.stellar.stdlib._tdigest import TDigest
from metron.stellar.types import double_to_string, wrap_long

__all__ = ["OnlineStatisticsProvider", "StatisticsProvider"]

NAN = math.nan
_INF = math.inf


class StatisticsProvider(ABC):
    """What every provider answers (Metron's ``StatisticsProvider``)."""

    __slots__ = ()

    @abstractmethod
    def add_value(self, value: float) -> None: ...

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def min(self) -> float: ...

    @abstractmethod
    def max(self) -> float: ...

    def stellar_min(self) -> float:
        """The minimum as ``MIN`` reports it (a Double, NaN when empty)."""
        return self.min()

    def stellar_max(self) -> float:
        """The maximum as ``MAX`` reports it (a Double, NaN when empty)."""
        return self.max()

    @abstractmethod
    def mean(self) -> float: ...

    @abstractmethod
    def sum(self) -> float: ...

    @abstractmethod
    def variance(self) -> float: ...

    @abstractmethod
    def standard_deviation(self) -> float: ...

    @abstractmethod
    def geometric_mean(self) -> float: ...

    @abstractmethod
    def population_variance(self) -> float: ...

    @abstractmethod
    def quadratic_mean(self) -> float: ...

    @abstractmethod
    def sum_logs(self) -> float: ...

    @abstractmethod
    def sum_squares(self) -> float: ...

    @abstractmethod
    def kurtosis(self) -> float: ...

    @abstractmethod
    def skewness(self) -> float: ...

    @abstractmethod
    def percentile(self, p: float) -> float: ...

    @abstractmethod
    def merge(self, other: StatisticsProvider) -> StatisticsProvider: ...


class OnlineStatisticsProvider(StatisticsProvider):
    """Constant-memory statistics: running sums, central moments and a t-digest."""

    COMPRESSION = 150

    __slots__ = (
        "_max",
        "_min",
        "digest",
        "m1",
        "m2",
        "m3",
        "m4",
        "n",
        "sum_log",
        "sum_sq",
        "total",
    )

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0
        self.sum_sq = 0.0
        self.sum_log = 0.0
        self._min: float | None = None
        self._max: float | None = None
        self.m1 = 0.0
        self.m2 = 0.0
        self.m3 = 0.0
        self.m4 = 0.0
        self.digest = TDigest(self.COMPRESSION)

    def add_value(self, value: float) -> None:
        n1 = self.n
        low = self._min
        if low is None or value < low or value != value:
            self._min = value
        elif value == 0.0 and low == 0.0 and math.copysign(1.0, value) < 0:
            self._min = value  # Math.min prefers -0.0
        high = self._max
        if high is None or value > high or value != value:
            self._max = value
        elif value == 0.0 and high == 0.0 and math.copysign(1.0, high) < 0:
            self._max = value  # Math.max prefers +0.0
        self.total += value
        self.sum_log += math.log(value) if value > 0 else java_log(value)
        self.sum_sq += value * value
        self.digest.add(value)  # refuses NaN after the sums changed, as Metron does
        n = n1 + 1
        self.n = n
        delta = value - self.m1
        delta_n = delta / n
        delta_n2 = delta_n * delta_n
        term1 = delta * delta_n * n1
        self.m1 += delta_n
        m2 = self.m2
        m3 = self.m3
        self.m4 += term1 * delta_n2 * (n * n - 3 * n + 3) + 6 * delta_n2 * m2 - 4 * delta_n * m3
        self.m3 = m3 + (term1 * delta_n * (n - 2) - 3 * delta_n * m2)
        self.m2 = m2 + term1
        if (
            _is_inf(self.sum_sq)
            or _is_inf(self.m1)
            or _is_inf(self.m2)
            or _is_inf(self.m3)
            or _is_inf(self.m4)
            or (self.sum_sq == 0.0 and self.total > 0)
        ):
            _check_flow(self.sum_sq, self.total, (self.sum_sq, self.m1, self.m2, self.m3, self.m4))

    def count(self) -> int:
        return self.n

    def min(self) -> float:
        return NAN if self._min is None else self._min

    def max(self) -> float:
        return NAN if self._max is None else self._max

    def mean(self) -> float:
        return java_div(self.total, self.n)

    def sum(self) -> float:
        return self.total

    def variance(self) -> float:
        return java_div(self.m2, self.n - 1.0)

    def standard_deviation(self) -> float:
        return java_sqrt(self.variance())

    def geometric_mean(self) -> float:
        raise StellarError("Unwilling to compute the geometric mean.")

    def population_variance(self) -> float:
        # Metron's message really does mention the geometric mean here.
        raise StellarError("Unwilling to compute the geometric mean.")

    def quadratic_mean(self) -> float:
        return java_sqrt(java_div(self.sum_sq, self.n))

    def sum_logs(self) -> float:
        return self.sum_log

    def sum_squares(self) -> float:
        return self.sum_sq

    def kurtosis(self) -> float:
        n = self.n
        if n < 4:
            return NAN
        std = self.standard_deviation()
        t1 = java_div((1.0 * n) * (n + 1), wrap_long((n - 1) * (n - 2) * (n - 3)))
        t3 = java_div(3.0 * wrap_long((n - 1) * (n - 1)), wrap_long((n - 2) * (n - 3)))
        return t1 * java_div(self.m4, fast_pow(std, 4)) - t3

    def skewness(self) -> float:
        n = self.n
        if n < 3:
            return NAN
        t1 = java_div(1.0 * n, wrap_long((n - 1) * (n - 2)))
        return java_div(t1 * self.m3, fast_pow(self.standard_deviation(), 3))

    def percentile(self, p: float) -> float:
        q = p / 100.0
        if q < 0 or q > 1:
            raise StellarError(f"q should be in [0,1], got {double_to_string(q)}")
        return self.digest.quantile(q)

    def merge(self, other: StatisticsProvider) -> OnlineStatisticsProvider:
        if not isinstance(other, OnlineStatisticsProvider):
            raise StellarError(f"{type(other).__name__} cannot be cast to OnlineStatisticsProvider")
        a, b = self, other
        c = OnlineStatisticsProvider()
        an, bn = a.n, b.n
        cn = an + bn
        c.n = cn
        c.total = a.total + b.total
        if a._min is not None and b._min is not None and a._max is not None and b._max is not None:
            c._min = java_min(a._min, b._min)
            c._max = java_max(a._max, b._max)
        else:  # Metron keeps the first provider's bounds, even when only the second has any
            c._min, c._max = a._min, a._max
        c.sum_sq = a.sum_sq + b.sum_sq
        c.sum_log = a.sum_log + b.sum_log
        delta = b.m1 - a.m1
        delta2 = delta * delta
        delta3 = delta * delta2
        delta4 = delta2 * delta2
        c.m1 = java_div(an * a.m1 + bn * b.m1, cn)
        c.m2 = a.m2 + b.m2 + java_div(delta2 * an * bn, cn)
        c.m3 = a.m3 + b.m3 + java_div(delta3 * an * bn * (an - bn), wrap_long(cn * cn))
        c.m3 += java_div(3.0 * delta * (an * b.m2 - bn * a.m2), cn)
        c.m4 = (
            a.m4
            + b.m4
            + java_div(
                delta4 * an * bn * wrap_long(an * an - an * bn + bn * bn), wrap_long(cn * cn * cn)
            )
        )
        c.m4 += java_div(
            6.0 * delta2 * (wrap_long(an * an) * b.m2 + wrap_long(bn * bn) * a.m2),
            wrap_long(cn * cn),
        ) + java_div(4.0 * delta * (an * b.m3 - bn * a.m3), cn)
        c.digest.add_digest(a.digest)
        c.digest.add_digest(b.digest)
        _check_flow(c.sum_sq, self.total, (c.sum_sq, c.m1, c.m2, c.m3, c.m4))
        return c

    def __str__(self) -> str:
        return f"OnlineStatisticsProvider(count={self.n}, mean={double_to_string(self.mean())})"

    __repr__ = __str__


_is_inf = math.isinf


def _check_flow(sum_sq: float, total: float, values: tuple[float, ...]) -> None:
    for v in values:
        if v == _INF or v == -_INF:
            raise StellarError("Double overflow!")
    if sum_sq == 0.0 and total > 0:
        raise StellarError("Double underflow!")
