"""JSON objects, flattened into messages (Metron's ``JSONMapParser``).

Each record is a JSON object (or, with ``jsonpQuery``, a document holding a list of
objects, each one message).  Values that are objects are handled by ``mapStrategy``;
lists and plain values are kept.  JSON is read the way Jackson reads it: whole numbers
are Integers when they fit in 32 bits and Longs otherwise, and text after the first
complete value is ignored.

parserConfig keys:
    mapStrategy: what to do with a value that is an object: ``DROP`` it (default),
        ``UNFOLD`` it into dotted keys (``{"a": {"b": 1}}`` gives ``a.b``), ``ALLOW`` it
        as it is, or make the record an ``ERROR``.
    jsonpQuery: a JsonPath expression (Jayway syntax: ``$.foo``, ``$.foo[*]``,
        ``$..items``, ``$.foo[?(@.n > 2)]``) selecting the list of objects to emit; a
        path that matches nothing gives no messages.
    wrapInEntityArray: with ``jsonpQuery``, wrap the record in
        ``{"<wrapEntityName>": [ ... ]}`` first (for records that are comma-separated
        objects, a trailing comma allowed); ``true``/``false`` or the strings.
    wrapEntityName: the name used by ``wrapInEntityArray`` (default ``messages``).
    overrideOriginalString: give each message its own ``original_string``: the compact
        JSON of its object (as Metron prints it: keys in Java ``HashMap`` order, ``/``
        escaped as ``\\/``) rather than the whole record (default false).
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields: the object's fields (after ``mapStrategy``); ``timestamp``, the current
time in epoch milliseconds unless the object has one; ``original_string`` with
``overrideOriginalString`` (else the runner adds the raw record).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.ext import parse as parse_jsonpath
from jsonpath_ng.jsonpath import Child, Fields, Index, Root, This

from metron.errors import ConfigError
from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._jsonsimple import capacity_for_copy, hashmap_order, to_json_string
from metron.stellar.stdlib.jsonfn import parse_json
from metron.stellar.types import Long

__all__ = ["JsonMapParser"]

_STRATEGIES = ("DROP", "UNFOLD", "ALLOW", "ERROR")


def _flag(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"  # Java's Boolean.valueOf
    raise ConfigError(f"parserConfig '{key}' must be true or false, not {value!r}")


def _definite(path: JSONPath) -> bool:
    """Jayway's "definite" path: it names one place (no wildcard, scan, filter or slice)."""
    if isinstance(path, (Root, This)):
        return True
    if isinstance(path, Child):
        return _definite(path.left) and _definite(path.right)
    if isinstance(path, Fields):
        return len(path.fields) == 1 and path.fields[0] != "*"
    if isinstance(path, Index):
        return len(getattr(path, "indices", (getattr(path, "index", None),))) == 1
    return False


@register_parser("jsonMap", "org.apache.metron.parsers.json.JSONMapParser")
class JsonMapParser(Parser):
    """JSON objects to flat messages, with an optional JsonPath selecting them."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        cfg = self.config
        strategy = cfg.get("mapStrategy", "DROP")
        if strategy not in _STRATEGIES:
            raise ConfigError(
                f"parserConfig 'mapStrategy' must be one of {', '.join(_STRATEGIES)}, not {strategy!r}"
            )
        self.strategy: str = strategy
        self.override_original = _flag(cfg, "overrideOriginalString", False)
        self.query: JSONPath | None = None
        self.definite = True
        self.wrap_start: str | None = None
        query = cfg.get("jsonpQuery")
        if query is not None and query != "":
            if not isinstance(query, str):
                raise ConfigError(f"parserConfig 'jsonpQuery' must be a string, not {query!r}")
            try:
                self.query = parse_jsonpath(query)
            except Exception as e:  # jsonpath-ng raises a few kinds, and ply's own
                raise ConfigError(
                    f"parserConfig 'jsonpQuery' {query!r} is not a valid JsonPath: {e}"
                ) from None
            self.definite = _definite(self.query)
            if (
                query.strip()
                and "wrapInEntityArray" in cfg
                and _flag(cfg, "wrapInEntityArray", False)
            ):
                name = cfg.get("wrapEntityName")
                if not isinstance(name, str) or not name.strip():
                    name = "messages"
                self.wrap_start = '{ "' + name + '" : ['

    def validate(self, message: Mapping[str, Any]) -> bool:
        return "original_string" in message and "timestamp" in message

    def parse(self, raw: bytes) -> ParseResult:
        text = self.decode(raw)
        try:
            objects = self._objects(text)
            messages = [self._message(obj) for obj in objects]
        except ParserError as e:
            raise ParserError(f"Unable to parse {text}: {e}") from None
        except (ValueError, TypeError, RecursionError) as e:
            raise ParserError(f"Unable to parse {text}: {e}") from None
        return ParseResult(messages)

    def _objects(self, text: str) -> list[Any]:
        if self.wrap_start is not None:
            text = (self.wrap_start + text).rstrip("".join(map(chr, range(33))))
            if text.endswith(","):
                text = text[:-1]
            text += "]}"
        document = parse_json(text)
        if self.query is None:
            if not isinstance(document, dict):
                raise ParserError("the record is not a JSON object")
            return [document]
        found = [match.value for match in self.query.find(document)]
        if self.definite:
            if not found or found[0] is None:
                return []
            found = found[0]
            if not isinstance(found, list):
                raise ParserError(f"the query found {_kind(found)}, not a list of objects")
        for item in found:
            if not isinstance(item, dict):
                raise ParserError(f"the query found {_kind(item)} where an object belongs")
        return found

    def _message(self, obj: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {}
        strategy = self.strategy
        for key, value in obj.items():
            if type(value) is not dict:
                message[key] = value
            elif strategy == "UNFOLD":
                _unfold(key, value, message)
            elif strategy == "ALLOW":
                message[key] = value
            elif strategy == "ERROR":
                raise ParserError(f"Unable to process {key} => {value} because value is a map.")
        if self.override_original:
            keys = hashmap_order(obj, capacity_for_copy(len(obj)))
            inner = ",".join(f"{to_json_string(k)}:{to_json_string(obj[k], True)}" for k in keys)
            message["original_string"] = "{" + inner + "}"
        if "timestamp" not in message:
            message["timestamp"] = Long(time.time_ns() // 1_000_000)
        return message


def _unfold(prefix: str, value: dict[str, Any], out: dict[str, Any]) -> None:
    for key, inner in value.items():
        name = f"{prefix}.{key}"
        if type(inner) is dict:
            _unfold(name, inner, out)
        else:
            out[name] = inner


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"the value {value!r}"
