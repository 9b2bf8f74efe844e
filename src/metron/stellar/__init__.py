"""Stellar, Metron's expression language, evaluated exactly as Metron evaluates it.

>>> from metron import stellar
>>> stellar.evaluate("TO_UPPER(name)", {"name": "casey"})
'CASEY'
>>> rule = stellar.compile("ip_dst_port in [22, 23]")
>>> rule.evaluate({"ip_dst_port": 22})
True

Missing variables evaluate to ``null`` (Metron's runtime behaviour); ``strict=True`` raises
instead.  Every error is a :class:`StellarError`; text that is not Stellar raises its
subclass :class:`StellarSyntaxError`, which carries the line, the column and a caret.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from metron.stellar import stdlib as _stdlib  # noqa: F401  (registers the function library)
from metron.stellar.ast import Call, Exists, Lambda, Node, Var
from metron.stellar.compiler import (
    NonBooleanCondition,
    StellarLambda,
    compile_tree,
    unknown_function,
)
from metron.stellar.context import StellarContext
from metron.stellar.errors import StellarError, StellarSyntaxError
from metron.stellar.functions import REGISTRY, Example, FunctionSpec, stellar
from metron.stellar.parser import parse_checked
from metron.stellar.tokenmachine import has_else_hazard, machine

__all__ = [
    "REGISTRY",
    "Example",
    "Expression",
    "FunctionSpec",
    "StellarContext",
    "StellarError",
    "StellarLambda",
    "StellarSyntaxError",
    "compile",
    "evaluate",
    "stellar",
    "validate",
]

# The parser descends about ten functions per parenthesis; Python 3.11 recurses cheaply in
# pure Python code, so allow expressions nested a few hundred levels deep.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))

_EMPTY: Mapping[str, Any] = {}
_DEFAULT_CONTEXT = StellarContext()


class Expression:
    """A compiled Stellar expression; evaluate it as often as you like.

    ``evaluate(variables=None)`` (also ``expression(variables)``) returns the value with
    ``variables``, a mapping of field names to values.  It is a closure made once per
    expression rather than a method, which keeps the per-event cost to the bare minimum.
    """

    __slots__ = (
        "_context",
        "_fn",
        "_machine",
        "_names",
        "_strict",
        "_tree",
        "evaluate",
        "expression",
    )

    def __init__(
        self,
        expression: str,
        tree: Node | None,
        context: StellarContext,
        strict: bool,
        nested_else: bool = False,
        nested_logical: bool = False,
    ):
        self.expression = expression
        self._tree = tree
        self._context = context
        self._strict = strict
        self._names: tuple[frozenset[str], frozenset[str]] | None = None
        self._machine: Any = None
        if tree is None:
            self._fn: Any = lambda v: None
        elif nested_logical or (nested_else and has_else_hazard(tree, expression)):
            self._fn = self._token_machine()
        else:
            self._fn = compile_tree(tree, expression, context, strict)
        self.evaluate: Callable[..., Any] = self._evaluator()

    def _token_machine(self) -> Any:
        """Metron's own evaluator, for the shapes where its quirks decide the result."""
        if self._machine is None:
            assert self._tree is not None
            self._machine = machine(self._tree, self.expression, self._context, self._strict)
        return self._machine

    @property
    def variables_used(self) -> frozenset[str]:
        """The variables the expression reads (lambda parameters excluded)."""
        return self._names_used()[0]

    @property
    def functions_used(self) -> frozenset[str]:
        """The Stellar functions the expression calls."""
        return self._names_used()[1]

    def _names_used(self) -> tuple[frozenset[str], frozenset[str]]:
        if self._names is None:
            if self._tree is None:
                self._names = (frozenset(), frozenset())
            else:
                variables, functions = _names_used(self._tree)
                self._names = (frozenset(variables), frozenset(functions))
        return self._names

    def _evaluator(self) -> Callable[..., Any]:
        fn = self._fn
        replay = self._replay
        text = self.expression

        def evaluate(variables: Mapping[str, Any] | None = None) -> Any:
            scope = _EMPTY if variables is None else variables
            try:
                return fn(scope)
            except NonBooleanCondition as condition:
                return replay(scope, condition)
            except StellarError as e:
                if e.expression is None:
                    e.expression = text
                raise
            except RecursionError:
                raise StellarError("expression nests too deeply", expression=text) from None
            except Exception as e:  # a safety net: a user must never see a traceback
                raise StellarError(
                    f"internal error: {type(e).__name__}: {e}", expression=text
                ) from e

        return evaluate

    def _replay(self, scope: Mapping[str, Any], condition: NonBooleanCondition) -> Any:
        """Metron runs both branches of a non-boolean condition: replay its evaluator.

        Where that fails too, the non-boolean condition is the clearer cause.
        """
        try:
            return self._token_machine()(scope)
        except StellarError:
            if condition.expression is None:
                condition.expression = self.expression
            raise condition from None
        except Exception as e:
            raise StellarError(
                f"internal error: {type(e).__name__}: {e}", expression=self.expression
            ) from e

    def __call__(self, variables: Mapping[str, Any] | None = None) -> Any:
        return self.evaluate(variables)

    def __repr__(self) -> str:
        return f"Expression({self.expression!r})"


def _names_used(tree: Node) -> tuple[set[str], set[str]]:
    variables: set[str] = set()
    functions: set[str] = set()
    bound: list[set[str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, (Var, Exists)):
            if not any(node.name in scope for scope in bound):
                variables.add(node.name)
            return
        if isinstance(node, Call):
            functions.add(node.name)
        if isinstance(node, Lambda):
            bound.append(set(node.params))
            walk(node.body)
            bound.pop()
            return
        for slot in getattr(type(node), "__slots__", ()):
            child = getattr(node, slot, None)
            if isinstance(child, Node):
                walk(child)
            elif isinstance(child, list):
                for item in child:
                    if isinstance(item, tuple):
                        for part in item:
                            walk(part)
                    elif isinstance(item, Node):
                        walk(item)

    walk(tree)
    return variables, functions


@lru_cache(maxsize=4096)
def _compile_cached(expression: str, strict: bool) -> Expression:
    return _compile(expression, _DEFAULT_CONTEXT, strict)


def _compile(expression: str, context: StellarContext, strict: bool) -> Expression:
    if not isinstance(expression, str):
        raise StellarError(
            f"a Stellar expression must be a string, got {type(expression).__name__}"
        )
    try:
        if not expression.strip():
            return Expression(expression, None, context, strict)
        tree, nested_else, nested_logical = parse_checked(expression)
        return Expression(expression, tree, context, strict, nested_else, nested_logical)
    except RecursionError:
        raise StellarSyntaxError(
            "expression nests too deeply", expression=expression, offset=0
        ) from None


def compile(
    expression: str, *, context: StellarContext | None = None, strict: bool = False
) -> Expression:
    """Parse and compile ``expression`` once; a blank expression evaluates to ``None``."""
    if context is None:
        return _compile_cached(expression, strict)
    return _compile(expression, context, strict)


def evaluate(
    expression: str,
    variables: Mapping[str, Any] | None = None,
    *,
    context: StellarContext | None = None,
    strict: bool = False,
) -> Any:
    """Compile (cached) and evaluate ``expression`` with ``variables``."""
    return compile(expression, context=context, strict=strict).evaluate(variables)


def validate(expression: str) -> None:
    """Raise :class:`StellarSyntaxError` unless ``expression`` is valid Stellar.

    Checks the syntax and that every function exists, without evaluating anything (stricter
    than evaluation, which, like Metron, only fails on an unknown function it reaches).
    """
    compiled = compile(expression)
    if compiled._tree is not None:
        for node in _calls(compiled._tree):
            if node.name not in REGISTRY:
                raise unknown_function(node, expression)


def _calls(node: Any) -> list[Call]:
    found: list[Call] = []

    def walk(item: Any) -> None:
        if isinstance(item, Call):
            found.append(item)
        if isinstance(item, Node):
            for slot in getattr(type(item), "__slots__", ()):
                walk(getattr(item, slot, None))
        elif isinstance(item, (list, tuple)):
            for part in item:
                walk(part)

    walk(node)
    return sorted(found, key=lambda call: call.start)
