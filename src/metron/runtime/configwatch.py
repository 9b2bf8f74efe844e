"""Following the config tree while the pipeline runs: what `metron run` and the Kafka
workers share.

A :class:`ConfigFollower` is polled (every second or two): it reads the tree (from a
directory or the config topic), and hands back a changed tree only when it passes the
checks; a change that does not is rejected once, its problems kept in :attr:`error` (for
``metron status``) until the tree changes again, and the running config stays.  Given a
``stamp`` (say :func:`metron.config.store.directory_stamp`), it reads the tree only when
the stamp changed, or :data:`RECHECK` seconds after it last did (an edit the stamp
cannot see: same size, same time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from metron.config.store import canonical
from metron.errors import MetronError

__all__ = ["ConfigFollower"]

log = logging.getLogger(__name__)

Tree = dict[str, Any]

#: Seconds after which the tree is read even though its stamp did not change.
RECHECK = 30.0


class ConfigFollower:
    """``read`` gives the current tree (a :class:`MetronError` when it cannot be read);
    ``check`` lists a tree's problems (empty: it may run); ``current`` is the tree that
    runs now; ``stamp`` (optional) gives something that changes when the tree may have
    (an ``OSError`` from it: read the tree)."""

    def __init__(
        self,
        read: Callable[[], Tree],
        check: Callable[[Tree], list[str]],
        current: Tree,
        stamp: Callable[[], Any] | None = None,
    ) -> None:
        self._read = read
        self._check = check
        self._stamp = stamp
        self._stamped: Any = None  # the stamp when the tree was last read
        self._read_at = 0.0
        self._current = canonical(current)
        self._rejected = ""
        #: why the last change was rejected (None once a valid tree runs)
        self.error: str | None = None

    def poll(self) -> Tree | None:
        """The new tree when it changed and passes the checks, else None."""
        if self._stamp is not None:
            try:
                stamp = self._stamp()
            except OSError:
                stamp = None
            now = time.monotonic()
            if stamp is not None and stamp == self._stamped and now - self._read_at < RECHECK:
                return None  # nothing changed since the tree was last read
            self._stamped, self._read_at = stamp, now
        try:
            tree = self._read()
        except MetronError as e:
            self._reject("", [f"the config cannot be read: {e}"])
            return None
        text = canonical(tree)
        if text == self._current:  # unchanged, or an edit undone: nothing is wrong
            self._rejected, self.error = "", None
            return None
        if text == self._rejected:
            return None
        problems = self._check(tree)
        if problems:
            self._reject(text, problems)
            return None
        self._current, self._rejected, self.error = text, "", None
        return tree

    def _reject(self, text: str, problems: list[str]) -> None:
        error = "; ".join(problems)
        if error != self.error:  # said once, not every poll
            log.error(
                "config change rejected, the previous config keeps running:\n  %s",
                "\n  ".join(problems),
            )
        self._rejected, self.error = text, error
