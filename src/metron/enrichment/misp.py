"""The MISP feed loader: IDS attributes of a MISP feed into the threat-intel table.

A MISP feed (what a MISP instance exports and public feeds such as CIRCL OSINT publish) is
a base directory or http(s) URL holding ``manifest.json``, an object mapping each event's
uuid to a summary (``info``, ``date``, ``timestamp``, ``threat_level_id``, ``Orgc``,
``Tag``...), and one ``<uuid>.json`` per event: ``{"Event": {"uuid", "info", "timestamp",
"threat_level_id", "Orgc", "Tag", "Attribute": [...], "Object": [{"Attribute": [...]}]}}``.
``hashes.csv``, when present, is not read.  :func:`load_misp` takes the attributes of every
event and of its objects whose ``to_ids`` is true (``true``, ``1``, ``"1"``) and that are
not ``deleted``, and writes one threat-intel record per indicator they name.

MISP types to threat-intel types (the record's enrichment type; see
:mod:`metron.enrichment.indicators` for how each is normalised):

* ``ip``: ``ip-src``, ``ip-dst`` (an address or CIDR range); ``ip-src|port``,
  ``ip-dst|port`` (the address before the last ``|``; ``[2001:db8::1]:443`` and
  ``192.0.2.1:80`` written without the ``|`` give their address too); the IP of
  ``domain|ip``;
* ``domain``: ``domain``, ``hostname``, the host of ``hostname|port``, the domain of
  ``domain|ip``;
* ``url``: ``url``, ``uri``; ``link`` is a reference for analysts (a blog post, a report),
  not something to alert on, so it is not loaded and counts as unsupported;
* ``email``: ``email``, ``email-src``, ``email-dst``;
* ``md5``, ``sha1``, ``sha256``, ``sha512``, ``sha3-256``, ``sha3-512``, ``ssdeep``,
  ``tlsh``: the type of the same name, and the hash of ``filename|<hash>``;
* every other type (``AS``, ``regkey``, ``mutex``, ``yara``, ``snort``...) counts as
  unsupported.

The value map of each record holds, as strings (absent ones left out): ``event_uuid``,
``event_info``, ``org`` (the creator organisation's name), ``threat_level`` (``High``,
``Medium``, ``Low`` or ``Undefined`` for MISP's ``threat_level_id`` 1 to 4),
``attribute_uuid``, ``category``, ``misp_type``, ``comment``, ``tags`` (the event's then
the attribute's tag names, comma-separated), ``timestamp`` (the attribute's, epoch
seconds) and ``source`` (``misp``).

Rules:

* ``since`` (epoch seconds) takes only the events whose manifest ``timestamp`` is at or
  after it; an entry without a readable timestamp is taken;
* an event file that is missing (also HTTP 404 or 410) or is not a MISP event is reported
  as a :class:`MispProblem` naming the file and skipped; so is an attribute whose value is
  not a valid indicator of its type (event uuid, attribute uuid, reason);
* fatal, a :class:`ConfigError` naming the file or URL: a missing or unreadable manifest,
  a manifest that is not a JSON object, an entry whose uuid is not a file name, a server
  that cannot be reached or answers with another HTTP error, an event file that exists
  but cannot be read (a feed is loaded whole or not at all, never half of it silently);
* all-or-nothing: the whole feed is read and extracted before the store is touched, then
  the records are written with one ``put_many``;
* idempotent: records are keyed by (type, indicator), so loading again replaces them; when
  two attributes name the same indicator the one with the later attribute ``timestamp``
  wins (on a tie, the later one in the feed).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any

import orjson

from metron.enrichment.indicators import HASH_LENGTHS, normalize
from metron.enrichment.lookup import DEFAULT_COLUMN_FAMILY, THREAT_INTEL_TABLE, LookupWriter
from metron.errors import ConfigError

__all__ = [
    "MispLoadReport",
    "MispProblem",
    "extract_misp",
    "indicators_of",
    "load_misp",
    "parse_since",
]

Row = tuple[str, str, dict[str, Any]]

#: MISP types naming one indicator, as written, and its threat-intel type.
_SIMPLE: dict[str, str] = {
    "ip-src": "ip",
    "ip-dst": "ip",
    "domain": "domain",
    "hostname": "domain",
    "url": "url",
    "uri": "url",
    "email": "email",
    "email-src": "email",
    "email-dst": "email",
    **{name: name for name in HASH_LENGTHS},
}
_FILENAME_HASH: dict[str, str] = {f"filename|{name}": name for name in HASH_LENGTHS}
_THREAT_LEVELS = {"1": "High", "2": "Medium", "3": "Low", "4": "Undefined"}
#: An event uuid must be a plain file name: no path, no "..".
_EVENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_IPV4_PORT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}):\d*")


def _address(text: str) -> str:
    """The address of an ``address|port`` value (also ``[v6]:port`` and ``v4:port``)."""
    address = text.rpartition("|")[0] if "|" in text else text
    address = address.strip()
    if address.startswith("[") and "]" in address:
        return address[1 : address.index("]")]
    match = _IPV4_PORT.fullmatch(address)
    return match.group(1) if match else address


def _part(misp_type: str, value: str, index: int) -> str:
    """Part ``index`` (0 or 1) of a composite ``a|b`` value; ValueError without a ``|``."""
    if "|" not in value:
        raise ValueError(f"a {misp_type} value needs a '|': {value!r:.80}")
    first, _, second = value.rpartition("|")
    return (first, second)[index]


def indicators_of(misp_type: str, value: str) -> list[tuple[str, str]] | None:
    """The (type, indicator) pairs a MISP attribute names, normalised; ``None`` for a type
    that is not supported; ``ValueError`` for a value that is not valid for its type."""
    if misp_type in _SIMPLE:
        kind = _SIMPLE[misp_type]
        return [(kind, normalize(kind, value))]
    if misp_type in ("ip-src|port", "ip-dst|port"):
        return [("ip", normalize("ip", _address(value)))]
    if misp_type == "hostname|port":
        return [("domain", normalize("domain", _part(misp_type, value, 0)))]
    if misp_type == "domain|ip":
        domain, address = _part(misp_type, value, 0), _part(misp_type, value, 1)
        return [("domain", normalize("domain", domain)), ("ip", normalize("ip", address))]
    if misp_type in _FILENAME_HASH:
        kind = _FILENAME_HASH[misp_type]
        return [(kind, normalize(kind, _part(misp_type, value, 1)))]
    return None


def parse_since(text: str) -> int:
    """Epoch seconds of a ``--since`` date: ``2026-01-31``, an ISO date-time (UTC unless it
    says otherwise) or epoch seconds; a :class:`ConfigError` for anything else."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--since: {text!r} is not a date (2026-01-31, 2026-01-31T12:00:00Z or epoch seconds)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


# ------------------------------------------------------------------------- the feed


class _Feed:
    """A feed's files, from a directory or an http(s) base URL."""

    def __init__(self, source: str, timeout: float) -> None:
        self.timeout = timeout
        self.url = source.lower().startswith(("http://", "https://"))
        if not self.url and "://" in source:
            raise ConfigError(f"{source}: a MISP feed is a directory or an http(s) URL")
        base = source.removesuffix("manifest.json") if self.url else source
        if self.url:
            self.base = base if base.endswith("/") else base + "/"
        else:
            path = Path(source)
            self.dir = path.parent if path.name == "manifest.json" else path
            if not self.dir.is_dir():
                raise ConfigError(f"{self.dir}: no such directory (a MISP feed directory)")
            self.base = str(self.dir)

    def where(self, name: str) -> str:
        """The URL or path of a file of the feed, for messages."""
        return self.base + name if self.url else str(self.dir / name)

    def read(self, name: str) -> bytes | None:
        """The bytes of a file of the feed; ``None`` when it is missing; a ConfigError when
        the server cannot be reached or fails."""
        where = self.where(name)
        if not self.url:
            try:
                return (self.dir / name).read_bytes()
            except FileNotFoundError:
                return None
            except OSError as e:
                raise ConfigError(f"{where}: cannot read: {e.strerror or e}") from None
        request = urllib.request.Request(
            where, headers={"Accept": "application/json", "User-Agent": "metron-misp-loader"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as e:
            if e.code in (404, 410):
                return None
            raise ConfigError(f"{where}: HTTP error {e.code} {e.reason}") from None
        except urllib.error.URLError as e:
            raise ConfigError(f"{where}: cannot connect: {e.reason}") from None
        except (TimeoutError, HTTPException, OSError) as e:
            raise ConfigError(f"{where}: reading failed: {e or type(e).__name__}") from None


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class MispProblem:
    """Something skipped because it is not valid: where (file or URL), which event and
    attribute (empty when the whole event file is bad), and why."""

    where: str
    event_uuid: str
    attribute_uuid: str
    reason: str

    def __str__(self) -> str:
        names = ": ".join(n for n in (self.event_uuid, self.attribute_uuid) if n)
        return f"{self.where}: {names + ': ' if names else ''}{self.reason}"


@dataclass
class MispLoadReport:
    """What a load did.

    ``events``: event files read; ``events_skipped``: manifest entries not read (older
    than ``since``, or whose file is missing or not an event: those are also in ``bad``);
    ``attributes``: attributes seen (events' and objects'); ``deleted``: deleted ones;
    ``to_ids``: the others marked ``to_ids``; ``unsupported``: of those, ones of a type
    that is not loaded; ``loaded``: records written; ``bad``: problems, skipped;
    ``types``: records per threat-intel type.
    """

    events: int = 0
    events_skipped: int = 0
    attributes: int = 0
    to_ids: int = 0
    loaded: int = 0
    unsupported: int = 0
    deleted: int = 0
    bad: list[MispProblem] = field(default_factory=list)
    types: dict[str, int] = field(default_factory=dict)


def _text(value: Any) -> str | None:
    """A string or integer field as text; None for anything else (absent, null, lists)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _flag(value: Any, name: str) -> bool:
    """A MISP boolean (``true``, ``1``, ``"1"``, ``"true"``; absent is false)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false", ""):
        return value.strip().lower() in ("1", "true")
    raise ValueError(f"'{name}' must be true or false, not {value!r:.40}")


def _epoch(value: Any) -> int | None:
    """Epoch seconds of a MISP timestamp (a string or number of seconds), None if absent."""
    text = _text(value)
    if text is None or not text.strip().isdigit():
        if value is None:
            return None
        raise ValueError(f"'timestamp' is not epoch seconds: {value!r:.40}")
    return int(text)


def _tags(*holders: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for holder in holders:
        tags = holder.get("Tag")
        for tag in tags if isinstance(tags, list) else []:
            name = tag.get("name") if isinstance(tag, dict) else None
            if isinstance(name, str) and name not in names:
                names.append(name)
    return names


def _org(*holders: Mapping[str, Any]) -> str | None:
    for holder in holders:
        org = holder.get("Orgc")
        if isinstance(org, dict) and isinstance(org.get("name"), str):
            return str(org["name"])
    return None


def _event_values(event: Mapping[str, Any], entry: Mapping[str, Any], uuid: str) -> dict[str, str]:
    """The value-map fields every record of an event shares."""
    values = {"event_uuid": uuid, "source": "misp"}
    info = _text(event.get("info")) or _text(entry.get("info"))
    if info:
        values["event_info"] = info
    org = _org(event, entry)
    if org:
        values["org"] = org
    level = _text(event.get("threat_level_id")) or _text(entry.get("threat_level_id"))
    if level is not None and level.strip() in _THREAT_LEVELS:
        values["threat_level"] = _THREAT_LEVELS[level.strip()]
    return values


def _attributes(event: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(label, attribute) of an event's attributes, then its objects'; ValueError when the
    lists are not lists."""
    attributes = event.get("Attribute", [])
    objects = event.get("Object", [])
    if not isinstance(attributes, list):
        raise ValueError("'Attribute' must be a list")
    if not isinstance(objects, list):
        raise ValueError("'Object' must be a list")
    for index, attribute in enumerate(attributes):
        yield f"Attribute[{index}]", attribute
    for number, obj in enumerate(objects):
        inner = obj.get("Attribute", []) if isinstance(obj, dict) else None
        if not isinstance(inner, list):
            raise ValueError(f"Object[{number}] must be an object with an 'Attribute' list")
        for index, attribute in enumerate(inner):
            yield f"Object[{number}].Attribute[{index}]", attribute


def _take_event(
    where: str,
    uuid: str,
    event: Mapping[str, Any],
    entry: Mapping[str, Any],
    report: MispLoadReport,
    records: dict[tuple[str, str], tuple[int, dict[str, str]]],
) -> None:
    """Add the records of one event's IDS attributes to ``records`` (later timestamp, or
    on a tie the later one, wins); problems go to ``report.bad``."""
    shared = _event_values(event, entry, uuid)
    event_tags = _tags(event)
    try:
        event_time = _epoch(event.get("timestamp")) or 0
    except ValueError:
        event_time = 0
    try:
        attributes = list(_attributes(event))
    except ValueError as e:
        report.bad.append(MispProblem(where, uuid, "", str(e)))
        return
    for label, attribute in attributes:
        report.attributes += 1
        if not isinstance(attribute, dict):
            report.bad.append(MispProblem(where, uuid, label, "not a JSON object"))
            continue
        attribute_uuid = _text(attribute.get("uuid")) or label
        try:
            if _flag(attribute.get("deleted"), "deleted"):
                report.deleted += 1
                continue
            if not _flag(attribute.get("to_ids"), "to_ids"):
                continue
            report.to_ids += 1
            misp_type, value = attribute.get("type"), attribute.get("value")
            if not isinstance(misp_type, str):
                raise ValueError("the attribute has no 'type'")
            if not isinstance(value, str):
                raise ValueError(f"the {misp_type} value must be a string, not {value!r:.40}")
            pairs = indicators_of(misp_type, value)
            if pairs is None:
                report.unsupported += 1
                continue
            stamp = _epoch(attribute.get("timestamp"))
        except ValueError as e:
            report.bad.append(MispProblem(where, uuid, attribute_uuid, str(e)))
            continue
        values = dict(shared)
        values["misp_type"] = misp_type
        for name, key in (("uuid", "attribute_uuid"), ("category", "category")):
            text = _text(attribute.get(name))
            if text:
                values[key] = text
        comment = _text(attribute.get("comment"))
        if comment and comment.strip():
            values["comment"] = comment
        tags = event_tags + [t for t in _tags(attribute) if t not in event_tags]
        if tags:
            values["tags"] = ",".join(tags)
        when = event_time if stamp is None else stamp
        if stamp is not None:
            values["timestamp"] = str(stamp)
        for pair in pairs:
            previous = records.get(pair)
            if previous is None or previous[0] <= when:
                records.pop(pair, None)  # re-insert: the order of records is input order
                records[pair] = (when, dict(values))


def _event_of(data: bytes) -> Mapping[str, Any]:
    """The ``Event`` object of an event file; ValueError when it is not one."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise ValueError(f"not valid JSON: {e}") from None
    event = document.get("Event") if isinstance(document, dict) else None
    if not isinstance(event, dict):
        raise ValueError('not a MISP event (a JSON object {"Event": {...}})')
    return event


def extract_misp(
    source: str | Path,
    *,
    since: int | None = None,
    timeout: float = 30.0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Row], MispLoadReport]:
    """The records of a MISP feed (nothing written) and the report of what they come to;
    a :class:`ConfigError` for a fatal problem (see the module docstring).  ``progress``
    is called with (events done, events to read) before and after each event."""
    feed = _Feed(str(source), timeout)
    manifest_where = feed.where("manifest.json")
    data = feed.read("manifest.json")
    if data is None:
        raise ConfigError(f"{manifest_where}: no manifest (is this a MISP feed?)")
    try:
        manifest = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise ConfigError(f"{manifest_where}: not valid JSON: {e}") from None
    if not isinstance(manifest, dict):
        raise ConfigError(f"{manifest_where}: expected a JSON object of event uuid -> event")
    report = MispLoadReport()
    todo: list[tuple[str, Mapping[str, Any]]] = []
    for uuid, entry in manifest.items():
        if not _EVENT_NAME.fullmatch(uuid):
            raise ConfigError(f"{manifest_where}: {uuid!r:.80} is not an event uuid")
        entry = entry if isinstance(entry, dict) else {}
        try:
            stamp = _epoch(entry.get("timestamp"))
        except ValueError:
            stamp = None
        if since is not None and stamp is not None and stamp < since:
            report.events_skipped += 1
            continue
        todo.append((uuid, entry))
    records: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}
    for done, (uuid, entry) in enumerate(todo):
        if progress is not None:
            progress(done, len(todo))
        name = f"{uuid}.json"
        where = feed.where(name)
        data = feed.read(name)
        try:
            if data is None:
                raise ValueError("the event file is missing")
            event = _event_of(data)
        except ValueError as e:
            report.events_skipped += 1
            report.bad.append(MispProblem(where, "", "", str(e)))
            continue
        report.events += 1
        event_uuid = _text(event.get("uuid")) or uuid
        _take_event(where, event_uuid, event, entry, report, records)
    if progress is not None:
        progress(len(todo), len(todo))
    rows = [(kind, indicator, value) for (kind, indicator), (_, value) in records.items()]
    for kind, _, _ in rows:
        report.types[kind] = report.types.get(kind, 0) + 1
    return rows, report


def load_misp(
    source: str | Path,
    store: LookupWriter,
    *,
    since: int | None = None,
    timeout: float = 30.0,
    progress: Callable[[int, int], None] | None = None,
    on_write: Callable[[int], None] | None = None,
    table: str = THREAT_INTEL_TABLE,
    column_family: str = DEFAULT_COLUMN_FAMILY,
) -> MispLoadReport:
    """Load the IDS attributes of the MISP feed at ``source`` (a directory or an http(s)
    base URL) into ``table`` (see the module docstring); the whole feed is extracted before
    one ``put_many`` writes the records (``on_write`` is told how many, first)."""
    rows, report = extract_misp(source, since=since, timeout=timeout, progress=progress)
    if on_write is not None:
        on_write(len(rows))
    report.loaded = store.put_many(table, rows, column_family) if rows else 0
    return report
