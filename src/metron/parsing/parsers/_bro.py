"""The field mapping Metron's Bro parser applies, shared by the ``bro`` and ``zeek`` parsers.

``ts`` becomes ``timestamp`` (epoch milliseconds, a Long) plus ``bro_timestamp`` (the
seconds as text, Java ``DecimalFormat("0.0#####")``); ``source_ip``/``id.orig_h`` (else the
first of ``tx_hosts``) becomes ``ip_src_addr``; ``dest_ip``/``id.resp_h`` (else the first
of ``rx_hosts``) ``ip_dst_addr``; ``source_port``/``id.orig_p`` ``ip_src_port``;
``dest_port``/``id.resp_p`` ``ip_dst_port``; ``protocol`` is the log type (when known).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

from metron.parsing.base import ParserError
from metron.parsing.parsers._jsonsimple import java_long
from metron.stellar.types import Long

__all__ = ["apply_bro_mapping", "decimal_format"]

_MICRO = Decimal("0.000001")
_INF = float("inf")
_WIDE = Context(prec=400)  # enough digits for any double with six decimals


def decimal_format(value: float) -> str:
    """Java's ``new DecimalFormat("0.0#####").format(value)``: 1 to 6 decimals, half-even."""
    if -1e15 < value < 1e15:
        # Python rounds the exact binary value half-even, as Java 8's DecimalFormat does.
        text = f"{value:.6f}".rstrip("0")
        return text + "0" if text[-1] == "." else text
    if value != value:
        return "\ufffd"  # DecimalFormat's symbols for NaN and infinity
    if value in (_INF, -_INF):
        return "\u221e" if value > 0 else "-\u221e"
    # Java starts from Double.toString's shortest digits; beyond 2**53 those differ from
    # the exact binary expansion Python would print.
    exact = Decimal(repr(value))
    text = format(exact.quantize(_MICRO, rounding=ROUND_HALF_EVEN, context=_WIDE), "f")
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


def _first_host(payload: dict[str, Any], target: str, source: str) -> None:
    hosts = payload.pop(source)
    if not isinstance(hosts, list):
        raise ParserError(f"'{source}' must be a list of hosts, not {hosts!r}")
    if hosts:
        payload[target] = hosts[0]


def apply_bro_mapping(
    payload: dict[str, Any], log_type: str | None, ts_text: str | None = None
) -> None:
    """Rename Bro's fields to Metron's, in place (the message must not hold nulls).

    ``ts_text`` is ``decimal_format`` of the ``ts`` field when the caller has it already.
    """
    pop = payload.pop
    if "ts" in payload:
        ts = payload["timestamp"] = pop("ts")
    elif "timestamp" in payload:
        ts = payload["timestamp"]
        ts_text = None
    else:
        ts = None
    if ts is not None:
        if type(ts) is bool or not isinstance(ts, (int, float)):
            raise ParserError(f"timestamp {ts!r} is not a number")
        seconds = float(ts)
        payload["timestamp"] = Long(java_long(seconds * 1000))
        payload["bro_timestamp"] = ts_text if ts_text is not None else decimal_format(seconds)
    # The first key found wins; the hosts lists only count when neither key is there.
    if "source_ip" in payload:
        payload["ip_src_addr"] = pop("source_ip")
    elif "id.orig_h" in payload:
        payload["ip_src_addr"] = pop("id.orig_h")
    elif "tx_hosts" in payload:
        _first_host(payload, "ip_src_addr", "tx_hosts")
    if "dest_ip" in payload:
        payload["ip_dst_addr"] = pop("dest_ip")
    elif "id.resp_h" in payload:
        payload["ip_dst_addr"] = pop("id.resp_h")
    elif "rx_hosts" in payload:
        _first_host(payload, "ip_dst_addr", "rx_hosts")
    if "source_port" in payload:
        payload["ip_src_port"] = pop("source_port")
    elif "id.orig_p" in payload:
        payload["ip_src_port"] = pop("id.orig_p")
    if "dest_port" in payload:
        payload["ip_dst_port"] = pop("dest_port")
    elif "id.resp_p" in payload:
        payload["ip_dst_port"] = pop("id.resp_p")
    if log_type is not None:
        payload["protocol"] = log_type
