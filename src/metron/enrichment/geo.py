"""GeoIP and ASN lookups on MaxMind databases, with the exact fields Metron produces.

:class:`GeoDatabase` reads a City-format database (GeoLite2/GeoIP2 City, DB-IP City Lite)
and answers, for an address, Metron's eight ``geo`` fields as strings::

    locID, country, city, postalCode, dmaCode, latitude, longitude, location_point

:class:`AsnDatabase` reads an ASN database and answers ``network`` (the address looked up,
as Metron's reader reports it), ``autonomous_system_number`` (an integer, or null when the
record lacks it) and ``autonomous_system_organization`` (a string).

Metron's rules, kept here:

* Only a dotted-quad IPv4 address in canonical form is looked up (four decimal parts of
  0-255 without leading zeros).  Any-local (``0.0.0.0``), loopback (``127/8``), site-local
  (``10/8``, ``172.16/12``, ``192.168/16``) and multicast (``224/4``) addresses, IPv6
  addresses, host names and anything unparsable give no result (``None``), as does an
  address the database does not hold.  Link-local and other reserved ranges *are* looked up.
* A value the record lacks becomes an empty string (the ASN number becomes null); the
  enrichment merge, not the lookup, drops empty values.  ``GEO_GET`` returns them.
* Numbers are printed as Java prints them: ``latitude``/``longitude`` with
  ``Double.toString`` (``47.2513``, ``0.0``, ``1.0E-4``); ``location_point`` is
  ``"latitude,longitude"`` when both are known, otherwise empty.
* A record whose shape the reader cannot map (a map where a number belongs...) gives no
  result, as Metron's reader failing on it does.
* Result maps iterate in Java ``HashMap`` order, as Metron's do.

``metron load geo`` / ``metron load asn`` install a checked, unpacked copy
(:func:`install_database`) at :func:`default_geo_path` / :func:`default_asn_path` under the
data directory; :func:`services_from_config` uses it when the global config lacks the key.

A database is opened once (memory-mapped) and shared by all lookups; it is safe to use
from several threads.  Like Metron, a path ending in ``.mmdb.gz`` is read through gzip and
one ending in ``.tar.gz`` from the first ``.mmdb`` file of the archive (both into memory);
any other path is opened as a plain ``.mmdb`` file.  A missing, unreadable or corrupt file,
or a database of the wrong kind, is a :class:`~metron.errors.ConfigError` naming the path.

:class:`GeoService` and :class:`AsnService` are the ``geo`` and ``asn`` Stellar services
behind ``GEO_GET`` and ``ASN_GET``.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import math
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import maxminddb
from maxminddb.errors import InvalidDatabaseError

from metron.errors import ConfigError
from metron.stellar.errors import StellarError
from metron.stellar.stdlib._validators import is_valid_inet4
from metron.stellar.types import (
    Char,
    double_to_string,
    java_hashmap_keys,
    java_hashmap_order,
    java_type_name,
)

__all__ = [
    "ASN_DEFAULT_FILE",
    "ASN_FIELDS",
    "ASN_HDFS_FILE",
    "GEO_DEFAULT_FILE",
    "GEO_FIELDS",
    "GEO_HDFS_FILE",
    "AsnDatabase",
    "AsnService",
    "GeoDatabase",
    "GeoService",
    "default_asn_path",
    "default_geo_path",
    "install_database",
    "is_eligible_ip",
    "services_from_config",
]

log = logging.getLogger(__name__)

#: The global-config keys naming the databases (Metron's names; here they are local paths).
GEO_HDFS_FILE = "geo.hdfs.file"
ASN_HDFS_FILE = "asn.hdfs.file"

#: Where ``metron load geo`` / ``metron load asn`` install the databases, under the data dir.
GEO_DEFAULT_FILE = Path("geo", "GeoLite2-City.mmdb")
ASN_DEFAULT_FILE = Path("asn", "GeoLite2-ASN.mmdb")

#: The fields ``GeoDatabase.lookup`` answers, in the order Metron sets them.
GEO_FIELDS: tuple[str, ...] = (
    "locID",
    "country",
    "city",
    "postalCode",
    "dmaCode",
    "latitude",
    "longitude",
    "location_point",
)

#: The fields ``AsnDatabase.lookup`` answers, in the order Metron sets them.
ASN_FIELDS: tuple[str, ...] = (
    "autonomous_system_number",
    "autonomous_system_organization",
    "network",
)
# The order a Java HashMap holding each result iterates its keys (always the same keys).
_GEO_ORDER: tuple[str, ...] = tuple(java_hashmap_keys(GEO_FIELDS))
_ASN_ORDER: tuple[str, ...] = tuple(java_hashmap_keys(ASN_FIELDS))


# -- which addresses are looked up ------------------------------------------------------------


def is_eligible_ip(ip: object) -> bool:
    """Whether Metron would look ``ip`` up: a canonical dotted-quad IPv4 address that is not
    any-local, loopback, site-local (RFC 1918) or multicast."""
    if not isinstance(ip, str) or not is_valid_inet4(ip):
        return False
    a, b, _, _ = (int(part) for part in ip.split("."))
    if ip == "0.0.0.0" or a == 127:  # any-local, loopback
        return False
    if a == 10 or (a == 172 and 16 <= b <= 31) or (a == 192 and b == 168):  # site-local
        return False
    return not 224 <= a <= 239  # multicast


# -- mapping record values the way Metron's reader does ----------------------------------------


class _Malformed(Exception):
    """A record value the reader cannot map onto the field's type."""


def _section(record: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = record.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _Malformed(f"{key} is a {type(value).__name__}, not a map")
    return value


def _as_int(value: Any) -> int | None:
    """A Java ``Integer`` field: whole numbers, truncated doubles, numeric text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Malformed(f"boolean {value!r} where a number belongs")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Malformed(f"{value!r} is not a whole number")
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise _Malformed(f"{value!r} is not a whole number") from None
    raise _Malformed(f"a {type(value).__name__} where a number belongs")


def _as_double(value: Any) -> float | None:
    """A Java ``Double`` field: any number, or numeric text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Malformed(f"boolean {value!r} where a number belongs")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise _Malformed(f"{value!r} is not a number") from None
    raise _Malformed(f"a {type(value).__name__} where a number belongs")


def _as_text(value: Any) -> str | None:
    """A Java ``String`` field: text, or a scalar printed as Java prints it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return double_to_string(value)
    raise _Malformed(f"a {type(value).__name__} where text belongs")


# Coordinates repeat (one pair per city), and Java's printing of a double is not cheap.
_double_text = lru_cache(maxsize=65536)(double_to_string)


def _text(value: object) -> str:
    """``String.valueOf`` of a field, with null as the empty string."""
    if value is None:
        return ""
    if isinstance(value, float):
        # 0.0 and -0.0 are equal keys to a cache, but Java prints them apart.
        return _double_text(value) if value else double_to_string(value)
    return str(value)


def _city_fields(record: Mapping[str, Any]) -> dict[str, str]:
    city = _section(record, "city")
    country = _section(record, "country")
    postal = _section(record, "postal")
    location = _section(record, "location")
    names = _section(city, "names")
    latitude = _as_double(location.get("latitude"))
    longitude = _as_double(location.get("longitude"))
    lat_text = _text(latitude)
    lon_text = _text(longitude)
    fields = {
        "locID": _text(_as_int(city.get("geoname_id"))),
        "country": _text(_as_text(country.get("iso_code"))),
        "city": _text(_as_text(names.get("en"))),
        "postalCode": _text(_as_text(postal.get("code"))),
        "dmaCode": _text(_as_int(location.get("metro_code"))),
        "latitude": lat_text,
        "longitude": lon_text,
        "location_point": (
            "" if latitude is None or longitude is None else f"{lat_text},{lon_text}"
        ),
    }
    return {key: fields[key] for key in _GEO_ORDER}


def _asn_fields(ip: str, record: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "autonomous_system_number": _as_int(record.get("autonomous_system_number")),
        "autonomous_system_organization": _text(
            _as_text(record.get("autonomous_system_organization"))
        ),
        "network": ip,
    }
    return {key: fields[key] for key in _ASN_ORDER}


# -- the databases -----------------------------------------------------------------------------


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


def _open_unpacked(source: _Readable) -> maxminddb.Reader:
    """Open a database read from a compressed file: unpacked to a temporary file that is
    memory-mapped and then unlinked, so lookups run as fast as on a plain ``.mmdb``."""
    with tempfile.NamedTemporaryFile(suffix=".mmdb", delete=False) as unpacked:
        pass
    try:
        with open(unpacked.name, "wb") as out:
            shutil.copyfileobj(source, out)
        return maxminddb.open_database(unpacked.name, maxminddb.MODE_AUTO)
    finally:
        with contextlib.suppress(OSError):  # still mapped where unlinking open files fails
            os.unlink(unpacked.name)


class _MaxMindDatabase:
    """One MaxMind database file, opened once and shared."""

    #: What the database is, for messages; and a text its ``database_type`` must contain.
    _kind = "MaxMind"
    _type_marker = ""
    _config_key = ""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._reader = self._open()
        self.database_type: str = self._reader.metadata().database_type
        if self._type_marker.lower() not in self.database_type.lower():
            self._reader.close()
            raise ConfigError(
                f"{self.path}: this is a {self.database_type!r} database, not a {self._kind}"
                f" database (global config '{self._config_key}')"
            )

    def _open(self) -> maxminddb.Reader:
        where = f"{self._kind} database file {self.path}"
        hint = f" (global config '{self._config_key}')"
        name = self.path.name
        if not self.path.is_file():
            raise ConfigError(f"{where} does not exist or is not a file{hint}")
        try:
            if name.endswith(".tar.gz"):
                with tarfile.open(self.path, "r:gz") as archive:
                    for member in archive:
                        if member.isfile() and member.name.endswith(".mmdb"):
                            extracted = archive.extractfile(member)
                            if extracted is not None:
                                with extracted:
                                    return _open_unpacked(extracted)
                raise ConfigError(f"{where} holds no .mmdb file{hint}")
            if name.endswith(".mmdb.gz"):
                with gzip.open(self.path, "rb") as unzipped:
                    return _open_unpacked(unzipped)
            return maxminddb.open_database(str(self.path), maxminddb.MODE_AUTO)
        except ConfigError:
            raise
        except (OSError, InvalidDatabaseError, ValueError, tarfile.TarError, EOFError) as e:
            raise ConfigError(f"{where} cannot be read as a MaxMind database{hint}: {e}") from e

    def _record(self, ip: str | None) -> Mapping[str, Any] | None:
        if not is_eligible_ip(ip):
            return None
        try:
            record = self._reader.get(ip)  # type: ignore[arg-type]
        except InvalidDatabaseError as e:
            log.warning("%s: lookup of %s failed: %s", self.path, ip, e)
            return None
        if record is None:
            return None
        if not isinstance(record, Mapping):
            log.warning("%s: the record for %s is not a map", self.path, ip)
            return None
        return record

    def close(self) -> None:
        """Release the database file."""
        self._reader.close()

    def __enter__(self) -> _MaxMindDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"


class GeoDatabase(_MaxMindDatabase):
    """A MaxMind City-format database answering Metron's ``geo`` enrichment fields."""

    _kind = "GeoIP City"
    _type_marker = "City"
    _config_key = GEO_HDFS_FILE

    def lookup(self, ip: str | None) -> dict[str, str] | None:
        """Metron's eight geo fields for ``ip`` (all strings, empty when unknown), or
        ``None`` when the address is not looked up or not in the database."""
        record = self._record(ip)
        if record is None:
            return None
        try:
            return _city_fields(record)
        except _Malformed as e:
            log.warning("%s: the record for %s cannot be read: %s", self.path, ip, e)
            return None

    def __enter__(self) -> GeoDatabase:
        return self


class AsnDatabase(_MaxMindDatabase):
    """A MaxMind ASN-format database answering Metron's ``ASN_GET`` fields."""

    _kind = "ASN"
    _type_marker = "ASN"
    _config_key = ASN_HDFS_FILE

    def lookup(self, ip: str | None) -> dict[str, Any] | None:
        """``network`` (the address), ``autonomous_system_number`` (int or None) and
        ``autonomous_system_organization`` (string, empty when unknown) for ``ip``, or
        ``None`` when the address is not looked up or not in the database."""
        record = self._record(ip)
        if record is None or ip is None:
            return None
        try:
            return _asn_fields(ip, record)
        except _Malformed as e:
            log.warning("%s: the record for %s cannot be read: %s", self.path, ip, e)
            return None

    def __enter__(self) -> AsnDatabase:
        return self


def _copy_unpacked(path: Path, out: _Writable) -> None:
    """Write the ``.mmdb`` bytes of ``path`` (plain, ``.mmdb.gz`` or ``.tar.gz``) to ``out``."""
    name = path.name
    if name.endswith(".tar.gz"):
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if member.isfile() and member.name.endswith(".mmdb"):
                    extracted = archive.extractfile(member)
                    if extracted is not None:
                        with extracted:
                            shutil.copyfileobj(extracted, out)
                        return
        raise ConfigError(f"{path} holds no .mmdb file")
    if name.endswith(".mmdb.gz"):
        with gzip.open(path, "rb") as unzipped:
            shutil.copyfileobj(unzipped, out)
        return
    with open(path, "rb") as plain:
        shutil.copyfileobj(plain, out)


def install_database(
    kind: type[GeoDatabase] | type[AsnDatabase],
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
) -> str:
    """Check that ``source`` is a readable database of ``kind`` (any form the class opens),
    then install it, unpacked, as the plain ``.mmdb`` file ``target``, atomically: the copy
    is written and checked beside ``target`` and renamed over it, so a reader sees the old
    file or the new one, never a partial one.  Returns the database type (``GeoLite2-City``).
    A bad source or an unwritable target is a :class:`~metron.errors.ConfigError`, and
    ``target`` is left as it was."""
    source = Path(source)
    target = Path(target)
    with kind(source) as db:
        database_type = db.database_type
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as e:
        raise ConfigError(f"cannot write {target}: {e.strerror or e}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                _copy_unpacked(source, out)
                out.flush()
                os.fsync(out.fileno())
        except (OSError, tarfile.TarError, EOFError) as e:
            raise ConfigError(f"cannot install {source} as {target}: {e}") from None
        kind(temporary).close()  # the unpacked copy opens as a plain .mmdb file
        try:
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except OSError as e:
            raise ConfigError(f"cannot write {target}: {e.strerror or e}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return database_type


# -- the Stellar services -----------------------------------------------------------------------


def _is_java_string(value: object) -> bool:
    return isinstance(value, str) and not isinstance(value, Char)


def _stellar_get(
    function: str, lookup: Callable[[str | None], dict[str, Any] | None], args: tuple[Any, ...]
) -> Any:
    """What Metron's GEO_GET / ASN_GET answer for ``args``."""
    if len(args) > 2:
        raise StellarError(
            f"{function} received more arguments than expected: {len(args)}", function=function
        )
    if len(args) == 1 and _is_java_string(args[0]):
        ip: str = args[0]
        if all(ord(c) <= 32 for c in ip):  # null or blank after Java's trim()
            return None
        found = lookup(ip)
        return {} if found is None else found
    if len(args) == 2 and isinstance(args[1], (list, tuple)):
        address = args[0]
        if address is not None and not _is_java_string(address):
            raise StellarError(
                f"{function}: the ip must be a string, not a {java_type_name(address)}",
                function=function,
            )
        fields = list(args[1])
        result = lookup(address)
        if result is None:
            return None
        if len(fields) == 1:
            try:
                return result.get(fields[0])
            except TypeError:  # an unhashable "field" is simply not there
                return None
        chosen: dict[Any, Any] = {}
        for field in fields:
            try:
                chosen[field] = result.get(field)
            except TypeError:
                raise StellarError(
                    f"{function}: a field name cannot be a {java_type_name(field)}",
                    function=function,
                ) from None
        return java_hashmap_order(chosen)
    return None


class GeoService:
    """The ``geo`` Stellar service: ``GEO_GET(ip, [fields])`` on a :class:`GeoDatabase`.

    One argument: the whole field map (empty when the address is not looked up or not
    found; null for a blank address or a non-string).  With a list of fields: the value of
    the one field, or a map of the fields asked for (null values for unknown names), or
    null when there is no result.  More than two arguments is an error.
    """

    def __init__(self, db: GeoDatabase) -> None:
        self.db = db

    def get(self, *args: Any) -> Any:
        return _stellar_get("GEO_GET", self.db.lookup, args)


class AsnService:
    """The ``asn`` Stellar service: ``ASN_GET(ip, [fields])`` on an :class:`AsnDatabase`,
    with the same argument rules as ``GEO_GET``."""

    def __init__(self, db: AsnDatabase) -> None:
        self.db = db

    def get(self, *args: Any) -> Any:
        return _stellar_get("ASN_GET", self.db.lookup, args)


def default_geo_path(data_dir: Path) -> Path:
    """Where ``metron load geo`` installs the City database:
    ``<data dir>/geo/GeoLite2-City.mmdb``."""
    return data_dir / GEO_DEFAULT_FILE


def default_asn_path(data_dir: Path) -> Path:
    """Where ``metron load asn`` installs the ASN database:
    ``<data dir>/asn/GeoLite2-ASN.mmdb``."""
    return data_dir / ASN_DEFAULT_FILE


def services_from_config(
    global_config: Mapping[str, Any], *, data_dir: Path | None = None
) -> dict[str, Any]:
    """The ``geo``/``asn`` Stellar services for the databases the global config names
    (``geo.hdfs.file``, ``asn.hdfs.file``, here local paths).

    A key that is absent falls back to the database installed in ``data_dir`` by
    ``metron load geo``/``asn`` (:func:`default_geo_path`, :func:`default_asn_path`) when
    ``data_dir`` is given and that file exists; otherwise, or when the key is empty, there is
    no service, so the function says it is not configured.  Each database is opened once,
    now; a bad path is a :class:`~metron.errors.ConfigError`."""
    services: dict[str, Any] = {}
    for key, name, default, make in (
        (GEO_HDFS_FILE, "geo", default_geo_path, lambda p: GeoService(GeoDatabase(p))),
        (ASN_HDFS_FILE, "asn", default_asn_path, lambda p: AsnService(AsnDatabase(p))),
    ):
        if key not in global_config and data_dir is not None and default(data_dir).is_file():
            services[name] = make(default(data_dir))
            continue
        path = global_config.get(key)
        if path is None or path == "":
            continue
        if not isinstance(path, (str, os.PathLike)):
            raise ConfigError(f"global config '{key}' must be a file path, not {path!r:.60}")
        services[name] = make(path)
    return services
