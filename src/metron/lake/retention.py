"""Keeping the lake tidy: compaction (many small files per day into one) and retention
(dropping days past a cutoff).

:func:`compact` merges a partition's files into one zstd file in a hidden staging
directory, then swaps it with the partition in a single step (Linux ``renameat2`` with
``RENAME_EXCHANGE``), so a query lists either the old files or the merged file, never both
or neither; files a writer renamed into the partition meanwhile are moved into the new one.
Where the swap is unavailable, the merged file is renamed in and the old files removed
after it: a query starting in that instant may count some rows twice.  Run one compaction
at a time per lake.

:func:`prune` renames each expired ``dt=`` directory out of the lake in one step, then
deletes it.  The default retention is the global config's ``lake.retention.days`` (a
number of days); without it, data is kept forever.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from metron.errors import ConfigError, MetronError
from metron.lake.hunt import quote_literal

__all__ = [
    "RETENTION_KEY",
    "Compaction",
    "Removal",
    "compact",
    "parse_duration",
    "prune",
    "retention_from_config",
]

#: Global-config key: days of data to keep (absent: keep forever).
RETENTION_KEY = "lake.retention.days"
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True)
class Compaction:
    """One partition compacted: its files before, files after (1), rows kept and copies
    dropped."""

    partition: Path
    files_before: int
    files_after: int
    rows: int
    #: rows dropped because a later row has the same guid
    copies: int = 0


@dataclass(frozen=True)
class Removal:
    """One partition pruned: its day, files and bytes."""

    partition: Path
    day: date
    files: int
    bytes: int


def parse_duration(text: str) -> timedelta:
    """``90d``, ``12h``, ``2w``, ``30m``, ``45s`` as a timedelta; else a :class:`MetronError`."""
    match = _DURATION.fullmatch(text)
    if not match:
        raise MetronError(
            f"{text!r} is not a duration: a number and a unit, s m h d or w (90d, 12h, 2w)"
        )
    number, unit = match.groups()
    return timedelta(**{_UNITS[unit.lower()]: float(number)})


def retention_from_config(global_config: dict[str, Any]) -> timedelta | None:
    """The retention the global config sets (``lake.retention.days``), None when unset."""
    value = global_config.get(RETENTION_KEY)
    if value is None:
        return None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(
            f"global config '{RETENTION_KEY}': {value!r} is not a positive number of days"
        )
    return timedelta(days=value)


def _partitions(root: Path, sensor: str | None, day: date | None) -> list[Path]:
    sensor_glob = f"sensor={sensor}" if sensor else "sensor=*"
    day_glob = f"dt={day.isoformat()}" if day else "dt=*"
    return sorted(p for p in root.glob(f"{sensor_glob}/{day_glob}") if p.is_dir())


def _day(partition: Path) -> date | None:
    try:
        return date.fromisoformat(partition.name.removeprefix("dt="))
    except ValueError:
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step; False where the system cannot."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        renameat2 = ctypes.CDLL(name, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result != 0:
        error = ctypes.get_errno()
        if error in (errno.ENOSYS, errno.EINVAL):
            return False
        raise OSError(error, os.strerror(error), str(a))
    return True


def _compact_one(root: Path, partition: Path, level: int | None) -> Compaction | None:
    files = sorted(partition.glob("*.parquet"))
    if len(files) < 2:
        return None
    staging = root / ".compact" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    name = f"part-{int(time.time() * 1000):013d}-000000-{uuid.uuid4().hex[:8]}.parquet"
    try:
        rows, copies = _merge(files, staging / name, level)
        listed = {f.name for f in files}
        if _exchange(staging, partition):
            # The old files are now in ``staging``; any that arrived after listing go back.
            for late in staging.iterdir():
                if late.name not in listed:
                    os.replace(late, partition / late.name)
        else:
            os.replace(staging / name, partition / name)
            for f in files:
                f.unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Compaction(partition, len(files), 1, rows, copies)


def _merge(files: list[Path], target: Path, level: int | None) -> tuple[int, int]:
    """Copy ``files`` into ``target`` with DuckDB, unifying columns by name exactly as the
    lake's readers do (a field that is text in one file and a number in another is text);
    the rows written, and the rows dropped as copies.

    A message written twice (its batch replayed after a crash, or a file indexed again)
    has the same ``guid`` both times: only its latest copy is kept (the latest file, then
    the latest row), as the alert store keeps the latest version.  Rows without a guid
    are all kept.  Rows keep their order otherwise."""
    sources = ", ".join(quote_literal(str(f.absolute())) for f in files)
    options = "FORMAT parquet, COMPRESSION zstd"
    if level is not None:
        options += f", COMPRESSION_LEVEL {int(level)}"
    scan = (
        f"read_parquet([{sources}], hive_partitioning = false, union_by_name = true,"
        " filename = '_file', file_row_number = true)"
    )
    with duckdb.connect(":memory:") as connection:
        try:
            columns = [
                row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
            ]
            total = connection.execute(f"SELECT count(*) FROM {scan}").fetchall()[0][0]
            keep = ""
            if "guid" in columns:
                keep = (
                    " QUALIFY guid IS NULL OR row_number() OVER"
                    " (PARTITION BY guid ORDER BY _file DESC, file_row_number DESC) = 1"
                )
            result = connection.execute(
                f"COPY (SELECT * EXCLUDE (_file, file_row_number) FROM {scan}{keep}"
                " ORDER BY _file, file_row_number)"
                f" TO {quote_literal(str(target.absolute()))} ({options})"
            ).fetchall()
        except duckdb.Error as e:
            raise MetronError(f"{target.parent}: cannot compact: {e}") from None
    written = int(result[0][0]) if result else 0
    return written, int(total) - written


def compact(
    root: Path,
    sensor: str | None = None,
    day: date | None = None,
    *,
    compression_level: int | None = None,
) -> list[Compaction]:
    """Merge each partition's files into one, for one sensor and/or day or all; a report
    per partition that had two files or more."""
    done = []
    for partition in _partitions(root, sensor, day):
        result = _compact_one(root, partition, compression_level)
        if result is not None:
            done.append(result)
    return done


def prune(root: Path, older_than: timedelta, now: datetime | None = None) -> list[Removal]:
    """Remove every ``dt=`` partition whose whole day (UTC) lies before ``now -
    older_than``; a report per partition removed."""
    if older_than <= timedelta(0):
        raise MetronError("the retention period must be positive")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    cutoff = moment - older_than
    removed = []
    for partition in _partitions(root, None, None):
        day = _day(partition)
        if day is None:
            continue
        day_end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        if day_end > cutoff:
            continue
        files = [f for f in partition.iterdir() if f.is_file()]
        size = sum(f.stat().st_size for f in files)
        trash = root / ".trash" / uuid.uuid4().hex
        trash.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partition, trash)
        shutil.rmtree(trash, ignore_errors=True)
        removed.append(Removal(partition, day, len(files), size))
    return removed
