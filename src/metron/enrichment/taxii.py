"""TAXII 2.1 polling: the indicators of a server's collection into the threat-intel table.

:func:`load_taxii` finds a collection, fetches every page of its objects, extracts them as
the STIX loader does (:func:`metron.enrichment.stix.extract_objects`) and writes the
records with one ``put_many``.  HTTP goes through the ``taxii2-client`` library.

* The URL may be a server's discovery URL (``https://host/taxii2/``), an API root URL or
  a collection URL; which it is, is read from the resource it answers with.  With a
  discovery or API root URL ``collection`` (an id or a title) is required and looked up in
  every API root the server lists; with a collection URL it may be left out, and when
  given it must name that collection.
* Pages are requested with ``limit`` and followed through the envelope's ``next`` (or,
  from a server that gives no ``next``, through ``added_after`` set to the page's
  ``X-TAXII-Date-Added-Last``).
* Incremental: after a successful load the latest ``X-TAXII-Date-Added-Last`` seen is kept
  per (API root URL, collection id) in ``<data dir>/taxii/state.json`` (written
  atomically); the next poll without ``added_after`` asks only for objects added after
  it, unless ``full`` is set.
* All-or-nothing: every page is fetched and extracted before the store is opened; a
  connection, TLS, HTTP (401, 403, 404...) or protocol failure, an unknown or unreadable
  collection is a :class:`ConfigError` naming the URL, with the store and state untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import requests
from taxii2client import exceptions as taxii_errors
from taxii2client.common import _HTTPConnection
from taxii2client.v21 import ApiRoot, Collection, Server

from metron.enrichment.lookup import DEFAULT_COLUMN_FAMILY, THREAT_INTEL_TABLE, LookupWriter
from metron.enrichment.stix import StixLoadReport, extract_objects
from metron.errors import ConfigError

__all__ = [
    "BearerAuth",
    "TaxiiLoadReport",
    "TaxiiTarget",
    "find_collection",
    "load_taxii",
    "normalize_timestamp",
    "read_state",
    "state_file",
    "write_state",
]

#: Objects asked for per page (a server may send fewer).
DEFAULT_LIMIT = 500


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class _TimeoutAdapter(requests.adapters.HTTPAdapter):
    """An adapter that gives every request a timeout (taxii2-client sets none)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


def normalize_timestamp(text: str, what: str = "--added-after") -> str:
    """``text`` (ISO 8601; UTC when it has no offset) as a TAXII timestamp in UTC with a
    ``Z``, as servers expect for ``added_after``; a :class:`ConfigError` otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"{what}: {text!r} is not an ISO timestamp (e.g. 2026-01-31T00:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _later(a: str | None, b: str | None) -> str | None:
    """The later of two TAXII timestamps (either may be None), compared as instants."""
    if a is None or b is None:
        return a or b
    try:
        return a if datetime.fromisoformat(a) >= datetime.fromisoformat(b) else b
    except ValueError:  # a server's malformed header: keep what parses
        return b if _parses(b) else a


def _parses(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------ state


def state_file(data_dir: Path) -> Path:
    """Where incremental polling keeps what it has seen: ``<data dir>/taxii/state.json``."""
    return data_dir / "taxii" / "state.json"


def read_state(path: Path) -> dict[str, dict[str, str]]:
    """API root URL -> collection id -> latest ``date_added`` loaded; empty when absent."""
    try:
        state = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, orjson.JSONDecodeError) as e:
        raise ConfigError(
            f"{path}: unreadable TAXII state ({e}); delete it to start over"
        ) from None
    valid = isinstance(state, dict) and all(
        isinstance(v, dict) and all(isinstance(t, str) for t in v.values()) for v in state.values()
    )
    if not valid:
        raise ConfigError(f"{path}: not a TAXII state file; delete it to start over")
    return state


def write_state(path: Path, state: dict[str, dict[str, str]]) -> None:
    """Replace the state file atomically (a crash leaves the old one or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".state-", delete=False) as out:
        out.write(orjson.dumps(state, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        out.flush()
        os.fsync(out.fileno())
    os.replace(out.name, path)


# ---------------------------------------------------------------------------- network


@contextlib.contextmanager
def _errors(url: str, timeout: float) -> Iterator[None]:
    """Turn what the HTTP and TAXII libraries raise into one-line ConfigErrors."""
    try:
        yield
    except requests.exceptions.SSLError as e:
        raise ConfigError(
            f"{url}: TLS failed ({_reason(e)}); give the server's CA with --ca-cert"
            " (or --insecure to skip verification)"
        ) from None
    except requests.exceptions.Timeout:
        raise ConfigError(f"{url}: no answer within {timeout:g} s") from None
    except requests.exceptions.ConnectionError as e:
        raise ConfigError(f"{url}: cannot connect ({_reason(e)})") from None
    except requests.exceptions.HTTPError as e:
        raise ConfigError(_http_message(url, e.response)) from None
    except requests.exceptions.RequestException as e:
        raise ConfigError(f"{url}: request failed: {_reason(e)}") from None
    except taxii_errors.TAXIIServiceException as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ConfigError(f"{url}: not a TAXII 2.1 server: {first}") from None


def _reason(error: Exception) -> str:
    """The cause of a requests error, shortly: urllib3 nests it in a long repr."""
    cause: object = error.args[0] if error.args else error
    cause = getattr(cause, "reason", None) or cause  # urllib3's MaxRetryError
    text = str(cause)
    if "[Errno" in text:
        return text[text.index("[Errno") :].rstrip("')\"")
    return text.split("object at 0x", 1)[-1].split(">: ", 1)[-1].rstrip("')\"")


def _http_message(url: str, response: requests.Response | None) -> str:
    status = response.status_code if response is not None else 0
    where = response.url if response is not None else url
    if status == 401:
        return (
            f"{where}: authentication failed (401); give --user with --password-stdin or"
            " $METRON_TAXII_PASSWORD, or $METRON_TAXII_TOKEN"
        )
    if status == 403:
        return f"{where}: access denied (403) for these credentials"
    if status == 404:
        return f"{where}: not found (404); give a TAXII 2.1 discovery, API root or collection URL"
    if status == 406:
        return f"{where}: the server does not speak TAXII 2.1 (406 Not Acceptable)"
    reason = response.reason if response is not None else ""
    return f"{where}: the server answered {status} {reason}".rstrip()


class _HeaderRecorder:
    """A response hook keeping the last response's ``X-TAXII-Date-Added-Last``."""

    def __init__(self) -> None:
        self.date_added_last: str | None = None

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.date_added_last = response.headers.get("X-TAXII-Date-Added-Last")


def _connect(auth: requests.auth.AuthBase | None, verify: bool | str, timeout: float) -> Any:
    """A taxii2-client connection with ``auth``, TLS ``verify`` and a request timeout."""
    conn = _HTTPConnection(auth=auth, verify=verify, version="2.1")
    adapter = _TimeoutAdapter(timeout)
    conn.session.mount("http://", adapter)
    conn.session.mount("https://", adapter)
    return conn


@dataclass(frozen=True)
class TaxiiTarget:
    """The collection a poll reads: its API root URL, id, title and endpoint."""

    api_root: str
    id: str
    title: str
    collection: Any  # taxii2client.v21.Collection

    def describe(self) -> str:
        return f"{self.api_root} collection {self.id}"


def _api_root_of(collection_url: str) -> str:
    """``https://h/root/`` for ``https://h/root/collections/<id>/``."""
    head, middle, _ = collection_url.rstrip("/").rsplit("/", 2)
    return head + "/" if middle == "collections" else collection_url


def find_collection(conn: Any, url: str, wanted: str | None) -> TaxiiTarget:
    """The collection ``wanted`` (an id or title) at ``url`` (a discovery, API root or
    collection URL); a :class:`ConfigError` listing the collections when none matches."""
    url = url if url.endswith("/") else url + "/"
    resource = conn.get(url)
    if not isinstance(resource, dict):
        raise ConfigError(f"{url}: not a TAXII 2.1 resource (expected a JSON object)")
    if "id" in resource and "can_read" in resource:
        collection = Collection(url, conn=conn, collection_info=resource)
        if wanted is not None and wanted not in (collection.id, collection.title):
            raise ConfigError(
                f"{url} is collection {collection.id} ({collection.title!r}), not {wanted!r};"
                " leave out --collection or give its id or title"
            )
        return TaxiiTarget(_api_root_of(url), collection.id, collection.title, collection)
    if "versions" in resource and "max_content_length" in resource:
        roots = [url]
    elif "api_roots" in resource or "title" in resource:
        roots = [root.url for root in Server(url, conn=conn).api_roots]
        if not roots:
            raise ConfigError(f"{url}: the server lists no API roots")
    else:
        raise ConfigError(f"{url}: not a TAXII 2.1 discovery, API root or collection resource")
    found = [(root, c) for root in roots for c in ApiRoot(root, conn=conn).collections]
    listing = ", ".join(f"{c.id} ({c.title!r})" for _, c in found) or "none"
    if wanted is None:
        raise ConfigError(f"{url}: give --collection, one of: {listing}")
    matches = [(root, c) for root, c in found if wanted in (c.id, c.title)]
    if not matches:
        raise ConfigError(f"{url}: no collection {wanted!r}; available: {listing}")
    if len(matches) > 1:
        ids = ", ".join(f"{c.id} at {root}" for root, c in matches)
        raise ConfigError(f"{url}: {wanted!r} names several collections ({ids}); give the id")
    root, collection = matches[0]
    return TaxiiTarget(root, collection.id, collection.title, collection)


def _pages(
    target: TaxiiTarget, recorder: _HeaderRecorder, added_after: str | None, limit: int
) -> Iterator[tuple[list[Any], str | None]]:
    """Each page's objects and ``X-TAXII-Date-Added-Last``, following ``next``."""
    collection = target.collection
    if not collection.can_read:
        raise ConfigError(f"{collection.url}: collection {target.id} is not readable")
    filters: dict[str, Any] = {"limit": limit}
    if added_after is not None:
        filters["added_after"] = added_after
    token: str | None = None
    while True:
        recorder.date_added_last = None
        if token is None:
            envelope = collection.get_objects(**filters)
        else:
            envelope = collection.get_objects(next=token, **filters)
        objects = envelope.get("objects", []) if isinstance(envelope, dict) else None
        if not isinstance(objects, list):
            raise ConfigError(f"{collection.objects_url}: not a TAXII envelope")
        yield objects, recorder.date_added_last
        if not envelope.get("more"):
            return
        if not objects:
            raise ConfigError(f"{collection.objects_url}: 'more' is true but no objects came")
        if envelope.get("next"):
            token = str(envelope["next"])
        elif recorder.date_added_last:
            filters["added_after"], token = recorder.date_added_last, None
        else:
            raise ConfigError(
                f"{collection.objects_url}: 'more' is true with no 'next' and no"
                " X-TAXII-Date-Added-Last to go on from"
            )


@dataclass
class TaxiiLoadReport:
    """What a poll did: the STIX report of its objects, pages fetched, the ``added_after``
    asked for (None: everything), the latest ``date_added`` seen, and the collection."""

    stix: StixLoadReport
    pages: int = 0
    added_after: str | None = None
    date_added_last: str | None = None
    target: str = ""
    title: str = ""
    state: Path | None = field(default=None)


def load_taxii(
    url: str,
    open_store: Callable[[], LookupWriter],
    *,
    collection: str | None = None,
    data_dir: Path,
    added_after: str | None = None,
    full: bool = False,
    limit: int = DEFAULT_LIMIT,
    auth: requests.auth.AuthBase | None = None,
    verify: bool | str = True,
    timeout: float = 30.0,
    now_ms: int | None = None,
    on_page: Callable[[int, int], None] | None = None,
    table: str = THREAT_INTEL_TABLE,
    column_family: str = DEFAULT_COLUMN_FAMILY,
) -> TaxiiLoadReport:
    """Poll a collection and load its indicators (see the module docstring).

    ``open_store`` is called only once every page is fetched, and its store is not closed
    here; ``on_page(pages, objects)`` reports progress; ``added_after`` (a TAXII
    timestamp) overrides the state, ``full`` ignores it.
    """
    if limit < 1:
        raise ConfigError(f"--limit must be at least 1, not {limit}")
    path = state_file(data_dir)
    state = read_state(path)
    conn = _connect(auth, verify, timeout)
    recorder = _HeaderRecorder()
    conn.session.hooks["response"].append(recorder)
    objects: list[Any] = []
    latest: str | None = None
    pages = 0
    with contextlib.closing(conn), _errors(url, timeout), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # urllib3's warning for --insecure, once per request
        target = find_collection(conn, url, collection)
        since = added_after
        if since is None and not full:
            since = state.get(target.api_root, {}).get(target.id)
        for page, last in _pages(target, recorder, since, limit):
            pages += 1
            objects.extend(page)
            latest = _later(latest, last) if last else latest
            if on_page is not None:
                on_page(pages, len(objects))
    rows, report = extract_objects([(target.describe(), objects)], now_ms=now_ms)
    store = open_store()
    report.loaded = store.put_many(table, rows, column_family) if rows else 0
    if latest is not None:
        state.setdefault(target.api_root, {})[target.id] = latest
        write_state(path, state)
    return TaxiiLoadReport(report, pages, since, latest, target.describe(), target.title, path)
