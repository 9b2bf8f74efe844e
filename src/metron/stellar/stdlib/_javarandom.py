"""``java.util.Random``: the 48-bit linear congruential generator Java's samplers use.

Metron's reservoir sampler seeds one with 0, so reproducing its samples means reproducing the
generator bit for bit: the seed scrambling, ``next(bits)``, ``nextInt(bound)`` and
``nextDouble()`` below follow the JDK's documented algorithms.
"""

from __future__ import annotations

__all__ = ["JavaRandom"]

_MULTIPLIER = 0x5DEECE66D
_ADDEND = 0xB
_MASK = (1 << 48) - 1
_DOUBLE_UNIT = 1.0 / (1 << 53)


class JavaRandom:
    """A generator producing the same sequence as ``new java.util.Random(seed)``."""

    __slots__ = ("_seed",)

    def __init__(self, seed: int = 0) -> None:
        self._seed = (seed ^ _MULTIPLIER) & _MASK

    def next_bits(self, bits: int) -> int:
        """``next(bits)``: the top ``bits`` bits of the advanced state, as a signed Java int."""
        self._seed = (self._seed * _MULTIPLIER + _ADDEND) & _MASK
        value = self._seed >> (48 - bits)
        if bits == 32 and value & 0x80000000:
            value -= 1 << 32
        return value

    def next_int(self, bound: int) -> int:
        """``nextInt(bound)``: uniform in ``[0, bound)``, with Java's rejection loop."""
        if bound <= 0:
            raise ValueError("bound must be positive")
        r = self.next_bits(31)
        m = bound - 1
        if bound & m == 0:  # a power of two: take the high bits
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            # Java rejects when u - r + m overflows a 32-bit int.
            if u - r + m < 0x80000000:
                return r
            u = self.next_bits(31)

    def next_double(self) -> float:
        """``nextDouble()``: 53 random bits scaled into ``[0, 1)``."""
        first = (self._seed * _MULTIPLIER + _ADDEND) & _MASK
        second = (first * _MULTIPLIER + _ADDEND) & _MASK
        self._seed = second
        return (((first >> 22) << 27) + (second >> 21)) * _DOUBLE_UNIT

    def shuffle(self, items: list[object]) -> None:
        """``Collections.shuffle(list, rnd)`` for a random-access list."""
        for i in range(len(items) - 1, 0, -1):
            j = self.next_int(i + 1)
            items[i], items[j] = items[j], items[i]
