"""The floating-point conversions of ``java.util.Formatter``: ``%f``, ``%e``, ``%g`` and ``%a``.

Java does not round the exact binary value the way C's ``printf`` does: it takes the
shortest decimal digits that identify the double (what ``Double.toString`` prints) and rounds
those half-up.  So ``%.1f`` of ``0.15`` is ``0.2`` and ``%.2f`` of ``0.125`` is ``0.13``,
and ``%.20f`` of ``0.1`` is ``0.10000000000000000000``.  A ``Float`` argument is widened to
a double first (``%.10f`` of ``0.1f`` is ``0.1000000015``).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

__all__ = ["format_float"]

_DOUBLE = struct.Struct("<d")
_BITS = struct.Struct("<q")
_FRACTION_MASK = (1 << 52) - 1


def _shortest(x: float) -> tuple[str, int]:
    """Digits ``d1d2...`` and exponent ``e`` with ``x == 0.d1d2... * 10**e`` (x > 0)."""
    mantissa, _, exponent = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)
    return significant.rstrip("0") or "0", point


def _round_half_up(digits: str, point: int, keep: int) -> tuple[str, int]:
    """Keep the first ``keep`` digits, rounding half-up on the decimal digits.

    ``keep < 0`` means every digit lies beyond the requested precision: nothing is rounded
    (the caller truncates them away, which is right since the value is below half a unit).
    """
    if keep < 0 or keep >= len(digits):
        return digits, point
    head = digits[:keep]
    if digits[keep] < "5":
        return head or "0", point
    if not head:
        return "1", point + 1
    bumped = str(int(head) + 1)
    if len(bumped) > len(head):  # 99.9 -> 100: one more digit before the point
        return bumped, point + 1
    return bumped.zfill(len(head)), point


def _fixed(digits: str, point: int, decimals: int) -> tuple[str, str]:
    """Integer part and ``decimals`` fraction digits of ``0.digits * 10**point``."""
    if point > 0:
        whole = digits[:point].ljust(point, "0")
        fraction = digits[point:]
    else:
        whole = "0"
        fraction = "0" * -point + digits
    return whole, fraction[:decimals].ljust(decimals, "0")


def _group(whole: str) -> str:
    head = len(whole) % 3 or 3
    parts = [whole[:head]]
    parts.extend(whole[i : i + 3] for i in range(head, len(whole), 3))
    return ",".join(parts)


def _number(whole: str, fraction: str | None, flags: str) -> str:
    if "," in flags:
        whole = _group(whole)
    return whole if fraction is None else f"{whole}.{fraction}"


def _exponent(point: int, zero: bool) -> str:
    e = 0 if zero else point - 1
    return f"{'-' if e < 0 else '+'}{abs(e):02d}"


def _scientific(x: float, precision: int, flags: str) -> tuple[str, str]:
    digits, point = _shortest(x) if x else ("0", 1)
    digits, point = _round_half_up(digits, point, precision + 1)
    fraction = digits[1 : 1 + precision].ljust(precision, "0")
    mantissa = digits[0] + ("." + fraction if precision else ("." if "#" in flags else ""))
    return mantissa, _exponent(point, x == 0.0)


def _decimal(x: float, precision: int, flags: str) -> str:
    digits, point = _shortest(x) if x else ("0", 0)
    digits, point = _round_half_up(digits, point, point + precision)
    whole, fraction = _fixed(digits, point, precision)
    text = _number(whole, fraction if precision else None, flags)
    return text + "." if precision == 0 and "#" in flags else text


def _general(x: float, precision: int, flags: str) -> tuple[str, str | None]:
    significant = 6 if precision < 0 else max(precision, 1)
    if x == 0.0:
        return _number("0", "0" * (significant - 1) or None, flags), None
    digits, point = _round_half_up(*_shortest(x), significant)
    if point - 1 < -4 or point - 1 >= significant:
        fraction = digits[1:significant].ljust(significant - 1, "0")
        return digits[0] + ("." + fraction if fraction else ""), _exponent(point, False)
    decimals = significant - point
    whole, fraction = _fixed(digits, point, decimals)
    return _number(whole, fraction if decimals else None, flags), None


def _java_hex(x: float) -> str:
    """``Double.toHexString`` of a finite non-negative double, without the ``0x``."""
    if x == 0.0:
        return "0.0p0"
    text = x.hex()  # '0x1.8000000000000p+1'
    mantissa, _, exponent = text[2:].partition("p")
    whole, _, fraction = mantissa.partition(".")
    return f"{whole}.{fraction.rstrip('0') or '0'}p{int(exponent)}"


def _hex_rounded(x: float, digits: int) -> str:
    """Java's ``%a`` body: ``x`` (finite, > 0) rounded half-even to ``digits`` hex digits."""
    subnormal = x < 2.2250738585072014e-308
    if subnormal:
        x *= 2.0**54
    bits = _BITS.unpack(_DOUBLE.pack(x))[0]
    shift = 52 - 4 * digits
    kept = bits >> shift
    dropped = bits & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if dropped > half or (dropped == half and kept & 1):
        kept += 1
    rounded = _DOUBLE.unpack(_BITS.pack(kept << shift))[0]
    if math.isinf(rounded):
        return "1.0p1024"
    text = _java_hex(rounded)
    if subnormal:
        body, _, exponent = text.partition("p")
        text = f"{body}p{int(exponent) - 54}"
    return text


def _hex(x: float, precision: int, flags: str, upper: bool, width: int) -> str:
    digits = 0 if precision < 0 else max(precision, 1)
    if x == 0.0 or digits == 0 or digits >= 13:
        body = _java_hex(x)
    else:
        body = _hex_rounded(x, digits)
    mantissa, _, exponent = body.partition("p")
    prefix = "0X" if upper else "0x"
    # Java pads with zeros counting neither the sign nor the digits it adds below.
    zeros = "0" * (width - len(body) - 2) if "0" in flags else ""
    if digits:
        whole, _, fraction = mantissa.partition(".")
        mantissa = f"{whole}.{fraction.ljust(digits, '0')}"
    if upper:
        mantissa = mantissa.upper()
    return f"{prefix}{zeros}{mantissa}{'P' if upper else 'p'}{exponent}"


def format_float(
    x: float,
    conversion: str,
    flags: str,
    width: int,
    precision: int,
    upper: bool,
    justify: Callable[[str], str],
) -> str:
    """Format the double ``x`` for conversion ``e``, ``f``, ``g`` or ``a``."""
    if x != x:
        return justify("NAN" if upper else "NaN")
    negative = x < 0.0 or (x == 0.0 and math.copysign(1.0, x) < 0.0)
    if negative:
        sign = "(" if "(" in flags else "-"
    else:
        sign = "+" if "+" in flags else (" " if " " in flags else "")
    close = ")" if negative and "(" in flags else ""
    x = abs(x)
    if math.isinf(x):
        return justify(sign + ("INFINITY" if upper else "Infinity") + close)
    exponent: str | None = None
    if conversion == "f":
        body = _decimal(x, 6 if precision < 0 else precision, flags)
    elif conversion == "e":
        body, exponent = _scientific(x, 6 if precision < 0 else precision, flags)
    elif conversion == "g":
        body, exponent = _general(x, precision, flags)
    else:
        return justify(sign + _hex(x, precision, flags, upper, width) + close)
    if width >= 0 and "0" in flags:
        target = width - len(close) - (len(exponent) + 1 if exponent else 0)
        body = body.rjust(target - len(sign), "0")
    if exponent:
        body += ("E" if upper else "e") + exponent
    return justify(sign + body + close)
