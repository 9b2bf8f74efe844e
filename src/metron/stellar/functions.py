"""Declaring Stellar functions: one decorator carries the name, the docs and the examples.

A function is a plain Python callable that takes the Stellar arguments positionally, the way
Metron passes its argument list (too few arguments is the function's own business: Metron's
functions mostly raise, some default).  Declare it once::

    @stellar(
        "TO_UPPER",
        params=["input - the string to convert"],
        returns="the upper-case string",
        description="Transforms the first argument to an uppercase string.",
        examples=[("TO_UPPER('abc')", "ABC")],
        pure=True,
    )
    def to_upper(*args): ...

``pure=True`` lets the compiler fold a call whose arguments are constants.  ``context=True``
passes the :class:`~metron.stellar.context.StellarContext` as the first argument; functions
that need a store or a service use it, never a global.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from metron.registry import Registry

__all__ = ["REGISTRY", "Example", "FunctionSpec", "stellar"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Example:
    """An expression and the value it evaluates to; documentation and a test at once.

    ``result`` is compared the way Java compares (``1`` is not ``1L``).  ``error=True`` means
    the expression must raise a :class:`StellarError`.  ``check=False`` documents an example
    whose result cannot be compared (an opaque sketch, the current time): it must still
    evaluate without error.
    """

    expression: str
    result: Any = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    error: bool = False
    check: bool = True


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """Everything known about one Stellar function."""

    name: str
    impl: Callable[..., Any]
    description: str
    params: tuple[str, ...]
    returns: str
    examples: tuple[Example, ...]
    category: str
    pure: bool
    context: bool

    @property
    def signature(self) -> str:
        names = [p.split(" - ", 1)[0].strip() for p in self.params]
        return f"{self.name}({', '.join(names)})"


REGISTRY: Registry[FunctionSpec] = Registry("Stellar function")

ExampleLike = Example | tuple[Any, ...]


def _example(value: ExampleLike) -> Example:
    if isinstance(value, Example):
        return value
    if len(value) == 2:
        return Example(value[0], value[1])
    if len(value) == 3:
        return Example(value[0], value[1], value[2])
    raise ValueError(f"an example is (expression, result[, variables]), got {value!r}")


def stellar(
    name: str,
    *,
    description: str,
    returns: str,
    params: Sequence[str] = (),
    examples: Sequence[ExampleLike] = (),
    pure: bool = False,
    context: bool = False,
    category: str | None = None,
    aliases: Sequence[str] = (),
) -> Callable[[F], F]:
    """Register the decorated callable as the Stellar function ``name``."""

    def decorate(fn: F) -> F:
        module = inspect.getmodule(fn)
        module_name = module.__name__ if module else ""
        spec = FunctionSpec(
            name=name,
            impl=fn,
            description=description.strip(),
            params=tuple(params),
            returns=returns,
            examples=tuple(_example(e) for e in examples),
            category=category or module_name.rsplit(".", 1)[-1],
            pure=pure,
            context=context,
        )
        REGISTRY.register(name, spec, *aliases)
        return fn

    return decorate
