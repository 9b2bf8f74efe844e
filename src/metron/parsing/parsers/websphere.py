"""IBM WebSphere DataPower syslog (``org.apache.metron.parsers.websphere.GrokWebSphereParser``).

The grok parser (same parserConfig keys) with Metron's WebSphere rules on top:

- ``timestamp``: the ``timestampField`` text (``Apr 15 17:47:28``, no year) is read with
  ``dateFormat`` after the current year (UTC) and a blank; when it does not parse, or the
  field is missing, ``timestamp`` is the current time.
- empty and null fields are removed, and so is ``timestamp_string``;
- the ``message`` field is split by its content:

  - "logged into": ``event_subtype`` ``login``; ``username`` from ``user(...)`` before the
    first colon and ``ip_src_addr`` from ``[...]`` after it; ``message`` is removed;
  - "logged out": ``event_subtype`` ``logout``; with four quotes or more, ``ip_src_addr``
    from ``[...]`` before the first quote, ``username`` and ``security_domain`` from the
    first and second quoted words; ``message`` is removed;
  - anything else with a ``(``: ``process`` is the text before it and, when there is a
    colon, ``message`` becomes the text from two characters after the first colon.

Output fields: ``priority``, ``hostname``, ``security_domain``, ``event_code``,
``event_type``, ``severity``, ``message``, ``event_subtype``, ``username``,
``ip_src_addr``, ``process``, ``timestamp``, ``original_string`` (as present).
Text that breaks Metron's string handling (a login message ending at its colon, a
parenthesis after a missing user) fails the record as it does in Metron.
"""

from __future__ import annotations

import time
from typing import Any

from metron.parsing.base import ParserError, register_parser
from metron.parsing.parsers.grok import GrokParser, UnparseableDateError
from metron.stellar.types import Long

__all__ = ["WebSphereParser"]

_LINE_TERMINATORS = frozenset("\n\r\x85\u2028\u2029")


def now_millis() -> int:
    """The current time in epoch milliseconds (a seam for tests)."""
    return time.time_ns() // 1_000_000


@register_parser("websphere", "org.apache.metron.parsers.websphere.GrokWebSphereParser")
class WebSphereParser(GrokParser):
    """DataPower syslog lines: grok, then Metron's login/logout/rbm splitting."""

    def format_timestamp(self, value: Any) -> Long:
        now = now_millis()
        if value is None:
            return Long(now)
        year = time.gmtime(now / 1000).tm_year
        try:
            return self.to_epoch(f"{year} {value}")
        except UnparseableDateError:
            return Long(now)

    def post_parse(self, message: dict[str, Any]) -> None:
        for key in [k for k, v in message.items() if v is None or v == ""]:
            del message[key]
        message.pop("timestamp_string", None)
        if "message" not in message:
            return
        text = _string(message["message"])
        if "logged into" in text:
            _login(message, text)
        elif "logged out" in text:
            _logout(message, text)
        else:
            _process(message, text)


def _login(message: dict[str, Any], text: str) -> None:
    message["event_subtype"] = "login"
    if ":" not in text:
        return
    parts = java_split(text, ":")
    user, address = _part(parts, 0), _part(parts, 1)
    if "user(" in user and ")" in user:
        user = user[user.index("user(") + len("user(") :]
        message["username"] = _before(user, ")")
    if "[" in address and "]" in address:
        address = address[address.index("[") + 1 :]
        message["ip_src_addr"] = _before(address, "]")
    del message["message"]


def _logout(message: dict[str, Any], text: str) -> None:
    message["event_subtype"] = "logout"
    # Metron's test is matches(".*'.*'.*'.*'.*"): four quotes on one line.  Counting
    # gives the same answer without the regex's backtracking on long lines.
    if text.count("'") < 4 or not _LINE_TERMINATORS.isdisjoint(text):
        return
    parts = java_split(text, "'")
    address = _part(parts, 0)
    if "[" in address and "]" in address:
        address = address[address.index("[") + 1 :]
        message["ip_src_addr"] = _before(address, "]")
    message["username"] = _part(parts, 1)
    message["security_domain"] = _part(parts, 3)
    del message["message"]


def _process(message: dict[str, Any], text: str) -> None:
    """Metron's rbm and "other" messages, which it handles alike."""
    if "(" not in text:
        return
    message["process"] = text[: text.index("(")]
    if ":" in text:
        start = text.index(":") + 2
        if start > len(text):
            raise ParserError(f"String index out of range: {len(text) - start}")
        message["message"] = text[start:]


def java_split(text: str, separator: str) -> list[str]:
    """Java's ``String.split`` on a one-character separator (trailing empties dropped)."""
    if separator not in text:
        return [text]
    parts = text.split(separator)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _part(parts: list[str], index: int) -> str:
    if index >= len(parts):
        raise ParserError(f"java.lang.ArrayIndexOutOfBoundsException: {index}")
    return parts[index]


def _before(text: str, end: str) -> str:
    """Java's ``text.substring(0, text.indexOf(end))``, which fails when ``end`` is missing."""
    index = text.find(end)
    if index < 0:
        raise ParserError("String index out of range: -1")
    return text[:index]


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ParserError(
            f"message field is {value!r}: java.lang.Integer cannot be cast to java.lang.String"
        )
    return value
