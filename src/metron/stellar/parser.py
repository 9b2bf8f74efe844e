"""Stellar's parser: recursive descent over Metron's grammar, with Metron's precedence.

Tightest first: atoms and calls, ``*``, ``/`` (so ``8 / 2 * 4`` is ``8 / (2*4)``), ``+``/``-``,
comparisons (one left-associative level), ``in``/``not in`` (whose right side is a whole
comparison), ``and``/``or`` (one right-associative level), then ``?:``/``if``, then ``match``.
Each construct is accepted only where Metron's grammar accepts it; anything else is a
:class:`StellarSyntaxError` with the line, the column and a hint.
"""

from __future__ import annotations

from metron.stellar import ast
from metron.stellar.ast import (
    ARITH,
    COMPARISON,
    CONDITIONAL,
    IN,
    LOGICAL,
    OPERAND,
    TRANSFORM,
    Node,
)
from metron.stellar.errors import StellarSyntaxError
from metron.stellar.lexer import Token, tokenize, unescape_string
from metron.stellar.types import INT_MAX, INT_MIN, LONG_MAX, LONG_MIN, Float, Long

__all__ = ["parse", "parse_checked"]

_COMPARE_OPS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_B_EXPR = frozenset({ARITH, OPERAND, COMPARISON, IN})
_LOGICAL = _B_EXPR | {LOGICAL}
_ARG = frozenset({ARITH, OPERAND, COMPARISON, CONDITIONAL})
_COMPARABLE = frozenset({ARITH, OPERAND, COMPARISON})
_IN_LEFT = frozenset({ARITH, OPERAND})

_DESCRIBE = {
    "EOF": "the end of the expression",
    "IDENT": "a name",
    "INT": "a number",
    "LONG": "a number",
    "FLOAT": "a number",
    "DOUBLE": "a number",
    "STRING": "a string",
    "EXPONENT": "an exponent",
}


def parse(expression: str) -> Node:
    """Parse a whole Stellar expression into its syntax tree."""
    return _Parser(expression).parse()


def parse_checked(expression: str) -> tuple[Node, bool, bool]:
    """The syntax tree and two shapes where Metron's token evaluator may differ from a tree:

    * ``nested_else``: some conditional's ``else`` branch holds another conditional;
    * ``nested_logical``: the left side of an ``and`` (``or``) is itself, in parentheses,
      an ``and`` (``or``), whose short-circuited value carries the inner frame.
    """
    parser = _Parser(expression)
    tree = parser.parse()
    return tree, parser.nested_else, parser.nested_logical


class _Parser:
    def __init__(self, expression: str) -> None:
        self.text = expression
        self.tokens = tokenize(expression)
        self.pos = 0
        self.tok: Token = self.tokens[0]  # the current token; EOF is last and sticks
        self.match_depth = 0
        self.conditionals = 0  # conditionals parsed so far
        self.nested_else = False  # an else branch holds a conditional
        self.nested_logical = False  # (a or b) or c, (a and b) and c, possibly via ?:

    # -- token helpers -------------------------------------------------------------------

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tok
        if self.pos < len(self.tokens) - 1:
            self.pos += 1
            self.tok = self.tokens[self.pos]
        return token

    def expect(self, kind: str, what: str, hint: str | None = None) -> Token:
        if self.tok.kind != kind:
            self.fail(f"expected {what}", hint=hint)
        return self.advance()

    def fail(self, message: str, token: Token | None = None, hint: str | None = None) -> None:
        token = token or self.tok
        if token.kind == "EOF":
            found = "the end of the expression"
        elif token.kind in _DESCRIBE:
            found = f"{_DESCRIBE[token.kind]} {token.text!r}"
        else:
            found = repr(token.text)
        text = f"{message}, found {found}"
        raise StellarSyntaxError(text, expression=self.text, offset=token.start, hint=hint)

    def error_at(self, node: Node, message: str, hint: str | None = None) -> None:
        raise StellarSyntaxError(message, expression=self.text, offset=node.start, hint=hint)

    # -- entry ---------------------------------------------------------------------------

    def parse(self) -> Node:
        if self.tok.kind == "EOF":
            raise StellarSyntaxError(
                "empty expression", expression=self.text, offset=0, hint="write an expression"
            )
        node = self.parse_expr()
        if self.tok.kind != "EOF":
            self.fail("unexpected text after a complete expression", hint=self.trailing_hint(node))
        return node

    def trailing_hint(self, node: Node) -> str | None:
        tok = self.tok
        if tok.kind in ("INT", "LONG", "DOUBLE", "FLOAT") and tok.text.startswith("-"):
            return "the minus sign belongs to the number; put spaces around a subtraction: 'a - 1'"
        if tok.kind in ("+", "-", "*", "/") and node.cat != ARITH:
            return "arithmetic works on numbers, variables and function calls only"
        if tok.kind in ("INT", "LONG", "DOUBLE", "FLOAT") and tok.text[0].isdigit():
            return "numbers may not have leading zeros"
        if tok.kind == "IN" or tok.kind == "NIN":
            return "the left side of 'in' must be a value; parenthesise comparisons"
        return None

    # -- transformation level ------------------------------------------------------------

    def parse_expr(self) -> Node:
        """``transformation_expr``: anything, including ``match`` and conditionals."""
        kind = self.tok.kind
        if kind == "MATCH":
            return self.parse_match()
        if kind == "IF":
            return self.parse_if()
        node = self.parse_logical()
        if self.tok.kind == "?":
            return self.parse_ternary(node)
        return node

    def parse_if(self) -> Node:
        start = self.advance().start
        test = self.parse_logical()
        self.check(test, _LOGICAL, "an if condition")
        self.expect("THEN", "'then'")
        then = self.parse_expr()
        self.expect("ELSE", "'else'", hint="if ... then ... else ... needs all three parts")
        orelse = self.parse_else()
        return ast.Cond(start, orelse.end, test=test, then=then, orelse=orelse, cat=CONDITIONAL)

    def parse_ternary(self, test: Node) -> Node:
        self.check(test, _LOGICAL, "a ?: condition")
        self.advance()
        then = self.parse_expr()
        self.expect(":", "':' of a ?: expression")
        orelse = self.parse_else()
        return ast.Cond(
            test.start, orelse.end, test=test, then=then, orelse=orelse, cat=CONDITIONAL
        )

    def parse_else(self) -> Node:
        before = self.conditionals
        self.conditionals += 1
        orelse = self.parse_expr()
        if self.conditionals > before + 1:
            self.nested_else = True
        return orelse

    def parse_match(self) -> Node:
        start = self.advance().start
        if self.match_depth:
            raise StellarSyntaxError(
                "nested match is not supported",
                expression=self.text,
                offset=start,
                hint="Metron cannot nest match expressions; use a lambda or a separate expression",
            )
        self.expect("{", "'{' after match")
        clauses: list[tuple[Node, Node]] = []
        self.match_depth += 1
        try:
            while True:
                if self.tok.kind == "DEFAULT":
                    if not clauses:
                        self.fail("a match needs at least one clause before default")
                    self.advance()
                    self.expect("=>", "'=>' after default")
                    default = self.parse_expr()
                    end = self.expect("}", "'}' closing the match").end
                    return ast.Match(start, end, clauses=clauses, default=default, cat=TRANSFORM)
                if self.tok.kind == "IF":
                    check = self.parse_if()
                else:
                    check = self.parse_logical()
                    if self.tok.kind == "?":
                        check = self.parse_ternary(check)
                self.check(check, _LOGICAL | {CONDITIONAL}, "a match condition")
                self.expect("=>", "'=>' after a match condition")
                action = self.parse_expr()
                clauses.append((check, action))
                self.expect(
                    ",",
                    "',' and another clause or 'default => ...'",
                    hint="a match must end with a default clause: match{ cond => value, default => value }",
                )
        finally:
            self.match_depth -= 1

    # -- logical level -------------------------------------------------------------------

    def parse_logical(self) -> Node:
        left = self.parse_b_expr()
        kind = self.tok.kind
        if kind == "AND" or kind == "OR":
            self.check(left, _B_EXPR, f"the left side of '{self.tok.text}'")
            self.advance()
            right = self.parse_logical()
            self.check(right, _LOGICAL, f"the right side of '{kind.lower()}'")
            cls = ast.And if kind == "AND" else ast.Or
            if _ends_with(left, cls):
                self.nested_logical = True
            return cls(left.start, right.end, left=left, right=right, cat=LOGICAL)
        return left

    def parse_b_expr(self) -> Node:
        left = self.parse_comparison()
        kind = self.tok.kind
        if kind == "IN" or kind == "NIN":
            if left.cat not in _IN_LEFT:
                self.fail(
                    "the left side of 'in' must be a plain value",
                    hint="parenthesise the left side only if it is arithmetic or a ?: expression;"
                    " 'a == b in c' is not valid Stellar",
                )
            self.advance()
            right = self.parse_b_expr()
            return ast.In(
                left.start, right.end, needle=left, haystack=right, negate=kind == "NIN", cat=IN
            )
        return left

    def parse_comparison(self) -> Node:
        left = self.parse_comparison_atom()
        while self.tok.kind in _COMPARE_OPS:
            op = self.advance().kind
            self.check(left, _COMPARABLE, f"the left side of '{op}'")
            right = self.parse_comparison_atom()
            self.check(right, _COMPARABLE, f"the right side of '{op}'")
            left = ast.Compare(left.start, right.end, op=op, left=left, right=right, cat=COMPARISON)
        return left

    def parse_comparison_atom(self) -> Node:
        if self.tok.kind == "NOT":
            start = self.advance().start
            if self.tok.kind != "(":
                self.fail("expected '(' after not", hint="write not(expression)")
            self.advance()
            operand = self.parse_logical()
            self.check(operand, _LOGICAL, "not(...)")
            end = self.expect(")", "')' closing not(").end
            return ast.Not(start, end, operand=operand, cat=COMPARISON)
        return self.parse_operand()

    # -- operands ------------------------------------------------------------------------

    def parse_operand(self) -> Node:
        """``identifier_operand``, or a parenthesised logical expression."""
        tok = self.tok
        kind = tok.kind
        if kind == "TRUE" or kind == "FALSE":
            self.advance()
            return ast.Const(tok.start, tok.end, value=kind == "TRUE", bool_token=True)
        if kind == "STRING":
            self.advance()
            return ast.Const(tok.start, tok.end, value=unescape_string(tok.text))
        if kind == "NULL":
            self.advance()
            return ast.Const(tok.start, tok.end, value=None)
        if kind == "[":
            return self.parse_list()
        if kind == "{":
            return self.parse_map()
        if kind == "EXISTS":
            self.advance()
            self.expect("(", "'(' after exists")
            name = self.expect(
                "IDENT", "a variable name", hint="exists takes a variable name, not a string"
            )
            end = self.expect(")", "')' closing exists(").end
            return ast.Exists(tok.start, end, name=name.text)
        if kind == "IDENT" and self.peek().kind == "->":
            return self.parse_lambda_single()
        if kind == "(" and self.is_lambda():
            return self.parse_lambda_parens()
        return self.parse_arith()

    def is_lambda(self) -> bool:
        i = self.pos + 1
        tokens = self.tokens
        if tokens[i].kind == ")":
            return tokens[i + 1].kind == "->"
        while tokens[i].kind == "IDENT":
            if tokens[i + 1].kind == ")":
                return tokens[i + 2].kind == "->"
            if tokens[i + 1].kind != ",":
                return False
            i += 2
        return False

    def parse_lambda_single(self) -> Node:
        name = self.advance()
        self.advance()  # '->'
        body = self.parse_lambda_body()
        return ast.Lambda(name.start, body.end, params=[name.text], body=body)

    def parse_lambda_parens(self) -> Node:
        start = self.advance().start
        params: list[str] = []
        while self.tok.kind == "IDENT":
            params.append(self.advance().text)
            if self.tok.kind == ",":
                self.advance()
        self.expect(")", "')'")
        self.expect("->", "'->'")
        body = self.parse_lambda_body()
        return ast.Lambda(start, body.end, params=params, body=body)

    def parse_lambda_body(self) -> Node:
        saved = self.match_depth
        self.match_depth = 0  # a lambda has its own evaluation stack: match is fine inside
        try:
            return self.parse_expr()
        finally:
            self.match_depth = saved

    def parse_list(self) -> Node:
        start = self.advance().start
        items = self.parse_args("]")
        end = self.expect("]", "']' closing the list").end
        return ast.ListLit(start, end, items=items)

    def parse_args(self, closer: str) -> list[Node]:
        items: list[Node] = []
        if self.tok.kind == closer:
            return items
        while True:
            item = self.parse_expr()
            self.check(item, _ARG, "a function argument or list element")
            items.append(item)
            if self.tok.kind != ",":
                return items
            self.advance()

    def parse_map(self) -> Node:
        start = self.advance().start
        entries: list[tuple[Node, Node]] = []
        if self.tok.kind != "}":
            while True:
                key = self.parse_b_expr()
                self.check(key, _COMPARABLE, "a map key")
                self.expect(
                    ":",
                    "':' after a map key",
                    hint="a name followed directly by ':' is read as one identifier;"
                    " write { key : value } with spaces",
                )
                value = self.parse_expr()
                entries.append((key, value))
                if self.tok.kind != ",":
                    break
                self.advance()
        end = self.expect("}", "'}' closing the map").end
        return ast.MapLit(start, end, entries=entries)

    # -- arithmetic ----------------------------------------------------------------------

    def parse_arith(self) -> Node:
        left = self.parse_div()
        while self.tok.kind == "+" or self.tok.kind == "-":
            op = self.advance().kind
            right = self.parse_div()
            left = self.arith(op, left, right)
        return left

    def parse_div(self) -> Node:
        # '*' binds tighter than '/': Metron's grammar lists the '*' alternative first.
        left = self.parse_mul()
        while self.tok.kind == "/":
            self.advance()
            right = self.parse_mul()
            left = self.arith("/", left, right)
        return left

    def parse_mul(self) -> Node:
        left = self.parse_arith_operand()
        while self.tok.kind == "*":
            self.advance()
            right = self.parse_arith_operand()
            left = self.arith("*", left, right)
        return left

    def arith(self, op: str, left: Node, right: Node) -> Node:
        for side in (left, right):
            if side.cat != ARITH:
                self.error_at(
                    side,
                    f"'{op}' needs numbers, variables or function calls on both sides",
                    hint="strings, booleans, null, lists and parenthesised comparisons cannot be"
                    " used in arithmetic; Stellar has no string '+' (use JOIN or FORMAT)",
                )
        return ast.Arith(left.start, right.end, op=op, left=left, right=right, cat=ARITH)

    def parse_arith_operand(self) -> Node:
        tok = self.tok
        kind = tok.kind
        if kind == "IDENT":
            self.advance()
            if self.tok.kind == "(":
                self.advance()
                args = self.parse_args(")")
                end = self.expect(")", f"')' closing {tok.text}(").end
                return ast.Call(
                    tok.start, end, name=tok.text, args=args, name_end=tok.end, cat=ARITH
                )
            return ast.Var(tok.start, tok.end, name=tok.text, cat=ARITH)
        if kind == "INT" or kind == "LONG" or kind == "DOUBLE" or kind == "FLOAT" or kind == "NAN":
            self.advance()
            return ast.Const(tok.start, tok.end, value=self.number(tok), cat=ARITH)
        if kind == "(":
            self.advance()
            inner = self.parse_expr()
            end = self.expect(")", "')'").end
            if inner.cat == ARITH or inner.cat == CONDITIONAL:
                cat = ARITH
            elif inner.cat == TRANSFORM:
                cat = TRANSFORM
            else:
                cat = COMPARISON
            return _reparent(inner, tok.start, end, cat)
        hint = None
        if kind in (
            "AND",
            "OR",
            "IN",
            "NIN",
            "IF",
            "THEN",
            "ELSE",
            "MATCH",
            "DEFAULT",
            "NOT",
            "EXISTS",
        ):
            hint = f"'{tok.text}' is a keyword and cannot be used as a name"
        elif kind == "EXPONENT":
            hint = f"'{tok.text}' reads as an exponent; rename the variable"
        self.fail("expected a value", hint=hint)
        raise AssertionError  # unreachable

    def number(self, tok: Token) -> object:
        text = tok.text
        kind = tok.kind
        if kind in ("INT", "LONG") and len(text.lstrip("-0")) > 20:
            # beyond any long (and beyond what int() converts without a limit)
            self.fail(f"{'long' if kind == 'LONG' else 'integer'} literal out of range", token=tok)
        if kind == "INT":
            value = int(text)
            if not INT_MIN <= value <= INT_MAX:
                self.fail(
                    "integer literal out of range", token=tok, hint=f"write {text}L for a long"
                )
            return value
        if kind == "LONG":
            value = int(text[:-1])
            if not LONG_MIN <= value <= LONG_MAX:
                self.fail("long literal out of range", token=tok)
            return Long(value)
        if kind == "NAN":
            return float("nan")
        body = text[:-1] if text[-1] in "dDfF" else text
        if kind == "FLOAT":
            return Float(float(body))
        return float(body)

    def check(self, node: Node, allowed: frozenset[int] | set[int], where: str) -> None:
        if node.cat in allowed:
            return
        what = {
            IN: "an 'in' expression",
            LOGICAL: "an and/or expression",
            CONDITIONAL: "a ?: or if expression",
            TRANSFORM: "a match expression",
            COMPARISON: "a comparison",
        }.get(node.cat, "this expression")
        self.error_at(
            node,
            f"{what} cannot be used as {where}",
            hint="wrap it in parentheses" if node.cat in (IN, LOGICAL) else None,
        )


def _ends_with(node: Node, cls: type) -> bool:
    """Whether ``node``'s value may be the short-circuited operand of a ``cls`` node."""
    if isinstance(node, cls):
        return True
    if isinstance(node, ast.Cond):
        return _ends_with(node.then, cls) or _ends_with(node.orelse, cls)  # type: ignore[arg-type]
    return False


def _reparent(inner: Node, start: int, end: int, cat: int) -> Node:
    """Give a parenthesised node its outer span and the category the parentheses give it."""
    inner.start = start
    inner.end = end
    inner.cat = cat
    if isinstance(inner, ast.Const):
        inner.bool_token = False
    return inner
