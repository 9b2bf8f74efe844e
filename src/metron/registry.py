"""One generic registry, used by every kind of component (Stellar functions, parsers, ...).

Components register themselves where they are defined; a registry maps names to items and
suggests the closest names when a lookup fails.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Names to items, with aliases and close-match suggestions."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T, *aliases: str) -> T:
        for key in (name, *aliases):
            if key in self._items:
                raise ValueError(f"{self.kind} {key!r} is registered twice")
            self._items[key] = item
        return item

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def __getitem__(self, name: str) -> T:
        return self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())

    def closest(self, name: str, n: int = 3) -> list[str]:
        """The registered names most like ``name`` (case-insensitive), best first."""
        upper = {key.upper(): key for key in self._items}
        found = difflib.get_close_matches(name.upper(), list(upper), n=n, cutoff=0.6)
        return [upper[key] for key in found]
