"""Stellar as the parsing stages use it: compiled once from config, evaluated per message.

Shared by field transformations, field validations and message filters: compiling an
expression into a :class:`ConfigError` that names the config key, Metron's predicate rules
(``StellarPredicateProcessor``: a blank rule is true, anything but a boolean fails) and the
layered variable lookup of Metron's ``MapVariableResolver`` (the first map holding a
non-null value wins).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metron import stellar
from metron.errors import ConfigError, MetronError
from metron.stellar import Expression, StellarContext, StellarError

__all__ = [
    "RuleError",
    "check_predicate",
    "compile_rule",
    "is_blank",
    "layered",
    "predicate",
    "rule_text",
]

_JAVA_TRIM = "".join(chr(c) for c in range(0x21))


class RuleError(MetronError):
    """A configured Stellar rule failed on one message (the message becomes an error)."""


def rule_text(value: Any) -> str:
    """The expression text of a config value, as Metron's ``toString()`` reads it."""
    from metron.stellar.types import to_java_string

    return value if isinstance(value, str) else to_java_string(value)


def is_blank(text: str) -> bool:
    """Java's ``text.trim().isEmpty()``: Metron treats a blank rule as no rule."""
    return not text.strip(_JAVA_TRIM)


def compile_rule(text: str, context: StellarContext, where: str) -> Expression:
    """Compile ``text`` once; a syntax error or an unknown function names ``where``."""
    try:
        stellar.validate(text)
        return stellar.compile(text, context=context)
    except StellarError as e:
        raise ConfigError(f"{where}: invalid Stellar expression {text!r}: {e}") from None


def check_predicate(expression: Expression, where: str) -> None:
    """Metron's load-time check of a predicate, evaluated with every variable null: a
    non-boolean result is a :class:`ConfigError`.

    Only expressions calling pure functions are tried (a function that needs a service or
    has side effects waits for real messages).  An expression that fails with null
    variables is left to fail on messages: a function's handling of null is not always
    Metron's in its validation mode, and a valid config must never be refused.
    """
    for name in expression.functions_used:
        spec = stellar.REGISTRY.get(name)
        if spec is None or not spec.pure:
            return
    try:
        value = expression.evaluate({})
    except StellarError:
        return
    if value is not None and type(value) is not bool:
        raise ConfigError(
            f"{where}: the rule {expression.expression!r} does not return a boolean value"
        )


def predicate(expression: Expression | None, variables: Mapping[str, Any]) -> bool:
    """Evaluate a rule as Metron's predicate processor does: a blank rule is true, a
    non-boolean result is an error and so is null (Java unboxes it)."""
    if expression is None:
        return True
    value = expression.evaluate(variables)
    if value is True or value is False:
        return value
    text = expression.expression
    if value is None:
        raise RuleError(f"the rule '{text}' returned null, not a boolean value")
    raise RuleError(f"The rule '{text}' does not return a boolean value.")


def layered(*maps: Mapping[str, Any] | None) -> dict[str, Any]:
    """One dict resolving names as Metron's ``MapVariableResolver`` over ``maps``: the
    first map (in argument order) with a non-null value for a name gives its value."""
    out: dict[str, Any] = {}
    for m in reversed(maps):
        if m:
            for key, value in m.items():
                if value is not None:
                    out[key] = value
    return out
