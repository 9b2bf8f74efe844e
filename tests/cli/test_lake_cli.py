"""`metron hunt` and `metron lake` as a user runs them: tables, JSON lines and CSV out,
mistakes as one-line errors, compaction, pruning and status."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from metron.lake.writer import LakeWriter

Run = Callable[..., subprocess.CompletedProcess[str]]
DAY1 = 1_772_409_600_000  # 2026-03-02T00:00:00Z


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """The lake under ``run_metron``'s default data directory: bro in two files, snort."""
    root = tmp_path / "data" / "lake"
    with LakeWriter(root) as writer:
        writer.write("bro", [{"timestamp": DAY1, "ip_dst_port": 443, "threat.triage.score": 5.0}])
        writer.flush()
        writer.write("bro", [{"timestamp": DAY1 + 1, "ip_dst_port": 80, "tags": ["a", "b"]}])
        writer.flush()
        writer.write("snort", [{"timestamp": DAY1, "ip_dst_port": 443, "is_alert": True}])
    return root


def test_hunt_prints_a_table(run_metron: Run, lake: Path) -> None:
    done = run_metron("hunt", "SELECT sensor, ip_dst_port FROM messages ORDER BY sensor")
    assert done.returncode == 0, done.stderr
    assert "sensor" in done.stdout and "snort" in done.stdout and "443" in done.stdout
    assert "3 rows" in done.stdout


def test_hunt_json_lines(run_metron: Run, lake: Path) -> None:
    done = run_metron(
        "hunt",
        'SELECT sensor, dt, ip_dst_port, "threat.triage.score", is_alert, tags FROM messages'
        " ORDER BY sensor, ip_dst_port",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows == [
        {
            "sensor": "bro",
            "dt": "2026-03-02",
            "ip_dst_port": 80,
            "threat.triage.score": None,
            "is_alert": None,
            "tags": '["a","b"]',
        },
        {
            "sensor": "bro",
            "dt": "2026-03-02",
            "ip_dst_port": 443,
            "threat.triage.score": 5.0,
            "is_alert": None,
            "tags": None,
        },
        {
            "sensor": "snort",
            "dt": "2026-03-02",
            "ip_dst_port": 443,
            "threat.triage.score": None,
            "is_alert": True,
            "tags": None,
        },
    ]


def test_hunt_csv(run_metron: Run, lake: Path) -> None:
    done = run_metron(
        "hunt",
        "SELECT sensor, count(*) AS n, bool_or(is_alert) AS alert FROM messages"
        " GROUP BY sensor ORDER BY sensor",
        "--csv",
    )
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(io.StringIO(done.stdout))) == [
        ["sensor", "n", "alert"],
        ["bro", "2", ""],
        ["snort", "1", "true"],
    ]


def test_hunt_the_data_dir_option(run_metron: Run, lake: Path, tmp_path: Path) -> None:
    done = run_metron(
        "hunt",
        "SELECT count(*) AS n FROM bro",
        "--json",
        "--data-dir",
        str(tmp_path / "data"),
        env={"METRON_DATA_DIR": str(tmp_path / "elsewhere")},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"n": 2}


def test_a_bad_query_is_a_message_not_a_traceback(run_metron: Run, lake: Path) -> None:
    done = run_metron("hunt", "SELEC * FROM bro")
    assert done.returncode == 1
    assert done.stderr.startswith("error: Parser Error")
    assert "Traceback" not in done.stderr


def test_an_unknown_view_lists_the_views(run_metron: Run, lake: Path) -> None:
    done = run_metron("hunt", "SELECT * FROM yaf")
    assert done.returncode == 1
    assert "the lake's views: bro, snort, messages" in done.stderr
    assert "Traceback" not in done.stderr


def test_json_and_csv_together_are_refused(run_metron: Run, lake: Path) -> None:
    done = run_metron("hunt", "SELECT 1", "--json", "--csv")
    assert done.returncode == 1
    assert "choose one" in done.stderr


def test_lake_compact(run_metron: Run, lake: Path) -> None:
    done = run_metron("lake", "compact", "--sensor", "bro", "--day", "2026-03-02")
    assert done.returncode == 0, done.stderr
    assert "sensor=bro/dt=2026-03-02: 2 files -> 1 (2 rows)" in done.stdout
    assert len(list((lake / "sensor=bro" / "dt=2026-03-02").glob("*.parquet"))) == 1
    counted = run_metron("hunt", "SELECT count(*) AS n FROM messages", "--json")
    assert json.loads(counted.stdout) == {"n": 3}


def test_lake_compact_a_bad_day(run_metron: Run, lake: Path) -> None:
    done = run_metron("lake", "compact", "--day", "yesterday")
    assert done.returncode == 1
    assert "expected YYYY-MM-DD" in done.stderr


def _old_and_new(root: Path) -> None:
    now = int(datetime.now(UTC).timestamp() * 1000)
    with LakeWriter(root) as writer:
        writer.write("bro", [{"timestamp": now, "age": "new"}])
        writer.write("bro", [{"timestamp": now - 40 * 86_400_000, "age": "old"}])


def test_lake_prune_older_than(run_metron: Run, tmp_path: Path) -> None:
    _old_and_new(tmp_path / "data" / "lake")
    done = run_metron("lake", "prune", "--older-than", "30d")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("removed sensor=bro/dt=") == 1
    left = run_metron("hunt", "SELECT age FROM bro", "--json")
    assert left.stdout.splitlines() == ['{"age":"new"}']


def test_lake_prune_uses_the_global_config(run_metron: Run, tmp_path: Path) -> None:
    _old_and_new(tmp_path / "data" / "lake")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "global.json").write_text('{"lake.retention.days": 30}')
    done = run_metron("lake", "prune")
    assert done.returncode == 0, done.stderr
    assert "removed sensor=bro/dt=" in done.stdout
    assert f"older than {timedelta(days=30)}" in done.stderr


def test_lake_prune_without_a_retention_says_how_to_set_one(run_metron: Run) -> None:
    done = run_metron("lake", "prune")
    assert done.returncode == 1
    assert "--older-than" in done.stderr and "lake.retention.days" in done.stderr


def test_lake_prune_a_bad_duration(run_metron: Run) -> None:
    done = run_metron("lake", "prune", "--older-than", "ninety days")
    assert done.returncode == 1
    assert "not a duration" in done.stderr


def test_lake_status(run_metron: Run, lake: Path) -> None:
    done = run_metron("lake", "status", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    cells = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in done.stdout.splitlines()
        if line.count("│") == 8
    }
    # days, files, rows, bytes, first, last
    assert cells["bro"][:3] == ["1", "2", "2"]
    assert cells["snort"][:3] == ["1", "1", "1"]
    assert cells["bro"][4:] == ["2026-03-02", "2026-03-02"]
    assert int(cells["bro"][3].replace(",", "")) > 0


def test_lake_status_of_an_empty_lake(run_metron: Run) -> None:
    done = run_metron("lake", "status")
    assert done.returncode == 0, done.stderr
    assert "is empty" in done.stdout
