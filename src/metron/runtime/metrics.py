"""What the running pipeline has done, per sensor and stage: counters, rates and latency.

Worker processes count into a :class:`Delta` (plain dicts, cheap to fill and to pickle) and
send it to the main process now and then; the main process merges every delta into one
:class:`Metrics`, calls :meth:`Metrics.tick` about once a second, and publishes
:meth:`Metrics.snapshot` twice: as the status file ``metron status`` reads
(:func:`write_status`) and as Prometheus text at ``/metrics`` (:func:`prometheus_text`).

Latency is a histogram of fixed, log-scale buckets (:func:`bucket_of`): 20 buckets per decade
from 100 µs to 100 s, each 12.2 % wider than the last, plus one bucket below and one above
that range.  A quantile is the geometric middle of the bucket it falls in, so it is within
6 % of the true value inside the range.  Fixed buckets make a histogram mergeable by adding
counts and bound its size (122 buckets) whatever the event rate.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from metron.errors import MetronError

__all__ = [
    "BUCKETS",
    "LATENCY_WINDOW",
    "RATE_WINDOW",
    "STAGES",
    "STALE_AFTER",
    "Delta",
    "Metrics",
    "bucket_of",
    "bucket_value",
    "is_live",
    "prometheus_text",
    "read_status",
    "status_path",
    "write_status",
]

#: The stages of the pipeline, in the order an event passes them.
STAGES = ("source", "parser", "enrichment", "indexing")

#: Seconds of ticks the events-per-second rate is measured over.
RATE_WINDOW = 10.0
#: Seconds of observations the latency quantiles cover; older ones age out.
LATENCY_WINDOW = 60.0
#: A status file older than this many seconds is stale (its process hangs or is gone).
STALE_AFTER = 10.0

_LOWEST = 1e-4  # seconds: the lower edge of bucket 1
_PER_DECADE = 20
_DECADES = 6  # up to 100 s
_RATIO = 10 ** (1 / _PER_DECADE)
#: Number of latency buckets: 0 below 100 µs, 1..120 log-scale, 121 at or above 100 s.
BUCKETS = _PER_DECADE * _DECADES + 2
_OVER = BUCKETS - 1
_HIGHEST = _LOWEST * 10**_DECADES

#: (sensor, stage)
Key = tuple[str, str]
#: Counters of a key, in this order: in, out, errors, filtered.
Counts = list[int]
#: Sparse histogram of a key: bucket -> observations (most events fall in a few buckets).
Histogram = dict[int, int]


def bucket_of(seconds: float) -> int:
    """The latency bucket of ``seconds`` (negative, NaN and tiny values fall in bucket 0)."""
    if not seconds >= _LOWEST:
        return 0
    if seconds >= _HIGHEST:
        return _OVER
    # float rounding just under 100 s must not spill into the overflow bucket
    return min(int(math.log10(seconds / _LOWEST) * _PER_DECADE) + 1, _OVER - 1)


def bucket_value(bucket: int) -> float:
    """The value a quantile in ``bucket`` reports: its geometric middle; the edge of the range
    for the two open-ended buckets (so "under 100 µs" reads as 100 µs)."""
    if bucket <= 0:
        return _LOWEST
    if bucket >= _OVER:
        return _HIGHEST
    return _LOWEST * _RATIO ** (bucket - 0.5)


def _add_counts(into: dict[Key, Counts], counts: dict[Key, Counts]) -> None:
    for key, c in counts.items():
        mine = into.get(key)
        if mine is None:
            into[key] = list(c)  # never share a list with the delta it came from
        else:
            mine[0] += c[0]
            mine[1] += c[1]
            mine[2] += c[2]
            mine[3] += c[3]


def _add_histograms(into: dict[Key, Histogram], histograms: dict[Key, Histogram]) -> None:
    for key, histogram in histograms.items():
        mine = into.get(key)
        if mine is None:
            into[key] = dict(histogram)
        else:
            for bucket, n in histogram.items():
                mine[bucket] = mine.get(bucket, 0) + n


@dataclass(slots=True)
class Delta:
    """Counts and latencies since the last flush, per (sensor, stage): what a worker sends
    the main process.  Call :meth:`count` and :meth:`observe` once per batch, not per event;
    send the delta when it is not :meth:`empty` and start a new one."""

    #: (sensor, stage) -> [in, out, errors, filtered]
    counts: dict[Key, Counts] = field(default_factory=dict)
    #: (sensor, stage) -> {bucket: observations}, buckets as :func:`bucket_of` numbers them
    latencies: dict[Key, Histogram] = field(default_factory=dict)

    def count(
        self,
        sensor: str,
        stage: str,
        *,
        in_: int = 0,
        out: int = 0,
        errors: int = 0,
        filtered: int = 0,
    ) -> None:
        """Add to the counters of ``sensor`` at ``stage`` (all non-negative)."""
        c = self.counts.get((sensor, stage))
        if c is None:
            self.counts[(sensor, stage)] = [in_, out, errors, filtered]
        else:
            c[0] += in_
            c[1] += out
            c[2] += errors
            c[3] += filtered

    def observe(self, sensor: str, stage: str, seconds: float, n: int = 1) -> None:
        """Record ``n`` (at least 1) latencies of ``seconds`` each: a batch timed as a whole
        gives every event in it the batch's per-event time."""
        histogram = self.latencies.get((sensor, stage))
        if histogram is None:
            histogram = self.latencies[(sensor, stage)] = {}
        bucket = bucket_of(seconds)
        histogram[bucket] = histogram.get(bucket, 0) + n

    def empty(self) -> bool:
        """Whether nothing was counted or observed (nothing worth sending)."""
        return not self.counts and not self.latencies

    def merge(self, other: Delta) -> None:
        """Add ``other``'s counts and observations to this delta (``other`` is unchanged)."""
        _add_counts(self.counts, other.counts)
        _add_histograms(self.latencies, other.latencies)


def _quantile(histogram: Histogram, q: float) -> float | None:
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket_value(bucket)
    return bucket_value(max(histogram))  # only reached through float rounding of rank


def _stage_order(key: Key) -> tuple[str, int, str]:
    sensor, stage = key
    return (sensor, STAGES.index(stage) if stage in STAGES else len(STAGES), stage)


class Metrics:
    """Every sensor's counters, rates and latencies, in the main process (thread-safe).

    Counts and observations since the last :meth:`tick` gather in a :class:`Delta`; a tick
    folds the counts into the totals, keeps the observations as that second's histogram
    (histograms older than :data:`LATENCY_WINDOW` are dropped) and records the ``in``
    totals, from which the rate over the last :data:`RATE_WINDOW` seconds of ticks comes.
    """

    def __init__(self, started: float | None = None) -> None:
        self.started = time.time() if started is None else started
        self._lock = threading.Lock()
        self._live = Delta()
        self._totals: dict[Key, Counts] = {}
        self._seconds: deque[tuple[float, dict[Key, Histogram]]] = deque()
        self._history: deque[tuple[float, dict[Key, int]]] = deque()
        self._sources: dict[str, dict[str, Any]] = {}

    def merge(self, delta: Delta) -> None:
        """Add a worker's delta."""
        with self._lock:
            self._live.merge(delta)

    def count(
        self,
        sensor: str,
        stage: str,
        *,
        in_: int = 0,
        out: int = 0,
        errors: int = 0,
        filtered: int = 0,
    ) -> None:
        """Add to counters, as :meth:`Delta.count` does, for a stage of the main process."""
        with self._lock:
            self._live.count(sensor, stage, in_=in_, out=out, errors=errors, filtered=filtered)

    def observe(self, sensor: str, stage: str, seconds: float, n: int = 1) -> None:
        """Record latencies, as :meth:`Delta.observe` does, for a stage of the main process."""
        with self._lock:
            self._live.observe(sensor, stage, seconds, n)

    def source_stats(self, name: str, stats: dict[str, Any]) -> None:
        """Replace what source ``name`` reports of itself (``records``, ``bytes``,
        ``dropped``, ``errors``, ``details``...); the values must be JSON-serialisable."""
        stats = copy.deepcopy(stats)  # the source may go on changing its own
        with self._lock:
            self._sources[name] = stats

    def tick(self, now: float | None = None) -> None:
        """Close the current second: call about once a second, with increasing times."""
        now = time.time() if now is None else now
        with self._lock:
            live, self._live = self._live, Delta()
            _add_counts(self._totals, live.counts)
            if live.latencies:
                self._seconds.append((now, live.latencies))
                for key in live.latencies:  # a stage once seen stays listed
                    self._totals.setdefault(key, [0, 0, 0, 0])
            while self._seconds and self._seconds[0][0] <= now - LATENCY_WINDOW:
                self._seconds.popleft()
            self._history.append((now, {key: c[0] for key, c in self._totals.items()}))
            # keep the newest tick at least RATE_WINDOW old as the base of the rate
            while len(self._history) > 2 and self._history[1][0] <= now - RATE_WINDOW:
                self._history.popleft()

    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        """Everything as JSON-ready data: ``time``, ``started``, ``sensors`` (sensor -> stage
        -> ``in``, ``out``, ``errors``, ``filtered``, ``rate`` (events in per second over the
        last ticks; 0.0 before the second tick), ``latency_p50`` and ``latency_p99`` (seconds
        over the last :data:`LATENCY_WINDOW` seconds; None without observations)) and
        ``sources`` (name -> what :meth:`source_stats` was last given)."""
        now = time.time() if now is None else now
        with self._lock:
            counts: dict[Key, Counts] = {}
            _add_counts(counts, self._totals)
            _add_counts(counts, self._live.counts)
            histograms: dict[Key, Histogram] = {}
            for when, second in self._seconds:
                if when > now - LATENCY_WINDOW:
                    _add_histograms(histograms, second)
            _add_histograms(histograms, self._live.latencies)
            rates = self._rates()
            sources = copy.deepcopy(self._sources)
        sensors: dict[str, dict[str, Any]] = {}
        for key in sorted(counts.keys() | histograms.keys(), key=_stage_order):
            c = counts.get(key, [0, 0, 0, 0])
            histogram = histograms.get(key, {})
            sensors.setdefault(key[0], {})[key[1]] = {
                "in": c[0],
                "out": c[1],
                "errors": c[2],
                "filtered": c[3],
                "rate": rates.get(key, 0.0),
                "latency_p50": _quantile(histogram, 0.5),
                "latency_p99": _quantile(histogram, 0.99),
            }
        return {"time": now, "started": self.started, "sensors": sensors, "sources": sources}

    def _rates(self) -> dict[Key, float]:
        if len(self._history) < 2:
            return {}
        (first, before), (last, after) = self._history[0], self._history[-1]
        if last <= first:
            return {}
        return {key: (n - before.get(key, 0)) / (last - first) for key, n in after.items()}


# -------------------------------------------------------------------- Prometheus


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def _family(name: str, kind: str, help_: str, samples: list[tuple[dict[str, str], float]]) -> str:
    lines = [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{text}}} {_number(value)}" if text else f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"


def prometheus_text(snapshot: dict[str, Any]) -> str:
    """``snapshot`` (of :meth:`Metrics.snapshot`) in the Prometheus text format 0.0.4."""
    events: list[tuple[dict[str, str], float]] = []
    rates: list[tuple[dict[str, str], float]] = []
    latencies: list[tuple[dict[str, str], float]] = []
    for sensor, stages in snapshot["sensors"].items():
        for stage, stats in stages.items():
            where = {"sensor": sensor, "stage": stage}
            for kind in ("in", "out", "errors", "filtered"):
                events.append(({**where, "kind": kind}, stats[kind]))
            rates.append((where, stats["rate"]))
            for quantile, field_ in (("0.5", "latency_p50"), ("0.99", "latency_p99")):
                if stats[field_] is not None:
                    latencies.append(({**where, "quantile": quantile}, stats[field_]))
    parts = [
        _family("metron_events_total", "counter", "Events per sensor and stage, by kind.", events),
        _family(
            "metron_events_per_second",
            "gauge",
            f"Events in per second over the last {RATE_WINDOW:g} s.",
            rates,
        ),
        _family(
            "metron_latency_seconds",
            "gauge",
            f"Latency quantiles per event over the last {LATENCY_WINDOW:g} s.",
            latencies,
        ),
    ]
    for stat, help_ in (
        ("records", "Records a source has read."),
        ("bytes", "Bytes a source has read."),
        ("dropped", "Records a source has dropped."),
        ("errors", "Read errors of a source."),
    ):
        samples: list[tuple[dict[str, str], float]] = [
            ({"source": name}, stats[stat])
            for name, stats in snapshot["sources"].items()
            if isinstance(stats.get(stat), int | float) and not isinstance(stats[stat], bool)
        ]
        parts.append(_family(f"metron_source_{stat}_total", "counter", help_, samples))
    uptime: list[tuple[dict[str, str], float]] = [({}, snapshot["time"] - snapshot["started"])]
    parts.append(_family("metron_uptime_seconds", "gauge", "Seconds since start.", uptime))
    return "".join(parts)


# -------------------------------------------------------------------- status file


def status_path(data_dir: Path) -> Path:
    """Where ``metron run`` keeps its status in the data directory ``data_dir``."""
    return data_dir / "run" / "status.json"


def write_status(path: Path, snapshot: dict[str, Any], pid: int) -> None:
    """Write ``snapshot`` and ``pid`` to ``path`` so that a reader sees the old file or the
    new one, never a part (a temporary file in the same directory, then renamed over)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = orjson.dumps({**snapshot, "pid": pid}, option=orjson.OPT_INDENT_2)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def read_status(path: Path) -> dict[str, Any] | None:
    """The status in ``path``; None when there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        status = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise MetronError(f"{path}: not a status file ({e}); remove it") from None
    if not isinstance(status, dict):
        raise MetronError(f"{path}: not a status file (not a JSON object); remove it")
    return status


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True


def is_live(status: dict[str, Any], now: float | None = None) -> bool:
    """Whether ``status`` comes from a running metron: written under :data:`STALE_AFTER`
    seconds ago by a process that is still there."""
    now = time.time() if now is None else now
    pid, written = status.get("pid"), status.get("time")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False  # os.kill(0 or -n) would signal whole process groups
    if not isinstance(written, int | float) or now - written >= STALE_AFTER:
        return False
    return _alive(pid)
