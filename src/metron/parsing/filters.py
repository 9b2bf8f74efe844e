"""Message filters: the sensor parser config's ``filterClassName``.

A filter decides, after the field transformations, whether a parsed message goes on; the
runner counts the messages it drops.  Names are Metron's, exactly so spelled, or the Metron
class names:

- ``STELLAR``: keeps a message when the Stellar predicate in ``parserConfig`` key
  ``filter.query`` is true (names are the message's fields).  With no query (or one that is
  not a string) every message is kept; a query giving anything but a boolean is an error.
- ``BRO``: keeps a message whose field named by ``bro.filter.source.key`` holds one of
  ``bro.filter.source.known.protocols`` (a string or a list); with no key nothing is kept.
- ``DEFAULT`` (or no ``filterClassName``): no filter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from metron.errors import ConfigError
from metron.parsing._rules import RuleError, check_predicate, compile_rule, is_blank, predicate
from metron.registry import Registry
from metron.stellar import Expression, StellarContext
from metron.stellar.types import to_java_string

__all__ = ["FILTERS", "MessageFilter", "build_filter", "register_filter"]

_METRON_PACKAGE = "org.apache.metron.parsers.filters."

#: parserConfig key of the STELLAR filter's predicate.
QUERY_KEY = "filter.query"
BRO_KEY = "bro.filter.source.key"
BRO_PROTOCOLS = "bro.filter.source.known.protocols"


class MessageFilter(ABC):
    """A configured filter: :meth:`emit` says whether a message goes on."""

    name: ClassVar[str] = ""

    def __init__(self, parser_config: Mapping[str, Any], context: StellarContext) -> None:
        """Configure from the sensor's ``parserConfig`` (once, when the config is loaded)."""
        self.parser_config = parser_config

    @abstractmethod
    def emit(self, message: Mapping[str, Any]) -> bool:
        """True to keep ``message``, False to drop it."""


FILTERS: Registry[type[MessageFilter] | None] = Registry("message filter")

F = TypeVar("F", bound=type[MessageFilter])


def register_filter(name: str, metron_class: str) -> Callable[[F], F]:
    """Register a filter under Metron's enum name and class name."""

    def decorate(cls: F) -> F:
        cls.name = name
        FILTERS.register(name, cls, metron_class)
        return cls

    return decorate


FILTERS.register("DEFAULT", None)


def build_filter(
    filter_class_name: str | None, parser_config: Mapping[str, Any], context: StellarContext
) -> MessageFilter | None:
    """The filter ``filterClassName`` names, configured from ``parserConfig``; None for none."""
    if filter_class_name is None or not filter_class_name.strip():
        return None
    if filter_class_name not in FILTERS:
        close = FILTERS.closest(filter_class_name, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        known = ", ".join(n for n in FILTERS if "." not in n)
        raise ConfigError(
            f"filterClassName: '{filter_class_name}' is not a message filter{hint} (known: {known})"
        )
    cls = FILTERS[filter_class_name]
    return None if cls is None else cls(parser_config, context)


@register_filter("STELLAR", _METRON_PACKAGE + "StellarFilter")
class StellarFilter(MessageFilter):
    def __init__(self, parser_config: Mapping[str, Any], context: StellarContext) -> None:
        super().__init__(parser_config, context)
        query = parser_config.get(QUERY_KEY)
        self.query: Expression | None = None
        if isinstance(query, str) and not is_blank(query):
            where = f"parserConfig.{QUERY_KEY}"
            self.query = compile_rule(query, context, where)
            check_predicate(self.query, where)

    def emit(self, message: Mapping[str, Any]) -> bool:
        return predicate(self.query, message)


@register_filter("BRO", _METRON_PACKAGE + "BroMessageFilter")
class BroFilter(MessageFilter):
    def __init__(self, parser_config: Mapping[str, Any], context: StellarContext) -> None:
        super().__init__(parser_config, context)
        key = parser_config.get(BRO_KEY)
        self.key: str | None = (
            None if key is None else key if isinstance(key, str) else to_java_string(key)
        )
        protocols = parser_config.get(BRO_PROTOCOLS)
        if isinstance(protocols, str):
            self.protocols = frozenset([protocols])
        elif isinstance(protocols, list):
            if any(p is None for p in protocols):
                raise ConfigError(f"parserConfig.{BRO_PROTOCOLS}: the list may not hold null")
            self.protocols = frozenset(to_java_string(p) for p in protocols)
        else:
            self.protocols = frozenset()

    def emit(self, message: Mapping[str, Any]) -> bool:
        if self.key is None:
            return False
        value = message.get(self.key)
        if value is None:
            return False
        if not isinstance(value, str):
            raise RuleError(
                f"BRO filter: field '{self.key}' holds {type(value).__name__} {value!r},"
                " not a string"
            )
        return value in self.protocols
