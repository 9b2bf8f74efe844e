"""The parser runner: Metron's per-record order, for one sensor or several (aggregation).

For each raw record: the raw-message strategy (``DEFAULT``, or ``ENVELOPE`` unwrapping a
JSON envelope) gives the data and its metadata; the parser turns it into messages; then,
per message: merge metadata, set ``source.type``, apply field transformations, add
``guid`` and ``original_string``, apply the message filter, validate (the parser's own
check, then the global ``fieldValidations``), and emit the message or a ``parser_invalid``
error.  A record the parser cannot read becomes a ``parser_error``.  Nothing is dropped
silently: filtered messages are counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from metron.errors import ConfigError
from metron.message import GUID, ORIGINAL_STRING, SOURCE_TYPE, ErrorRecord, new_guid
from metron.parsing.base import PARSERS, Parser
from metron.parsing.config import SensorParserConfig
from metron.parsing.filters import MessageFilter, build_filter
from metron.parsing.transformations import FieldTransformer, build_transformers
from metron.parsing.validations import FieldValidator, build_validators
from metron.stellar.context import StellarContext
from metron.stellar.serialize import from_json
from metron.stellar.types import java_hashmap_order

__all__ = ["METADATA_PREFIX", "ParserRunner", "RunnerResult", "SensorRunner", "parser_for"]

METADATA_PREFIX = "metron.metadata"
_NO_METADATA: Mapping[str, Any] = {}


@dataclass
class RunnerResult:
    """What one raw record produced: messages, error messages, and how many were filtered."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    filtered: int = 0


def parser_for(config: SensorParserConfig) -> Parser:
    """Build the parser a config names (Metron class name or short name)."""
    spec = PARSERS.get(config.parserClassName)
    if spec is None:
        close = PARSERS.closest(config.parserClassName)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ConfigError(f"parserClassName '{config.parserClassName}' is not a known parser{hint}")
    try:
        return spec.cls(config.parserConfig)
    except ConfigError:
        raise
    except Exception as e:
        raise ConfigError(f"parser '{spec.name}' rejected its parserConfig: {e}") from None


class SensorRunner:
    """Everything needed to run one sensor's records."""

    def __init__(
        self,
        sensor: str,
        config: SensorParserConfig,
        context: StellarContext,
        validators: list[FieldValidator],
    ) -> None:
        self.sensor = sensor
        self.config = config
        self.context = context
        self.parser = parser_for(config)
        spec = PARSERS.get(config.parserClassName)
        self.binary = bool(spec and spec.binary)  # binary records are shown in errors as decoded
        self.transformers: list[FieldTransformer] = build_transformers(
            config.fieldTransformations, context
        )
        self.filter: MessageFilter | None = build_filter(
            config.filterClassName, config.parserConfig, context
        )
        self.validators = validators
        self.read_metadata = config.read_metadata
        self.merge_metadata = config.merge_metadata
        strategy_config = config.rawMessageStrategyConfig
        prefix = strategy_config.get("metadataPrefix", METADATA_PREFIX)
        self.prefix: str | None = prefix or None
        self.plain = config.rawMessageStrategy == "DEFAULT" and not self.read_metadata

    # -- raw message strategies ----------------------------------------------------------

    def unwrap(
        self, raw: bytes, metadata: Mapping[str, Any]
    ) -> tuple[bytes | None, dict[str, Any]]:
        """The data to parse and its metadata, as the raw-message strategy defines them."""
        if self.config.rawMessageStrategy == "DEFAULT":
            return raw, dict(metadata) if self.read_metadata else {}
        field_name = self.config.rawMessageStrategyConfig.get("messageField")
        if not field_name:
            raise ConfigError(
                f"sensor '{self.sensor}': rawMessageStrategy ENVELOPE needs"
                " rawMessageStrategyConfig.messageField"
            )
        envelope = from_json(raw)
        if not isinstance(envelope, dict):
            raise ValueError("expected a JSON map as the envelope")
        found: dict[str, Any] = dict(metadata)
        data = None
        for key, value in envelope.items():
            if key == field_name:
                data = value
            found[self._prefixed(key)] = value
        if not isinstance(data, str):
            # Metron fails on a missing, null or non-string message field (its strategy
            # returns no message, or the cast to String throws): a parser_error
            what = "no" if data is None else f"a non-string ({type(data).__name__})"
            raise ValueError(f"the envelope has {what} '{field_name}' field")
        if not self.read_metadata:
            return str(data).encode(), {}
        found.pop(self._prefixed(field_name), None)
        return str(data).encode(), found

    def _prefixed(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def _merge(self, message: dict[str, Any], metadata: Mapping[str, Any]) -> None:
        if self.config.rawMessageStrategy == "DEFAULT":
            if self.merge_metadata:
                message.update(metadata)
            return
        if self.merge_metadata:
            for key, value in metadata.items():
                message.setdefault(key, value)
        original = metadata.get(self._prefixed(ORIGINAL_STRING))
        if original is not None:
            message[ORIGINAL_STRING] = original

    # -- one record ----------------------------------------------------------------------

    def process(
        self,
        raw: bytes,
        metadata: Mapping[str, Any],
        global_config: Mapping[str, Any],
        guids: Iterator[str] | None = None,
    ) -> RunnerResult:
        result = RunnerResult()
        if self.plain:  # DEFAULT strategy without metadata: the common case, kept cheap
            data: bytes | None = raw
            meta: Mapping[str, Any] = _NO_METADATA
        else:
            try:
                data, meta = self.unwrap(raw, metadata)
            except ConfigError:
                raise
            except Exception as e:
                result.errors.append(self._error("parser_error", [raw], e, metadata))
                return result
        if data is None:
            return result
        try:
            parsed = self.parser.parse(data)
        except Exception as e:
            raw_text: Any = self.parser.decode(data) if self.binary else data
            result.errors.append(self._error("parser_error", [raw_text], e, meta))
            return result
        for message in parsed.messages:
            self._finish(message, data, meta, global_config, result, guids)
        for part, exc in parsed.errors:
            result.errors.append(self._error("parser_error", [part], exc, meta))
        return result

    def _finish(
        self,
        message: dict[str, Any],
        data: bytes,
        meta: Mapping[str, Any],
        global_config: Mapping[str, Any],
        result: RunnerResult,
        guids: Iterator[str] | None,
    ) -> None:
        if meta:
            self._merge(message, meta)
        message[SOURCE_TYPE] = self.sensor
        try:
            for transformer in self.transformers:
                transformer.transform(
                    message, self.config.parserConfig, {} if self.merge_metadata else meta
                )
        except Exception as e:
            result.errors.append(self._error("parser_error", [data], e, meta))
            return
        if GUID not in message:
            message[GUID] = new_guid() if guids is None else next(guids)
        if message.get(ORIGINAL_STRING) is None:  # Java putIfAbsent also replaces a null
            message[ORIGINAL_STRING] = self.parser.decode(data)
        try:
            if self.filter is not None and not self.filter.emit(message):
                result.filtered += 1
                return
            if not self.parser.validate(message):
                result.errors.append(self._error("parser_invalid", [message], None, meta))
                return
            failed = (
                [v for v in self.validators if not v.is_valid(message, global_config)]
                if self.validators
                else None
            )
        except Exception as e:
            result.errors.append(self._error("parser_error", [data], e, meta))
            return
        if failed:
            # Metron collects the fields in a HashSet: its order makes error_fields/error_hash
            fields = list(java_hashmap_order(dict.fromkeys(n for v in failed for n in v.inputs)))
            result.errors.append(
                self._error("parser_invalid", [message], None, meta, error_fields=fields or None)
            )
            return
        result.messages.append(message)

    def _error(
        self,
        error_type: str,
        raws: list[Any],
        exc: BaseException | None,
        meta: Mapping[str, Any],
        error_fields: list[str] | None = None,
    ) -> dict[str, Any]:
        return ErrorRecord(
            error_type=error_type,
            sensor_types=[self.sensor],
            raw_messages=raws,
            exception=exc,
            error_fields=error_fields,
            metadata=meta,
        ).to_message()


class ParserRunner:
    """Runs one or several sensors (Metron's aggregated parser topology) in one process."""

    def __init__(
        self,
        configs: Mapping[str, SensorParserConfig],
        global_config: Mapping[str, Any] | None = None,
        context: StellarContext | None = None,
    ) -> None:
        self.global_config: dict[str, Any] = dict(global_config or {})
        self.context = context or StellarContext(global_config=self.global_config)
        validators = build_validators(self.global_config, self.context)
        self.sensors = {
            name: SensorRunner(name, config, self.context, validators)
            for name, config in configs.items()
        }
        self._topics = {(r.config.sensorTopic or name): r for name, r in self.sensors.items()}
        #: the sensors whose messages may go on to another sensor (see :meth:`_route`);
        #: a runner of one sensor routes nothing
        self._chained = (
            {name for name, runner in self.sensors.items() if self._chains(runner)}
            if len(self.sensors) > 1
            else set()
        )

    def process(
        self,
        sensor: str,
        raw: bytes,
        metadata: Mapping[str, Any] | None = None,
        guids: Iterator[str] | None = None,
    ) -> RunnerResult:
        """Parse one raw record of ``sensor``; with several sensors, chain them.

        ``guids``, when given, supplies the guids of the messages (else they are random):
        the pipeline derives them from the record's place in its source, so a replayed
        record yields the same guids.

        Parser chaining as Metron does it over Kafka: a message whose output topic (the
        parserConfig's ``kafka.topicField`` value, else ``kafka.topic``, else
        ``outputTopic``) is another configured sensor's input topic is handed to that
        sensor as its raw record; a message whose ``kafka.topicField`` is empty is dropped
        (counted as filtered).
        """
        runner = self.sensors.get(sensor)
        if runner is None:
            raise ConfigError(f"sensor '{sensor}' is not configured in this runner")
        result = runner.process(raw, metadata or {}, self.global_config, guids)
        if sensor not in self._chained:
            return result
        return self._route(runner, result, 0, guids)

    def _chains(self, runner: SensorRunner) -> bool:
        """Whether :meth:`_route` may do more than pass ``runner``'s messages on: its
        messages name their topic, or its fixed output topic is another sensor's input."""
        parser_config = runner.config.parserConfig
        if parser_config.get("kafka.topicField"):
            return True
        topic = parser_config.get("kafka.topic") or runner.config.outputTopic
        target = self._topics.get(str(topic)) if topic else None
        return target is not None and target is not runner

    def _route(
        self,
        runner: SensorRunner,
        result: RunnerResult,
        depth: int,
        guids: Iterator[str] | None,
    ) -> RunnerResult:
        routed = RunnerResult(errors=result.errors, filtered=result.filtered)
        parser_config = runner.config.parserConfig
        topic_field = parser_config.get("kafka.topicField")
        for message in result.messages:
            if topic_field:
                topic = message.get(topic_field)
                if not topic:
                    routed.filtered += 1
                    continue
            else:
                topic = parser_config.get("kafka.topic") or runner.config.outputTopic
            target = self._topics.get(str(topic)) if topic else None
            if target is None or target is runner or depth >= 8:
                routed.messages.append(message)
                continue
            raw = orjson.dumps(message, default=str)
            inner = target.process(raw, {}, self.global_config, guids)
            inner = self._route(target, inner, depth + 1, guids)
            routed.messages.extend(inner.messages)
            routed.errors.extend(inner.errors)
            routed.filtered += inner.filtered
        return routed
