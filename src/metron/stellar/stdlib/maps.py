"""Map functions: look a key up, test for it, put an entry (in place) and merge maps.

Keys are matched the way a Java ``HashMap`` matches them: ``1``, ``1L``, ``1.0`` and
``true`` are four different keys, although Python would let some of them find each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.types import JavaSet, java_equals, java_type_name, to_java_string

__all__: list[str] = []

_MISSING = object()
# Python lets these find each other in a dict (1 == 1.0 == True); Java keeps them apart.
_LOOSE_KEYS = frozenset({bool, int, float})
_ITERABLES = (list, tuple, JavaSet, set, frozenset)


class _StrictKey:
    """A lookup key that matches a stored key only of its own type (Java's ``equals``).

    It hashes like the key it wraps, so the lookup stays a single hash probe; a stored
    ``int`` defers the comparison to this object, which refuses a ``float`` or a ``bool``.
    """

    __slots__ = ("_hash", "key")

    def __init__(self, key: Any) -> None:
        self.key = key
        self._hash = hash(key)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self.key) and java_equals(other, self.key)


def _is_map(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def _lookup(mapping: Mapping[Any, Any], key: Any) -> Any:
    """``mapping.get(key)`` with Java's key equality; ``_MISSING`` when the key is absent."""
    if type(key) in _LOOSE_KEYS:
        key = _StrictKey(key)
    try:
        return mapping.get(key, _MISSING)
    except TypeError:  # an unhashable key (a list) cannot be a key of a Python mapping
        return _MISSING


@stellar(
    "MAP_EXISTS",
    params=["key - the key to look for", "map - the map to look in"],
    returns="true when the map has the key (even if its value is null)",
    description=(
        "Tells whether a map has an entry for a key. A null key, a null map or a value "
        "that is not a map gives false."
    ),
    examples=[
        ("MAP_EXISTS('port', {'port': 22})", True),
        ("MAP_EXISTS('port', {'port': null})", True),
        ("MAP_EXISTS(1, {1L: 'one'})", False),
    ],
    pure=True,
)
def map_exists(*args: Any) -> bool:
    if len(args) < 2:
        return False
    key, mapping = args[0], args[1]
    if key is None or not _is_map(mapping):
        return False
    return _lookup(mapping, key) is not _MISSING


@stellar(
    "MAP_GET",
    params=[
        "key - the key to look up",
        "map - the map to look in",
        "default - (optional) what to return when the key has no value",
    ],
    returns="the value for the key, else the default, else null",
    description=(
        "Looks a key up in a map. When the key is missing or its value is null, the default "
        "(if given) is returned instead; a null key or null map also gives the default."
    ),
    examples=[
        ("MAP_GET('dc', {'dc': 'nyc'})", "nyc"),
        ("MAP_GET('dc', {'region': 'us'}, 'unknown')", "unknown"),
        ("MAP_GET('dc', {'dc': null}, 'unknown')", "unknown"),
    ],
    pure=True,
)
def map_get(*args: Any) -> Any:
    key, mapping = args[0], args[1]
    default = args[2] if len(args) >= 3 else None
    if key is None or mapping is None:
        return default
    if not _is_map(mapping):
        raise StellarError(f"the second argument must be a map, got {java_type_name(mapping)}")
    value = _lookup(mapping, key)
    if value is _MISSING or value is None:
        return default
    return value


@stellar(
    "MAP_PUT",
    params=[
        "key - the key",
        "value - the value to store",
        "map - the map to change; when null, a new map is made",
    ],
    returns="the same map with the entry added (or a new map when the map was null)",
    description=(
        "Stores a key and value in a map, changing that map, and returns it. With a null "
        "map, only the returned new map holds the entry."
    ),
    examples=[
        ("MAP_PUT('b', 2, {'a': 1})", {"a": 1, "b": 2}),
        ("MAP_PUT('a', 2, null)", {"a": 2}),
        Example("MAP_PUT('a', 2, ['not', 'a', 'map'])", error=True),
    ],
    pure=True,
)
def map_put(*args: Any) -> Any:
    if len(args) < 3:
        raise StellarError("needs a key, a value and a map")
    key, value, mapping = args[0], args[1], args[2]
    if mapping is None:
        mapping = {}
    elif not isinstance(mapping, MutableMapping):
        raise StellarError(f"the third argument must be a map, got {java_type_name(mapping)}")
    try:
        mapping[key] = value
    except TypeError:
        raise StellarError(f"{java_type_name(key)} values cannot be map keys here") from None
    return mapping


@stellar(
    "MAP_MERGE",
    params=["maps - a list of maps; for a key in several maps, the last one wins"],
    returns="a new map with every entry (the map itself when the list has exactly one)",
    description=(
        "Merges a list of maps into a new map, later maps overriding earlier ones; null "
        "entries are skipped. A list of exactly one element returns that element as it is."
    ),
    examples=[
        ("MAP_MERGE([{'a': 1, 'b': 2}, {'b': 3}])", {"a": 1, "b": 3}),
        ("MAP_MERGE([{}, null])", {}),
        ("MAP_MERGE(['only'])", "only"),
    ],
    pure=True,
)
def map_merge(*args: Any) -> Any:
    if not args:
        return None
    maps = args[0]
    merged: dict[Any, Any] = {}
    if maps is None:
        return merged
    if not isinstance(maps, _ITERABLES):
        raise StellarError(
            f"expects a list of maps, got {java_type_name(maps)} {to_java_string(maps)}"
        )
    items: Iterable[Any] = maps
    if len(maps) == 1:
        return next(iter(items))
    for item in items:
        if item is None:
            continue
        if not isinstance(item, Mapping):
            raise StellarError(f"can only merge maps, got {java_type_name(item)}")
        merged.update(item)
    return merged
