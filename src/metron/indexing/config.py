"""Metron's sensor indexing config (``indexing/<sensor>.json``), unchanged.

Metron's file maps a writer name to its settings::

    {
      "elasticsearch": {"index": "bro", "batchSize": 5, "batchTimeout": 2, "enabled": true,
                        "fieldNameConverter": "DEDOT"},
      "hdfs": {"index": "bro", "batchSize": 50, "enabled": true}
    }

How each writer maps here:

* ``elasticsearch`` and ``solr`` feed the alert store (search, facets, updates,
  meta-alerts); when both are present and enabled the store is fed once, under the
  ``elasticsearch`` settings.  ``index`` is the index name searches name in ``indices``
  (default: the sensor).  ``fieldNameConverter`` (``DEDOT``, the default, or ``NOOP``)
  is accepted; the store always keeps Metron's dotted field names and its queries accept
  both the dotted and Elasticsearch's ``:`` form, so nothing needs converting.
  ``setDocumentId`` is accepted: documents are always keyed by guid and sensor.
* ``hdfs`` feeds the data lake (Parquet partitioned by sensor and day); ``index`` names
  the lake's partition folder (default: the sensor).  ``outputPathFunction`` is accepted
  and not used (the lake partitions by day).
* ``batchSize`` (default 1) and ``batchTimeout`` (seconds; default: none) size the write
  batches of the running platform; ``metron index`` writes a file in large batches.
* ``enabled`` (default true): false stops that writer for the sensor.

A sensor without a file gets every writer with the defaults, as Metron does.  Other
writer names (``kafka``...) are kept and ignored.  A setting of the wrong type, or an
unknown setting of a known writer, is a :class:`~metron.errors.ConfigError` naming the
file and the key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metron.errors import ConfigError
from metron.stellar.serialize import from_json

__all__ = [
    "ALERT_STORE_WRITERS",
    "LAKE_WRITER",
    "IndexingConfig",
    "WriterConfig",
    "load_indexing_config",
    "parse_indexing_config",
]

ALERT_STORE_WRITERS = ("elasticsearch", "solr")
LAKE_WRITER = "hdfs"
_SETTINGS = {
    "index",
    "batchSize",
    "batchTimeout",
    "enabled",
    "fieldNameConverter",
    "setDocumentId",
    "outputPathFunction",
}
_CONVERTERS = ("DEDOT", "NOOP")


@dataclass(frozen=True)
class WriterConfig:
    """One writer's settings for a sensor."""

    index: str
    batch_size: int = 1
    batch_timeout: float | None = None
    enabled: bool = True
    field_name_converter: str = "DEDOT"


@dataclass(frozen=True)
class IndexingConfig:
    """Where a sensor's messages are indexed: the alert store and/or the lake."""

    sensor: str
    alert_store: WriterConfig | None
    lake: WriterConfig | None
    writers: Mapping[str, WriterConfig]


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ConfigError(f"{where}: must be true or false, not {value!r:.40}")


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: must be a whole number, not {value!r}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}: must be a whole number, not {value!r:.40}") from None
    if number < 0:
        raise ConfigError(f"{where}: must not be negative")
    return number


def _writer(sensor: str, name: str, settings: Any, where: str) -> WriterConfig:
    if not isinstance(settings, Mapping):
        raise ConfigError(f"{where}.{name}: must be an object of writer settings")
    for key in settings:
        if key not in _SETTINGS:
            close = difflib.get_close_matches(str(key), sorted(_SETTINGS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{where}.{name}.{key}: unknown setting{hint}")
    index = settings.get("index")
    if index is None or index == "":
        index = sensor
    if not isinstance(index, str):
        raise ConfigError(f"{where}.{name}.index: must be a string")
    converter = str(settings.get("fieldNameConverter", "DEDOT")).upper()
    if converter not in _CONVERTERS:
        raise ConfigError(
            f"{where}.{name}.fieldNameConverter: must be DEDOT or NOOP, not {converter!r}"
        )
    timeout = settings.get("batchTimeout")
    return WriterConfig(
        index=index,
        batch_size=max(1, _whole(settings.get("batchSize", 1), f"{where}.{name}.batchSize")),
        batch_timeout=None
        if timeout is None
        else float(_whole(timeout, f"{where}.{name}.batchTimeout")) or None,
        enabled=_flag(settings.get("enabled", True), f"{where}.{name}.enabled"),
        field_name_converter=converter,
    )


def parse_indexing_config(
    raw: Mapping[str, Any] | None, sensor: str, where: str = "indexing config"
) -> IndexingConfig:
    """A sensor's indexing config from its JSON object (``None``: Metron's defaults)."""
    if raw is None:
        default = WriterConfig(index=sensor)
        return IndexingConfig(
            sensor, default, default, {"elasticsearch": default, LAKE_WRITER: default}
        )
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be a JSON object of writers")
    writers = {
        str(name): _writer(sensor, str(name), settings, where)
        for name, settings in raw.items()
        if name in (*ALERT_STORE_WRITERS, LAKE_WRITER)
    }
    enabled = [writers[n] for n in ALERT_STORE_WRITERS if n in writers and writers[n].enabled]
    store = enabled[0] if enabled else None
    lake = writers.get(LAKE_WRITER)
    return IndexingConfig(sensor, store, lake if lake and lake.enabled else None, writers)


def load_indexing_config(config_dir: Path, sensor: str) -> IndexingConfig:
    """``<config dir>/indexing/<sensor>.json``, or Metron's defaults without one."""
    path = config_dir / "indexing" / f"{sensor}.json"
    if not path.is_file():
        return parse_indexing_config(None, sensor)
    try:
        raw = from_json(path.read_bytes())
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from None
    except ValueError as e:
        raise ConfigError(f"{path}: not valid JSON: {e}") from None
    return parse_indexing_config(raw, sensor, str(path))
