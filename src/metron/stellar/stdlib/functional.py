"""Functional helpers: apply a lambda to each element (MAP), keep some (FILTER), fold (REDUCE),
and zip lists together (ZIP, ZIP_LONGEST).

MAP, FILTER and REDUCE walk a list or a set in order, or a string character by character
(each character is a Java ``Character``).  FILTER keeps an element only when the lambda
returns exactly ``true``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from metron.stellar.compiler import StellarLambda
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.types import Char, JavaSet, java_type_name, to_java_string

__all__: list[str] = []

_ITERABLES = (list, tuple, JavaSet, set, frozenset)
_LISTS = (list, tuple)


def _iterable(value: Any) -> Iterable[Any] | None:
    """Metron's ``getIterable``: null stays null, a string yields its characters."""
    if value is None:
        return None
    if type(value) is str:
        return [Char(ch) for ch in value]
    if isinstance(value, _ITERABLES):
        return value
    raise StellarError(f"cannot iterate over {java_type_name(value)} {to_java_string(value)}")


def _lambda(value: Any) -> StellarLambda | None:
    if value is None or isinstance(value, StellarLambda):
        return value
    raise StellarError(f"expects a lambda, got {java_type_name(value)}")


@stellar(
    "MAP",
    params=[
        "list - a list, set or string to walk",
        "transform_expression - a lambda taking one argument",
    ],
    returns="a list of the lambda's results, in order",
    description=(
        "Applies a one-argument lambda to every element of a list or set, or to every "
        "character of a string, and collects the results in a new list. A null input is "
        "returned as null."
    ),
    examples=[
        ("MAP([1, 2, 3], x -> x * 2)", [2, 4, 6]),
        ("MAP('ab', c -> c == 'a')", [False, False]),
        ("MAP([1, null], (x) -> x == null ? 0 : x + 1)", [2, 0]),
    ],
    pure=True,
)
def map_(*args: Any) -> Any:
    items = _iterable(args[0])
    fn = _lambda(args[1])
    if items is None or fn is None:
        return items
    return [fn(item) for item in items]


@stellar(
    "FILTER",
    params=[
        "list - a list, set or string to walk",
        "predicate - a lambda taking one argument and returning a boolean",
    ],
    returns="a list of the elements for which the predicate is true",
    description=(
        "Keeps the elements of a list or set (or the characters of a string) for which a "
        "one-argument lambda returns true; a null or non-boolean result drops the element."
    ),
    examples=[
        ("FILTER([1, 5, 10], x -> x > 3)", [5, 10]),
        ("FILTER(['a', null, 'b'], x -> x != null)", ["a", "b"]),
        ("FILTER([1, 2], x -> 'true')", []),
    ],
    pure=True,
)
def filter_(*args: Any) -> Any:
    items = _iterable(args[0])
    fn = _lambda(args[1])
    if items is None or fn is None:
        return items
    return [item for item in items if fn(item) is True]


@stellar(
    "REDUCE",
    params=[
        "list - a list, set or string to fold",
        "binary_operation - a lambda taking the running result and the next element",
        "initial_value - the starting value of the running result",
    ],
    returns="the final running result",
    description=(
        "Folds a list from the left: the lambda receives the running result and each element "
        "in turn. Without an initial value, or with a null input, lambda or initial value, "
        "the result is null; an empty list gives the initial value."
    ),
    examples=[
        ("REDUCE([1, 2, 3], (sum, x) -> sum + x, 0)", 6),
        ("REDUCE(['a', 'b'], (acc, x) -> LIST_ADD(acc, x), [])", ["a", "b"]),
        ("REDUCE([1, 2, 3], (sum, x) -> sum + x)", None),
    ],
    pure=True,
)
def reduce_(*args: Any) -> Any:
    items = _iterable(args[0])
    if items is None or len(args) < 3:
        return None
    fn = _lambda(args[1])
    result = args[2]
    if fn is None or result is None:
        return None
    for item in items:
        result = fn(result, item)
    return result


def _zip(args: tuple[Any, ...], longest: bool) -> list[list[Any]]:
    lists = [arg for arg in args if isinstance(arg, _LISTS)]
    if not lists:
        return []
    sizes = [len(lst) for lst in lists]
    size = max(sizes) if longest else min(sizes)
    return [[lst[i] if i < len(lst) else None for lst in lists] for i in range(size)]


@stellar(
    "ZIP",
    params=["list(s) - the lists to zip"],
    returns="a list whose i-th element is the list of the i-th elements, as long as the shortest",
    description=(
        "Zips lists together like Python's zip: the i-th result holds the i-th element of "
        "every list, and the result is as long as the shortest list. Arguments that are not "
        "lists (null included) are ignored."
    ),
    examples=[
        ("ZIP([1, 2, 3], ['a', 'b'])", [[1, "a"], [2, "b"]]),
        ("ZIP([1, 2], null)", [[1], [2]]),
        ("ZIP()", []),
    ],
    pure=True,
)
def zip_(*args: Any) -> list[list[Any]]:
    return _zip(args, longest=False)


@stellar(
    "ZIP_LONGEST",
    params=["list(s) - the lists to zip"],
    returns="a list whose i-th element is the list of the i-th elements, as long as the longest",
    description=(
        "Zips lists together like Python's itertools.zip_longest: the result is as long as "
        "the longest list and the missing elements are null. Arguments that are not lists "
        "are ignored."
    ),
    examples=[
        ("ZIP_LONGEST([1, 2], [3, 4, 5])", [[1, 3], [2, 4], [None, 5]]),
        Example("ZIP_LONGEST('ab', [1])", [[1]]),
    ],
    pure=True,
)
def zip_longest(*args: Any) -> list[list[Any]]:
    return _zip(args, longest=True)
