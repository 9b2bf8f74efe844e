"""Golden tests: tests/golden/<case>/ holds raw input and the expected output of a sensor.

Each case folder has:

- ``raw`` (one record per line) or ``raw.hex`` (one binary record per line, in hex);
- ``expected.jsonl``: the parsed messages, one per line;
- ``errors.jsonl`` (optional): ``{"error_type": ..., "raw_message": ...}`` per error;
- ``case.json`` (optional): ``{"sensor": "...", "mask": ["field", ...]}``; the sensor
  defaults to the folder name before any ``-`` suffix, ``guid`` is always masked;
- ``config.json`` (optional): the sensor parser config; else the built-in one;
- ``global.json`` (optional): the global config (for ``fieldValidations``).

Run with ``METRON_GOLDEN_UPDATE=1`` to rewrite the expected files from the current output.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if p.is_dir()) if GOLDEN.exists() else []
UPDATE = os.environ.get("METRON_GOLDEN_UPDATE") == "1"
VOLATILE_ERROR_FIELDS = (
    "guid",
    "timestamp",
    "hostname",
    "stack",
    "error_hash",
    "exception",
    "message",
)


def _records(case: Path) -> list[bytes]:
    if (case / "raw.hex").exists():
        return [bytes.fromhex(line) for line in (case / "raw.hex").read_text().split()]
    return (case / "raw").read_bytes().splitlines()


def _mask(message: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: ("<masked>" if k in fields else v) for k, v in message.items()}


def _dump(rows: list[dict[str, Any]]) -> str:
    return "".join(
        orjson.dumps(r, option=orjson.OPT_SORT_KEYS, default=str).decode() + "\n" for r in rows
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path) -> None:
    from metron.parsing import parsers  # noqa: F401  (registers the parsers)
    from metron.parsing.config import load_sensor_config
    from metron.parsing.runner import ParserRunner

    settings = (
        orjson.loads((case / "case.json").read_bytes()) if (case / "case.json").exists() else {}
    )
    sensor = settings.get("sensor", case.name.split("-")[0])
    mask = ["guid", *settings.get("mask", [])]
    config = load_sensor_config(
        sensor, config_file=case / "config.json" if (case / "config.json").exists() else None
    )
    global_config = (
        orjson.loads((case / "global.json").read_bytes()) if (case / "global.json").exists() else {}
    )
    runner = ParserRunner({sensor: config}, global_config)
    messages: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for record in _records(case):
        result = runner.process(sensor, record)
        messages.extend(_mask(m, mask) for m in result.messages)
        errors.extend(
            {"error_type": e["error_type"], "raw_message": e.get("raw_message")}
            for e in result.errors
        )
    expected_path = case / "expected.jsonl"
    errors_path = case / "errors.jsonl"
    if UPDATE:
        expected_path.write_text(_dump(messages))
        if errors or errors_path.exists():
            errors_path.write_text(_dump(errors))
    expected = [
        orjson.loads(line) for line in expected_path.read_text().split("\n") if line.strip()
    ]
    got = [orjson.loads(orjson.dumps(m, default=str)) for m in messages]
    assert got == expected
    if errors_path.exists():
        expected_errors = [
            orjson.loads(line) for line in errors_path.read_text().split("\n") if line.strip()
        ]
        assert [orjson.loads(orjson.dumps(e, default=str)) for e in errors] == expected_errors
    else:
        assert errors == [], f"unexpected errors: {errors}"
