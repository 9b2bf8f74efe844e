"""`metron load flatfile` as a user runs it: a summary, bad lines, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from metron.enrichment.lookup import SqliteLookup

RunMetron = Callable[..., subprocess.CompletedProcess[str]]

EXTRACTOR = {
    "config": {
        "columns": {"ip": 0, "source": 2},
        "indicator_column": "ip",
        "type": "malicious_ip",
        "separator": ",",
    },
    "extractor": "CSV",
}


def setup(tmp_path: Path, extractor: object = EXTRACTOR) -> tuple[Path, Path]:
    source = tmp_path / "intel.csv"
    source.write_text("# ip,x,source\n10.0.0.1,a,feed1\nshort\n10.0.0.2,b,feed2\n")
    config = tmp_path / "extractor.json"
    config.write_text(json.dumps(extractor))
    return source, config


def test_load_a_csv_into_threatintel(run_metron: RunMetron, tmp_path: Path) -> None:
    source, config = setup(tmp_path)
    for _ in range(2):  # idempotent
        done = run_metron(
            "load",
            "flatfile",
            "-i",
            str(source),
            "-e",
            str(config),
            "-t",
            "threatintel",
            "-q",
        )
        assert done.returncode == 0, done.stderr
        assert "2 loaded into threatintel, 1 skipped, 1 bad (4 lines)" in done.stderr
        assert "intel.csv:3:" in done.stderr
        assert "Traceback" not in done.stderr
    with SqliteLookup.in_data_dir(tmp_path / "data") as store:
        assert len(store) == 2
        assert store.get("threatintel", "malicious_ip", "10.0.0.2") == {
            "ip": "10.0.0.2",
            "source": "feed2",
        }


def test_data_dir_option_global_config_and_enrichment_config(
    run_metron: RunMetron, tmp_path: Path
) -> None:
    extractor = json.loads(json.dumps(EXTRACTOR))
    extractor["config"]["value_transform"] = {"site": "site_name"}
    source, config = setup(tmp_path, extractor)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "global.json").write_text('{"site_name": "hq"}')
    document = tmp_path / "enrichment.json"
    document.write_text(
        json.dumps(
            {
                "zkQuorum": "zk:2181",
                "sensorToFieldList": {
                    "bro": {
                        "type": "ENRICHMENT",
                        "fieldToEnrichmentTypes": {"ip_src_addr": ["malicious_ip"]},
                    }
                },
            }
        )
    )
    other = tmp_path / "elsewhere"
    done = run_metron(
        "load", "flatfile", "--input", str(source), "--extractor-config", str(config),
        "--enrichment-config", str(document), "--data-dir", str(other),     )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with SqliteLookup.in_data_dir(other) as store:
        assert store.get("enrichment", "malicious_ip", "10.0.0.1") == {
            "ip": "10.0.0.1",
            "source": "feed1",
            "site": "hq",
        }
    bro = json.loads((tmp_path / "config" / "enrichments" / "bro.json").read_text())
    assert bro["enrichment"]["fieldToTypeMap"] == {"ip_src_addr": ["malicious_ip"]}
    assert "bro.json" in done.stderr


def test_errors_are_messages_and_leave_the_store_untouched(
    run_metron: RunMetron, tmp_path: Path
) -> None:
    source, config = setup(tmp_path)
    assert run_metron("load", "flatfile", "-i", str(source), "-e", str(config)).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"config": {"colums": "a"}, "extractor": "CSV"}))
    cases = [
        (["-i", str(source), "-e", str(bad)], "did you mean 'columns'"),
        (["-i", str(tmp_path / "nope.csv"), "-e", str(config)], "no such file"),
        (["-i", str(source), "-e", str(tmp_path / "nope.json")], "cannot read"),
    ]
    for args, message in cases:
        done = run_metron("load", "flatfile", *args)
        assert done.returncode == 1
        assert message in done.stderr
        assert "Traceback" not in done.stderr
    with SqliteLookup.in_data_dir(tmp_path / "data") as store:
        assert len(store) == 2


def test_load_stix_bundle_into_the_threat_intel_table(
    run_metron: RunMetron, tmp_path: Path
) -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--6f0d4a7e-4a0f-4c43-9a5e-2f6b1c1d9e01",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--0d4a7e6f-4a0f-4c43-9a5e-2f6b1c1d9e02",
                "created": "2026-01-01T00:00:00Z",
                "modified": "2026-01-01T00:00:00Z",
                "name": "bad host",
                "pattern": "[ipv4-addr:value = '198.51.100.23'] OR [domain-name:value = 'evil.example']",
                "pattern_type": "stix",
                "valid_from": "2026-01-01T00:00:00Z",
            },
            {"type": "indicator", "id": "broken", "pattern": "[nonsense"},
        ],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    done = run_metron("load", "stix", str(path), "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "loaded 2 threat-intel records" in done.stderr
    assert "broken" in done.stderr
    store = SqliteLookup.in_data_dir(tmp_path)
    try:
        assert store.exists("threatintel", "ip", "198.51.100.23")
        assert store.exists("threatintel", "domain", "evil.example")
    finally:
        store.close()
