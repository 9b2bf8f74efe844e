"""Sensor status and lifecycle on Metron's Storm paths, and the control file they write."""

from __future__ import annotations

import json

from metron.runtime.control import SensorControl
from web.support import ADMIN, ANALYST, Web


def _sensors(web: Web, *names: str) -> None:
    (web.config_dir / "parsers").mkdir(exist_ok=True)
    for name in names:
        (web.config_dir / "parsers" / f"{name}.json").write_text('{"parserClassName": "bro"}')


def _status(web: Web, figures: dict) -> None:
    web.context.status = lambda: {
        "started": 1_700_000_000.5,
        "time": 1_700_000_060.0,
        "sensors": figures,
        "platform": {"workers": 2},
    }


def test_topology_status_carries_the_sensor_figures(web: Web) -> None:
    _sensors(web, "bro", "snort")
    _status(
        web,
        {
            "bro": {
                "parser": {"in": 10, "out": 9, "rate": 4.5, "latency_p50": None},
                "indexing": {"in": 9, "out": 8, "rate": 4.0, "latency_p50": 0.25},
            }
        },
    )
    all_ = web.client.get("/api/v1/storm", auth=ANALYST).json()
    assert [t["name"] for t in all_] == ["bro", "snort"]
    bro = web.client.get("/api/v1/storm/bro", auth=ANALYST).json()
    assert bro == {
        "id": "bro-1-1700000000",
        "name": "bro",
        "status": "ACTIVE",
        "latency": 250.0,
        "throughput": 4.5,
        "emitted": 9,
        "acked": 8,
    }
    snort = web.client.get("/api/v1/storm/snort", auth=ANALYST).json()
    assert (snort["emitted"], snort["acked"], snort["latency"]) == (0, 0, 0.0)
    missing = web.client.get("/api/v1/storm/nope", auth=ANALYST)
    assert missing.status_code == 404 and missing.json()["field"] == "name"


def test_no_platform_means_killed(web: Web) -> None:
    _sensors(web, "bro")
    web.context.status = lambda: {"live": False, "sensors": {}}
    assert web.client.get("/api/v1/storm/bro", auth=ANALYST).json()["status"] == "KILLED"
    assert web.client.get("/api/v1/storm/supervisors", auth=ANALYST).json() == {"supervisors": []}
    client = web.client.get("/api/v1/storm/client/status", auth=ANALYST).json()
    assert client["platform"] == "not running"


def test_stop_deactivate_activate_start(web: Web) -> None:
    _sensors(web, "bro")
    control = SensorControl(web.data_dir)
    get = web.client.get

    def act(action: str) -> dict:
        response = get(f"/api/v1/storm/parser/{action}/bro", auth=ADMIN)
        assert response.status_code == 200
        return response.json()

    assert act("deactivate") == {"status": "SUCCESS", "message": "INACTIVE"}
    assert control.state("bro") == "INACTIVE"
    assert get("/api/v1/storm/bro", auth=ANALYST).json()["status"] == "INACTIVE"
    assert act("activate") == {"status": "SUCCESS", "message": "ACTIVE"}
    assert act("stop") == {"status": "SUCCESS", "message": "STOPPED"}
    assert control.state("bro") == "KILLED"
    # a killed sensor is not there to activate or deactivate: start it
    assert act("activate") == {"status": "ERROR", "message": "TOPOLOGY_NOT_FOUND"}
    assert act("deactivate") == {"status": "ERROR", "message": "TOPOLOGY_NOT_FOUND"}
    assert act("start") == {"status": "SUCCESS", "message": "STARTED"}
    assert control.state("bro") == "ACTIVE"
    entry = control.entries()["bro"]
    assert entry["user"] == "admin" and entry["state"] == "ACTIVE"
    unknown = get("/api/v1/storm/parser/start/nope", auth=ADMIN).json()
    assert unknown == {"status": "ERROR", "message": "SENSOR_PARSER_CONFIG_MISSING"}
    audit = get("/api/v1/audit", params={"target": "sensors/bro"}, auth=ADMIN).json()
    assert [e["action"] for e in audit][:2] == ["sensor.start", "sensor.stop"]
    assert audit[0]["before"] == {"state": "KILLED"} and audit[0]["after"] == {"state": "ACTIVE"}


def test_lifecycle_needs_admin_and_status_needs_a_user(web: Web) -> None:
    _sensors(web, "bro")
    assert web.client.get("/api/v1/storm/parser/stop/bro", auth=ANALYST).status_code == 403
    assert web.client.get("/api/v1/storm/parser/stop/bro").status_code == 401
    assert web.client.get("/api/v1/storm").status_code == 401
    assert SensorControl(web.data_dir).state("bro") == "ACTIVE"


def test_enrichment_and_indexing_report_and_refuse_to_stop_alone(web: Web) -> None:
    _sensors(web, "bro")
    _status(
        web,
        {
            "bro": {"enrichment": {"in": 5, "out": 5, "rate": 2.0, "latency_p50": 0.1}},
            "snort": {"enrichment": {"in": 3, "out": 2, "rate": 1.0, "latency_p50": 0.3}},
        },
    )
    enrichment = web.client.get("/api/v1/storm/enrichment", auth=ANALYST).json()
    assert enrichment["status"] == "ACTIVE"
    assert (enrichment["emitted"], enrichment["throughput"], enrichment["latency"]) == (
        7,
        3.0,
        300.0,
    )
    batch = web.client.get("/api/v1/storm/indexing/batch", auth=ANALYST).json()
    assert batch["name"] == "batch_indexing"
    stop = web.client.get("/api/v1/storm/enrichment/stop", auth=ADMIN).json()
    assert stop["status"] == "ERROR" and "every worker" in stop["message"]
    supervisors = web.client.get("/api/v1/storm/supervisors", auth=ANALYST).json()
    assert supervisors["supervisors"][0]["slotsTotal"] == 2


def test_control_file_survives_and_tells_changes(tmp_path) -> None:
    control = SensorControl(tmp_path)
    assert control.changed() is True  # the first look
    assert control.changed() is False
    control.set("bro", "KILLED", "alice")
    assert control.changed() is True
    assert SensorControl(tmp_path).state("bro") == "KILLED"
    assert SensorControl(tmp_path).state("snort") == "ACTIVE"
    control.path.write_text("not json")
    assert control.entries() == {}
    control.path.write_text(json.dumps({"sensors": {"x": {"state": "WEIRD"}}}))
    assert control.entries() == {}


def test_a_console_session_changes_a_sensor_only_with_its_csrf_token(web: Web) -> None:
    _sensors(web, "bro")
    login = web.client.post("/api/v1/login", json={"username": ADMIN[0], "password": ADMIN[1]})
    csrf = login.json()["csrfToken"]
    refused = web.client.get("/api/v1/storm/parser/stop/bro")
    assert refused.status_code == 403 and refused.json()["field"] == "X-CSRF-Token"
    assert SensorControl(web.data_dir).state("bro") == "ACTIVE"
    done = web.client.get("/api/v1/storm/parser/stop/bro", headers={"X-CSRF-Token": csrf})
    assert done.json() == {"status": "SUCCESS", "message": "STOPPED"}
