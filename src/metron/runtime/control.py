"""Which sensors run: started, stopped, activated and deactivated from the REST API (as
Metron's parser topologies were from Storm), kept in ``<data dir>/run/sensors.json``.

A sensor is ``ACTIVE`` unless told otherwise.  ``stop`` makes it ``KILLED`` and
``deactivate`` ``INACTIVE``; in both its sources stop reading (a parser config stays, so
records already in flight finish and nothing is lost), and ``start`` / ``activate`` make
it ``ACTIVE`` again.  The file outlives a restart, as a killed topology stayed killed.
Any process may write it (``metron run`` in its own web server, or ``metron serve`` beside
it); the running platform looks at it every second.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from metron.errors import MetronError

__all__ = ["ACTIVE", "INACTIVE", "KILLED", "SensorControl"]

ACTIVE, INACTIVE, KILLED = "ACTIVE", "INACTIVE", "KILLED"
_STATES = (ACTIVE, INACTIVE, KILLED)
_UNSEEN = object()


class SensorControl:
    """The sensors' wanted states in ``<data dir>/run/sensors.json``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "run" / "sensors.json"
        self._seen: object = _UNSEEN

    def entries(self) -> dict[str, dict[str, Any]]:
        """sensor -> ``{state, user, time}`` for the sensors not simply ACTIVE by default;
        an unreadable file counts as empty (and says so in the log of whoever writes it)."""
        try:
            data = orjson.loads(self.path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return {}
        sensors = data.get("sensors") if isinstance(data, dict) else None
        if not isinstance(sensors, dict):
            return {}
        return {
            name: entry
            for name, entry in sensors.items()
            if isinstance(entry, dict) and entry.get("state") in _STATES
        }

    def state(self, sensor: str) -> str:
        return str(self.entries().get(sensor, {}).get("state", ACTIVE))

    def set(self, sensor: str, state: str, user: str) -> None:
        """Record that ``user`` wants ``sensor`` in ``state`` (atomically; writers queue)."""
        if state not in _STATES:
            raise MetronError(f"unknown sensor state {state!r}: expected one of {_STATES}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name("sensors.lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self.entries()
            entries[sensor] = {"state": state, "user": user, "time": int(time.time() * 1000)}
            data = orjson.dumps({"sensors": entries}, option=orjson.OPT_INDENT_2)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".sensors.")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

    def changed(self) -> bool:
        """Whether the file changed since the last call (the first call: True)."""
        try:
            stat = self.path.stat()
            seen: tuple[int, int, int] | None = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            seen = None
        if seen == self._seen:
            return False
        self._seen = seen
        return True
