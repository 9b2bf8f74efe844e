"""The flatfile loader: extractor options, Stellar hooks, bad rows, idempotence, atomicity."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from metron.enrichment.extractors import ExtractorConfigError, load_extractor
from metron.enrichment.flatfile import (
    extract_file,
    input_files,
    load_extractor_file,
    load_flatfile,
    update_enrichment_configs,
)
from metron.enrichment.lookup import MemoryLookup, SqliteLookup
from metron.errors import ConfigError


def csv_extractor(**config: Any) -> Any:
    return load_extractor({"config": config, "extractor": "CSV"})


def rows(extractor: Any, text: str, tmp_path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    path = tmp_path / "input.csv"
    path.write_text(text)
    return extract_file(path, extractor).rows


def test_metrons_readme_example(tmp_path: Path) -> None:
    ex = csv_extractor(
        columns={"ip": 0, "source": 2}, indicator_column="ip", type="malicious_ip", separator=","
    )
    assert rows(ex, "123.45.123.12,something,the grapevine\n", tmp_path) == [
        ("malicious_ip", "123.45.123.12", {"ip": "123.45.123.12", "source": "the grapevine"})
    ]


@pytest.mark.parametrize(
    "columns",
    [
        "ip,name",
        ["ip", "name"],
        {"ip": 0, "name": "1"},
        "ip:0,name:1",
        ["name:1", "ip:0"],
    ],
)
def test_every_form_of_columns(columns: Any, tmp_path: Path) -> None:
    ex = csv_extractor(columns=columns, indicator_column="ip", type="t")
    assert rows(ex, "1.1.1.1,one\n", tmp_path) == [
        ("t", "1.1.1.1", {"ip": "1.1.1.1", "name": "one"})
    ]


def test_type_column_separator_and_defaults(tmp_path: Path) -> None:
    ex = csv_extractor(
        columns="kind,ip,note", indicator_column="ip", type_column="kind", separator="|x"
    )
    assert rows(ex, "bad_ip|9.9.9.9|x\n", tmp_path) == [
        ("bad_ip", "9.9.9.9", {"kind": "bad_ip", "ip": "9.9.9.9", "note": "x"})
    ]
    # Without indicator_column or type, Metron reads both from position 0.
    ex = csv_extractor(columns="a,b")
    assert rows(ex, "k,v\n", tmp_path) == [("k", "k", {"a": "k", "b": "v"})]
    ex = csv_extractor(columns="a,b", lookup_converter="ENRICHMENT", zk_quorum="zk:2181")
    assert len(rows(ex, "k,v\n", tmp_path)) == 1


def test_quotes_comments_blank_lines_and_crlf(tmp_path: Path) -> None:
    ex = csv_extractor(columns="ip,note", indicator_column="ip", type="t")
    text = '# header\n\n   \n"1.1.1.1","a, b"\r\n2.2.2.2,"say ""hi"""\n  #also a comment\n'
    path = tmp_path / "in.csv"
    path.write_text(text, newline="")
    out = extract_file(path, ex)
    assert out.rows == [
        ("t", "1.1.1.1", {"ip": "1.1.1.1", "note": "a, b"}),
        ("t", "2.2.2.2", {"ip": "2.2.2.2", "note": 'say "hi"'}),
    ]
    assert out.skipped == 4 and out.bad == [] and out.lines == 6


def test_value_and_indicator_transforms_and_filters(tmp_path: Path) -> None:
    ex = load_extractor(
        {
            "config": {
                "columns": {"rank": 0, "domain": 1},
                "value_transform": {"domain": "DOMAIN_REMOVE_TLD(domain)", "extra": "glob"},
                "value_filter": "LENGTH(domain) > 0",
                "indicator_column": "domain",
                "indicator_transform": {"indicator": "TO_UPPER(domain)"},
                "indicator_filter": "indicator != 'SKIPME'",
                "type": "top_domains",
            },
            "extractor": "CSV",
        },
        global_config={"glob": "from-global"},
    )
    text = "1,google.com\n2,skipme.org\n3,.com\n"
    assert rows(ex, text, tmp_path) == [
        ("top_domains", "GOOGLE", {"rank": "1", "domain": "google", "extra": "from-global"})
    ]


def test_null_transform_removes_a_key_and_a_null_indicator_drops_the_row(tmp_path: Path) -> None:
    ex = csv_extractor(
        columns="ip,secret",
        indicator_column="ip",
        type="t",
        value_transform={"secret": "null"},
        indicator_transform={"indicator": "if ip == '0.0.0.0' then null else indicator"},
    )
    out = extract_file(_write(tmp_path, "1.1.1.1,pw\n0.0.0.0,pw\n"), ex)
    assert out.rows == [("t", "1.1.1.1", {"ip": "1.1.1.1"})]
    assert out.skipped == 1


def _write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bad_rows_are_named_by_line_and_not_fatal(tmp_path: Path) -> None:
    ex = csv_extractor(
        columns="ip,n",
        indicator_column="ip",
        type="t",
        value_filter="if n == '7' then 7 else n == 'true'",
        indicator_transform={"indicator": "if ip == 'x' then 5 else indicator"},
    )
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"1.1.1.1,true\nonly-one-field\n2.2.2.2,7\nx,true\n\xff\xfe,true\n3.3.3.3,false\n"
    )
    out = extract_file(path, ex)
    assert [r[1] for r in out.rows] == ["1.1.1.1"]
    assert [b.line for b in out.bad] == [2, 3, 4, 5]
    assert "fields" in out.bad[0].reason
    assert "boolean" in out.bad[1].reason
    assert "string" in out.bad[2].reason
    assert "UTF-8" in out.bad[3].reason
    assert out.skipped == 1  # line 6, filtered out


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"config": {"columns": "a"}, "extractor": "CSV", "bogus": 1}, "unknown key"),
        (
            {"config": {"columns": "a", "indicator_colum": "a"}, "extractor": "CSV"},
            "indicator_column",
        ),
        ({"config": {}, "extractor": "CSV"}, "columns"),
        ({"config": {"columns": "a"}}, "'extractor' is required"),
        ({"config": {"columns": "a"}, "extractor": "STIX"}, "STIX"),
        ({"config": {"columns": "a"}, "extractor": "com.example.Mine"}, "unknown extractor"),
        ({"config": {"columns": "a", "indicator_column": "b"}, "extractor": "CSV"}, "not among"),
        ({"config": {"columns": {"a": "x"}}, "extractor": "CSV"}, "integer"),
        ({"config": {"columns": "a", "value_filter": "a =="}, "extractor": "CSV"}, "Stellar"),
        (
            {
                "config": {"columns": "a", "value_transform": {"a": "NO_SUCH(a)"}},
                "extractor": "CSV",
            },
            "Stellar",
        ),
        ({"config": {"columns": "a", "lookup_converter": "X"}, "extractor": "CSV"}, "ENRICHMENT"),
        ({"config": {"columns": "a"}, "extractor": "CSV", "inputFormat": "WHOLE_FILE"}, "BY_LINE"),
        ([], "JSON object"),
    ],
)
def test_bad_extractor_configs(document: Any, message: str) -> None:
    with pytest.raises(ExtractorConfigError, match=message):
        load_extractor(document)


def test_load_is_idempotent(tmp_path: Path) -> None:
    ex = csv_extractor(columns="ip,owner", indicator_column="ip", type="asset")
    path = _write(tmp_path, "1.1.1.1,alice\n2.2.2.2,bob\n1.1.1.1,carol\n")
    db = tmp_path / "data" / "lookup.db"
    snapshots = []
    for _ in range(2):
        with SqliteLookup(db, batch_size=sys.maxsize) as store:
            result = load_flatfile(store, "enrichment", path, ex)
            assert (result.loaded, result.skipped, result.bad) == (3, 0, [])
            snapshots.append(
                (
                    len(store),
                    store.get("enrichment", "asset", "1.1.1.1"),
                    store.get("enrichment", "asset", "2.2.2.2"),
                )
            )
    assert (
        snapshots[0]
        == snapshots[1]
        == (2, {"ip": "1.1.1.1", "owner": "carol"}, {"ip": "2.2.2.2", "owner": "bob"})
    )


def test_threatintel_table_and_column_family(tmp_path: Path) -> None:
    store = MemoryLookup()
    ex = csv_extractor(columns="ip", indicator_column="ip", type="malicious_ip")
    load_flatfile(store, "threatintel", _write(tmp_path, "6.6.6.6\n"), ex, column_family="cf")
    assert store.exists("threatintel", "malicious_ip", "6.6.6.6", "cf")
    assert not store.exists("threatintel", "malicious_ip", "6.6.6.6")


def test_fatal_errors_leave_the_store_untouched(tmp_path: Path) -> None:
    db = tmp_path / "lookup.db"
    with SqliteLookup(db) as store:
        store.put_many("enrichment", [("asset", "keep", {"v": 1})])
    bad_config = _write(
        tmp_path,
        '{"config": {"columns": "a", "type": 1, "value_filter": ")"}, "extractor": "CSV"}',
        "ex.json",
    )
    with pytest.raises(ConfigError, match=r"ex\.json"):
        load_extractor_file(bad_config)
    not_json = _write(tmp_path, "{", "ex2.json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_extractor_file(not_json)
    good = csv_extractor(columns="a", type="asset")
    with SqliteLookup(db, batch_size=sys.maxsize) as store:
        with pytest.raises(ConfigError, match="cannot read"):
            load_flatfile(store, "enrichment", tmp_path / "missing.csv", good)
        with pytest.raises(ConfigError, match="cannot read"):
            load_flatfile(store, "enrichment", tmp_path, good)  # a directory
        assert len(store) == 1 and store.get("enrichment", "asset", "keep") == {"v": 1}


def test_enrichment_config_update(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    (config_dir / "enrichments").mkdir(parents=True)
    existing = {
        "enrichment": {"fieldMap": {"geo": ["ip_dst_addr"], "hbaseEnrichment": ["ip_src_addr"]}},
        "threatIntel": {
            "fieldToTypeMap": {"ip_src_addr": ["zeus"]},
            "triageConfig": {"riskLevelRules": []},
        },
    }
    (config_dir / "enrichments" / "bro.json").write_text(json.dumps(existing))
    document = _write(
        tmp_path,
        json.dumps(
            {
                "zkQuorum": "localhost:2181",
                "sensorToFieldList": {
                    "bro": {
                        "type": "THREAT_INTEL",
                        "fieldToEnrichmentTypes": {"ip_src_addr": ["malicious_ip", "zeus"]},
                    },
                    "squid": {
                        "type": "ENRICHMENT",
                        "fieldToEnrichmentTypes": {"ip_src_addr": ["asset"]},
                    },
                },
            }
        ),
        "enrichment.json",
    )
    written = update_enrichment_configs(document, config_dir)
    assert sorted(p.name for p in written) == ["bro.json", "squid.json"]
    bro = json.loads((config_dir / "enrichments" / "bro.json").read_text())
    assert bro["enrichment"]["fieldMap"]["geo"] == ["ip_dst_addr"]
    assert bro["threatIntel"]["fieldMap"] == {"hbaseThreatIntel": ["ip_src_addr"]}
    assert bro["threatIntel"]["fieldToTypeMap"] == {"ip_src_addr": ["zeus", "malicious_ip"]}
    assert bro["threatIntel"]["triageConfig"] == {"riskLevelRules": []}
    squid = json.loads((config_dir / "enrichments" / "squid.json").read_text())
    assert squid == {
        "enrichment": {
            "fieldMap": {"hbaseEnrichment": ["ip_src_addr"]},
            "fieldToTypeMap": {"ip_src_addr": ["asset"]},
        }
    }
    # A second run changes nothing.
    assert update_enrichment_configs(document, config_dir) == []
    bad = _write(tmp_path, json.dumps({"sensorToFieldList": {"x": {"type": "NOPE"}}}), "bad.json")
    with pytest.raises(ConfigError, match="THREAT_INTEL"):
        update_enrichment_configs(bad, config_dir)


def test_a_directory_loads_every_file_under_it(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    (feed / "sub").mkdir(parents=True)
    (feed / "a.csv").write_text("1.1.1.1\n")
    store = MemoryLookup()
    ex = csv_extractor(columns=["ip", "other:3"], indicator_column="ip", type="t")
    (feed / "sub" / "b.csv").write_text("2.2.2.2,x,y,z\n#\n")
    result = load_flatfile(store, "threatintel", input_files(feed), ex)
    assert (result.loaded, result.skipped, result.lines) == (1, 1, 3)
    assert [str(b) for b in result.bad] == [f"{feed / 'a.csv'}:1: 1 fields, the config needs 4"]
    assert store.get("threatintel", "t", "2.2.2.2") == {"ip": "2.2.2.2", "other": "z"}
    with pytest.raises(ConfigError, match="no such file"):
        input_files(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no file"):
        input_files(tmp_path / "empty")


def test_progress_reports_bytes_and_the_write(tmp_path: Path) -> None:
    text = "".join(f"10.0.0.{i % 250},{i}\n" for i in range(25_000))
    path = _write(tmp_path, text)
    read: list[int] = []
    writes: list[int] = []
    ex = csv_extractor(columns="ip,n", indicator_column="n", type="t")
    result = load_flatfile(
        MemoryLookup(), "enrichment", path, ex, progress=read.append, on_write=writes.append
    )
    assert sum(read) == len(text) and len(read) == 3
    assert writes == [25_000] and result.loaded == 25_000


def test_opencsv_quirks_and_an_open_quote(tmp_path: Path) -> None:
    ex = csv_extractor(columns="ip,note", indicator_column="ip", type="t", separator=";")
    out = extract_file(_write(tmp_path, 'a; x \\y\n"b;c";"z\n'), ex)
    # Values keep their blanks; a backslash before an ordinary character is dropped.
    assert out.rows == [("t", "a", {"ip": "a", "note": " x y"})]
    assert [b.line for b in out.bad] == [2] and "quoted" in out.bad[0].reason
    with pytest.raises(ExtractorConfigError, match="separator"):
        csv_extractor(columns="a", separator='"')
