"""Field validations: the global config's ``fieldValidations``, checked on every parsed message.

Each entry is ``{"input": field or list, "validation": name, "config": {...}}``; the name is
Metron's enum name, exactly so spelled, or the Metron class name.  Without ``input`` the
whole message is checked.  A message failing any validation becomes a ``parser_invalid``
error listing the failed validations' input fields.

- ``STELLAR``: ``config.condition`` (required) must be true; names resolve to the input
  fields, then the validation's ``config``, then the global config.
- ``IP``: some input field is null or an address of a ``config.type`` (``IPV4``, ``IPV6``,
  or a list of them; any other value accepts both).
- ``DOMAIN``, ``EMAIL``, ``URL``, ``INTEGER``: every non-null input field is one.
- ``DATE``: the input fields parse with the SimpleDateFormat ``config.format`` (required);
  a null field ends the check as valid.
- ``REGEX_MATCH``: every non-null input field matches the whole Java regex ``config.pattern``
  (required).
- ``NOT_EMPTY``: every input field is present and not blank.

Values are tested as text (Java's ``toString``), with the same checks as Stellar's
``IS_IP``, ``IS_DOMAIN``, ``IS_EMAIL``, ``IS_URL``, ``IS_INTEGER`` and ``IS_DATE``.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from metron.errors import ConfigError
from metron.parsing._rules import check_predicate, compile_rule, layered, predicate
from metron.registry import Registry
from metron.stellar import StellarContext, StellarError, javaregex
from metron.stellar.stdlib.dates import is_date
from metron.stellar.stdlib.validation import is_domain, is_email, is_integer, is_ip, is_url
from metron.stellar.types import java_hashmap_order, to_java_string

__all__ = ["VALIDATIONS", "FieldValidator", "build_validators", "register_validation"]

_METRON_PACKAGE = "org.apache.metron.common.field.validation."
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))
_ENTRY_KEYS = ["input", "validation", "config"]


class FieldValidator(ABC):
    """One configured field validation."""

    name: ClassVar[str] = ""

    def __init__(
        self, inputs: list[str], config: dict[str, Any], context: StellarContext, where: str
    ):
        self.inputs = inputs
        self.config = config
        self.where = where
        # Metron reads the input fields into a HashMap: its order decides a few results
        self._ordered_inputs = list(java_hashmap_order(dict.fromkeys(inputs)))
        self.setup(context)

    def setup(self, context: StellarContext) -> None:  # noqa: B027  (an optional hook)
        """Read and check ``self.config`` (called once, when the config is loaded)."""

    def values(self, message: Mapping[str, Any]) -> Iterable[Any]:
        """The values Metron tests: the input fields' (missing ones null), or the message's."""
        if self.inputs:
            return [message.get(name) for name in self._ordered_inputs]
        return message.values()

    @abstractmethod
    def is_valid(self, message: Mapping[str, Any], global_config: Mapping[str, Any]) -> bool:
        """Whether ``message`` passes."""

    def _required_string(self, key: str) -> str:
        value = self.config.get(key)
        if value is None:
            raise ConfigError(f"{self.where}: {self.name} needs 'config.{key}'")
        if not isinstance(value, str):
            raise ConfigError(f"{self.where}.config.{key}: expected a string, got {value!r}")
        return value


VALIDATIONS: Registry[type[FieldValidator]] = Registry("field validation")

V = TypeVar("V", bound=type[FieldValidator])


def register_validation(name: str, metron_class: str) -> Callable[[V], V]:
    """Register a validation under Metron's enum name and class name."""

    def decorate(cls: V) -> V:
        cls.name = name
        VALIDATIONS.register(name, cls, metron_class)
        return cls

    return decorate


def build_validators(
    global_config: Mapping[str, Any], context: StellarContext
) -> list[FieldValidator]:
    """The validators of the global config's ``fieldValidations``, compiled and checked."""
    entries = global_config.get("fieldValidations")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ConfigError("global config fieldValidations: expected a list of validations")
    return [
        _build(entry, context, f"global config fieldValidations[{i}]")
        for i, entry in enumerate(entries)
    ]


def _build(entry: Any, context: StellarContext, where: str) -> FieldValidator:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a map with 'input', 'validation' and 'config'")
    unknown = sorted(set(entry) - set(_ENTRY_KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], _ENTRY_KEYS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ConfigError(
            f"{where}: unknown key '{unknown[0]}'{hint} (keys: {', '.join(_ENTRY_KEYS)})"
        )
    raw_input = entry.get("input")
    if isinstance(raw_input, str):
        inputs = [raw_input]
    elif isinstance(raw_input, list):
        inputs = [v if isinstance(v, str) else to_java_string(v) for v in raw_input]
    else:
        inputs = []
    config = entry.get("config")
    if config is None:
        config = {}
    elif not isinstance(config, dict):
        raise ConfigError(f"{where}.config: expected a map, got {config!r}")
    name = entry.get("validation")
    if name is None:
        raise ConfigError(f"{where}: missing key 'validation'")
    if not isinstance(name, str):
        raise ConfigError(f"{where}.validation: expected a name, got {name!r}")
    cls = VALIDATIONS.get(name)
    if cls is None:
        close = VALIDATIONS.closest(name, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        known = ", ".join(n for n in VALIDATIONS if "." not in n)
        raise ConfigError(
            f"{where}.validation: '{name}' is not a field validation{hint} (known: {known})"
        )
    return cls(inputs, config, context, where)


@register_validation("STELLAR", _METRON_PACKAGE + "QueryValidation")
class StellarValidator(FieldValidator):
    def setup(self, context: StellarContext) -> None:
        text = self._required_string("condition")
        self.condition = compile_rule(text, context, f"{self.where}.config.condition")
        check_predicate(self.condition, f"{self.where}.config.condition")
        self._global: Mapping[str, Any] | None = None
        self._lower: dict[str, Any] = {}

    def is_valid(self, message: Mapping[str, Any], global_config: Mapping[str, Any]) -> bool:
        if global_config is not self._global:
            self._global = global_config
            self._lower = layered(self.config, global_config)
        lower = self._lower
        fields = {n: message.get(n) for n in self.inputs} if self.inputs else message
        scope = {**lower, **fields}
        for key in lower.keys() & fields.keys():
            if fields[key] is None:
                scope[key] = lower[key]
        return predicate(self.condition, scope)


@register_validation("IP", _METRON_PACKAGE + "network.IPValidation")
class IpValidator(FieldValidator):
    def setup(self, context: StellarContext) -> None:
        kind = self.config.get("type")
        kinds = ["DEFAULT"] if kind is None else kind if isinstance(kind, list) else [kind]
        if any(k is None for k in kinds):
            raise ConfigError(f"{self.where}.config.type: the list may not hold null")
        # IS_IP knows IPV4 and IPV6 exactly so spelled; anything else accepts both
        self.types = [k if isinstance(k, str) else to_java_string(k) for k in kinds]

    def is_valid(self, message: Mapping[str, Any], global_config: Mapping[str, Any]) -> bool:
        values = list(self.values(message))
        for kind in self.types:
            for value in values:
                if value is None or is_ip(value, kind):
                    return True
        return False


class _EachValidator(FieldValidator):
    """Every non-null value passes ``check`` (Metron's ``SimpleValidation``)."""

    check: ClassVar[Callable[..., bool]]

    def is_valid(self, message: Mapping[str, Any], global_config: Mapping[str, Any]) -> bool:
        check = type(self).check
        return all(value is None or check(value) for value in self.values(message))


@register_validation("DOMAIN", _METRON_PACKAGE + "network.DomainValidation")
class DomainValidator(_EachValidator):
    check = is_domain


@register_validation("EMAIL", _METRON_PACKAGE + "network.EmailValidation")
class EmailValidator(_EachValidator):
    check = is_email


@register_validation("URL", _METRON_PACKAGE + "network.URLValidation")
class UrlValidator(_EachValidator):
    check = is_url


@register_validation("INTEGER", _METRON_PACKAGE + "primitive.IntegerValidation")
class IntegerValidator(_EachValidator):
    check = is_integer


@register_validation("DATE", _METRON_PACKAGE + "primitive.DateValidation")
class DateValidator(FieldValidator):
    def setup(self, context: StellarContext) -> None:
        self.format = self._required_string("format")
        try:
            is_date("", self.format)
        except StellarError as e:
            raise ConfigError(f"{self.where}.config.format: invalid date format: {e}") from None

    def is_valid(self, message: Mapping[str, Any], global_config: Mapping[str, Any]) -> bool:
        # the order decides (a null field ends the check): Java's HashMap order
        values = self.values(message) if self.inputs else java_hashmap_order(dict(message)).values()
        for value in values:
            if value is None:
                return True  # Metron stops at the first null field
            if not is_date(value, self.format):
                return False
        return True


@register_validation("REGEX_MATCH", _METRON_PACKAGE + "primitive.RegexValidation")
class RegexValidator(FieldValidator):
    def setup(self, context: StellarContext) -> None:
        text = self._required_string("pattern")
        try:
            self.pattern = javaregex.compile(text)
        except StellarError as e:
            raise ConfigError(f"{self.where}.config.pattern: {e}") from None

    def is_valid(self, message: Mapping[str, Any], global_config: Mapping[str, Any]) -> bool:
        matches = self.pattern.matches
        for value in self.values(message):
            if value is not None and not matches(
                value if type(value) is str else to_java_string(value)
            ):
                return False
        return True


@register_validation("NOT_EMPTY", _METRON_PACKAGE + "primitive.NotEmptyValidation")
class NotEmptyValidator(FieldValidator):
    def is_valid(self, message: Mapping[str, Any], global_config: Mapping[str, Any]) -> bool:
        for value in self.values(message):
            if value is None:
                return False
            text = value if type(value) is str else to_java_string(value)
            if not text.strip(_JAVA_TRIM):
                return False
        return True
