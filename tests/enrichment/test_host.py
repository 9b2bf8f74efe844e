"""The known-hosts (``host``) enrichment adapter: Metron's results for field values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metron.enrichment.host import HostAdapter, enrichment_key
from metron.errors import ConfigError
from metron.stellar.types import Long, java_hashmap_keys

KNOWN = """[
  {"ip":"10.1.128.236", "local":"YES", "type":"webserver", "asset_value" : "important"},
  {"ip":"10.1.128.237", "local":"UNKNOWN", "type":"unknown", "asset_value" : "important"},
  {"ip":"10.60.10.254", "local":"YES", "type":"printer", "asset_value" : "important"},
  {"ip":"10.0.2.15", "local":"YES", "type":"printer", "asset_value" : "important"}
]"""


@pytest.fixture
def adapter() -> HostAdapter:
    return HostAdapter.from_json(KNOWN)


def test_known_host(adapter: HostAdapter) -> None:
    assert adapter.enrich("10.0.2.15") == {
        "known_info.local": "YES",
        "known_info.type": "printer",
        "known_info.asset_value": "important",
    }


def test_unknown_host(adapter: HostAdapter) -> None:
    assert adapter.enrich("10.0.22.22") == {}
    assert adapter.enrich(" 10.0.2.15") == {}
    assert adapter.enrich("010.0.2.15") == {}


def test_non_string_values_are_converted(adapter: HostAdapter) -> None:
    assert adapter.enrich(10) == {}
    assert adapter.enrich(Long(10)) == {}
    numeric = HostAdapter.from_json('[{"ip": "10", "n": 1}]')
    assert numeric.enrich(10) == {"known_info.n": 1}
    assert numeric.enrich(["10", "11"]) == {"known_info.n": 1}
    assert numeric.enrich(1.0) == {}


def test_result_is_in_java_hashmap_order(adapter: HostAdapter) -> None:
    keys = list(adapter.enrich("10.1.128.236"))
    assert keys == java_hashmap_keys(keys)
    assert sorted(keys) == ["known_info.asset_value", "known_info.local", "known_info.type"]


def test_values_kept_as_given_and_ip_dropped() -> None:
    adapter = HostAdapter(
        [{"ip": "1.2.3.4", "tags": ["a", "b"], "owner": {"team": "x"}, "value": 2.5, "ok": True}]
    )
    result = adapter.enrich("1.2.3.4")
    assert result == {
        "known_info.tags": ["a", "b"],
        "known_info.owner": {"team": "x"},
        "known_info.value": 2.5,
        "known_info.ok": True,
    }
    assert "known_info.ip" not in result


def test_later_entry_wins_and_results_are_copies() -> None:
    adapter = HostAdapter.from_json('[{"ip": "h", "a": 1}, {"ip": "h", "b": 2}]')
    assert len(adapter) == 1
    first = adapter.enrich("h")
    assert first == {"known_info.b": 2}
    first.clear()
    assert adapter.enrich("h") == {"known_info.b": 2}


def test_entry_without_ip_answers_null() -> None:
    adapter = HostAdapter.from_json('[{"type": "mystery"}]')
    assert adapter.enrich(None) == {"known_info.type": "mystery"}
    assert HostAdapter.from_json(KNOWN).enrich(None) == {}


def test_host_with_only_an_ip_has_no_facts() -> None:
    assert HostAdapter.from_json('[{"ip": "h"}]').enrich("h") == {}


def test_initialize() -> None:
    assert HostAdapter.from_json(KNOWN).initialize()
    assert not HostAdapter.from_json("[]").initialize()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"ip": "h"}', "JSON list"),
        ('"h"', "JSON list"),
        ('[{"ip": "h"}, 3]', "#2 is not a JSON object"),
        ('[{"ip": 10}]', "'ip' must be text"),
    ],
)
def test_bad_known_hosts(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        HostAdapter.from_json(text)


def test_from_file(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts.json"
    path.write_text(json.dumps([{"ip": "h", "type": "printer"}]))
    assert HostAdapter.from_file(path).enrich("h") == {"known_info.type": "printer"}
    with pytest.raises(ConfigError, match="cannot read"):
        HostAdapter.from_file(tmp_path / "missing.json")
    path.write_text("[1]")
    with pytest.raises(ConfigError, match=str(path)):
        HostAdapter.from_file(path)


def test_enrichment_key() -> None:
    assert (
        enrichment_key("ip_dst_addr", "known_info.local")
        == "enrichments.host.ip_dst_addr.known_info.local"
    )
