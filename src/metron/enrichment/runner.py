"""The enrichment runner: a parsed message in, an enriched and triaged message out.

For the message's ``source.type`` the runner applies the sensor's enrichment config in
Metron's two stages:

1. ENRICHMENT: ``geo`` (``enrichments.geo.<field>.<key>``, empty values dropped), ``host``
   (``enrichments.host.<field>.known_info.<key>``), ``hbaseEnrichment`` through
   ``fieldToTypeMap`` (``enrichments.hbaseEnrichment.<field>.<type>.<key>``) and ``stellar``
   (fields as assigned).  Every adapter sees the message as it entered the stage; the
   results are then merged and null or empty values dropped.
2. THREAT_INTEL: ``hbaseThreatIntel`` (``threatintels.hbaseThreatIntel.<field>.<type>`` set
   to ``"alert"`` for each type the indicator is known under) and ``stellar``.

Then ``is_alert`` is decided as Metron decides it: a message that carries ``is_alert``
keeps it only when it converts to true; otherwise any ``threatintels*`` field (other than
a ``.ts`` timing field) makes it an alert; an ``is_alert`` that does not convert to a
boolean, or a triage rule that fails, is a ``threatintel_error`` and, as in Metron, the
message is not emitted.  An alert gets ``is_alert = "true"`` and, when
the sensor has a ``triageConfig``, the ``threat.triage.*`` fields.

A sensor without a config is enriched with an empty one (nothing but ``is_alert``).  A
fieldMap naming an adapter its stage lacks (the enrichment stage has ``geo``, ``host``,
``hbaseEnrichment`` and ``stellar``; threat intel ``hbaseThreatIntel`` and ``stellar``)
fails that stage for every message, as in Metron: an error carrying the message, and no
message out.  ``fieldToTypeMap`` is looked up by the part of the field name after its
last dot, and a section ``config``'s ``typeToColumnFamily`` picks a type's column family.

An adapter that fails on a field yields an ``enrichments_error`` (``threatintel_error``)
message and the message goes on without that adapter's fields.  As in Metron, the error's
``message`` is ``<ENRICHMENT|THREAT_INTEL> error with <adapter> failed: <cause>``, its
``failed_sensor_type`` is ``error`` (Metron never names the sensor on these errors), and
its raw message is Metron's unit of work plus ``source.type``: for a field adapter,
``{"enrichments.<adapter>.<field>": value}`` for every field the adapter enriches (null
when absent); for a Stellar group, ``{"<group>" ("" when unnamed): {each variable the
group reads: value}}`` (the whole message when it reads ``_``), keys in Java ``HashMap``
order so that ``raw_message`` and ``error_hash`` come out as Metron's.  Adapter results
are cached per ``(adapter, field, value)`` in a bounded LRU per stage (sizes from the
global config's ``enrichment.cache.size`` and ``threat.intel.cache.size``, 100,000 by
default; entries expire 10 minutes after they are written, as in Metron, or after
``enrichment.cache.expiration.minutes`` / ``threat.intel.cache.expiration.minutes``).
Both caches are dropped when the lookup store reports a load (checked every
:data:`STORE_CHECK_INTERVAL` seconds), so new reference data applies without waiting.

Metron's enricher also stamps timing fields on every message
(``parallelenricher.{splitter,enrich}.{begin,end}.ts`` and
``adapter.<adapter class>.{begin,end}.ts``, wall-clock milliseconds as strings).  They
are deliberately not written here: they only describe Metron's thread pool, make output
non-deterministic, and ``is_alert`` ignores them anyway.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import methodcaller
from typing import Any

from metron.enrichment.config import SensorEnrichmentConfig
from metron.enrichment.geo import GeoDatabase
from metron.enrichment.host import HostAdapter
from metron.enrichment.lookup import (
    DEFAULT_COLUMN_FAMILY,
    ENRICHMENT_TABLE,
    THREAT_INTEL_TABLE,
    LookupStore,
)
from metron.enrichment.stellar_adapter import StellarAdapter, join
from metron.enrichment.triage import TriageEngine
from metron.errors import ConfigError, MetronError
from metron.message import SOURCE_TYPE, ErrorRecord
from metron.stellar import StellarContext
from metron.stellar.convert import to_string
from metron.stellar.types import java_hashmap_order

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "AlertFlagError",
    "EnrichmentRunner",
    "EnrichmentTaskError",
    "UnknownAdapterError",
    "is_alert",
]

#: Entries kept in the adapter cache unless the global config says otherwise.
DEFAULT_CACHE_SIZE = 100_000
#: The keys for the adapter cache sizes of the two stages (in Metron, topology
#: properties of ``enrichment.properties``; here read from the global config).
CACHE_SIZE_KEY = "enrichment.cache.size"
THREAT_INTEL_CACHE_SIZE_KEY = "threat.intel.cache.size"
#: How long a cached adapter result lives, in seconds (Metron retains 10 minutes).
DEFAULT_CACHE_TTL = 600.0
#: How often, in seconds, the runner asks the lookup store whether a load changed it (and
#: then drops its cached adapter results, so new reference data applies at once).
STORE_CHECK_INTERVAL = 1.0
#: Global-config keys changing that, in minutes (ours: Metron's expiry was fixed).
CACHE_EXPIRATION_KEY = "enrichment.cache.expiration.minutes"
THREAT_INTEL_CACHE_EXPIRATION_KEY = "threat.intel.cache.expiration.minutes"

ENRICHMENT_ERROR = "enrichments_error"
THREAT_INTEL_ERROR = "threatintel_error"

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_MISSING = object()


def _text(value: Any) -> str:
    text = to_string(value)
    return "" if text is None else text


_FALSE = frozenset({"false", "no", "n", "off", "0"})


#: The ``failed_sensor_type`` of Metron's enrichment and threat-intel errors.  Its
#: enrichment bolt never names the sensor on a ``MetronError``, so the error keeps the
#: default sensor type, ``error`` (odd, but what Metron writes); the sensor is in the
#: raw message's ``source.type``.
ERROR_SENSOR = "error"

#: The adapters each stage has (Metron's enrichment topology wires these and no others).
_ADAPTERS = {
    "ENRICHMENT": ("geo", "host", "hbaseEnrichment", "stellar"),
    "THREAT_INTEL": ("hbaseThreatIntel", "stellar"),
}


class EnrichmentTaskError(MetronError):
    """An adapter failed on one unit of work: ``<STAGE> error with <adapter> failed: ...``
    (Metron wraps the adapter's exception the same way)."""


def _task_error(
    error_type: str, strategy: str, adapter: str, unit: dict[str, Any], cause: BaseException
) -> dict[str, Any]:
    detail = getattr(cause, "message", None) or str(cause)
    wrapped = EnrichmentTaskError(f"{strategy} error with {adapter} failed: {detail}")
    wrapped.__cause__ = cause
    wrapped.__traceback__ = cause.__traceback__
    return ErrorRecord(
        error_type,
        [ERROR_SENSOR],
        # a Java HashMap's order, so that raw_message and error_hash come out as Metron's
        [java_hashmap_order(unit)],
        message=str(wrapped),
        exception=wrapped,
    ).to_message()


def _stage_error(error_type: str, message: dict[str, Any], error: Exception) -> dict[str, Any]:
    """A stage that failed as a whole: the message goes nowhere, the error carries it."""
    return ErrorRecord(error_type, [ERROR_SENSOR], [dict(message)], exception=error).to_message()


def _unknown_adapter(field_map: Mapping[str, Any], strategy: str) -> str | None:
    """Metron's error for a fieldMap naming an adapter the stage does not have (every
    message then fails the stage, whether or not it has the fields)."""
    known = _ADAPTERS[strategy]
    for name in java_hashmap_order(dict.fromkeys(str(k) for k in field_map)):
        if name not in known:
            possible = ",".join(java_hashmap_order(dict.fromkeys(known)))
            return f"Unable to find an adapter for {name}, possible adapters are: {possible}"
    return None


class UnknownAdapterError(ConfigError):
    """A sensor's fieldMap names an adapter its stage does not have."""


class AlertFlagError(ValueError):
    """``is_alert`` holds a value that does not convert to a boolean (Metron fails too)."""


def _as_boolean(value: Any) -> bool:
    """Metron's conversion of ``is_alert`` to a boolean; anything else is an error."""
    if isinstance(value, bool):
        return value
    text = None if value is None else _text(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise AlertFlagError(f"is_alert: cannot convert {value!r:.60} to a boolean")


_THREAT_INTEL_KEY = methodcaller("startswith", "threatintels")


def is_alert(message: dict[str, Any]) -> bool:
    """Metron's decision, applied to ``message``: sets or removes ``is_alert``."""
    if "is_alert" in message:
        alert = _as_boolean(message["is_alert"])
        if not alert:
            del message["is_alert"]
    else:
        # the common case (no threat intel at all) is decided at C speed: one search in
        # the keys joined (keys that are not text take the loop)
        try:
            maybe = "\x00threatintels" in "\x00" + "\x00".join(message)
        except TypeError:
            maybe = any(map(_THREAT_INTEL_KEY, map(str, message)))
        alert = maybe and any(
            str(key).startswith("threatintels") and not str(key).endswith(".ts") for key in message
        )
    if alert:
        message["is_alert"] = "true"
    return alert


class _LRU:
    """A bounded least-recently-used cache whose entries expire ``ttl`` seconds after
    they are written (Metron's adapter cache: a maximum size and a time since write)."""

    def __init__(self, size: int, ttl: float = DEFAULT_CACHE_TTL) -> None:
        self.size = max(0, size)
        self.ttl = ttl
        self._data: OrderedDict[Any, tuple[float, Any]] = OrderedDict()

    def get(self, key: Any, now: float) -> Any:
        data = self._data
        entry = data.get(key)
        if entry is None:
            return _MISSING
        if entry[0] <= now:
            del data[key]
            return _MISSING
        data.move_to_end(key)
        return entry[1]

    def put(self, key: Any, value: Any, now: float) -> None:
        if self.size == 0 or self.ttl <= 0:
            return
        data = self._data
        data[key] = (now + self.ttl, value)
        if len(data) > self.size:
            data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()


# (adapter name, fields, the function from (field, text value) to the result fields)
_FieldTask = tuple[str, tuple[str, ...], Callable[[str, str], dict[str, Any]]]


@dataclass
class _Plan:
    """What one sensor runs, built once per sensor."""

    enrichment: list[_FieldTask]
    enrichment_stellar: StellarAdapter
    threat_intel: list[_FieldTask]
    threat_intel_stellar: StellarAdapter
    triage: TriageEngine | None
    #: Metron's error when a stage's fieldMap names an adapter the stage lacks
    enrichment_problem: str | None = None
    threat_intel_problem: str | None = None


#: The section ``config`` key mapping an enrichment type to its column family.
TYPE_TO_COLUMN_FAMILY = "typeToColumnFamily"


def _column_families(section_config: Mapping[str, Any]) -> dict[str, str]:
    """A section's ``typeToColumnFamily`` (types it does not name use the default family)."""
    mapping = section_config.get(TYPE_TO_COLUMN_FAMILY)
    if not isinstance(mapping, Mapping):
        return {}
    return {str(k): _text(v) for k, v in mapping.items() if v is not None}


def _top_level(field: str) -> str:
    """The ``fieldToTypeMap`` key Metron's HBase adapters look a field up by: the part
    after its last dot (odd for dotted field names, but what Metron does: ``a.b`` finds
    the types listed under ``b``)."""
    return field.rpartition(".")[2]


def _fields(value: Any) -> tuple[str, ...]:
    return tuple(str(f) for f in value) if isinstance(value, list) else ()


class EnrichmentRunner:
    """Enriches, threat-intels and triages messages with the sensors' configs."""

    def __init__(
        self,
        configs: Mapping[str, SensorEnrichmentConfig],
        global_config: Mapping[str, Any] | None = None,
        store: LookupStore | None = None,
        geo: GeoDatabase | None = None,
        hosts: HostAdapter | None = None,
        context: StellarContext | None = None,
        *,
        cache_size: int | None = None,
        cache_ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.configs = dict(configs)
        self.global_config = dict(global_config or {})
        self.store = store
        self.geo = geo
        self.hosts = hosts
        self.context = context
        self.clock = clock
        self.cache = _LRU(
            self._cache_setting(CACHE_SIZE_KEY, cache_size, DEFAULT_CACHE_SIZE, 1),
            self._cache_setting(CACHE_EXPIRATION_KEY, cache_ttl, DEFAULT_CACHE_TTL, 60),
        )
        self.threat_intel_cache = _LRU(
            self._cache_setting(THREAT_INTEL_CACHE_SIZE_KEY, cache_size, DEFAULT_CACHE_SIZE, 1),
            self._cache_setting(
                THREAT_INTEL_CACHE_EXPIRATION_KEY, cache_ttl, DEFAULT_CACHE_TTL, 60
            ),
        )
        self._plans: dict[str, _Plan] = {}
        self._store_generation = store.generation() if store is not None else 0
        self._next_store_check = clock() + STORE_CHECK_INTERVAL

    def _check_store(self) -> None:
        """Drop the cached adapter results when the lookup store has changed since they
        were cached: a new threat-intel or enrichment load applies within
        :data:`STORE_CHECK_INTERVAL` seconds, not when the entries expire.  (Metron waited
        for expiry.)"""
        now = self.clock()
        if now < self._next_store_check or self.store is None:
            return
        self._next_store_check = now + STORE_CHECK_INTERVAL
        generation = self.store.generation()
        if generation != self._store_generation:
            self._store_generation = generation
            self.cache.clear()
            self.threat_intel_cache.clear()

    def _cache_setting(self, key: str, given: float | None, default: float, unit: int) -> Any:
        """A cache size (``unit`` 1, an int) or expiry (``unit`` 60: minutes in the global
        config, seconds here): ``given`` when the caller set it, else the global config's
        ``key``, else ``default``; a value that is not a number >= 0 is a ConfigError."""
        if given is not None:
            return given
        if key not in self.global_config:
            return default
        raw = self.global_config[key]
        try:
            value = int(raw) if unit == 1 else float(raw) * unit
        except (TypeError, ValueError, OverflowError):
            value = -1
        if isinstance(raw, bool) or not value >= 0:
            raise ConfigError(f"global config '{key}' must be a number >= 0, not {raw!r:.60}")
        return value

    # -- adapters -----------------------------------------------------------------------

    def _geo(self, field: str, value: str) -> dict[str, Any]:
        if self.geo is None:
            return {}
        found = self.geo.lookup(value)
        if not found:
            return {}
        return {k: v for k, v in found.items() if v is not None and v != ""}

    def _host(self, field: str, value: str) -> dict[str, Any]:
        if self.hosts is None:
            return {}
        return self.hosts.enrich(value)

    def _hbase_enrichment(
        self, types: Mapping[str, list[str]], section_config: Mapping[str, Any]
    ) -> Callable[..., dict[str, Any]]:
        families = _column_families(section_config)

        def enrich(field: str, value: str) -> dict[str, Any]:
            store = self.store
            out: dict[str, Any] = {}
            if store is None:
                return out
            for kind in types.get(_top_level(field), ()):
                found = store.get(
                    ENRICHMENT_TABLE, kind, value, families.get(kind, DEFAULT_COLUMN_FAMILY)
                )
                if found:
                    for key, item in found.items():
                        out[f"{kind}.{key}"] = item
            return out

        return enrich

    def _hbase_threat_intel(
        self, types: Mapping[str, list[str]], section_config: Mapping[str, Any]
    ) -> Callable[..., dict[str, Any]]:
        families = _column_families(section_config)

        def enrich(field: str, value: str) -> dict[str, Any]:
            store = self.store
            out: dict[str, Any] = {}
            if store is None:
                return out
            for kind in types.get(_top_level(field), ()):
                family = families.get(kind, DEFAULT_COLUMN_FAMILY)
                if store.exists(THREAT_INTEL_TABLE, kind, value, family):
                    out[kind] = "alert"
            return out

        return enrich

    # -- plans --------------------------------------------------------------------------

    def _plan(self, sensor: str) -> _Plan:
        plan = self._plans.get(sensor)
        if plan is not None:
            return plan
        config = self.configs.get(sensor) or SensorEnrichmentConfig()
        e_map = config.enrichment.fieldMap
        t_map = config.threatIntel.fieldMap
        enrichment: list[_FieldTask] = []
        if _fields(e_map.get("geo")):
            enrichment.append(("geo", _fields(e_map["geo"]), self._geo))
        if _fields(e_map.get("host")):
            enrichment.append(("host", _fields(e_map["host"]), self._host))
        if _fields(e_map.get("hbaseEnrichment")):
            enrichment.append(
                (
                    "hbaseEnrichment",
                    _fields(e_map["hbaseEnrichment"]),
                    self._hbase_enrichment(
                        config.enrichment.fieldToTypeMap, config.enrichment.config
                    ),
                )
            )
        threat_intel: list[_FieldTask] = []
        if _fields(t_map.get("hbaseThreatIntel")):
            threat_intel.append(
                (
                    "hbaseThreatIntel",
                    _fields(t_map["hbaseThreatIntel"]),
                    self._hbase_threat_intel(
                        config.threatIntel.fieldToTypeMap, config.threatIntel.config
                    ),
                )
            )
        triage = None
        if config.threatIntel.triageConfig is not None:
            triage = TriageEngine.from_sensor_config(config.model_dump(), context=self.context)
        plan = _Plan(
            enrichment=enrichment,
            enrichment_stellar=StellarAdapter.from_sensor_config(
                config, "enrichment", context=self.context
            ),
            threat_intel=threat_intel,
            threat_intel_stellar=StellarAdapter.from_sensor_config(
                config, "threatIntel", context=self.context
            ),
            triage=triage,
            enrichment_problem=_unknown_adapter(e_map, "ENRICHMENT"),
            threat_intel_problem=_unknown_adapter(t_map, "THREAT_INTEL"),
        )
        self._plans[sensor] = plan
        return plan

    # -- running ------------------------------------------------------------------------

    def _stage(
        self,
        message: dict[str, Any],
        tasks: list[_FieldTask],
        cache: _LRU,
        stellar_adapter: StellarAdapter,
        prefix: str,
        strategy: str,
        error_type: str,
        sensor: str,
        errors: list[dict[str, Any]],
        clean: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """One stage: every adapter on ``message`` as it is; the merged message, and
        whether it was joined (then it holds no null or empty value).  ``clean`` says
        that ``message`` holds none already."""
        found: dict[str, Any] = {}
        now = self.clock() if tasks else 0.0
        ran = bool(stellar_adapter)
        for name, fields, enrich in tasks:
            ident = id(enrich)
            for field in fields:
                raw = message.get(field)
                if raw is None:
                    continue
                ran = True
                value = raw if type(raw) is str else _text(raw)
                key = (ident, name, field, value)
                # the cache keeps the result with its fields named as they join the
                # message (enrichments.geo.ip_dst_addr.city): one C-speed update a hit
                named = cache.get(key, now)
                if named is _MISSING:
                    try:
                        result = enrich(field, value)
                    except Exception as e:
                        # Metron's unit of work for a list adapter is one map of every
                        # field the adapter enriches (null when absent), not just the
                        # field that failed
                        unit = {f"{prefix}.{name}.{f}": message.get(f) for f in fields}
                        unit[SOURCE_TYPE] = sensor
                        errors.append(_task_error(error_type, strategy, name, unit, e))
                        continue
                    head = f"{prefix}.{name}.{field}."
                    named = {head + k: v for k, v in result.items()} if result else None
                    cache.put(key, named, now)
                if named:
                    found.update(named)
        if stellar_adapter:
            outcome = stellar_adapter.apply(message)
            for failure in outcome.failures:
                unit = stellar_adapter.unit_of_work(failure.group, message)
                unit[SOURCE_TYPE] = sensor
                errors.append(_task_error(error_type, strategy, "stellar", unit, failure.error))
            found.update(outcome.fields)
        out = dict(message)
        if ran:  # Metron joins (dropping null and empty values) when any task ran
            join(out, found, clean)
        return out, ran or clean

    def process(
        self, message: dict[str, Any], sensor: str | None = None
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Enrich, threat-intel and triage ``message``: the result and any error messages.

        ``sensor`` names whose config applies (default: the message's ``source.type``)."""
        errors: list[dict[str, Any]] = []
        if sensor is None:
            sensor = _text(message.get(SOURCE_TYPE))
        self._check_store()
        try:
            plan = self._plan(sensor)
        except Exception as e:
            errors.append(_stage_error(ENRICHMENT_ERROR, message, e))
            return None, errors  # as Metron: an error, no message
        if plan.enrichment_problem is not None:
            problem = UnknownAdapterError(plan.enrichment_problem)
            errors.append(_stage_error(ENRICHMENT_ERROR, message, problem))
            return None, errors
        enriched, clean = self._stage(
            message,
            plan.enrichment,
            self.cache,
            plan.enrichment_stellar,
            "enrichments",
            "ENRICHMENT",
            ENRICHMENT_ERROR,
            sensor,
            errors,
        )
        if plan.threat_intel_problem is not None:
            # the enrichment stage has run (and may have failed tasks); this stage fails
            problem = UnknownAdapterError(plan.threat_intel_problem)
            errors.append(_stage_error(THREAT_INTEL_ERROR, enriched, problem))
            return None, errors
        result, _ = self._stage(
            enriched,
            plan.threat_intel,
            self.threat_intel_cache,
            plan.threat_intel_stellar,
            "threatintels",
            "THREAT_INTEL",
            THREAT_INTEL_ERROR,
            sensor,
            errors,
            clean,
        )
        try:
            if is_alert(result) and plan.triage is not None:
                plan.triage.triage(result)
        except Exception as e:
            # as in Metron, a message that cannot be triaged is not emitted; the error
            # carries the message as it entered the threat-intel stage
            errors.append(_stage_error(THREAT_INTEL_ERROR, enriched, e))
            return None, errors
        return result, errors
