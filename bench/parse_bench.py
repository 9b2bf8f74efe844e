"""Parsing, the whole path from a raw line to a JSON line, per sensor on one core.

For each sensor the raw lines of its golden test cases (tests/golden/<sensor>*/raw) are
repeated to a few thousand records, run through the parser runner with the sensor's
built-in config (field transformations included) and serialised as `metron parse` does.
The floor is a JSON round trip of the same lines measured in the same run: for JSON input
`orjson.loads` + `orjson.dumps` of the line, for text input the same round trip of the line
wrapped in a message.  Targets (issue 3): bro 80,000 ev/s; snort 60,000; asa 40,000; squid
and yaf 30,000.  Run: `python bench/parse_bench.py [--quick] [SENSOR...]`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from metron.cli.parse import dumps
from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
from metron.parsing.config import builtin_sensors, load_sensor_config
from metron.parsing.runner import ParserRunner

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden"
TARGETS = {"bro": 80_000, "snort": 60_000, "asa": 40_000, "squid": 30_000, "yaf": 30_000}


def _samples(sensor: str) -> list[bytes]:
    lines: list[bytes] = []
    for case in sorted(GOLDEN.glob(f"{sensor}*")):
        if (case / "config.json").exists():
            continue  # another parser setup than the built-in config
        if case.name == sensor or case.name.startswith(f"{sensor}-"):
            raw = case / "raw"
            if raw.exists():
                lines.extend(line for line in raw.read_bytes().splitlines() if line)
    if not lines:
        return lines
    # Bad records measure the error path, not the parser: keep the lines that parse.
    runner = ParserRunner({sensor: load_sensor_config(sensor)})
    return [line for line in lines if not runner.process(sensor, line).errors]


def _rate(fn: Callable[[bytes], object], lines: list[bytes], repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for line in lines:
            fn(line)
        rates.append(len(lines) / (time.perf_counter() - start))
    return statistics.median(rates)


def _floor(line: bytes) -> bytes:
    try:
        return orjson.dumps(orjson.loads(line))
    except orjson.JSONDecodeError:
        return orjson.dumps(
            orjson.loads(orjson.dumps({"original_string": line.decode("utf-8", "replace")}))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sensors", nargs="*", help="sensors to measure (default: all with samples)")
    parser.add_argument("--quick", action="store_true", help="fewer records and runs")
    args = parser.parse_args()
    records, repeats = (2_000, 3) if args.quick else (20_000, 5)
    sensors = args.sensors or [s for s in builtin_sensors() if _samples(s)]
    print(f"{'sensor':<22} {'ev/s':>10} {'floor ev/s':>11} {'ratio':>7} {'target':>8}")
    for sensor in sensors:
        samples = _samples(sensor)
        if not samples:
            print(f"{sensor:<22} (no samples)")
            continue
        lines = (samples * (records // len(samples) + 1))[:records]
        runner = ParserRunner({sensor: load_sensor_config(sensor)})
        gc.freeze()  # as `metron parse` does once it is set up

        def path(line: bytes, runner: ParserRunner = runner, sensor: str = sensor) -> None:
            result = runner.process(sensor, line)
            for message in result.messages:
                dumps(message)
            for error in result.errors:
                dumps(error)

        ours = _rate(path, lines, repeats)
        floor = _rate(_floor, lines, repeats)
        target = TARGETS.get(sensor)
        verdict = "" if target is None else f"{target:>8,}" + (" ok" if ours >= target else " LOW")
        print(f"{sensor:<22} {ours:>10,.0f} {floor:>11,.0f} {floor / ours:>6.1f}x {verdict}")


if __name__ == "__main__":
    main()
