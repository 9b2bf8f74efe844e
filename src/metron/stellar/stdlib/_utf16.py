"""Java strings are sequences of UTF-16 code units; these helpers index Python strings that way.

A character outside the Basic Multilingual Plane (an emoji, say) is one Python character but
two Java ``char`` values, so ``length()``, ``substring`` and padding count it twice.  Cutting
between the two halves leaves a lone surrogate, exactly as Java does.  Strings made only of
BMP characters (nearly all) take the plain Python path.
"""

from __future__ import annotations

__all__ = ["is_bmp", "units", "utf16_len", "utf16_slice"]

_ASTRAL = "\U00010000"


def is_bmp(s: str) -> bool:
    """True when every character of ``s`` is a single UTF-16 code unit."""
    return s.isascii() or not s or max(s) < _ASTRAL


def utf16_len(s: str) -> int:
    """Java's ``String.length()``."""
    if is_bmp(s):
        return len(s)
    return len(s) + sum(1 for ch in s if ch >= _ASTRAL)


def units(s: str) -> str:
    """``s`` with each astral character split into its two surrogates (one per code unit)."""
    if is_bmp(s):
        return s
    out: list[str] = []
    for ch in s:
        cp = ord(ch) - 0x10000
        if cp < 0:
            out.append(ch)
        else:
            out.append(chr(0xD800 + (cp >> 10)))
            out.append(chr(0xDC00 + (cp & 0x3FF)))
    return "".join(out)


def utf16_slice(s: str, start: int, end: int | None = None) -> str:
    """``s.substring(start, end)`` in code units; bounds must be valid (checked by callers)."""
    if is_bmp(s):
        return s[start:end]
    raw = s.encode("utf-16-le", "surrogatepass")
    piece = raw[2 * start : None if end is None else 2 * end]
    # Decoding pairs the surrogates again; a half cut off stays a lone surrogate.
    return piece.decode("utf-16-le", "surrogatepass")
