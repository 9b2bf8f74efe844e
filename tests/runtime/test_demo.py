"""The demo: its config tree, its generated telemetry through the real parsers and
enrichment, its threat intel, and the pacing of its source (on a fake clock)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from metron.config.store import read_directory, validate
from metron.enrichment.config import load_enrichment_config
from metron.enrichment.lookup import THREAT_INTEL_TABLE, SqliteLookup
from metron.enrichment.runner import EnrichmentRunner
from metron.errors import ConfigError
from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
from metron.parsing.config import load_sensor_config
from metron.parsing.runner import ParserRunner
from metron.runtime.demo import (
    DEMO_INDICATORS,
    DEMO_RATE,
    DEMO_SENSORS,
    MALICIOUS_DOMAIN,
    MALICIOUS_IP,
    DemoSource,
    load_demo_intel,
    write_demo_config,
)
from metron.runtime.sources.base import Ack
from metron.settings import load_global_config

NOW = 1_750_000_000.25  # 2025-06-15T15:06:40.25Z
#: The sensors whose Metron parser gives both addresses (syslog5424 gets ip_src_addr from
#: the demo's field transformation, on sshd lines only).
BOTH_ADDRESSES = ("bro", "snort", "asa", "yaf")


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeStop(threading.Event):
    """A stop event whose ``wait`` advances the fake clock instead of sleeping, and that
    sets itself after ``waits`` waits."""

    def __init__(self, clock: FakeClock, waits: int) -> None:
        super().__init__()
        self.clock = clock
        self.waits = waits
        self.delays: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None and timeout > 0, "the source must never wait unbounded"
        self.delays.append(timeout)
        self.clock.now += timeout
        if len(self.delays) >= self.waits:
            self.set()
        return self.is_set()


class Batches:
    """The pipeline's side: records what was emitted and when (on the fake clock)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.emitted: list[tuple[float, str, list[bytes]]] = []

    def emit(self, sensor: str, records: Sequence[bytes], ack: Ack) -> None:
        ack()  # the demo's no-op ack may be called any time
        self.emitted.append((self.clock.now, sensor, list(records)))

    def records(self) -> list[bytes]:
        return [r for _, _, batch in self.emitted for r in batch]


def run(source: DemoSource, clock: FakeClock, waits: int) -> tuple[Batches, FakeStop]:
    batches, stop = Batches(clock), FakeStop(clock, waits)
    source.run(batches.emit, stop)
    return batches, stop


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("config")
    write_demo_config(directory)
    return directory


def parse(config_dir: Path, sensor: str, records: list[bytes]) -> list[dict[str, Any]]:
    runner = ParserRunner(
        {sensor: load_sensor_config(sensor, config_dir=config_dir)},
        load_global_config(config_dir),
    )
    messages = []
    for record in records:
        result = runner.process(sensor, record)
        assert result.errors == [], record
        messages.extend(result.messages)
    return messages


# ----------------------------------------------------------------------------- config


def test_write_demo_config_writes_metron_tree(tmp_path: Path) -> None:
    written = write_demo_config(tmp_path / "config")
    names = {p.relative_to(tmp_path / "config").as_posix() for p in written}
    kinds = ("parsers", "enrichments", "indexing", "sources")
    assert names == {"global.json"} | {f"{k}/{s}.json" for k in kinds for s in DEMO_SENSORS}
    sources = json.loads((tmp_path / "config/sources/bro.json").read_text())["sources"]
    assert [entry["type"] for entry in sources] == ["demo"]
    rates = [
        json.loads((tmp_path / f"config/sources/{s}.json").read_text())["sources"][0]["rate"]
        for s in DEMO_SENSORS
    ]
    assert sum(rates) == pytest.approx(DEMO_RATE, abs=0.1)
    indexing = json.loads((tmp_path / "config/indexing/yaf.json").read_text())
    assert indexing["elasticsearch"]["enabled"] and indexing["hdfs"]["enabled"]


def test_demo_config_is_valid_metron_config(config_dir: Path) -> None:
    configs = read_directory(config_dir)
    assert validate(configs) == []


def test_demo_sources_config_is_valid(config_dir: Path) -> None:
    configs = read_directory(config_dir)
    assert validate({k: v for k, v in configs.items() if k.startswith("sources/")}) == []


def test_write_demo_config_never_overwrites(tmp_path: Path) -> None:
    mine = tmp_path / "parsers" / "bro.json"
    mine.parent.mkdir()
    mine.write_text('{"parserClassName": "bro", "sensorTopic": "my_bro"}\n')
    written = write_demo_config(tmp_path)
    assert mine not in written and len(written) == 1 + 4 * len(DEMO_SENSORS) - 1
    assert json.loads(mine.read_text())["sensorTopic"] == "my_bro"
    assert write_demo_config(tmp_path) == []


def test_write_demo_config_names_a_directory_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "parsers"
    blocker.write_text("a file where a directory should be")
    with pytest.raises(ConfigError, match="parsers"):
        write_demo_config(tmp_path)


# ----------------------------------------------------------------- generated telemetry


@pytest.mark.parametrize("sensor", DEMO_SENSORS)
def test_generated_records_parse_without_errors(config_dir: Path, sensor: str) -> None:
    records = DemoSource([sensor], seed=7).generate(500, NOW)[sensor]
    messages = parse(config_dir, sensor, records)
    assert len(messages) == 500
    for message in messages:
        # events happen now: within the batch (a YAF flow is timed by its start)
        assert (NOW - 60) * 1000 <= message["timestamp"] <= NOW * 1000 + 1
        if sensor in BOTH_ADDRESSES:
            assert message["ip_src_addr"] and message["ip_dst_addr"]
    if sensor == "syslog5424":
        sshd = [m for m in messages if m["syslog.header.appName"] == "sshd"]
        assert sshd and all(m["ip_src_addr"] for m in sshd)


@pytest.mark.parametrize("sensor", DEMO_SENSORS)
def test_metron_parse_reads_generated_files(config_dir: Path, sensor: str, tmp_path: Path) -> None:
    raw = tmp_path / f"{sensor}.log"
    raw.write_bytes(b"\n".join(DemoSource([sensor], seed=3).generate(200, NOW)[sensor]) + b"\n")
    command = [sys.executable, "-m", "metron.cli.main", "parse", sensor, str(raw)]
    done = subprocess.run([*command, "--config-dir", str(config_dir)], capture_output=True)
    assert done.returncode == 0, done.stderr
    assert f"{sensor}: 200 parsed, 0 errors".encode() in done.stderr
    assert len(done.stdout.splitlines()) == 200


def test_some_events_become_scored_alerts(config_dir: Path, tmp_path: Path) -> None:
    assert load_demo_intel(tmp_path) == len(DEMO_INDICATORS)
    records = DemoSource(DEMO_SENSORS, seed=11).generate(3000, NOW)
    configs = {s: load_enrichment_config(config_dir / "enrichments" / f"{s}.json") for s in records}
    alerts: Counter[str] = Counter()
    scores: Counter[float] = Counter()
    total: Counter[str] = Counter()
    with SqliteLookup.in_data_dir(tmp_path) as store:
        runner = EnrichmentRunner(configs, load_global_config(config_dir), store)
        for sensor, raws in records.items():
            for message in parse(config_dir, sensor, raws):
                enriched, problems = runner.process(message, sensor)
                assert problems == [] and enriched is not None
                total[sensor] += 1
                if enriched.get("is_alert") == "true":
                    alerts[sensor] += 1
                    scores[enriched["threat.triage.score"]] += 1
                    assert enriched["threat.triage.score"] > 0
                else:
                    assert "threat.triage.score" not in enriched
    assert set(total) == set(DEMO_SENSORS)
    assert alerts["snort"] == total["snort"]  # Metron's Snort parser marks every alert
    for sensor in set(DEMO_SENSORS) - {"snort"}:
        assert 0.01 <= alerts[sensor] / total[sensor] <= 0.12, (sensor, alerts, total)
    assert sum(alerts.values()) / sum(total.values()) < 0.25
    assert {30.0, 40.0, 50.0, 60.0, 90.0} <= set(scores)


def test_load_demo_intel_is_idempotent(tmp_path: Path) -> None:
    assert load_demo_intel(tmp_path) == load_demo_intel(tmp_path) == len(DEMO_INDICATORS)
    with SqliteLookup.in_data_dir(tmp_path) as store:
        assert len(store) == len(DEMO_INDICATORS)
        kinds = {kind for kind, _, _ in DEMO_INDICATORS}
        assert kinds == {MALICIOUS_IP, MALICIOUS_DOMAIN}
        for kind, indicator, _ in DEMO_INDICATORS:
            assert store.exists(THREAT_INTEL_TABLE, kind, indicator)


# ----------------------------------------------------------------------------- source


def test_source_emits_the_rate_in_batches_every_interval() -> None:
    clock = FakeClock()
    source = DemoSource(DEMO_SENSORS, rate=50, seed=1, batch_interval=0.5, clock=clock)
    batches, stop = run(source, clock, waits=20)
    assert stop.delays == [0.5] * 20
    assert len(batches.records()) == 50 * 0.5 * 20  # rate x 10 s
    assert source.stats.records == 500
    assert {sensor for _, sensor, _ in batches.emitted} == set(DEMO_SENSORS)
    assert all(records for _, _, records in batches.emitted)


def test_source_keeps_a_rate_that_does_not_fill_whole_batches() -> None:
    clock = FakeClock()
    source = DemoSource(["asa"], rate=3, seed=1, batch_interval=0.5, clock=clock)
    batches, _ = run(source, clock, waits=8)
    assert [len(records) for _, _, records in batches.emitted] == [1, 2] * 4


def test_source_does_not_burst_after_falling_behind() -> None:
    clock = FakeClock()
    source = DemoSource(["bro"], rate=10, seed=1, batch_interval=1.0, clock=clock)
    batches, stop = Batches(clock), FakeStop(clock, waits=3)

    def slow_emit(sensor: str, records: Sequence[bytes], ack: Ack) -> None:
        batches.emit(sensor, records, ack)
        if len(batches.emitted) == 1:
            clock.now += 30  # back-pressure held the first batch for half a minute

    source.run(slow_emit, stop)
    assert [len(records) for _, _, records in batches.emitted] == [10] * 3
    assert stop.delays == [1.0] * 3


def test_source_respects_stop() -> None:
    clock = FakeClock()
    source = DemoSource(DEMO_SENSORS, seed=1, clock=clock)
    stop = FakeStop(clock, waits=1)
    stop.set()
    batches = Batches(clock)
    source.run(batches.emit, stop)
    assert batches.emitted == []

    # stopped while emitting: nothing more is emitted, and it does not wait
    stop = FakeStop(clock, waits=100)

    def emit_then_stop(sensor: str, records: Sequence[bytes], ack: Ack) -> None:
        batches.emit(sensor, records, ack)
        stop.set()

    source.run(emit_then_stop, stop)
    assert len(batches.emitted) == 1 and stop.delays == []


def test_source_is_deterministic_per_seed() -> None:
    def records(seed: int) -> list[bytes]:
        clock = FakeClock()
        batches, _ = run(DemoSource(DEMO_SENSORS, seed=seed, clock=clock), clock, waits=4)
        return batches.records()

    assert records(5) == records(5)
    assert records(5) != records(6)


def test_source_events_are_timed_now() -> None:
    clock = FakeClock()
    batches, _ = run(DemoSource(["syslog5424"], seed=2, clock=clock), clock, waits=2)
    first = batches.records()[0].decode()
    assert "2025-06-15T15:06:40" in first or "2025-06-15T15:06:39" in first


def test_source_refuses_what_it_cannot_generate() -> None:
    with pytest.raises(ConfigError, match="squid"):
        DemoSource(["bro", "squid"])
    with pytest.raises(ConfigError, match="above 0"):
        DemoSource(["bro"], rate=0)
