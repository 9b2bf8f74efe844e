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
    "ASN_FIELDS",
    "ASN_HDFS_FILE",
    "GEO_FIELDS",
    "GEO_HDFS_FILE",
    "AsnDatabase",
    "AsnService",
    "GeoDatabase",
    "GeoService",
    "is_eligible_ip",
    "services_from_config",
]

log = logging.getLogger(__name__)

#: The global-config keys naming the databases (Metron's names; here they are local paths).
GEO_HDFS_FILE = "geo.hdfs.file"
ASN_HDFS_FILE = "asn.hdfs.file"

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


def services_from_config(global_config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``geo``/``asn`` Stellar services for the databases the global config names
    (``geo.hdfs.file``, ``asn.hdfs.file``, here local paths); a key that is absent or empty
    gives no service, so the function says it is not configured.  Each database is opened
    once, now; a bad path is a :class:`~metron.errors.ConfigError`."""
    services: dict[str, Any] = {}
    for key, name, make in (
        (GEO_HDFS_FILE, "geo", lambda p: GeoService(GeoDatabase(p))),
        (ASN_HDFS_FILE, "asn", lambda p: AsnService(AsnDatabase(p))),
    ):
        path = global_config.get(key)
        if path is None or path == "":
            continue
        if not isinstance(path, (str, os.PathLike)):
            raise ConfigError(f"global config '{key}' must be a file path, not {path!r:.60}")
        services[name] = make(path)
    return services
