"""The reservoir sampler and the median-absolute-deviation state behind SAMPLE_* and OUTLIER_MAD_*.

:class:`UniformSampler` is Metron's reservoir sampler (algorithm R): the first ``size`` values
fill the reservoir, then the i-th value replaces a random slot with probability size/i.  Each
sampler owns a ``java.util.Random`` seeded with 0, so the samples are the ones Metron draws.

:class:`MedianAbsoluteDeviationState` holds four online statistics providers: the medians and
absolute deviations of the current tick, and those of the window (previous ticks merged).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.stdlib._javarandom import JavaRandom
from metron.stellar.stdlib._statmath import java_div
from metron.stellar.stdlib._statproviders import OnlineStatisticsProvider
from metron.stellar.types import double_to_string, java_equals, java_hash_code

__all__ = ["MedianAbsoluteDeviationState", "UniformSampler"]

_INT_MAX = 0x7FFFFFFF


class UniformSampler:
    """A uniform reservoir sample of at most ``size`` non-null values."""

    DEFAULT_SIZE = 1024

    __slots__ = ("_rng", "reservoir", "seen", "size")

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.reservoir: list[Any] = []
        self.seen = 0
        self._rng = JavaRandom(0)

    def add(self, value: Any) -> None:
        """Offer one value (null is ignored)."""
        if value is None:
            return
        reservoir = self.reservoir
        if len(reservoir) < self.size:
            reservoir.append(value)
        else:
            bound = self.seen + 1
            if bound > _INT_MAX:  # Java's int counter has overflowed
                raise StellarError("bound must be positive")
            slot = self._rng.next_int(bound)
            if slot < self.size:
                reservoir[slot] = value
        self.seen += 1

    def add_all(self, values: Iterable[Any]) -> None:
        for value in values:
            self.add(value)

    def get(self) -> list[Any]:
        """The reservoir itself (Metron hands out its live list too)."""
        return self.reservoir

    def clone_empty(self) -> UniformSampler:
        return UniformSampler(self.size)

    def __eq__(self, other: object) -> bool:
        """Java's equality: the same size and equal reservoirs."""
        if not isinstance(other, UniformSampler):
            return False
        return self.size == other.size and java_equals(self.reservoir, other.reservoir)

    def __hash__(self) -> int:
        try:
            return java_hash_code(self.reservoir) * 31 + self.size
        except TypeError:  # an unhashable element (a map): equal samplers still hash alike
            return self.size

    def __str__(self) -> str:
        return f"UniformSampler(size={self.size}, seen={self.seen}, sample={len(self.reservoir)})"

    __repr__ = __str__


class MedianAbsoluteDeviationState:
    """What OUTLIER_MAD_SCORE needs: running medians and deviations, per tick and per window."""

    __slots__ = ("tick_mad", "tick_median", "window_mad", "window_median")

    def __init__(
        self,
        previous: list[MedianAbsoluteDeviationState] | None = None,
        current: MedianAbsoluteDeviationState | None = None,
    ) -> None:
        self.tick_median = OnlineStatisticsProvider()
        self.tick_mad = OnlineStatisticsProvider()
        # As in Metron the window starts as the current state's tick providers themselves
        # (shared, not copied) and becomes a new object only when previous states merge in.
        window_median = current.tick_median if current is not None else OnlineStatisticsProvider()
        window_mad = current.tick_mad if current is not None else OnlineStatisticsProvider()
        for state in previous or ():
            window_median = window_median.merge(state.tick_median)
            window_mad = window_mad.merge(state.tick_mad)
        self.window_median = window_median
        self.window_mad = window_mad

    def add(self, value: float) -> None:
        """Record one value: its deviation from the window median so far, then the value."""
        if value != value:
            return
        self.tick_median.add_value(value)
        deviation = abs(value - self.window_median.percentile(50))
        self.window_median.add_value(value)
        if deviation == deviation:
            self.window_mad.add_value(deviation)
            self.tick_mad.add_value(deviation)

    def score(self, value: float, scale: float) -> float:
        """The modified z-score ``scale·|value - median| / MAD``."""
        deviation = abs(value - self.window_median.percentile(50))
        mad = self.window_mad.percentile(50)
        return java_div(scale * deviation, mad)

    def __str__(self) -> str:
        median = self.window_median.percentile(50)
        mad = self.window_mad.percentile(50)
        return (
            f"MedianAbsoluteDeviationState(count={self.window_median.count()},"
            f" median={double_to_string(median)}, mad={double_to_string(mad)})"
        )

    __repr__ = __str__
