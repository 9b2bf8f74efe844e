"""Metron's sensor configurations as Jackson loads them: parser, enrichment and indexing.

Metron deserialises a configuration into Java beans before editing it and serialises the
beans back, so an edited configuration comes back normalised: every property appears, in
the bean's declaration order, with its default when the JSON left it out; null properties
are dropped; unknown properties are an error (Jackson's default).  The loaders here do the
same with :class:`~metron.stellar.stdlib._jacksonjson.Bean` dicts, including the checks the
bean setters make (a threat-triage rule needs a rule and a score, an aggregator must be one
of Metron's, an enrichment adapter configured with a map must be ``stellar``...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.stdlib._jacksonjson import Bean, NullKeyError, loads, pretty
from metron.stellar.types import Char, Float, Long, java_type_name, to_java_string

__all__ = [
    "AGGREGATORS",
    "STELLAR_CLASS",
    "ConfigError",
    "default_threat_intel",
    "default_triage",
    "emit",
    "enrichment_bean",
    "is_string",
    "list_arg",
    "load_enrichment",
    "load_indexing",
    "load_parser",
    "map_arg",
    "names_arg",
    "nth_arg",
    "score_text",
    "string_arg",
    "transformation_class",
    "triage_rules",
]

AGGREGATORS = ("MAX", "MIN", "SUM", "MEAN", "POSITIVE_MEAN")
_TRANSFORMATION_PACKAGE = "org.apache.metron.common.field.transformation."
_TRANSFORMATIONS = {
    "IP_PROTOCOL": "IPProtocolTransformation",
    "REMOVE": "RemoveTransformation",
    "STELLAR": "StellarTransformation",
    "SELECT": "SelectTransformation",
    "RENAME": "RenameTransformation",
    "REGEX_SELECT": "RegexSelectTransformation",
}
STELLAR_CLASS = _TRANSFORMATION_PACKAGE + "StellarTransformation"
_STRATEGY_METADATA_DEFAULT = {"DEFAULT": False, "ENVELOPE": True}


class ConfigError(StellarError):
    """A configuration Metron could not load."""


def is_string(value: Any) -> bool:
    """A Java String (a Character is not one)."""
    return isinstance(value, str) and not isinstance(value, Char)


# -- arguments of the editing functions -----------------------------------------------------


def string_arg(value: Any, what: str = "the config") -> str:
    if not is_string(value):
        raise StellarError(f"{what} must be a string, got {java_type_name(value)}")
    return str(value)


def emit(config: Any, original: str) -> str:
    try:
        return pretty(config)
    except NullKeyError:  # Metron logs the failure and hands back the config unchanged
        return original


def map_arg(value: Any, what: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise StellarError(f"{what} must be a map, got {java_type_name(value)}")
    return value


def list_arg(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise StellarError(f"{what} must be a list, got {java_type_name(value)}")
    return value


def names_arg(value: Any, what: str) -> list[str]:
    names = list_arg(value, what)
    for name in names:
        string_arg(name, f"each of {what}")
    return names


def nth_arg(args: tuple[Any, ...], index: int) -> Any:
    """Argument ``index``, which must be there (Metron's ``Util.getArg``)."""
    if index >= len(args):
        raise StellarError(f"expected at least {index + 1} argument(s), found {len(args)}")
    return args[index]


def parse(text: str, kind: str) -> Any:
    """The JSON value of a configuration's text."""
    try:
        return loads(text)
    except ValueError as e:
        raise ConfigError(f"the {kind} config is not valid JSON: {e}") from None


# -- property readers (Jackson's coercions) -------------------------------------------------

Reader = Callable[[Any, str], Any]


def _text(value: Any, where: str) -> str | None:
    if value is None or is_string(value):
        return value
    if isinstance(value, (bool, int, float)):
        return to_java_string(value)
    raise ConfigError(f"{where} must be a string")


def _integer(value: Any, where: str) -> int | None:
    if value is None or (type(value) is int and -(2**31) <= value < 2**31):
        return value
    if isinstance(value, float) and not isinstance(value, bool) and abs(value) < 2**31:
        return int(value)
    if is_string(value):
        text = value.strip()
        if not text:
            return None
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is not None and -(2**31) <= number < 2**31:
            return number
    raise ConfigError(f"{where} must be an integer")


def _boolean(value: Any, where: str) -> bool | None:
    if value is None or value is True or value is False:
        return value
    if type(value) is int:
        return value != 0
    if is_string(value):
        text = value.strip()
        if text in ("true", "True", "false", "False", ""):
            return None if not text else text in ("true", "True")
    raise ConfigError(f"{where} must be a boolean")


def _map(value: Any, where: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise ConfigError(f"{where} must be a JSON object")


def _bean(
    value: Any, where: str, fields: dict[str, tuple[Reader, Any]], ignored: tuple[str, ...] = ()
) -> Bean | None:
    """Read a JSON object into a bean: ``fields`` maps names to (reader, default).

    A callable default is a factory; ``ignored`` names are skipped (``@JsonIgnore``).
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a JSON object")
    props: dict[str, Any] = {}
    for key, item in value.items():
        if key not in fields:
            if key in ignored:
                continue
            raise ConfigError(f'unrecognized field "{key}" in {where}')
        props[key] = fields[key][0](item, f'"{key}" in {where}')
    bean = Bean()
    for name, (_, default) in fields.items():
        bean[name] = props[name] if name in props else default() if callable(default) else default
    return bean


def _new_map() -> dict[str, Any]:
    return {}


# -- parser config ------------------------------------------------------------------------


def _fields_list(value: Any, where: str) -> Any:
    if is_string(value):
        return [value]
    return value if isinstance(value, list) else _UNSET


_UNSET = object()


def _transformation(value: Any, where: str) -> str:
    name = _text(value, where)
    if name is None:
        raise ConfigError(f"{where} is missing")
    if name not in _TRANSFORMATIONS and "." not in name:
        raise ConfigError(f"{where}: unknown field transformation {name!r}")
    return name


_TRANSFORMER: dict[str, tuple[Reader, Any]] = {
    "input": (_fields_list, list),
    "output": (_fields_list, None),
    "transformation": (_transformation, None),
    "config": (_map, _new_map),
}


def _transformer(value: Any, where: str) -> Bean | None:
    bean = _bean(value, where, _TRANSFORMER, ("fieldTransformation",))
    if bean is not None:
        # setInput/setOutput ignore anything but a string or a list
        if bean["input"] is _UNSET:
            bean["input"] = []
        if bean["output"] is _UNSET:
            bean["output"] = None
    return bean


def transformation_class(transformer: Bean) -> str:
    """The Java class implementing a field transformer's transformation."""
    name = transformer.get("transformation")
    if name is None:
        raise ConfigError("a field transformation has no transformation")
    short = _TRANSFORMATIONS.get(name)
    return _TRANSFORMATION_PACKAGE + short if short else name


def _transformers(value: Any, where: str) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be a list")
    return [_transformer(item, where) for item in value]


def _strategy(value: Any, where: str) -> str:
    name = _text(value, where)
    if name not in _STRATEGY_METADATA_DEFAULT:
        raise ConfigError(f"{where}: unknown raw message strategy {name!r} (DEFAULT or ENVELOPE)")
    return name


_PARSER: dict[str, tuple[Reader, Any]] = {
    **{name: (_text, None) for name in ("parserClassName", "filterClassName", "sensorTopic")},
    **{name: (_text, None) for name in ("outputTopic", "errorTopic", "writerClassName")},
    "errorWriterClassName": (_text, None),
    "readMetadata": (_boolean, None),
    "mergeMetadata": (_boolean, None),
    "numWorkers": (_integer, None),
    "numAckers": (_integer, None),
    **{name: (_integer, 1) for name in ("spoutParallelism", "spoutNumTasks")},
    **{name: (_integer, 1) for name in ("parserParallelism", "parserNumTasks")},
    **{name: (_integer, 1) for name in ("errorWriterParallelism", "errorWriterNumTasks")},
    "spoutConfig": (_map, _new_map),
    "securityProtocol": (_text, None),
    "stormConfig": (_map, _new_map),
    "parserConfig": (_map, _new_map),
    "fieldTransformations": (_transformers, list),
    "cacheConfig": (_map, _new_map),
    "rawMessageStrategy": (_strategy, "DEFAULT"),
    "rawMessageStrategyConfig": (_map, _new_map),
}


def load_parser(text: str) -> Bean:
    """A sensor parser config (``SensorParserConfig``) from its JSON text."""
    bean = _bean(parse(text, "parser"), "the parser config", _PARSER)
    if bean is None:
        raise ConfigError("the parser config is null")
    default = _STRATEGY_METADATA_DEFAULT[bean["rawMessageStrategy"]]
    for name in ("readMetadata", "mergeMetadata"):  # their getters fill in the default
        if bean[name] is None:
            bean[name] = default
    return bean


# -- enrichment config ----------------------------------------------------------------------


def _field_map(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a JSON object")
    for adapter, handler in value.items():
        if isinstance(handler, list):
            continue
        if not isinstance(handler, dict):
            raise ConfigError(f'{where}: adapter "{adapter}" needs a list or an object')
        kind = handler["type"] if "type" in handler else adapter.upper()
        if not is_string(kind) or kind not in ("STELLAR", "LIST"):
            raise ConfigError(f'{where}: adapter "{adapter}" has no configuration type {kind!r}')
    return value


def _field_types(value: Any, where: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a JSON object")
    result: dict[str, Any] = {}
    for field, types in value.items():
        if types is not None and not isinstance(types, list):
            raise ConfigError(f'{where}: "{field}" must map to a list of types')
        result[field] = None if types is None else [_text(t, where) for t in types]
    return result


def _enrichment_fields() -> dict[str, tuple[Reader, Any]]:
    return {
        "fieldMap": (_field_map, _new_map),
        "fieldToTypeMap": (_field_types, _new_map),
        "config": (_map, _new_map),
    }


def score_text(score: Any) -> str:
    """``RiskLevelRule.setScoreExpression``: a number's text, or the expression."""
    if is_string(score):
        return score
    if isinstance(score, (int, float, Long, Float)) and not isinstance(score, bool):
        return to_java_string(score)
    raise ConfigError(f"Expected 'score' to be number or string, but got '{to_java_string(score)}'")


def _score(value: Any, where: str) -> str:
    return score_text(value)


_RULE: dict[str, tuple[Reader, Any]] = {
    "name": (_text, None),
    "comment": (_text, None),
    "rule": (_text, None),
    "score": (_score, None),
    "reason": (_text, None),
}


def triage_rules(rules: list[Bean]) -> list[Bean]:
    """``ThreatTriageConfig.setRiskLevelRules``: check each rule, drop repeated rules."""
    kept: list[Bean] = []
    seen: set[str] = set()
    for rule in rules:
        if rule.get("rule") is None or rule.get("score") is None:
            raise ConfigError("Risk level rules must contain both a rule and a score.")
        if rule["rule"] not in seen:
            seen.add(rule["rule"])
            kept.append(rule)
    return kept


def _rules(value: Any, where: str) -> list[Bean]:
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be a list")
    rules = [_bean(item, f"a rule of {where}", _RULE) for item in value]
    if any(rule is None for rule in rules):
        raise ConfigError(f"{where} holds a null rule")
    return triage_rules(rules)  # type: ignore[arg-type]


def _aggregator(value: Any, where: str) -> str:
    name = _text(value, where)
    if name not in AGGREGATORS:
        raise ConfigError(
            f"Unable to load aggregator of {name}.  Valid aggregators are {','.join(AGGREGATORS)}"
        )
    return name


_TRIAGE: dict[str, tuple[Reader, Any]] = {
    "riskLevelRules": (_rules, list),
    "aggregator": (_aggregator, "MAX"),
    "aggregationConfig": (_map, _new_map),
}


def default_triage() -> Bean:
    return Bean(riskLevelRules=[], aggregator="MAX", aggregationConfig={})


def _triage(value: Any, where: str) -> Bean | None:
    return _bean(value, where, _TRIAGE)


_ENRICHMENT = _enrichment_fields()
_THREAT_INTEL = {**_enrichment_fields(), "triageConfig": (_triage, default_triage)}


def default_threat_intel() -> Bean:
    return Bean(fieldMap={}, fieldToTypeMap={}, config={}, triageConfig=default_triage())


def _section(fields: dict[str, tuple[Reader, Any]]) -> Reader:
    return lambda value, where: _bean(value, where, fields, ("enrichmentConfigs",))


_SENSOR_ENRICHMENT: dict[str, tuple[Reader, Any]] = {
    "enrichment": (_section(_ENRICHMENT), lambda: Bean(fieldMap={}, fieldToTypeMap={}, config={})),
    "threatIntel": (_section(_THREAT_INTEL), default_threat_intel),
    "configuration": (_map, _new_map),
}


def enrichment_bean(value: Any) -> Bean:
    """A sensor enrichment config (``SensorEnrichmentConfig``) from its JSON value."""
    bean = _bean(value, "the enrichment config", _SENSOR_ENRICHMENT)
    if bean is None:
        raise ConfigError("the enrichment config is null")
    return bean


def load_enrichment(text: str) -> Bean:
    """A sensor enrichment config from its JSON text."""
    return enrichment_bean(parse(text, "enrichment"))


# -- indexing config ------------------------------------------------------------------------


def load_indexing(text: str) -> dict[str, Any]:
    """A sensor indexing config (a plain map of writer name to writer settings)."""
    value = parse(text, "indexing")
    if not isinstance(value, dict):
        raise ConfigError("the indexing config must be a JSON object")
    return value
