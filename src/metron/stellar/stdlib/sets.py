"""Sets and multisets.

A set is a :class:`~metron.stellar.types.JavaSet` (insertion ordered, like the
``LinkedHashSet`` Metron uses); a multiset is a map from each element to its count (an
Integer).  ``SET_ADD``, ``SET_REMOVE``, ``MULTISET_ADD`` and ``MULTISET_REMOVE`` change the
set or multiset they are given, as Metron's do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, MutableMapping, MutableSet
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.types import INT_MAX, INT_MIN, JavaSet, java_type_name, to_java_string, wrap_int

__all__: list[str] = []

_ITERABLES = (list, tuple, JavaSet, set, frozenset)


def _iterable(value: Any) -> Iterable[Any]:
    if not isinstance(value, _ITERABLES):
        raise StellarError(
            f"expects a list or set, got {java_type_name(value)} {to_java_string(value)}"
        )
    return value


def _unhashable(value: Any) -> StellarError:
    return StellarError(f"{java_type_name(value)} values cannot be set or multiset elements here")


def _add_all(target: MutableSet[Any], items: Iterable[Any]) -> None:
    for item in items:
        try:
            target.add(item)
        except TypeError:
            raise _unhashable(item) from None


def _set_arg(value: Any) -> MutableSet[Any]:
    if value is None:
        return JavaSet()
    if not isinstance(value, MutableSet):
        raise StellarError(f"the first argument must be a set, got {java_type_name(value)}")
    return value


def _multiset_arg(value: Any) -> MutableMapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, MutableMapping):
        raise StellarError(f"the first argument must be a multiset, got {java_type_name(value)}")
    return value


def _count(value: Any) -> int:
    """A count read back from a multiset: it must be an Integer, as Metron casts it to one."""
    if type(value) is not int or not INT_MIN <= value <= INT_MAX:
        raise StellarError(f"a multiset count must be an Integer, got {java_type_name(value)}")
    return value


def _increment(counts: MutableMapping[Any, Any], item: Any, by: Any) -> None:
    """``counts.merge(item, by, Integer::sum)``."""
    try:
        current = counts.get(item)
    except TypeError:
        raise _unhashable(item) from None
    if by is None:
        raise StellarError("a multiset count cannot be null")
    counts[item] = by if current is None else wrap_int(_count(current) + _count(by))


# -- sets -----------------------------------------------------------------------------------


@stellar(
    "SET_INIT",
    params=["input (optional) - a list or set of initial elements"],
    returns="a new set",
    description=(
        "Makes a new insertion-ordered set, from the elements of a list or set when one is "
        "given. Only a single argument is used: with two or more the set starts empty."
    ),
    examples=[
        ("SET_INIT([3, 1, 3, 2])", JavaSet([3, 1, 2])),
        ("SET_INIT()", JavaSet()),
        Example("SET_INIT('abc')", error=True),
    ],
    pure=True,
)
def set_init(*args: Any) -> JavaSet:
    result = JavaSet()
    if len(args) == 1 and args[0] is not None:
        _add_all(result, _iterable(args[0]))
    return result


@stellar(
    "SET_ADD",
    params=["set - the set to add to (null makes a new one)", "o - the elements to add"],
    returns="the same set with the elements added",
    description="Adds elements to a set, changing that set, and returns it; nulls are skipped.",
    examples=[
        ("SET_ADD(SET_INIT([1]), 2, null, 1)", JavaSet([1, 2])),
        ("SET_ADD(null, 'a')", JavaSet(["a"])),
    ],
    pure=True,
)
def set_add(*args: Any) -> MutableSet[Any] | None:
    if not args:
        return None
    result = _set_arg(args[0])
    _add_all(result, (item for item in args[1:] if item is not None))
    return result


@stellar(
    "SET_REMOVE",
    params=["set - the set to remove from (null makes a new one)", "o - the elements to remove"],
    returns="the same set without the elements",
    description="Removes elements from a set, changing that set, and returns it.",
    examples=[
        ("SET_REMOVE(SET_INIT([1, 2, 3]), 2, 7)", JavaSet([1, 3])),
        ("SET_REMOVE(null, 1)", JavaSet()),
    ],
    pure=True,
)
def set_remove(*args: Any) -> MutableSet[Any] | None:
    if not args:
        return None
    result = _set_arg(args[0])
    for item in args[1:]:
        if item is not None:
            with contextlib.suppress(TypeError):  # an unhashable value cannot be in the set
                result.discard(item)
    return result


@stellar(
    "SET_MERGE",
    params=["sets - a list of sets (or lists) to unite"],
    returns="a new set with the elements of all of them, in order of first appearance",
    description="Unites a list of sets into a new set; null entries are skipped.",
    examples=[
        ("SET_MERGE([SET_INIT([1, 2]), null, SET_INIT([2, 3])])", JavaSet([1, 2, 3])),
        Example("SET_MERGE({'a': 1})", error=True),
    ],
    pure=True,
)
def set_merge(*args: Any) -> JavaSet | None:
    if not args:
        return None
    result = JavaSet()
    if args[0] is not None:
        for member in _iterable(args[0]):
            if member is not None:
                _add_all(result, _iterable(member))
    return result


# -- multisets ------------------------------------------------------------------------------


@stellar(
    "MULTISET_INIT",
    params=["input (optional) - a list or set of initial elements"],
    returns="a new multiset: a map from each element to how many times it occurs",
    description="Makes a new multiset, counting the elements of a list or set when one is given.",
    examples=[
        ("MULTISET_INIT(['a', 'b', 'a'])", {"a": 2, "b": 1}),
        ("MULTISET_INIT()", {}),
        Example("MULTISET_INIT({'a': 1})", error=True),
    ],
    pure=True,
)
def multiset_init(*args: Any) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    if args and args[0] is not None:
        for item in _iterable(args[0]):
            _increment(result, item, 1)
    return result


@stellar(
    "MULTISET_ADD",
    params=["set - the multiset to add to (null makes a new one)", "o - the elements to add"],
    returns="the same multiset with the counts increased",
    description=(
        "Adds elements to a multiset, changing it: each element's count goes up by one. "
        "Nulls are skipped."
    ),
    examples=[
        ("MULTISET_ADD(MULTISET_INIT(['a']), 'a', 'b')", {"a": 2, "b": 1}),
        ("MULTISET_ADD(null, 7)", {7: 1}),
    ],
    pure=True,
)
def multiset_add(*args: Any) -> MutableMapping[Any, Any] | None:
    if not args:
        return None
    result = _multiset_arg(args[0])
    for item in args[1:]:
        if item is not None:
            _increment(result, item, 1)
    return result


@stellar(
    "MULTISET_REMOVE",
    params=[
        "set - the multiset to remove from (null makes a new one)",
        "o - the elements to remove",
    ],
    returns="the same multiset with the counts decreased",
    description=(
        "Removes one occurrence of each element from a multiset, changing it; an element whose "
        "count was 1 disappears, an absent element is ignored."
    ),
    examples=[
        ("MULTISET_REMOVE(MULTISET_INIT(['a', 'a', 'b']), 'a', 'b', 'z')", {"a": 1}),
        ("MULTISET_REMOVE(null, 'a')", {}),
    ],
    pure=True,
)
def multiset_remove(*args: Any) -> MutableMapping[Any, Any] | None:
    if not args:
        return None
    result = _multiset_arg(args[0])
    for item in args[1:]:
        if item is None:
            continue
        try:
            current = result.get(item)
        except TypeError:
            continue  # an unhashable value cannot be in the multiset
        if current is None:
            continue
        if _count(current) == 1:
            del result[item]
        else:
            result[item] = wrap_int(current - 1)
    return result


@stellar(
    "MULTISET_MERGE",
    params=["sets - a list of multisets to merge"],
    returns="a new multiset whose counts are the sums of the counts of all of them",
    description="Merges a list of multisets into a new one, adding up counts; nulls are skipped.",
    examples=[
        (
            "MULTISET_MERGE([MULTISET_INIT(['a', 'b']), null, MULTISET_INIT(['a'])])",
            {"a": 2, "b": 1},
        ),
        Example("MULTISET_MERGE({'a': 1})", error=True),
    ],
    pure=True,
)
def multiset_merge(*args: Any) -> dict[Any, Any] | None:
    if not args:
        return None
    if args[0] is None:
        raise StellarError("expects a list of multisets, not null")
    result: dict[Any, Any] = {}
    for multiset in _iterable(args[0]):
        if multiset is None:
            continue
        if not isinstance(multiset, Mapping):
            raise StellarError(f"can only merge multisets (maps), got {java_type_name(multiset)}")
        for item, count in multiset.items():
            _increment(result, item, count)
    return result


@stellar(
    "MULTISET_TO_SET",
    params=["multiset - the multiset to convert"],
    returns="the set of the multiset's elements, ignoring how many times each occurs",
    description=(
        "The distinct elements of a multiset as a set. Only a single argument is used: with "
        "two or more the set is empty."
    ),
    examples=[
        ("MULTISET_TO_SET(MULTISET_INIT(['b', 'a', 'b']))", JavaSet(["b", "a"])),
        ("MULTISET_TO_SET(null)", JavaSet()),
    ],
    pure=True,
)
def multiset_to_set(*args: Any) -> JavaSet | None:
    if not args:
        return None
    result = JavaSet()
    if len(args) == 1 and args[0] is not None:
        multiset = args[0]
        if not isinstance(multiset, Mapping):
            raise StellarError(f"the argument must be a multiset, got {java_type_name(multiset)}")
        _add_all(result, multiset.keys())
    return result
