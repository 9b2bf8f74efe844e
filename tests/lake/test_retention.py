"""compact (one file per partition, all rows kept, swapped in at once) and prune (whole
days past the cutoff), durations, and the retention from the global config."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from metron.errors import ConfigError, MetronError
from metron.lake import retention
from metron.lake.hunt import Lake
from metron.lake.retention import compact, parse_duration, prune, retention_from_config
from metron.lake.writer import LakeWriter

DAY1 = 1_772_409_600_000  # 2026-03-02T00:00:00Z
DAY_MS = 86_400_000


def fill(root: Path) -> None:
    """Three files for bro on 2026-03-02 (one with a column the others lack, one where
    ``port`` is text), one for bro on 2026-03-03 and one for snort on 2026-03-02."""
    with LakeWriter(root) as writer:
        for i in range(3):
            rows = [{"timestamp": DAY1 + j, "port": 443, "i": i * 10 + j} for j in range(10)]
            if i == 1:
                rows[0]["extra"] = "x"
            if i == 2:
                rows[0]["port"] = "https"
            writer.write("bro", rows)
            writer.flush()
        writer.write("bro", [{"timestamp": DAY1 + DAY_MS, "i": 99}])
        writer.write("snort", [{"timestamp": DAY1, "i": 100}])


def files(root: Path, pattern: str = "sensor=*/dt=*/*.parquet") -> list[Path]:
    return sorted(root.glob(pattern))


def everything(root: Path) -> list[tuple[object, ...]]:
    with Lake(root) as lake:
        return lake.query(
            'SELECT sensor, dt, i, CAST(port AS VARCHAR), "extra" FROM messages ORDER BY i'
        )[1]


@pytest.mark.parametrize("swap", [True, False])
def test_compact_keeps_every_row_and_leaves_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: bool
) -> None:
    if not swap:  # the fallback where the system cannot swap directories
        monkeypatch.setattr(retention, "_exchange", lambda a, b: False)
    fill(tmp_path)
    before = everything(tmp_path)
    results = compact(tmp_path)
    assert [(r.partition.name, r.files_before, r.files_after, r.rows) for r in results] == [
        ("dt=2026-03-02", 3, 1, 30)
    ]
    assert len(files(tmp_path, "sensor=bro/dt=2026-03-02/*.parquet")) == 1
    assert everything(tmp_path) == before
    assert not any((tmp_path / ".compact").iterdir())


def test_compact_one_sensor_and_day(tmp_path: Path) -> None:
    fill(tmp_path)
    assert compact(tmp_path, "snort") == []
    assert compact(tmp_path, "bro", date(2026, 3, 3)) == []
    assert len(compact(tmp_path, "bro", date(2026, 3, 2))) == 1


def test_compact_writes_zstd(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    fill(tmp_path)
    compact(tmp_path)
    (merged,) = files(tmp_path, "sensor=bro/dt=2026-03-02/*.parquet")
    assert pq.ParquetFile(merged).metadata.row_group(0).column(0).compression == "ZSTD"


def test_a_file_arriving_during_the_swap_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(tmp_path)
    real = retention._exchange

    def exchange_after_a_write(a: Path, b: Path) -> bool:
        with LakeWriter(tmp_path) as writer:
            writer.write("bro", [{"timestamp": DAY1, "i": 555}])
        return real(a, b)

    monkeypatch.setattr(retention, "_exchange", exchange_after_a_write)
    compact(tmp_path, "bro")
    assert len(files(tmp_path, "sensor=bro/dt=2026-03-02/*.parquet")) == 2
    assert (555,) in [row[2:3] for row in everything(tmp_path)]


def test_prune_removes_only_partitions_past_the_cutoff(tmp_path: Path) -> None:
    fill(tmp_path)
    now = datetime(2026, 3, 5, 12, tzinfo=UTC)
    # The cutoff is 2026-03-03T12:00: 03-02 ended before it, 03-03 did not.
    removed = prune(tmp_path, timedelta(days=2), now=now)
    assert sorted((r.partition.parent.name, r.day, r.files) for r in removed) == [
        ("sensor=bro", date(2026, 3, 2), 3),
        ("sensor=snort", date(2026, 3, 2), 1),
    ]
    assert all(r.bytes > 0 for r in removed)
    assert [p.parent.name for p in files(tmp_path)] == ["dt=2026-03-03"]
    assert prune(tmp_path, timedelta(days=2), now=now) == []


def test_prune_needs_a_positive_period(tmp_path: Path) -> None:
    with pytest.raises(MetronError, match="positive"):
        prune(tmp_path, timedelta(0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30m", timedelta(minutes=30)),
        ("45s", timedelta(seconds=45)),
        (" 1.5D ", timedelta(hours=36)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "90", "d", "-1d", "3y", "1d2h"])
def test_a_bad_duration_says_what_is_expected(text: str) -> None:
    with pytest.raises(MetronError, match="not a duration"):
        parse_duration(text)


def test_retention_from_the_global_config() -> None:
    assert retention_from_config({}) is None
    assert retention_from_config({"lake.retention.days": 30}) == timedelta(days=30)
    assert retention_from_config({"lake.retention.days": "7"}) == timedelta(days=7)
    for bad in (0, -3, "soon", True, [1]):
        with pytest.raises(ConfigError, match=r"lake\.retention\.days"):
            retention_from_config({"lake.retention.days": bad})


def test_compact_keeps_the_latest_copy_of_a_guid_and_every_row_without_one(
    tmp_path: Path,
) -> None:
    """A replayed batch wrote its messages a second time (same guids, maybe changed)."""
    with LakeWriter(tmp_path) as writer:
        first = [{"timestamp": DAY1, "guid": f"g{n}", "v": "old"} for n in range(5)]
        writer.write("bro", [*first, {"timestamp": DAY1, "v": "no guid"}])
        writer.flush()
        again = [{"timestamp": DAY1, "guid": f"g{n}", "v": "new"} for n in range(3, 7)]
        writer.write("bro", [*again, {"timestamp": DAY1, "v": "no guid"}])
    [result] = compact(tmp_path)
    assert (result.rows, result.copies) == (9, 2)
    with Lake(tmp_path) as lake:
        rows = lake.query("SELECT guid, v FROM bro ORDER BY guid NULLS LAST")[1]
    assert rows == [
        ("g0", "old"),
        ("g1", "old"),
        ("g2", "old"),
        ("g3", "new"),
        ("g4", "new"),
        ("g5", "new"),
        ("g6", "new"),
        (None, "no guid"),
        (None, "no guid"),
    ]
