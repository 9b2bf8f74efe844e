"""Which stored version is a document's latest: (guid, sensor) -> document id, in memory.

The alert store keeps every version of a document as a row; indexing a message again, or
updating one, adds a row and points the old row's ``retired_by`` at the new one.  Finding
the latest version by (guid, sensor) could be a SQLite index, but keeping that index up to
date costs more than the rest of a write.  :class:`KeyMap` keeps a 64-bit hash of (guid,
sensor) -> a document id instead: a sorted numpy base (saved beside the search index's
snapshot, memory-mapped when loaded) plus a dict of recent entries.  An id found here may
be an old version (following ``retired_by`` reaches the latest) or, for a hash collision,
another document (the caller checks the row's guid and sensor).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import mmh3
import numpy as np

__all__ = ["KeyMap", "doc_key"]

#: Recent entries kept in the dict before they are merged into the sorted base.
MERGE_AT = 262_144


def doc_key(guid: str, sensor: str) -> int:
    """The 64-bit key of a (guid, sensor) pair."""
    return int(mmh3.hash64(f"{guid}\x00{sensor}", signed=True)[0])


class KeyMap:
    """(guid, sensor) keys -> the id of a version of that document (see the module)."""

    def __init__(self, keys: np.ndarray | None = None, ids: np.ndarray | None = None) -> None:
        self._keys = keys if keys is not None else np.empty(0, np.int64)
        self._ids = ids if ids is not None else np.empty(0, np.int64)
        self._recent: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def put(self, key: int, doc_id: int) -> None:
        self._recent[key] = doc_id
        if len(self._recent) >= MERGE_AT:
            self._merge()

    def put_many(self, keys: Sequence[int], doc_ids: Sequence[int]) -> None:
        """:meth:`put` for pairs of keys and ids, in order (a later one wins)."""
        self._recent.update(zip(keys, doc_ids, strict=True))
        if len(self._recent) >= MERGE_AT:
            self._merge()

    def get(self, key: int) -> int | None:
        found = self._recent.get(key)
        if found is not None:
            return found
        keys = self._keys
        at = int(np.searchsorted(keys, key))
        if at < len(keys) and int(keys[at]) == key:
            return int(self._ids[at])
        return None

    def get_many(self, keys: Sequence[int]) -> list[int | None]:
        """:meth:`get` for many keys at once (one vectorised search of the base)."""
        out: list[int | None] = [None] * len(keys)
        base = self._keys
        if len(base):
            wanted = np.fromiter(keys, np.int64, len(keys))
            at = np.searchsorted(base, wanted)
            at[at >= len(base)] = 0
            hit = base[at] == wanted
            for i in np.flatnonzero(hit).tolist():
                out[i] = int(self._ids[at[i]])
        recent = self._recent
        if recent:
            for i, key in enumerate(keys):
                found = recent.get(key)
                if found is not None:
                    out[i] = found
        return out

    def _merge(self) -> None:
        if not self._recent:
            return
        recent_keys = np.fromiter(self._recent.keys(), np.int64, len(self._recent))
        recent_ids = np.fromiter(self._recent.values(), np.int64, len(self._recent))
        keep = ~np.isin(self._keys, recent_keys)
        keys = np.concatenate([self._keys[keep], recent_keys])
        ids = np.concatenate([self._ids[keep], recent_ids])
        order = np.argsort(keys, kind="stable")
        self._keys, self._ids = keys[order], ids[order]
        self._recent = {}

    def save(self, directory: Path) -> None:
        """Write ``doc-keys.npy`` and ``doc-ids.npy`` into ``directory`` (which must exist)."""
        self._merge()
        for name, array in (("doc-keys", self._keys), ("doc-ids", self._ids)):
            temporary = directory / f".{name}.npy.tmp"
            with open(temporary, "wb") as out:
                np.save(out, np.ascontiguousarray(array))
            temporary.replace(directory / f"{name}.npy")

    @classmethod
    def load(cls, directory: Path) -> KeyMap | None:
        """The map saved in ``directory``, memory-mapped; None when it is not there."""
        try:
            keys = np.load(directory / "doc-keys.npy", mmap_mode="r")
            ids = np.load(directory / "doc-ids.npy", mmap_mode="r")
        except (OSError, ValueError):
            return None
        if keys.dtype != np.int64 or ids.dtype != np.int64 or keys.shape != ids.shape:
            return None
        return cls(keys, ids)
