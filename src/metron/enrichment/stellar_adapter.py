"""The ``stellar`` enrichment and threat-intel adapter, as Metron's ``StellarAdapter``.

Each task (a named group, or the unnamed group of top-level entries; see
:func:`metron.enrichment.config.stellar_groups`) starts from the original message and
runs its assignments in order:

* variables resolve from the message, then the section-independent
  ``enrichment.config``, then the sensor config's ``configuration`` map (the first
  non-null value wins; Metron uses ``enrichment.config`` for threat intel too);
* each result is visible to the later assignments of the same group;
* a null result removes the variable (that is how temporary variables are dropped);
* a map result ``m`` assigned to ``name`` is written as ``name.<key>`` for each key of
  ``m`` (one level), not as ``name``;
* fields are written as assigned, without any prefix.

A group that fails (a Stellar error) yields no fields and a :class:`GroupFailure`; the
other groups are unaffected.  The failure reads as Metron's: ``Unable to parse: <expression>
due to: <cause>``, followed by `` with relevant variables a=1,b=missing`` when the expression
reads variables.  :meth:`StellarAdapter.unit_of_work` gives the part of the message a group
reads, which Metron's error messages carry.  :func:`join` merges group results into the message the way
Metron's enricher does: later groups win, and null or empty-string values are dropped.
Every expression is compiled once, when the adapter is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from metron import stellar
from metron.enrichment.config import SensorEnrichmentConfig, StellarGroup
from metron.errors import ConfigError, MetronError
from metron.stellar import StellarContext, StellarError
from metron.stellar.types import java_hashmap_order, java_type_name, to_java_string

__all__ = [
    "GroupFailure",
    "StellarAdapter",
    "StellarAdapterError",
    "StellarResult",
    "join",
]

_STRATEGY = {"enrichment": "ENRICHMENT", "threatIntel": "THREAT_INTEL"}


class StellarAdapterError(MetronError):
    """A group's Stellar failed on a message."""


@dataclass(frozen=True)
class GroupFailure:
    """A group that failed on a message; its fields are missing from the result."""

    group: str | None
    error: Exception
    strategy: str = "ENRICHMENT"

    @property
    def message(self) -> str:
        """Metron's error text: ``<STRATEGY> error with stellar failed: <cause>``."""
        cause = getattr(self.error, "message", None) or str(self.error)
        return f"{self.strategy} error with stellar failed: {cause}"


@dataclass
class StellarResult:
    """The fields the groups produced (merged in group order) and the groups that failed."""

    fields: dict[str, Any] = field(default_factory=dict)
    failures: list[GroupFailure] = field(default_factory=list)


# (variable, evaluate, expression text, the variables it reads in Java HashSet order)
_Plan = tuple[tuple[str, Callable[..., Any], str, tuple[str, ...]], ...]


class StellarAdapter:
    """Runs one section's ``stellar`` config on messages."""

    def __init__(
        self,
        groups: Sequence[StellarGroup],
        *,
        enrichment_config: Mapping[str, Any] | None = None,
        configuration: Mapping[str, Any] | None = None,
        context: StellarContext | None = None,
        strategy: str = "ENRICHMENT",
    ) -> None:
        self.groups: tuple[StellarGroup, ...] = tuple(groups)
        self.strategy = strategy
        plans: list[_Plan] = []
        used: list[frozenset[str]] = []
        for group in self.groups:
            steps = []
            names: set[str] = set()
            for assignment in group.assignments:
                try:
                    compiled = stellar.compile(assignment.expression, context=context)
                except StellarError as e:
                    raise ConfigError(f"{assignment.key}: invalid Stellar: {e}") from None
                reads = compiled.variables_used
                ordered = tuple(java_hashmap_order(dict.fromkeys(sorted(reads))))
                steps.append(
                    (assignment.variable, compiled.evaluate, assignment.expression, ordered)
                )
                names.update(reads)
            plans.append(tuple(steps))
            used.append(frozenset(names))
        self._plans: tuple[_Plan, ...] = tuple(plans)
        self._used: tuple[frozenset[str], ...] = tuple(used)
        # Metron's resolver layers, flattened: a later layer only fills what is null before.
        fallback: dict[str, Any] = {}
        for layer in (configuration or {}, enrichment_config or {}):
            fallback.update((k, v) for k, v in layer.items() if v is not None)
        self._fallback = fallback

    @classmethod
    def from_sensor_config(
        cls,
        config: SensorEnrichmentConfig,
        kind: str = "enrichment",
        *,
        context: StellarContext | None = None,
    ) -> StellarAdapter:
        """The adapter for ``kind`` (``"enrichment"`` or ``"threatIntel"``) of ``config``."""
        if kind not in _STRATEGY:
            raise ValueError(f"unknown enrichment section {kind!r}")
        return cls(
            config.stellar_groups(kind),
            enrichment_config=config.enrichment.config,
            configuration=config.configuration,
            context=context,
            strategy=_STRATEGY[kind],
        )

    def __bool__(self) -> bool:
        return bool(self.groups)

    def _scope(self, message: Mapping[str, Any]) -> dict[str, Any]:
        fallback = self._fallback
        if not fallback:
            return dict(message)
        scope = dict(fallback)
        for key, value in message.items():
            if value is not None or key not in fallback:
                scope[key] = value
        return scope

    def unit_of_work(self, group: str | None, message: Mapping[str, Any]) -> dict[str, Any]:
        """Metron's unit of work for a group, as its error messages show it:
        ``{<group name, "" when unnamed>: {<each variable the group reads>: value}}``
        (the whole message when the group reads ``_``; absent variables are null)."""
        for index, candidate in enumerate(self.groups):
            if candidate.name == group:
                names = self._used[index]
                if "_" in names:
                    segment = dict(message)
                else:
                    segment = {name: message.get(name) for name in sorted(names)}
                return {"" if group is None else group: java_hashmap_order(segment)}
        raise KeyError(group)

    def run_group(self, index: int, message: Mapping[str, Any]) -> dict[str, Any]:
        """The fields group ``index`` produces for ``message`` (which is not modified).

        Raises :class:`StellarError` or :class:`StellarAdapterError` when the group fails.
        """
        scope = self._scope(message)
        fallback = self._fallback
        result: dict[str, Any] = {}
        maps: list[str] = []
        for variable, evaluate, expression, reads in self._plans[index]:
            try:
                value = evaluate(scope)
            except StellarError as e:
                raise StellarAdapterError(_failure_text(expression, reads, scope, e)) from e
            if value is None:
                scope.pop(variable, None)
                if variable in fallback:
                    scope[variable] = fallback[variable]
                result.pop(variable, None)
            else:
                if isinstance(value, Mapping):
                    maps.append(variable)
                scope[variable] = value
                result[variable] = value
        for name in maps:
            if name not in result:
                continue  # nulled later, or already unfolded
            value = result[name]
            if not isinstance(value, Mapping):
                raise StellarAdapterError(
                    f"{name} was assigned a map and then a {java_type_name(value)};"
                    " it cannot be unfolded into fields"
                )
            del result[name]
            for key, item in value.items():
                result[f"{name}.{to_java_string(key)}" if name else to_java_string(key)] = item
        return result

    def apply(self, message: Mapping[str, Any]) -> StellarResult:
        """Run every group on ``message`` (not modified) and merge their fields."""
        outcome = StellarResult()
        for index, group in enumerate(self.groups):
            try:
                fields = self.run_group(index, message)
            except (StellarError, StellarAdapterError) as e:
                outcome.failures.append(GroupFailure(group.name, e, self.strategy))
                continue
            outcome.fields.update(fields)
        return outcome

    def enrich(self, message: MutableMapping[str, Any]) -> list[GroupFailure]:
        """Run every group and :func:`join` the fields into ``message``; the failures."""
        if not self.groups:
            return []
        # every group sees the original message: run them all before merging any
        results: list[dict[str, Any]] = []
        failures: list[GroupFailure] = []
        for index, group in enumerate(self.groups):
            try:
                results.append(self.run_group(index, message))
            except (StellarError, StellarAdapterError) as e:
                failures.append(GroupFailure(group.name, e, self.strategy))
                results.append({})
        for number, fields in enumerate(results):
            join(message, fields, clean=number > 0)  # joined once, it holds no null
        return failures

    def __repr__(self) -> str:
        names = ", ".join("<ungrouped>" if g.name is None else g.name for g in self.groups)
        return f"StellarAdapter({self.strategy}: {names})"


def _failure_text(
    expression: str, reads: tuple[str, ...], scope: Mapping[str, Any], error: StellarError
) -> str:
    """Metron's text for an expression that failed:
    ``Unable to parse: <expression> due to: <cause>``, then, when the expression reads
    variables, `` with relevant variables a=1,b=missing`` (their values at the time)."""
    text = f"Unable to parse: {expression} due to: {error.message}"
    if not reads:
        return text
    values = []
    for name in reads:
        value = dict(scope) if name == "_" else scope.get(name)
        values.append(f"{name}={'missing' if value is None else to_java_string(value)}")
    return f"{text} with relevant variables {','.join(values)}"


def join(message: MutableMapping[str, Any], fields: Mapping[str, Any], clean: bool = False) -> None:
    """Metron's enricher merge: ``fields`` override ``message``, then every null or
    empty-string value is dropped from the whole message.  ``clean`` says that
    ``message`` holds none (it is the result of a join): only ``fields`` are looked at."""
    message.update(fields)
    # Only strings equal "": truth first (a C slot, no call) lets the rest pass at once,
    # and testing the type spares the other falsy values' __eq__.
    empty = [
        key
        for key, value in (fields if clean else message).items()
        if not value and (value is None or isinstance(value, str))
    ]
    for key in empty:
        del message[key]
