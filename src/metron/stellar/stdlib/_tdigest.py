"""A t-digest behaving like t-digest 3.1's ``AVLTreeDigest``, the sketch behind Metron's percentiles.

The digest keeps centroids (a mean and a weight) sorted by mean.  A new point joins the nearest
centroid when that centroid stays under the size bound ``4·n·q·(1-q)/compression`` (q being the
centroid's quantile); otherwise it becomes a centroid of its own.  Quantiles interpolate between
centroid centres, extrapolating linearly before the first and after the last.

Points are processed one at a time, in arrival order, exactly as the Java digest does, so the
centroids are the same as Metron's.  With Metron's compression (150) no point can join another
before the 302nd, so small data sets are kept exactly and their percentiles are the linear
interpolation ``x[⌊q(n-1)⌋] .. x[⌈q(n-1)⌉]``.  Java breaks ties between equally near centroids
and orders merged centroids with an unseeded ``Random``; we use a fixed seed, so results are
reproducible and always one of the outcomes Metron could produce.

Centroids live in two parallel Python lists; the bound on their number (20 × compression, when
the digest re-compresses itself) keeps every insertion O(1) amortised.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from itertools import accumulate

from metron.stellar.stdlib._javarandom import JavaRandom

__all__ = ["TDigest"]

_MAX_DOUBLE = 1.7976931348623157e308
_NAN = math.nan


def _weighted_average(x1: float, w1: int, x2: float, w2: int) -> float:
    """The weighted mean of two points, clamped between them (guards against rounding)."""
    if x1 > x2:
        x1, w1, x2, w2 = x2, w2, x1, w1
    x = (x1 * w1 + x2 * w2) / (w1 + w2)
    return max(x1, min(x, x2))


def _interpolate(
    index: float, prev_index: float, next_index: float, prev: float, nxt: float
) -> float:
    delta = next_index - prev_index
    if delta == 0:  # only reachable with a NaN index; Java yields NaN too
        return _NAN
    return prev * ((next_index - index) / delta) + nxt * ((index - prev_index) / delta)


class TDigest:
    """A mergeable sketch of a distribution answering approximate quantile queries."""

    __slots__ = ("_count", "_counts", "_means", "_rng", "compression")

    def __init__(self, compression: float = 100.0) -> None:
        self.compression = float(compression)
        self._means: list[float] = []
        self._counts: list[int] = []
        self._count = 0
        self._rng = JavaRandom(0x7D16E57)

    def __len__(self) -> int:
        return self._count

    @property
    def centroids(self) -> list[tuple[float, int]]:
        """The (mean, weight) pairs, in increasing order of mean."""
        return list(zip(self._means, self._counts))

    def add(self, x: float, w: int = 1) -> None:
        """Add ``x`` with weight ``w`` (NaN is refused, as the Java digest refuses it)."""
        if x != x:
            raise ValueError("Cannot add NaN")
        means = self._means
        counts = self._counts
        size = len(means)
        if size == 0:
            means.append(x)
            counts.append(w)
            self._count = w
            return
        count = self._count
        closest = -1
        # No centroid can take the point while even a singleton would exceed the bound (the
        # bound never passes count/compression; the margin covers rounding).
        if 1 + w <= count / self.compression * 1.000000001:
            closest = self._closest(x, w, size, count)
        if closest < 0:
            pos = bisect_right(means, x)
            means.insert(pos, x)
            counts.insert(pos, w)
        else:
            self._update(
                closest,
                _weighted_average(means[closest], counts[closest], x, w),
                counts[closest] + w,
            )
        self._count = count + w
        if len(means) > 20 * self.compression:
            self.compress()

    def _closest(self, x: float, w: int, size: int, count: int) -> int:
        """The centroid a point joins, or -1: the nearest one(s) that stay under the bound."""
        means = self._means
        counts = self._counts
        first = bisect_left(means, x) - 1  # last centroid strictly below x
        start = first if first >= 0 else 0
        last = size
        min_distance = _MAX_DOUBLE
        j = start
        while j < size:
            z = abs(means[j] - x)
            if z < min_distance:
                start = j
                min_distance = z
            elif z > min_distance:
                last = j
                break
            j += 1
        if start < size // 2:
            head = sum(counts[:start])
        else:
            head = count - sum(counts[start:])
        closest = -1
        eligible = 0
        scale = 4 * count
        for j in range(start, last):
            cj = counts[j]
            q = 0.5 if count == 1 else (head + (cj - 1) / 2.0) / (count - 1)
            if cj + w <= scale * q * (1 - q) / self.compression:
                eligible += 1
                # Java picks uniformly among equally near candidates (reservoir style), drawing
                # for every candidate; we draw the same way so the generator stays in step.
                if self._rng.next_double() < 1 / eligible:
                    closest = j
            head += cj
        return closest

    def _update(self, i: int, mean: float, weight: int) -> None:
        means = self._means
        counts = self._counts
        size = len(means)
        if (i == 0 or mean >= means[i - 1]) and (i == size - 1 or mean < means[i + 1]):
            means[i] = mean
            counts[i] = weight
            return
        # The centroid moved past a neighbour with an equal mean: re-insert it after its equals.
        del means[i]
        del counts[i]
        pos = bisect_right(means, mean)
        means.insert(pos, mean)
        counts.insert(pos, weight)

    def compress(self) -> None:
        """Re-add every centroid in random order, which merges redundant ones."""
        if len(self._means) <= 1:
            return
        pairs = list(zip(self._means, self._counts))
        self._rng.shuffle(pairs)  # type: ignore[arg-type]
        self._means = []
        self._counts = []
        self._count = 0
        for mean, weight in pairs:
            self.add(mean, weight)

    def add_digest(self, other: TDigest) -> None:
        """Add every centroid of ``other`` (in random order, as Java does)."""
        pairs = list(zip(other._means, other._counts))
        self._rng.shuffle(pairs)  # type: ignore[arg-type]
        for mean, weight in pairs:
            self.add(mean, weight)

    def quantile(self, q: float) -> float:
        """The value below which a fraction ``q`` of the points lie (NaN when empty)."""
        if q < 0 or q > 1:
            raise ValueError(f"q should be in [0,1], got {q}")
        means = self._means
        counts = self._counts
        size = len(means)
        if size == 0:
            return _NAN
        if size == 1:
            return means[0]
        if q != q:
            return _NAN
        count = self._count
        index = q * (count - 1)
        prefix = list(accumulate(counts))
        i = bisect_right(prefix, int(index))  # last centroid with fewer points before it than index
        total = prefix[i - 1] if i > 0 else 0
        prev_mean = _NAN
        prev_index = 0.0
        if i > 0:
            prev_mean = means[i - 1]
            prev_index = total - (counts[i - 1] + 1.0) / 2
        while True:
            next_index = total + (counts[i] - 1.0) / 2
            if next_index >= index:
                if prev_mean != prev_mean:
                    # Before the first centroid's centre: extrapolate from the first two.
                    if next_index == prev_index:
                        return means[i]
                    next_index2 = total + counts[i] + (counts[i + 1] - 1.0) / 2
                    prev_mean = (next_index2 * means[i] - next_index * means[i + 1]) / (
                        next_index2 - next_index
                    )
                return _interpolate(index, prev_index, next_index, prev_mean, means[i])
            if i + 1 == size:
                # Beyond the last centroid's centre: extrapolate up to the largest index.
                next_index2 = count - 1.0
                next_mean2 = (
                    means[i] * (next_index2 - prev_index) - prev_mean * (next_index2 - next_index)
                ) / (next_index - prev_index)
                return _interpolate(index, next_index, next_index2, means[i], next_mean2)
            total += counts[i]
            prev_mean = means[i]
            prev_index = next_index
            i += 1

    def __repr__(self) -> str:
        return f"TDigest(compression={self.compression:g}, count={self._count}, centroids={len(self._means)})"
