"""Field transformations: the ``fieldTransformations`` of a sensor parser config.

Each entry names a ``transformation`` (Metron's enum name, exactly so spelled, or the Metron
class name), its ``input`` and ``output`` fields (a name or a list) and a ``config`` map.
Without ``output`` the outputs are the inputs.  Without ``input`` the transformation sees
the whole message; with one it sees only the listed fields (a missing one as null).  A
transformation yields field values; a null value removes the field from the message.

- ``STELLAR``: ``config`` maps field names to Stellar expressions, evaluated in order.
  Fields listed in ``output`` are written (null removes them); the others are temporary
  variables for the later expressions.  Names resolve to earlier results, then the input
  fields, then ``parserConfig``, then the Kafka metadata (when it is not merged into the
  message); ``_`` is all of them as one map.
- ``REMOVE``: removes the output fields, only when ``config.condition`` (Stellar, over the
  input fields) is true if it is given.
- ``SELECT``: keeps only the output fields of the input, plus ``timestamp``,
  ``original_string`` and ``source.type``.
- ``RENAME``: ``config`` maps old field names to new ones.
- ``REGEX_SELECT``: sets the output field to the first ``config`` key whose Java regex (or
  any regex of its list) is found in the single input field.  An invalid regex never
  matches, as in Metron.
- ``IP_PROTOCOL``: replaces an IANA protocol number by its name (6 gives ``TCP``); a
  number without a name removes the output field, anything but a number is left alone.

A Stellar expression is compiled when the config is loaded: an invalid one is a
:class:`~metron.errors.ConfigError` naming the entry and key.  An expression failing on a
message makes that message a ``parser_error``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from metron.errors import ConfigError
from metron.parsing._rules import RuleError, compile_rule, is_blank, layered, predicate, rule_text
from metron.parsing.config import FieldTransformationConfig
from metron.registry import Registry
from metron.stellar import Expression, StellarContext, StellarError, javaregex
from metron.stellar.stdlib.network import protocol_to_name
from metron.stellar.types import java_hashmap_order, to_java_string, wrap_int

__all__ = [
    "TRANSFORMATIONS",
    "FieldTransformer",
    "TransformationError",
    "build_transformers",
    "register_transformation",
]

_METRON_PACKAGE = "org.apache.metron.common.field.transformation."

#: What Metron's ``SelectTransformation`` never removes.
SYSTEM_FIELDS = frozenset({"timestamp", "original_string", "source.type"})


class TransformationError(RuleError):
    """A transformation failed on one message (Metron's IllegalStateException)."""


class FieldTransformer(ABC):
    """One configured field transformation; :meth:`transform` changes a message in place."""

    name: ClassVar[str] = ""
    #: Metron fails on every message when a transformation of this kind has no output.
    needs_output: ClassVar[bool] = True

    def __init__(self, spec: FieldTransformationConfig, context: StellarContext, where: str):
        self.where = where
        self.inputs: list[str] = spec.inputs
        self.outputs: list[str] = spec.outputs or list(self.inputs)
        self.config: dict[str, Any] = dict(spec.config)
        if self.needs_output and not self.outputs:
            raise ConfigError(f"{where}: {self.name} needs 'output' (or 'input') fields")
        self.setup(context)

    def setup(self, context: StellarContext) -> None:  # noqa: B027  (an optional hook)
        """Read and check ``self.config`` (called once, when the config is loaded)."""

    def fields(self, message: Mapping[str, Any]) -> Mapping[str, Any]:
        """What Metron hands the transformation: the message, or just the input fields."""
        if not self.inputs:
            return message
        return {name: message.get(name) for name in self.inputs}

    @abstractmethod
    def transform(
        self, message: dict[str, Any], parser_config: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> None:
        """Apply the transformation to ``message`` in place."""


def _apply(message: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """Metron's ``transformAndUpdate``: a null value removes the field."""
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value


TRANSFORMATIONS: Registry[type[FieldTransformer]] = Registry("field transformation")

T = TypeVar("T", bound=type[FieldTransformer])


def register_transformation(name: str, metron_class: str) -> Callable[[T], T]:
    """Register a transformation under Metron's enum name and class name."""

    def decorate(cls: T) -> T:
        cls.name = name
        TRANSFORMATIONS.register(name, cls, metron_class)
        return cls

    return decorate


def build_transformers(
    configs: list[FieldTransformationConfig], context: StellarContext
) -> list[FieldTransformer]:
    """The transformers of a sensor's ``fieldTransformations``, compiled and checked."""
    built = []
    for i, spec in enumerate(configs):
        where = f"fieldTransformations[{i}]"
        cls = TRANSFORMATIONS.get(spec.transformation)
        if cls is None:
            close = TRANSFORMATIONS.closest(spec.transformation, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            known = ", ".join(n for n in TRANSFORMATIONS if "." not in n)
            raise ConfigError(
                f"{where}.transformation: '{spec.transformation}' is not a field transformation"
                f"{hint} (known: {known})"
            )
        built.append(cls(spec, context, where))
    return built


@register_transformation("STELLAR", _METRON_PACKAGE + "StellarTransformation")
class StellarTransformer(FieldTransformer):
    def setup(self, context: StellarContext) -> None:
        self.rules: list[tuple[str, Expression, bool]] = []
        outputs = set(self.outputs)
        for field, value in self.config.items():
            if value is None:  # Metron skips null entries
                continue
            text = rule_text(value)
            rule = compile_rule(text, context, f"{self.where}.config.{field}")
            self.rules.append((field, rule, field in outputs))
        self._parser_config: Mapping[str, Any] | None = None
        self._parser_layer: dict[str, Any] = {}

    def _lower_layers(
        self, parser_config: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> dict[str, Any]:
        if parser_config is not self._parser_config:
            self._parser_config = parser_config
            self._parser_layer = layered(parser_config)
        if metadata:
            return layered(self._parser_layer, metadata)
        return self._parser_layer

    def transform(
        self, message: dict[str, Any], parser_config: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> None:
        fields = self.fields(message)
        lower = self._lower_layers(parser_config, metadata)
        scope = {**lower, **fields} if lower else dict(fields)
        if lower:
            # a null input field does not hide a parserConfig or metadata value
            for key in lower.keys() & fields.keys():
                if fields[key] is None:
                    scope[key] = lower[key]
        changes: dict[str, Any] = {}
        for field, rule, is_output in self.rules:
            try:
                value = rule.evaluate(scope)
            except StellarError as e:
                raise TransformationError(
                    f"Unable to process transformation: {rule.expression} for {field} because {e}"
                ) from e
            if is_output:
                changes[field] = value
            if value is not None:
                scope[field] = value
        _apply(message, changes)


@register_transformation("REMOVE", _METRON_PACKAGE + "RemoveTransformation")
class RemoveTransformer(FieldTransformer):
    def setup(self, context: StellarContext) -> None:
        condition = self.config.get("condition")
        # Metron ignores a condition that is not a string: the fields are always removed.
        self.condition: Expression | None = None
        if isinstance(condition, str) and not is_blank(condition):
            self.condition = compile_rule(condition, context, f"{self.where}.config.condition")

    def transform(
        self, message: dict[str, Any], parser_config: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> None:
        if self.condition is not None:
            try:
                remove = predicate(self.condition, self.fields(message))
            except StellarError as e:
                raise TransformationError(f"{self.where} REMOVE condition: {e}") from e
            if not remove:
                return
        for field in self.outputs:
            message.pop(field, None)


@register_transformation("SELECT", _METRON_PACKAGE + "SelectTransformation")
class SelectTransformer(FieldTransformer):
    def setup(self, context: StellarContext) -> None:
        self.keep = frozenset(self.outputs)

    def transform(
        self, message: dict[str, Any], parser_config: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> None:
        keep = self.keep
        for key, value in list(self.fields(message).items()):
            if key in keep:
                if value is None:
                    message.pop(key, None)
            elif key not in SYSTEM_FIELDS:
                message.pop(key, None)


@register_transformation("RENAME", _METRON_PACKAGE + "RenameTransformation")
class RenameTransformer(FieldTransformer):
    needs_output = False

    def setup(self, context: StellarContext) -> None:
        self.renames = {old: rule_text(new) for old, new in self.config.items() if new is not None}
        targets = list(self.renames.values())
        self._targets = frozenset(targets)
        self._shared_target = len(targets) != len(self._targets)

    def transform(
        self, message: dict[str, Any], parser_config: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> None:
        fields = self.fields(message)
        if not self.renames:
            # Metron hands the input back unchanged: only its null fields go
            for key in [k for k, v in fields.items() if v is None]:
                message.pop(key, None)
            return
        if self._shared_target or not self._targets.isdisjoint(fields):
            # a field is written twice: the last write wins in Java's HashMap order
            fields = java_hashmap_order(dict(fields))
        renames = self.renames
        changes: dict[str, Any] = {}
        for key, value in fields.items():
            new = renames.get(key)
            if new is None:
                changes[key] = value
            else:
                changes[new] = value
                changes[key] = None
        _apply(message, changes)


@register_transformation("REGEX_SELECT", _METRON_PACKAGE + "RegexSelectTransformation")
class RegexSelectTransformer(FieldTransformer):
    needs_output = False

    def setup(self, context: StellarContext) -> None:
        self.options: list[tuple[str, list[javaregex.JavaPattern]]] = []
        for key, value in self.config.items():
            where = f"{self.where}.config.{key}"
            if isinstance(value, str):
                texts = [value]
            elif isinstance(value, list):
                if any(v is None for v in value):
                    raise ConfigError(f"{where}: a list of regexes may not hold null")
                texts = [rule_text(v) for v in value]
            else:
                texts = []  # Metron matches only a string or a list
            compiled = [_regex(t, where) for t in texts]
            self.options.append((key, [p for p in compiled if p is not None]))

    def transform(
        self, message: dict[str, Any], parser_config: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> None:
        if not self.outputs:
            return
        fields = self.fields(message)
        if len(fields) != 1:
            return
        value = next(iter(fields.values()))
        if value is None:
            return
        text = value if type(value) is str else to_java_string(value)
        for key, patterns in self.options:
            for pattern in patterns:
                if pattern.find(text):
                    message[self.outputs[0]] = key
                    return


def _regex(text: str, where: str) -> javaregex.JavaPattern | None:
    """A compiled Java regex; None for one Java rejects (Metron then never matches it)."""
    try:
        return javaregex.compile(text)
    except StellarError as e:
        if "support" in str(e):  # valid Java that Python's engine cannot express
            raise ConfigError(f"{where}: {e}") from None
        return None


@register_transformation("IP_PROTOCOL", _METRON_PACKAGE + "IPProtocolTransformation")
class IpProtocolTransformer(FieldTransformer):
    def setup(self, context: StellarContext) -> None:
        # Metron takes the first value of a HashMap of the input fields
        self._first = next(iter(java_hashmap_order(dict.fromkeys(self.inputs))), None)

    def transform(
        self, message: dict[str, Any], parser_config: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> None:
        if self.inputs:
            value = message.get(self._first)  # type: ignore[arg-type]
        elif message:
            value = next(iter(java_hashmap_order(dict(message)).values()))
        else:
            value = None
        number = _int_value(value)
        if number is None:
            return
        name = protocol_to_name(number)
        output = self.outputs[0]
        if isinstance(name, str):
            message[output] = name
        else:
            message.pop(output, None)


def _int_value(value: Any) -> int | None:
    """Java's ``Number.intValue()``; None when ``value`` is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        return wrap_int(value)
    if math.isnan(value):
        return 0
    if math.isinf(value):
        return 2**31 - 1 if value > 0 else -(2**31)
    return max(-(2**31), min(2**31 - 1, math.trunc(value)))
