"""The Stellar syntax tree.  Every node keeps its source span for error messages.

``cat`` records which grammar category a node belongs to, because Metron's grammar allows a
construct only where its category fits (an ``in`` expression is not a function argument,
a parenthesised comparison is not an arithmetic operand, and so on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ARITH",
    "COMPARISON",
    "CONDITIONAL",
    "IN",
    "LOGICAL",
    "OPERAND",
    "TRANSFORM",
    "And",
    "Arith",
    "Call",
    "Compare",
    "Cond",
    "Const",
    "Exists",
    "In",
    "Lambda",
    "ListLit",
    "MapLit",
    "Match",
    "Node",
    "Not",
    "Or",
    "Var",
]

# Grammar categories, from the most to the least restricted.
ARITH = 1  # arithmetic operand or expression: numbers, variables, calls, (arith), (cond)
OPERAND = 2  # identifier_operand: ARITH plus strings, booleans, null, lists, maps, lambdas
COMPARISON = 3  # comparisons, not(...), (logical)
IN = 4  # in / not in
LOGICAL = 5  # and / or
CONDITIONAL = 6  # ?: and if-then-else
TRANSFORM = 7  # match, and a parenthesised match


@dataclass(slots=True)
class Node:
    start: int
    end: int
    cat: int = field(default=OPERAND, kw_only=True)


@dataclass(slots=True)
class Const(Node):
    value: Any = None
    #: True when the constant is a single boolean literal token (Metron's match quirk).
    bool_token: bool = False


@dataclass(slots=True)
class Var(Node):
    name: str = ""


@dataclass(slots=True)
class Exists(Node):
    name: str = ""


@dataclass(slots=True)
class Arith(Node):
    op: str = "+"
    left: Node | None = None
    right: Node | None = None


@dataclass(slots=True)
class Compare(Node):
    op: str = "=="
    left: Node | None = None
    right: Node | None = None


@dataclass(slots=True)
class In(Node):
    needle: Node | None = None
    haystack: Node | None = None
    negate: bool = False


@dataclass(slots=True)
class And(Node):
    left: Node | None = None
    right: Node | None = None


@dataclass(slots=True)
class Or(Node):
    left: Node | None = None
    right: Node | None = None


@dataclass(slots=True)
class Not(Node):
    operand: Node | None = None


@dataclass(slots=True)
class Cond(Node):
    test: Node | None = None
    then: Node | None = None
    orelse: Node | None = None


@dataclass(slots=True)
class Call(Node):
    name: str = ""
    args: list[Node] = field(default_factory=list)
    name_end: int = 0


@dataclass(slots=True)
class ListLit(Node):
    items: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class MapLit(Node):
    entries: list[tuple[Node, Node]] = field(default_factory=list)


@dataclass(slots=True)
class Lambda(Node):
    params: list[str] = field(default_factory=list)
    body: Node | None = None


@dataclass(slots=True)
class Match(Node):
    clauses: list[tuple[Node, Node]] = field(default_factory=list)
    default: Node | None = None
