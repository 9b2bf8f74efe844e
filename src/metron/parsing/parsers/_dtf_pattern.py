"""Compiling a ``DateTimeFormatter.ofPattern`` pattern (``DateTimeFormatterBuilder``, Java 8).

Besides the elements, :func:`fast_regex` gives one regular expression for the patterns made
of numbers and literals, which reads the common case in one step.
"""

from __future__ import annotations

import re

from metron.parsing.parsers._dtf_elements import (
    AMPM,
    CHAP,
    CHOD,
    DOM,
    DOW,
    DOY,
    ERA,
    EXCEEDS_PAD,
    HAP,
    HOD,
    MOD_MS,
    MOH,
    MONTH,
    NOD,
    NORMAL,
    NOS,
    NOT_NEGATIVE,
    OFFSET_PATTERNS,
    SOM,
    TEXTS,
    YEAR,
    YOE,
    Element,
    Fraction,
    Literal,
    Number,
    Offset,
    OptionalSection,
    PatternError,
    Text,
    ZoneIdParser,
)  # fmt: skip

__all__ = ["compile_pattern", "fast_regex"]


# -- pattern compilation (DateTimeFormatterBuilder.appendPattern) ----------------------------

_FIELD_LETTERS = {
    "G": ERA, "y": YOE, "u": YEAR, "M": MONTH, "L": MONTH, "d": DOM, "D": DOY, "E": DOW,
    "a": AMPM, "h": CHAP, "K": HAP, "k": CHOD, "H": HOD, "m": MOH, "s": SOM, "S": NOS,
    "n": NOS, "N": NOD, "A": MOD_MS,
}  # fmt: skip
_UNSUPPORTED = {
    "Q": "quarter-of-year", "q": "quarter-of-year", "e": "localized day-of-week",
    "c": "localized day-of-week", "w": "week-of-week-based-year", "W": "week-of-month",
    "Y": "week-based-year", "F": "aligned week of month", "z": "time-zone name",
    "O": "localized zone offset", "p": "pad modifier",
}  # fmt: skip


class _Builder:
    """One nesting level of the pattern (the top, or an optional section)."""

    def __init__(self) -> None:
        self.elements: list[Element] = []
        self.active = -1  # index of the number that adjacent fixed-width numbers attach to

    def append(self, element: Element) -> None:
        self.elements.append(element)
        self.active = -1

    def append_number(self, number: Number) -> None:
        if self.active >= 0:
            base = self.elements[self.active]
            assert isinstance(base, Number)
            if number.min == number.max and number.sign == NOT_NEGATIVE:
                if base.subsequent >= 0:
                    base.subsequent += number.max
                number.subsequent = -1
                self.elements.append(number)
                return
            base.subsequent = -1  # becomes fixed width
            self.elements.append(number)
            self.active = len(self.elements) - 1
            return
        self.elements.append(number)
        self.active = len(self.elements) - 1


def _width(n: int) -> int:
    if not 1 <= n <= 19:
        raise PatternError(f"The width must be from 1 to 19 inclusive but was {n}")
    return n


def compile_pattern(pattern: str) -> list[Element]:
    stack = [_Builder()]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        b = stack[-1]
        if ("A" <= c <= "Z") or ("a" <= c <= "z"):
            start = i
            while i < n and pattern[i] == c:
                i += 1
            count = i - start
            _letter(b, c, count)
            continue
        if c == "'":
            start = i
            i += 1
            while i < n:
                if pattern[i] == "'":
                    if i + 1 < n and pattern[i + 1] == "'":
                        i += 1
                    else:
                        break
                i += 1
            if i >= n:
                raise PatternError(f"Pattern ends with an incomplete string literal: {pattern}")
            literal = pattern[start + 1 : i]
            b.append(Literal("'" if not literal else literal.replace("''", "'")))
        elif c == "[":
            b.active = -1
            stack.append(_Builder())
        elif c == "]":
            if len(stack) == 1:
                raise PatternError("Pattern invalid as it contains ] without previous [")
            _close_optional(stack)
        elif c in "{}#":
            raise PatternError(f"Pattern includes reserved character: '{c}'")
        else:
            b.append(Literal(c))
        i += 1
    while len(stack) > 1:  # an optional section left open closes at the end
        _close_optional(stack)
    return stack[0].elements


def _close_optional(stack: list[_Builder]) -> None:
    inner = stack.pop()
    if inner.elements:
        stack[-1].append(OptionalSection(inner.elements))


def _letter(b: _Builder, c: str, count: int) -> None:
    if c in _UNSUPPORTED:
        raise PatternError(
            f"pattern letter '{c}' ({_UNSUPPORTED[c]}) is valid in Java but not supported here"
        )
    if c == "V":
        if count != 2:
            raise PatternError("Pattern letter count must be 2: V")
        b.append(ZoneIdParser())
        return
    if c in "Xx":
        if count > 5:
            raise PatternError(f"Too many pattern letters: {c}")
        pattern = OFFSET_PATTERNS[count + (0 if count == 1 else 1)]
        if c == "X":
            zero = "Z"
        else:
            zero = "+00" if count == 1 else ("+0000" if count % 2 == 0 else "+00:00")
        b.append(Offset(pattern, zero))
        return
    if c == "Z":
        if count < 4:
            b.append(Offset("+HHMM", "+0000"))
        elif count == 5:
            b.append(Offset("+HH:MM:ss", "Z"))
        elif count == 4:
            raise PatternError("pattern letter 'ZZZZ' (localized offset) is not supported here")
        else:
            raise PatternError("Too many pattern letters: Z")
        return
    field = _FIELD_LETTERS.get(c)
    if field is None:
        raise PatternError(f"Unknown pattern letter: {c}")
    if c in "uy":
        if count == 2:
            b.append_number(Number(field, 2, 2, NOT_NEGATIVE, reduced=True))
        elif count < 4:
            b.append_number(Number(field, count, 19, NORMAL))
        else:
            b.append_number(Number(field, _width(count), 19, EXCEEDS_PAD))
    elif c in "MLE":
        if count > 5:
            raise PatternError(f"Too many pattern letters: {c}")
        if c == "E" and count <= 3:
            b.append(Text(field, TEXTS[(field, 3)]))
        elif count == 1:
            b.append_number(Number(field, 1, 19, NORMAL))
        elif count == 2 and c != "E":
            b.append_number(Number(field, 2, 2, NOT_NEGATIVE))
        else:
            b.append(Text(field, TEXTS[(field, count)]))
    elif c == "a":
        if count != 1:
            raise PatternError("Too many pattern letters: a")
        b.append(Text(field, TEXTS[(AMPM, 3)]))
    elif c == "G":
        if count > 5:
            raise PatternError("Too many pattern letters: G")
        b.append(Text(field, TEXTS[(ERA, min(max(count, 3), 5))]))
    elif c == "S":
        if count > 9:
            raise PatternError("Minimum width must be from 0 to 9 inclusive but was 10")
        b.append(Fraction(count, count))
    elif c in "dhHkKms":
        if count == 1:
            b.append_number(Number(field, 1, 19, NORMAL))
        elif count == 2:
            b.append_number(Number(field, 2, 2, NOT_NEGATIVE))
        else:
            raise PatternError(f"Too many pattern letters: {c}")
    elif c == "D":
        if count == 1:
            b.append_number(Number(field, 1, 19, NORMAL))
        elif count <= 3:
            b.append_number(Number(field, count, 3, NOT_NEGATIVE))
        else:
            raise PatternError("Too many pattern letters: D")
    elif count == 1:  # n, N, A
        b.append_number(Number(field, 1, 19, NORMAL))
    else:
        b.append_number(Number(field, _width(count), count, NOT_NEGATIVE))


def fast_regex(elements: list[Element]) -> tuple[re.Pattern[str], list[tuple[str, str]]] | None:
    """One regex for patterns of numbers and literals (the common case), or None.

    A match must give exactly what the element-by-element parse gives; a text that does
    not match falls back to it.  A run of adjacent numbers (or one variable-width number)
    qualifies only when a non-digit literal or the end follows it, so that the run of digits
    Java splits is the one the regex splits.
    """
    parts: list[str] = []
    fields: list[tuple[str, str]] = []
    for i, element in enumerate(elements):
        if isinstance(element, Literal):
            parts.append(re.escape(element.text))
        elif isinstance(element, Fraction) and element.min == element.max:
            parts.append(f"([0-9]{{{element.min}}})")
            fields.append((NOS, "fraction"))
        elif isinstance(element, Number):
            if not element.fixed or element.subsequent > 0:
                # Java reads this number greedily (leaving room for the fixed-width numbers
                # attached to it): the digits must stop where the regex stops them.
                end = i + 1
                while element.subsequent > 0 and end < len(elements):
                    nxt = elements[end]
                    if not (isinstance(nxt, Number) and nxt.fixed and nxt.subsequent == -1):
                        break
                    end += 1
                after = elements[end] if end < len(elements) else None
                if after is not None and not (
                    isinstance(after, Literal) and not after.text[0].isdigit()
                ):
                    return None
            if element.reduced:
                parts.append("([0-9]{2})")
                fields.append((element.field, "reduced"))
            elif element.fixed or element.sign == EXCEEDS_PAD:
                parts.append(f"([0-9]{{{element.min}}})")
                fields.append((element.field, "number"))
            elif element.sign == NORMAL:
                parts.append(f"([0-9]{{{element.min},19}})")
                fields.append((element.field, "number"))
            else:
                return None
        else:
            return None
    return re.compile("".join(parts)), fields
