"""The runtime's metrics: worker deltas, the main process's totals, rates and latency
quantiles, Prometheus text and the status file."""

from __future__ import annotations

import json
import math
import os
import pickle
import random
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from metron.errors import MetronError
from metron.runtime.metrics import (
    BUCKETS,
    LATENCY_WINDOW,
    STAGES,
    Delta,
    Metrics,
    bucket_of,
    bucket_value,
    is_live,
    prometheus_text,
    read_status,
    status_path,
    write_status,
)


def stage_stats(snapshot: dict[str, Any], sensor: str, stage: str) -> dict[str, Any]:
    stats: dict[str, Any] = snapshot["sensors"][sensor][stage]
    return stats


# -------------------------------------------------------------------- Delta


def test_delta_counts_and_merges() -> None:
    a = Delta()
    assert a.empty()
    a.count("bro", "parser", in_=10, out=8, errors=1, filtered=1)
    a.count("bro", "parser", in_=5, out=5)
    a.observe("bro", "parser", 0.002, n=15)
    assert not a.empty()
    b = Delta()
    b.count("bro", "parser", in_=1, out=1)
    b.count("snort", "enrichment", in_=3, out=2, errors=1)
    b.observe("bro", "parser", 0.002)
    b.observe("snort", "enrichment", 0.5, n=3)
    a.merge(b)
    assert a.counts == {("bro", "parser"): [16, 14, 1, 1], ("snort", "enrichment"): [3, 2, 1, 0]}
    assert a.latencies == {
        ("bro", "parser"): {bucket_of(0.002): 16},
        ("snort", "enrichment"): {bucket_of(0.5): 3},
    }
    # merging copies: changing the merged-in delta leaves the target alone
    b.count("snort", "enrichment", in_=100)
    b.observe("snort", "enrichment", 0.5, n=100)
    assert a.counts[("snort", "enrichment")] == [3, 2, 1, 0]
    assert a.latencies[("snort", "enrichment")] == {bucket_of(0.5): 3}


def test_delta_only_observed_is_not_empty() -> None:
    d = Delta()
    d.observe("bro", "indexing", 0.1)
    assert not d.empty()


def test_delta_survives_pickling() -> None:
    d = Delta()
    d.count("bro", "parser", in_=2, out=1, filtered=1)
    d.observe("bro", "parser", 0.01, n=2)
    copy = pickle.loads(pickle.dumps(d))
    assert copy == d


def test_buckets() -> None:
    assert bucket_of(0.0) == bucket_of(-1.0) == bucket_of(math.nan) == bucket_of(5e-5) == 0
    assert bucket_of(1e-4) == 1
    assert bucket_of(100.0) == bucket_of(math.inf) == bucket_of(1e9) == BUCKETS - 1
    assert bucket_of(99.9999999) == BUCKETS - 2
    assert bucket_value(0) == pytest.approx(1e-4)
    assert bucket_value(BUCKETS - 1) == pytest.approx(100.0)
    # every value in range maps to a bucket whose reported value is within 6 %
    for exponent in range(-400, 200):
        seconds = 10 ** (exponent / 100)
        assert abs(bucket_value(bucket_of(seconds)) / seconds - 1) < 0.06, seconds
    # buckets grow with the value
    values = [10 ** (e / 37) for e in range(-160, 80)]
    assert [bucket_of(v) for v in values] == sorted(bucket_of(v) for v in values)


# -------------------------------------------------------------------- Metrics


def test_counters_from_deltas_and_main_process() -> None:
    metrics = Metrics(started=1000.0)
    delta = Delta()
    delta.count("bro", "parser", in_=10, out=9, errors=1)
    metrics.merge(delta)
    metrics.merge(delta)
    metrics.count("bro", "source", in_=20, out=20)
    metrics.tick(1001.0)
    metrics.count("bro", "source", in_=1, out=1)  # after the tick, before the next one
    snapshot = metrics.snapshot(1001.5)
    assert snapshot["time"] == 1001.5
    assert snapshot["started"] == 1000.0
    assert list(snapshot["sensors"]["bro"]) == ["source", "parser"]  # pipeline order
    source = stage_stats(snapshot, "bro", "source")
    assert (source["in"], source["out"], source["errors"], source["filtered"]) == (21, 21, 0, 0)
    parser = stage_stats(snapshot, "bro", "parser")
    assert (parser["in"], parser["out"], parser["errors"], parser["filtered"]) == (20, 18, 2, 0)
    assert parser["latency_p50"] is None and parser["latency_p99"] is None
    json.dumps(snapshot)


def test_rate_over_the_last_ten_seconds_of_ticks() -> None:
    metrics = Metrics(started=0.0)
    assert "bro" not in metrics.snapshot(0.0)["sensors"]
    metrics.count("bro", "parser", in_=100)
    metrics.tick(1.0)
    assert stage_stats(metrics.snapshot(1.0), "bro", "parser")["rate"] == 0.0  # one tick
    for second in range(2, 21):
        metrics.count("bro", "parser", in_=100 if second <= 10 else 300)
        metrics.tick(float(second))
    # ticks 10..20: 10 seconds at 300/s
    assert stage_stats(metrics.snapshot(20.0), "bro", "parser")["rate"] == pytest.approx(300.0)
    for second in range(21, 26):
        metrics.tick(float(second))  # quiet
    # ticks 15..25: 5 s at 300/s, then 5 quiet ones
    assert stage_stats(metrics.snapshot(25.0), "bro", "parser")["rate"] == pytest.approx(150.0)


def test_rate_of_a_key_that_appears_later() -> None:
    metrics = Metrics(started=0.0)
    metrics.tick(0.0)
    metrics.count("bro", "parser", in_=50)
    metrics.tick(5.0)
    assert stage_stats(metrics.snapshot(5.0), "bro", "parser")["rate"] == pytest.approx(10.0)


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param(lambda r: r.lognormvariate(math.log(0.003), 1.0), id="lognormal"),
        pytest.param(lambda r: r.expovariate(1 / 0.05), id="exponential"),
        pytest.param(lambda r: r.uniform(0.001, 0.2), id="uniform"),
    ],
)
def test_quantiles_within_tolerance(sample: Any) -> None:
    rng = random.Random(7)
    values = [sample(rng) for _ in range(20_000)]
    delta = Delta()
    for v in values:
        delta.observe("bro", "enrichment", v)
    metrics = Metrics(started=0.0)
    metrics.merge(delta)
    stats = stage_stats(metrics.snapshot(0.0), "bro", "enrichment")
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    assert stats["latency_p50"] == pytest.approx(cuts[49], rel=0.1)
    assert stats["latency_p99"] == pytest.approx(cuts[98], rel=0.1)


def test_batch_observations_weigh_as_many_events() -> None:
    metrics = Metrics(started=0.0)
    metrics.observe("bro", "indexing", 0.001, n=98)
    metrics.observe("bro", "indexing", 2.0, n=2)
    stats = stage_stats(metrics.snapshot(0.0), "bro", "indexing")
    assert stats["latency_p50"] == pytest.approx(0.001, rel=0.06)
    assert stats["latency_p99"] == pytest.approx(2.0, rel=0.06)
    assert (stats["in"], stats["out"]) == (0, 0)


def test_latency_window_ages_out() -> None:
    metrics = Metrics(started=0.0)
    metrics.observe("bro", "parser", 5.0, n=1000)  # a slow start
    metrics.tick(1.0)
    for second in range(2, 60):
        metrics.observe("bro", "parser", 0.01, n=10)
        metrics.tick(float(second))
    slow = stage_stats(metrics.snapshot(59.0), "bro", "parser")
    assert slow["latency_p50"] == pytest.approx(5.0, rel=0.06)
    metrics.tick(1.0 + LATENCY_WINDOW)  # the first second is now a window old
    fast = stage_stats(metrics.snapshot(1.0 + LATENCY_WINDOW), "bro", "parser")
    assert fast["latency_p50"] == pytest.approx(0.01, rel=0.06)
    assert fast["latency_p99"] == pytest.approx(0.01, rel=0.06)
    # without ticks the snapshot still leaves out seconds older than the window
    metrics.tick(70.0)
    aged = stage_stats(metrics.snapshot(200.0), "bro", "parser")  # still listed
    assert aged["latency_p50"] is None and aged["latency_p99"] is None


def test_sources_are_copied() -> None:
    metrics = Metrics(started=0.0)
    stats: dict[str, Any] = {"records": 5, "bytes": 500, "details": {"files": 1}}
    metrics.source_stats("file /var/log/x.log", stats)
    stats["details"]["files"] = 2
    snapshot = metrics.snapshot(0.0)
    assert snapshot["sources"] == {
        "file /var/log/x.log": {"records": 5, "bytes": 500, "details": {"files": 1}}
    }
    snapshot["sources"]["file /var/log/x.log"]["records"] = 0
    assert metrics.snapshot(0.0)["sources"]["file /var/log/x.log"]["records"] == 5


def test_thread_safety_smoke() -> None:
    metrics = Metrics(started=0.0)
    threads_n, rounds = 8, 500
    stop = threading.Event()

    def work(n: int) -> None:
        for i in range(rounds):
            if i % 2:
                metrics.count(f"s{n % 3}", "parser", in_=1, out=1)
                metrics.observe(f"s{n % 3}", "parser", 0.001)
            else:
                delta = Delta()
                delta.count(f"s{n % 3}", "parser", in_=1, errors=1)
                delta.observe(f"s{n % 3}", "parser", 0.002)
                metrics.merge(delta)

    def watch() -> None:
        second = 0.0
        while not stop.is_set():
            second += 1.0
            metrics.tick(second)
            metrics.snapshot(second)
            prometheus_text(metrics.snapshot(second))

    watcher = threading.Thread(target=watch)
    watcher.start()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    watcher.join()
    sensors = metrics.snapshot(0.0)["sensors"]
    assert sum(s["parser"]["in"] for s in sensors.values()) == threads_n * rounds
    assert sum(s["parser"]["out"] + s["parser"]["errors"] for s in sensors.values()) == (
        threads_n * rounds
    )


# -------------------------------------------------------------------- Prometheus


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_prometheus_text_parses_with_exact_samples() -> None:
    metrics = Metrics(started=100.0)
    metrics.count("bro", "parser", in_=10, out=7, errors=2, filtered=1)
    metrics.tick(101.0)
    metrics.count("bro", "parser", in_=20)
    metrics.tick(111.0)
    metrics.observe("bro", "parser", bucket_value(40), n=10)
    metrics.count("snort", "indexing", in_=3, out=3)
    metrics.source_stats("udp :514", {"records": 30, "bytes": 4096, "dropped": 2, "errors": 0})
    text = prometheus_text(metrics.snapshot(112.5))
    assert text.endswith("\n")
    assert "# TYPE metron_events_total counter\n" in text
    assert "# TYPE metron_latency_seconds gauge\n" in text
    families = {f.name: f.type for f in text_string_to_metric_families(text)}
    assert families == {
        "metron_events": "counter",
        "metron_events_per_second": "gauge",
        "metron_latency_seconds": "gauge",
        "metron_source_records": "counter",
        "metron_source_bytes": "counter",
        "metron_source_dropped": "counter",
        "metron_source_errors": "counter",
        "metron_uptime_seconds": "gauge",
    }

    def events(sensor: str, stage: str, kind: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        labels = (("kind", kind), ("sensor", sensor), ("stage", stage))
        return ("metron_events_total", labels)

    bro, snort = (
        (("sensor", "bro"), ("stage", "parser")),
        (("sensor", "snort"), ("stage", "indexing")),
    )
    p50 = bucket_value(40)
    assert samples(text) == {
        events("bro", "parser", "in"): 30.0,
        events("bro", "parser", "out"): 7.0,
        events("bro", "parser", "errors"): 2.0,
        events("bro", "parser", "filtered"): 1.0,
        events("snort", "indexing", "in"): 3.0,
        events("snort", "indexing", "out"): 3.0,
        events("snort", "indexing", "errors"): 0.0,
        events("snort", "indexing", "filtered"): 0.0,
        ("metron_events_per_second", bro): 2.0,  # 20 in over the 10 s from 101 to 111
        ("metron_events_per_second", snort): 0.0,
        ("metron_latency_seconds", (("quantile", "0.5"), *bro)): p50,
        ("metron_latency_seconds", (("quantile", "0.99"), *bro)): p50,
        ("metron_source_records_total", (("source", "udp :514"),)): 30.0,
        ("metron_source_bytes_total", (("source", "udp :514"),)): 4096.0,
        ("metron_source_dropped_total", (("source", "udp :514"),)): 2.0,
        ("metron_source_errors_total", (("source", "udp :514"),)): 0.0,
        ("metron_uptime_seconds", ()): 12.5,
    }


def test_prometheus_label_escaping() -> None:
    nasty = 'a\\b"c\nd'
    metrics = Metrics(started=0.0)
    metrics.count(nasty, "parser", in_=1)
    metrics.source_stats(nasty, {"records": 1})
    text = prometheus_text(metrics.snapshot(1.0))
    assert 'sensor="a\\\\b\\"c\\nd"' in text
    parsed = samples(text)
    key = (("kind", "in"), ("sensor", nasty), ("stage", "parser"))
    assert parsed[("metron_events_total", key)] == 1.0
    assert parsed[("metron_source_records_total", (("source", nasty),))] == 1.0
    # a source without a statistic has no sample for it
    assert not any(name == "metron_source_bytes_total" for name, _ in parsed)


def test_prometheus_special_values() -> None:
    snapshot = {
        "time": 1.0,
        "started": 0.0,
        "sensors": {},
        "sources": {"a": {"records": 1, "bytes": math.inf, "dropped": math.nan, "errors": True}},
    }
    parsed = samples(prometheus_text(snapshot))
    assert parsed[("metron_source_bytes_total", (("source", "a"),))] == math.inf
    assert math.isnan(parsed[("metron_source_dropped_total", (("source", "a"),))])
    assert ("metron_source_errors_total", (("source", "a"),)) not in parsed


# -------------------------------------------------------------------- property


operation = st.one_of(
    st.tuples(
        st.just("count"),
        st.text(max_size=8),
        st.sampled_from(STAGES),
        st.lists(st.integers(0, 10**12), min_size=4, max_size=4),
    ),
    st.tuples(
        st.just("observe"),
        st.text(max_size=8),
        st.sampled_from(STAGES),
        st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.integers(1, 10**6)),
    ),
    st.tuples(st.just("tick"), st.just(""), st.just(""), st.floats(0, 100)),
)


@given(st.lists(st.tuples(st.booleans(), operation), max_size=60))
def test_random_operations_keep_counters_and_never_crash(
    operations: list[tuple[bool, tuple[str, str, str, Any]]],
) -> None:
    metrics = Metrics(started=0.0)
    delta = Delta()
    expected: dict[tuple[str, str], list[int]] = {}
    now = 0.0
    for via_delta, (kind, sensor, stage, args) in operations:
        target: Delta | Metrics = delta if via_delta else metrics
        if kind == "count":
            in_, out, errors, filtered = args
            target.count(sensor, stage, in_=in_, out=out, errors=errors, filtered=filtered)
            sums = expected.setdefault((sensor, stage), [0, 0, 0, 0])
            for i, n in enumerate(args):
                sums[i] += n
        elif kind == "observe":
            target.observe(sensor, stage, *args)
        else:
            metrics.merge(delta)
            delta = Delta()
            now += args
            metrics.tick(now)
    metrics.merge(delta)
    snapshot = metrics.snapshot(now)
    json.dumps(snapshot)
    for (sensor, stage), sums in expected.items():
        stats = stage_stats(snapshot, sensor, stage)
        assert [stats["in"], stats["out"], stats["errors"], stats["filtered"]] == sums
    for stages in snapshot["sensors"].values():
        for stats in stages.values():
            for quantile in ("latency_p50", "latency_p99"):
                assert stats[quantile] is None or 1e-4 <= stats[quantile] <= 100.0
            assert stats["rate"] >= 0.0
    parsed = samples(prometheus_text(snapshot))
    for (sensor, stage), sums in expected.items():
        for kind, n in zip(("in", "out", "errors", "filtered"), sums):
            key = (("kind", kind), ("sensor", sensor), ("stage", stage))
            assert parsed[("metron_events_total", key)] == float(n)


# -------------------------------------------------------------------- status file


def test_status_round_trip(tmp_path: Path) -> None:
    path = status_path(tmp_path / "data")
    assert path == tmp_path / "data" / "run" / "status.json"
    assert read_status(path) is None
    metrics = Metrics(started=10.0)
    metrics.count("bro", "parser", in_=1, out=1)
    metrics.source_stats("stdin", {"records": 1, "details": {}})
    snapshot = metrics.snapshot(12.0)
    write_status(path, snapshot, pid=4242)
    assert read_status(path) == {**snapshot, "pid": 4242}
    metrics.count("bro", "parser", in_=1, out=1)
    write_status(path, metrics.snapshot(13.0), pid=4242)  # replaces it
    status = read_status(path)
    assert status is not None and status["sensors"]["bro"]["parser"]["in"] == 2
    assert os.listdir(path.parent) == ["status.json"]  # no temporary files left


def test_status_write_failure_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    (path / "in-the-way").mkdir(parents=True)  # the rename over it fails
    with pytest.raises(OSError):
        write_status(path, Metrics(started=0.0).snapshot(1.0), pid=1)
    assert os.listdir(tmp_path) == ["status.json"]
    with pytest.raises(TypeError):
        write_status(tmp_path / "other.json", {"time": 1.0, "bad": object()}, pid=1)
    assert os.listdir(tmp_path) == ["status.json"]


def test_read_status_rejects_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text("{not json")
    with pytest.raises(MetronError, match=r"status\.json: not a status file"):
        read_status(path)
    path.write_text("[1]")
    with pytest.raises(MetronError, match="not a JSON object"):
        read_status(path)


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_live_and_stale() -> None:
    me = os.getpid()
    assert is_live({"pid": me, "time": 100.0}, now=105.0)
    assert is_live({"pid": me, "time": 100.0}, now=109.9)
    assert not is_live({"pid": me, "time": 100.0}, now=110.0)  # too old
    assert not is_live({"pid": dead_pid(), "time": 100.0}, now=100.0)  # gone
    for pid in (0, -1, True, "1", None):
        assert not is_live({"pid": pid, "time": 100.0}, now=100.0)
    assert not is_live({"pid": me}, now=100.0)
    assert not is_live({}, now=100.0)
    assert is_live({"pid": me, "time": 1e12})  # the default now is the clock
