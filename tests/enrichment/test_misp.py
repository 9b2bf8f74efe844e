"""The MISP feed loader: type mapping, IDS flags, duplicates, problems, atomicity, HTTP."""

from __future__ import annotations

import functools
import http.server
import json
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metron.enrichment.lookup import MemoryLookup, SqliteLookup
from metron.enrichment.misp import (
    MispLoadReport,
    extract_misp,
    indicators_of,
    load_misp,
    parse_since,
)
from metron.errors import ConfigError

E1 = "5f1a0000-0000-4000-8000-000000000001"
E2 = "5f1a0000-0000-4000-8000-000000000002"
E3 = "5f1a0000-0000-4000-8000-000000000003"
MD5 = "D41D8CD98F00B204E9800998ECF8427E"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SHA512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" * 2
SSDEEP = "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"
TLSH = "T1A0B12C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C"

Row = tuple[str, str, dict[str, Any]]


def attr(n: int, misp_type: str, value: str, **extra: Any) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "uuid": f"a0000000-0000-4000-8000-{n:012d}",
        "type": misp_type,
        "category": "Network activity",
        "value": value,
        "to_ids": True,
        "deleted": False,
        "timestamp": "1700000000",
        "comment": "",
    }
    attribute.update(extra)
    return attribute


def event(uuid: str, *attributes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": uuid,
        "info": f"event {uuid[-1]}",
        "date": "2023-11-14",
        "timestamp": "1700000000",
        "published": True,
        "threat_level_id": "1",
        "analysis": "2",
        "Orgc": {"name": "CIRCL-like", "uuid": "0rg00000-0000-4000-8000-000000000000"},
        "Tag": [{"name": "tlp:white"}],
        "Attribute": list(attributes),
        "Object": [],
    }
    body.update(extra)
    return {"Event": body}


def write_feed(
    directory: Path, events: dict[str, Any], manifest: dict[str, Any] | None = None
) -> Path:
    """A feed directory: manifest.json built from ``events`` (or given) and the event files
    (a ``bytes`` event is written as is, ``None`` leaves the file out)."""
    directory.mkdir(parents=True, exist_ok=True)
    if manifest is None:
        manifest = {}
        for uuid, content in events.items():
            body = content["Event"] if isinstance(content, dict) else {}
            manifest[uuid] = {
                "info": body.get("info", ""),
                "timestamp": body.get("timestamp", "1700000000"),
                "threat_level_id": "1",
                "Orgc": {"name": "CIRCL-like"},
                "Tag": [],
            }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    for uuid, content in events.items():
        if isinstance(content, bytes):
            (directory / f"{uuid}.json").write_bytes(content)
        elif content is not None:
            (directory / f"{uuid}.json").write_text(json.dumps(content))
    return directory


def keys(rows: list[Row]) -> list[tuple[str, str]]:
    return [(kind, indicator) for kind, indicator, _ in rows]


def extract(tmp_path: Path, *attributes: dict[str, Any]) -> tuple[list[Row], MispLoadReport]:
    return extract_misp(write_feed(tmp_path / "feed", {E1: event(E1, *attributes)}))


# ---------------------------------------------------------------------- type mapping

MAPPING = [
    ("ip-src", "198.51.100.1", [("ip", "198.51.100.1")]),
    ("ip-dst", " 2001:db8::1 ", [("ip", "2001:db8::1")]),
    ("ip-dst", "10.0.0.0/8", [("ip", "10.0.0.0/8")]),
    ("ip-src|port", "198.51.100.2|8080", [("ip", "198.51.100.2")]),
    ("ip-dst|port", "198.51.100.3|443", [("ip", "198.51.100.3")]),
    ("ip-dst|port", "2001:db8::2|443", [("ip", "2001:db8::2")]),
    ("ip-dst|port", "[2001:db8::3]:443", [("ip", "2001:db8::3")]),
    ("ip-dst|port", "198.51.100.4:80", [("ip", "198.51.100.4")]),
    ("domain", "Evil.Example.", [("domain", "evil.example")]),
    ("hostname", "www.evil.example", [("domain", "www.evil.example")]),
    ("hostname|port", "c2.evil.example|8443", [("domain", "c2.evil.example")]),
    (
        "domain|ip",
        "Mixed.Example|198.51.100.5",
        [("domain", "mixed.example"), ("ip", "198.51.100.5")],
    ),
    ("url", "http://evil.example/a?b=c", [("url", "http://evil.example/a?b=c")]),
    ("uri", "/gate.php", [("url", "/gate.php")]),
    ("email", "a@evil.example", [("email", "a@evil.example")]),
    ("email-src", "b@evil.example", [("email", "b@evil.example")]),
    ("email-dst", "c@evil.example", [("email", "c@evil.example")]),
    ("md5", MD5, [("md5", MD5.lower())]),
    ("sha1", SHA1, [("sha1", SHA1)]),
    ("sha256", SHA256, [("sha256", SHA256)]),
    ("sha512", SHA512, [("sha512", SHA512)]),
    ("sha3-256", SHA256, [("sha3-256", SHA256)]),
    ("sha3-512", SHA512, [("sha3-512", SHA512)]),
    ("ssdeep", SSDEEP, [("ssdeep", SSDEEP)]),
    ("tlsh", TLSH, [("tlsh", TLSH)]),
    ("filename|md5", f"drop.exe|{MD5}", [("md5", MD5.lower())]),
    ("filename|sha1", f"a|b.exe|{SHA1}", [("sha1", SHA1)]),
    ("filename|sha256", f"drop.exe|{SHA256}", [("sha256", SHA256)]),
    ("filename|sha512", f"drop.exe|{SHA512}", [("sha512", SHA512)]),
    ("filename|ssdeep", f"drop.exe|{SSDEEP}", [("ssdeep", SSDEEP)]),
    ("filename|tlsh", f"drop.exe|{TLSH}", [("tlsh", TLSH)]),
]


@pytest.mark.parametrize(("misp_type", "value", "expected"), MAPPING)
def test_type_mapping(misp_type: str, value: str, expected: list[tuple[str, str]]) -> None:
    assert indicators_of(misp_type, value) == expected


@pytest.mark.parametrize(
    "misp_type", ["AS", "regkey", "mutex", "yara", "snort", "link", "text", "filename"]
)
def test_other_types_are_unsupported(misp_type: str) -> None:
    assert indicators_of(misp_type, "anything") is None


@pytest.mark.parametrize(
    ("misp_type", "value"),
    [
        ("ip-src", "not-an-ip"),
        ("ip-dst|port", "evil|80"),
        ("domain", "two words"),
        ("domain|ip", "evil.example"),
        ("domain|ip", "evil.example|300.1.1.1"),
        ("hostname|port", "c2.example"),
        ("md5", "abc"),
        ("filename|sha256", "drop.exe"),
        ("url", "   "),
    ],
)
def test_bad_values_raise_value_error(misp_type: str, value: str) -> None:
    with pytest.raises(ValueError):
        indicators_of(misp_type, value)


def test_every_mapped_type_loads_through_a_feed(tmp_path: Path) -> None:
    attributes = [attr(n, t, v) for n, (t, v, _) in enumerate(MAPPING)]
    rows, report = extract(tmp_path, *attributes)
    expected = {pair for _, _, pairs in MAPPING for pair in pairs}
    assert set(keys(rows)) == expected
    assert report.bad == []
    assert report.to_ids == len(MAPPING)
    assert sum(report.types.values()) == len(rows)
    assert report.types["ip"] == 9


# ------------------------------------------------------------------ flags and objects


@pytest.mark.parametrize(
    ("to_ids", "taken"),
    [
        (True, True),
        (1, True),
        ("1", True),
        ("true", True),
        (False, False),
        (0, False),
        ("0", False),
        ("false", False),
    ],
)
def test_to_ids_variants(tmp_path: Path, to_ids: Any, taken: bool) -> None:
    rows, report = extract(tmp_path, attr(1, "ip-dst", "198.51.100.1", to_ids=to_ids))
    assert keys(rows) == ([("ip", "198.51.100.1")] if taken else [])
    assert report.to_ids == int(taken)
    assert report.attributes == 1


def test_absent_to_ids_is_false_and_a_strange_one_is_a_problem(tmp_path: Path) -> None:
    no_flag = attr(1, "ip-dst", "198.51.100.1")
    del no_flag["to_ids"]
    rows, report = extract(tmp_path, no_flag, attr(2, "ip-dst", "198.51.100.2", to_ids="yes"))
    assert rows == []
    assert len(report.bad) == 1
    assert "to_ids" in report.bad[0].reason
    assert report.bad[0].attribute_uuid == "a0000000-0000-4000-8000-000000000002"


@pytest.mark.parametrize("deleted", [True, 1, "1"])
def test_deleted_attributes_are_skipped(tmp_path: Path, deleted: Any) -> None:
    rows, report = extract(
        tmp_path,
        attr(1, "ip-dst", "198.51.100.1", deleted=deleted),
        attr(2, "ip-dst", "198.51.100.2", deleted=deleted, to_ids=False),
        attr(3, "ip-dst", "198.51.100.3", deleted="0"),
    )
    assert keys(rows) == [("ip", "198.51.100.3")]
    assert (report.deleted, report.to_ids, report.attributes) == (2, 1, 3)


def test_object_attributes_are_taken(tmp_path: Path) -> None:
    objects = [
        {
            "name": "file",
            "uuid": "0b000000-0000-4000-8000-000000000001",
            "Attribute": [
                attr(10, "sha256", SHA256),
                attr(11, "filename", "drop.exe"),
                attr(12, "md5", MD5, to_ids=False),
            ],
        },
        {"name": "domain-ip", "Attribute": [attr(13, "domain", "obj.example")]},
    ]
    feed = write_feed(
        tmp_path / "feed", {E1: event(E1, attr(1, "ip-src", "198.51.100.1"), Object=objects)}
    )
    rows, report = extract_misp(feed)
    assert keys(rows) == [("ip", "198.51.100.1"), ("sha256", SHA256), ("domain", "obj.example")]
    assert (report.attributes, report.to_ids, report.unsupported) == (5, 4, 1)


def test_unsupported_types_are_counted(tmp_path: Path) -> None:
    rows, report = extract(
        tmp_path,
        attr(1, "AS", "AS64496"),
        attr(2, "mutex", "Global\\evil"),
        attr(3, "link", "https://blog.example/report"),
        attr(4, "domain", "evil.example"),
    )
    assert keys(rows) == [("domain", "evil.example")]
    assert report.unsupported == 3


# ------------------------------------------------------------------- values, problems


def test_value_map(tmp_path: Path) -> None:
    rows, _ = extract(
        tmp_path,
        attr(
            1,
            "domain|ip",
            "evil.example|198.51.100.1",
            comment="C2 server",
            Tag=[{"name": "kill-chain:c2"}, {"name": "tlp:white"}, "junk"],
            timestamp="1700000123",
        ),
        attr(2, "md5", MD5, category=None, comment="  "),
    )
    value = {
        "event_uuid": E1,
        "event_info": "event 1",
        "org": "CIRCL-like",
        "threat_level": "High",
        "attribute_uuid": "a0000000-0000-4000-8000-000000000001",
        "category": "Network activity",
        "misp_type": "domain|ip",
        "comment": "C2 server",
        "tags": "tlp:white,kill-chain:c2",
        "timestamp": "1700000123",
        "source": "misp",
    }
    assert rows[0] == ("domain", "evil.example", value)
    assert rows[1] == ("ip", "198.51.100.1", value)
    md5 = rows[2][2]
    assert "category" not in md5
    assert "comment" not in md5
    assert md5["misp_type"] == "md5"
    assert all(isinstance(v, str) for _, _, v in rows for v in v.values())


@pytest.mark.parametrize(
    ("level", "name"), [("1", "High"), (2, "Medium"), ("3", "Low"), ("4", "Undefined")]
)
def test_threat_levels(tmp_path: Path, level: Any, name: str | None) -> None:
    feed = write_feed(
        tmp_path / "feed", {E1: event(E1, attr(1, "domain", "a.example"), threat_level_id=level)}
    )
    rows, _ = extract_misp(feed)
    assert rows[0][2]["threat_level"] == name


def test_bad_values_are_problems_with_event_and_attribute(tmp_path: Path) -> None:
    rows, report = extract(
        tmp_path,
        attr(1, "ip-dst", "999.1.1.1"),
        attr(2, "md5", "abc"),
        attr(3, "domain", 42),
        attr(4, "ip-dst", "198.51.100.9", timestamp="yesterday"),
        "not an attribute",  # type: ignore[arg-type]
        attr(5, "domain", "fine.example"),
    )
    assert keys(rows) == [("domain", "fine.example")]
    assert [(p.event_uuid, p.attribute_uuid) for p in report.bad] == [
        (E1, "a0000000-0000-4000-8000-000000000001"),
        (E1, "a0000000-0000-4000-8000-000000000002"),
        (E1, "a0000000-0000-4000-8000-000000000003"),
        (E1, "a0000000-0000-4000-8000-000000000004"),
        (E1, "Attribute[4]"),
    ]
    assert "999.1.1.1" in report.bad[0].reason
    assert "md5" in report.bad[1].reason
    assert "timestamp" in report.bad[3].reason
    text = str(report.bad[0])
    assert text.startswith(str(tmp_path / "feed" / f"{E1}.json"))
    assert E1 in text and "a0000000-0000-4000-8000-000000000001" in text


def test_later_timestamp_wins_and_ties_go_to_the_later_one(tmp_path: Path) -> None:
    feed = write_feed(
        tmp_path / "feed",
        {
            E1: event(
                E1,
                attr(1, "ip-dst", "198.51.100.1", timestamp="1700000500", comment="newest"),
                attr(2, "ip-src", "198.51.100.1", timestamp="1700000100", comment="older"),
                attr(3, "domain", "tie.example", timestamp="1700000000", comment="first"),
            ),
            E2: event(
                E2,
                attr(4, "ip-dst|port", "198.51.100.1|80", timestamp="1700000400"),
                attr(5, "hostname", "TIE.example", timestamp="1700000000", comment="second"),
            ),
        },
    )
    rows, _ = extract_misp(feed)
    by_key = {(k, i): v for k, i, v in rows}
    assert len(rows) == 2
    assert by_key[("ip", "198.51.100.1")]["comment"] == "newest"
    assert by_key[("domain", "tie.example")]["comment"] == "second"
    assert by_key[("domain", "tie.example")]["event_uuid"] == E2


def test_missing_and_broken_event_files_are_skipped(tmp_path: Path) -> None:
    feed = write_feed(
        tmp_path / "feed",
        {
            E1: None,
            E2: b"{not json",
            E3: event(E3, attr(1, "domain", "ok.example")),
            "5f1a0000-0000-4000-8000-000000000004": {"Events": []},
        },
        manifest={
            E1: {"timestamp": "1700000000"},
            E2: {"timestamp": "1700000000"},
            E3: {"timestamp": "1700000000"},
            "5f1a0000-0000-4000-8000-000000000004": "not an object",
        },
    )
    rows, report = extract_misp(feed)
    assert keys(rows) == [("domain", "ok.example")]
    assert (report.events, report.events_skipped) == (1, 3)
    assert [p.where for p in report.bad] == [
        str(feed / f"{E1}.json"),
        str(feed / f"{E2}.json"),
        str(feed / "5f1a0000-0000-4000-8000-000000000004.json"),
    ]
    assert "missing" in report.bad[0].reason
    assert "not valid JSON" in report.bad[1].reason
    assert "not a MISP event" in report.bad[2].reason


def test_an_event_with_a_bad_attribute_list_is_a_problem(tmp_path: Path) -> None:
    feed = write_feed(
        tmp_path / "feed",
        {
            E1: event(E1, Attribute={"a": 1}),
            E2: event(E2, Object=[{"Attribute": "x"}]),
            E3: event(E3, attr(1, "domain", "ok.example")),
        },
    )
    rows, report = extract_misp(feed)
    assert keys(rows) == [("domain", "ok.example")]
    assert [(p.event_uuid, p.attribute_uuid) for p in report.bad] == [(E1, ""), (E2, "")]


def test_since(tmp_path: Path) -> None:
    feed = write_feed(
        tmp_path / "feed",
        {
            E1: event(E1, attr(1, "domain", "old.example"), timestamp="1600000000"),
            E2: event(E2, attr(2, "domain", "new.example"), timestamp="1700000000"),
            E3: event(E3, attr(3, "domain", "exact.example"), timestamp="1690000000"),
        },
    )
    rows, report = extract_misp(feed, since=1_690_000_000)
    assert keys(rows) == [("domain", "new.example"), ("domain", "exact.example")]
    assert (report.events, report.events_skipped) == (2, 1)
    assert len(extract_misp(feed)[0]) == 3


def test_parse_since() -> None:
    assert parse_since("2023-07-22") == 1_689_984_000
    assert parse_since("2023-07-22T00:00:00+02:00") == 1_689_984_000 - 7200
    assert parse_since("1690000000") == 1_690_000_000
    with pytest.raises(ConfigError, match="--since"):
        parse_since("last tuesday")


# ------------------------------------------------------------- store and fatal errors


def test_load_is_idempotent(tmp_path: Path) -> None:
    feed = write_feed(
        tmp_path / "feed",
        {E1: event(E1, attr(1, "domain|ip", "evil.example|198.51.100.1"), attr(2, "md5", MD5))},
    )
    with SqliteLookup(tmp_path / "lookup.db") as store:
        for _ in range(2):
            report = load_misp(feed, store)
            assert report.loaded == 3
            assert report.types == {"domain": 1, "ip": 1, "md5": 1}
            assert len(store) == 3
        record = store.get("threatintel", "md5", MD5.lower())
        assert record is not None and record["source"] == "misp"


def test_manifest_json_path_is_accepted(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed", {E1: event(E1, attr(1, "domain", "a.example"))})
    assert keys(extract_misp(feed / "manifest.json")[0]) == [("domain", "a.example")]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no manifest"),
        (lambda d: (d / "manifest.json").write_text("[1, 2]"), "expected a JSON object"),
        (lambda d: (d / "manifest.json").write_text("{oops"), "not valid JSON"),
        (lambda d: (d / "manifest.json").mkdir(), "cannot read"),
        (
            lambda d: (d / "manifest.json").write_text('{"../../etc/passwd": {}}'),
            "is not an event uuid",
        ),
    ],
)
def test_fatal_errors_leave_the_store_untouched(tmp_path: Path, setup: Any, message: str) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / f"{E1}.json").write_text(json.dumps(event(E1, attr(1, "domain", "a.example"))))
    setup(feed)
    with SqliteLookup(tmp_path / "lookup.db") as store:
        store.put_many("threatintel", [("domain", "before.example", {"k": "v"})])
        with pytest.raises(ConfigError, match=message):
            load_misp(feed, store)
        assert len(store) == 1


def test_not_a_feed_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such directory"):
        extract_misp(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="directory or an http"):
        extract_misp("ftp://feeds.example/misp/")


# --------------------------------------------------------------------------- property

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
_attribute = st.fixed_dictionaries(
    {},
    optional={
        "uuid": _json,
        "type": st.sampled_from([t for t, _, _ in MAPPING] + ["AS", "link"]) | _json,
        "value": st.text(max_size=30) | _json,
        "to_ids": st.sampled_from([True, False, "0", "1", 0, 1]) | _json,
        "deleted": st.sampled_from([True, False, "0", "1"]) | _json,
        "timestamp": st.sampled_from(["1700000000", "0", "-1"]) | _json,
        "comment": _json,
        "Tag": _json,
    },
)
_event = st.fixed_dictionaries(
    {},
    optional={
        "uuid": _json,
        "info": _json,
        "timestamp": _json,
        "threat_level_id": _json,
        "Orgc": _json,
        "Tag": _json,
        "Attribute": st.lists(_attribute | _json, max_size=4) | _json,
        "Object": st.lists(st.fixed_dictionaries({"Attribute": st.lists(_attribute)}) | _json)
        | _json,
    },
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(st.fixed_dictionaries({"Event": _event}) | _json, max_size=3),
    manifest_entry=_json,
    since=st.none() | st.integers(),
)
def test_random_events_raise_nothing_but_config_error(
    events: list[Any], manifest_entry: Any, since: int | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp)
        manifest = {f"e{n}": manifest_entry for n in range(len(events))}
        (feed / "manifest.json").write_text(json.dumps(manifest))
        for n, content in enumerate(events):
            (feed / f"e{n}.json").write_text(json.dumps(content))
        try:
            rows, report = extract_misp(feed, since=since)
        except ConfigError:
            return
        assert len(report.bad) + report.events + report.events_skipped >= len(events)
        for kind, indicator, value in rows:
            assert isinstance(indicator, str) and kind in report.types
            assert all(isinstance(v, str) for v in value.values())


# ------------------------------------------------------------------------------ HTTP


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves files, quietly; ``/boom.json`` is a server error."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.endswith("/boom.json"):
            self.send_error(500, "Internal Server Error")
        else:
            super().do_GET()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[str]:
    """An HTTP server on localhost serving ``tmp_path / "feed"``; yields its base URL."""
    root = tmp_path / "feed"
    root.mkdir(exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_load_over_http(tmp_path: Path, serve: str) -> None:
    write_feed(
        tmp_path / "feed",
        {
            E1: event(E1, attr(1, "ip-dst", "198.51.100.1")),
            E2: None,  # 404
            E3: event(E3, attr(2, "url", "http://evil.example/x")),
        },
        manifest={E1: {}, E2: {}, E3: {}},
    )
    store = MemoryLookup()
    seen: list[tuple[int, int]] = []
    report = load_misp(serve.rstrip("/"), store, progress=lambda d, t: seen.append((d, t)))
    assert report.loaded == 2
    assert store.exists("threatintel", "url", "http://evil.example/x")
    assert [p.where for p in report.bad] == [f"{serve}{E2}.json"]
    assert "missing" in report.bad[0].reason
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert keys(extract_misp(serve + "manifest.json")[0]) == keys(extract_misp(serve)[0])


def test_http_missing_manifest_is_fatal(serve: str) -> None:
    with pytest.raises(ConfigError, match=rf"{serve}manifest.json: no manifest"):
        extract_misp(serve)


def test_unreachable_url_is_fatal(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed/"
    store = MemoryLookup()
    with pytest.raises(ConfigError, match=rf"{url}manifest.json: cannot connect"):
        load_misp(url, store, timeout=5)
    assert len(store) == 0


def test_a_server_error_is_fatal(tmp_path: Path, serve: str) -> None:
    write_feed(
        tmp_path / "feed",
        {E1: event(E1, attr(1, "domain", "a.example")), "boom": None},
        manifest={E1: {}, "boom": {}},
    )
    store = MemoryLookup()
    with pytest.raises(ConfigError, match=rf"{serve}boom.json: HTTP error 500"):
        load_misp(serve, store)
    assert len(store) == 0
