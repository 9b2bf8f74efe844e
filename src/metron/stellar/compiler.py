"""Compile a Stellar syntax tree into nested Python closures, folding constants.

Each node becomes a function of one argument, the variables (any mapping with ``get``).
Constant sub-expressions are evaluated once at compile time; calls to pure functions with
constant arguments too, when the result is an immutable value.  Common shapes get
specialised closures (a variable compared with a string, membership in a constant list) so
a triage rule costs a handful of Python calls per evaluation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from metron.stellar import ast
from metron.stellar.context import StellarContext
from metron.stellar.convert import to_boolean
from metron.stellar.errors import StellarError, StellarSyntaxError
from metron.stellar.functions import REGISTRY, FunctionSpec
from metron.stellar.operators import arith, compare, contains, equals, number_rank
from metron.stellar.types import (
    Float,
    JavaSet,
    Long,
    java_hashmap_order,
    java_type_name,
    to_java_string,
)

__all__ = [
    "LambdaScope",
    "NonBooleanCondition",
    "StellarLambda",
    "compile_tree",
    "conditional_value",
    "error_cause",
    "function_error",
    "unknown_function",
]

Fn = Callable[[Any], Any]
_IMMUTABLE = (type(None), bool, int, float, str, Long, Float)


@dataclass(slots=True)
class _C:
    """A compiled node: its closure, and its value when it is a compile-time constant."""

    fn: Fn
    const: bool = False
    value: Any = None


class NonBooleanCondition(StellarError):
    """A condition evaluated to a non-boolean: only Metron's token machine knows the result."""


class LambdaScope:
    """Variables inside a lambda: its parameters shadow the enclosing variables."""

    __slots__ = ("outer", "params")

    def __init__(self, params: dict[str, Any], outer: Any) -> None:
        self.params = params
        self.outer = outer

    def get(self, name: str, default: Any = None) -> Any:
        params = self.params
        if name in params:
            return params[name]
        return self.outer.get(name, default)

    def __contains__(self, name: object) -> bool:
        return True  # Metron resolves any name inside a lambda (missing ones are null)

    def all_fields(self) -> Any:
        return all_fields(self.outer)


class StellarLambda:
    """A lambda value: call it with positional arguments (missing ones are null)."""

    __slots__ = ("body", "outer", "params", "text")

    def __init__(self, params: list[str], body: Fn, outer: Any, text: str) -> None:
        self.params = params
        self.body = body
        self.outer = outer
        self.text = text

    def __call__(self, *args: Any) -> Any:
        params = self.params
        bound = dict(zip(params, args))
        for name in params[len(args) :]:
            bound[name] = None
        return self.body(LambdaScope(bound, self.outer))

    def apply(self, args: list[Any]) -> Any:
        """Metron's ``LambdaExpression.apply(List)``."""
        return self(*args)

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def all_fields(variables: Any) -> Any:
    """The value of ``_``: a read-only snapshot of every variable."""
    if isinstance(variables, LambdaScope):
        return variables.all_fields()
    if isinstance(variables, Mapping):
        return dict(variables)
    return {}


def _is_empty_collection(value: Any) -> bool:
    if isinstance(value, (list, tuple, JavaSet, set, frozenset, Mapping)):
        return len(value) == 0
    return False


def conditional_value(value: Any, what: str) -> bool:
    """The truth of a condition of ``?:``, ``if`` or a ``match`` clause.

    ``null`` and empty collections are false.  Metron does not coerce any other non-boolean
    condition (its evaluation stack ends up invalid), so neither do we.
    """
    if value is True:
        return True
    if value is False or value is None:
        return False
    if _is_empty_collection(value):
        return False
    raise NonBooleanCondition(
        f"the condition of {what} must be a boolean, but it is {java_type_name(value)}"
        f" {to_java_string(value)!r}"
    )


def _logical_operand(value: Any) -> bool:
    """An operand of and/or/not converted the beanutils way; not convertible means false."""
    converted = to_boolean(value)
    return converted is True


def _fresh(value: Any) -> Any:
    """A copy of a constant list or map, so a function that mutates it harms nothing."""
    if isinstance(value, list):
        if all(isinstance(v, _IMMUTABLE) for v in value):
            return list(value)
        return copy.deepcopy(value)
    if isinstance(value, dict):
        return copy.deepcopy(value)
    return value


def error_cause(exc: Exception) -> Exception | None:
    """What a function's error is chained to: nothing when it already is a StellarError."""
    return None if isinstance(exc, StellarError) else exc


def function_error(spec: FunctionSpec, exc: Exception, nargs: int) -> StellarError:
    if isinstance(exc, StellarError):
        if exc.function is None:
            exc.function = spec.name
            if not exc.message.startswith(spec.name):
                exc.message = f"{spec.name}: {exc.message}"
        return exc
    if isinstance(exc, (IndexError, TypeError)) and (
        "argument" in str(exc) or isinstance(exc, IndexError)
    ):
        reason = f"wrong number or type of arguments ({nargs} given; usage: {spec.signature})"
        if isinstance(exc, TypeError) and "positional argument" not in str(exc):
            reason = f"{exc} (usage: {spec.signature})"
    else:
        reason = str(exc) or type(exc).__name__
    return StellarError(f"{spec.name} failed: {reason}", function=spec.name)


class _Compiler:
    def __init__(self, expression: str, context: StellarContext, strict: bool) -> None:
        self.text = expression
        self.context = context
        self.strict = strict

    def compile(self, node: ast.Node, top: bool) -> _C:
        method = getattr(self, "c_" + type(node).__name__)
        return method(node, top)

    # -- leaves --------------------------------------------------------------------------

    def c_Const(self, node: ast.Const, top: bool) -> _C:
        value = node.value
        return _C(lambda v: value, True, value)

    def c_Var(self, node: ast.Var, top: bool) -> _C:
        name = node.name
        if name == "_":
            return _C(all_fields)
        if self.strict:

            def strict_var(v: Any) -> Any:
                if name not in v:
                    raise StellarError(f"variable: {name} is not defined")
                return v.get(name)

            return _C(strict_var)
        return _C(lambda v: v.get(name))

    def c_Exists(self, node: ast.Exists, top: bool) -> _C:
        name = node.name
        if name == "_":
            return _C(lambda v: True, True, True)
        return _C(lambda v: v.get(name) is not None)

    # -- literals ------------------------------------------------------------------------

    def c_ListLit(self, node: ast.ListLit, top: bool) -> _C:
        items = [self.compile(item, False) for item in node.items]
        if all(item.const for item in items):
            value = [item.value for item in items]
            return _C(lambda v: _fresh(value), True, value)
        fns = [item.fn for item in items]
        return _C(lambda v: [f(v) for f in fns])

    def c_MapLit(self, node: ast.MapLit, top: bool) -> _C:
        pairs = [(self.compile(k, False), self.compile(val, False)) for k, val in node.entries]
        text = self.text

        def build(v: Any) -> dict[Any, Any]:
            # Evaluate left to right; Metron then inserts the entries last to first into a
            # HashMap, so the first of duplicate keys wins and iteration follows Java's
            # hash buckets.
            entries = [(kf.fn(v), vf.fn(v)) for kf, vf in pairs]
            result: dict[Any, Any] = {}
            try:
                for key, value in reversed(entries):
                    result[key] = value
            except TypeError:
                raise StellarError(
                    f"a {java_type_name(key)} cannot be a map key here", expression=text
                ) from None
            return java_hashmap_order(result)

        if all(k.const and val.const for k, val in pairs):
            try:
                value = build({})
            except StellarError:
                return _C(build)
            return _C(lambda v: copy.deepcopy(value), True, value)
        return _C(build)

    def c_Lambda(self, node: ast.Lambda, top: bool) -> _C:
        body = self.compile(node.body, True).fn  # type: ignore[arg-type]
        params = list(node.params)
        text = self.text[node.start : node.end]
        return _C(lambda v: StellarLambda(params, body, v, text))

    # -- operators -----------------------------------------------------------------------

    def c_Arith(self, node: ast.Arith, top: bool) -> _C:
        op = node.op
        left = self.compile(node.left, False)  # type: ignore[arg-type]
        right = self.compile(node.right, False)  # type: ignore[arg-type]
        if left.const and right.const:
            try:
                value = arith(op, left.value, right.value)
            except StellarError:
                pass
            else:
                return _C(lambda v: value, True, value)
        lf = left.fn
        rf = right.fn
        if op == "+":

            def plus(v: Any) -> Any:
                a = lf(v)
                b = rf(v)
                if type(a) is int and type(b) is int:
                    r = a + b
                    if (
                        -2147483648 <= r <= 2147483647
                        and -2147483648 <= a <= 2147483647
                        and -2147483648 <= b <= 2147483647
                    ):
                        return r
                return arith("+", a, b)

            return _C(plus)
        return _C(lambda v: arith(op, lf(v), rf(v)))

    def c_Compare(self, node: ast.Compare, top: bool) -> _C:
        op = node.op
        left = self.compile(node.left, False)  # type: ignore[arg-type]
        right = self.compile(node.right, False)  # type: ignore[arg-type]
        if left.const and right.const:
            try:
                value = self._compare(op, left.value, right.value)
            except StellarError:
                pass
            else:
                return _C(lambda v: value, True, value)
        if op == "==" or op == "!=":
            fn = self._equality(left, right)
            if op == "!=":
                inner = fn
                fn = lambda v: not inner(v)  # noqa: E731
            return _C(fn)
        lf = left.fn
        rf = right.fn
        return _C(lambda v: compare(op, lf(v), rf(v)))

    @staticmethod
    def _compare(op: str, a: Any, b: Any) -> bool:
        if op == "==":
            return equals(a, b)
        if op == "!=":
            return not equals(a, b)
        return compare(op, a, b)

    @staticmethod
    def _equality(left: _C, right: _C) -> Fn:
        if right.const and not left.const:
            other, const = left.fn, right.value
        elif left.const and not right.const:
            other, const = right.fn, left.value
        else:
            lf, rf = left.fn, right.fn
            return lambda v: equals(lf(v), rf(v))
        if type(const) is str:
            # A String equals only an equal String (a Char is not one: Char.__eq__ is strict).
            return lambda v: other(v) == const
        if const is None:
            return lambda v: other(v) is None
        if type(const) is int and number_rank(const) == 0:

            def eq_int(v: Any) -> bool:
                x = other(v)
                if type(x) is int:
                    return x == const
                return equals(x, const)

            return eq_int
        return lambda v: equals(other(v), const)

    def c_In(self, node: ast.In, top: bool) -> _C:
        needle = self.compile(node.needle, False)  # type: ignore[arg-type]
        haystack = self.compile(node.haystack, False)  # type: ignore[arg-type]
        negate = node.negate
        if needle.const and haystack.const:
            value = contains(haystack.value, needle.value) != negate
            return _C(lambda v: value, True, value)
        fn = self._membership(needle, haystack)
        if negate:
            inner = fn
            fn = lambda v: not inner(v)  # noqa: E731
        return _C(fn)

    @staticmethod
    def _membership(needle: _C, haystack: _C) -> Fn:
        nf = needle.fn
        if haystack.const and isinstance(haystack.value, list):
            items = haystack.value
            by_value: dict[Any, set[type]] = {}
            try:
                for item in items:
                    by_value.setdefault(item, set()).add(type(item))
            except TypeError:
                return lambda v: contains(items, nf(v))
            if any(isinstance(x, float) and x != x for x in items):
                return lambda v: contains(items, nf(v))

            def member(v: Any) -> bool:
                x = nf(v)
                try:
                    types = by_value.get(x)
                except TypeError:
                    return contains(items, x)
                return types is not None and type(x) in types

            return member
        if haystack.const:
            value = haystack.value
            return lambda v: contains(value, nf(v))
        hf = haystack.fn
        return lambda v: contains(hf(v), nf(v))

    def c_And(self, node: ast.And, top: bool) -> _C:
        lf = self.compile(node.left, False).fn  # type: ignore[arg-type]
        rf = self.compile(node.right, False).fn  # type: ignore[arg-type]

        def and_(v: Any) -> bool:
            a = lf(v)
            if a is True:
                b = rf(v)
                if b is True or b is False:
                    return b
                return _logical_operand(b)
            if a is False or a is None or _is_empty_collection(a):
                return False  # Metron short-circuits on a false (or null/empty) left side
            b = rf(v)
            return _logical_operand(a) and _logical_operand(b)

        return _C(and_)

    def c_Or(self, node: ast.Or, top: bool) -> _C:
        lf = self.compile(node.left, False).fn  # type: ignore[arg-type]
        rf = self.compile(node.right, False).fn  # type: ignore[arg-type]

        def or_(v: Any) -> bool:
            a = lf(v)
            if a is True:
                return True
            b = rf(v)
            if a is False and (b is True or b is False):
                return b
            return _logical_operand(a) or _logical_operand(b)

        return _C(or_)

    def c_Not(self, node: ast.Not, top: bool) -> _C:
        operand = self.compile(node.operand, False)  # type: ignore[arg-type]
        if operand.const:
            value = not _logical_operand(operand.value)
            return _C(lambda v: value, True, value)
        f = operand.fn
        return _C(lambda v: not _logical_operand(f(v)))

    def c_Cond(self, node: ast.Cond, top: bool) -> _C:
        test = self.compile(node.test, False)  # type: ignore[arg-type]
        then = self.compile(node.then, top)  # type: ignore[arg-type]
        orelse = self.compile(node.orelse, top)  # type: ignore[arg-type]
        what = (
            "if ... then ... else"
            if self.text[node.start : node.start + 2].lower() == "if"
            else "?:"
        )
        tf, af, bf = test.fn, then.fn, orelse.fn

        def cond(v: Any) -> Any:
            t = tf(v)
            if t is True:
                return af(v)
            if conditional_value(t, what):
                return af(v)
            return bf(v)

        return _C(cond)

    def c_Match(self, node: ast.Match, top: bool) -> _C:
        clauses: list[tuple[Fn, Fn]] = []
        for check, action in node.clauses:
            if top and isinstance(check, ast.Const) and check.bool_token:
                # Metron's validation hack: a lone true/false literal check, in a match whose
                # stack is otherwise empty, is replaced by false.
                check_fn: Fn = lambda v: False  # noqa: E731
            else:
                check_fn = self.compile(check, False).fn
            clauses.append((check_fn, self.compile(action, False).fn))
        default = self.compile(node.default, False).fn  # type: ignore[arg-type]

        def match(v: Any) -> Any:
            for check_fn, action_fn in clauses:
                if conditional_value(check_fn(v), "a match clause"):
                    return _match_action(action_fn(v))
            return _match_action(default(v))

        return _C(match)

    # -- calls ---------------------------------------------------------------------------

    def c_Call(self, node: ast.Call, top: bool) -> _C:
        spec = REGISTRY.get(node.name)
        if spec is None:
            # Metron resolves a function only when the call is evaluated, so an unknown
            # function that short-circuiting skips is no error; `validate` still reports it.
            error = unknown_function(node, self.text)

            def unknown(v: Any) -> Any:
                raise error

            return _C(unknown)
        impl = self._impl(spec)
        fused = self._fused_call(node, spec, impl)
        if fused is not None:
            return _C(fused)
        args = [self.compile(a, False) for a in node.args]
        if spec.pure and all(a.const for a in args):
            try:
                value = impl(*[_fresh(a.value) for a in args])
            except Exception:
                pass
            else:
                if isinstance(value, _IMMUTABLE):
                    return _C(lambda v: value, True, value)
        return _C(_call(spec, impl, [a.fn for a in args]))

    def _impl(self, spec: FunctionSpec) -> Callable[..., Any]:
        if not spec.context:
            return spec.impl
        ctx = self.context
        base = spec.impl
        return lambda *a: base(ctx, *a)

    def _plain_var(self, node: ast.Node) -> str | None:
        if isinstance(node, ast.Var) and node.name != "_" and not self.strict:
            return node.name
        return None

    def _fused_call(
        self, node: ast.Call, spec: FunctionSpec, impl: Callable[..., Any]
    ) -> Fn | None:
        """One closure for the hot shapes ``F(var)`` and ``F(G(var))`` (``TO_UPPER(TRIM(x))``)."""
        if len(node.args) != 1:
            return None
        arg = node.args[0]
        name = self._plain_var(arg)
        if name is not None:

            def call_var(v: Any) -> Any:
                x = v.get(name)
                try:
                    return impl(x)
                except Exception as e:
                    raise function_error(spec, e, 1) from error_cause(e)

            return call_var
        if not isinstance(arg, ast.Call) or len(arg.args) != 1:
            return None
        inner_spec = REGISTRY.get(arg.name)
        inner_name = self._plain_var(arg.args[0])
        if inner_spec is None or inner_name is None:
            return None
        inner = self._impl(inner_spec)

        def call_call_var(v: Any) -> Any:
            x = v.get(inner_name)
            try:
                y = inner(x)
            except Exception as e:
                raise function_error(inner_spec, e, 1) from error_cause(e)
            try:
                return impl(y)
            except Exception as e:
                raise function_error(spec, e, 1) from error_cause(e)

        return call_call_var


def unknown_function(node: ast.Call, expression: str) -> StellarSyntaxError:
    """The error for a call to a function the registry does not know, with close names."""
    close = REGISTRY.closest(node.name)
    hint = f"did you mean {', '.join(close)}?" if close else "see `metron stellar functions`"
    return StellarSyntaxError(
        f"unknown function '{node.name}'", expression=expression, offset=node.start, hint=hint
    )


def _match_action(value: Any) -> Any:
    if isinstance(value, StellarLambda):
        return value()
    return value


def _call(spec: FunctionSpec, impl: Callable[..., Any], fns: list[Fn]) -> Fn:
    # Arguments are evaluated outside the try, so an argument's own error is not blamed on
    # this function.
    n = len(fns)
    if n == 0:

        def call0(v: Any) -> Any:
            try:
                return impl()
            except Exception as e:
                raise function_error(spec, e, 0) from error_cause(e)

        return call0
    if n == 1:
        (a0,) = fns

        def call1(v: Any) -> Any:
            x = a0(v)
            try:
                return impl(x)
            except Exception as e:
                raise function_error(spec, e, 1) from error_cause(e)

        return call1
    if n == 2:
        a0, a1 = fns

        def call2(v: Any) -> Any:
            x = a0(v)
            y = a1(v)
            try:
                return impl(x, y)
            except Exception as e:
                raise function_error(spec, e, 2) from error_cause(e)

        return call2

    def calln(v: Any) -> Any:
        args = [f(v) for f in fns]
        try:
            return impl(*args)
        except Exception as e:
            raise function_error(spec, e, n) from error_cause(e)

    return calln


def compile_tree(node: ast.Node, expression: str, context: StellarContext, strict: bool) -> Fn:
    """The closure computing ``node``'s value from a mapping of variables."""
    return _Compiler(expression, context, strict).compile(node, True).fn
