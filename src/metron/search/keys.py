"""Which stored version is a document's latest: (guid, sensor) -> document id, in memory.

The alert store keeps every version of a document as a row; indexing a message again, or
updating one, adds a row and points the old row's ``retired_by`` at the new one.  Finding
the latest version by (guid, sensor) could be a SQLite index, but keeping that index up to
date costs more than the rest of a write.  :class:`KeyMap` keeps a 64-bit hash of (guid,
sensor) -> a document id instead: a sorted numpy base (saved beside the search index's
snapshot, memory-mapped when loaded) plus a dict of recent entries.  An id found here may
be an old version (following ``retired_by`` reaches the latest) or, for a hash collision,
another document (the caller checks the row's guid and sensor).

Entries put are kept as they came until a lookup needs them (then they join the dict) or
there are :data:`MERGE_AT` of them (then they join the base, vectorised): a process that
only follows others' writes (the platform's searcher) never builds the dict.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from pathlib import Path

import mmh3
import numpy as np

__all__ = ["KeyMap", "doc_key"]

#: Recent entries kept in the dict before they are merged into the sorted base.
MERGE_AT = 262_144


def doc_key(guid: str, sensor: str) -> int:
    """The 64-bit key of a (guid, sensor) pair.  Hashed as UTF-8 bytes, as mmh3 hashes
    a str, but encoded here so that a lone surrogate (JSON's "\\ud800", which Python's
    json module lets through) is hashed too: mmh3 crashes the process on one."""
    return int(mmh3.hash64(f"{guid}\x00{sensor}".encode("utf-8", "surrogatepass"), signed=True)[0])


class KeyMap:
    """(guid, sensor) keys -> the id of a version of that document (see the module)."""

    def __init__(self, keys: np.ndarray | None = None, ids: np.ndarray | None = None) -> None:
        self._keys = keys if keys is not None else np.empty(0, np.int64)
        self._ids = ids if ids is not None else np.empty(0, np.int64)
        self._recent: dict[int, int] = {}
        # puts not in _recent yet, in order (all newer than _recent's)
        self._puts: list[tuple[Sequence[int], Sequence[int]]] = []
        self._put_count = 0

    def __len__(self) -> int:
        """Keys held (a key put again, before a lookup, is counted again)."""
        return len(self._keys) + len(self._recent) + self._put_count

    def put(self, key: int, doc_id: int) -> None:
        self.put_many((key,), (doc_id,))

    def put_many(self, keys: Sequence[int], doc_ids: Sequence[int]) -> None:
        """:meth:`put` for pairs of keys and ids, in order (a later one wins).  The
        sequences are kept as they are until needed: they must not change."""
        if len(keys) != len(doc_ids):
            raise ValueError("put_many: one id per key")
        if keys:
            self._puts.append((keys, doc_ids))
            self._put_count += len(keys)
            if self._put_count + len(self._recent) >= MERGE_AT:
                self._merge()

    def _take_puts(self) -> None:
        """The puts into the dict of recent entries (a lookup needs them there)."""
        recent = self._recent
        for keys, doc_ids in self._puts:
            recent.update(zip(keys, doc_ids))
        self._puts = []
        self._put_count = 0

    def get(self, key: int) -> int | None:
        if self._puts:
            self._take_puts()
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
        if self._puts:
            self._take_puts()
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
        """Everything into the sorted base: the base, the dict, then the puts, a later
        entry of a key winning."""
        count = len(self._recent) + self._put_count
        if not count:
            return
        recent = self._recent
        new_keys = np.fromiter(
            chain(recent.keys(), *(keys for keys, _ in self._puts)), np.int64, count
        )
        new_ids = np.fromiter(
            chain(recent.values(), *(ids for _, ids in self._puts)), np.int64, count
        )
        keys = np.concatenate([self._keys, new_keys])
        ids = np.concatenate([self._ids, new_ids])
        # stable: a key's entries stay in the order they came; the base is one sorted run
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        last = np.empty(len(keys), dtype=bool)  # the last entry of each key wins
        np.not_equal(keys[:-1], keys[1:], out=last[:-1])
        last[-1] = True
        self._keys, self._ids = keys[last], ids[order[last]]
        self._recent = {}
        self._puts = []
        self._put_count = 0

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
