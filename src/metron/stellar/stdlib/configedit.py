"""Configuration editors: Stellar functions that edit Metron's sensor configurations.

Each takes a configuration as JSON text (as ``CONFIG_GET`` returns it) and returns the edited
configuration as JSON text, normalised the way Metron's Java beans print it (every property,
in Metron's order, with Jackson's pretty printer), or a table for the ``*_PRINT`` functions:

* ``PARSER_STELLAR_TRANSFORM_*``: the Stellar field transformation of a parser config;
* ``ENRICHMENT_STELLAR_TRANSFORM_*``: the ``stellar`` adapter of an enrichment config's
  enrichment or threat-intel phase, optionally in a named group;
* ``INDEXING_SET_*``: one writer's settings in an indexing config;
* ``THREAT_TRIAGE_ADD/REMOVE/PRINT/SET_AGGREGATOR``: the threat-triage rules of an enrichment
  config.  Instead of JSON text these also accept a triage engine: any object with a
  ``config`` attribute holding the enrichment config as a dict (what ``THREAT_TRIAGE_INIT``
  returns).  The engine's config is updated in place and assigned back to ``engine.config``
  (so a property setter sees the change); the function still returns the JSON text.

As in Metron, a null parser config gives null, a null or empty enrichment or indexing config
is an error (except for ``ENRICHMENT_STELLAR_TRANSFORM_PRINT``, which prints an empty
table), and text that is not valid JSON, or not a valid configuration, is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metron.stellar.convert import to_boolean, to_integer, to_string
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib import _sensorconfig as sc
from metron.stellar.stdlib import _triageedit  # noqa: F401  (the THREAT_TRIAGE_* editors)
from metron.stellar.stdlib._jacksonjson import Bean, HashMap
from metron.stellar.stdlib.shell import table
from metron.stellar.types import to_java_string

_OUT = "the updated configuration as JSON text"


# -- parser: the Stellar field transformation ---------------------------------------------


def _stellar_transformer(config: Bean) -> Bean:
    transformers = config["fieldTransformations"]
    if transformers is None:
        raise StellarError("the parser config's fieldTransformations is null")
    found = None
    for transformer in transformers:
        if transformer is None:
            raise StellarError("the parser config holds a null field transformation")
        if sc.transformation_class(transformer) == sc.STELLAR_CLASS:
            found = transformer  # the last one wins
    if found is None:
        found = Bean(input=[], output=None, transformation="STELLAR", config={})
        transformers.append(found)
    if found["config"] is None:
        raise StellarError("the Stellar field transformation has a null config")
    return found


@stellar(
    "PARSER_STELLAR_TRANSFORM_ADD",
    params=[
        "sensorConfig - the parser config (JSON text)",
        "stellarTransforms - a map of field name to Stellar expression",
    ],
    returns=f"{_OUT}; null for a null config; the config unchanged when the map is empty",
    description="Adds fields to a parser config's Stellar field transformation (creating it if"
    " needed) and lists all its fields as the transformation's output. The expressions are"
    " stored as given, not checked.",
    examples=[
        (
            "MAP_GET('config', GET_LAST(MAP_GET('fieldTransformations', TO_JSON_MAP("
            "PARSER_STELLAR_TRANSFORM_ADD('{}', {'host': 'TO_LOWER(host)'})))))",
            {"host": "TO_LOWER(host)"},
        ),
        ("PARSER_STELLAR_TRANSFORM_ADD(null, {'a': '1'})", None),
    ],
    pure=True,
)
def parser_transform_add(*args: Any) -> str | None:
    if args[0] is None:
        return None
    original = sc.string_arg(args[0])
    config = sc.load_parser(original)
    transformer = _stellar_transformer(config)
    additions = args[1]
    if additions is None or not sc.map_arg(additions, "the transformations"):
        return original
    transformer["config"].update(additions)
    transformer["output"] = list(transformer["config"])
    return sc.emit(config, original)


@stellar(
    "PARSER_STELLAR_TRANSFORM_REMOVE",
    params=[
        "sensorConfig - the parser config (JSON text)",
        "stellarTransforms - a list of field names to remove",
    ],
    returns=f"{_OUT}; null for a null config; the config unchanged when the list is empty",
    description="Removes fields from a parser config's Stellar field transformation; a Stellar"
    " transformation left without fields is removed.",
    examples=[
        (
            "MAP_GET('fieldTransformations', TO_JSON_MAP(PARSER_STELLAR_TRANSFORM_REMOVE("
            "PARSER_STELLAR_TRANSFORM_ADD('{}', {'a': '1'}), ['a'])))",
            [],
        ),
    ],
    pure=True,
)
def parser_transform_remove(*args: Any) -> str | None:
    if args[0] is None:
        return None
    original = sc.string_arg(args[0])
    config = sc.load_parser(original)
    transformer = _stellar_transformer(config)
    removals = args[1]
    if removals is None or not sc.list_arg(removals, "the fields to remove"):
        return original
    fields = transformer["config"]
    for name in sc.names_arg(removals, "the fields to remove"):
        fields.pop(name, None)
    transformer["output"] = list(fields)
    kept = []
    for t in config["fieldTransformations"]:
        if sc.transformation_class(t) == sc.STELLAR_CLASS:
            if t["config"] is None:
                raise StellarError("the Stellar field transformation has a null config")
            if not t["config"]:
                continue
        kept.append(t)
    config["fieldTransformations"] = kept
    return sc.emit(config, original)


@stellar(
    "PARSER_STELLAR_TRANSFORM_PRINT",
    params=["sensorConfig - the parser config (JSON text)"],
    returns="a table of the Stellar transformation's fields (Field, Transformation), or null"
    " for a null config",
    description="Shows the fields and expressions of a parser config's Stellar field"
    " transformation.",
    examples=[
        Example(
            "PARSER_STELLAR_TRANSFORM_PRINT(PARSER_STELLAR_TRANSFORM_ADD('{}', {'a': '1'}))",
            check=False,
        ),
        ("PARSER_STELLAR_TRANSFORM_PRINT(null)", None),
    ],
    pure=True,
)
def parser_transform_print(*args: Any) -> str | None:
    if args[0] is None:
        return None
    fields = _stellar_transformer(sc.load_parser(sc.string_arg(args[0])))["config"]
    return table(["Field", "Transformation"], [_row(k, v) for k, v in fields.items()])


def _row(*cells: Any) -> list[str]:
    if cells[-1] is None:
        raise StellarError(f"the transformation of {to_java_string(cells[-2])!r} is null")
    return [to_java_string(c) for c in cells]


# -- enrichment: the stellar adapter ------------------------------------------------------

_PHASES = {"ENRICHMENT": "enrichment", "THREAT_INTEL": "threatIntel", "THREATINTEL": "threatIntel"}


def _stellar_handler(config: Bean, phase: Any) -> tuple[Bean, dict[str, Any]]:
    """The phase's config and its ``stellar`` adapter's transformations (created if absent)."""
    if phase is None or not sc.is_string(phase) or phase not in _PHASES:
        raise StellarError(
            f"the type must be ENRICHMENT or THREAT_INTEL, got {to_java_string(phase)}"
        )
    section = config[_PHASES[phase]]
    if section is None:
        raise StellarError(f"the config's {_PHASES[phase]} section is null")
    handler = section["fieldMap"].get("stellar", {})
    if not isinstance(handler, dict):
        raise StellarError("the stellar adapter must be configured with a map")
    section["fieldMap"]["stellar"] = handler
    if handler.get("config") is None:
        handler["config"] = {}
    transforms = handler["config"]
    if not isinstance(transforms, dict):
        raise StellarError("the stellar adapter's config must be a map")
    return section, transforms


def _required_config(value: Any) -> str:
    if value is None or value == "":
        raise StellarError(f"Invalid config: {'null' if value is None else 'empty'}")
    return sc.string_arg(value)


def _enrichment_args(args: tuple[Any, ...]) -> tuple[str, Bean, Bean, dict[str, Any], Any]:
    original = _required_config(args[0])
    config = sc.load_enrichment(original)
    section, transforms = _stellar_handler(config, args[1])
    return original, config, section, transforms, args[2]


def _group(args: tuple[Any, ...], transforms: dict[str, Any]) -> tuple[str | None, Any]:
    group = args[3] if len(args) > 3 else None
    if group is None:
        return None, transforms
    members = transforms.get(sc.string_arg(group, "the group"), {})
    if not isinstance(members, dict):
        raise StellarError(f"{group!r} is not a group of transformations")
    transforms[group] = members
    return group, members


_ENRICH_PARAMS = [
    "sensorConfig - the enrichment config (JSON text)",
    "type - ENRICHMENT or THREAT_INTEL",
]


@stellar(
    "ENRICHMENT_STELLAR_TRANSFORM_ADD",
    params=[
        *_ENRICH_PARAMS,
        "stellarTransforms - a map of field name to Stellar expression",
        "group - (optional) the group to add them to",
    ],
    returns=_OUT,
    description="Adds fields to the stellar adapter of an enrichment config's enrichment or"
    " threat-intel phase, in the default group or a named one. The expressions are stored as"
    " given, not checked.",
    examples=[
        (
            "MAP_GET('stellar', MAP_GET('fieldMap', MAP_GET('enrichment', TO_JSON_MAP("
            "ENRICHMENT_STELLAR_TRANSFORM_ADD('{}', 'ENRICHMENT', {'a': '1'}, 'g')))))",
            {"config": {"g": {"a": "1"}}},
        ),
        Example("ENRICHMENT_STELLAR_TRANSFORM_ADD('', 'ENRICHMENT', {'a': '1'})", error=True),
    ],
    pure=True,
)
def enrichment_transform_add(*args: Any) -> str:
    original, config, _, transforms, additions = _enrichment_args(args)
    group, members = _group(args, transforms)
    members.update(sc.map_arg(additions, "the transformations"))
    if group is not None and not members:
        del transforms[group]
    return sc.emit(config, original)


@stellar(
    "ENRICHMENT_STELLAR_TRANSFORM_REMOVE",
    params=[
        *_ENRICH_PARAMS,
        "stellarTransforms - a list of field names to remove",
        "group - (optional) the group to remove them from",
    ],
    returns=_OUT,
    description="Removes fields from the stellar adapter of an enrichment config's phase; an"
    " emptied group is removed, and so is the adapter when nothing is left.",
    examples=[
        (
            "MAP_GET('fieldMap', MAP_GET('threatIntel', TO_JSON_MAP("
            "ENRICHMENT_STELLAR_TRANSFORM_REMOVE(ENRICHMENT_STELLAR_TRANSFORM_ADD('{}',"
            " 'THREAT_INTEL', {'a': '1'}), 'THREAT_INTEL', ['a']))))",
            {},
        ),
    ],
    pure=True,
)
def enrichment_transform_remove(*args: Any) -> str:
    original, config, section, transforms, removals = _enrichment_args(args)
    group, members = _group(args, transforms)
    if removals is None:
        raise StellarError("the fields to remove are null")
    for name in sc.names_arg(removals, "the fields to remove"):
        members.pop(name, None)
    if group is not None and not members:
        del transforms[group]
    if not transforms:
        del section["fieldMap"]["stellar"]
    return sc.emit(config, original)


@stellar(
    "ENRICHMENT_STELLAR_TRANSFORM_PRINT",
    params=_ENRICH_PARAMS,
    returns="a table of the transformations (Group, Field, Transformation)",
    description="Shows the stellar adapter's transformations in an enrichment config's phase;"
    " ungrouped ones are in group (default). A null or empty config prints an empty table.",
    examples=[
        Example(
            "ENRICHMENT_STELLAR_TRANSFORM_PRINT(ENRICHMENT_STELLAR_TRANSFORM_ADD('{}',"
            " 'ENRICHMENT', {'a': '1'}), 'ENRICHMENT')",
            check=False,
        ),
    ],
    pure=True,
)
def enrichment_transform_print(*args: Any) -> str:
    headers = ["Group", "Field", "Transformation"]
    if args[0] is None or not sc.string_arg(args[0]):
        return table(headers, [])
    _, transforms = _stellar_handler(sc.load_enrichment(args[0]), args[1])
    rows: list[list[str]] = []
    for key, value in transforms.items():
        if isinstance(value, Mapping):
            rows.extend(_row(key, field, expr) for field, expr in value.items())
        else:
            rows.append(_row("(default)", key, value))
    return table(headers, rows)


# -- indexing -----------------------------------------------------------------------------


def _writer_settings(args: tuple[Any, ...]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    original = _required_config(args[0])
    config = sc.load_indexing(original)
    writer = to_string(args[1]) if len(args) > 1 else None
    if writer is None:
        raise StellarError("Invalid writer name: null")
    settings = config.get(writer)
    if settings is None:
        settings = HashMap()
    elif not isinstance(settings, dict):
        raise StellarError(f"the settings of writer {writer!r} must be a map")
    config[writer] = settings
    return original, config, settings


_INDEX_PARAMS = [
    "sensorConfig - the indexing config (JSON text)",
    "writer - the writer to configure (elasticsearch, solr, hdfs...)",
]


@stellar(
    "INDEXING_SET_BATCH",
    params=[
        *_INDEX_PARAMS,
        "size - (optional) the batch size, at least 1 (1, the default, disables batching)",
        "timeout - (optional) the batch timeout in seconds (0, the default, means the"
        " system default)",
    ],
    returns=_OUT,
    description="Sets a writer's batch size and batch timeout; both are always written.",
    examples=[
        (
            "MAP_GET('hdfs', TO_JSON_MAP(INDEXING_SET_BATCH('{}', 'hdfs', 50)))",
            {"batchSize": 50, "batchTimeout": 0},
        ),
        Example("INDEXING_SET_BATCH('{}', 'hdfs', 0)", error=True),
    ],
    pure=True,
)
def indexing_set_batch(*args: Any) -> str:
    original, config, settings = _writer_settings(args)
    size = _number(args[2], "the batch size") if len(args) > 2 else 1
    if size < 1:
        raise StellarError(f"Invalid batch size must be >= 1 : {size}")
    settings["batchSize"] = size
    settings["batchTimeout"] = _number(args[3], "the batch timeout") if len(args) > 3 else 0
    return sc.emit(config, original)


def _number(value: Any, what: str) -> int:
    number = to_integer(value)
    if number is None:
        raise StellarError(f"{what} must be an integer, got {to_java_string(value)}")
    return number


@stellar(
    "INDEXING_SET_ENABLED",
    params=[*_INDEX_PARAMS, "enabled? - (optional) true (the default) or false"],
    returns=_OUT,
    description="Enables or disables a writer for the sensor.",
    examples=[
        (
            "MAP_GET('solr', TO_JSON_MAP(INDEXING_SET_ENABLED('{}', 'solr', false)))",
            {"enabled": False},
        ),
    ],
    pure=True,
)
def indexing_set_enabled(*args: Any) -> str:
    original, config, settings = _writer_settings(args)
    enabled = to_boolean(args[2]) if len(args) > 2 else True
    if enabled is None:
        raise StellarError(f"enabled must be a boolean, got {to_java_string(args[2])}")
    settings["enabled"] = enabled
    return sc.emit(config, original)


@stellar(
    "INDEXING_SET_INDEX",
    params=[*_INDEX_PARAMS, "sensor - the index name"],
    returns=_OUT,
    description="Sets the index (Elasticsearch index prefix, Solr collection, HDFS folder) a"
    " writer writes the sensor's messages to.",
    examples=[
        (
            "MAP_GET('elasticsearch', TO_JSON_MAP(INDEXING_SET_INDEX('{}', 'elasticsearch',"
            " 'dns')))",
            {"index": "dns"},
        ),
    ],
    pure=True,
)
def indexing_set_index(*args: Any) -> str:
    original, config, settings = _writer_settings(args)
    index = to_string(args[2])
    if index is None:
        raise StellarError("Invalid sensor name: null")
    settings["index"] = index
    return sc.emit(config, original)
