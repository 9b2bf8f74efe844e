"""Where a sensor's raw telemetry comes from: ``sources/<sensor>.json``.

Metron's parser config names only a Kafka topic (``sensorTopic``), and its keys are kept
exactly as Metron has them, so files, directories, syslog, standard input and Kafka
subscriptions are configured beside it, in a config type of their own::

    {"sources": [
        {"type": "file", "path": "/var/log/squid/access.log", "start": "end"},
        {"type": "syslog", "protocol": "tcp", "port": 5514,
         "tls": {"cert": "tls/server.pem", "key": "tls/server.key"}}
    ]}

Entry types and their keys (defaults in brackets):

- ``file``: ``path``, ``start`` (``beginning`` | ``end``) [beginning], ``batchSize`` [4000]
  (and at most 8 MiB of lines a batch).
- ``directory``: ``path``, ``pattern`` (a glob) [``*``], ``batchSize`` [1000].
- ``syslog``: ``protocol`` (``udp`` | ``tcp``) [udp], ``host`` [0.0.0.0], ``port`` [514],
  ``tls`` (tcp only: ``cert``, ``key``, optional ``ca`` requiring client certificates),
  ``batchSize`` [1000], ``maxDelayMs`` [200].
- ``kafka``: exactly one of ``topic``, ``topics`` (a list) or ``pattern`` (a regex matched
  from the start of topic names); ``brokers`` [the global config's ``kafka.brokers``, else
  ``$METRON_KAFKA_BROKERS``], ``group`` [metron_parsers], ``start`` (``earliest`` |
  ``latest``) [earliest], ``batchSize`` [1000], ``maxDelayMs`` [200].
- ``stdin``: ``batchSize`` [1000].
- ``demo``: ``rate`` (records per second) [10]: synthetic telemetry for one of the demo's
  sensors (see :mod:`metron.runtime.demo`; ``metron run --demo`` writes these).
- ``http``: no keys.  Every sensor with a parser config accepts ``POST /ingest/<sensor>``
  whether or not it lists ``http``: one HTTP ingest source serves all sensors, so the
  entry only documents that the sensor is fed that way and builds nothing.

Relative paths (``path``, TLS files) resolve against the config directory; file and
directory checkpoints go to ``<data dir>/checkpoints``.  A sensor without a sources config
reads its parser config's ``sensorTopic`` from Kafka when brokers are configured
(:func:`implied_sources`); ``{"sources": []}`` turns that off.
"""

from __future__ import annotations

import difflib
import os
import re
import ssl
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from metron.errors import ConfigError
from metron.parsing.config import SensorParserConfig
from metron.runtime.sources.base import Source

__all__ = [
    "BROKERS_ENV",
    "BuildContext",
    "DemoEntry",
    "DirectoryEntry",
    "FileEntry",
    "HttpEntry",
    "KafkaEntry",
    "SourcesConfig",
    "StdinEntry",
    "SyslogEntry",
    "TlsEntry",
    "build_sources",
    "check_sources",
    "implied_sources",
    "kafka_brokers",
    "parse_sources",
]

#: The environment variable naming Kafka brokers when neither the entry nor the global
#: config does.
BROKERS_ENV = "METRON_KAFKA_BROKERS"


def _at_least(low: int) -> AfterValidator:
    def check(value: int) -> int:
        if value < low:
            raise PydanticCustomError("range", f"must be at least {low}, got {value}")
        return value

    return AfterValidator(check)


def _port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise PydanticCustomError("range", f"must be 1-65535, got {value}")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


BatchSize = Annotated[int, _at_least(1)]
DelayMs = Annotated[int, _at_least(0)]
Port = Annotated[int, AfterValidator(_port)]
Text = Annotated[str, AfterValidator(_not_blank)]


@dataclass(frozen=True)
class BuildContext:
    """What building an entry needs beside the entry: the sensor, the entry's name for
    errors (``sources/bro.json: sources[1]``), the directories and the global config."""

    sensor: str
    where: str
    config_dir: Path
    checkpoints: Path
    global_config: Mapping[str, Any]

    def resolve(self, path: str) -> Path:
        """``path`` with ``~`` expanded, relative to the config directory."""
        resolved = Path(path).expanduser()
        return resolved if resolved.is_absolute() else self.config_dir / resolved


class _Model(BaseModel):
    # strict: "port": "514" is a mistake to report, not a string to convert
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# Each entry builds its source, importing the source's module only then: validating
# configs (metron config validate) should not load confluent-kafka.
class _Entry(_Model):
    @abstractmethod
    def build(self, context: BuildContext) -> Source | None:
        """The source this entry describes, not started (None: nothing to start)."""


class FileEntry(_Entry):
    """A log file tailed as it grows (:class:`~metron.runtime.sources.files.FileTailSource`)."""

    type: Literal["file"]
    path: Text
    start: Literal["beginning", "end"] = "beginning"
    batchSize: BatchSize = 4000  # files.DEFAULT_BATCH

    def build(self, context: BuildContext) -> Source:
        from metron.runtime.sources.files import FileTailSource

        return FileTailSource(
            context.sensor,
            context.resolve(self.path),
            context.checkpoints,
            batch_size=self.batchSize,
            start_at=self.start,
        )


class DirectoryEntry(_Entry):
    """Every file of a directory, read once
    (:class:`~metron.runtime.sources.directory.DirectorySource`)."""

    type: Literal["directory"]
    path: Text
    pattern: Text = "*"
    batchSize: BatchSize = 1000

    def build(self, context: BuildContext) -> Source:
        from metron.runtime.sources.directory import DirectorySource

        return DirectorySource(
            context.sensor,
            context.resolve(self.path),
            context.checkpoints,
            pattern=self.pattern,
            batch_size=self.batchSize,
        )


class TlsEntry(_Model):
    """The server certificate and key of a TLS syslog listener; with ``ca``, clients must
    present a certificate it signed."""

    cert: Text
    key: Text
    ca: Text | None = None

    def context(self, context: BuildContext) -> ssl.SSLContext:
        from metron.runtime.sources.syslog import server_tls_context

        cert, key = context.resolve(self.cert), context.resolve(self.key)
        ca = context.resolve(self.ca) if self.ca is not None else None
        try:
            return server_tls_context(str(cert), str(key), str(ca) if ca else None)
        except (OSError, ssl.SSLError) as e:
            raise ConfigError(
                f"{context.where}.tls: cannot load the certificate, key or CA"
                f" ({getattr(e, 'strerror', None) or e}); cert={cert}, key={key}"
                + (f", ca={ca}" if ca else "")
            ) from None


class SyslogEntry(_Entry):
    """A syslog listener (:mod:`metron.runtime.sources.syslog`)."""

    type: Literal["syslog"]
    protocol: Literal["udp", "tcp"] = "udp"
    host: Text = "0.0.0.0"
    port: Port = 514
    tls: TlsEntry | None = None
    batchSize: BatchSize = 1000
    maxDelayMs: DelayMs = 200

    @field_validator("tls")
    @classmethod
    def _tls_needs_tcp(cls, value: TlsEntry | None, info: ValidationInfo) -> TlsEntry | None:
        if value is not None and info.data.get("protocol") == "udp":
            raise PydanticCustomError("tls_udp", 'TLS needs "protocol": "tcp"')
        return value

    def build(self, context: BuildContext) -> Source:
        from metron.runtime.sources.syslog import TcpSyslogSource, UdpSyslogSource

        delay = self.maxDelayMs / 1000
        if self.protocol == "udp":
            return UdpSyslogSource(
                context.sensor, self.host, self.port, batch_size=self.batchSize, max_delay=delay
            )
        return TcpSyslogSource(
            context.sensor,
            self.host,
            self.port,
            tls=self.tls.context(context) if self.tls is not None else None,
            batch_size=self.batchSize,
            max_delay=delay,
        )


class KafkaEntry(_Entry):
    """Kafka topics (:class:`~metron.runtime.sources.kafka.KafkaSource`)."""

    type: Literal["kafka"]
    topic: Text | None = None
    topics: Annotated[list[Text], Field(min_length=1)] | None = None
    pattern: Text | None = None
    brokers: Text | None = None
    group: Text = "metron_parsers"
    start: Literal["earliest", "latest"] = "earliest"
    batchSize: BatchSize = 1000
    maxDelayMs: Annotated[int, _at_least(1)] = 200

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as e:
                raise PydanticCustomError("regex", f"not a valid regex: {e}") from None
        return value

    @model_validator(mode="after")
    def _one_subscription(self) -> KafkaEntry:
        given = [k for k in ("topic", "topics", "pattern") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "subscription",
                "give exactly one of topic, topics or pattern"
                + (f" (got {', '.join(given)})" if given else ""),
            )
        return self

    def subscriptions(self) -> list[str]:
        """The topic names, or the regex in librdkafka's form (a leading ``^``)."""
        if self.pattern is not None:
            return [self.pattern if self.pattern.startswith("^") else f"^{self.pattern}"]
        if self.topics is not None:
            return list(self.topics)
        return [self.topic] if self.topic is not None else []

    def build(self, context: BuildContext) -> Source:
        from metron.runtime.sources.kafka import KafkaSource

        brokers = self.brokers or kafka_brokers(context.global_config)
        if brokers is None:
            raise ConfigError(
                f'{context.where}: no Kafka brokers: set "brokers" here, "kafka.brokers" in'
                f" global.json, or ${BROKERS_ENV}"
            )
        return KafkaSource(
            brokers,
            [(context.sensor, topic) for topic in self.subscriptions()],
            self.group,
            batch_size=self.batchSize,
            max_delay=self.maxDelayMs / 1000,
            start=self.start,
        )


class StdinEntry(_Entry):
    """Lines of standard input (:class:`~metron.runtime.sources.stdin.StdinSource`)."""

    type: Literal["stdin"]
    batchSize: BatchSize = 1000

    def build(self, context: BuildContext) -> Source:
        from metron.runtime.sources.stdin import StdinSource

        return StdinSource(context.sensor, batch_size=self.batchSize)


class HttpEntry(_Entry):
    """``POST /ingest/<sensor>``: documentation only, every sensor accepts it."""

    type: Literal["http"]

    def build(self, context: BuildContext) -> None:
        return None  # the one HTTP ingest source of the runtime serves every sensor


def _positive(value: float) -> float:
    if not value > 0:
        raise PydanticCustomError("range", f"must be above 0, got {value}")
    return value


class DemoEntry(_Entry):
    """Synthetic live telemetry for one of the demo's sensors
    (:class:`~metron.runtime.demo.DemoSource`), ``rate`` records per second."""

    type: Literal["demo"]
    rate: Annotated[float, AfterValidator(_positive)] = 10.0

    def build(self, context: BuildContext) -> Source:
        from metron.runtime.demo import DemoSource

        return DemoSource([context.sensor], rate=self.rate)


SourceEntry = Annotated[
    FileEntry | DirectoryEntry | SyslogEntry | KafkaEntry | StdinEntry | HttpEntry | DemoEntry,
    Field(discriminator="type"),
]
_ENTRIES: dict[str, type[_Model]] = {
    "file": FileEntry,
    "directory": DirectoryEntry,
    "syslog": SyslogEntry,
    "kafka": KafkaEntry,
    "stdin": StdinEntry,
    "http": HttpEntry,
    "demo": DemoEntry,
}


class SourcesConfig(_Model):
    """A sensor's ``sources/<sensor>.json``."""

    sources: list[SourceEntry]


# ------------------------------------------------------------------------- validation


def _path(loc: tuple[int | str, ...]) -> str:
    """``("sources", 1, "syslog", "tls", "cert")`` -> ``sources[1].tls.cert`` (the union
    tag pydantic inserts after the index is dropped)."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            parts[-1] += f"[{part}]"
        elif i > 0 and isinstance(loc[i - 1], int) and part in _ENTRIES and loc[0] == "sources":
            continue
        else:
            parts.append(str(part))
    return ".".join(parts)


def _fields(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed where an unknown key at ``loc`` was found."""
    if len(loc) >= 4 and loc[2] in _ENTRIES:
        model = _ENTRIES[str(loc[2])]
        return list(TlsEntry.model_fields) if loc[3] == "tls" else list(model.model_fields)
    return list(SourcesConfig.model_fields)


def _message(item: ErrorDetails) -> str:
    loc, kind, given = item["loc"], item["type"], item.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = _fields(loc)
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            return f"unknown key; did you mean {close[0]!r}?"
        return f"unknown key (known: {', '.join(known)})"
    if kind == "missing":
        return "missing"
    if kind == "union_tag_invalid":
        tag = given.get("type") if isinstance(given, dict) else given
        close = difflib.get_close_matches(str(tag), list(_ENTRIES), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown source type {tag!r}; {hint}expected one of {', '.join(_ENTRIES)}"
    if kind == "union_tag_not_found":
        return f"missing (one of {', '.join(_ENTRIES)})"
    if kind == "literal_error":
        return f"must be {item.get('ctx', {}).get('expected', '?')}, got {given!r}"
    if kind in ("int_type", "int_from_float"):
        return f"must be an integer, got {given!r}"
    if kind == "string_type":
        return f"must be a string, got {given!r}"
    if kind == "list_type":
        return f"must be a list, got {given!r}"
    if kind == "too_short":
        return "must not be empty"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be an object, got {given!r}"
    return item["msg"]


def parse_sources(sensor: str, value: Any, *, where: str | None = None) -> SourcesConfig:
    """``value`` (the JSON of ``sources/<sensor>.json``) as a :class:`SourcesConfig`, or a
    :class:`ConfigError` listing every problem, one per line, each naming ``where``
    (default ``sources/<sensor>.json``), the entry and the key."""
    problems = check_sources(sensor, value, where=where)
    if problems:
        raise ConfigError("\n".join(problems))
    return SourcesConfig.model_validate(value)


def check_sources(sensor: str, value: Any, *, where: str | None = None) -> list[str]:
    """Every problem of ``value`` as a sources config for ``sensor`` (empty: valid), e.g.
    ``sources/squid.json: sources[1].port: must be 1-65535, got 70000``."""
    where = where or f"sources/{sensor}.json"
    if not isinstance(value, dict):
        return [f'{where}: must be a JSON object {{"sources": [...]}}, got {type(value).__name__}']
    try:
        SourcesConfig.model_validate(value)
    except ValidationError as e:
        problems = [f"{where}: {_where(item)}: {_message(item)}" for item in e.errors()]
    else:
        problems = []
    return problems + [f"{where}: {problem}" for problem in _duplicates(value)]


def _where(item: ErrorDetails) -> str:
    """Where an error is: the ``type`` key itself for a missing or unknown type."""
    path = _path(item["loc"])
    return f"{path}.type" if item["type"].startswith("union_tag_") else path


def _duplicates(value: dict[str, Any]) -> list[str]:
    """Entries that make sense once per sensor (one standard input, one HTTP endpoint)
    listed twice.  Checked on the raw JSON so the problem shows beside every other."""
    entries = value.get("sources")
    if not isinstance(entries, list):
        return []
    problems = []
    for kind in ("stdin", "http"):
        where = [i for i, e in enumerate(entries) if isinstance(e, dict) and e.get("type") == kind]
        if len(where) > 1:
            listed = ", ".join(f"sources[{i}]" for i in where)
            problems.append(f"{listed}: {kind} is listed {len(where)} times; list it once")
    return problems


# --------------------------------------------------------------------------- building


def kafka_brokers(global_config: Mapping[str, Any]) -> str | None:
    """The Kafka brokers a source uses unless its entry names some: the global config's
    ``kafka.brokers``, else ``$METRON_KAFKA_BROKERS``; None when neither is set."""
    configured = global_config.get("kafka.brokers")
    if isinstance(configured, str) and configured.strip():
        return configured.strip()
    return os.environ.get(BROKERS_ENV, "").strip() or None


def implied_sources(
    sensor: str,
    parser_config: SensorParserConfig | Mapping[str, Any] | None,
    global_config: Mapping[str, Any],
) -> dict[str, Any]:
    """The sources config of a sensor that has none: Metron's behaviour, its parser
    config's ``sensorTopic`` read from Kafka, when that is set and brokers are configured;
    else no sources (the sensor is still fed over HTTP)."""
    if isinstance(parser_config, Mapping):
        topic = parser_config.get("sensorTopic")
    else:
        topic = parser_config.sensorTopic if parser_config is not None else None
    if isinstance(topic, str) and topic and kafka_brokers(global_config) is not None:
        return {"sources": [{"type": "kafka", "topic": topic}]}
    return {"sources": []}


def build_sources(
    sensor: str,
    value: Any | None,
    *,
    config_dir: Path,
    data_dir: Path,
    global_config: Mapping[str, Any],
    parser_config: SensorParserConfig | Mapping[str, Any] | None = None,
) -> list[Source]:
    """The sources of ``sensor`` from ``value`` (its ``sources/<sensor>.json``; None when
    it has none, then :func:`implied_sources` decides).  Nothing is started, bound or
    connected here.  A problem (an invalid config, Kafka without brokers, unreadable TLS
    files) is a :class:`ConfigError` naming the file, the entry and the key."""
    if value is None:
        value = implied_sources(sensor, parser_config, global_config)
    config = parse_sources(sensor, value)
    sources: list[Source] = []
    for i, entry in enumerate(config.sources):
        context = BuildContext(
            sensor,
            f"sources/{sensor}.json: sources[{i}]",
            Path(config_dir),
            Path(data_dir) / "checkpoints",
            global_config,
        )
        source = entry.build(context)
        if source is not None:
            sources.append(source)
    return sources
