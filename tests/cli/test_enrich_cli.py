"""`metron enrich` as a user runs it: parsed JSON lines in, enriched lines out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mmdb_writer import MmdbU32, MMDBWriter
from netaddr import IPSet

from metron.enrichment.geo import default_geo_path
from metron.enrichment.lookup import ENRICHMENT_TABLE, THREAT_INTEL_TABLE, SqliteLookup

CONFIG = {
    "enrichment": {
        "fieldMap": {
            "geo": ["ip_dst_addr"],
            "host": ["ip_src_addr"],
            "hbaseEnrichment": ["ip_src_addr"],
            "stellar": {"config": ["geo_city := GEO_GET(ip_dst_addr, ['city'])"]},
        },
        "fieldToTypeMap": {"ip_src_addr": ["asset"]},
    },
    "threatIntel": {
        "fieldMap": {"hbaseThreatIntel": ["ip_src_addr"]},
        "fieldToTypeMap": {"ip_src_addr": ["malicious_ip"]},
        "triageConfig": {
            "riskLevelRules": [{"name": "bad", "rule": "true", "score": 50}],
            "aggregator": "MAX",
        },
    },
}

MESSAGES = [
    {"source.type": "bro", "ip_src_addr": "10.0.0.1", "ip_dst_addr": "216.160.83.57"},
    {"source.type": "bro", "ip_src_addr": "10.0.0.2", "ip_dst_addr": "10.1.1.1"},
]


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    config_dir = tmp_path / "config"
    (config_dir / "enrichments").mkdir(parents=True)
    (config_dir / "enrichments" / "bro.json").write_text(json.dumps(CONFIG))
    (config_dir / "global.json").write_text(
        json.dumps({"enrichment.host.known_hosts": [{"ip": "10.0.0.1", "type": "printer"}]})
    )
    data_dir = tmp_path / "data"
    geo = default_geo_path(data_dir)
    geo.parent.mkdir(parents=True)
    writer = MMDBWriter(
        ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City", languages=["en"]
    )
    writer.insert_network(
        IPSet(["216.160.83.56/29"]),
        {"city": {"geoname_id": MmdbU32(5803556), "names": {"en": "Milton"}}},
    )
    writer.to_db_file(str(geo))
    with SqliteLookup.in_data_dir(data_dir) as store:
        store.put_many(ENRICHMENT_TABLE, [("asset", "10.0.0.1", {"owner": "bob"})])
        store.put_many(THREAT_INTEL_TABLE, [("malicious_ip", "10.0.0.1", {})])
    return config_dir, data_dir


def metron(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "metron.cli.main", *args],
        input=stdin,
        capture_output=True,
        env={
            "METRON_CONFIG_DIR": "/nonexistent",
            "METRON_DATA_DIR": "/nonexistent",
            "PATH": "/usr/bin:/bin",
        },
    )


def _stdin() -> bytes:
    return b"".join(json.dumps(m).encode() + b"\n" for m in MESSAGES)


def test_enrich_stdin(dirs: tuple[Path, Path]) -> None:
    config_dir, data_dir = dirs
    done = metron(
        "enrich", "bro", "--config-dir", str(config_dir), "--data-dir", str(data_dir),
        stdin=_stdin(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["enrichments.geo.ip_dst_addr.city"] == "Milton"
    assert first["enrichments.geo.ip_dst_addr.locID"] == "5803556"
    assert first["enrichments.host.ip_src_addr.known_info.type"] == "printer"
    assert first["enrichments.hbaseEnrichment.ip_src_addr.asset.owner"] == "bob"
    assert first["geo_city"] == "Milton"
    assert first["threatintels.hbaseThreatIntel.ip_src_addr.malicious_ip"] == "alert"
    assert first["is_alert"] == "true"
    assert first["threat.triage.score"] == 50.0
    assert first["threat.triage.rules.0.name"] == "bad"
    assert "is_alert" not in second
    assert "enrichments.host.ip_src_addr.known_info.type" not in second
    assert b"bro: 2 enriched, 0 errors" in done.stderr


def test_enrich_files_and_errors_file(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    config_dir, data_dir = dirs
    source = tmp_path / "in.jsonl"
    source.write_bytes(_stdin() + b"not json\n")
    errors = tmp_path / "errors.jsonl"
    done = metron(
        "enrich", "bro", str(source), "--config-dir", str(config_dir),
        "--data-dir", str(data_dir), "--errors", str(errors),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    (error,) = (json.loads(line) for line in errors.read_bytes().splitlines())
    assert error["error_type"] == "enrichments_error"
    assert error["raw_message"] == "not json"
    assert b"bro: 2 enriched, 1 errors" in done.stderr


def test_sensor_without_config_passes_messages(tmp_path: Path) -> None:
    done = metron(
        "enrich", "squid", "--config-dir", str(tmp_path), "--data-dir", str(tmp_path),
        stdin=_stdin(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == MESSAGES


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    done = metron("enrich", "bro", str(tmp_path / "nope.jsonl"), "--config-dir", str(tmp_path))
    assert done.returncode == 1
    assert b"no such file" in done.stderr
