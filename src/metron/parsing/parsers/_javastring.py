"""Java's ``String.split`` and ``String.trim``, as Metron's hand-written parsers use them."""

from __future__ import annotations

import re

__all__ = ["java_split", "java_trim"]


def java_split(text: str, separator: str | re.Pattern[str]) -> list[str]:
    """``String.split``: at a literal or a regex; trailing empty strings are dropped.

    As in Java, text without the separator is returned whole, even when it is empty.
    """
    parts = text.split(separator) if isinstance(separator, str) else separator.split(text)
    if len(parts) == 1:
        return parts
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def java_trim(text: str) -> str:
    """``String.trim()``: strips every character up to U+0020, and only those."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]
