"""Free text through Java regular expressions with named groups (Metron's ``RegularExpressionsParser``).

parserConfig keys:

- ``recordTypeRegex`` (required): a Java regex whose first match (found anywhere in the
  line) names the record type; its named groups are also fields.
- ``messageHeaderRegex``: a Java regex, or a list tried in order, for the part every record
  shares; the named groups of the first that is found become fields (blank values are left
  out).
- ``fields`` (required): a list of ``{"recordType": ..., "regex": ...}``; ``regex`` is a Java
  regex or a list of them.  For a record of that type (compared lower-case), the first
  regex with named groups that matches the *whole* line gives its named groups as fields.
  A later entry for the same type replaces an earlier one.
- ``convertCamelCaseToUnderScore``: ``true`` renames every field with a capital letter the
  way Guava's ``UPPER_CAMEL`` to ``LOWER_UNDERSCORE`` does (``ipSrcAddr`` -> ``ip_src_addr``),
  since Java group names cannot hold ``_``.
- ``readCharset``: the charset of the raw bytes (default UTF-8).

The line is trimmed first; field values are trimmed.  Group names are found in the regex
text the way Metron finds them (``(?<name>`` with a letter, then letters and digits).
Fields from the record type regex override the record's own, which override the header's.

Output fields: the named groups, plus ``original_string`` (the trimmed line) and
``timestamp`` (the time of parsing, epoch milliseconds: derive the real one with a Stellar
transformation such as ``TO_EPOCH_TIMESTAMP``).  A blank line gives a message with neither,
which then fails validation.

Regexes run on Python's engine after translation: a pattern that backtracks badly on long
lines is as slow as it would be in Java.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from metron.errors import ConfigError
from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._opencsv import JAVA_TRIM, java_whitespace
from metron.stellar import javaregex
from metron.stellar.errors import StellarError
from metron.stellar.javaregex import JavaPattern
from metron.stellar.types import Long

__all__ = ["RegularExpressionsParser", "group_names", "upper_camel_to_lower_underscore"]

_GROUP_NAME = re.compile(r"\(\?<([a-zA-Z][a-zA-Z0-9]*)>")
_CAPITAL = re.compile(r"[A-Z]")

Compiled = tuple[JavaPattern, list[str]]


def group_names(regex: str) -> list[str]:
    """The named groups Metron sees in a regex's text, sorted (Java's ``TreeSet``)."""
    return sorted(set(_GROUP_NAME.findall(regex)))


def upper_camel_to_lower_underscore(name: str) -> str:
    """Guava ``CaseFormat.UPPER_CAMEL.to(LOWER_UNDERSCORE, name)``: a word starts at each
    ASCII capital, words are lower-cased and joined by ``_``."""
    words: list[str] = []
    start = 0
    for m in _CAPITAL.finditer(name, 1):
        words.append(name[start : m.start()])
        start = m.start()
    words.append(name[start:])
    return "_".join(_ascii_lower(w) for w in words)


def _ascii_lower(word: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in word)


def _compile(regex: Any, key: str) -> Compiled:
    if not isinstance(regex, str):
        raise ConfigError(f"{key}: a regular expression must be a string, not {regex!r}")
    try:
        return javaregex.compile(regex), group_names(regex)
    except StellarError as e:
        raise ConfigError(f"Invalid config : {key}: {e}") from None


def _regexes(value: Any, key: str) -> list[Compiled]:
    if isinstance(value, list):
        return [_compile(item, key) for item in value]
    if isinstance(value, str):
        return [_compile(value, key)]
    return []


@register_parser("regular_expressions", "org.apache.metron.parsers.regex.RegularExpressionsParser")
class RegularExpressionsParser(Parser):
    """Named groups of a header regex, a record type regex and per-type regexes."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        record_type = self.config.get("recordTypeRegex")
        if not isinstance(record_type, str) or java_whitespace(record_type):
            raise ConfigError("Invalid config :recordTypeRegex is missing in parserConfig")
        self.record_type = _compile(record_type, "recordTypeRegex")
        fields = self.config.get("fields")
        if not isinstance(fields, list):
            raise ConfigError("Invalid config :fields is missing in parserConfig")
        self.record_patterns: dict[str, list[Compiled]] = {}
        for i, entry in enumerate(fields):
            if not isinstance(entry, Mapping):
                raise ConfigError(f"fields[{i}]: must be a map with recordType and regex")
            name, regex = entry.get("recordType"), entry.get("regex")
            if name is None or regex is None:
                continue
            if not isinstance(name, str):
                raise ConfigError(f"fields[{i}].recordType: must be a string, not {name!r}")
            # Patterns without named groups give nothing, so Metron never tries them.
            patterns = _regexes(regex, f"fields[{i}].regex")
            self.record_patterns[name.lower()] = [p for p in patterns if p[1]]
        header = self.config.get("messageHeaderRegex")
        if isinstance(header, str) and java_whitespace(header):
            header = None
        self.headers = _regexes(header, "messageHeaderRegex")
        camel = self.config.get("convertCamelCaseToUnderScore")
        if camel is not None and not isinstance(camel, bool):
            raise ConfigError(f"convertCamelCaseToUnderScore: must be true or false, not {camel!r}")
        self.convert_camel_case = bool(camel)

    def parse(self, raw: bytes) -> ParseResult:
        text = self.decode(raw).strip(JAVA_TRIM)
        if not text:
            return ParseResult([{}])
        message: dict[str, Any] = {}
        try:
            for pattern, names in self.headers:
                m = pattern.find(text)
                if m is not None:
                    for name in names:
                        value = _group(m, name)
                        if value is not None and not java_whitespace(value):
                            message[name] = value.strip(JAVA_TRIM)
                    break
            self._record(text, message)
        except LookupError as e:
            raise ParserError(str(e)) from None
        message["original_string"] = text
        message["timestamp"] = Long(int(time.time() * 1000))
        if self.convert_camel_case:
            renamed = {
                key: upper_camel_to_lower_underscore(key) for key in message if _CAPITAL.search(key)
            }
            for old, new in renamed.items():
                message[new] = message.pop(old)
        return ParseResult([message])

    def _record(self, text: str, message: dict[str, Any]) -> None:
        pattern, names = self.record_type
        m = pattern.find(text)
        if m is None:
            return
        for candidate, candidate_names in self.record_patterns.get(m.group(0).lower(), ()):
            full = candidate.matches(text)
            if full is not None:
                for name in candidate_names:
                    value = _group(full, name)
                    if value is not None:
                        message[name] = value.strip(JAVA_TRIM)
                break
        for name in names:
            value = _group(m, name)
            if value is not None:
                message[name] = value.strip(JAVA_TRIM)


def _group(m: re.Match[str], name: str) -> str | None:
    try:
        return m.group(name)
    except IndexError:
        # The name was read from the regex text but is not a group (it sat inside a class).
        raise LookupError(f"No group with name <{name}>") from None
