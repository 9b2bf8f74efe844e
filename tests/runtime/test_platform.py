"""``metron run`` end to end, as a user runs it: real processes, real files, real signals.

The crash tests kill the platform (every process of it, as a power cut would) or one
worker with SIGKILL in the middle of a stream, start it again, and check that the alert
store then holds every line exactly once and the lake every line at least once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metron.runtime.metrics import read_status, status_path
from metron.search.store import AlertStore

TIMEOUT = 120.0


def zeek_lines(start: int, count: int) -> list[str]:
    """Zeek conn records as Metron's bro parser reads them (distinct uids)."""
    return [
        json.dumps(
            {
                "conn": {
                    "ts": 1_700_000_000 + n / 1000,
                    "uid": f"C{n:08d}",
                    "id.orig_h": f"10.1.{n % 200}.{n % 250}",
                    "id.orig_p": 1024 + n % 60000,
                    "id.resp_h": "192.0.2.80",
                    "id.resp_p": 443,
                    "proto": "tcp",
                    "duration": 0.25,
                    "orig_bytes": n,
                    "resp_bytes": 2 * n,
                }
            }
        )
        for n in range(start, start + count)
    ]


class Running:
    """A ``metron run`` process group, with its status file."""

    def __init__(self, home: Path, *args: str, http: bool = False) -> None:
        self.home = home
        self.log = open(home / "run.log", "ab")  # noqa: SIM115 - closed in stop()
        env = {
            **os.environ,
            "METRON_CONFIG_DIR": str(home / "config"),
            "METRON_DATA_DIR": str(home / "data"),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "metron.cli.main", "run"]
            + (["--port", "0"] if http else ["--no-http"])
            + list(args),
            stdout=self.log,
            stderr=self.log,
            env=env,
            start_new_session=True,  # its own process group: killpg reaches the workers
        )

    def status(self) -> dict[str, Any] | None:
        return read_status(status_path(self.home / "data"))

    def wait_for(self, test: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"metron run exited ({self.process.returncode}): {self.output()}")
            status = self.status()
            if status is not None and status.get("pid") == self.process.pid and test(status):
                return status
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}: {self.output()}")

    def indexed(self, status: dict[str, Any], sensor: str = "bro") -> int:
        stages = status.get("sensors", {}).get(sensor, {})
        return int(stages.get("indexing", {}).get("out", 0))

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return (self.home / "run.log").read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """SIGKILL to every process of the platform at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self, group: bool = False) -> int:
        """SIGTERM, as a service manager stops it (to every process with ``group``, as
        systemd does); the exit code."""
        if group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=TIMEOUT)
        self.log.close()
        return code


def run_to_the_end(home: Path) -> subprocess.CompletedProcess[str]:
    """``metron run`` over ``home`` as a command that is expected to exit by itself."""
    return subprocess.run(
        [sys.executable, "-m", "metron.cli.main", "run", "--no-http"],
        env={
            **os.environ,
            "METRON_CONFIG_DIR": str(home / "config"),
            "METRON_DATA_DIR": str(home / "data"),
        },
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def serving(home: Path) -> tuple[Running, str, tuple[str, str]]:
    """A platform with its HTTP server (one worker): it, its base URL and the first
    administrator's credentials."""
    running = Running(home, "--workers", "1", http=True)
    status = running.wait_for(lambda s: bool(s["platform"].get("http_port")), "HTTP")
    password = (home / "data" / "initial-admin-password").read_text().strip()
    return running, f"http://127.0.0.1:{status['platform']['http_port']}", ("admin", password)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "config" / "sources").mkdir(parents=True)
    (tmp_path / "config" / "global.json").write_text("{}")
    (tmp_path / "input").mkdir()
    yield tmp_path


def file_source(home: Path, sensor: str = "bro", batch: int = 200) -> Path:
    log = home / "input" / f"{sensor}.log"
    log.touch()
    (home / "config" / "sources" / f"{sensor}.json").write_text(
        json.dumps({"sources": [{"type": "file", "path": str(log), "batchSize": batch}]})
    )
    return log


def append(path: Path, lines: list[str]) -> None:
    with open(path, "a") as f:
        f.write("".join(line + "\n" for line in lines))


def stored(home: Path) -> list[dict[str, Any]]:
    with AlertStore(
        home / "data" / "alerts", global_config={"search.max.results": 100_000}
    ) as store:
        response = store.search({"query": "*", "size": 100_000})
    return [result["source"] for result in response["results"]]


def lake_guids(home: Path) -> tuple[int, int]:
    """Rows in the lake and distinct guids among them."""
    files = str(home / "data" / "lake" / "sensor=bro" / "*" / "*.parquet")
    rows = duckdb.sql(
        f"SELECT count(*), count(DISTINCT guid) FROM read_parquet('{files}')"
    ).fetchall()
    return int(rows[0][0]), int(rows[0][1])


def assert_exactly_once(home: Path, lines: list[str]) -> None:
    docs = stored(home)
    uids = sorted(doc["uid"] for doc in docs)
    assert len(uids) == len(lines), "lost or duplicated in the alert store"
    assert uids == sorted(json.loads(line)["conn"]["uid"] for line in lines)
    assert len({doc["guid"] for doc in docs}) == len(lines)
    rows, distinct = lake_guids(home)
    assert distinct == len(lines), "lost in the lake"
    assert rows >= len(lines)


def test_file_to_searchable_alerts_and_lake_then_graceful_stop(home: Path) -> None:
    log = file_source(home)
    lines = zeek_lines(0, 3000)
    append(log, lines)
    running = Running(home, "--workers", "2")
    running.wait_for(lambda s: running.indexed(s) == 3000, "3,000 indexed")
    more = zeek_lines(3000, 500)
    append(log, more)  # tailed live
    running.wait_for(lambda s: running.indexed(s) == 3500, "3,500 indexed")
    assert running.stop() == 0
    assert "checkpoints written" in running.output()
    assert "Traceback" not in running.output()
    assert_exactly_once(home, lines + more)
    checkpoint = json.loads(next((home / "data" / "checkpoints").glob("file-bro-*")).read_text())
    assert checkpoint["offset"] == log.stat().st_size
    final = running.status()
    assert final is not None and final["platform"]["stopped"] is True
    # a restart reads nothing again
    running = Running(home, "--workers", "1")
    running.wait_for(lambda s: True, "the restart")
    time.sleep(2)
    assert running.stop() == 0
    assert len(stored(home)) == 3500


@pytest.mark.parametrize(("workers", "kill_at"), [("1", 1_000), ("2", 20_000)])
def test_killed_mid_stream_nothing_lost_nothing_duplicated(
    home: Path, workers: str, kill_at: int
) -> None:
    log = file_source(home, batch=100)
    lines = zeek_lines(0, 60_000)
    append(log, lines)
    running = Running(home, "--workers", workers)
    running.wait_for(lambda s: running.indexed(s) >= kill_at, f"{kill_at:,} indexed")
    running.kill()  # mid-stream: batches in flight, the lake's buffer not written
    assert not _settled(home, log), "too late to crash"
    running = Running(home, "--workers", workers)
    running.wait_for(
        lambda s: s["platform"]["in_flight_batches"] == 0 and _settled(home, log), "replay"
    )
    assert running.stop() == 0
    assert_exactly_once(home, lines)
    # compaction keeps one copy of each message the replay wrote twice to the lake
    from metron.lake.retention import compact

    compact(home / "data" / "lake")
    assert lake_guids(home) == (len(lines), len(lines))


def test_a_killed_worker_is_replaced_and_its_batches_sent_again(home: Path) -> None:
    log = file_source(home, batch=100)
    lines = zeek_lines(0, 20_000)
    append(log, lines)
    running = Running(home, "--workers", "2")
    running.wait_for(lambda s: running.indexed(s) >= 1_000, "1,000 indexed")
    workers = _children(running.process.pid)
    assert len(workers) >= 2, workers
    os.kill(workers[0], signal.SIGKILL)
    running.wait_for(lambda s: any("died" in p for p in s["platform"]["problems"]), "restart")
    running.wait_for(
        lambda s: s["platform"]["in_flight_batches"] == 0 and _settled(home, log), "all"
    )
    assert running.stop() == 0
    assert_exactly_once(home, lines)


def test_a_config_edit_applies_live_and_a_bad_one_is_rejected(home: Path) -> None:
    log = file_source(home, batch=10)
    parsers = home / "config" / "parsers"
    parsers.mkdir()
    config: dict[str, Any] = {"parserClassName": "bro", "sensorTopic": "bro"}
    (parsers / "bro.json").write_text(json.dumps(config))
    running = Running(home, "--workers", "1")
    append(log, zeek_lines(0, 10))
    running.wait_for(lambda s: running.indexed(s) == 10, "10 indexed")
    config["fieldTransformations"] = [
        {"transformation": "STELLAR", "output": ["tagged"], "config": {"tagged": "'yes'"}}
    ]
    (parsers / "bro.json").write_text(json.dumps(config))
    time.sleep(2.5)  # the config is looked at every second
    append(log, zeek_lines(10, 10))
    running.wait_for(lambda s: running.indexed(s) == 20, "20 indexed")
    (parsers / "bro.json").write_text('{"parserClassName": "bro", ')  # half-written
    running.wait_for(lambda s: bool(s["platform"]["config_error"]), "the rejection")
    append(log, zeek_lines(20, 10))
    status = running.wait_for(lambda s: running.indexed(s) == 30, "30 indexed")
    assert "parsers/bro.json" in status["platform"]["config_error"]
    assert running.stop(group=True) == 0
    tagged = sorted(doc["uid"] for doc in stored(home) if doc.get("tagged") == "yes")
    assert tagged == [f"C{n:08d}" for n in range(10, 30)]
    assert "config change rejected" in running.output()
    assert "Traceback" not in running.output()  # the rebuilt stages were closed cleanly


def _settled(home: Path, log: Path) -> bool:
    """Whether the file source's checkpoint reached the end of the file."""
    found = list((home / "data" / "checkpoints").glob("file-bro-*"))
    if not found:
        return False
    try:
        offset = json.loads(found[0].read_text()).get("offset")
    except (OSError, ValueError):
        return False
    return bool(offset == log.stat().st_size)


def _children(pid: int) -> list[int]:
    """The worker processes of ``pid`` (multiprocessing's helpers excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"multiprocessing.spawn" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def test_the_demo_gives_searchable_alerts_within_a_minute(tmp_path: Path) -> None:
    """What `make run` does on a fresh machine (with its own directories)."""
    running = Running(tmp_path, "--demo", "--workers", "1")
    started = time.monotonic()

    def alerts() -> int:
        if not (tmp_path / "data" / "alerts" / "alerts.db").exists():
            return 0
        with AlertStore(tmp_path / "data" / "alerts") as store:
            found = store.search({"query": "is_alert:true", "size": 0})
        return int(found["total"])

    running.wait_for(lambda s: alerts() > 0, "demo alerts")
    assert time.monotonic() - started < 60
    status = running.wait_for(lambda s: running.indexed(s, "bro") > 0, "bro indexed")
    assert set(status["sensors"]) >= {"bro", "snort", "asa", "yaf", "syslog5424"}
    assert running.stop() == 0
    with AlertStore(tmp_path / "data" / "alerts") as store:
        scored = store.search({"query": "threat.triage.score:[1 TO *]", "size": 1})
    assert scored["total"] > 0


def test_http_ingest_answers_once_stored_and_metrics_are_served(home: Path) -> None:
    import httpx

    (home / "config" / "parsers").mkdir()
    (home / "config" / "parsers" / "bro.json").write_text('{"parserClassName": "bro"}')
    running, base, auth = serving(home)
    # the first start made the administrator, with a password only its owner may read
    assert (home / "data" / "initial-admin-password").stat().st_mode & 0o777 == 0o600
    body = "\n".join(zeek_lines(0, 100)).encode()
    refused = httpx.post(f"{base}/ingest/bro", content=body, timeout=60)
    assert refused.status_code == 401
    response = httpx.post(f"{base}/ingest/bro", content=body, auth=auth, timeout=60)
    assert response.json() == {"sensor": "bro", "accepted": 100}
    assert len(stored(home)) == 100  # acked: stored (and in the lake)
    metrics = httpx.get(f"{base}/metrics", auth=auth, timeout=30).text
    assert 'metron_events_total{sensor="bro",stage="indexing",kind="out"}' in metrics
    deadline = time.monotonic() + 30  # the search index follows the store within a second
    while True:
        search = httpx.post(
            f"{base}/api/v1/search/search", json={"query": "*", "size": 1}, auth=auth, timeout=30
        )
        assert search.status_code == 200
        if search.json()["total"] == 100 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert search.json()["total"] == 100
    assert running.stop() == 0


def test_a_second_platform_on_the_same_data_is_refused_and_leaves_the_first_alone(
    home: Path,
) -> None:
    file_source(home)
    running = Running(home, "--workers", "1")
    running.wait_for(lambda s: True, "the first platform")
    second = run_to_the_end(home)
    assert second.returncode == 1
    assert "another 'metron run' is using the data directory" in second.stderr
    assert "Traceback" not in second.stderr
    status = running.wait_for(lambda s: True, "the first platform's status")
    assert status["pid"] == running.process.pid and not status["platform"].get("stopped")
    assert running.stop() == 0


def test_a_bad_config_at_start_is_named_and_nothing_runs(home: Path) -> None:
    (home / "config" / "parsers").mkdir()
    (home / "config" / "parsers" / "bro.json").write_text('{"parserClassName": "nosuch"}')
    done = run_to_the_end(home)
    assert done.returncode == 1
    assert "parsers/bro" in done.stderr and "nosuch" in done.stderr
    assert "Traceback" not in done.stderr


def test_syslog_over_udp_and_tcp_to_searchable_messages(home: Path) -> None:
    import socket

    def free_port(kind: socket.SocketKind) -> int:
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    udp, tcp = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    sources = {
        "sources": [
            {"type": "syslog", "protocol": "udp", "host": "127.0.0.1", "port": udp},
            {"type": "syslog", "protocol": "tcp", "host": "127.0.0.1", "port": tcp},
        ]
    }
    (home / "config" / "sources" / "syslog5424.json").write_text(json.dumps(sources))
    running = Running(home, "--workers", "1")
    running.wait_for(lambda s: len(s.get("sources", {})) >= 2, "the listeners")

    def line(n: int) -> str:
        return f"<38>1 2026-11-29T10:00:{n:02d}Z web-01 sshd {100 + n} - - login number {n}"

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for n in range(5):
            sender.sendto(line(n).encode(), ("127.0.0.1", udp))
    with socket.create_connection(("127.0.0.1", tcp), timeout=10) as sender:
        sender.sendall(b"".join(f"{line(n)}\n".encode() for n in range(5, 10)))
    running.wait_for(lambda s: running.indexed(s, "syslog5424") == 10, "10 indexed")
    assert running.stop() == 0
    with AlertStore(home / "data" / "alerts") as store:
        found = store.search({"query": "source.type:syslog5424", "size": 20})
    assert sorted(r["source"]["syslog.header.procId"] for r in found["results"]) == [
        str(100 + n) for n in range(10)
    ]


def test_a_sensor_stopped_and_started_through_the_rest_api(home: Path) -> None:
    import httpx

    log = file_source(home)
    running, url, auth = serving(home)
    base = f"{url}/api/v1/storm"
    append(log, zeek_lines(0, 50))
    running.wait_for(lambda s: running.indexed(s) == 50, "the first 50")
    assert httpx.get(f"{base}/bro", auth=auth, timeout=30).json()["status"] == "ACTIVE"

    stopped = httpx.get(f"{base}/parser/stop/bro", auth=auth, timeout=30).json()
    assert stopped == {"status": "SUCCESS", "message": "STOPPED"}
    running.wait_for(
        lambda s: s["platform"]["sensors"]["bro"] == {"state": "KILLED", "running": False},
        "bro stopped",
    )
    assert httpx.get(f"{base}/bro", auth=auth, timeout=30).json()["status"] == "KILLED"
    append(log, zeek_lines(50, 50))
    time.sleep(2)  # a stopped sensor reads nothing
    assert running.indexed(running.status() or {}) == 50

    started = httpx.get(f"{base}/parser/start/bro", auth=auth, timeout=30).json()
    assert started == {"status": "SUCCESS", "message": "STARTED"}
    running.wait_for(lambda s: running.indexed(s) == 100, "the rest, read from where it stopped")
    assert running.stop() == 0
    assert len(stored(home)) == 100
