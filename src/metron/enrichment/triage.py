"""Threat triage: score an alert with a sensor's risk-level rules, as Metron does.

A sensor enrichment config's ``threatIntel.triageConfig`` holds::

    {
      "riskLevelRules": [
        {"name": "ssh", "comment": "remote shell", "rule": "ip_dst_port == 22",
         "score": 50, "reason": "FORMAT('ssh to %s', ip_dst_addr)"}
      ],
      "aggregator": "MAX",
      "aggregationConfig": {"negativeValuesTrump": true}
    }

Every rule whose ``rule`` (a Stellar predicate; a blank one always holds) is true *fires*:
its ``reason`` (Stellar, optional) and then its ``score`` (a number, or Stellar giving a
number) are evaluated.  The fired rules' scores combine with the aggregator:

* ``MAX`` (the default), ``MIN``, ``SUM``: folded from 0, ``Double.MAX_VALUE`` and 0;
* ``MEAN``: the sum over the number of fired rules;
* ``POSITIVE_MEAN``: the mean of the scores above zero (0 when there are none).

With ``negativeValuesTrump`` (true unless the config converts it to false) any negative
score makes the total ``-Infinity``: a rule can whitelist an alert.  When no rule fires the
total is 0 under every aggregator.  Rules are looked up by their ``rule`` text: a repeated
predicate is dropped, as Metron's config loader does.

Variables resolve from the message first, then from the sensor config's
``configuration`` map, then from ``threatIntel.config`` (the first non-null value wins).

A rule giving anything but a boolean (null included) and a score giving anything not
convertible to a number are errors naming the rule; Metron converts the score the
commons-beanutils way (``'10'`` is 10, ``true`` is 1, a list gives its first element) and
the reason to a string the same way.

:func:`add_threat_score` writes Metron's fields when at least one rule fired::

    threat.triage.score            the total (a double)
    threat.triage.rules.<i>.name   for each fired rule i, in rule order:
    threat.triage.rules.<i>.comment   the rule's name, comment,
    threat.triage.rules.<i>.score     score *expression* (text) and
    threat.triage.rules.<i>.reason    evaluated reason (null when absent)

:class:`TriageService` provides ``THREAT_TRIAGE_INIT``, ``THREAT_TRIAGE_SCORE`` and
``THREAT_TRIAGE_CONFIG`` to the Stellar shell.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from metron import stellar
from metron.errors import ConfigError, MetronError
from metron.stellar import Expression, StellarContext, StellarError
from metron.stellar.convert import to_boolean, to_double, to_string
from metron.stellar.stdlib import _sensorconfig as sc
from metron.stellar.stdlib._jacksonjson import Bean, NullKeyError, plain, pretty
from metron.stellar.types import java_hashmap_order, java_type_name, to_java_string

__all__ = [
    "AGGREGATORS",
    "RULES_PREFIX",
    "SCORE_FIELD",
    "RiskLevelRule",
    "RuleScore",
    "ThreatScore",
    "TriageConfigError",
    "TriageEngine",
    "TriageError",
    "TriageProcessor",
    "TriageService",
    "add_threat_score",
    "aggregate",
    "negative_values_trump",
]

#: The aggregator names Metron accepts, in its order.
AGGREGATORS: tuple[str, ...] = sc.AGGREGATORS
#: The message field holding the total score.
SCORE_FIELD = "threat.triage.score"
#: The prefix of the per-rule fields: ``threat.triage.rules.<i>.<name|comment|score|reason>``.
RULES_PREFIX = "threat.triage.rules"

_NEGATIVE_VALUES_TRUMP = "negativeValuesTrump"
_NEG_INF = float("-inf")
_DOUBLE_MAX = sys.float_info.max


class TriageConfigError(ConfigError):
    """A threat-triage config Metron would not load, or a rule that is not valid Stellar."""


class TriageError(MetronError):
    """A rule failed while scoring a message; ``rule`` is the rule's name or predicate."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule


# -- the aggregators (Metron's ``Aggregators``) ----------------------------------------------


def _java_max(a: float, b: float) -> float:
    """``Math.max``: NaN wins, and +0.0 is above -0.0."""
    if a != a:
        return a
    if a == 0.0 and b == 0.0 and math.copysign(1.0, a) < 0:
        return b
    return a if a >= b else b


def _java_min(a: float, b: float) -> float:
    """``Math.min``: NaN wins, and -0.0 is below +0.0."""
    if a != a:
        return a
    if a == 0.0 and b == 0.0 and math.copysign(1.0, b) < 0:
        return b
    return a if a <= b else b


def _sum(a: float, b: float) -> float:
    return a + b


def _fold(
    initial: float, op: Callable[[float, float], float], scores: Sequence[float], trump: bool
) -> float:
    if not scores:
        return 0.0
    total = initial
    if trump:
        for score in scores:
            total = _NEG_INF if score < 0 or total < 0 else op(total, score)
    else:
        for score in scores:
            total = op(total, score)
    return total


def _mean(scores: Sequence[float], trump: bool) -> float:
    total = _fold(0.0, _sum, scores, trump)
    count = float(len(scores))
    return total / (1.0 if count < 1e-5 else count)


def _positive_mean(scores: Sequence[float], trump: bool) -> float:
    total = 0.0
    count = 0
    for score in scores:
        if score < 0:
            if trump:
                return _NEG_INF
        elif score > 0:
            total += score
            count += 1
    return total / count if count > 0 else 0.0


_AGGREGATE: dict[str, Callable[[Sequence[float], bool], float]] = {
    "MAX": lambda scores, trump: _fold(0.0, _java_max, scores, trump),
    "MIN": lambda scores, trump: _fold(_DOUBLE_MAX, _java_min, scores, trump),
    "SUM": lambda scores, trump: _fold(0.0, _sum, scores, trump),
    "MEAN": _mean,
    "POSITIVE_MEAN": _positive_mean,
}


def negative_values_trump(aggregation_config: Mapping[str, Any] | None) -> bool:
    """``negativeValuesTrump`` of an aggregation config: true unless it converts to false."""
    value = None if aggregation_config is None else aggregation_config.get(_NEGATIVE_VALUES_TRUMP)
    if value is None:
        return True
    converted = to_boolean(value)
    return True if converted is None else converted


def aggregate(
    aggregator: str,
    scores: Sequence[float],
    aggregation_config: Mapping[str, Any] | None = None,
) -> float:
    """Combine rule scores with one of :data:`AGGREGATORS`, exactly as Metron does."""
    fn = _AGGREGATE.get(aggregator)
    if fn is None:
        raise TriageConfigError(
            f"Unable to load aggregator of {aggregator}.  Valid aggregators are"
            f" {','.join(AGGREGATORS)}"
        )
    return fn([float(s) for s in scores], negative_values_trump(aggregation_config))


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskLevelRule:
    """One triage rule; ``score`` is the score expression as text (a number's Java text)."""

    rule: str
    score: str
    name: str | None = None
    comment: str | None = None
    reason: str | None = None

    @property
    def label(self) -> str:
        """How errors name the rule."""
        return f"'{self.name}' ({self.rule})" if self.name else f"'{self.rule}'"


@dataclass(frozen=True, slots=True)
class RuleScore:
    """A rule that fired: its score (a double) and its evaluated reason."""

    rule: RiskLevelRule
    score: float
    reason: str | None


@dataclass(frozen=True, slots=True)
class ThreatScore:
    """The total score, the rules that fired (in rule order) and the aggregator used."""

    score: float
    rules: tuple[RuleScore, ...]
    aggregator: str


def add_threat_score(message: MutableMapping[str, Any], threat: ThreatScore) -> None:
    """Write Metron's ``threat.triage.*`` fields into ``message`` (nothing if no rule fired)."""
    if not threat.rules:
        return
    message[SCORE_FIELD] = threat.score
    for i, fired in enumerate(threat.rules):
        prefix = f"{RULES_PREFIX}.{i}."
        message[prefix + "name"] = fired.rule.name
        message[prefix + "comment"] = fired.rule.comment
        message[prefix + "score"] = fired.rule.score
        message[prefix + "reason"] = fired.reason


# -- the engine ---------------------------------------------------------------------------


class _Layered(Mapping[str, Any]):
    """Metron's ``MapVariableResolver``: the first non-null value of the layers."""

    __slots__ = ("_layers",)

    def __init__(self, layers: tuple[Mapping[str, Any], ...]) -> None:
        self._layers = layers

    def get(self, key: str, default: Any = None) -> Any:
        for layer in self._layers:
            value = layer.get(key)
            if value is not None:
                return value
        return default

    def __getitem__(self, key: str) -> Any:
        value = self.get(key)
        if value is None and not any(key in layer for layer in self._layers):
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for layer in self._layers:
            for key in layer:
                if key not in seen:
                    seen.add(key)
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _load_triage(config: Mapping[str, Any] | None) -> Bean:
    """The triage config as Metron's loader reads it (defaults filled in, rules checked)."""
    if config is None:
        return sc.default_triage()
    if not isinstance(config, Mapping):
        raise TriageConfigError(
            f"the threat triage config must be a map, got {java_type_name(config)}"
        )
    try:
        bean = sc.enrichment_bean({"threatIntel": {"triageConfig": plain(config)}})
    except StellarError as e:
        raise TriageConfigError(f"invalid threat triage config: {e.message}") from None
    triage: Bean = bean["threatIntel"]["triageConfig"]
    return triage


class _Compiled:
    __slots__ = ("predicate", "reason", "rule", "score")

    def __init__(self, rule: RiskLevelRule, context: StellarContext | None) -> None:
        self.rule = rule
        try:
            self.predicate: Expression | None = (
                stellar.compile(rule.rule, context=context) if rule.rule.strip() else None
            )
            self.score = stellar.compile(rule.score, context=context)
            self.reason: Expression | None = (
                None if rule.reason is None else stellar.compile(rule.reason, context=context)
            )
        except StellarError as e:
            raise TriageConfigError(f"threat triage rule {rule.label}: {e}") from None


def _shown(value: Any) -> str:
    return f"{java_type_name(value)} {to_java_string(value)!r}"


class TriageEngine:
    """Scores messages with one ``triageConfig``; the Stellar is compiled once, here.

    ``defaults`` are the maps consulted, in order, for a variable the message lacks or holds
    as null (Metron: the sensor config's ``configuration``, then ``threatIntel.config``).
    Use :meth:`from_sensor_config` to build one from a whole sensor enrichment config.
    """

    def __init__(
        self,
        triage_config: Mapping[str, Any] | None = None,
        *,
        context: StellarContext | None = None,
        defaults: Sequence[Mapping[str, Any] | None] = (),
    ) -> None:
        bean = _load_triage(triage_config)
        self.rules: tuple[RiskLevelRule, ...] = tuple(
            RiskLevelRule(
                rule=r["rule"],
                score=r["score"],
                name=r["name"],
                comment=r["comment"],
                reason=r["reason"],
            )
            for r in bean["riskLevelRules"]
        )
        self.aggregator: str = bean["aggregator"]
        self.aggregation_config: dict[str, Any] = dict(bean["aggregationConfig"] or {})
        self._trump = negative_values_trump(self.aggregation_config)
        self._aggregate = _AGGREGATE[self.aggregator]
        self._defaults = tuple(d for d in defaults if d is not None)
        compiled = [_Compiled(rule, context) for rule in self.rules]
        # (rule, predicate, reason, score) evaluators; a blank predicate always holds
        self._plan: tuple[tuple[RiskLevelRule, Any, Any, Any], ...] = tuple(
            (
                c.rule,
                None if c.predicate is None else c.predicate.evaluate,
                None if c.reason is None else c.reason.evaluate,
                c.score.evaluate,
            )
            for c in compiled
        )

    @classmethod
    def from_sensor_config(
        cls, config: Mapping[str, Any], *, context: StellarContext | None = None
    ) -> TriageEngine:
        """The engine for a sensor enrichment config (its ``threatIntel.triageConfig``)."""
        threat_intel = config.get("threatIntel") or {}
        if not isinstance(threat_intel, Mapping):
            raise TriageConfigError("the enrichment config's threatIntel must be a map")
        return cls(
            threat_intel.get("triageConfig"),
            context=context,
            defaults=(config.get("configuration"), threat_intel.get("config")),
        )

    def score(self, message: Mapping[str, Any]) -> ThreatScore:
        """Apply every rule to ``message`` and aggregate the scores of those that fire."""
        defaults = self._defaults
        scope: Mapping[str, Any] = (
            _Layered((message, *defaults)) if defaults and any(defaults) else message
        )
        fired: list[RuleScore] = []
        rule: RiskLevelRule | None = None
        part = "rule"
        try:
            for rule, holds_fn, reason_fn, score_fn in self._plan:
                if holds_fn is not None:
                    part = "rule"
                    holds = holds_fn(scope)
                    if holds is not True:
                        if holds is False:
                            continue
                        self._not_boolean(rule, holds)
                reason = None
                if reason_fn is not None:
                    part = "reason"
                    reason = to_string(reason_fn(scope))
                part = "score"
                value = score_fn(scope)
                number = to_double(value)
                if number is None:
                    self._not_number(rule, value)
                fired.append(RuleScore(rule, number, reason))
        except StellarError as e:
            assert rule is not None
            raise TriageError(
                f"threat triage rule {rule.label}: its {part} failed: {e}", rule.name or rule.rule
            ) from e
        total = self._aggregate([f.score for f in fired], self._trump)
        return ThreatScore(total, tuple(fired), self.aggregator)

    def triage(self, message: MutableMapping[str, Any]) -> ThreatScore:
        """Score ``message`` and write the ``threat.triage.*`` fields into it."""
        threat = self.score(message)
        add_threat_score(message, threat)
        return threat

    @staticmethod
    def _not_boolean(rule: RiskLevelRule, value: Any) -> NoReturn:
        got = "null" if value is None else _shown(value)
        raise TriageError(
            f"The rule {rule.label} does not return a boolean value (got {got})",
            rule.name or rule.rule,
        )

    @staticmethod
    def _not_number(rule: RiskLevelRule, value: Any) -> NoReturn:
        raise TriageError(
            f"the score of threat triage rule {rule.label} is not a number:"
            f" '{rule.score}' gave {_shown(value)}",
            rule.name or rule.rule,
        )

    def __repr__(self) -> str:
        return f"TriageEngine({len(self.rules)} rule(s), {self.aggregator})"


# -- the Stellar shell's THREAT_TRIAGE_INIT/SCORE/CONFIG -------------------------------------


class TriageProcessor:
    """What ``THREAT_TRIAGE_INIT`` returns: a sensor enrichment config and its engine.

    ``config`` is the whole enrichment config as a plain dict; the ``THREAT_TRIAGE_ADD``
    family edits it, and the next score uses the edited rules (as in Metron, where the
    engine shares the edited config object).
    """

    def __init__(self, config: dict[str, Any], context: StellarContext | None = None) -> None:
        self.config = config
        self.context = context
        self._key: str | None = None
        self._engine: TriageEngine | None = None

    @property
    def engine(self) -> TriageEngine:
        """The engine for the current config (rebuilt when the config changed)."""
        threat_intel = self.config.get("threatIntel") or {}
        parts = (
            threat_intel.get("triageConfig"),
            self.config.get("configuration"),
            threat_intel.get("config"),
        )
        key = repr(parts)
        if self._engine is None or key != self._key:
            self._engine = TriageEngine.from_sensor_config(self.config, context=self.context)
            self._key = key
        return self._engine

    def apply(self, message: Mapping[str, Any]) -> ThreatScore:
        return self.engine.score(message)

    def __str__(self) -> str:
        threat_intel = self.config.get("threatIntel") or {}
        triage = threat_intel.get("triageConfig") or {}
        return f"ThreatTriage{{{len(triage.get('riskLevelRules') or [])} rule(s)}}"

    __repr__ = __str__


def _rule_map(fired: RuleScore) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    rule = fired.rule
    if rule.name is not None:
        entry["name"] = rule.name
    entry["rule"] = rule.rule
    entry["score"] = rule.score
    if fired.reason is not None:
        entry["reason"] = fired.reason
    if rule.comment is not None:
        entry["comment"] = rule.comment
    return java_hashmap_order(entry)


class TriageService:
    """The ``triage`` service of a Stellar context: ``THREAT_TRIAGE_INIT/SCORE/CONFIG``.

    ``context`` is the Stellar context the rules run in (global config, other services), or
    a function returning it (the shell passes its own context that way).
    """

    def __init__(
        self, context: StellarContext | Callable[[], StellarContext] | None = None
    ) -> None:
        self._context = context

    def _stellar_context(self) -> StellarContext | None:
        context = self._context
        if context is None or isinstance(context, StellarContext):
            return context
        return context()

    def init(self, *args: Any) -> TriageProcessor:
        """``THREAT_TRIAGE_INIT([config])``: an engine for a sensor enrichment config."""
        if not args:
            bean = sc.enrichment_bean({})
        else:
            text = to_string(args[0])
            if text is None:
                raise StellarError("Invalid configuration: unable to deserialize 'null'")
            bean = sc.load_enrichment(text)
        # As in Metron, the rules' Stellar is checked when the engine first scores.
        return TriageProcessor(plain(bean), self._stellar_context())

    def score(self, *args: Any) -> dict[str, Any]:
        """``THREAT_TRIAGE_SCORE(message, engine)``: a map of score, rules and aggregator."""
        from metron.parsing.parsers._jsonsimple import load_java

        text = to_string(sc.nth_arg(args, 0))
        if text is None:
            raise StellarError("expected string, got null")
        try:
            message = load_java(text)
        except ValueError as e:
            raise StellarError(f"invalid message: {e}") from None
        if not isinstance(message, dict):
            raise StellarError(f"invalid message: expected a JSON object, got {text!r}")
        processor = self._processor(args, 1)
        try:
            threat = processor.apply(message)
        except MetronError as e:
            if isinstance(e, StellarError):
                raise
            raise StellarError(str(e)) from e
        result = {
            "score": threat.score,
            "rules": [_rule_map(fired) for fired in threat.rules],
            "aggregator": threat.aggregator,
        }
        return java_hashmap_order(result)

    def config(self, *args: Any) -> str:
        """``THREAT_TRIAGE_CONFIG(engine)``: the engine's enrichment config as JSON text."""
        processor = self._processor(args, 0)
        try:
            return pretty(sc.enrichment_bean(plain(processor.config)))
        except NullKeyError:
            raise StellarError("Unable to serialize enrichment config to JSON") from None

    @staticmethod
    def _processor(args: tuple[Any, ...], index: int) -> TriageProcessor:
        found = sc.nth_arg(args, index)
        if found is None:
            raise StellarError("expected threat triage engine; got null")
        if not isinstance(found, TriageProcessor):
            raise StellarError(
                f"expected a threat triage engine from THREAT_TRIAGE_INIT, got"
                f" {java_type_name(found)}"
            )
        return found
