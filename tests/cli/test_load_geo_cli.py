"""`metron load geo` / `metron load asn`: check a MaxMind database, install it atomically."""

from __future__ import annotations

import gzip
import io
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from mmdb_writer import MmdbU32, MMDBWriter
from netaddr import IPSet

from metron.enrichment.geo import (
    AsnDatabase,
    GeoDatabase,
    default_asn_path,
    default_geo_path,
    install_database,
    services_from_config,
)
from metron.errors import ConfigError

RunMetron = Callable[..., subprocess.CompletedProcess[str]]

CITY = {"city": {"geoname_id": MmdbU32(5803556), "names": {"en": "Milton"}}}
ASN = {"autonomous_system_number": MmdbU32(15169), "autonomous_system_organization": "Google"}


def build(path: Path, database_type: str, record: dict[str, object]) -> Path:
    """A one-network database of ``database_type`` (216.160.83.56/29 or 8.8.4.0/24)."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=database_type)
    network = "216.160.83.56/29" if "City" in database_type else "8.8.4.0/24"
    writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


def gzipped(path: Path) -> Path:
    out = path.with_name(path.name + ".gz")
    out.write_bytes(gzip.compress(path.read_bytes()))
    return out


def tarred(path: Path) -> Path:
    out = path.with_name(path.stem + ".tar.gz")
    with tarfile.open(out, "w:gz") as archive:
        data = path.read_bytes()
        readme = tarfile.TarInfo("GeoLite2/README.txt")
        readme.size = 2
        archive.addfile(readme, io.BytesIO(b"hi"))
        member = tarfile.TarInfo(f"GeoLite2/{path.name}")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return out


@pytest.fixture
def city(tmp_path: Path) -> Path:
    return build(tmp_path / "GeoLite2-City.mmdb", "GeoLite2-City", CITY)


@pytest.fixture
def asn(tmp_path: Path) -> Path:
    return build(tmp_path / "GeoLite2-ASN.mmdb", "GeoLite2-ASN", ASN)


@pytest.mark.parametrize("form", ["mmdb", "gz", "tar"])
def test_load_geo(run_metron: RunMetron, tmp_path: Path, city: Path, form: str) -> None:
    source = {"mmdb": city, "gz": gzipped(city), "tar": tarred(city)}[form]
    result = run_metron("load", "geo", str(source))
    assert result.returncode == 0, result.stderr
    target = tmp_path / "data" / "geo" / "GeoLite2-City.mmdb"
    assert target.read_bytes() == city.read_bytes()
    assert str(target) in result.stdout
    assert "geo.hdfs.file" in result.stderr
    assert [p.name for p in target.parent.iterdir()] == ["GeoLite2-City.mmdb"]


def test_load_asn_with_data_dir(run_metron: RunMetron, tmp_path: Path, asn: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = run_metron("load", "asn", str(tarred(asn)), "--data-dir", str(elsewhere))
    assert result.returncode == 0, result.stderr
    target = elsewhere / "asn" / "GeoLite2-ASN.mmdb"
    assert target.read_bytes() == asn.read_bytes()
    assert str(target) in result.stdout
    assert "asn.hdfs.file" in result.stderr
    assert not (tmp_path / "data").exists()


def test_reload_replaces(run_metron: RunMetron, tmp_path: Path, city: Path) -> None:
    assert run_metron("load", "geo", str(city)).returncode == 0
    newer = build(tmp_path / "newer.mmdb", "GeoIP2-City", CITY)
    assert run_metron("load", "geo", str(newer)).returncode == 0
    target = tmp_path / "data" / "geo" / "GeoLite2-City.mmdb"
    with GeoDatabase(target) as db:
        assert db.database_type == "GeoIP2-City"


def test_wrong_kind_installs_nothing(
    run_metron: RunMetron, tmp_path: Path, city: Path, asn: Path
) -> None:
    result = run_metron("load", "geo", str(asn))
    assert result.returncode == 1
    assert "GeoLite2-ASN" in result.stderr and "nothing installed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "geo" / "GeoLite2-City.mmdb").exists()
    result = run_metron("load", "asn", str(city))
    assert result.returncode == 1
    assert not (tmp_path / "data" / "asn" / "GeoLite2-ASN.mmdb").exists()


@pytest.mark.parametrize("name", ["junk.mmdb", "junk.mmdb.gz", "junk.tar.gz", "missing.mmdb"])
def test_bad_file_installs_nothing(
    run_metron: RunMetron, tmp_path: Path, city: Path, name: str
) -> None:
    assert run_metron("load", "geo", str(city)).returncode == 0
    target = tmp_path / "data" / "geo" / "GeoLite2-City.mmdb"
    before = target.read_bytes()
    bad = tmp_path / name
    if name != "missing.mmdb":
        bad.write_bytes(b"this is not a database")
    result = run_metron("load", "geo", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "nothing installed" in result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["GeoLite2-City.mmdb"]


def test_tar_without_mmdb(run_metron: RunMetron, tmp_path: Path) -> None:
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz") as archive:
        info = tarfile.TarInfo("README.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    result = run_metron("load", "asn", str(empty))
    assert result.returncode == 1
    assert "no .mmdb" in result.stderr
    assert not (tmp_path / "data" / "asn").exists() or not any(
        (tmp_path / "data" / "asn").iterdir()
    )


def test_install_database_unwritable_target(tmp_path: Path, city: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot write"):
        install_database(GeoDatabase, city, blocker / "geo" / "GeoLite2-City.mmdb")


def test_default_paths_and_fallback(tmp_path: Path, city: Path, asn: Path) -> None:
    data = tmp_path / "data"
    assert default_geo_path(data) == data / "geo" / "GeoLite2-City.mmdb"
    assert default_asn_path(data) == data / "asn" / "GeoLite2-ASN.mmdb"
    assert services_from_config({}, data_dir=data) == {}
    install_database(GeoDatabase, city, default_geo_path(data))
    install_database(AsnDatabase, asn, default_asn_path(data))
    services = services_from_config({}, data_dir=data)
    assert services["geo"].get("216.160.83.57", ["city"]) == "Milton"
    assert services["asn"].get("8.8.4.4", ["autonomous_system_number"]) == 15169
    # Without a data dir, or with the key present, the installed files are not used.
    assert services_from_config({}) == {}
    assert services_from_config({"geo.hdfs.file": "", "asn.hdfs.file": ""}, data_dir=data) == {}
    other = build(tmp_path / "other.mmdb", "GeoIP2-City", CITY)
    chosen = services_from_config({"geo.hdfs.file": str(other)}, data_dir=data)
    assert chosen["geo"].db.database_type == "GeoIP2-City"
    assert "asn" in chosen
