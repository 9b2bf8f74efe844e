"""Metron's own evaluation strategy, for the few expressions where its quirks show.

Metron does not evaluate a tree: it flattens the expression into a deque of tokens (values,
deferred operations and markers) and runs them against a stack, skipping tokens to
short-circuit.  Two consequences differ from evaluating the tree:

* a non-boolean condition of ``?:``/``if``/``match`` is not an error by itself: both branches
  run and their values stay on the stack (a function call around them receives them all as
  arguments; at the top the expression fails);
* when the condition of ``?:`` is true, Metron skips the ``else`` branch only up to the
  *first* end-of-conditional marker, so a conditional nested inside an ``else`` branch (in a
  function call, an arithmetic operand...) leaves the rest of that branch to run against the
  stack.

* when an ``and``/``or`` short-circuits, the value left on the stack keeps the inner
  frame's identity, so an enclosing ``(a or b) or c`` looks for the wrong frame and skips to
  the end of the expression, leaving the stack as it was.

The compiler handles everything else with fast closures; an expression is handed to this
machine when it contains the second or third shape, or when the first happens at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from metron.stellar import ast
from metron.stellar.compiler import (
    StellarLambda,
    all_fields,
    error_cause,
    function_error,
    unknown_function,
)
from metron.stellar.context import StellarContext
from metron.stellar.convert import to_boolean
from metron.stellar.errors import StellarError
from metron.stellar.functions import REGISTRY
from metron.stellar.lexer import tokenize
from metron.stellar.operators import arith, compare, contains, equals
from metron.stellar.types import JavaSet, java_hashmap_order, java_type_name

__all__ = ["has_else_hazard", "machine"]

# Marker kinds.  The first group are Metron's "short-circuit ops": never pushed.
BOOLEAN_ARG = "BooleanArg"
IF_EXPR = "IfExpr"
THEN_EXPR = "ThenExpr"
ELSE_EXPR = "ElseExpr"
END_CONDITIONAL = "EndConditional"
MATCH_CHECK = "MatchClauseCheckExpr"
MATCH_CLAUSE_END = "MatchClauseEnd"
MATCH_CLAUSES_END = "MatchClausesEnd"
_SHORT_CIRCUIT_OPS = frozenset(
    {
        BOOLEAN_ARG,
        IF_EXPR,
        THEN_EXPR,
        ELSE_EXPR,
        END_CONDITIONAL,
        MATCH_CHECK,
        MATCH_CLAUSE_END,
        MATCH_CLAUSES_END,
    }
)
_CONDITIONAL_CONTEXT = frozenset({BOOLEAN_ARG, IF_EXPR, MATCH_CHECK})
FRAME = "ShortCircuitFrame"
FUNCTION_MARKER = "FunctionMarker"
DEFERRED = "Deferred"


class _Frame:
    """An and/or argument context (Metron's FrameContext.Context), compared by identity."""

    __slots__ = ("variety",)

    def __init__(self, variety: str) -> None:
        self.variety = variety


class _Tok:
    __slots__ = ("ctx", "kind", "value")

    def __init__(self, value: Any, kind: str, ctx: _Frame | None) -> None:
        self.value = value
        self.kind = kind
        self.ctx = ctx


Stack = list[_Tok]  # the top of the stack is the end of the list
Deferred = Callable[[Stack, Any], None]


def _pop(stack: Stack) -> _Tok:
    if not stack:
        raise StellarError("Unable to pop an empty stack")
    return stack.pop()


class _Emitter:
    """Flattens a syntax tree into Metron's token order, as its parse listener does."""

    def __init__(self, text: str, context: StellarContext, strict: bool) -> None:
        self.text = text
        self.context = context
        self.strict = strict
        self.frames: list[_Frame] = []
        #: (token list, index of ElseExpr, index of EndConditional) of every conditional
        self.conditionals: list[tuple[list[_Tok], int, int]] = []

    @property
    def ctx(self) -> _Frame | None:
        return self.frames[-1] if self.frames else None

    def deferred(self, fn: Deferred) -> _Tok:
        return _Tok(fn, DEFERRED, self.ctx)

    def emit(self, node: ast.Node, out: list[_Tok]) -> None:
        getattr(self, "e_" + type(node).__name__)(node, out)

    def e_Const(self, node: ast.Const, out: list[_Tok]) -> None:
        kind = "Object" if node.value is None else java_type_name(node.value)
        out.append(_Tok(node.value, kind, self.ctx))

    def e_Var(self, node: ast.Var, out: list[_Tok]) -> None:
        name = node.name
        ctx = self.ctx
        strict = self.strict

        def var(stack: Stack, scope: Any) -> None:
            if name == "_":
                value = all_fields(scope)
            else:
                if strict and name not in scope:
                    raise StellarError(f"variable: {name} is not defined")
                value = scope.get(name)
            stack.append(_Tok(value, "Object", ctx))

        out.append(self.deferred(var))

    def e_Exists(self, node: ast.Exists, out: list[_Tok]) -> None:
        name = node.name
        ctx = self.ctx
        out.append(
            self.deferred(
                lambda stack, scope: stack.append(
                    _Tok(name == "_" or scope.get(name) is not None, "Boolean", ctx)
                )
            )
        )

    def _binary(
        self, left: Any, right: Any, compute: Callable[[Any, Any], Any], out: list[_Tok]
    ) -> None:
        """Both operands' tokens, then an operation popping them (right first)."""
        self.emit(left, out)
        self.emit(right, out)
        ctx = self.ctx

        def fn(stack: Stack, scope: Any) -> None:
            b = _pop(stack).value
            a = _pop(stack).value
            value = compute(a, b)
            stack.append(_Tok(value, java_type_name(value), ctx))

        out.append(self.deferred(fn))

    def e_Arith(self, node: ast.Arith, out: list[_Tok]) -> None:
        op = node.op
        self._binary(node.left, node.right, lambda a, b: arith(op, a, b), out)

    def e_Compare(self, node: ast.Compare, out: list[_Tok]) -> None:
        op = node.op
        if op == "==":
            fn: Callable[[Any, Any], bool] = equals
        elif op == "!=":
            fn = lambda a, b: not equals(a, b)  # noqa: E731
        else:
            fn = lambda a, b: compare(op, a, b)  # noqa: E731
        self._binary(node.left, node.right, fn, out)

    def e_In(self, node: ast.In, out: list[_Tok]) -> None:
        negate = node.negate
        self._binary(
            node.needle, node.haystack, lambda needle, hay: contains(hay, needle) != negate, out
        )

    def _logical(self, node: ast.And | ast.Or, variety: str, out: list[_Tok]) -> None:
        frame = _Frame(variety)
        self.frames.append(frame)
        self.emit(node.left, out)  # type: ignore[arg-type]
        out.append(_Tok(None, BOOLEAN_ARG, frame))
        self.emit(node.right, out)  # type: ignore[arg-type]
        self.frames.pop()
        parent = self.ctx
        is_and = variety == "AND"

        def fn(stack: Stack, scope: Any) -> None:
            a = to_boolean(_pop(stack).value) is True
            b = to_boolean(_pop(stack).value) is True
            stack.append(_Tok((a and b) if is_and else (a or b), "Boolean", parent))

        out.append(_Tok(fn, DEFERRED, frame))
        out.append(_Tok(None, FRAME, frame))

    def e_And(self, node: ast.And, out: list[_Tok]) -> None:
        self._logical(node, "AND", out)

    def e_Or(self, node: ast.Or, out: list[_Tok]) -> None:
        self._logical(node, "OR", out)

    def e_Not(self, node: ast.Not, out: list[_Tok]) -> None:
        self.emit(node.operand, out)  # type: ignore[arg-type]
        ctx = self.ctx
        out.append(
            self.deferred(
                lambda stack, scope: stack.append(
                    _Tok(to_boolean(_pop(stack).value) is not True, "Boolean", ctx)
                )
            )
        )

    def e_Cond(self, node: ast.Cond, out: list[_Tok]) -> None:
        self.emit(node.test, out)  # type: ignore[arg-type]
        out.append(_Tok(None, IF_EXPR, self.ctx))
        out.append(_Tok(None, THEN_EXPR, self.ctx))
        self.emit(node.then, out)  # type: ignore[arg-type]
        else_index = len(out)
        out.append(_Tok(None, ELSE_EXPR, self.ctx))
        self.emit(node.orelse, out)  # type: ignore[arg-type]
        self.conditionals.append((out, else_index, len(out)))
        out.append(_Tok(None, END_CONDITIONAL, self.ctx))

    def _collect(self, out: list[_Tok], kind: str, build: Callable[[list[Any]], Any]) -> None:
        ctx = self.ctx

        def fn(stack: Stack, scope: Any) -> None:
            items: list[Any] = []
            while True:
                tok = _pop(stack)
                if tok.kind == FUNCTION_MARKER:
                    break
                items.append(tok.value)
            items.reverse()
            stack.append(_Tok(build(items), kind, ctx))

        out.append(self.deferred(fn))

    def e_Call(self, node: ast.Call, out: list[_Tok]) -> None:
        out.append(_Tok(None, FUNCTION_MARKER, self.ctx))
        for arg in node.args:
            self.emit(arg, out)
        self._collect(out, "List", lambda items: items)
        spec = REGISTRY.get(node.name)
        ctx = self.ctx
        error = unknown_function(node, self.text) if spec is None else None
        context = self.context

        def call(stack: Stack, scope: Any) -> None:
            args = _pop(stack)
            if spec is None:
                raise error  # type: ignore[misc]
            if args.kind != "List":
                raise StellarError(f"Unable to process in clause because {args.value} is not a set")
            try:
                if spec.context:
                    value = spec.impl(context, *args.value)
                else:
                    value = spec.impl(*args.value)
            except Exception as e:
                raise function_error(spec, e, len(args.value)) from error_cause(e)
            stack.append(_Tok(value, "Object", ctx))

        out.append(self.deferred(call))

    def e_ListLit(self, node: ast.ListLit, out: list[_Tok]) -> None:
        out.append(_Tok(None, FUNCTION_MARKER, self.ctx))
        for item in node.items:
            self.emit(item, out)
        self._collect(out, "List", lambda items: items)

    def e_MapLit(self, node: ast.MapLit, out: list[_Tok]) -> None:
        out.append(_Tok(None, FUNCTION_MARKER, self.ctx))
        for key, value in node.entries:
            self.emit(key, out)
            self.emit(value, out)

        def build(items: list[Any]) -> dict[Any, Any]:
            result: dict[Any, Any] = {}
            pairs = list(zip(items[0::2], items[1::2]))
            for key, value in reversed(pairs):
                result[key] = value
            return java_hashmap_order(result)

        self._collect(out, "Map", build)

    def e_Lambda(self, node: ast.Lambda, out: list[_Tok]) -> None:
        body: list[_Tok] = []
        self.emit(node.body, body)  # type: ignore[arg-type]
        params = list(node.params)
        text = self.text[node.start : node.end]
        ctx = self.ctx

        def make(stack: Stack, scope: Any) -> None:
            fn = StellarLambda(params, lambda inner: run(body, inner), scope, text)
            stack.append(_Tok(fn, "Object", ctx))

        out.append(self.deferred(make))

    def e_Match(self, node: ast.Match, out: list[_Tok]) -> None:
        for check, action in node.clauses:
            self.emit(check, out)
            if len(tokenize(self.text[check.start : check.end])) == 2:  # one token and EOF

                def hack(stack: Stack, scope: Any) -> None:
                    if len(stack) == 1 and (stack[-1].value is None or stack[-1].kind == "Boolean"):
                        stack.pop()
                        stack.insert(0, _Tok(False, "Boolean", None))

                out.append(self.deferred(hack))
            out.append(_Tok(None, MATCH_CHECK, self.ctx))
            self.emit(action, out)
            out.append(self._action())
            out.append(_Tok(None, MATCH_CLAUSE_END, self.ctx))
        self.emit(node.default, out)  # type: ignore[arg-type]
        out.append(self._action())
        out.append(_Tok(None, MATCH_CLAUSES_END, self.ctx))

    def _action(self) -> _Tok:
        ctx = self.ctx

        def fn(stack: Stack, scope: Any) -> None:
            value = _pop(stack).value
            if isinstance(value, StellarLambda):
                value = value()
            stack.append(_Tok(value, "Object", ctx))

        return self.deferred(fn)


def _is_empty(value: Any) -> bool:
    if isinstance(value, (list, tuple, JavaSet, set, frozenset, dict)):
        return len(value) == 0
    return False


def _skip_to(it: Iterator[_Tok], kind: str) -> None:
    for tok in it:
        if tok.kind == kind:
            return


def run(tokens: list[_Tok], scope: Any) -> Any:
    """Metron's ``Expression.apply``: run the tokens against a stack."""
    stack: Stack = []
    skip_else = 0
    skip_match = False
    it = iter(tokens)
    for token in it:
        kind = token.kind
        if skip_else > 0 and kind == ELSE_EXPR:
            for token in it:
                if token.kind == END_CONDITIONAL:
                    break
            kind = token.kind
            skip_else -= 1
        if skip_match and kind in (MATCH_CLAUSE_END, MATCH_CHECK):
            for token in it:
                if token.kind == MATCH_CLAUSES_END:
                    break
            kind = token.kind
            skip_match = False
        curr = stack[-1] if stack else None
        if (
            curr is not None
            and kind in _CONDITIONAL_CONTEXT
            and (curr.value is None or _is_empty(curr.value))
        ):
            curr = _Tok(False, "Boolean", curr.ctx)
            stack[-1] = curr
        if (
            curr is not None
            and (curr.value is True or curr.value is False)
            and kind in _SHORT_CIRCUIT_OPS
        ):
            if kind == BOOLEAN_ARG:
                variety = token.ctx.variety if token.ctx is not None else None
                if (variety == "OR" and curr.value) or (variety == "AND" and not curr.value):
                    frame = curr.ctx
                    for skipped in it:
                        if skipped.kind == FRAME and skipped.ctx is frame:
                            break
            elif kind == IF_EXPR:
                stack.pop()
                if curr.value:
                    skip_else += 1
                else:
                    nested = 0
                    for skipped in it:
                        if skipped.kind == IF_EXPR:
                            nested += 1
                        elif skipped.kind == ELSE_EXPR:
                            if nested == 0:
                                break
                            nested -= 1
            elif kind == MATCH_CHECK:
                stack.pop()
                if curr.value:
                    skip_match = True
                else:
                    _skip_to(it, MATCH_CLAUSE_END)
        if kind == DEFERRED:
            token.value(stack, scope)
        elif kind != FRAME and kind not in _SHORT_CIRCUIT_OPS:
            stack.append(token)
    if not stack:
        raise StellarError("Invalid predicate: Empty stack.")
    top = stack.pop()
    if not stack:
        return top.value
    raise StellarError(f"Invalid parse, found {top.value!r}: the stack holds several values")


def machine(
    tree: ast.Node, text: str, context: StellarContext, strict: bool
) -> Callable[[Any], Any]:
    """A closure evaluating ``tree`` the way Metron's token machine does."""
    tokens: list[_Tok] = []
    _Emitter(text, context, strict).emit(tree, tokens)
    return lambda scope: run(tokens, scope)


def has_else_hazard(tree: ast.Node, text: str) -> bool:
    """True when Metron's skip over some ``else`` branch would stop inside it.

    When a condition is true Metron skips the ``else`` branch up to the first end-of-
    conditional marker.  That is harmless when only end markers follow it in the branch
    (the branch is itself a conditional, or a chain of them); otherwise the rest of the
    branch runs against the stack, and only this machine reproduces the result.
    """
    emitter = _Emitter(text, StellarContext(), strict=False)
    emitter.emit(tree, [])
    for tokens, else_index, end_index in emitter.conditionals:
        branch = tokens[else_index + 1 : end_index]
        first_end = next((i for i, t in enumerate(branch) if t.kind == END_CONDITIONAL), None)
        if first_end is not None and any(
            t.kind != END_CONDITIONAL for t in branch[first_end + 1 :]
        ):
            return True
    return False
