"""The threat-triage editors of :mod:`metron.stellar.stdlib.configedit` (documented there):
``THREAT_TRIAGE_ADD``, ``THREAT_TRIAGE_REMOVE``, ``THREAT_TRIAGE_SET_AGGREGATOR`` and
``THREAT_TRIAGE_PRINT``.  ``THREAT_TRIAGE_INIT``, ``_SCORE`` and ``_CONFIG`` need the triage
engine and live with the service-backed functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib import _sensorconfig as sc
from metron.stellar.stdlib._jacksonjson import Bean, NullKeyError, plain, pretty
from metron.stellar.stdlib.shell import table
from metron.stellar.types import java_type_name, to_java_string


def _triage_source(args: tuple[Any, ...]) -> tuple[Bean, Any]:
    """The enrichment config from JSON text or a triage engine, and the engine if any."""
    source = sc.nth_arg(args, 0)
    if sc.is_string(source):
        return sc.load_enrichment(source), None
    engine_config = getattr(source, "config", None)
    if isinstance(engine_config, Mapping) and not isinstance(source, (Mapping, list, str)):
        return sc.enrichment_bean(plain(engine_config)), source
    raise StellarError(f"Unexpected type: got '{java_type_name(source)}'")


def _triage_config(config: Bean) -> Bean:
    if config["threatIntel"] is None:
        config["threatIntel"] = sc.default_threat_intel()
    if config["threatIntel"]["triageConfig"] is None:
        config["threatIntel"]["triageConfig"] = sc.default_triage()
    triage: Bean = config["threatIntel"]["triageConfig"]
    return triage


def _triage_result(config: Bean, engine: Any) -> str:
    if engine is not None:
        updated = plain(config)
        current = engine.config
        if isinstance(current, dict):
            current.clear()
            current.update(updated)
            updated = current
        with contextlib.suppress(AttributeError):  # a read-only attribute: updated in place
            engine.config = updated
    try:
        return pretty(config)
    except NullKeyError:
        raise StellarError("Unable to serialize enrichment config to JSON") from None


_TRIAGE_SOURCE = (
    "config - the enrichment config (JSON text) or a triage engine from THREAT_TRIAGE_INIT"
)
_RULE_KEYS = ("name", "comment", "rule", "reason")


def _new_rule(definition: Mapping[Any, Any]) -> Bean:
    rule = Bean(name=None, comment=None, rule=None, score=None, reason=None)
    for key in _RULE_KEYS:
        value = definition.get(key)
        if value is not None:
            rule[key] = sc.string_arg(value, f"the rule's {key}")
    rule["score"] = sc.score_text(definition["score"])
    return rule


def _check_stellar(rule: Bean) -> None:
    from metron import stellar as language  # the language package imports this library

    for key in ("rule", "reason"):
        if rule[key] is not None:
            try:
                language.validate(rule[key])
            except StellarError as e:
                raise StellarError(
                    f"the triage {key} {rule[key]!r} is not valid Stellar: {e.message}"
                ) from None


@stellar(
    "THREAT_TRIAGE_ADD",
    params=[
        _TRIAGE_SOURCE,
        "triageRules - a rule, or a list of rules: maps with 'rule' (a Stellar predicate) and"
        " 'score' (a number or a Stellar expression), optionally 'name', 'comment' and"
        " 'reason' (a Stellar expression)",
    ],
    returns="the updated enrichment config as JSON text",
    description="Adds threat-triage rules. Maps without both 'rule' and 'score' are skipped;"
    " a rule whose predicate is already present is not added again. The rule and reason must"
    " be valid Stellar.",
    examples=[
        (
            "MAP_GET('riskLevelRules', MAP_GET('triageConfig', MAP_GET('threatIntel',"
            " TO_JSON_MAP(THREAT_TRIAGE_ADD('{}', {'rule': 'port == 22', 'score': 50})))))",
            [{"rule": "port == 22", "score": "50"}],
        ),
        Example("THREAT_TRIAGE_ADD('{}', {'rule': 'port ==', 'score': 5})", error=True),
    ],
    pure=True,
    category="configedit",
)
def threat_triage_add(*args: Any) -> str:
    config, engine = _triage_source(args)
    triage = _triage_config(config)
    definitions = sc.nth_arg(args, 1)
    if isinstance(definitions, Mapping):
        definitions = [definitions]
    elif not isinstance(definitions, list):
        raise StellarError(
            f"triage rule expected to be map or list, got {java_type_name(definitions)}"
        )
    added = []
    for definition in definitions:
        if definition is None:
            continue
        if "rule" in sc.map_arg(definition, "a triage rule") and "score" in definition:
            added.append(_new_rule(definition))
    triage["riskLevelRules"] = sc.triage_rules([*triage["riskLevelRules"], *added])
    for rule in added:
        _check_stellar(rule)
    return _triage_result(config, engine)


@stellar(
    "THREAT_TRIAGE_REMOVE",
    params=[_TRIAGE_SOURCE, "rules - a list of rule predicates or rule names to remove"],
    returns="the updated enrichment config as JSON text",
    description="Removes the threat-triage rules whose predicate or name is in the list.",
    examples=[
        (
            "MAP_GET('riskLevelRules', MAP_GET('triageConfig', MAP_GET('threatIntel',"
            " TO_JSON_MAP(THREAT_TRIAGE_REMOVE(THREAT_TRIAGE_ADD('{}', {'name': 'ssh',"
            " 'rule': 'port == 22', 'score': 50}), ['ssh'])))))",
            [],
        ),
    ],
    pure=True,
    category="configedit",
)
def threat_triage_remove(*args: Any) -> str:
    config, engine = _triage_source(args)
    triage = _triage_config(config)
    removals = args[1]
    removals = [] if removals is None else sc.list_arg(removals, "the rules")
    targets = {r for r in removals if sc.is_string(r)}
    triage["riskLevelRules"] = [
        rule
        for rule in triage["riskLevelRules"]
        if rule["rule"] not in targets and (rule["name"] is None or rule["name"] not in targets)
    ]
    return _triage_result(config, engine)


@stellar(
    "THREAT_TRIAGE_SET_AGGREGATOR",
    params=[
        _TRIAGE_SOURCE,
        "aggregator - how rule scores combine: MAX, MIN, SUM, MEAN or POSITIVE_MEAN",
        "aggregatorConfig - (optional) the aggregator's settings, e.g."
        " {'negativeValuesTrump': false}",
    ],
    returns="the updated enrichment config as JSON text",
    description="Sets how the scores of the matching triage rules are combined.",
    examples=[
        (
            "MAP_GET('aggregator', MAP_GET('triageConfig', MAP_GET('threatIntel',"
            " TO_JSON_MAP(THREAT_TRIAGE_SET_AGGREGATOR('{}', 'SUM')))))",
            "SUM",
        ),
        Example("THREAT_TRIAGE_SET_AGGREGATOR('{}', 'sum')", error=True),
    ],
    pure=True,
    category="configedit",
)
def threat_triage_set_aggregator(*args: Any) -> str:
    config, engine = _triage_source(args)
    triage = _triage_config(config)
    aggregator = sc.string_arg(args[1], "the aggregator") if args[1] is not None else None
    if aggregator not in sc.AGGREGATORS:
        raise StellarError(
            f"Unable to load aggregator of {to_java_string(aggregator)}.  Valid aggregators"
            f" are {','.join(sc.AGGREGATORS)}"
        )
    triage["aggregator"] = aggregator
    if len(args) > 2:
        if args[2] is not None:
            sc.map_arg(args[2], "the aggregator config")
        triage["aggregationConfig"] = args[2]
    return _triage_result(config, engine)


@stellar(
    "THREAT_TRIAGE_PRINT",
    params=[_TRIAGE_SOURCE],
    returns="a table of the triage rules (Name, Comment, Triage Rule, Score, Reason), followed"
    " by the aggregator when there are rules",
    description="Shows the threat-triage rules of an enrichment config or a triage engine.",
    examples=[
        Example(
            "THREAT_TRIAGE_PRINT(THREAT_TRIAGE_ADD('{}', {'rule': 'port == 22', 'score': 50}))",
            check=False,
        ),
        Example("THREAT_TRIAGE_PRINT(null)", error=True),
    ],
    pure=True,
    category="configedit",
)
def threat_triage_print(*args: Any) -> str:
    config, _ = _triage_source(args)
    threat_intel = config["threatIntel"]
    if threat_intel is None or threat_intel["triageConfig"] is None:
        return ""
    triage = threat_intel["triageConfig"]
    rules = triage["riskLevelRules"] or []
    rows = [
        [r["name"] or "", r["comment"] or "", r["rule"], r["score"], r["reason"] or ""]
        for r in rules
    ]
    text = table(["Name", "Comment", "Triage Rule", "Score", "Reason"], rows)
    return text + f"Aggregation: {triage['aggregator']}" if rules else text
