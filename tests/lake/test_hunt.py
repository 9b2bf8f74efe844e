"""Lake: a DuckDB view per sensor and one over all (``messages``); the analyst's SQL runs as
written; files of different schemas unify by name; mistakes are MetronErrors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from metron.errors import MetronError
from metron.lake.hunt import Lake, quote_identifier, quote_literal, sensors
from metron.lake.writer import LakeWriter

DAY1 = 1_772_409_600_000  # 2026-03-02T00:00:00Z
DAY2 = DAY1 + 86_400_000


@pytest.fixture
def root(tmp_path: Path) -> Path:
    lake = tmp_path / "lake"
    with LakeWriter(lake) as writer:
        writer.write("bro", [{"timestamp": DAY1, "ip_dst_port": 443, "threat.triage.score": 10.0}])
        writer.flush()  # a second file for the same day, with a column the first lacks
        writer.write(
            "bro", [{"timestamp": DAY2, "ip_dst_port": 80, "new.field": "x", "is_alert": True}]
        )
        writer.write("snort", [{"timestamp": DAY1, "ip_dst_port": 443, "sig_id": 2000}])
        writer.write("my-sensor", [{"timestamp": DAY1, "ip_dst_port": 22}])
    return lake


def test_one_view_per_sensor_and_messages_over_all(root: Path) -> None:
    with Lake(root) as lake:
        assert lake.views == ["bro", "my-sensor", "snort", "messages"]
        columns, rows = lake.query(
            "SELECT sensor, count(*) AS n FROM messages GROUP BY sensor ORDER BY sensor"
        )
        assert columns == ["sensor", "n"]
        assert rows == [("bro", 2), ("my-sensor", 1), ("snort", 1)]
        assert lake.query('SELECT ip_dst_port FROM "my-sensor"')[1] == [(22,)]
        assert lake.query("SELECT sig_id FROM snort")[1] == [(2000,)]


def test_old_files_read_new_columns_as_null_and_dt_is_a_date(root: Path) -> None:
    with Lake(root) as lake:
        _, rows = lake.query(
            'SELECT dt, "new.field", "threat.triage.score" FROM bro ORDER BY timestamp'
        )
    assert rows == [(date(2026, 3, 2), None, 10.0), (date(2026, 3, 3), "x", None)]


def test_the_example_hunt(root: Path) -> None:
    with Lake(root) as lake:
        _, rows = lake.query(
            'SELECT count(*), avg("threat.triage.score") FROM messages WHERE ip_dst_port = 443'
        )
    assert rows == [(2, 10.0)]


def test_a_bad_query_is_a_metron_error_with_duckdbs_message(root: Path) -> None:
    with Lake(root) as lake, pytest.raises(MetronError, match="syntax error"):
        lake.query("SELEC 1")


def test_a_missing_view_lists_the_views(root: Path) -> None:
    with Lake(root) as lake, pytest.raises(MetronError) as caught:
        lake.query("SELECT * FROM yaf")
    assert 'bro, "my-sensor", snort, messages' in str(caught.value)


def test_an_empty_lake_has_no_views_and_says_so(tmp_path: Path) -> None:
    with Lake(tmp_path / "nothing") as lake:
        assert lake.views == []
        assert lake.query("SELECT 42 AS answer") == (["answer"], [(42,)])
        with pytest.raises(MetronError, match="is empty"):
            lake.query("SELECT * FROM messages")


def test_refresh_sees_new_sensors(root: Path) -> None:
    with Lake(root) as lake:
        with LakeWriter(root) as writer:
            writer.write("yaf", [{"timestamp": DAY1, "x": 1}])
        lake.refresh()
        assert "yaf" in lake.views
        assert lake.query("SELECT x FROM yaf")[1] == [(1,)]


def test_sensors_lists_only_sensors_with_files(root: Path) -> None:
    (root / "sensor=empty" / "dt=2026-01-01").mkdir(parents=True)
    assert sensors(root) == ["bro", "my-sensor", "snort"]


def test_identifiers_and_literals_are_quoted() -> None:
    assert quote_identifier('a"b') == '"a""b"'
    assert quote_literal("it's") == "'it''s'"


def test_a_path_with_quotes_is_escaped(tmp_path: Path) -> None:
    root = tmp_path / "it's a lake"
    with LakeWriter(root) as writer:
        writer.write("bro", [{"timestamp": DAY1, "a": 1}])
    with Lake(root) as lake:
        assert lake.query("SELECT a FROM bro")[1] == [(1,)]


def test_a_path_with_glob_characters_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MetronError, match="may not contain"):
        Lake(tmp_path / "lake[1]")


def test_a_sensor_named_messages_is_reached_through_the_union_view(tmp_path: Path) -> None:
    with LakeWriter(tmp_path) as writer:
        writer.write("messages", [{"timestamp": DAY1, "a": 1}])
        writer.write("Bro", [{"timestamp": DAY1, "a": 2}])
        writer.write("bro", [{"timestamp": DAY1, "a": 3}])
    with Lake(tmp_path) as lake:
        assert lake.views == ["Bro", "messages"]
        _, rows = lake.query("SELECT sensor, a FROM messages ORDER BY a")
    assert rows == [("messages", 1), ("Bro", 2), ("bro", 3)]
