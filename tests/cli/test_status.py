"""`metron status`: the tables and the JSON of a running pipeline's status file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from metron.cli.status import status_command
from metron.errors import MetronError
from metron.runtime.metrics import Metrics, status_path, write_status

app = typer.Typer()
app.command()(status_command)


def write(data: Path, now: float, pid: int) -> dict[str, object]:
    metrics = Metrics(started=now - 90)
    metrics.count("bro", "source", in_=1500, out=1500)
    metrics.count("bro", "parser", in_=1500, out=1400, errors=60, filtered=40)
    metrics.observe("bro", "parser", 0.002, n=1500)
    metrics.count("squid", "enrichment", in_=7, out=7)
    metrics.source_stats("file /var/log/bro.log", {"records": 1500, "bytes": 123_456})
    metrics.source_stats("udp :514", {"records": 0, "bytes": 0, "dropped": 3, "errors": 1})
    snapshot = metrics.snapshot(now)
    write_status(status_path(data), snapshot, pid)
    return {**snapshot, "pid": pid}


def test_tables(tmp_path: Path) -> None:
    write(tmp_path, time.time(), os.getpid())
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "stale" not in result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert " ".join(lines[1]) == "sensor stage in out errors filtered events/s p50 ms p99 ms"
    rows = {tuple(line[:2]): line[2:] for line in lines if line[:1] in (["bro"], ["squid"])}
    p50 = rows[("bro", "parser")][5]
    assert rows[("bro", "parser")][:5] == ["1,500", "1,400", "60", "40", "0.0"]
    assert float(p50) == pytest.approx(2.0, rel=0.06)
    assert rows[("bro", "source")] == ["1,500", "1,500", "0", "0", "0.0", "-", "-"]
    assert rows[("squid", "enrichment")] == ["7", "7", "0", "0", "0.0", "-", "-"]
    assert ["file", "/var/log/bro.log", "1,500", "123,456", "-", "-"] in lines
    assert ["udp", ":514", "0", "0", "3", "1"] in lines
    assert lines[0][:2] == ["pid", f"{os.getpid()},"]
    assert lines[0][-2:] == ["90", "s"]  # up 90 s


def test_json(tmp_path: Path) -> None:
    expected = write(tmp_path, time.time(), os.getpid())
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected
    assert result.stderr == ""


def test_data_dir_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = write(tmp_path, time.time(), os.getpid())
    monkeypatch.setenv("METRON_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected


def test_stale_status_is_shown_with_a_warning(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that is gone
    written = time.time() - 3600
    expected = write(tmp_path, written, child.pid)
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected  # stdout stays JSON
    assert "this status is stale (from " in result.stderr
    assert f"pid {child.pid}): metron has stopped or hangs" in result.stderr
    assert time.strftime("%Y-%m-%d %H:%M", time.localtime(written)) in result.stderr
    table = CliRunner().invoke(app, ["--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    first, *rest = table.stdout.splitlines()
    assert first.startswith("this status is stale (from ")
    assert "1,500" in "".join(rest)


def test_not_running(tmp_path: Path) -> None:
    with pytest.raises(MetronError) as raised:
        status_command(data_dir=tmp_path)
    path = tmp_path / "run" / "status.json"
    assert str(raised.value) == (
        f"metron is not running (no status in {path}); start it with 'metron run'"
    )


def test_no_events_yet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_status(status_path(tmp_path), Metrics(started=1.0).snapshot(time.time()), os.getpid())
    status_command(data_dir=tmp_path)
    assert "no events yet" in capsys.readouterr().out


def test_platform_state_and_problems_are_shown(tmp_path: Path) -> None:
    snapshot = Metrics().snapshot()
    snapshot["platform"] = {
        "workers": 2,
        "in_flight_batches": 3,
        "config_error": "parsers/bro: not valid JSON",
        "problems": ["worker 1 died (exit code -9)"],
        "http_port": 8080,
    }
    write_status(status_path(tmp_path), snapshot, os.getpid())
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2 workers, 3 batches in flight, HTTP on port 8080" in result.stdout
    assert "config change rejected (the previous config runs): parsers/bro" in result.stdout
    assert "problem: worker 1 died (exit code -9)" in result.stdout


def test_live_kafka_workers_are_shown_without_a_platform(tmp_path: Path) -> None:
    metrics = Metrics()
    metrics.count("bro", "parser", in_=10, out=9, errors=1)
    snapshot = metrics.snapshot()
    snapshot["platform"] = {"kind": "parser", "group": "bro_parser", "problems": []}
    write_status(tmp_path / "run" / f"worker-parser-{os.getpid()}.json", snapshot, os.getpid())
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"parser worker pid {os.getpid()}, group bro_parser" in result.stdout
    assert ["bro", "parser", "10", "9", "1", "0", "0.0", "-", "-"] in [
        line.split() for line in result.stdout.splitlines()
    ]
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "--json"])
    assert [w["platform"]["group"] for w in json.loads(result.stdout)["kafka_workers"]] == [
        "bro_parser"
    ]
