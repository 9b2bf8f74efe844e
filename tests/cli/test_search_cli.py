"""`metron index`, `metron search`, `metron alert` and `metron metaalert` as a user runs them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunMetron = Callable[..., subprocess.CompletedProcess[str]]


def messages() -> list[dict[str, Any]]:
    out = []
    for n in range(1, 7):
        out.append(
            {
                "guid": f"guid-{n}",
                "source.type": "bro",
                "timestamp": 1_764_400_000_000 + n,
                "ip_src_addr": f"10.0.0.{n}",
                "ip_dst_addr": "203.0.113.9",
                "ip_dst_port": 22 if n % 3 == 0 else 443,
                "threat.triage.score": float(n),
                "enrichments.geo.ip_dst_addr.city": "Springfield",
            }
        )
    return out


def write_lines(path: Path, docs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return path


def test_index_search_and_triage(run_metron: RunMetron, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "enriched.jsonl", messages())
    with source.open("a") as lines:
        lines.write("not json\n")
    done = run_metron("index", "bro", str(source))
    assert done.returncode == 0, done.stderr
    assert "bro: 6 indexed into the alert store and lake, 1 errors" in done.stderr
    assert '"error_type":"indexing_error"' in done.stderr
    again = run_metron("index", "bro", str(source))  # no duplicates
    assert again.returncode == 0

    found = run_metron(
        "search",
        "ip_dst_port:443 AND enrichments.geo.ip_dst_addr.city:Springfield",
        "--sort",
        "threat.triage.score:asc",
        "--size",
        "2",
        "--facet",
        "ip_src_addr",
        "--json",
    )
    assert found.returncode == 0, found.stderr
    response = json.loads(found.stdout)
    assert response["total"] == 4
    assert [r["id"] for r in response["results"]] == ["guid-1", "guid-2"]
    assert response["results"][0]["index"] == "bro"
    assert set(response["facetCounts"]["ip_src_addr"]) == {
        "10.0.0.1",
        "10.0.0.2",
        "10.0.0.4",
        "10.0.0.5",
    }
    table = run_metron("search", "*", "--fields", "guid,ip_src_addr", "--index", "bro")
    assert table.returncode == 0
    assert "guid-6" in table.stdout and "6 found, 6 shown" in table.stdout

    status = run_metron("alert", "status", "guid-2", "open", "--user", "ann")
    assert status.returncode == 0, status.stderr
    assert "guid-2: OPEN" in status.stdout
    comment = run_metron("alert", "comment", "guid-2", "checked the host", "--user", "ann")
    assert comment.returncode == 0
    shown = run_metron("alert", "show", "guid-2", "--history")
    document = json.loads(shown.stdout)
    assert document["document"]["alert_status"] == "OPEN"
    assert document["document"]["comments"][0]["comment"] == "checked the host"
    assert [h["action"] for h in document["history"]] == ["status", "comment added"]
    hunted = run_metron("search", "alert_status:OPEN", "--json")
    assert [r["id"] for r in json.loads(hunted.stdout)["results"]] == ["guid-2"]


def test_meta_alerts_from_the_command_line(run_metron: RunMetron, tmp_path: Path) -> None:
    assert (
        run_metron("index", "bro", str(write_lines(tmp_path / "m.jsonl", messages()))).returncode
        == 0
    )
    created = run_metron("metaalert", "create", "guid-1", "guid-2", "--group", "ip_dst_addr")
    assert created.returncode == 0, created.stderr
    meta = created.stdout.strip()
    everything = json.loads(run_metron("search", "*", "--json", "--size", "20").stdout)
    found = {r["id"] for r in everything["results"]}
    assert meta in found and "guid-1" not in found and "guid-2" not in found
    added = run_metron("metaalert", "add", meta, "guid-3")
    assert added.returncode == 0 and f"{meta}: 3 alerts" in added.stdout
    removed = run_metron("metaalert", "remove", meta, "guid-3")
    assert f"{meta}: 2 alerts" in removed.stdout
    inactive = run_metron("metaalert", "status", meta, "inactive")
    assert inactive.returncode == 0 and "inactive" in inactive.stdout
    everything = json.loads(run_metron("search", "*", "--json", "--size", "20").stdout)
    assert {r["id"] for r in everything["results"]} == {f"guid-{n}" for n in range(1, 7)}


def test_mistakes_are_messages(run_metron: RunMetron, tmp_path: Path) -> None:
    assert (
        run_metron("index", "bro", str(write_lines(tmp_path / "m.jsonl", messages()))).returncode
        == 0
    )
    cases = [
        (("search", "ip_src_addr:(10.0.0.1"), "Syntax error at position"),
        (("search", "*", "--size", "5000"), "Search result size must be less than 1000"),
        (("alert", "status", "guid-1", "closed"), "unknown alert status"),
        (("alert", "show", "nope"), "no alert with guid nope"),
        (("index", "bro", str(tmp_path / "missing.jsonl")), "no such file"),
        (("metaalert", "create", "guid-1"), "must contain UI groups"),
    ]
    for args, message in cases:
        done = run_metron(*args)
        assert done.returncode == 1, args
        assert message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_indexing_config_chooses_the_stores(run_metron: RunMetron, tmp_path: Path) -> None:
    indexing = tmp_path / "config" / "indexing"
    indexing.mkdir(parents=True)
    (indexing / "bro.json").write_text(
        json.dumps(
            {
                "elasticsearch": {"index": "bro_alerts", "batchSize": 5, "enabled": True},
                "hdfs": {"index": "bro", "enabled": False},
            }
        )
    )
    done = run_metron("index", "bro", str(write_lines(tmp_path / "m.jsonl", messages())))
    assert done.returncode == 0, done.stderr
    assert "6 indexed into the alert store," in done.stderr
    assert not (tmp_path / "data" / "lake").exists()
    response = json.loads(run_metron("search", "*", "--index", "bro_alerts", "--json").stdout)
    assert response["total"] == 6
    (indexing / "bro.json").write_text(json.dumps({"elasticsearch": {"batchSzie": 5}}))
    bad = run_metron("index", "bro", str(tmp_path / "m.jsonl"))
    assert bad.returncode == 1
    assert "elasticsearch.batchSzie: unknown setting (did you mean 'batchSize'?)" in bad.stderr


def test_lines_without_guid_or_sensor_get_them(run_metron: RunMetron, tmp_path: Path) -> None:
    docs = [
        {"ip_src_addr": "10.9.9.1"},  # neither
        {"guid": "kept-1", "ip_src_addr": "10.9.9.2"},  # no source.type
        {"source.type": "bro", "ip_src_addr": "10.9.9.3"},  # no guid
        {"guid": "kept-2", "source.type": "bro", "ip_src_addr": "10.9.9.4"},  # both
    ]
    source = write_lines(tmp_path / "hand-made.jsonl", docs)
    done = run_metron("index", "bro", str(source))
    assert done.returncode == 0, done.stderr
    found = run_metron("search", "ip_src_addr:10.9.9.*", "--size", "10", "--json")
    assert found.returncode == 0, found.stderr
    sources = {r["source"]["ip_src_addr"]: r["source"] for r in json.loads(found.stdout)["results"]}
    assert {s["source.type"] for s in sources.values()} == {"bro"}
    assert sources["10.9.9.2"]["guid"] == "kept-1"
    assert sources["10.9.9.4"]["guid"] == "kept-2"
    made = [sources["10.9.9.1"]["guid"], sources["10.9.9.3"]["guid"]]
    assert all(len(guid) == 36 for guid in made) and made[0] != made[1]
