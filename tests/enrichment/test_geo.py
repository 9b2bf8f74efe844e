"""GeoIP and ASN lookups: Metron's fields and rules, on tiny databases written at test time."""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mmdb_writer import MmdbF32, MmdbU16, MmdbU32, MMDBWriter
from netaddr import IPSet

from metron import stellar
from metron.enrichment.geo import (
    ASN_FIELDS,
    GEO_FIELDS,
    AsnDatabase,
    AsnService,
    GeoDatabase,
    GeoService,
    is_eligible_ip,
    services_from_config,
)
from metron.errors import ConfigError
from metron.stellar import StellarContext, StellarError
from metron.stellar.types import java_hashmap_order


def _city(
    geoname_id: int | None,
    iso: str | None,
    name: str | None,
    postal: str | None,
    metro: int | None,
    lat: Any,
    lon: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if geoname_id is not None or name is not None:
        record["city"] = {}
        if geoname_id is not None:
            record["city"]["geoname_id"] = MmdbU32(geoname_id)
        if name is not None:
            record["city"]["names"] = {"en": name, "de": name + "-de"}
    if iso is not None:
        record["country"] = {"iso_code": iso, "names": {"en": "Country"}}
    if postal is not None:
        record["postal"] = {"code": postal}
    location: dict[str, Any] = {}
    if metro is not None:
        location["metro_code"] = MmdbU16(metro)
    if lat is not None:
        location["latitude"] = lat
    if lon is not None:
        location["longitude"] = lon
    if location:
        location["accuracy_radius"] = MmdbU16(100)
        record["location"] = location
    return record


MILTON = _city(5803556, "US", "Milton", "98354", 819, 47.2513, -122.3149)
LONDON = _city(2643743, "GB", "London", None, None, 51.5142, -0.0931)
SOMEWHERE = _city(None, "DE", None, None, None, None, None)

CITY_NETWORKS: list[tuple[str, dict[str, Any]]] = [
    ("216.160.83.56/29", MILTON),
    ("81.2.69.192/28", LONDON),
    ("2.125.160.216/29", SOMEWHERE),
    ("169.254.1.0/24", _city(1, "ZZ", "LinkLocal", None, None, 1.5, 2.5)),
    ("1.0.0.0/24", _city(2, "AU", "Tiny", None, None, 0.0001, 0.0)),
    ("1.0.1.0/24", _city(3, "AU", "Single", "3000", 505, MmdbF32(47.2513), 7)),
    ("1.0.2.0/24", {"city": "not a map", "country": {"iso_code": "AU"}}),
    ("1.0.3.0/24", _city(4, "AU", "NoLongitude", None, None, 12.5, None)),
    ("1.0.4.0/24", {"city": {"names": {"fr": "Paris"}}, "country": {"iso_code": 7}}),
    # Held by the database, but Metron never looks these up.
    ("10.0.0.0/8", MILTON),
    ("127.0.0.0/8", MILTON),
    ("172.16.0.0/12", MILTON),
    ("192.168.0.0/16", MILTON),
    ("224.0.0.0/4", MILTON),
    ("0.0.0.0/32", MILTON),
    ("2001:db8::/32", MILTON),
]

ASN_NETWORKS: list[tuple[str, dict[str, Any]]] = [
    (
        "8.8.4.0/24",
        {
            "autonomous_system_number": MmdbU32(15169),
            "autonomous_system_organization": "Google LLC",
        },
    ),
    ("1.1.1.0/24", {"autonomous_system_number": MmdbU32(13335)}),
    ("9.9.9.0/24", {"autonomous_system_organization": "Quad9"}),
    (
        "192.168.0.0/16",
        {"autonomous_system_number": MmdbU32(1), "autonomous_system_organization": "x"},
    ),
    ("2001:4860::/32", {"autonomous_system_number": MmdbU32(15169)}),
]

MILTON_FIELDS = {
    "locID": "5803556",
    "country": "US",
    "city": "Milton",
    "postalCode": "98354",
    "latitude": "47.2513",
    "longitude": "-122.3149",
    "dmaCode": "819",
    "location_point": "47.2513,-122.3149",
}
LONDON_FIELDS = {
    "locID": "2643743",
    "country": "GB",
    "city": "London",
    "postalCode": "",
    "latitude": "51.5142",
    "longitude": "-0.0931",
    "dmaCode": "",
    "location_point": "51.5142,-0.0931",
}


def _write(path: Path, database_type: str, networks: list[tuple[str, dict[str, Any]]]) -> Path:
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type=database_type,
        languages=["en"],
        description="metron test database",
    )
    for network, record in networks:
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("geo")
    return {
        "city": _write(base / "GeoLite2-City.mmdb", "GeoLite2-City", CITY_NETWORKS),
        "asn": _write(base / "GeoLite2-ASN.mmdb", "GeoLite2-ASN", ASN_NETWORKS),
    }


@pytest.fixture(scope="module")
def geo(files: dict[str, Path]) -> Iterator[GeoDatabase]:
    with GeoDatabase(files["city"]) as db:
        yield db


@pytest.fixture(scope="module")
def asn(files: dict[str, Path]) -> Iterator[AsnDatabase]:
    with AsnDatabase(files["asn"]) as db:
        yield db


@pytest.fixture(scope="module")
def context(geo: GeoDatabase, asn: AsnDatabase) -> StellarContext:
    return StellarContext(services={"geo": GeoService(geo), "asn": AsnService(asn)})


def run(expr: str, context: StellarContext, **variables: Any) -> Any:
    return stellar.compile(expr, context=context).evaluate(variables)


# -- which addresses are looked up -------------------------------------------------------------


@pytest.mark.parametrize(
    "ip",
    ["216.160.83.56", "8.8.8.8", "169.254.1.1", "100.64.0.1", "172.32.0.1", "255.255.255.255"],
)
def test_eligible(ip: str) -> None:
    assert is_eligible_ip(ip)


@pytest.mark.parametrize(
    "ip",
    [
        "0.0.0.0",
        "127.0.0.1",
        "127.255.1.2",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.0.1",
        "224.0.0.1",
        "239.255.255.255",
        "2001:db8::1",
        "::1",
        "::ffff:8.8.8.8",
        "216.160.83.056",
        "216.160.83",
        "216.160.83.256",
        " 216.160.83.56",
        "216.160.83.56 ",
        "example.com",
        "",
        "\u0661.1.1.1",
        None,
        5,
    ],
)
def test_ineligible(ip: Any) -> None:
    assert not is_eligible_ip(ip)


# -- GeoDatabase -------------------------------------------------------------------------------


def test_city_fields(geo: GeoDatabase) -> None:
    assert geo.lookup("216.160.83.56") == MILTON_FIELDS
    assert geo.lookup("216.160.83.63") == MILTON_FIELDS
    assert geo.lookup("81.2.69.200") == LONDON_FIELDS


def test_city_fields_are_strings_in_java_hashmap_order(geo: GeoDatabase) -> None:
    found = geo.lookup("216.160.83.56")
    assert found is not None
    assert set(found) == set(GEO_FIELDS)
    assert all(isinstance(v, str) for v in found.values())
    assert list(found) == list(java_hashmap_order(dict.fromkeys(GEO_FIELDS)))


def test_missing_values_are_empty_strings(geo: GeoDatabase) -> None:
    assert geo.lookup("2.125.160.220") == {
        "locID": "",
        "country": "DE",
        "city": "",
        "postalCode": "",
        "dmaCode": "",
        "latitude": "",
        "longitude": "",
        "location_point": "",
    }


def test_location_point_needs_both_coordinates(geo: GeoDatabase) -> None:
    found = geo.lookup("1.0.3.1")
    assert found is not None
    assert (found["latitude"], found["longitude"], found["location_point"]) == ("12.5", "", "")


def test_numbers_print_as_java_does(geo: GeoDatabase) -> None:
    tiny = geo.lookup("1.0.0.1")
    assert tiny is not None
    assert (tiny["latitude"], tiny["longitude"], tiny["location_point"]) == (
        "1.0E-4",
        "0.0",
        "1.0E-4,0.0",
    )
    # A float32 latitude widens to a double; an integer longitude prints as a double.
    single = geo.lookup("1.0.1.1")
    assert single is not None
    assert single["latitude"] == "47.25130081176758"
    assert single["longitude"] == "7.0"
    assert single["location_point"] == "47.25130081176758,7.0"
    assert (single["locID"], single["dmaCode"], single["postalCode"]) == ("3", "505", "3000")


def test_signed_zero(geo: GeoDatabase, tmp_path: Path) -> None:
    # In a database of its own: the writer would store -0.0 as the 0.0 of another record.
    path = _write(
        tmp_path / "zero.mmdb",
        "GeoLite2-City",
        [("1.0.5.0/24", _city(5, "AU", "Zero", None, None, 1.5, -0.0))],
    )
    geo.lookup("1.0.0.1")  # prints 0.0 first
    with GeoDatabase(path) as zero:
        found = zero.lookup("1.0.5.1")
    assert found is not None
    assert found["location_point"] == "1.5,-0.0"


def test_city_name_is_the_english_name(geo: GeoDatabase) -> None:
    found = geo.lookup("1.0.4.1")
    assert found is not None
    assert found["city"] == ""
    assert found["country"] == "7"  # a number where text belongs is printed


def test_malformed_record_gives_nothing(geo: GeoDatabase) -> None:
    assert geo.lookup("1.0.2.1") is None


def test_link_local_is_looked_up(geo: GeoDatabase) -> None:
    found = geo.lookup("169.254.1.1")
    assert found is not None and found["city"] == "LinkLocal"


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",
        "127.0.0.1",
        "172.20.1.1",
        "192.168.0.1",
        "224.0.0.251",
        "0.0.0.0",
        "2001:db8::1",
        "203.0.113.1",
        "216.160.83.056",
        "not an ip",
        None,
    ],
)
def test_city_no_result(geo: GeoDatabase, ip: Any) -> None:
    assert geo.lookup(ip) is None


def test_lookups_return_fresh_maps(geo: GeoDatabase) -> None:
    first = geo.lookup("216.160.83.56")
    assert first is not None
    first["city"] = "changed"
    assert geo.lookup("216.160.83.56") == MILTON_FIELDS


# -- AsnDatabase -------------------------------------------------------------------------------


def test_asn_fields(asn: AsnDatabase) -> None:
    found = asn.lookup("8.8.4.0")
    assert found == {
        "autonomous_system_organization": "Google LLC",
        "autonomous_system_number": 15169,
        "network": "8.8.4.0",
    }
    assert found is not None and list(found) == list(java_hashmap_order(dict.fromkeys(ASN_FIELDS)))
    # "network" is the address looked up, as Metron's reader reports it.
    assert asn.lookup("8.8.4.4") == {**found, "network": "8.8.4.4"}


def test_asn_missing_values(asn: AsnDatabase) -> None:
    assert asn.lookup("1.1.1.1") == {
        "autonomous_system_number": 13335,
        "autonomous_system_organization": "",
        "network": "1.1.1.1",
    }
    assert asn.lookup("9.9.9.9") == {
        "autonomous_system_number": None,
        "autonomous_system_organization": "Quad9",
        "network": "9.9.9.9",
    }


@pytest.mark.parametrize("ip", ["192.168.0.1", "2001:4860::1", "203.0.113.1", "8.8.4.00", None])
def test_asn_no_result(asn: AsnDatabase, ip: Any) -> None:
    assert asn.lookup(ip) is None


# -- opening databases -------------------------------------------------------------------------


def test_compressed_databases(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    raw = files["city"].read_bytes()
    gz = tmp_path / "GeoLite2-City.mmdb.gz"
    gz.write_bytes(gzip.compress(raw))
    with GeoDatabase(gz) as db:
        assert db.lookup("216.160.83.56") == MILTON_FIELDS

    archive = tmp_path / "GeoLite2-City.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        readme = tarfile.TarInfo("GeoLite2-City_20260101/README.txt")
        readme.size = 5
        tar.addfile(readme, io.BytesIO(b"hello"))
        entry = tarfile.TarInfo("GeoLite2-City_20260101/GeoLite2-City.mmdb")
        entry.size = len(raw)
        tar.addfile(entry, io.BytesIO(raw))
    with GeoDatabase(archive) as db:
        assert db.lookup("81.2.69.192") == LONDON_FIELDS
    assert not list(scratch.iterdir()), "no unpacked copy is left behind"


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "fakefile.mmdb"
    with pytest.raises(ConfigError, match=r"fakefile\.mmdb") as raised:
        GeoDatabase(missing)
    assert "does not exist" in str(raised.value)
    with pytest.raises(ConfigError, match=r"asn\.hdfs\.file"):
        AsnDatabase(missing)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("corrupt.mmdb", b"this is not a maxmind database"),
        ("empty.mmdb", b""),
        ("corrupt.mmdb.gz", b"not gzip"),
        ("corrupt.tar.gz", b"not a tarball"),
        ("truncated.mmdb.gz", gzip.compress(b"x" * 5000, mtime=0)[:40]),
        ("garbage.mmdb.gz", gzip.compress(b"not a maxmind database", mtime=0)),
    ],
    ids=["corrupt-mmdb", "empty-mmdb", "corrupt-gz", "corrupt-tar", "truncated-gz", "garbage-gz"],
)
def test_corrupt_file(
    tmp_path: Path, name: str, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=re.escape(name)):
        GeoDatabase(path)
    assert not list(scratch.iterdir()), "no unpacked copy is left behind"


def test_archive_without_database(tmp_path: Path) -> None:
    archive = tmp_path / "nothing.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        readme = tarfile.TarInfo("README.txt")
        readme.size = 2
        tar.addfile(readme, io.BytesIO(b"hi"))
    with pytest.raises(ConfigError, match=r"nothing\.tar\.gz holds no \.mmdb"):
        GeoDatabase(archive)


def test_wrong_kind_of_database(files: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="GeoLite2-ASN"):
        GeoDatabase(files["asn"])
    with pytest.raises(ConfigError, match="GeoLite2-City"):
        AsnDatabase(files["city"])


def test_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=str(tmp_path.name)):
        GeoDatabase(tmp_path)


# -- GEO_GET -----------------------------------------------------------------------------------


def test_geo_get_whole_map(context: StellarContext) -> None:
    assert run("GEO_GET('216.160.83.56')", context) == MILTON_FIELDS
    assert run("GEO_GET(ip)", context, ip="81.2.69.192") == LONDON_FIELDS


@pytest.mark.parametrize("expr", ["GEO_GET()", "GEO_GET(null)", "GEO_GET('  ')", "GEO_GET(5)"])
def test_geo_get_null(context: StellarContext, expr: str) -> None:
    assert run(expr, context) is None


@pytest.mark.parametrize("ip", ["192.168.0.1", "203.0.113.1", "2001:db8::1", "nonsense"])
def test_geo_get_no_result_is_an_empty_map(context: StellarContext, ip: str) -> None:
    assert run("GEO_GET(ip)", context, ip=ip) == {}


def test_geo_get_one_field(context: StellarContext) -> None:
    assert run("GEO_GET('216.160.83.56', ['country'])", context) == "US"
    assert run("GEO_GET('81.2.69.192', ['dmaCode'])", context) == ""
    assert run("GEO_GET('216.160.83.56', ['nope'])", context) is None


def test_geo_get_several_fields(context: StellarContext) -> None:
    got = run("GEO_GET('216.160.83.56', ['country', 'city', 'dmaCode', 'location_point'])", context)
    assert got == {
        "country": "US",
        "city": "Milton",
        "dmaCode": "819",
        "location_point": "47.2513,-122.3149",
    }
    assert list(got) == list(java_hashmap_order(dict.fromkeys(got)))
    assert run("GEO_GET('216.160.83.56', ['country', 'nope'])", context) == {
        "country": "US",
        "nope": None,
    }
    assert run("GEO_GET('216.160.83.56', [])", context) == {}


@pytest.mark.parametrize(
    "expr",
    [
        "GEO_GET('192.168.0.1', ['country'])",
        "GEO_GET('203.0.113.1', ['country', 'city'])",
        "GEO_GET(null, ['country'])",
        "GEO_GET('216.160.83.56', 'country')",
        "GEO_GET('216.160.83.56', null)",
    ],
)
def test_geo_get_fields_without_result(context: StellarContext, expr: str) -> None:
    assert run(expr, context) is None


def test_geo_get_errors(context: StellarContext) -> None:
    with pytest.raises(StellarError, match="more arguments than expected: 3"):
        run("GEO_GET('216.160.83.56', ['country', 'city'], 'garbage')", context)
    with pytest.raises(StellarError, match="GEO_GET"):
        run("GEO_GET(5, ['country'])", context)


def test_geo_get_feeds_other_functions(context: StellarContext) -> None:
    assert run("MAP_GET('city', GEO_GET(ip))", context, ip="216.160.83.56") == "Milton"
    assert run("GEO_GET(ip, ['country']) == 'US'", context, ip="216.160.83.60") is True


def test_geo_get_not_configured() -> None:
    with pytest.raises(StellarError, match="GEO_GET is not configured"):
        stellar.compile("GEO_GET('8.8.8.8')", context=StellarContext()).evaluate({})


# -- ASN_GET -----------------------------------------------------------------------------------


def test_asn_get(context: StellarContext) -> None:
    assert run("ASN_GET('8.8.4.0')", context) == {
        "autonomous_system_organization": "Google LLC",
        "autonomous_system_number": 15169,
        "network": "8.8.4.0",
    }
    assert run("ASN_GET('8.8.4.0', ['autonomous_system_organization'])", context) == "Google LLC"
    number = run("ASN_GET('8.8.4.0', ['autonomous_system_number'])", context)
    assert number == 15169 and type(number) is int
    assert run(
        "ASN_GET('8.8.4.0', ['autonomous_system_organization', 'autonomous_system_number'])",
        context,
    ) == {"autonomous_system_organization": "Google LLC", "autonomous_system_number": 15169}
    assert run("ASN_GET('9.9.9.9', ['autonomous_system_number'])", context) is None
    assert run("ASN_GET('8.8.4.0', ['nope'])", context) is None


@pytest.mark.parametrize("expr", ["ASN_GET()", "ASN_GET(null)", "ASN_GET('  ')"])
def test_asn_get_null(context: StellarContext, expr: str) -> None:
    assert run(expr, context) is None


def test_asn_get_no_result(context: StellarContext) -> None:
    assert run("ASN_GET('192.168.0.1')", context) == {}
    assert run("ASN_GET('192.168.0.1', ['network'])", context) is None


def test_asn_get_too_many_arguments(context: StellarContext) -> None:
    with pytest.raises(StellarError, match="ASN_GET received more arguments than expected: 3"):
        run(
            "ASN_GET('8.8.4.0', ['autonomous_system_organization', 'network'], 'garbage')",
            context,
        )


def test_services_from_config(files: dict[str, Path]) -> None:
    services = services_from_config(
        {"geo.hdfs.file": str(files["city"]), "asn.hdfs.file": files["asn"], "other": 1}
    )
    context = StellarContext(services=services)
    assert run("GEO_GET('216.160.83.56', ['city'])", context) == "Milton"
    assert run("ASN_GET('8.8.4.0', ['autonomous_system_number'])", context) == 15169
    assert services_from_config({"geo.hdfs.file": ""}) == {}
    with pytest.raises(ConfigError, match=r"geo\.hdfs\.file"):
        services_from_config({"geo.hdfs.file": 5})
    with pytest.raises(ConfigError, match="does not exist"):
        services_from_config({"asn.hdfs.file": "/nonexistent/GeoLite2-ASN.mmdb"})
