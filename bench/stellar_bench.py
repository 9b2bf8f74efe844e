"""Stellar hot paths: evaluations per second, and the ratio to hand-written Python.

Each figure is the median of several runs over the same messages; the floor is a
hand-written Python function computing the same result, measured in the same run.
Targets (issue 2): within 3x of hand-written Python; at least 1,000,000 evaluations/s for a
single field comparison on one core; at least 20,000 expressions parsed and compiled per
second.  Run: `make bench` or `python bench/stellar_bench.py [--quick]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from metron import stellar
from metron.stellar import StellarContext

Message = dict[str, Any]


def _messages(n: int) -> list[Message]:
    out = []
    for i in range(n):
        out.append(
            {
                "ip_src_addr": "10.0.0.1" if i % 3 else f"10.0.{i % 7}.{i % 250}",
                "ip_dst_addr": f"192.168.{i % 5}.{i % 200 + 1}" if i % 4 else f"172.16.0.{i % 9}",
                "ip_dst_port": (22, 23, 3389, 80, 443)[i % 5],
                "name": f"  host-{i % 97}  ",
                "protocol": "tcp",
            }
        )
    return out


def _ipv4(text: str) -> int:
    a, b, c, d = text.split(".")
    return (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)


_NET_LO = _ipv4("192.168.0.0")
_NET_HI = _ipv4("192.168.255.255")


def hand_triage(m: Message) -> bool:
    if m.get("ip_src_addr") != "10.0.0.1":
        return False
    if m.get("ip_dst_port") not in (22, 23, 3389):
        return False
    n = _ipv4(m["ip_dst_addr"])
    return _NET_LO < n < _NET_HI  # network and broadcast addresses excluded, as in Metron


# Java's String.trim() strips every character up to U+0020, not Python's whitespace set.
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))


def hand_transform(m: Message) -> str | None:
    name = m.get("name")
    return None if name is None else name.strip(_JAVA_TRIM).upper()


def hand_compare(m: Message) -> bool:
    return m.get("protocol") == "tcp"


def _rate(fn: Callable[[Message], Any], messages: list[Message], repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for m in messages:
            fn(m)
        rates.append(len(messages) / (time.perf_counter() - start))
    return statistics.median(rates)


def _compile_rate(n: int, repeats: int) -> float:
    templates = [
        "ip_src_addr == '10.0.{i}.1' && ip_dst_port in [22, {i}, 3389]",
        "TO_UPPER(TRIM(field_{i})) == 'HOST-{i}'",
        "if bytes_{i} > {i} then 'big' else 'small'",
        "match{{ score > {i} => 'high', score > 1 => 'low', default => 'none'}}",
        "MAP([1, 2, {i}], (x) -> x * {i})",
        "exists(user_{i}) and (count_{i} / 2 * 3 >= {i}.5 or flag)",
    ]
    expressions = [t.format(i=i) for i in range(n // len(templates)) for t in templates]
    rates = []
    for _ in range(repeats):
        context = StellarContext()  # a fresh context bypasses the compile cache
        start = time.perf_counter()
        for expression in expressions:
            stellar.compile(expression, context=context)
        rates.append(len(expressions) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer messages and runs")
    args = parser.parse_args()
    n, repeats = (20_000, 3) if args.quick else (200_000, 5)
    messages = _messages(n)

    cases = [
        (
            "triage rule",
            "ip_src_addr == '10.0.0.1' && ip_dst_port in [22, 23, 3389] && IN_SUBNET(ip_dst_addr, '192.168.0.0/16')",
            hand_triage,
        ),
        ("transformation", "TO_UPPER(TRIM(name))", hand_transform),
        ("single field comparison", "protocol == 'tcp'", hand_compare),
    ]
    print(f"{'case':<26} {'stellar ev/s':>14} {'python ev/s':>14} {'ratio':>7}")
    for label, expression, hand in cases:
        rule = stellar.compile(expression)
        for m in messages[:1000]:
            assert rule.evaluate(m) == hand(m), f"{label}: results differ on {m}"
        ours = _rate(rule.evaluate, messages, repeats)
        floor = _rate(hand, messages, repeats)
        print(f"{label:<26} {ours:>14,.0f} {floor:>14,.0f} {floor / ours:>6.2f}x")
    rate = _compile_rate(1_200 if args.quick else 6_000, repeats)
    print(f"{'parse + compile':<26} {rate:>14,.0f} expressions/s (target 20,000)")


if __name__ == "__main__":
    main()
