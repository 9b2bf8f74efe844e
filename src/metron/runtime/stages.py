"""The pipeline's work on one batch of raw records: parse, enrich and triage, index.

:class:`Stages` is built from a config tree (the keys of :mod:`metron.config.store`) and
does, for a batch of one sensor's raw records, what ``metron parse | metron enrich |
metron index`` do: every record is parsed by its sensor's parser config, every message
enriched, threat-intelled and triaged by its sensor's enrichment config, and everything
written to the stores its indexing config names: the alert store at once (searchable as
soon as the transaction commits) and the lake through a buffer that :meth:`flush_lake`
empties.  Errors at any step become Metron's error messages, indexed as the ``error``
sensor, so nothing is dropped without a trace.

A record's messages (and error messages) get guids derived from the record's origin when
the source gives one (see :func:`metron.message.origin_guids`), so processing a batch
again after a crash replaces what it wrote instead of duplicating it.

One :class:`Stages` lives in each worker process (:mod:`metron.runtime.worker`); it is not
thread-safe.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metron.errors import ConfigError, MetronError
from metron.message import (
    GUID,
    SOURCE_TYPE,
    ErrorRecord,
    OriginGuids,
    dumps_kept,
    origin_guids,
)
from metron.runtime.metrics import Delta

if TYPE_CHECKING:
    from metron.parsing.config import SensorParserConfig
    from metron.search.documents import Handover

__all__ = [
    "ERROR_SENSOR",
    "Batch",
    "EnrichStage",
    "IndexStage",
    "ParseStage",
    "Stages",
    "check_buildable",
    "parser_sensors",
]

#: Error messages are indexed as this sensor (Metron's error topic and index).
ERROR_SENSOR = "error"


@dataclass
class Batch:
    """A source's batch on its way through the pipeline."""

    seq: int
    sensor: str
    records: list[bytes]
    #: each record's place in its source (see :mod:`metron.runtime.sources.base`), or None
    origins: Sequence[str] | None
    #: when the source emitted it (epoch seconds), for latencies
    emitted: float


def parser_sensors(tree: Mapping[str, Any]) -> list[str]:
    """The sensors the pipeline runs: those with a parser config, or with a sources config
    (which then use the built-in parser config of that name)."""
    names = {
        key.split("/", 1)[1]
        for key in tree
        if key.startswith("parsers/") or key.startswith("sources/")
    }
    return sorted(names)


class ParseStage:
    """Raw records to messages, by the sensors' parser configs."""

    def __init__(self, tree: Mapping[str, Any], sensors: Sequence[str] | None = None) -> None:
        from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
        from metron.parsing.runner import ParserRunner

        self.global_config: dict[str, Any] = dict(tree.get("global") or {})
        self.sensors = list(sensors) if sensors is not None else parser_sensors(tree)
        configs = {sensor: _parser_config(tree, sensor) for sensor in self.sensors}
        self.configs = configs
        self.parser = ParserRunner(configs, self.global_config)

    def process(
        self, batch: Batch, delta: Delta
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The messages and error messages of ``batch``."""
        sensor = batch.sensor
        messages: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        filtered = 0
        origins = batch.origins
        known = sensor in self.parser.sensors
        supply = OriginGuids(sensor)
        for i, record in enumerate(batch.records):
            guids = supply.at(origins[i]) if origins is not None else None
            if not known:
                errors.append(_unknown_sensor(sensor, record, guids))
                continue
            result = self.parser.process(sensor, record, guids=guids)
            messages += result.messages
            filtered += result.filtered
            if result.errors:
                errors += _with_guids(result.errors, guids)
        delta.count(
            sensor,
            "parser",
            in_=len(batch.records),
            out=len(messages),
            errors=len(errors),
            filtered=filtered,
        )
        delta.observe(sensor, "parser", time.time() - batch.emitted, len(batch.records))
        return messages, errors


class EnrichStage:
    """Messages enriched, threat-intelled and triaged by their sensors' enrichment configs
    (a message's ``source.type`` names its sensor), with the lookup store of the data
    directory when there is one."""

    def __init__(self, tree: Mapping[str, Any], config_dir: Path, data_dir: Path) -> None:
        from metron.enrichment.config import SensorEnrichmentConfig, parse_enrichment_config
        from metron.enrichment.host import known_hosts
        from metron.enrichment.lookup import default_lookup_path
        from metron.enrichment.runner import EnrichmentRunner
        from metron.enrichment.services import open_services
        from metron.stellar import StellarContext

        self._stack = ExitStack()
        try:
            global_config: dict[str, Any] = dict(tree.get("global") or {})
            configs = {
                key.split("/", 1)[1]: parse_enrichment_config(value, key)
                for key, value in tree.items()
                if key.startswith("enrichments/")
            }
            for sensor in parser_sensors(tree):
                configs.setdefault(sensor, SensorEnrichmentConfig())
            services, lookup = open_services(self._stack, global_config, data_dir)
            #: whether the lookup store was there when the stage was built
            self.lookup_path = default_lookup_path(data_dir)
            self.has_lookup = lookup is not None
            geo = services.get("geo")
            self.enricher = EnrichmentRunner(
                configs,
                global_config,
                lookup,
                geo.db if geo is not None else None,
                known_hosts(global_config, config_dir),
                StellarContext(global_config=global_config, services=services),
            )
        except BaseException:
            self._stack.close()
            raise

    def process(
        self, messages: list[dict[str, Any]], sensor: str, emitted: float, delta: Delta
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The enriched messages and the error messages (counted under ``sensor``)."""
        enriched: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for message in messages:
            result, failures = self.enricher.process(message)
            if result is not None:
                enriched.append(result)
            if failures:
                key = str(message.get(GUID, ""))
                errors += _with_guids(failures, origin_guids(ERROR_SENSOR, key))
        delta.count(sensor, "enrichment", in_=len(messages), out=len(enriched), errors=len(errors))
        delta.observe(sensor, "enrichment", time.time() - emitted, len(messages))
        return enriched, errors

    def lookup_appeared(self) -> bool:
        """Whether a lookup store was created since the stage was built (then it should
        be rebuilt, so threat intel loaded after the start applies)."""
        return not self.has_lookup and self.lookup_path.is_file()

    def close(self) -> None:
        self._stack.close()


class IndexStage:
    """Messages into the stores their sensors' indexing configs name: the alert store at
    once, the lake through a buffer that :meth:`flush_lake` writes."""

    def __init__(
        self, tree: Mapping[str, Any], data_dir: Path, *, lake_batch: int = 50_000
    ) -> None:
        from metron.indexing.config import parse_indexing_config
        from metron.lake.writer import LakeWriter
        from metron.search.documents import DocumentStore

        self.indexing = {
            key.split("/", 1)[1]: parse_indexing_config(value, key.split("/", 1)[1], key)
            for key, value in tree.items()
            if key.startswith("indexing/")
        }
        self.store = DocumentStore(
            data_dir / "alerts", global_config=tree.get("global") or {}, searchable=False
        )
        # the caller decides when the lake is written (its acks wait for it)
        self.lake = LakeWriter(data_dir / "lake", batch_size=1 << 62)
        self.lake_batch = lake_batch
        self.lake_rows = 0

    def write(
        self,
        messages: list[dict[str, Any]],
        sensor: str,
        handovers: list[Handover] | None = None,
    ) -> int:
        """Write ``messages`` (each to its ``source.type``'s stores, ``sensor`` for a
        message without one); how many.  What went into the alert store is appended to
        ``handovers`` (when given), for a process that searches the store (see
        :meth:`~metron.search.documents.DocumentStore.offer`)."""
        from metron.arrowjson import read_lines
        from metron.indexing.config import parse_indexing_config

        if not messages:
            return 0
        by_sensor: dict[str, list[dict[str, Any]]] = {}
        for message in messages:
            name = str(message.get(SOURCE_TYPE) or sensor)
            by_sensor.setdefault(name, []).append(message)
        for name, group in by_sensor.items():
            config = self.indexing.get(name)
            if config is None:  # Metron's defaults: every writer, index named as the sensor
                config = self.indexing[name] = parse_indexing_config(None, name)
            # One JSON text per message: stored as it is, and the lake's table is read
            # from the same texts (plain JSON values, not Stellar's own types).
            texts = [dumps_kept(m) for m in group]
            # ... read into a table once for the process that searches (see Handover)
            # and for the lake, which would otherwise each read them again
            searched = config.alert_store is not None and handovers is not None
            table = read_lines(texts) if searched else None
            if config.alert_store is not None:
                handover = self.store.add_texts(config.alert_store.index, group, texts, table)
                if handovers is not None and handover is not None:
                    handovers.append(handover)
            if config.lake is not None:
                self.lake.write_lines(config.lake.index, texts, table)
                self.lake_rows += len(group)
        return len(messages)

    def lake_full(self) -> bool:
        """Whether the lake buffer should be written now."""
        return self.lake_rows >= self.lake_batch

    def flush_lake(self) -> None:
        """Write everything buffered for the lake."""
        if self.lake_rows:
            self.lake.flush()
            self.lake_rows = 0

    def close(self) -> None:
        """Write what the lake holds and release the alert store."""
        try:
            self.flush_lake()
        finally:
            self.store.close()


class Stages:
    """Parse → enrich → index for batches of raw records, all in one process (the
    embedded platform's workers); see the module docstring."""

    def __init__(self, tree: Mapping[str, Any], config_dir: Path, data_dir: Path) -> None:
        self.parse = ParseStage(tree)
        self.enrich = EnrichStage(tree, config_dir, data_dir)
        try:
            self.index = IndexStage(tree, data_dir)
        except BaseException:
            self.enrich.close()
            raise

    @property
    def lake_rows(self) -> int:
        return self.index.lake_rows

    def lake_full(self) -> bool:
        return self.index.lake_full()

    def flush_lake(self) -> None:
        self.index.flush_lake()

    def lookup_appeared(self) -> bool:
        return self.enrich.lookup_appeared()

    def close(self) -> None:
        """Write what the lake holds and release the stores."""
        try:
            self.index.close()
        finally:
            self.enrich.close()

    def process(self, batch: Batch, delta: Delta) -> list[Handover]:
        """Parse, enrich and index ``batch``; the alert store holds it on return, the lake
        once :meth:`flush_lake` has run.  Counts go to ``delta``.  Returns what was
        written to the alert store, for the process that searches it."""
        sensor = batch.sensor
        messages, errors = self.parse.process(batch, delta)
        enriched, problems = self.enrich.process(messages, sensor, batch.emitted, delta)
        errors += problems
        handovers: list[Handover] = []
        written = self.index.write(enriched, sensor, handovers)
        written += self.index.write(errors, ERROR_SENSOR, handovers)
        delta.count(sensor, "indexing", in_=len(enriched) + len(errors), out=written)
        delta.observe(sensor, "indexing", time.time() - batch.emitted, len(enriched) + len(errors))
        return handovers


def _parser_config(tree: Mapping[str, Any], sensor: str) -> SensorParserConfig:
    """``sensor``'s parser config from the tree, else the built-in one of that name."""
    from metron.parsing.config import load_sensor_config, parse_sensor_config

    raw = tree.get(f"parsers/{sensor}")
    if raw is not None:
        return parse_sensor_config(raw, f"parsers/{sensor}")
    return load_sensor_config(sensor)


def _unknown_sensor(sensor: str, record: bytes, guids: Iterator[str] | None) -> dict[str, Any]:
    error = ConfigError(f"no parser config for sensor '{sensor}'")
    message = ErrorRecord("parser_error", [sensor], [record], exception=error).to_message()
    if guids is not None:
        message[GUID] = next(guids)
    return message


def _with_guids(
    errors: Sequence[dict[str, Any]], guids: Iterator[str] | None
) -> list[dict[str, Any]]:
    """Error messages with guids from ``guids`` (when given), so a replay replaces them."""
    if guids is not None:
        for error in errors:
            error[GUID] = next(guids)
    return list(errors)


def check_buildable(tree: Mapping[str, Any], config_dir: Path) -> list[str]:
    """Problems building the parser and enrichment stages from ``tree`` that validation
    does not catch (a parser that rejects its parserConfig, a bad Stellar expression)."""
    from metron.enrichment.config import parse_enrichment_config
    from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
    from metron.parsing.runner import ParserRunner

    problems: list[str] = []
    for sensor in parser_sensors(tree):
        try:
            ParserRunner({sensor: _parser_config(tree, sensor)}, dict(tree.get("global") or {}))
        except MetronError as e:
            problems.append(f"parsers/{sensor}: {e}")
        key = f"enrichments/{sensor}"
        if key in tree:
            try:
                parse_enrichment_config(tree[key], key)
            except MetronError as e:
                problems.append(str(e))
    return problems
