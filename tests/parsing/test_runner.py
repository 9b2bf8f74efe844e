"""The parser runner end to end, with a tiny parser registered here.

The ``test-pairs`` parser reads ``a,b`` records (several joined by ``;``) into
``{"first": a, "second": b, "timestamp": ...}``; a record starting with ``!`` makes it raise,
a part without a comma is a per-part error, ``first == "nots"`` leaves out the timestamp and
``first == "nullorig"`` sets ``original_string`` to null.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson
import pytest

from metron.errors import ConfigError
from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.config import parse_sensor_config
from metron.parsing.runner import ParserRunner, RunnerResult

SENSOR = "pairs"
TS = 1_650_000_000_000


@register_parser("test-pairs")
class PairParser(Parser):
    def parse(self, raw: bytes) -> ParseResult:
        text = self.decode(raw)
        if text.startswith("!"):
            raise ParserError(f"cannot read {text!r}")
        result = ParseResult()
        for part in text.split(";"):
            if "," not in part:
                result.errors.append((part, ParserError(f"no comma in {part!r}")))
                continue
            first, second = part.split(",", 1)
            message: dict[str, Any] = {"first": first, "second": second}
            if first != "nots":
                message["timestamp"] = TS
            if first == "nullorig":
                message["original_string"] = None
            result.messages.append(message)
        return result


def runner(global_config: dict[str, Any] | None = None, **config: Any) -> ParserRunner:
    sensor_config = parse_sensor_config({"parserClassName": "test-pairs", **config}, "test")
    return ParserRunner({SENSOR: sensor_config}, global_config)


def process(
    r: ParserRunner, raw: str | bytes, metadata: dict[str, Any] | None = None
) -> RunnerResult:
    return r.process(SENSOR, raw.encode() if isinstance(raw, str) else raw, metadata)


def sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def java_hashset_order(names: list[str]) -> list[str]:
    """Java's HashSet iteration order for a few strings (table of 16 buckets)."""

    def bucket(name: str) -> int:
        h = 0
        for ch in name:
            h = (31 * h + ord(ch)) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & 15

    return sorted(dict.fromkeys(names), key=bucket)


def assert_error_shape(error: dict[str, Any], error_type: str) -> None:
    assert error["source.type"] == "error"
    assert error["error_type"] == error_type
    assert error["failed_sensor_type"] == SENSOR
    assert uuid.UUID(error["guid"]).version == 4
    assert isinstance(error["timestamp"], int)
    assert error["hostname"]
    assert len(error["error_hash"]) == 64


# -- the happy path --------------------------------------------------------------------------


def test_message_gets_guid_original_string_and_source_type() -> None:
    result = process(runner(), "alpha,beta")
    assert result.errors == [] and result.filtered == 0
    (message,) = result.messages
    assert uuid.UUID(message.pop("guid")).version == 4
    assert message == {
        "first": "alpha",
        "second": "beta",
        "timestamp": TS,
        "original_string": "alpha,beta",
        "source.type": SENSOR,
    }


def test_null_original_string_is_replaced() -> None:
    # Metron's putIfAbsent treats a null value as absent
    (message,) = process(runner(), "nullorig,x").messages
    assert message["original_string"] == "nullorig,x"


def test_one_record_several_messages() -> None:
    result = process(runner(), "a,1;b,2;c,3")
    assert [m["first"] for m in result.messages] == ["a", "b", "c"]
    # original_string is the whole record for each (Metron's runner adds the raw message)
    assert {m["original_string"] for m in result.messages} == {"a,1;b,2;c,3"}
    assert len({m["guid"] for m in result.messages}) == 3


def test_read_charset() -> None:
    r = runner(parserConfig={"readCharset": "ISO-8859-1"})
    (message,) = process(r, "caf\xe9,x".encode("latin-1")).messages
    assert message["first"] == "café"
    assert message["original_string"] == "café,x"


def test_field_transformations_are_applied() -> None:
    r = runner(
        fieldTransformations=[
            {"transformation": "RENAME", "config": {"first": "user"}},
            {
                "transformation": "STELLAR",
                "output": ["user", "kind", "guid"],
                "config": {
                    "user": "TO_UPPER(user)",
                    "kind": "source.type",  # set before the transformations run
                    "guid": "'fixed-guid'",  # a transformation may set the guid
                },
            },
            {"transformation": "REMOVE", "input": "second"},
        ]
    )
    (message,) = process(r, "frank,x").messages
    assert message == {
        "user": "FRANK",
        "kind": SENSOR,
        "guid": "fixed-guid",
        "timestamp": TS,
        "original_string": "frank,x",
        "source.type": SENSOR,
    }


def test_transformation_sees_parser_config() -> None:
    r = runner(
        parserConfig={"site": "lab-3"},
        fieldTransformations=[
            {"transformation": "STELLAR", "output": "site", "config": {"site": "site"}}
        ],
    )
    assert process(r, "a,b").messages[0]["site"] == "lab-3"


def test_filter_counts_dropped_messages() -> None:
    r = runner(filterClassName="STELLAR", parserConfig={"filter.query": "first != 'noise'"})
    result = process(r, "noise,1;signal,2;noise,3")
    assert [m["first"] for m in result.messages] == ["signal"]
    assert result.filtered == 2
    assert result.errors == []


def test_filter_runs_before_validation() -> None:
    # a filtered message is not validated: no parser_invalid for it
    r = runner(filterClassName="STELLAR", parserConfig={"filter.query": "first != 'nots'"})
    result = process(r, "nots,1")
    assert (result.messages, result.errors, result.filtered) == ([], [], 1)


# -- errors ----------------------------------------------------------------------------------


def test_parser_validate_failure_is_parser_invalid() -> None:
    result = process(runner(), "nots,1")
    assert result.messages == []
    (error,) = result.errors
    assert_error_shape(error, "parser_invalid")
    raw = orjson.loads(error["raw_message"])
    assert raw["first"] == "nots" and raw["original_string"] == "nots,1"
    assert "error_fields" not in error
    assert "exception" not in error and "stack" not in error and "message" not in error


def test_field_validation_failure_lists_fields_and_hashes_them() -> None:
    global_config = {
        "fieldValidations": [
            {"input": ["second", "first"], "validation": "INTEGER"},
            {"input": "timestamp", "validation": "INTEGER"},
            {"input": ["zone"], "validation": "NOT_EMPTY"},
        ]
    }
    result = process(runner(global_config), "x1,y2")
    (error,) = result.errors
    assert_error_shape(error, "parser_invalid")
    # the failed validators' inputs, in Java HashSet order (timestamp passed)
    fields = java_hashset_order(["second", "first", "zone"])
    assert error["error_fields"] == ",".join(fields)
    values = {"first": "x1", "second": "y2", "zone": "null"}
    expected = "|".join(f"{name}-{values[name]}" for name in fields)
    assert error["error_hash"] == sha256(expected)
    assert orjson.loads(error["raw_message"])["first"] == "x1"


def test_field_validation_pass() -> None:
    global_config = {"fieldValidations": [{"input": "second", "validation": "INTEGER"}]}
    result = process(runner(global_config), "x,12")
    assert len(result.messages) == 1 and result.errors == []


def test_field_validation_sees_transformed_message() -> None:
    global_config = {
        "fieldValidations": [
            {
                "validation": "STELLAR",
                "config": {"condition": "exists(doubled) and doubled > limit"},
            }
        ],
        "limit": 10,
    }
    r = runner(
        global_config,
        fieldTransformations=[
            {
                "transformation": "STELLAR",
                "output": "doubled",
                "config": {"doubled": "TO_INTEGER(second) * 2"},
            }
        ],
    )
    assert len(process(r, "a,6").messages) == 1
    (error,) = process(r, "a,4").errors
    assert error["error_type"] == "parser_invalid"
    assert "error_fields" not in error  # a validation without input names no field


def test_parse_exception_is_parser_error_with_raw_message() -> None:
    result = process(runner(), "!broken")
    assert result.messages == []
    (error,) = result.errors
    assert_error_shape(error, "parser_error")
    assert error["raw_message"] == "!broken"
    assert error["error_hash"] == sha256("!broken")
    assert "cannot read" in error["message"]
    assert "ParserError" in error["exception"]
    assert error["stack"].startswith("ParserError: ") and "at parse (" in error["stack"]


def test_part_errors_sit_beside_good_messages() -> None:
    result = process(runner(), "a,1;garbage;b,2")
    assert [m["first"] for m in result.messages] == ["a", "b"]
    (error,) = result.errors
    assert error["error_type"] == "parser_error"
    assert error["raw_message"] == "garbage"
    assert "no comma" in error["message"]


def test_transformation_failure_is_parser_error() -> None:
    r = runner(
        fieldTransformations=[
            {"transformation": "STELLAR", "output": "h", "config": {"h": "URL_TO_HOST(7)"}}
        ]
    )
    (error,) = process(r, "a,b").errors
    assert error["error_type"] == "parser_error"
    assert error["raw_message"] == "a,b"
    assert "URL_TO_HOST(7)" in error["message"]


def test_filter_failure_is_parser_error() -> None:
    r = runner(filterClassName="STELLAR", parserConfig={"filter.query": "first"})
    (error,) = process(r, "a,b").errors
    assert error["error_type"] == "parser_error"
    assert "does not return a boolean" in error["message"]


# -- metadata --------------------------------------------------------------------------------

KAFKA = {"metron.metadata.topic": "pairs-in", "metron.metadata.partition": 3}


def test_default_strategy_ignores_metadata_unless_read() -> None:
    (message,) = process(runner(), "a,b", KAFKA).messages
    assert not any(k.startswith("metron.metadata") for k in message)


def test_default_strategy_merges_metadata_over_fields() -> None:
    r = runner(readMetadata=True, mergeMetadata=True)
    (message,) = process(r, "a,b", {**KAFKA, "first": "from-metadata"}).messages
    assert message["metron.metadata.topic"] == "pairs-in"
    assert message["metron.metadata.partition"] == 3
    assert message["first"] == "from-metadata"  # Metron's putAll: metadata wins


def test_read_but_unmerged_metadata_feeds_transformations_and_errors() -> None:
    r = runner(
        readMetadata=True,
        mergeMetadata=False,
        fieldTransformations=[
            {
                "transformation": "STELLAR",
                "output": "topic",
                "config": {"topic": "MAP_GET('metron.metadata.topic', _)"},
            }
        ],
    )
    (message,) = process(r, "a,b", KAFKA).messages
    assert message["topic"] == "pairs-in"
    assert "metron.metadata.topic" not in message
    (error,) = process(r, "nots,b", KAFKA).errors
    assert error["metron.metadata.topic"] == "pairs-in"
    (error,) = process(r, "!x", KAFKA).errors
    assert error["metron.metadata.partition"] == 3


def envelope(**fields: Any) -> bytes:
    return orjson.dumps(fields)


ENVELOPE = {"rawMessageStrategy": "ENVELOPE", "rawMessageStrategyConfig": {"messageField": "data"}}


def test_envelope_unwraps_the_message_field() -> None:
    r = runner(**ENVELOPE)
    raw = envelope(data="in,side", host="edge-7", original_string="edge-7 in,side")
    (message,) = process(r, raw, KAFKA).messages
    assert message["first"] == "in" and message["second"] == "side"
    # envelope fields and Kafka metadata are merged (ENVELOPE reads and merges by default)
    assert message["metron.metadata.host"] == "edge-7"
    assert message["metron.metadata.topic"] == "pairs-in"
    assert "metron.metadata.data" not in message
    # original_string comes from the envelope
    assert message["original_string"] == "edge-7 in,side"
    assert message["metron.metadata.original_string"] == "edge-7 in,side"


def test_envelope_without_original_string_uses_the_message_field() -> None:
    (message,) = process(runner(**ENVELOPE), envelope(data="p,q")).messages
    assert message["original_string"] == "p,q"


def test_envelope_merge_keeps_message_fields() -> None:
    r = runner(
        **{**ENVELOPE, "rawMessageStrategyConfig": {"messageField": "data", "metadataPrefix": ""}}
    )
    (message,) = process(r, envelope(data="mine,x", first="theirs", site="s1")).messages
    assert message["first"] == "mine"  # putIfAbsent: the parsed field wins
    assert message["site"] == "s1"


def test_envelope_custom_prefix() -> None:
    r = runner(
        **{
            **ENVELOPE,
            "rawMessageStrategyConfig": {"messageField": "data", "metadataPrefix": "env"},
        }
    )
    (message,) = process(r, envelope(data="a,b", host="h2", original_string="orig")).messages
    assert message["env.host"] == "h2"
    assert message["original_string"] == "orig"


def test_envelope_without_reading_metadata() -> None:
    r = runner(**ENVELOPE, readMetadata=False)
    (message,) = process(r, envelope(data="a,b", host="h", original_string="o"), KAFKA).messages
    assert not any(k.startswith("metron.metadata") for k in message)
    assert message["original_string"] == "a,b"


def test_envelope_read_but_not_merged() -> None:
    r = runner(**ENVELOPE, mergeMetadata=False)
    (message,) = process(r, envelope(data="a,b", host="h", original_string="o")).messages
    assert "metron.metadata.host" not in message
    assert message["original_string"] == "o"  # inherited even when not merged


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", envelope(other="a,b"), envelope(data=None), envelope(data={"x": 1})],
)
def test_bad_envelope_is_parser_error(raw: bytes) -> None:
    result = process(runner(**ENVELOPE), raw)
    assert result.messages == []
    (error,) = result.errors
    assert error["error_type"] == "parser_error"
    assert error["raw_message"] == raw.decode()


def test_envelope_parse_error_reports_the_inner_message() -> None:
    (error,) = process(runner(**ENVELOPE), envelope(data="!bad", host="h")).errors
    assert error["error_type"] == "parser_error"
    assert error["raw_message"] == "!bad"
    assert error["metron.metadata.host"] == "h"


def test_envelope_needs_a_message_field() -> None:
    r = runner(rawMessageStrategy="ENVELOPE")
    with pytest.raises(ConfigError, match="messageField"):
        process(r, envelope(data="a,b"))


# -- configuration ---------------------------------------------------------------------------


def test_bad_configs_fail_when_the_runner_is_built() -> None:
    with pytest.raises(ConfigError, match="did you mean 'STELLAR'"):
        runner(fieldTransformations=[{"transformation": "Stellar", "output": "x"}])
    with pytest.raises(ConfigError, match="filterClassName"):
        runner(filterClassName="stellar")
    with pytest.raises(ConfigError, match="fieldValidations"):
        runner({"fieldValidations": [{"input": "a"}]})


def test_unknown_sensor() -> None:
    with pytest.raises(ConfigError, match="not configured"):
        runner().process("other", b"a,b")
