"""The STIX loader: pattern parsing, observable types, validity, versions, atomicity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from metron.enrichment.lookup import MemoryLookup, SqliteLookup
from metron.enrichment.stix import PatternError, extract_indicators, load_stix, parse_pattern
from metron.errors import ConfigError

# 2026-06-01T00:00:00Z
NOW = 1_780_272_000_000


def indicator(n: int, pattern: str, **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    obj.update(extra)
    return obj


def bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "bundle",
        "id": "bundle--11111111-1111-4111-8111-111111111111",
        "objects": list(objects),
    }


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(content))
    return path


def keys(rows: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str]]:
    return [(kind, value) for kind, value, _ in rows]


def extract(tmp_path: Path, *objects: dict[str, Any]) -> Any:
    return extract_indicators([write(tmp_path, "b.json", bundle(*objects))], now_ms=NOW)


# ------------------------------------------------------------------------ the parser


def test_parse_simple_and_quoted_paths() -> None:
    (c,) = parse_pattern("[file:hashes.'SHA-256' = 'aBc']")
    assert (c.object_type, c.path, c.operator, c.values, c.negated) == (
        "file",
        "hashes.SHA-256",
        "=",
        ("aBc",),
        False,
    )
    (c,) = parse_pattern("[email-message:to_refs[*].value = 'a@b.example']")
    assert c.path == "to_refs[*].value"


def test_parse_complex_pattern() -> None:
    pattern = (
        "([ipv4-addr:value = '192.0.2.1' OR (domain-name:value = 'x.example'"
        " AND url:value != 'http://y.example/')] WITHIN 300 SECONDS"
        " FOLLOWEDBY [file:size > 10 AND file:name NOT = 'a\\'b']"
        " START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z')"
        " AND [ipv6-addr:value IN ('2001:db8::1', '2001:db8::2')] REPEATS 2 TIMES"
    )
    got = [(c.object_type, c.operator, c.values, c.negated) for c in parse_pattern(pattern)]
    assert got == [
        ("ipv4-addr", "=", ("192.0.2.1",), False),
        ("domain-name", "=", ("x.example",), False),
        ("url", "!=", ("http://y.example/",), False),
        ("file", ">", (10,), False),
        ("file", "=", ("a'b",), True),
        ("ipv6-addr", "IN", ("2001:db8::1", "2001:db8::2"), False),
    ]


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "ipv4-addr:value = '1.2.3.4'",
        "[ipv4-addr:value = '1.2.3.4'",
        "[ipv4-addr:value '1.2.3.4']",
        "[ipv4-addr:value = ]",
        "[ipv4-addr:value = '1.2.3.4'] AND",
        "[ipv4-addr value = '1.2.3.4']",
        "[ipv4-addr:value = '1.2.3.4'] WITHIN x SECONDS",
        "[ipv4-addr:value = '1.2.3.4' ; ]",
        "[ipv4-addr:value = 'unterminated]",
    ],
)
def test_bad_patterns(pattern: str) -> None:
    with pytest.raises(PatternError):
        parse_pattern(pattern)


# ------------------------------------------------------------------- observable types


def test_every_supported_type(tmp_path: Path) -> None:
    sha256 = "AB" * 32
    rows, report = extract(
        tmp_path,
        indicator(1, "[ipv4-addr:value = '198.51.100.7']"),
        indicator(2, "[ipv4-addr:value = '198.51.100.0/24']"),
        indicator(3, "[ipv6-addr:value = '2001:db8::/32']"),
        indicator(4, "[domain-name:value = 'Evil.Example.']"),
        indicator(5, "[url:value = 'http://evil.example/a?b=c']"),
        indicator(6, "[email-addr:value = 'bad@evil.example']"),
        indicator(7, f"[file:hashes.'SHA-256' = '{sha256}']"),
        indicator(8, "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
        indicator(9, "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"),
        indicator(10, "[email-message:from_ref.value = 'spoof@evil.example']"),
        indicator(11, "[network-traffic:dst_ref.value = '203.0.113.9']"),
        indicator(12, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"),
        indicator(13, "[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']"),
    )
    assert report.bad == []
    assert keys(rows) == [
        ("ip", "198.51.100.7"),
        ("ip", "198.51.100.0/24"),
        ("ip", "2001:db8::/32"),
        ("domain", "evil.example"),
        ("url", "http://evil.example/a?b=c"),
        ("email", "bad@evil.example"),
        ("sha256", "ab" * 32),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("email", "spoof@evil.example"),
        ("ip", "203.0.113.9"),
        ("ip", "10.0.0.0/8"),
        ("ssdeep", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"),
    ]
    assert report.indicators == 13
    assert report.types["ip"] == 5


def test_complex_pattern_yields_each_equality(tmp_path: Path) -> None:
    rows, report = extract(
        tmp_path,
        indicator(
            1,
            "[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2']"
            " AND [domain-name:value IN ('a.example', 'b.example')]"
            " AND [url:value != 'http://ok.example/' AND email-addr:value NOT = 'x@y.example'"
            " AND domain-name:value LIKE '%.bad' AND file:size = 3 AND process:pid = 4]",
        ),
    )
    assert keys(rows) == [
        ("ip", "192.0.2.1"),
        ("ip", "192.0.2.2"),
        ("domain", "a.example"),
        ("domain", "b.example"),
    ]
    assert report.indicators == 1


def test_value_map(tmp_path: Path) -> None:
    rows, _ = extract(
        tmp_path,
        indicator(
            1,
            "[domain-name:value = 'evil.example']",
            name="Evil domain",
            indicator_types=["malicious-activity", "attribution"],
            labels=["apt"],
            valid_until="2027-01-01T00:00:00Z",
            confidence=85,
            created_by_ref="identity--22222222-2222-4222-8222-222222222222",
        ),
    )
    assert rows == [
        (
            "domain",
            "evil.example",
            {
                "id": "indicator--00000000-0000-4000-8000-000000000001",
                "name": "Evil domain",
                "indicator_types": "malicious-activity,attribution",
                "labels": "apt",
                "valid_from": "2026-01-01T00:00:00Z",
                "valid_until": "2027-01-01T00:00:00Z",
                "confidence": "85",
                "created_by_ref": "identity--22222222-2222-4222-8222-222222222222",
            },
        )
    ]


# --------------------------------------------------------------- what is skipped, why


def test_expired_revoked_unsupported_and_other(tmp_path: Path) -> None:
    rows, report = extract(
        tmp_path,
        indicator(1, "[ipv4-addr:value = '192.0.2.1']", valid_until="2026-05-31T23:59:59Z"),
        indicator(2, "[ipv4-addr:value = '192.0.2.2']", valid_until="2026-06-01T00:00:01Z"),
        indicator(3, "[ipv4-addr:value = '192.0.2.3']", revoked=True),
        indicator(4, "[process:name = 'evil.exe']"),
        indicator(5, 'alert tcp any any -> any any (msg:"x";)', pattern_type="snort"),
        {"type": "malware", "id": "malware--33333333-3333-4333-8333-333333333333"},
        {"type": "relationship", "id": "relationship--44444444-4444-4444-8444-444444444444"},
    )
    assert keys(rows) == [("ip", "192.0.2.2")]
    assert (report.expired, report.revoked, report.unsupported, report.other_patterns) == (
        1,
        1,
        1,
        1,
    )
    assert report.objects == 7
    assert report.bad == []


def test_bad_objects_are_named_and_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.json",
        bundle(
            indicator(1, "[ipv4-addr:value = '999.1.1.1']"),
            indicator(2, "[ipv4-addr:value = "),
            indicator(3, "[domain-name:value = 'ok.example']", valid_until="yesterday"),
            indicator(4, "[file:hashes.MD5 = 'abc']"),
            indicator(5, "[ipv4-addr:value = 7]"),
            {"type": "indicator", "pattern": "[url:value = 'http://x.example/']"},
            indicator(6, "[domain-name:value = 'good.example']"),
            "not an object",  # type: ignore[arg-type]
            indicator(7, "[url:value = 'http://x.example/']", revoked="yes"),
            {k: v for k, v in indicator(8, "").items() if k != "pattern"},
        ),
    )
    store = MemoryLookup()
    report = load_stix([path], store, now_ms=NOW)
    assert report.loaded == 1
    assert store.exists("threatintel", "domain", "good.example")
    assert len(report.bad) == 9
    assert {p.path for p in report.bad} == {str(path)}
    messages = [str(p) for p in report.bad]
    assert "not an IP address" in messages[0]
    assert "indicator--00000000-0000-4000-8000-000000000001" in messages[0]
    assert "bad pattern" in messages[1]
    assert "valid_until" in messages[2]
    assert "md5" in messages[3]
    assert "non-string" in messages[4]
    assert "#5" in messages[5]
    assert "#7" in messages[6]
    assert "revoked" in messages[7]
    assert "no 'pattern'" in messages[8]


def test_a_bad_value_skips_only_itself(tmp_path: Path) -> None:
    # Real bundles carry slips like this one (a word inside the domain value); the
    # indicator's other observables still load, and the slip is named.
    pattern = (
        "[domain-name:value = 'domain bad.example' OR ipv4-addr:value = '192.0.2.7'"
        " OR ipv4-addr:value IN ('192.0.2.8', '300.0.0.1', '192.0.2.9')]"
    )
    rows, report = extract(tmp_path, indicator(1, pattern))
    assert keys(rows) == [("ip", "192.0.2.7"), ("ip", "192.0.2.8"), ("ip", "192.0.2.9")]
    assert report.indicators == 1
    reasons = [p.reason for p in report.bad]
    assert len(reasons) == 2
    assert reasons[0] == "'domain bad.example' is not a domain name; the rest loads"
    assert "'300.0.0.1' is not an IP address" in reasons[1]
    expired = indicator(2, pattern, valid_until="2000-01-01T00:00:00Z")
    _, report = extract(tmp_path, expired)
    assert (report.expired, report.bad) == (1, [])


def test_latest_version_decides(tmp_path: Path) -> None:
    old = indicator(1, "[ipv4-addr:value = '192.0.2.1']")
    new = indicator(
        1, "[ipv4-addr:value = '192.0.2.9']", modified="2026-03-01T00:00:00.000Z", name="v2"
    )
    revoked = indicator(
        2, "[ipv4-addr:value = '192.0.2.5']", modified="2026-03-01T00:00:00Z", revoked=True
    )
    rows, report = extract(tmp_path, new, old, revoked, indicator(2, "[url:value = 'u:x']"))
    assert keys(rows) == [("ip", "192.0.2.9")]
    assert rows[0][2]["name"] == "v2"
    assert report.superseded == 2
    assert report.revoked == 1


# ----------------------------------------------------------------- file forms, loading


def test_file_forms(tmp_path: Path) -> None:
    single = write(tmp_path, "one.json", indicator(1, "[url:value = 'http://a.example/']"))
    listed = write(
        tmp_path,
        "list.json",
        [indicator(2, "[url:value = 'http://b.example/']"), {"type": "identity", "id": "x"}],
    )
    empty = write(tmp_path, "empty.json", {"type": "bundle", "id": "bundle--1"})
    store = MemoryLookup()
    report = load_stix([single, listed, empty], store, now_ms=NOW)
    assert (report.loaded, report.files, report.objects) == (2, 3, 3)
    assert store.exists("threatintel", "url", "http://a.example/")
    assert store.exists("threatintel", "url", "http://b.example/")


@pytest.mark.parametrize(
    "content",
    ["{not json", "42", '{"objects": []}', '{"type": "bundle", "objects": {}}'],
)
def test_bad_files_write_nothing(tmp_path: Path, content: str) -> None:
    good = write(tmp_path, "good.json", bundle(indicator(1, "[url:value = 'http://a/']")))
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    store = MemoryLookup()
    with pytest.raises(ConfigError, match=r"bad\.json"):
        load_stix([good, bad], store, now_ms=NOW)
    assert len(store) == 0
    with pytest.raises(ConfigError, match=r"missing\.json"):
        load_stix([good, tmp_path / "missing.json"], store, now_ms=NOW)
    assert len(store) == 0


def test_idempotent_reload_into_sqlite(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b.json",
        bundle(
            indicator(1, "[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'e.example']"),
            indicator(2, "[ipv4-addr:value = '192.0.2.1']", name="later"),
        ),
    )
    with SqliteLookup(tmp_path / "lookup.db") as store:
        first = load_stix([path], store, now_ms=NOW)
        second = load_stix([path], store, now_ms=NOW)
        assert first.loaded == second.loaded == 2
        assert len(store) == 2
        value = store.get("threatintel", "ip", "192.0.2.1")
        assert value is not None and value["name"] == "later"
        assert store.exists("threatintel", "domain", "e.example")


def test_table_column_family_and_default_now(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b.json",
        bundle(
            indicator(1, "[url:value = 'http://a/']", valid_until="2000-01-01T00:00:00Z"),
            indicator(2, "[url:value = 'http://b/']", valid_until="9999-01-01T00:00:00Z"),
        ),
    )
    store = MemoryLookup()
    report = load_stix([path], store, table="ti", column_family="f")
    assert (report.loaded, report.expired) == (1, 1)
    assert store.exists("ti", "url", "http://b/", "f")


def test_stix_2_0_indicator_without_pattern_type(tmp_path: Path) -> None:
    obj = indicator(1, "[domain-name:value = 'old.example']", labels=["malicious-activity"])
    del obj["pattern_type"], obj["spec_version"]
    rows, report = extract(tmp_path, obj)
    assert rows == [
        (
            "domain",
            "old.example",
            {
                "id": "indicator--00000000-0000-4000-8000-000000000001",
                "labels": "malicious-activity",
                "valid_from": "2026-01-01T00:00:00Z",
            },
        )
    ]
    assert report.indicators == 1


def test_literal_kinds() -> None:
    comparisons = parse_pattern(
        "[artifact:payload_bin = b'AAEC' AND file:magic_number_hex = h'ffd8'"
        " AND file:created > t'2026-01-01T00:00:00Z' AND file:x_flag = true"
        " AND file:size >= -1.5]"
    )
    assert [(c.kind, c.values) for c in comparisons] == [
        ("binary", ("AAEC",)),
        ("hex", ("ffd8",)),
        ("timestamp", ("2026-01-01T00:00:00Z",)),
        ("bool", (True,)),
        ("number", (-1.5,)),
    ]


def test_binary_literal_for_a_supported_path_is_bad(tmp_path: Path) -> None:
    rows, report = extract(tmp_path, indicator(1, "[url:value = b'aHR0cDovL2E=']"))
    assert rows == []
    assert "non-string" in report.bad[0].reason
