"""HyperLogLog++ as stream-lib 2.9.5 implements it, the estimator behind Metron's HLLP_* functions.

Values are hashed like stream-lib's ``MurmurHash.hash64(Object)``: the 64-bit MurmurHash2
(seed 0xe17a1465) of the string's bytes, where a non-string is hashed through its Java
``toString`` and null hashes to 0.  With a sparse precision ``sp`` the estimator starts sparse:
it keeps one 32-bit code per distinct sp-bit register index and estimates by linear counting
over 2^sp registers, which is exact for small sets.  Past 0.75·2^p codes it switches to 2^p
dense registers, estimated by linear counting below a per-precision threshold and by the raw
HyperLogLog estimate, corrected with Google's empirical bias tables, above it.

stream-lib's integer quirks are kept: new codes wait in a small buffer whose sort round-trip
truncates codes wider than 26 bits (any sp above 25), and codes overflow 32 bits when sp > 25,
so such estimators lose precision exactly as they do in Metron.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from hyperloglog import const as _hll_tables

from metron.stellar.errors import StellarError
from metron.stellar.types import to_java_string

__all__ = ["HyperLogLogPlus", "hash64"]

# The empirical bias measurements of Heule, Nunkesser and Hall, "HyperLogLog in Practice"
# (Google, 2013), for precisions 4 to 18: the data stream-lib (and so Metron) corrects raw
# estimates with.  The `hyperloglog` package ships the same tables.
RAW_ESTIMATES: tuple[tuple[float, ...], ...] = tuple(
    tuple(float(x) for x in row) for row in _hll_tables.rawEstimateData
)
BIASES: tuple[tuple[float, ...], ...] = tuple(
    tuple(float(x) for x in row) for row in _hll_tables.biasData
)

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF
_MURMUR_M = 0xC6A4A7935BD1E995
_SEED = 0xE17A1465
_INT_MAX = 0x7FFFFFFF
_MAX_DENSE_P = 26  # 64 Mi registers; stream-lib would need gigabytes beyond this
_THRESHOLDS = (10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 11500, 20000, 50000, 120000, 350000)
_U64 = struct.Struct("<Q")


def _murmur64(data: bytes) -> int:
    """64-bit MurmurHash2 (MurmurHash64A) of ``data``, as an unsigned 64-bit pattern."""
    length = len(data)
    m = _MURMUR_M
    h = (_SEED ^ (length * m)) & _M64
    end = length & ~7
    unpack = _U64.unpack_from
    for i in range(0, end, 8):
        k = (unpack(data, i)[0] * m) & _M64
        k ^= k >> 47
        k = (k * m) & _M64
        h = ((h ^ k) * m) & _M64
    if length & 7:
        h = ((h ^ int.from_bytes(data[end:], "little")) * m) & _M64
    h ^= h >> 47
    h = (h * m) & _M64
    return h ^ (h >> 47)


def hash64(value: Any) -> int:
    """stream-lib's hash of a Java object (strings by their UTF-8 bytes, null as 0)."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else to_java_string(value)
    return _murmur64(text.encode("utf-8", "replace"))


def _run_length(x: int, p: int) -> int:
    """1 + the leading zeros after the first p bits (capped by a marker bit at p-1)."""
    marker = (1 << ((p - 1) & 31)) & _M32
    if marker & 0x80000000:  # Java's int shift went negative and sign-extends to a long
        marker |= 0xFFFFFFFF00000000
    return 65 - (((x << p) & _M64) | marker).bit_length()


def _encode(x: int, p: int, sp: int) -> int:
    idx = (x >> (64 - sp)) & _M32
    zero_test = (idx << ((32 - sp) + p)) & _M32 if p < sp else 0
    if zero_test == 0:
        invrl = _run_length(x, p) ^ 63
        return ((((idx << 6) | invrl) << 1) | 1) & _M32
    return (idx << 1) & _M32


def _sparse_index(k: int) -> int:
    return k >> 7 if k & 1 else k >> 1


def _sort_key(k: int) -> int:
    """The signed int stream-lib sorts buffered codes by."""
    t = ((k << 6) ^ 0x8000007F) & _M32 if k & 1 == 0 else k ^ 0x80000001
    return t - 0x100000000 if t & 0x80000000 else t


def _round_trip(k: int) -> int:
    """A code after stream-lib's sort transform and back: unflagged codes keep 26 bits."""
    return k if k & 1 else k & 0x03FFFFFF


def _signed(k: int) -> int:
    return k - 0x100000000 if k & 0x80000000 else k


def _decode_run_length(k: int, p: int, sp: int) -> int:
    if k & 1:
        return ((k >> 1) & 63) ^ 63
    return 33 - ((k << ((p + (31 - sp)) & 31)) & _M32).bit_length()


class HyperLogLogPlus:
    """A mergeable distinct-count estimator with normal precision p and sparse precision sp."""

    __slots__ = (
        "_alpha_mm",
        "_hist",
        "_m",
        "_registers",
        "_sm",
        "_sparse",
        "_threshold",
        "_tmp",
        "_tmp_capacity",
        "p",
        "sp",
    )

    def __init__(self, p: int = 14, sp: int = 25) -> None:
        if p < 4 or (p > sp and sp != 0):
            raise StellarError("p must be between 4 and sp (inclusive)")
        if sp > 32:
            raise StellarError("sp values greater than 32 not supported")
        self.p = p
        self.sp = sp
        m = _INT_MAX if p > 30 else 1 << p
        self._m = m
        if p == 4:
            self._alpha_mm = 0.673 * m * m
        elif p == 5:
            self._alpha_mm = 0.697 * m * m
        elif p == 6:
            self._alpha_mm = 0.709 * m * m
        else:
            self._alpha_mm = (0.7213 / (1 + 1.079 / m)) * m * m
        self._registers: bytearray | None = None
        self._hist: list[int] = []
        self._sparse: dict[int, int] | None = None
        self._tmp: list[int] = []
        self._tmp_capacity = 4
        self._sm = 0
        self._threshold = 0
        if sp > 0:
            self._sparse = {}
            self._sm = _INT_MAX if sp > 30 else 1 << sp
            self._threshold = int(m * 0.75)
        else:
            self._to_dense()

    @property
    def is_sparse(self) -> bool:
        return self._sparse is not None

    def _to_dense(self) -> None:
        if self.p > _MAX_DENSE_P:
            raise StellarError(
                f"precision p={self.p} is too large for dense registers (at most {_MAX_DENSE_P})"
            )
        self._registers = bytearray(self._m)
        self._hist = [0] * 66
        self._hist[0] = self._m

    def _update(self, idx: int, value: int) -> None:
        registers = self._registers
        assert registers is not None
        old = registers[idx]
        if value > old:
            registers[idx] = value
            hist = self._hist
            hist[old] -= 1
            hist[value] += 1

    def _convert(self) -> None:
        sparse = self._sparse
        assert sparse is not None
        self._sparse = None
        self._tmp = []
        self._to_dense()
        shift = self.sp - self.p
        for k in sparse.values():
            self._update(_sparse_index(k) >> shift, _decode_run_length(k, self.p, self.sp))

    def _flush(self) -> None:
        """Merge the buffered codes into the sparse set (stream-lib's ``mergeTempList``)."""
        tmp = self._tmp
        sparse = self._sparse
        if not tmp or sparse is None:
            return
        self._tmp = []
        tmp.sort(key=_sort_key)
        previous = -1
        for k in tmp:
            k = _round_trip(k)
            idx = _sparse_index(k)
            if idx == previous:  # the first of a run of equal indices wins
                continue
            previous = idx
            current = sparse.get(idx)
            if current is None or _signed(k) < _signed(current):
                sparse[idx] = k
        if len(sparse) > self._threshold:
            self._convert()
        elif self._tmp_capacity * 2 < len(sparse) // 4:
            self._tmp_capacity = len(sparse) // 4

    def add(self, value: Any) -> None:
        """Offer one value to the estimator."""
        x = hash64(value)
        if self._sparse is not None:
            tmp = self._tmp
            tmp.append(_encode(x, self.p, self.sp))
            if len(tmp) >= self._tmp_capacity:
                self._flush()
        else:
            self._update(x >> (64 - self.p), _run_length(x, self.p))

    def cardinality(self) -> int:
        """The estimated number of distinct values offered."""
        self._flush()
        if self._sparse is not None:
            sm = self._sm
            return _round(sm * math.log(sm / float(sm - len(self._sparse))))
        m = self._m
        p = self.p
        zeros = self._hist[0]
        estimate = self._alpha_mm * (1 / self._register_sum())
        corrected = estimate
        if estimate <= 5 * m:
            corrected = estimate - _bias(estimate, p)
        h = m * math.log(m / float(zeros)) if zeros > 0 else corrected
        if (p <= 18 and h < _THRESHOLDS[p - 4]) or (p > 18 and estimate <= 5 * m):
            return _round(h)
        return _round(corrected)

    def _register_sum(self) -> float:
        """Σ 2^-register, rounded as Java's sequential loop rounds it."""
        hist = self._hist
        top = max(v for v in range(66) if hist[v])
        exact = sum(hist[v] << (top - v) for v in range(top + 1) if hist[v])
        if exact < 1 << 53:  # every partial sum is exact, so the order cannot matter
            return math.ldexp(float(exact), -top)
        total = 0.0
        assert self._registers is not None
        for value in self._registers:
            total += math.ldexp(1.0, -value)
        return total

    def add_all(self, other: HyperLogLogPlus) -> None:
        """Fold ``other`` into this estimator (stream-lib's ``addAll``)."""
        if other.p != self.p:
            raise StellarError(
                "Unable to merge estimators: cannot merge estimators of different sizes"
            )
        self._flush()
        other._flush()
        theirs = other._sparse
        if self._sparse is not None and theirs is not None:
            for idx, k in theirs.items():
                current = self._sparse.get(idx)
                if current is None or _signed(k) < _signed(current):
                    self._sparse[idx] = k
            if len(self._sparse) > self._threshold:
                self._convert()
            return
        if self._sparse is not None:
            self._convert()
        if theirs is not None:
            shift = other.sp - other.p
            for k in theirs.values():
                self._update(_sparse_index(k) >> shift, _decode_run_length(k, other.p, other.sp))
            return
        assert other._registers is not None
        for idx, value in enumerate(other._registers):
            if value:
                self._update(idx, value)

    def merge(self, others: list[HyperLogLogPlus]) -> HyperLogLogPlus:
        """A new estimator (with this one's precisions) holding this one and ``others``."""
        merged = HyperLogLogPlus(self.p, self.sp)
        merged.add_all(self)
        for other in others:
            merged.add_all(other)
        return merged

    def _content(self) -> tuple[bool, Any]:
        self._flush()
        if self._sparse is not None:
            return True, tuple(self._sparse[idx] for idx in sorted(self._sparse))
        return False, bytes(self._registers or b"")

    def __eq__(self, other: object) -> bool:
        """stream-lib's equality: same mode and the same sparse codes or registers."""
        if not isinstance(other, HyperLogLogPlus):
            return False
        return self._content() == other._content()

    def __hash__(self) -> int:
        return hash(self._content())

    def __str__(self) -> str:
        mode = "sparse" if self._sparse is not None else "normal"
        return f"HyperLogLogPlus(p={self.p}, sp={self.sp}, {mode})"

    __repr__ = __str__


def _bias(estimate: float, p: int) -> float:
    """The mean bias of the six table estimates nearest to ``estimate`` (none above p = 18)."""
    if p > 18:
        return 0.0
    nearest: dict[float, int] = {}
    for i, raw in enumerate(RAW_ESTIMATES[p - 4]):
        d = estimate - raw
        nearest[d * d] = i  # equal distances: the later index replaces the earlier, as in a TreeMap
    biases = BIASES[p - 4]
    total = 0.0
    for distance in sorted(nearest)[:6]:
        total += biases[nearest[distance]]
    return total / 6


def _round(x: float) -> int:
    """Java's ``Math.round`` for the finite, non-negative estimates produced here."""
    if x != x:
        return 0
    if x >= 9.223372036854776e18:
        return 0x7FFFFFFFFFFFFFFF
    return math.floor(x + 0.5)
