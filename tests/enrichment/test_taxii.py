"""TAXII 2.1 polling against a real server (medallion, from the ``taxii_server`` fixture):
collection lookup by URL form, id and title, paging, added_after, incremental state,
errors that name the URL and leave the store and state alone."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from requests.auth import HTTPBasicAuth
from taxii2client.v21 import Collection

from metron.enrichment.lookup import MemoryLookup
from metron.enrichment.stix import extract_indicators, extract_objects
from metron.enrichment.taxii import (
    BearerAuth,
    TaxiiLoadReport,
    load_taxii,
    normalize_timestamp,
    read_state,
    state_file,
    write_state,
)
from metron.errors import ConfigError

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z: indicator 7 (valid until 2025-12-31) expired
LAST = "2026-02-02T00:00:00.000000Z"
RECORDS = {
    ("ip", "198.51.100.7"),
    ("ip", "2001:db8::/32"),
    ("domain", "evil.example"),
    ("url", "http://evil.example/x"),
    ("email", "bad@evil.example"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("domain", "new.example"),
}


def poll(
    server: dict[str, str],
    tmp_path: Path,
    url: str | None = None,
    store: MemoryLookup | None = None,
    **options: Any,
) -> tuple[TaxiiLoadReport, MemoryLookup]:
    target = MemoryLookup() if store is None else store
    options.setdefault("collection", server["indicators"])
    options.setdefault("auth", HTTPBasicAuth(server["user"], server["password"]))
    report = load_taxii(
        url or server["url"] + "taxii2/",
        lambda: target,
        data_dir=tmp_path / "data",
        now_ms=NOW,
        timeout=10,
        **options,
    )
    return report, target


def test_a_full_poll_loads_every_page(taxii_server: dict[str, str], tmp_path: Path) -> None:
    report, store = poll(taxii_server, tmp_path, limit=100)
    stix = report.stix
    assert report.pages == 3  # 12 objects, 5 a page: the server caps the limit
    assert stix.objects == 12
    assert (stix.loaded, stix.indicators, stix.expired, stix.revoked) == (8, 7, 1, 1)
    assert (stix.other_patterns, len(stix.bad)) == (1, 1)
    assert stix.types == {"domain": 2, "email": 1, "ip": 2, "md5": 1, "sha256": 1, "url": 1}
    assert all(store.exists("threatintel", kind, value) for kind, value in RECORDS)
    assert len(store) == len(RECORDS)
    assert not store.exists("threatintel", "domain", "old.example")  # superseded version
    value = store.get("threatintel", "ip", "198.51.100.7")
    assert value is not None and value["name"] == "indicator 1"
    assert report.added_after is None and report.date_added_last == LAST
    where = f"{taxii_server['url']}api1/ collection {taxii_server['indicators']}"
    assert report.target == where and report.title == "Indicators"
    assert str(stix.bad[0]).startswith(f"{where}: indicator--")
    assert read_state(state_file(tmp_path / "data")) == {
        f"{taxii_server['url']}api1/": {taxii_server["indicators"]: LAST}
    }


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_page_sizes_give_the_same_records(
    taxii_server: dict[str, str], tmp_path: Path, limit: int
) -> None:
    report, store = poll(taxii_server, tmp_path, limit=limit)
    assert report.pages == -(-12 // limit)
    assert len(store) == len(RECORDS)


@pytest.mark.parametrize("form", ["api root", "collection", "collection no slash", "title"])
def test_url_forms_and_titles(taxii_server: dict[str, str], tmp_path: Path, form: str) -> None:
    root = taxii_server["url"] + "api1/"
    collection_url = f"{root}collections/{taxii_server['indicators']}/"
    url, collection = {
        "api root": (root, taxii_server["indicators"]),
        "collection": (collection_url, None),
        "collection no slash": (collection_url.rstrip("/"), taxii_server["indicators"]),
        "title": (taxii_server["url"] + "taxii2/", "Indicators"),
    }[form]
    report, store = poll(taxii_server, tmp_path, url, collection=collection)
    assert report.target == f"{root} collection {taxii_server['indicators']}"
    assert len(store) == len(RECORDS)


def test_added_after_asks_only_for_newer_objects(
    taxii_server: dict[str, str], tmp_path: Path
) -> None:
    report, store = poll(taxii_server, tmp_path, added_after="2026-01-09T12:00:00Z")
    assert (report.pages, report.stix.objects, report.added_after) == (
        1,
        3,
        "2026-01-09T12:00:00Z",
    )
    assert {key[2:] for key in store._rows} == {("domain", "new.example")}


def test_incremental_polls_fetch_only_what_was_added(
    taxii_server: dict[str, str], tmp_path: Path
) -> None:
    options: dict[str, Any] = {"collection": "Live"}
    first, store = poll(taxii_server, tmp_path, **options)
    assert (first.stix.objects, first.added_after) == (1, None)
    nothing, _ = poll(taxii_server, tmp_path, store=store, **options)
    assert (nothing.stix.objects, nothing.added_after) == (0, first.date_added_last)
    assert nothing.date_added_last is None  # the state stays as it was
    live = Collection(
        f"{taxii_server['url']}api1/collections/{taxii_server['live']}/",
        user=taxii_server["user"],
        password=taxii_server["password"],
    )
    new = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--00000000-0000-4000-8000-000000000032",
        "created": "2026-03-01T00:00:00.000Z",
        "modified": "2026-03-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '192.0.2.32']",
        "pattern_type": "stix",
        "valid_from": "2026-03-01T00:00:00Z",
    }
    live.add_objects({"objects": [new]}, wait_for_completion=False)
    second, _ = poll(taxii_server, tmp_path, store=store, **options)
    assert (second.stix.objects, second.stix.loaded) == (1, 1)
    assert second.added_after == first.date_added_last
    assert second.date_added_last is not None and second.date_added_last > LAST
    assert store.exists("threatintel", "ip", "192.0.2.32")
    assert store.exists("threatintel", "ip", "192.0.2.31")
    full, _ = poll(taxii_server, tmp_path, store=store, full=True, **options)
    assert (full.stix.objects, full.added_after) == (2, None)


def test_polling_again_is_idempotent(taxii_server: dict[str, str], tmp_path: Path) -> None:
    store = MemoryLookup()
    for _ in range(2):
        report, _ = poll(taxii_server, tmp_path, store=store, full=True)
        assert report.stix.loaded == 8
    assert len(store) == 8


def never() -> MemoryLookup:
    raise AssertionError("the store must not be opened")


def failure(server: dict[str, str], tmp_path: Path, url: str | None = None, **options: Any) -> str:
    options.setdefault("collection", server["indicators"])
    options.setdefault("auth", HTTPBasicAuth(server["user"], server["password"]))
    with pytest.raises(ConfigError) as caught:
        load_taxii(url or server["url"] + "taxii2/", never, data_dir=tmp_path, timeout=5, **options)
    assert not state_file(tmp_path).exists()
    return str(caught.value)


def test_a_wrong_password_is_a_clear_error(taxii_server: dict[str, str], tmp_path: Path) -> None:
    message = failure(taxii_server, tmp_path, auth=HTTPBasicAuth(taxii_server["user"], "wrong"))
    assert message.startswith(f"{taxii_server['url']}taxii2/: authentication failed (401)")
    assert "--password-stdin" in message
    assert "authentication failed (401)" in failure(
        taxii_server, tmp_path, auth=BearerAuth("a-token")
    )


def test_an_unknown_collection_lists_the_available_ones(
    taxii_server: dict[str, str], tmp_path: Path
) -> None:
    message = failure(taxii_server, tmp_path, collection="nope")
    assert "no collection 'nope'; available: " in message
    assert f"{taxii_server['indicators']} ('Indicators')" in message
    assert f"{taxii_server['other']} ('Other feed')" in message
    assert "give --collection, one of:" in failure(taxii_server, tmp_path, collection=None)
    collection_url = f"{taxii_server['url']}api1/collections/{taxii_server['other']}/"
    assert "not 'Indicators'" in failure(
        taxii_server, tmp_path, collection_url, collection="Indicators"
    )


def test_other_failures_name_the_url(taxii_server: dict[str, str], tmp_path: Path) -> None:
    assert "is not readable" in failure(taxii_server, tmp_path, collection="Private")
    missing = taxii_server["url"] + "nothing/"
    assert failure(taxii_server, tmp_path, missing).startswith(f"{missing}: not found (404)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        closed = f"http://127.0.0.1:{port}/taxii2/"
        message = failure(taxii_server, tmp_path, closed)
    assert message.startswith(f"{closed}: cannot connect (")
    assert "Connection refused" in message
    with pytest.raises(ConfigError, match="at least 1"):
        load_taxii(taxii_server["url"], never, data_dir=tmp_path, limit=0)


def test_a_silent_server_times_out(tmp_path: Path) -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        url = f"http://127.0.0.1:{listening.getsockname()[1]}/taxii2/"
        with pytest.raises(ConfigError, match=r"no answer within 0\.3 s"):
            load_taxii(url, never, collection="x", data_dir=tmp_path, timeout=0.3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-09T12:00:00Z", "2026-01-09T12:00:00Z"),
        ("2026-01-09", "2026-01-09T00:00:00Z"),
        ("2026-01-09T14:00:00.5+02:00", "2026-01-09T12:00:00.500000Z"),
    ],
)
def test_normalize_timestamp(text: str, expected: str) -> None:
    assert normalize_timestamp(text) == expected


def test_normalize_timestamp_rejects_other_text() -> None:
    with pytest.raises(ConfigError, match=r"--added-after: 'yesterday' is not an ISO timestamp"):
        normalize_timestamp("yesterday")


def test_state_is_written_atomically_and_checked(tmp_path: Path) -> None:
    path = state_file(tmp_path)
    assert read_state(path) == {}
    write_state(path, {"https://x/api/": {"c1": LAST}})
    assert read_state(path) == {"https://x/api/": {"c1": LAST}}
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]
    for content in (b"{", b"[]", b'{"u": {"c": 1}}'):
        path.write_bytes(content)
        with pytest.raises(ConfigError, match=f"{path}: .*delete it to start over"):
            read_state(path)


def test_bearer_auth_sets_the_header() -> None:
    request = requests.Request("GET", "http://x/").prepare()
    assert BearerAuth("t0k")(request).headers["Authorization"] == "Bearer t0k"


def test_extract_objects_labels_problems_by_source(tmp_path: Path) -> None:
    objects = [{"type": "indicator", "id": "indicator--1", "pattern": "[x"}, "junk"]
    rows, report = extract_objects([("feed A", objects), ("feed B", [])])
    assert rows == [] and report.files == 2 and report.objects == 2
    assert [str(p).split(":")[0] for p in report.bad] == ["feed A", "feed A"]
    path = tmp_path / "b.json"
    path.write_bytes(orjson.dumps({"type": "bundle", "objects": objects}))
    assert extract_indicators([path])[1].bad[0].path == str(path)
