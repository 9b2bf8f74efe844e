"""What Metron's CEF and LEEF parsers share: the optional syslog prefix, finding the header,
and CEF's extension splitting.

Both parsers match one Java regex against the whole text: an optional ``<pri>``, an
optional timestamp (``Sep 19 08:26:10`` or ISO-8601) and an optional host made of
``[a-z0-9._\\]^]`` (no ``-``, and no space between timestamp and host, so a host after a
timestamp is never captured), then anything up to the *last* ``CEF:0|`` / ``LEEF:..|`` that
lets the rest match, the ``|``-separated header fields (which may hold line breaks) and the
extension (which may not).  The regex is replaced here by a linear scan that picks the same
occurrence and the same groups.

CEF extensions are split at every ``=`` not preceded by a backslash; the text before each
``=`` back to its last space is the next key.  Escapes are kept as written (Metron does not
unescape ``\\=``, ``\\\\`` or ``\\n``), a value with no space before the next key is lost,
and ``<x>Label=<name>`` renames the field ``<x>`` to ``<name>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from metron.parsing.base import ParserError
from metron.parsing.parsers._javatext import java_int, java_trim
from metron.parsing.parsers._jsonsimple import hashmap_order

__all__ = [
    "Header",
    "cef_extensions",
    "cef_found_anywhere",
    "find_cef",
    "find_leef",
    "int_field",
    "mutate",
    "syslog_prefix",
]

_MONTH = (
    "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?"
    "|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_RFC3164_TIME = (
    _MONTH + r"\b +(?:0[1-9]|[12][0-9]|3[01]|[1-9]) (?:2[0123]|[01]?[0-9]):[0-5][0-9]"
    r":(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?"
)
_RFC5424_TIME = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_PREFIX = re.compile(
    rf"(?P<pri><[0-9]+>)?(?P<time>{_RFC3164_TIME}|{_RFC5424_TIME})?(?P<host>[a-z0-9._\\\]^]+)?"
)
_TERMINATOR = re.compile("[\n\r\u0085\u2028\u2029]")
_UNESCAPED_EQUALS = re.compile(r"(?<!\\)=")


def syslog_prefix(text: str) -> tuple[str | None, str | None, int]:
    """The syslog timestamp and host groups, and where the prefix ends."""
    m = _PREFIX.match(text)
    assert m is not None  # every part is optional
    return m["time"], m["host"], m.end()


@dataclass
class Header:
    """Where a CEF/LEEF header was found: its fields, the extension text, the prefix groups."""

    fields: list[str]
    extension: str
    syslog_time: str | None
    syslog_host: str | None
    version: str | None = None
    delimiter: str | None = None


def _last_terminator(text: str) -> int:
    return max(text.rfind(c) for c in "\n\r\u0085\u2028\u2029")


def _pipes(text: str, start: int, count: int) -> list[int] | None:
    found = []
    for _ in range(count):
        start = text.find("|", start)
        if start < 0:
            return None
        found.append(start)
        start += 1
    return found


def _split_fields(text: str, start: int, pipes: list[int]) -> list[str]:
    fields = []
    for p in pipes:
        fields.append(text[start:p])
        start = p + 1
    return fields


def _candidates(text: str, marker: str, start: int) -> Iterator[int]:
    """Positions of ``marker`` on the prefix's line, right to left."""
    m = _TERMINATOR.search(text, start)
    pos = text.rfind(marker, start, m.start() if m else len(text))
    while pos >= 0:
        yield pos
        pos = text.rfind(marker, start, pos + len(marker) - 1)


def find_cef(text: str) -> Header | None:
    """The groups of ``<prefix>.*CEF: ?0|h|h|h|h|h|h|ext`` matched against all of ``text``."""
    time, host, end = syslog_prefix(text)
    last_break = _last_terminator(text)
    for pos in _candidates(text, "CEF:", end):
        q = pos + 4
        if text.startswith(" 0|", q):
            q += 3
        elif text.startswith("0|", q):
            q += 2
        else:
            continue
        pipes = _pipes(text, q, 6)
        if pipes is None or pipes[-1] < last_break:
            continue
        return Header(_split_fields(text, q, pipes), text[pipes[-1] + 1 :], time, host)
    return None


_CEF_ANYWHERE = re.compile(r"CEF: ?0\|")


def cef_found_anywhere(text: str) -> bool:
    """Whether Java's ``Matcher.find`` would find the CEF pattern somewhere in ``text``."""
    m = _CEF_ANYWHERE.search(text)
    return m is not None and text.count("|", m.end()) >= 6


def _leef_version(text: str, q: int) -> str | None:
    """The version group of ``LEEF:(1.0|2.0|0)?\\|`` at ``q`` (None: no match)."""
    first = text[q : q + 1]
    if first in ("1", "2"):
        if len(text) > q + 3 and not _TERMINATOR.match(text, q + 1) and text[q + 2] == "0":
            return text[q : q + 3] if text[q + 3] == "|" else None
        return None
    if first == "0":
        return "0" if text[q + 1 : q + 2] == "|" else None
    return "" if first == "|" else None


def find_leef(line: str) -> Header | None:
    """The groups of ``<prefix>.*LEEF:(1.0|2.0|0)?|h|h|h|h|(d|)? ?ext`` against all of ``line``.

    ``version`` is ``""`` when the version is absent (Java's group would be null).
    """
    time, host, end = syslog_prefix(line)
    last_break = _last_terminator(line)
    for pos in _candidates(line, "LEEF:", end):
        q = pos + 5
        version = _leef_version(line, q)
        if version is None:
            continue
        q += len(version) + 1
        pipes = _pipes(line, q, 4)
        if pipes is None:
            continue
        ext = pipes[-1] + 1
        delimiter = None
        more = line.find("|", ext)
        if more >= 0:
            delimiter, ext = line[ext:more], more + 1
        if line.startswith(" ", ext):
            ext += 1
        if ext <= last_break:
            continue
        return Header(_split_fields(line, q, pipes), line[ext:], time, host, version, delimiter)
    return None


def mutate(obj: dict[str, Any], old: str, new: str) -> None:
    """Rename ``old`` to ``new`` when present (overwriting ``new``)."""
    if old in obj:
        obj[new] = obj.pop(old)


def cef_extensions(ext: str, obj: dict[str, Any]) -> None:
    """``CEFParser.parseExtensions``: add the key/values of ``ext`` to ``obj``."""
    equals = [m.start() for m in _UNESCAPED_EQUALS.finditer(ext)]
    if not equals:
        # Metron dereferences the missing key: a NullPointerException
        raise ParserError(f"no key=value pair in the CEF extension {ext[:80]!r}")
    labels: dict[str, str] = {}
    key = ext[: equals[0]]
    index = equals[0] + 1
    for start in equals[1:]:
        value = ext[index:start]
        index = start + 1
        cut = value.rfind(" ")
        if cut > 0:
            text = java_trim(value[:cut])
            if key.endswith("Label"):
                labels[key[:-5]] = text
            else:
                obj[key] = text
            key = java_trim(value[cut:])
    value = ext[index:]
    if key.endswith("Label"):
        labels[key[:-5]] = value
    else:
        obj[key] = value
    for field in hashmap_order(labels):
        mutate(obj, field, labels[field])


def int_field(obj: dict[str, Any], key: str) -> None:
    """Make ``obj[key]`` a Java int (as Metron does for ports), if present."""
    if key in obj:
        try:
            obj[key] = java_int(obj[key])
        except ValueError:
            raise ParserError(f"{key} {obj[key]!r} is not an integer") from None
