"""The config endpoints: global, sensor parser configs and groups, enrichment, indexing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from metron.enrichment.lookup import ENRICHMENT_TABLE, SqliteLookup
from web.support import ADMIN, ANALYST, Web

GROK = "org.apache.metron.parsers.GrokParser"

#: A grok sensor of our own: "<user> logged in from <address>".
LOGIN_PARSER: dict[str, Any] = {
    "parserClassName": GROK,
    "sensorTopic": "logins",
    "parserConfig": {"grokPath": "/patterns/logins", "patternLabel": "LOGIN"},
}
LOGIN_PATTERNS = "LOGIN %{USERNAME:user} logged in from %{IP:ip_src_addr}"

SQUID_PARSER: dict[str, Any] = {
    "parserClassName": GROK,
    "sensorTopic": "proxy",
    "parserConfig": {
        "grokPath": "/patterns/squid",
        "patternLabel": "SQUID_DELIMITED",
        "timestampField": "timestamp",
    },
}
SQUID_LINE = (
    "1700000000.123    250 10.1.2.3 TCP_MISS/200 5120 GET"
    " http://intranet.example.org/index.html - DIRECT/10.9.8.7 text/html"
)

ENRICHMENT: dict[str, Any] = {
    "enrichment": {"fieldMap": {"geo": ["ip_dst_addr"]}},
    "threatIntel": {
        "fieldMap": {"hbaseThreatIntel": ["ip_src_addr"]},
        "fieldToTypeMap": {"ip_src_addr": ["bad_hosts"]},
        "triageConfig": {"riskLevelRules": [], "aggregator": "MAX"},
    },
}


def _file(web: Web, key: str) -> Any:
    return json.loads((web.config_dir / f"{key}.json").read_text(encoding="utf-8"))


def _audit(web: Web, target: str) -> list[dict[str, Any]]:
    response = web.client.get("/api/v1/audit", params={"target": target}, auth=ADMIN)
    assert response.status_code == 200
    entries: list[dict[str, Any]] = response.json()
    return entries


# ------------------------------------------------------------------------------ global


def test_global_config_lifecycle(web: Web) -> None:
    client = web.client
    assert client.get("/api/v1/global/config", auth=ANALYST).status_code == 404

    created = client.post("/api/v1/global/config", json={"es.date.format": "yyyy"}, auth=ADMIN)
    assert created.status_code == 201
    assert created.json() == {"es.date.format": "yyyy"}
    assert _file(web, "global") == {"es.date.format": "yyyy"}

    replaced = client.post("/api/v1/global/config", json={"es.date.format": "yyyy.MM"}, auth=ADMIN)
    assert replaced.status_code == 200
    assert client.get("/api/v1/global/config", auth=ANALYST).json() == {"es.date.format": "yyyy.MM"}

    latest, first = _audit(web, "global")[:2]
    assert (first["action"], first["user"]) == ("config.save", "admin")
    assert (first["before"], first["after"]) == (None, {"es.date.format": "yyyy"})
    assert latest["before"] == {"es.date.format": "yyyy"}
    assert latest["after"] == {"es.date.format": "yyyy.MM"}

    assert client.delete("/api/v1/global/config", auth=ADMIN).status_code == 200
    assert not (web.config_dir / "global.json").exists()
    assert _audit(web, "global")[0]["action"] == "config.delete"
    assert client.delete("/api/v1/global/config", auth=ADMIN).status_code == 404


def test_global_config_must_be_an_object(web: Web) -> None:
    response = web.client.post("/api/v1/global/config", json=[1, 2], auth=ADMIN)
    assert response.status_code == 400
    assert response.json()["responseCode"] == 400
    assert not (web.config_dir / "global.json").exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/global/config"),
        ("delete", "/api/v1/global/config"),
        ("post", "/api/v1/sensor/parser/config"),
        ("post", "/api/v1/sensor/parser/config/logins"),
        ("delete", "/api/v1/sensor/parser/config/logins"),
        ("post", "/api/v1/sensor/parser/group"),
        ("delete", "/api/v1/sensor/parser/group/edge"),
        ("post", "/api/v1/sensor/enrichment/config/logins"),
        ("delete", "/api/v1/sensor/enrichment/config/logins"),
        ("post", "/api/v1/sensor/indexing/config/logins"),
        ("delete", "/api/v1/sensor/indexing/config/logins"),
    ],
)
def test_writes_need_admin(web: Web, method: str, path: str) -> None:
    body = {"json": {"name": "edge", "sensors": ["logins"], **LOGIN_PARSER}}
    kwargs: dict[str, Any] = body if method == "post" else {}
    forbidden = getattr(web.client, method)(path, auth=ANALYST, **kwargs)
    assert forbidden.status_code == 403
    assert "ADMIN" in forbidden.json()["message"]
    anonymous = getattr(web.client, method)(path, **kwargs)
    assert anonymous.status_code == 401
    assert list(web.config_dir.iterdir()) == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/global/config",
        "/api/v1/sensor/parser/config",
        "/api/v1/sensor/parser/config/logins",
        "/api/v1/sensor/parser/config/list/available",
        "/api/v1/sensor/parser/config/reload/available",
        "/api/v1/sensor/parser/group",
        "/api/v1/sensor/parser/group/edge",
        "/api/v1/sensor/enrichment/config",
        "/api/v1/sensor/enrichment/config/logins",
        "/api/v1/sensor/enrichment/config/list/available/enrichments",
        "/api/v1/sensor/enrichment/config/list/available/threat/triage/aggregators",
        "/api/v1/sensor/indexing/config",
        "/api/v1/sensor/indexing/config/logins",
        "/api/v1/sensor/indexing/config/list/indices/elasticsearch",
    ],
)
def test_reads_need_a_user(web: Web, path: str) -> None:
    response = web.client.get(path)
    assert response.status_code == 401
    assert response.json()["message"] == "authentication required"


# ------------------------------------------------------------------------------ parsers


def test_parser_config_lifecycle(web: Web) -> None:
    client = web.client
    path = "/api/v1/sensor/parser/config/proxy"
    assert client.get(path, auth=ANALYST).status_code == 404

    created = client.post(path, json=SQUID_PARSER, auth=ADMIN)
    assert created.status_code == 201
    assert created.json() == SQUID_PARSER
    assert _file(web, "parsers/proxy") == SQUID_PARSER

    changed = {**SQUID_PARSER, "outputTopic": "enrichments"}
    assert client.post(path, json=changed, auth=ADMIN).status_code == 200
    assert client.get(path, auth=ANALYST).json() == changed
    assert client.get("/api/v1/sensor/parser/config", auth=ANALYST).json() == {"proxy": changed}

    entry = _audit(web, "parsers/proxy")[0]
    assert (entry["before"], entry["after"]) == (SQUID_PARSER, changed)

    assert client.delete(path, auth=ADMIN).status_code == 200
    assert not (web.config_dir / "parsers" / "proxy.json").exists()
    assert client.delete(path, auth=ADMIN).status_code == 404
    assert client.get("/api/v1/sensor/parser/config", auth=ANALYST).json() == {}


def test_parser_config_named_by_its_topic(web: Web) -> None:
    response = web.client.post("/api/v1/sensor/parser/config", json=SQUID_PARSER, auth=ADMIN)
    assert response.status_code == 201
    assert _file(web, "parsers/proxy") == SQUID_PARSER

    untitled = {k: v for k, v in SQUID_PARSER.items() if k != "sensorTopic"}
    refused = web.client.post("/api/v1/sensor/parser/config", json=untitled, auth=ADMIN)
    assert refused.status_code == 400
    assert refused.json()["field"] == "sensorTopic"


def test_invalid_parser_config_lists_every_problem(web: Web) -> None:
    bad = {"parserClassNam": GROK, "parserConfig": "none", "spoutParallelism": "many"}
    response = web.client.post("/api/v1/sensor/parser/config/broken", json=bad, auth=ADMIN)
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert len(problems) == 4
    joined = "\n".join(problems)
    assert "missing key 'parserClassName'" in joined
    assert "unknown key 'parserClassNam'; did you mean 'parserClassName'?" in joined
    assert "'parserConfig'" in joined
    assert "'spoutParallelism'" in joined
    assert not (web.config_dir / "parsers").exists()
    assert _audit(web, "parsers/broken") == []


def test_parser_config_that_cannot_be_built_is_refused(web: Web) -> None:
    config = {**LOGIN_PARSER, "parserConfig": {"grokPath": "/nowhere/x", "patternLabel": "X"}}
    response = web.client.post("/api/v1/sensor/parser/config/logins", json=config, auth=ADMIN)
    assert response.status_code == 400
    assert "/nowhere/x" in response.json()["message"]


def test_bad_sensor_name_is_400(web: Web) -> None:
    response = web.client.post(
        "/api/v1/sensor/parser/config/..hidden", json=SQUID_PARSER, auth=ADMIN
    )
    assert response.status_code == 400
    assert "not a valid sensor name" in response.json()["message"]


def test_available_parsers(web: Web) -> None:
    found = web.client.get("/api/v1/sensor/parser/config/list/available", auth=ANALYST).json()
    assert found["Grok"] == GROK
    assert found["Asa"] == "org.apache.metron.parsers.asa.BasicAsaParser"
    assert found["CEF"] == "org.apache.metron.parsers.cef.CEFParser"
    assert found["netflow"] == "netflow"
    reloaded = web.client.get("/api/v1/sensor/parser/config/reload/available", auth=ANALYST)
    assert reloaded.json() == found


def _parse(web: Web, body: dict[str, Any]) -> Any:
    return web.client.post("/api/v1/sensor/parser/config/parseMessage", json=body, auth=ANALYST)


def test_parse_message_with_a_grok_statement(web: Web) -> None:
    body = {
        "sensorParserConfig": LOGIN_PARSER,
        "grokStatement": LOGIN_PATTERNS,
        "sampleData": "casey logged in from 10.0.0.7",
    }
    response = _parse(web, body)
    assert response.status_code == 200
    assert response.json() == {
        "user": "casey",
        "ip_src_addr": "10.0.0.7",
        "original_string": "casey logged in from 10.0.0.7",
    }


def test_parse_message_with_a_shipped_pattern_file(web: Web) -> None:
    response = _parse(web, {"sensorParserConfig": SQUID_PARSER, "sampleData": SQUID_LINE})
    assert response.status_code == 200
    message = response.json()
    assert message["timestamp"] == 1700000000123
    assert message["ip_dst_addr"] == "10.9.8.7"
    assert message["code"] == 200


def test_parse_message_of_a_json_sensor(web: Web) -> None:
    config = {"parserClassName": "org.apache.metron.parsers.json.JSONMapParser"}
    response = _parse(web, {"sensorParserConfig": config, "sampleData": '{"a": 1, "b": "x"}'})
    assert response.status_code == 200
    assert response.json()["a"] == 1
    assert response.json()["b"] == "x"


def test_parse_message_failures_say_why(web: Web) -> None:
    body = {
        "sensorParserConfig": LOGIN_PARSER,
        "grokStatement": LOGIN_PATTERNS,
        "sampleData": "nothing to see",
    }
    response = _parse(web, body)
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("Error parsing sample data: Grok statement produced a null message")
    assert "grokStatement" in message and "metron-grok-" not in message

    unknown = _parse(web, {"sensorParserConfig": {"parserClassName": "Nope"}, "sampleData": "x"})
    assert unknown.status_code == 400
    assert "'Nope' is not a known parser" in unknown.json()["message"]


def test_parse_message_never_reads_a_server_file(web: Web, tmp_path: Any) -> None:
    secret = tmp_path / "secret"
    secret.write_text("LOGIN .*\n", encoding="utf-8")
    config = {**LOGIN_PARSER, "parserConfig": {"grokPath": str(secret), "patternLabel": "LOGIN"}}
    response = _parse(web, {"sensorParserConfig": config, "sampleData": "anything"})
    assert response.status_code == 400
    assert response.json()["field"] == "grokStatement"


# ------------------------------------------------------------------------ parser groups


def test_parser_group_lifecycle(web: Web) -> None:
    client = web.client
    web.client.post("/api/v1/global/config", json={"keep": "me"}, auth=ADMIN)
    for name, config in (("proxy", SQUID_PARSER), ("logins2", SQUID_PARSER)):
        assert client.post(
            f"/api/v1/sensor/parser/config/{name}", json=config, auth=ADMIN
        ).is_success

    group = {"name": "edge", "description": "edge devices", "sensors": ["proxy"]}
    created = client.post("/api/v1/sensor/parser/group", json=group, auth=ADMIN)
    assert created.status_code == 201
    assert created.json() == group
    assert _file(web, "global") == {"keep": "me", "parser.groups": [group]}

    assert client.get("/api/v1/sensor/parser/group/edge", auth=ANALYST).json() == group
    assert client.get("/api/v1/sensor/parser/group", auth=ANALYST).json() == {"edge": group}

    moved = {**group, "sensors": ["proxy", "logins2"]}
    assert client.post("/api/v1/sensor/parser/group", json=moved, auth=ADMIN).status_code == 200
    entry = _audit(web, "global")[0]
    assert entry["before"]["parser.groups"] == [group]
    assert entry["after"]["parser.groups"] == [moved]

    assert client.delete("/api/v1/sensor/parser/group/edge", auth=ADMIN).status_code == 200
    assert _file(web, "global") == {"keep": "me", "parser.groups": []}
    assert client.get("/api/v1/sensor/parser/group/edge", auth=ANALYST).status_code == 404
    assert client.delete("/api/v1/sensor/parser/group/edge", auth=ADMIN).status_code == 404


def test_parser_group_problems(web: Web) -> None:
    client = web.client
    client.post("/api/v1/sensor/parser/config/proxy", json=SQUID_PARSER, auth=ADMIN)
    client.post("/api/v1/sensor/parser/group", json={"name": "a", "sensors": ["proxy"]}, auth=ADMIN)

    empty = client.post(
        "/api/v1/sensor/parser/group", json={"name": "b", "sensors": []}, auth=ADMIN
    )
    assert empty.status_code == 400
    assert empty.json()["message"] == "A parser group must contain sensors"

    clash = {"name": "b", "sensors": ["proxy", "ghost"]}
    response = client.post("/api/v1/sensor/parser/group", json=clash, auth=ADMIN)
    assert response.status_code == 400
    assert response.json()["problems"] == [
        "Could not find config for sensor ghost",
        "Sensor proxy is already in group a",
    ]
    assert set(client.get("/api/v1/sensor/parser/group", auth=ADMIN).json()) == {"a"}


# --------------------------------------------------------------------------- enrichment


def test_enrichment_config_lifecycle(web: Web) -> None:
    client = web.client
    path = "/api/v1/sensor/enrichment/config/proxy"
    assert client.get(path, auth=ANALYST).status_code == 404
    assert client.post(path, json=ENRICHMENT, auth=ADMIN).status_code == 201
    assert _file(web, "enrichments/proxy") == ENRICHMENT
    assert client.get(path, auth=ANALYST).json() == ENRICHMENT
    assert client.get("/api/v1/sensor/enrichment/config", auth=ANALYST).json() == {
        "proxy": ENRICHMENT
    }
    entry = _audit(web, "enrichments/proxy")[0]
    assert (entry["before"], entry["after"]) == (None, ENRICHMENT)
    assert client.delete(path, auth=ADMIN).status_code == 200
    assert client.delete(path, auth=ADMIN).status_code == 404


def test_invalid_enrichment_config_lists_every_problem(web: Web) -> None:
    bad = {"enrichmnt": {}, "threatIntel": {"fieldMapp": {}}, "configuration": 5}
    response = web.client.post("/api/v1/sensor/enrichment/config/proxy", json=bad, auth=ADMIN)
    assert response.status_code == 400
    joined = "\n".join(response.json()["problems"])
    assert len(response.json()["problems"]) == 3
    assert "enrichmnt" in joined and "fieldMapp" in joined and "configuration" in joined


def test_available_enrichments_include_loaded_types(web: Web) -> None:
    path = "/api/v1/sensor/enrichment/config/list/available/enrichments"
    assert web.client.get(path, auth=ANALYST).json() == ["geo", "host"]
    with SqliteLookup.in_data_dir(web.data_dir) as store:
        store.put_many(
            ENRICHMENT_TABLE,
            [("whois", "example.org", {"owner": "x"}), ("asset", "10.0.0.1", {"rack": "b"})],
        )
        store.put_many("threatintel", [("bad_hosts", "10.6.6.6", {})])
    assert web.client.get(path, auth=ANALYST).json() == ["asset", "geo", "host", "whois"]


def test_threat_triage_aggregators(web: Web) -> None:
    path = "/api/v1/sensor/enrichment/config/list/available/threat/triage/aggregators"
    response = web.client.get(path, auth=ANALYST)
    assert response.json() == ["MAX", "MIN", "SUM", "MEAN", "POSITIVE_MEAN"]


# ----------------------------------------------------------------------------- indexing


def test_indexing_config_lifecycle(web: Web) -> None:
    client = web.client
    config = {"elasticsearch": {"index": "web_proxy", "batchSize": 5}, "hdfs": {"enabled": False}}
    path = "/api/v1/sensor/indexing/config/proxy"
    assert client.post(path, json=config, auth=ADMIN).status_code == 201
    assert _file(web, "indexing/proxy") == config
    assert client.get(path, auth=ANALYST).json() == config
    assert client.get("/api/v1/sensor/indexing/config", auth=ANALYST).json() == {"proxy": config}
    assert _audit(web, "indexing/proxy")[0]["after"] == config
    assert client.delete(path, auth=ADMIN).status_code == 200
    assert client.get(path, auth=ANALYST).status_code == 404


def test_invalid_indexing_config_lists_every_problem(web: Web) -> None:
    bad = {"elasticsearch": {"batchSize": "lots"}, "hdfs": {"indx": "x"}}
    response = web.client.post("/api/v1/sensor/indexing/config/proxy", json=bad, auth=ADMIN)
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert len(problems) == 2
    assert "batchSize" in problems[0] or "batchSize" in problems[1]
    assert any("indx" in p and "did you mean 'index'" in p for p in problems)


def test_indices_of_a_writer(web: Web) -> None:
    client = web.client
    client.post("/api/v1/sensor/parser/config/proxy", json=SQUID_PARSER, auth=ADMIN)
    client.post("/api/v1/sensor/parser/config/fw", json=SQUID_PARSER, auth=ADMIN)
    client.post(
        "/api/v1/sensor/indexing/config/proxy",
        json={"elasticsearch": {"index": "web_proxy"}, "hdfs": {"enabled": "false"}},
        auth=ADMIN,
    )
    client.post(
        "/api/v1/sensor/indexing/config/dns", json={"elasticsearch": {"enabled": False}}, auth=ADMIN
    )

    def indices(writer: str) -> Any:
        return client.get(
            f"/api/v1/sensor/indexing/config/list/indices/{writer}", auth=ANALYST
        ).json()

    assert indices("elasticsearch") == ["fw", "web_proxy"]
    assert indices("hdfs") == ["dns", "fw"]
