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
from typing import Any

import orjson

from metron.errors import ConfigError, MetronError
from metron.message import GUID, SOURCE_TYPE, ErrorRecord, dumps, origin_guids
from metron.runtime.metrics import Delta

__all__ = ["ERROR_SENSOR", "Batch", "Stages", "parser_sensors"]

#: Error messages are indexed as this sensor (Metron's error topic and index).
ERROR_SENSOR = "error"


@dataclass
class Batch:
    """A source's batch on its way through the pipeline."""

    seq: int
    sensor: str
    records: list[bytes]
    #: each record's place in its source (see :mod:`metron.runtime.sources.base`), or None
    origins: list[str] | None
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


class Stages:
    """Parse → enrich → index for batches of raw records (see the module docstring)."""

    def __init__(
        self,
        tree: Mapping[str, Any],
        config_dir: Path,
        data_dir: Path,
        *,
        lake_batch: int = 50_000,
    ) -> None:
        from metron.enrichment.config import SensorEnrichmentConfig, parse_enrichment_config
        from metron.enrichment.host import known_hosts
        from metron.enrichment.lookup import default_lookup_path
        from metron.enrichment.runner import EnrichmentRunner
        from metron.enrichment.services import open_services
        from metron.indexing.config import parse_indexing_config
        from metron.lake.writer import LakeWriter
        from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
        from metron.parsing.config import load_sensor_config, parse_sensor_config
        from metron.parsing.runner import ParserRunner
        from metron.search.documents import DocumentStore
        from metron.stellar import StellarContext

        self._stack = ExitStack()
        try:
            self.global_config: dict[str, Any] = dict(tree.get("global") or {})
            self.sensors = parser_sensors(tree)
            parser_configs = {}
            for sensor in self.sensors:
                raw = tree.get(f"parsers/{sensor}")
                parser_configs[sensor] = (
                    parse_sensor_config(raw, f"parsers/{sensor}")
                    if raw is not None
                    else load_sensor_config(sensor)
                )
            enrichment_configs = {
                sensor: (
                    parse_enrichment_config(tree[f"enrichments/{sensor}"], f"enrichments/{sensor}")
                    if f"enrichments/{sensor}" in tree
                    else SensorEnrichmentConfig()
                )
                for sensor in self.sensors
            }
            self.indexing = {
                sensor: parse_indexing_config(
                    tree.get(f"indexing/{sensor}"), sensor, f"indexing/{sensor}"
                )
                for sensor in [*self.sensors, ERROR_SENSOR]
            }
            self.parser = ParserRunner(parser_configs, self.global_config)
            services, lookup = open_services(self._stack, self.global_config, data_dir)
            #: whether threat intel / enrichment data were there when the stages were built
            self.lookup_path = default_lookup_path(data_dir)
            self.has_lookup = lookup is not None
            geo = services.get("geo")
            context = StellarContext(global_config=self.global_config, services=services)
            self.enricher = EnrichmentRunner(
                enrichment_configs,
                self.global_config,
                lookup,
                geo.db if geo is not None else None,
                known_hosts(self.global_config, config_dir),
                context,
            )
            self.store = self._stack.enter_context(
                DocumentStore(
                    data_dir / "alerts", global_config=self.global_config, searchable=False
                )
            )
            # the worker decides when the lake is written (its acks wait for it)
            self.lake = LakeWriter(data_dir / "lake", batch_size=1 << 62)
            self.lake_batch = lake_batch
            self.lake_rows = 0
        except BaseException:
            self._stack.close()
            raise

    def close(self) -> None:
        """Write what the lake holds and release the stores."""
        try:
            self.flush_lake()
        finally:
            self._stack.close()

    def lookup_appeared(self) -> bool:
        """Whether a lookup store was created since the stages were built (then they should
        be rebuilt, so threat intel loaded after the start applies)."""
        return not self.has_lookup and self.lookup_path.is_file()

    # ------------------------------------------------------------------ the work

    def process(self, batch: Batch, delta: Delta) -> None:
        """Parse, enrich and index ``batch``; the alert store holds it on return, the lake
        once :meth:`flush_lake` has run.  Counts go to ``delta``."""
        sensor = batch.sensor
        messages: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        filtered = 0
        origins = batch.origins
        known = sensor in self.parser.sensors
        for i, record in enumerate(batch.records):
            guids = origin_guids(sensor, origins[i]) if origins is not None else None
            if not known:
                errors.append(self._unknown_sensor(sensor, record, guids))
                continue
            result = self.parser.process(sensor, record, guids=guids)
            messages += result.messages
            filtered += result.filtered
            if result.errors:
                errors += _with_guids(result.errors, guids)
        now = time.time()
        delta.count(
            sensor,
            "parser",
            in_=len(batch.records),
            out=len(messages),
            errors=len(errors),
            filtered=filtered,
        )
        delta.observe(sensor, "parser", now - batch.emitted, len(batch.records))

        enriched: list[dict[str, Any]] = []
        problems = 0
        for message in messages:
            result_message, failures = self.enricher.process(message)
            if result_message is not None:
                enriched.append(result_message)
            if failures:
                problems += len(failures)
                key = str(message.get(GUID, ""))
                errors += _with_guids(failures, origin_guids(ERROR_SENSOR, key))
        now = time.time()
        delta.count(sensor, "enrichment", in_=len(messages), out=len(enriched), errors=problems)
        delta.observe(sensor, "enrichment", now - batch.emitted, len(messages))

        written = self._index(enriched, sensor) + self._index(errors, ERROR_SENSOR)
        now = time.time()
        delta.count(sensor, "indexing", in_=len(enriched) + len(errors), out=written)
        delta.observe(sensor, "indexing", now - batch.emitted, len(enriched) + len(errors))

    def _index(self, messages: list[dict[str, Any]], sensor: str) -> int:
        """Write ``messages`` (all of ``sensor``, or errors) to their stores; how many."""
        if not messages:
            return 0
        by_sensor: dict[str, list[dict[str, Any]]] = {}
        for message in messages:
            name = str(message.get(SOURCE_TYPE) or sensor)
            by_sensor.setdefault(name, []).append(message)
        for name, group in by_sensor.items():
            config = self.indexing.get(name)
            if config is None:  # a chained parser's inner sensor, or an odd source.type
                from metron.indexing.config import parse_indexing_config

                config = self.indexing[name] = parse_indexing_config(None, name)
            # One JSON text per message: stored as it is, and read back for the lake so
            # that it holds plain JSON values (not Stellar's own types).
            texts = [dumps(m) for m in group]
            if config.alert_store is not None:
                index = config.alert_store.index
                self.store.add_many(((index, m) for m in group), texts)
            if config.lake is not None:
                self.lake.write(config.lake.index, [orjson.loads(t) for t in texts])
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

    def _unknown_sensor(
        self, sensor: str, record: bytes, guids: Iterator[str] | None
    ) -> dict[str, Any]:
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
    from metron.parsing.config import load_sensor_config, parse_sensor_config
    from metron.parsing.runner import ParserRunner

    problems: list[str] = []
    configs = {}
    for sensor in parser_sensors(tree):
        raw = tree.get(f"parsers/{sensor}")
        try:
            configs[sensor] = (
                parse_sensor_config(raw, f"parsers/{sensor}")
                if raw is not None
                else load_sensor_config(sensor)
            )
            ParserRunner({sensor: configs[sensor]}, dict(tree.get("global") or {}))
        except MetronError as e:
            problems.append(f"parsers/{sensor}: {e}")
        key = f"enrichments/{sensor}"
        if key in tree:
            try:
                parse_enrichment_config(tree[key], key)
            except MetronError as e:
                problems.append(str(e))
    return problems
