"""Random input through every built-in sensor: errors as values, never a crash or a hang."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
from metron.parsing.config import builtin_sensors, load_sensor_config
from metron.parsing.runner import ParserRunner

SENSORS = builtin_sensors()

# Random bytes, and random text built from the characters telemetry formats care about.
noise = st.binary(max_size=300) | st.text(
    alphabet=st.sampled_from(list("|,=:; {}[]\"'\\/<>%-.0123456789abcdefTCPUDPxX \t"))
    | st.characters(),
    max_size=300,
).map(lambda s: s.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("sensor", SENSORS)
@settings(max_examples=60, deadline=None)
@given(raw=noise)
def test_random_records_become_messages_or_errors(sensor: str, raw: bytes) -> None:
    runner = ParserRunner({sensor: load_sensor_config(sensor)})
    result = runner.process(sensor, raw)
    for message in result.messages:
        assert message["source.type"] == sensor
        assert "guid" in message
    for error in result.errors:
        assert error["source.type"] == "error"
        assert error["error_type"] in ("parser_error", "parser_invalid")
