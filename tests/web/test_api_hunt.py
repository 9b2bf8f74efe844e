"""The hunt endpoints: one SELECT over the lake, stopped after ``limit`` rows, on a
connection that can read the lake and nothing else; the same result as a CSV download."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from metron.errors import MetronError
from metron.lake.hunt import Lake
from metron.lake.writer import LakeWriter
from web.support import ADMIN, ANALYST, Web

DAY = 1_772_409_600_000  # 2026-03-02T00:00:00Z


@pytest.fixture
def lake(web: Web) -> Path:
    root = web.data_dir / "lake"
    with LakeWriter(root) as writer:
        writer.write(
            "bro",
            [
                {"timestamp": DAY + i, "ip_src_addr": f"10.0.0.{i % 3}", "ip_dst_port": 443}
                for i in range(30)
            ],
        )
        writer.write(
            "snort",
            [{"timestamp": DAY, "ip_src_addr": "10.0.0.9", "sig_id": 2000, "tags": ["a", "b"]}],
        )
    return root


def _hunt(web: Web, sql: str, **more: Any) -> Any:
    return web.client.post("/api/v1/hunt", json={"sql": sql, **more}, auth=ANALYST)


def test_any_user_runs_a_query_over_the_sensor_views(web: Web, lake: Path) -> None:
    response = _hunt(
        web,
        "SELECT ip_src_addr, count(*) AS n FROM bro GROUP BY ip_src_addr ORDER BY ip_src_addr",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["columns"] == ["ip_src_addr", "n"]
    assert body["rows"] == [["10.0.0.0", 10], ["10.0.0.1", 10], ["10.0.0.2", 10]]
    assert body["truncated"] is False
    assert isinstance(body["elapsedMs"], float)


def test_the_union_view_and_its_partition_columns(web: Web, lake: Path) -> None:
    body = _hunt(
        web, "SELECT sensor, dt, count(*) FROM messages GROUP BY ALL ORDER BY sensor"
    ).json()
    assert body["rows"] == [["bro", "2026-03-02", 30], ["snort", "2026-03-02", 1]]


def test_rows_stop_at_the_limit_and_say_so(web: Web, lake: Path) -> None:
    body = _hunt(web, "SELECT timestamp FROM bro ORDER BY timestamp", limit=5).json()
    assert [row[0] for row in body["rows"]] == [DAY + i for i in range(5)]
    assert body["truncated"] is True
    exact = _hunt(web, "SELECT timestamp FROM bro", limit=30).json()
    assert len(exact["rows"]) == 30
    assert exact["truncated"] is False


def test_the_default_limit_is_a_thousand_and_the_most_a_hundred_thousand(
    web: Web, lake: Path
) -> None:
    body = _hunt(web, "SELECT * FROM range(5000)").json()
    assert len(body["rows"]) == 1000
    assert body["truncated"] is True
    response = _hunt(web, "SELECT 1", limit=100_001)
    assert response.status_code == 400
    assert response.json()["field"] == "limit"


def test_a_sql_mistake_is_a_400_with_duckdbs_message(web: Web, lake: Path) -> None:
    response = _hunt(web, "SELEC 1")
    assert response.status_code == 400
    assert response.json()["field"] == "sql"
    assert "syntax error" in response.json()["message"]
    unknown = _hunt(web, "SELECT * FROM yaf").json()["message"]
    assert "yaf" in unknown
    assert "the lake's views: bro, snort, messages" in unknown


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("COPY (SELECT 1) TO '/tmp/metron-hunt-test.csv'", "COPY"),
        ("INSTALL httpfs", "LOAD"),
        ("ATTACH '/tmp/metron-hunt-test.db' AS other", "ATTACH"),
        ("SET enable_external_access = true", "SET"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("PRAGMA version", "PRAGMA"),
    ],
)
def test_only_select_statements_run(web: Web, lake: Path, sql: str, kind: str) -> None:
    response = _hunt(web, sql)
    assert response.status_code == 400
    assert response.json()["message"] == (
        f"only SELECT queries may run here, not a {kind} statement"
    )


def test_one_statement_at_a_time(web: Web, lake: Path) -> None:
    response = _hunt(web, "SELECT 1; SELECT 2")
    assert response.status_code == 400
    assert "one query at a time" in response.json()["message"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    ],
)
def test_a_select_cannot_read_outside_the_lake(web: Web, lake: Path, sql: str) -> None:
    response = _hunt(web, sql)
    assert response.status_code == 400
    assert "disabled by configuration" in response.json()["message"]


def test_files_inside_the_lake_can_be_read_directly(web: Web, lake: Path) -> None:
    files = str(lake.absolute() / "sensor=snort" / "*" / "*.parquet")
    body = _hunt(web, f"SELECT sig_id FROM read_parquet('{files}')").json()
    assert body["rows"] == [[2000]]


def test_dot_dot_does_not_leave_the_lake(web: Web, lake: Path) -> None:
    response = _hunt(web, f"SELECT * FROM read_text('{lake.absolute()}/../users.db')")
    assert response.status_code == 400


def test_the_lock_down_itself_refuses_what_the_statement_check_refuses(lake: Path) -> None:
    # the statement check runs first; the connection's settings refuse these on their own
    target = lake.parent / "escaped"
    with Lake(lake) as opened:
        opened.lock_down()
        assert opened.query("SELECT count(*) FROM bro")[1] == [(30,)]
        for sql in (
            f"COPY bro TO '{target}.csv'",
            "INSTALL httpfs",
            "LOAD httpfs",
            f"ATTACH '{target}.db' AS other",
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            "SELECT * FROM read_csv('/etc/passwd')",
        ):
            with pytest.raises(MetronError):
                opened.query(sql)
        opened.refresh()  # new files still become views
        assert opened.query("SELECT count(*) FROM messages")[1] == [(31,)]
    assert not list(lake.parent.glob("escaped*"))


def test_a_query_that_runs_too_long_is_stopped(lake: Path) -> None:
    with Lake(lake) as opened, pytest.raises(MetronError, match=r"longer than 0\.2 s"):
        opened.query_readonly(
            "SELECT count(*) FROM range(100000000) a, range(1000) b WHERE (a.range + b.range) % 7 = 1",
            timeout=0.2,
        )


def test_an_empty_lake_still_answers(web: Web) -> None:
    assert _hunt(web, "SELECT 42 AS answer").json()["rows"] == [[42]]
    assert "is empty" in _hunt(web, "SELECT * FROM messages").json()["message"]


def test_values_json_cannot_hold_as_they_are(web: Web, lake: Path) -> None:
    body = _hunt(
        web,
        "SELECT 1.5::DECIMAL(4,2) AS d, DATE '2026-01-02' AS day, [1, 2] AS l,"
        " {'a': 1} AS s, NULL AS n, 'ab'::BLOB AS b",
    ).json()
    assert body["rows"] == [[1.5, "2026-01-02", [1, 2], {"a": 1}, None, "6162"]]


def test_hunting_needs_a_user(web: Web, lake: Path) -> None:
    response = web.client.post("/api/v1/hunt", json={"sql": "SELECT 1"})
    assert response.status_code == 401


def test_hunting_is_not_audited(web: Web, lake: Path) -> None:
    before = web.client.get("/api/v1/audit", auth=ADMIN).json()
    assert _hunt(web, "SELECT 1").status_code == 200
    assert web.client.get("/api/v1/audit", auth=ADMIN).json() == before


def test_csv_download_has_every_row(web: Web, lake: Path) -> None:
    response = web.client.post(
        "/api/v1/hunt/csv",
        json={"sql": "SELECT timestamp, ip_src_addr FROM bro ORDER BY timestamp"},
        auth=ANALYST,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="hunt-')
    assert disposition.endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["timestamp", "ip_src_addr"]
    assert len(rows) == 31
    assert rows[1] == [str(DAY), "10.0.0.0"]


def test_csv_cells_lists_as_json_and_null_empty(web: Web, lake: Path) -> None:
    response = web.client.post(
        "/api/v1/hunt/csv",
        json={"sql": "SELECT tags, NULL AS nothing, true AS yes FROM snort"},
        auth=ANALYST,
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["tags", "nothing", "yes"], ['["a","b"]', "", "true"]]


def test_csv_goes_past_the_page_limit_up_to_its_own(web: Web, lake: Path) -> None:
    response = web.client.post(
        "/api/v1/hunt/csv", json={"sql": "SELECT * FROM range(150000)"}, auth=ANALYST
    )
    assert len(response.text.splitlines()) == 150_001
    limited = web.client.post(
        "/api/v1/hunt/csv", json={"sql": "SELECT * FROM range(10)", "limit": 3}, auth=ANALYST
    )
    assert limited.text.splitlines() == ["range", "0", "1", "2"]
    too_many = web.client.post(
        "/api/v1/hunt/csv", json={"sql": "SELECT 1", "limit": 1_000_001}, auth=ANALYST
    )
    assert too_many.status_code == 400


def test_csv_refuses_what_the_query_refuses(web: Web, lake: Path) -> None:
    for sql in ("COPY bro TO '/tmp/x.csv'", "SELECT * FROM read_csv('/etc/passwd')", "SELEC"):
        response = web.client.post("/api/v1/hunt/csv", json={"sql": sql}, auth=ANALYST)
        assert response.status_code == 400
        assert response.json()["field"] == "sql"
