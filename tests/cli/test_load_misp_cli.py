"""`metron load misp` as a user runs it: a summary, problems, exit codes, no tracebacks."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from metron.enrichment.lookup import SqliteLookup

RunMetron = Callable[..., subprocess.CompletedProcess[str]]

OLD = "6a2b0000-0000-4000-8000-000000000001"
NEW = "6a2b0000-0000-4000-8000-000000000002"
GONE = "6a2b0000-0000-4000-8000-000000000003"


def attribute(n: int, misp_type: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "uuid": f"b1000000-0000-4000-8000-{n:012d}",
        "type": misp_type,
        "category": "Network activity",
        "value": value,
        "to_ids": "1",
        "deleted": False,
        "timestamp": "1700000000",
        **extra,
    }


def feed(tmp_path: Path) -> Path:
    """A small feed: an old event, a new one (an IP, a domain|ip, a bad hash, a mutex, a
    deleted attribute, an object), and a manifest entry whose file is missing."""
    events = {
        OLD: {"uuid": OLD, "info": "old", "timestamp": "1600000000", "threat_level_id": "3"},
        NEW: {
            "uuid": NEW,
            "info": "phishing wave",
            "timestamp": "1700000000",
            "threat_level_id": "2",
            "Orgc": {"name": "Example CERT"},
            "Tag": [{"name": "tlp:green"}],
            "Attribute": [
                attribute(1, "ip-dst", "198.51.100.7"),
                attribute(2, "domain|ip", "phish.example|198.51.100.8"),
                attribute(3, "md5", "not-a-hash"),
                attribute(4, "mutex", "Global\\x"),
                attribute(5, "url", "http://gone.example/", deleted=True),
            ],
            "Object": [
                {"name": "file", "Attribute": [attribute(6, "filename|sha1", "a.exe|" + "ab" * 20)]}
            ],
        },
    }
    events[OLD]["Attribute"] = [attribute(7, "domain", "old.example")]
    root = tmp_path / "feed"
    root.mkdir()
    manifest = {
        uuid: {"info": body["info"], "timestamp": body["timestamp"]}
        for uuid, body in events.items()
    }
    manifest[GONE] = {"info": "gone", "timestamp": "1700000000"}
    (root / "manifest.json").write_text(json.dumps(manifest))
    (root / "hashes.csv").write_text("ignored\n")
    for uuid, body in events.items():
        (root / f"{uuid}.json").write_text(json.dumps({"Event": body}))
    return root


def test_load_a_feed(run_metron: RunMetron, tmp_path: Path) -> None:
    root = feed(tmp_path)
    for _ in range(2):  # idempotent
        done = run_metron("load", "misp", str(root), "-q")
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        assert (
            "loaded 5 threat-intel records (domain 2, ip 2, sha1 1) from 6 IDS attributes"
            " of 7 in 2 events; skipped 1 events, 1 deleted, 1 unsupported, 2 bad"
        ) in done.stderr
        assert f"{GONE}.json: the event file is missing" in done.stderr
        assert f"{NEW}: b1000000-0000-4000-8000-000000000003: 'not-a-hash'" in done.stderr
    with SqliteLookup.in_data_dir(tmp_path / "data") as store:
        assert len(store) == 5
        record = store.get("threatintel", "ip", "198.51.100.8")
        assert record is not None
        assert record["org"] == "Example CERT"
        assert record["threat_level"] == "Medium"
        assert record["tags"] == "tlp:green"
        assert record["misp_type"] == "domain|ip"


def test_since_and_data_dir(run_metron: RunMetron, tmp_path: Path) -> None:
    root = feed(tmp_path)
    done = run_metron(
        "load", "misp", str(root), "--since", "2023-01-01", "--data-dir", str(tmp_path / "d2")
    )
    assert done.returncode == 0, done.stderr
    assert "loaded 4 threat-intel records" in done.stderr
    assert "skipped 2 events" in done.stderr
    with SqliteLookup.in_data_dir(tmp_path / "d2") as store:
        assert not store.exists("threatintel", "domain", "old.example")
        assert store.exists("threatintel", "domain", "phish.example")


def test_user_mistakes_exit_1_without_traceback(run_metron: RunMetron, tmp_path: Path) -> None:
    root = feed(tmp_path)
    (tmp_path / "empty").mkdir()
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/feed/"
    cases = [
        ((str(tmp_path / "nowhere"),), "no such directory"),
        ((str(tmp_path / "empty"),), "no manifest"),
        ((str(root), "--since", "soon"), "--since: 'soon' is not a date"),
        ((url,), f"{url}manifest.json: cannot connect"),
    ]
    for args, message in cases:
        done = run_metron("load", "misp", *args)
        assert done.returncode == 1, (args, done.stderr)
        assert message in done.stderr
        assert done.stderr.startswith("error: ")
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "lookup.db").exists() or _empty(tmp_path / "data")


def _empty(data: Path) -> bool:
    with SqliteLookup.in_data_dir(data) as store:
        return len(store) == 0
