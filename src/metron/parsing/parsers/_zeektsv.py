"""Zeek's ASCII (TSV) log format: the header lines, and values typed by ``#types``.

A log file starts with headers (``#separator \\x09``, ``#set_separator``, ``#empty_field``,
``#unset_field``, ``#path``, ``#open``, ``#fields``, ``#types``) and ends with ``#close``.
Zeek escapes bytes it cannot write as ``\\xHH``: the separators inside a value, non-printable
and non-ASCII bytes, and a value that would read as the unset or empty marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metron.stellar.types import Long

__all__ = ["Header", "converter_for", "unescape"]

_ESCAPE = re.compile(rb"\\x([0-9a-fA-F]{2})")


def _byte(match: re.Match[bytes]) -> bytes:
    return bytes((int(match.group(1), 16),))


def unescape(text: str) -> str:
    """Undo Zeek's ``\\xHH`` escapes.  The bytes are read as UTF-8; a byte that is not
    part of valid UTF-8 stays written as ``\\xHH`` (which is how Zeek's JSON writer, and so
    the ``bro`` parser, shows it)."""
    if "\\x" not in text:
        return text
    data = _ESCAPE.sub(_byte, text.encode("utf-8", errors="surrogateescape"))
    return data.decode("utf-8", errors="backslashreplace")


Converter = Callable[[str], Any]


def _count(text: str) -> Long:
    return Long(int(text))


def _double(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _bool(text: str) -> bool:
    if text == "T":
        return True
    if text == "F":
        return False
    raise ValueError(f"{text!r} is not a Zeek bool (T or F)")


_SCALARS: dict[str, Converter] = {
    "count": _count,
    "int": _count,
    "port": _count,
    "counter": _count,
    "double": _double,
    "time": _double,
    "interval": _double,
    "bool": _bool,
}


def converter_for(zeek_type: str) -> Converter:
    """How a value of the Zeek type ``zeek_type`` is read (containers are handled by
    :class:`Header`); strings, addresses, subnets, enums and unknown types stay text."""
    return _SCALARS.get(zeek_type, unescape)


_CONTAINER = re.compile(r"(?:set|vector|table)\[(.*)\]")


@dataclass
class Header:
    """What the header lines of the current log file said."""

    separator: str = "\t"
    set_separator: str = ","
    empty_field: str = "(empty)"
    unset_field: str = "-"
    path: str | None = None
    fields: list[str] | None = None
    types: list[str] | None = None
    # per field: (name, converter, element converter or None for a scalar)
    plan: list[tuple[str, Converter, Converter | None]] = field(default_factory=list)

    def read(self, line: str) -> Header:
        """Take in one header line (starting with ``#``); the header now in force.

        ``#separator`` starts a new file, so it gives a fresh header.
        """
        if line.startswith("#separator"):
            value = unescape(line[len("#separator") :].strip(" "))
            return Header(separator=value or "\t")
        name, _, value = line.partition(self.separator)
        values = value.split(self.separator)
        if name == "#set_separator":
            self.set_separator = unescape(value) or ","
        elif name == "#empty_field":
            self.empty_field = value
        elif name == "#unset_field":
            self.unset_field = value
        elif name == "#path":
            self.path = value
        elif name == "#fields":
            self.fields = values
            self._plan()
        elif name == "#types":
            self.types = values
            self._plan()
        # #open, #close and unknown headers carry nothing a record needs
        return self

    def _plan(self) -> None:
        """Precompute, per field, how its values are read."""
        if self.fields is None:
            return
        types = self.types or []
        plan: list[tuple[str, Converter, Converter | None]] = []
        for i, name in enumerate(self.fields):
            # Without #types, every field is text except Zeek's timestamp.
            zeek_type = types[i] if i < len(types) else ("time" if name == "ts" else "string")
            container = _CONTAINER.fullmatch(zeek_type)
            if container is not None:
                plan.append((name, unescape, converter_for(container.group(1))))
            else:
                plan.append((name, converter_for(zeek_type), None))
        self.plan = plan

    def record(self, line: str) -> dict[str, Any]:
        """One data line as a dict: unset fields left out, values typed."""
        values = line.split(self.separator)
        if len(values) != len(self.plan):
            raise ValueError(
                f"the line has {len(values)} fields where #fields names {len(self.plan)}"
            )
        unset, empty = self.unset_field, self.empty_field
        out: dict[str, Any] = {}
        for (name, convert, element), value in zip(self.plan, values):
            if value == unset:
                continue
            if element is not None:
                if value == empty:
                    out[name] = []
                else:
                    out[name] = [
                        None if item == unset else element(item)
                        for item in value.split(self.set_separator)
                    ]
            elif value == empty:
                out[name] = ""
            else:
                out[name] = convert(value)
        return out
