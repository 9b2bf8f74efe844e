"""Zeek ASCII (TSV) logs, with their ``#`` headers (not a Metron parser: Metron reads Zeek
only as JSON, see ``bro``).

Lines are fed one at a time, so the parser remembers the headers of the file being read
(``#separator``, ``#set_separator``, ``#empty_field``, ``#unset_field``, ``#path``,
``#fields``, ``#types``) and reads each data line with them; header lines give no
message, and ``#separator`` (the first line of a file) starts afresh.  The lines of one
file must therefore go, in order, through one parser (one ``metron parse`` worker or one
Kafka partition).

Values are typed by ``#types``: ``count``, ``int`` and ``port`` are Longs; ``double``,
``time`` and ``interval`` doubles; ``bool`` true/false; ``set[...]``/``vector[...]`` lists of
their element type; everything else (``string``, ``addr``, ``subnet``, ``enum``...) text.
A field without a type is text (``ts`` a time).  The unset marker (``-``) leaves the field out; the empty marker (``(empty)``) gives an empty
list or string.  Zeek's ``\\xHH`` escapes are undone; bytes that are not UTF-8 stay
written as ``\\xHH``, as Zeek's JSON output shows them.

parserConfig keys:
    path: the log type when the input has no ``#path`` header.
    fields, types: the ``#fields`` and ``#types`` (lists) for input without headers.
    separator: the field separator for input without headers (default a tab).
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields, as the ``bro`` parser gives them: ``timestamp`` (epoch ms, a Long) and
``bro_timestamp`` (seconds as text) from ``ts``; ``ip_src_addr``/``ip_src_port`` from
``id.orig_h``/``id.orig_p`` (else ``source_ip``/``source_port``, else the first of
``tx_hosts``), ``ip_dst_addr``/``ip_dst_port`` likewise from the responder;
``protocol`` the log type (``#path``); every other field typed as above.
``original_string`` is the line (added by the runner).

A data line before any ``#fields`` (and without ``fields`` configured), or with the wrong
number of fields, or a value that does not read as its type, is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metron.errors import ConfigError
from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._bro import apply_bro_mapping
from metron.parsing.parsers._zeektsv import Header

__all__ = ["ZeekParser"]


def _names(config: Mapping[str, Any], key: str) -> list[str] | None:
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"parserConfig '{key}' must be a list of names, not {value!r}")


@register_parser("zeek")
class ZeekParser(Parser):
    """Zeek TSV log lines, typed by their file's headers, mapped like ``bro``."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        path = self.config.get("path")
        separator = self.config.get("separator", "\t")
        if path is not None and not isinstance(path, str):
            raise ConfigError(f"parserConfig 'path' must be a string, not {path!r}")
        if not isinstance(separator, str) or not separator:
            raise ConfigError(f"parserConfig 'separator' must be a string, not {separator!r}")
        self.default_path: str | None = path
        self.header = Header(separator=separator)
        fields, types = _names(self.config, "fields"), _names(self.config, "types")
        if types is not None and fields is None:
            raise ConfigError("parserConfig 'types' needs 'fields'")
        if fields is not None:
            self.header.read("#fields" + separator + separator.join(fields))
            if types is not None:
                self.header.read("#types" + separator + separator.join(types))

    def parse(self, raw: bytes) -> ParseResult:
        line = self.decode(raw).rstrip("\r\n")
        if not line:
            return ParseResult()
        if line[0] == "#":
            self.header = self.header.read(line)
            return ParseResult()
        header = self.header
        if header.fields is None:
            raise ParserError(
                "a data line before the #fields header: the log's headers are missing"
            )
        try:
            record = header.record(line)
        except ValueError as e:
            raise ParserError(str(e)) from None
        apply_bro_mapping(record, header.path or self.default_path)
        return ParseResult([record])
