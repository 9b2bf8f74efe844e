"""A re-implementation of ``java.util.Formatter`` (``String.format``) for Stellar's ``FORMAT``.

Supported: the general conversions ``%b %h %s`` (and upper-case forms), ``%c``, the integral
``%d %o %x``, the floating ``%e %f %g %a``, date/time ``%t...`` of a ``Long`` (epoch
milliseconds in the local time zone), ``%n`` and ``%%``; the flags ``- # + space 0 , ( <``,
width, precision and argument indices (``%2$s``).  The locale is ``en_US`` (``.`` decimal
point, ``,`` grouping, English month and day names).

Java validates a specifier before formatting anything and refuses a value of the wrong kind
(``%d`` of a String, ``%f`` of an Integer, ``%c`` of a Long): those are errors here too, named
after the Java exception.  Widths and precisions count UTF-16 code units, as Java does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.stdlib._javaformat_float import format_float
from metron.stellar.stdlib._javaformat_time import DATE_TIME_CONVERSIONS, format_date_time
from metron.stellar.stdlib._utf16 import utf16_len, utf16_slice
from metron.stellar.types import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    Char,
    Float,
    JavaSet,
    Long,
    java_hash_code,
    java_type_name,
    to_java_string,
    wrap_int,
)

__all__ = ["hash_code", "java_format"]

_SPECIFIER = re.compile(r"%([0-9]+\$)?([-#+ 0,(<]*)([0-9]+)?(\.[0-9]+)?([tT])?([a-zA-Z%])")
_VALID = frozenset("bBhHsScCdoxXeEfgGaA%n")  # a lone t or T is no conversion either
_FLAG_ORDER = "-#+ 0,(<"
_GENERAL, _CHARACTER, _INTEGRAL, _FLOATING, _DATE, _TEXT = range(6)
_KIND = {"b": _GENERAL, "h": _GENERAL, "s": _GENERAL, "c": _CHARACTER}
_KIND.update(dict.fromkeys("dox", _INTEGRAL))
_KIND.update(dict.fromkeys("efga", _FLOATING))
_KIND.update({"%": _TEXT, "n": _TEXT})


def _fail(exception: str, detail: str) -> StellarError:
    return StellarError(f"{exception}: {detail}")


def _java_class(x: Any) -> str:
    name = java_type_name(x)
    if name in ("List", "Map", "Set"):
        return f"java.util.{name}"
    return f"java.lang.{name}"


@dataclass(frozen=True, slots=True)
class _Spec:
    text: str
    index: int  # -2 no argument, -1 previous argument, 0 next argument, n: argument n
    flags: str
    width: int
    precision: int
    upper: bool
    conversion: str
    kind: int

    def _bad_flags(self, bad: str) -> None:
        for flag in bad:
            if flag in self.flags:
                conv = ("t" if self.kind == _DATE else "") + self.conversion
                raise _fail(
                    "FormatFlagsConversionMismatchException", f"Conversion = {conv}, Flags = {flag}"
                )

    def _needs_width(self, flags: str) -> None:
        if self.width < 0 and any(f in self.flags for f in flags):
            raise _fail("MissingFormatWidthException", self.text)

    def check(self) -> None:
        """Java's checks at parse time, before any argument is looked at."""
        kind = self.kind
        if kind == _DATE:
            if self.precision >= 0:
                raise _fail("IllegalFormatPrecisionException", str(self.precision))
            if self.conversion not in DATE_TIME_CONVERSIONS:
                raise _fail(
                    "UnknownFormatConversionException", f"Conversion = 't{self.conversion}'"
                )
            self._bad_flags("#+ 0,(")
            self._needs_width("-")
        elif kind == _GENERAL:
            if self.conversion in "bh" and "#" in self.flags:
                self._bad_flags("#")
            self._needs_width("-")
            self._bad_flags("+ 0,(")
        elif kind == _CHARACTER:
            if self.precision >= 0:
                raise _fail("IllegalFormatPrecisionException", str(self.precision))
            self._bad_flags("#+ 0,(")
            self._needs_width("-")
        elif kind == _TEXT:
            if self.precision >= 0:
                raise _fail("IllegalFormatPrecisionException", str(self.precision))
            if self.conversion == "%":
                if self.flags not in ("", "-"):
                    raise _fail("IllegalFormatFlagsException", f"Flags = '{self.flags}'")
                self._needs_width("-")
            else:
                if self.width >= 0:
                    raise _fail("IllegalFormatWidthException", str(self.width))
                if self.flags:
                    raise _fail("IllegalFormatFlagsException", f"Flags = '{self.flags}'")
        else:
            self._needs_width("-0")
            if ("+" in self.flags and " " in self.flags) or (
                "-" in self.flags and "0" in self.flags
            ):
                raise _fail("IllegalFormatFlagsException", f"Flags = '{self.flags}'")
            if kind == _INTEGRAL:
                if self.precision >= 0:
                    raise _fail("IllegalFormatPrecisionException", str(self.precision))
                self._bad_flags("#" if self.conversion == "d" else ",")
            elif self.conversion == "a":
                self._bad_flags("(,")
            elif self.conversion == "e":
                self._bad_flags(",")
            elif self.conversion == "g":
                self._bad_flags("#")

    # -- output --------------------------------------------------------------------------

    def justify(self, s: str) -> str:
        pad = self.width - utf16_len(s)
        if pad <= 0:
            return s
        return s + " " * pad if "-" in self.flags else " " * pad + s

    def text_out(self, s: str) -> str:
        if 0 <= self.precision < utf16_len(s):
            s = utf16_slice(s, 0, self.precision)
        if self.upper:
            s = s.upper()
        return self.justify(s)

    def render(self, arg: Any) -> str:
        kind = self.kind
        if kind == _GENERAL:
            return self._general(arg)
        if arg is None:
            return self.text_out("null")
        if kind == _INTEGRAL:
            return self._integral(arg)
        if kind == _FLOATING:
            if type(arg) is float or type(arg) is Float:
                conversion = self.conversion
                return format_float(
                    float(arg),
                    conversion,
                    self.flags,
                    self.width,
                    self.precision,
                    self.upper,
                    self.justify,
                )
            raise self._mismatch(arg)
        if kind == _CHARACTER:
            return self.text_out(self._character(arg))
        if type(arg) is Long or (type(arg) is int and not INT_MIN <= arg <= INT_MAX):
            text = format_date_time(int(arg), self.conversion)
            text = self.justify(text)
            return text.upper() if self.upper else text
        raise self._mismatch(arg)

    def _mismatch(self, arg: Any) -> StellarError:
        return _fail("IllegalFormatConversionException", f"{self.conversion} != {_java_class(arg)}")

    def _general(self, arg: Any) -> str:
        conversion = self.conversion
        if conversion == "s":
            if "#" in self.flags:
                raise _fail("FormatFlagsConversionMismatchException", "Conversion = s, Flags = #")
            return self.text_out(to_java_string(arg))
        if conversion == "b":
            value = arg if type(arg) is bool else arg is not None
            return self.text_out("true" if value else "false")
        if arg is None:
            return self.text_out("null")
        return self.text_out(format(hash_code(arg) & 0xFFFFFFFF, "x"))

    def _character(self, arg: Any) -> str:
        if type(arg) is Char:
            return str.__str__(arg)
        if type(arg) is int and INT_MIN <= arg <= INT_MAX:
            if 0 <= arg <= 0x10FFFF:
                return chr(arg)
            raise _fail("IllegalFormatCodePointException", f"Code point = 0x{arg & 0xFFFFFFFF:x}")
        raise self._mismatch(arg)

    def _integral(self, arg: Any) -> str:
        t = type(arg)
        if t is not int and t is not Long:
            raise self._mismatch(arg)
        value = int(arg)
        flags = self.flags
        if LONG_MIN <= value <= LONG_MAX and self.conversion != "d":
            self._bad_flags("( +")
            if value < 0:
                value += 1 << (32 if t is int and value >= INT_MIN else 64)
            return self._radix(value, "")
        negative = value < 0
        if negative:
            sign = "(" if "(" in flags else "-"
        else:
            sign = "+" if "+" in flags else (" " if " " in flags else "")
        close = ")" if negative and "(" in flags else ""
        if self.conversion != "d":
            return self._radix(-value if negative else value, sign, close)
        digits = str(-value if negative else value)
        if "," in flags:
            head = len(digits) % 3 or 3
            digits = ",".join(
                [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
            )
        if self.width >= 0 and "0" in flags:
            digits = digits.rjust(self.width - len(close) - len(sign), "0")
        return self.justify(sign + digits + close)

    def _radix(self, value: int, sign: str, close: str = "") -> str:
        hexadecimal = self.conversion == "x"
        digits = format(value, "x" if hexadecimal else "o")
        prefix = ""
        if "#" in self.flags:
            prefix = ("0X" if self.upper else "0x") if hexadecimal else "0"
        if "0" in self.flags:
            digits = digits.rjust(self.width - len(sign) - len(prefix) - len(close), "0")
        if self.upper:
            digits = digits.upper()
        return self.justify(sign + prefix + digits + close)


def hash_code(x: Any) -> int:
    """Java's ``hashCode()``, including maps and sets (used by ``%h``)."""
    if isinstance(x, Mapping):
        total = 0
        for k, v in x.items():
            total += hash_code(k) ^ hash_code(v)
        return wrap_int(total)
    if isinstance(x, (JavaSet, set, frozenset)):
        return wrap_int(sum(hash_code(e) for e in x))
    if isinstance(x, list):
        h = 1
        for e in x:
            h = (31 * h + hash_code(e)) & 0xFFFFFFFF
        return wrap_int(h)
    return java_hash_code(x)


def _number(text: str | None, exception: str) -> int:
    if text is None:
        return -1
    value = int(text) if len(text) <= 12 else INT_MAX + 1
    if value > INT_MAX:
        raise _fail(exception, str(INT_MIN))
    return value


def _specifier(m: re.Match[str]) -> _Spec:
    index_text, flags, width_text, precision_text, date, conversion = m.groups()
    index = 0
    if index_text is not None:
        index = int(index_text[:-1]) if len(index_text) <= 12 else INT_MAX + 1
        if index > INT_MAX:
            index = -1  # Java swallows the overflow and falls back to the previous argument
    seen = ""
    for flag in flags:
        if flag in seen:
            raise _fail("DuplicateFormatFlagsException", f"Flags = '{flag}'")
        seen += flag
    flags = "".join(f for f in _FLAG_ORDER if f in seen)
    if "<" in flags:
        index = -1
    width = _number(width_text, "IllegalFormatWidthException")
    precision = _number(
        precision_text[1:] if precision_text else None, "IllegalFormatPrecisionException"
    )
    upper = False
    if date is not None:
        kind = _DATE
        upper = date == "T"
    else:
        if conversion not in _VALID:
            raise _fail("UnknownFormatConversionException", f"Conversion = '{conversion}'")
        if conversion.isupper():
            upper = True
            conversion = conversion.lower()
        kind = _KIND[conversion]
        if kind == _TEXT:
            index = -2
    spec = _Spec(m.group(0), index, flags, width, precision, upper, conversion, kind)
    spec.check()
    return spec


def _check_text(text: str) -> None:
    at = text.find("%")
    if at >= 0:
        following = text[at + 1] if at + 1 < len(text) else "%"
        raise _fail("UnknownFormatConversionException", f"Conversion = '{following}'")


@lru_cache(maxsize=1024)
def _parse(fmt: str) -> tuple[str | _Spec, ...]:
    parts: list[str | _Spec] = []
    i = 0
    while i < len(fmt):
        m = _SPECIFIER.search(fmt, i)
        if m is None:
            _check_text(fmt[i:])
            parts.append(fmt[i:])
            break
        if m.start() != i:
            _check_text(fmt[i : m.start()])
            parts.append(fmt[i : m.start()])
        parts.append(_specifier(m))
        i = m.end()
    return tuple(parts)


def java_format(fmt: str, args: Sequence[Any]) -> str:
    """``String.format(fmt, args...)`` with the en_US locale."""
    out: list[str] = []
    last = -1
    ordinary = -1
    for part in _parse(fmt):
        if type(part) is str:
            out.append(part)
            continue
        spec: _Spec = part  # type: ignore[assignment]
        index = spec.index
        if index == -2:
            out.append(spec.justify("%") if spec.conversion == "%" else os.linesep)
            continue
        if index == 0:
            ordinary += 1
            last = ordinary
        elif index > 0:
            last = index - 1
        if last < 0 or last >= len(args):
            raise _fail("MissingFormatArgumentException", f"Format specifier '{spec.text}'")
        out.append(spec.render(args[last]))
    return "".join(out)
