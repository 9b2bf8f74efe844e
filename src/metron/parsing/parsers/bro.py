"""Bro/Zeek JSON as the Zeek Kafka plugin writes it (Metron's ``BasicBroParser``).

A record is either ``{"<log type>": {...fields...}}`` or a flat object with a ``type`` key
naming the log type.  Every log type is accepted: the fields are kept as they are, apart
from the mapping below.

parserConfig keys:
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    protocol: the log type (``conn``, ``dns``, ``http``, ...), as written.
    timestamp: ``ts`` in epoch milliseconds (truncated), a Long.
    bro_timestamp: ``ts`` in seconds as text with 1 to 6 decimals (``1402307733.473``).
    ip_src_addr / ip_src_port: from ``source_ip`` or ``id.orig_h`` (else the first of
        ``tx_hosts``) / from ``source_port`` or ``id.orig_p``.
    ip_dst_addr / ip_dst_port: from ``dest_ip`` or ``id.resp_h`` (else the first of
        ``rx_hosts``) / from ``dest_port`` or ``id.resp_p``.
    original_string: the log type upper-cased, `` |``, then `` key:value`` for every field
        of the record, in the order Metron prints them (a Java ``HashMap``'s), with numbers
        as Java prints them and lists/objects as compact JSON (``/`` escaped as ``\\/``).
    every other field of the record, unchanged; whole numbers are Longs.

As in Metron, only the top-level keys are cleaned of characters other than letters, digits,
``.`` and ``_``; a ``null`` field, a ``ts`` that is not a number, or a record that is not an
object holding an object is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._bro import apply_bro_mapping, decimal_format
from metron.parsing.parsers._jsonsimple import (
    MaybeTooLong,
    hashmap_order,
    java_to_string,
    load,
    load_json_bytes,
    str_list_text,
    to_json_string,
    with_longs,
)
from metron.stellar.types import LONG_MAX, LONG_MIN, Long

__all__ = ["BroParser"]

# orjson reads an integer beyond 64 bits as a double, where json-simple refuses it.
_BIG = 9.2e18
_UNCLEAN = re.compile(r"[^._a-zA-Z0-9]+")
_CLEAN_CACHE: dict[str, str] = {}


def _clean(key: str) -> str:
    cleaned = _CLEAN_CACHE.get(key)
    if cleaned is None:
        cleaned = _UNCLEAN.sub("", key)
        if len(_CLEAN_CACHE) < 10_000:
            _CLEAN_CACHE[key] = cleaned
    return cleaned


def _text(value: Any) -> str:
    if value is None:
        raise ParserError("a field is null")
    return java_to_string(value)


@register_parser("bro", "org.apache.metron.parsers.bro.BasicBroParser")
class BroParser(Parser):
    """Zeek JSON from the Kafka plugin, mapped to Metron's fields."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self._utf8 = self.read_charset in ("utf-8", "utf8")

    def parse(self, raw: bytes) -> ParseResult:
        try:
            record = load_json_bytes(raw) if self._utf8 else load(self.decode(raw))
            try:
                log_type, payload = self._payload(record)
                original, ts_text = _original_string(log_type, payload)
            except MaybeTooLong:
                # A huge double may be orjson's reading of an integer json-simple refuses:
                # read the record again, strictly (the first try may have changed it).
                log_type, payload = self._payload(load(self.decode(raw)))
                original, ts_text = _original_string(log_type, payload, checked=True)
        except ValueError as e:
            raise ParserError(f"Unable to parse Message: {e}") from None
        payload["original_string"] = original
        apply_bro_mapping(payload, log_type, ts_text)
        return ParseResult([payload])

    def validate(self, message: Mapping[str, Any]) -> bool:
        return "original_string" in message and "timestamp" in message

    @staticmethod
    def _payload(record: Any) -> tuple[str, dict[str, Any]]:
        if type(record) is not dict:
            raise ParserError("Unable to parse Message: not a JSON object")
        if len(record) == 1:
            ((key, payload),) = record.items()
            first = _clean(key)
            if first != "type":
                return first, _checked_payload(first, payload)
        # json-simple's HashMap order decides which key is "first", and the cleaned
        # object is filled in that order.
        keys = hashmap_order(record) if len(record) > 1 else list(record)
        cleaned: dict[str, Any] = {}
        for key in keys:
            cleaned[_clean(key)] = record[key]
        if not cleaned:
            raise ParserError("Unable to clean message: it is empty")
        if "type" in cleaned:
            return _text(cleaned["type"]), cleaned
        first = next(iter(cleaned)) if len(cleaned) == 1 else hashmap_order(cleaned)[0]
        return first, _checked_payload(first, cleaned[first])


def _checked_payload(key: str, payload: Any) -> dict[str, Any]:
    if payload is None:
        raise ParserError(f"Unable to retrieve payload for message: '{key}' is null")
    if type(payload) is not dict:
        raise ParserError(f"the value of '{key}' is not an object")
    return payload


# -- original_string ---------------------------------------------------------------------
#
# Records of one log type share their keys and value types, so the work of ordering the
# keys and choosing how each value prints is done once per shape and cached as a plan.


def _double(value: float) -> str:
    if value >= _BIG or value <= -_BIG:
        raise MaybeTooLong
    return decimal_format(value)


@dataclass(frozen=True, slots=True)
class _Plan:
    template: str  # a %-template with one %s per key, in HashMap order
    values: Callable[[dict[str, Any]], tuple[Any, ...]]  # the values in template order
    bools: tuple[int, ...]  # template positions of booleans
    doubles: tuple[int, ...]
    nested: tuple[tuple[int, str], ...]  # positions and keys of lists and objects
    others: tuple[tuple[int, str], ...]  # anything else (null: an error)
    ints: tuple[str, ...]  # keys of whole numbers, to become Longs
    ts: int  # template position of a double "ts", or -1
    int_values: Callable[[dict[str, Any]], tuple[Any, ...]] | None


def _make_plan(keys: tuple[str, ...], types: tuple[type, ...], log_type: str) -> _Plan:
    order = hashmap_order(keys)
    type_of = dict(zip(keys, types))
    template = log_type.upper().replace("%", "%%") + " |"
    template += "".join(f" {key.replace('%', '%%')}:%s" for key in order)

    def where(*kinds: type) -> tuple[int, ...]:
        return tuple(i for i, key in enumerate(order) if type_of[key] in kinds)

    known = (str, int, bool, float, list, dict)
    ints = tuple(key for key in order if type_of[key] is int)
    return _Plan(
        template=template,
        values=_getter(order),
        bools=where(bool),
        doubles=where(float),
        nested=tuple((i, order[i]) for i in where(list, dict)),
        others=tuple((i, k) for i, k in enumerate(order) if type_of[k] not in known),
        ints=ints,
        int_values=_getter(ints) if ints else None,
        ts=order.index("ts") if type_of.get("ts") is float else -1,
    )


def _getter(keys: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if len(keys) == 1:
        only = keys[0]
        return lambda d: (d[only],)
    return itemgetter(*keys)


_PLANS: dict[tuple[Any, ...], _Plan] = {}


def _original_string(
    log_type: str, payload: dict[str, Any], checked: bool = False
) -> tuple[str, str | None]:
    """Metron's original_string, and the text of ``ts`` when it is a double.

    Also makes the payload's whole numbers Longs on the way.
    """
    if not payload:
        return log_type.upper() + " |", None
    shape = (tuple(payload), tuple(map(type, payload.values())), log_type)
    plan = _PLANS.get(shape)
    if plan is None:
        plan = _make_plan(*shape)
        if len(_PLANS) >= 4096:
            _PLANS.clear()
        _PLANS[shape] = plan
    values: Any = plan.values(payload)  # before the ints become Longs, which print slower
    if plan.bools or plan.doubles or plan.nested or plan.others:
        values = list(values)
        for i in plan.bools:
            values[i] = "true" if values[i] else "false"
        for i in plan.doubles:
            values[i] = decimal_format(values[i]) if checked else _double(values[i])
        for i, key in plan.nested:
            text = str_list_text(values[i])
            if text is None:
                payload[key] = nested = with_longs(values[i], strict=not checked)
                text = to_json_string(nested)
            values[i] = text
        for i, _key in plan.others:
            values[i] = _text(values[i])
        values = tuple(values)
    original = plan.template % values
    ts_text = values[plan.ts] if plan.ts >= 0 else None
    if plan.int_values is not None:
        ints = plan.int_values(payload)
        if max(ints) > LONG_MAX or min(ints) < LONG_MIN:
            raise ParserError("a whole number does not fit a Java long")
        payload.update(zip(plan.ints, map(Long, ints)))
    return original, ts_text
