"""The console's dashboard, sensors, Stellar and hunt pages, rendered on the server: each
needs a session, the dashboard's charts carry the store's numbers from a handful of
searches, the sensors pages show the configs (read-only without ADMIN), the hunt page
lists the lake's views."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from metron.lake.writer import LakeWriter
from metron.web.console.alert_search import DEFAULT_RANGE
from metron.web.console.charts import Bar, bar_chart, line_chart, nice_ticks
from metron.web.console.dashboard import BUCKETS
from web.support import ADMIN, ANALYST, Web

T0 = 1_772_409_600_000  # 2026-03-02T00:00:00Z
PAGES = ["/", "/sensors", "/sensors/new", "/settings/global", "/stellar", "/hunt"]
BRO = {"parserClassName": "org.apache.metron.parsers.bro.BasicBroParser", "sensorTopic": "bro"}
SNORT = {
    "parserClassName": "org.apache.metron.parsers.snort.BasicSnortParser",
    "sensorTopic": "snort",
}


def log_in(web: Web, user: tuple[str, str] = ANALYST) -> None:
    response = web.client.post("/api/v1/login", json={"username": user[0], "password": user[1]})
    assert response.status_code == 200


def write_config(web: Web, folder: str, name: str, config: dict[str, Any]) -> None:
    (web.config_dir / folder).mkdir(exist_ok=True)
    (web.config_dir / folder / f"{name}.json").write_text(json.dumps(config))


def index_events(web: Web) -> None:
    """7 bro and 3 snort events over an hour; 4 scored 90, 2 scored 55, 1 scored 5."""
    docs = []
    for i in range(10):
        sensor = "bro" if i < 7 else "snort"
        doc: dict[str, Any] = {
            "guid": f"guid-{i}",
            "source.type": sensor,
            "timestamp": T0 + i * 6 * 60_000,
            "ip_src_addr": "10.0.0.1" if i % 2 else "10.0.0.2",
            "ip_dst_addr": "192.0.2.9",
        }
        if i < 7:
            doc["threat.triage.score"] = 90 if i < 4 else 55 if i < 6 else 5
        docs.append(doc)
    web.store.add_many([(d["source.type"], d) for d in docs])


def aria_labels(text: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<svg[^>]* aria-label="([^"]*)"', text)]


# ------------------------------------------------------------------ every page


@pytest.mark.parametrize("path", PAGES)
def test_a_page_needs_a_session(web: Web, path: str) -> None:
    response = web.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", [p for p in PAGES if p != "/sensors/new"])
def test_each_page_renders_for_an_analyst(web: Web, path: str) -> None:
    log_in(web)
    response = web.client.get(path)
    assert response.status_code == 200
    assert "<h1>" in response.text
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("path", PAGES)
def test_pages_hold_no_inline_script_or_style(web: Web, path: str) -> None:
    # the Content-Security-Policy would block them
    log_in(web, ADMIN)
    write_config(web, "parsers", "bro", BRO)
    text = web.client.get(path).text
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text)
    assert " style=" not in text
    assert "<style" not in text


# ------------------------------------------------------------------ dashboard


def test_the_dashboard_charts_carry_the_stores_counts(web: Web) -> None:
    index_events(web)
    log_in(web)
    text = web.client.get("/?range=all").text
    labels = aria_labels(text)
    events = next(label for label in labels if label.startswith("Events over time"))
    assert events.endswith("bro 7, snort 3 events")
    assert (
        "Alerts by triage score: 80 and above 4, 50 to 79 2, 20 to 49 0, below 20 1 alerts"
        in labels
    )
    assert "Top source addresses: 10.0.0.1 5, 10.0.0.2 5 events" in labels
    assert "Top destination addresses: 192.0.2.9 10 events" in labels
    assert '<span class="stat-value">10</span>' in text  # events indexed
    assert '<span class="stat-value">7</span>' in text  # scored alerts
    # each point and bar has its tooltip; the numbers are also a table
    assert re.search(r"<title>bro · 2026-03-02 00:00 \+ [^<]*: 1 events</title>", text)
    assert text.count('<details class="chart-data">') == 4


def test_an_address_bar_links_to_its_alerts(web: Web) -> None:
    index_events(web)
    log_in(web)
    text = web.client.get("/?range=all").text
    assert 'href="/alerts?range=all&amp;f=ip_dst_addr%3A192.0.2.9"' in text
    assert 'href="/alerts?q=threat.triage.score%3A%5B80+TO+%2A%5D&amp;range=all"' in text


def test_the_dashboard_takes_a_handful_of_searches(web: Web, monkeypatch: Any) -> None:
    index_events(web)
    log_in(web)
    calls: list[dict[str, Any]] = []
    search = web.store.search

    def counted(request: dict[str, Any]) -> dict[str, Any]:
        calls.append(request)
        return search(request)

    monkeypatch.setattr(web.store, "search", counted)
    assert web.client.get("/?range=all").status_code == 200
    assert len(calls) > 3  # the time buckets were searched
    assert len(calls) <= BUCKETS + 3
    assert all(call["size"] <= 1 for call in calls)


def test_a_period_without_events_says_so(web: Web) -> None:
    index_events(web)  # in 2026-03: long before the last hour
    log_in(web)
    text = web.client.get("/?range=1h").text
    assert "No events in this period" in text
    assert '<option value="1h" selected>' in text
    assert "No source addresses" in text


def test_the_default_period_is_the_alerts_pages(web: Web) -> None:
    log_in(web)
    text = web.client.get("/?range=nonsense").text
    assert f'<option value="{DEFAULT_RANGE}" selected>' in text


def test_the_dashboard_shows_the_sensors_figures(web: Web) -> None:
    web.context.status = lambda: {
        "platform": {"workers": 3},
        "sensors": {
            "bro": {
                "parser": {"rate": 12.5, "out": 100, "errors": 2},
                "indexing": {"out": 98, "latency_p50": 0.25, "errors": 1},
            }
        },
    }
    log_in(web)
    text = web.client.get("/").text
    row = re.search(r'<a href="/sensors/bro">bro</a>.*?</tr>', text, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(0))
    assert cells == ["12.5", "100", "98", "3", "250.0 ms"]
    assert "3 workers" in text


def test_an_empty_store_draws_empty_charts(web: Web) -> None:
    log_in(web)
    text = web.client.get("/").text
    assert "No events in this period" in text
    assert "No scored alerts" in text


# ------------------------------------------------------------------ sensors


def test_the_sensors_page_lists_the_configured_sensors(web: Web) -> None:
    write_config(web, "parsers", "bro", BRO)
    write_config(web, "parsers", "snort", SNORT)
    log_in(web, ADMIN)
    text = web.client.get("/sensors").text
    rows = re.findall(r'<tr data-sensor="([^"]+)">', text)
    assert rows == ["bro", "snort"]
    assert "<td>Bro</td>" in text
    assert "<td>Snort</td>" in text
    assert 'data-sensor-action="start" data-sensor="bro"' in text
    assert 'href="/sensors/new"' in text


def test_an_analyst_gets_no_start_stop_or_new(web: Web) -> None:
    write_config(web, "parsers", "bro", BRO)
    log_in(web)
    text = web.client.get("/sensors").text
    assert '<tr data-sensor="bro">' in text
    assert "data-sensor-action" not in text
    assert 'href="/sensors/new"' not in text
    assert web.client.get("/sensors/new").status_code == 403
    headers = {"X-CSRF-Token": "x", "X-Requested-With": "metron-console"}
    assert web.client.get("/api/v1/storm/parser/stop/bro", headers=headers).status_code == 403


def test_the_editor_page_shows_the_current_configs(web: Web) -> None:
    write_config(web, "parsers", "bro", BRO)
    triage = {
        "riskLevelRules": [{"name": "ssh", "rule": "ip_dst_port == 22", "score": 50}],
        "aggregator": "SUM",
    }
    write_config(web, "enrichments", "bro", {"threatIntel": {"triageConfig": triage}})
    log_in(web, ADMIN)
    text = web.client.get("/sensors/bro").text
    shown = html.unescape(text)
    assert '"parserClassName": "org.apache.metron.parsers.bro.BasicBroParser"' in shown
    assert '"rule": "ip_dst_port == 22"' in shown
    assert 'data-config-url="/api/v1/sensor/parser/config/bro"' in text
    assert 'value="ip_dst_port == 22"' in shown
    assert "<option selected>SUM</option>" in text
    assert "Save parser config" in text
    assert "Save enrichment config" in text
    assert "Save indexing config" in text
    assert "none yet: the defaults apply" in text  # no indexing config


def test_an_analysts_editor_is_read_only_and_the_api_refuses(web: Web) -> None:
    write_config(web, "parsers", "bro", BRO)
    log_in(web)
    text = web.client.get("/sensors/bro").text
    assert "Save parser config" not in text
    assert re.search(r'<textarea id="parser-config"[^>]* readonly', text)
    headers = {"X-CSRF-Token": "x", "X-Requested-With": "metron-console"}
    response = web.client.post("/api/v1/sensor/parser/config/bro", json=BRO, headers=headers)
    assert response.status_code == 403


def test_an_unknown_sensor_is_a_404_page(web: Web) -> None:
    log_in(web)
    response = web.client.get("/sensors/nosuch")
    assert response.status_code == 404
    assert "There is no sensor nosuch." in response.text


def test_the_new_sensor_page_offers_the_parsers(web: Web) -> None:
    write_config(web, "parsers", "bro", BRO)
    log_in(web, ADMIN)
    text = web.client.get("/sensors/new").text
    assert '<option value="org.apache.metron.parsers.bro.BasicBroParser">Bro</option>' in text
    assert html.unescape(re.search(r'data-existing="([^"]*)"', text).group(1)) == '["bro"]'


def test_the_global_config_page_shows_it(web: Web) -> None:
    (web.config_dir / "global.json").write_text(json.dumps({"es.date.format": "yyyy.MM.dd"}))
    log_in(web, ADMIN)
    text = html.unescape(web.client.get("/settings/global").text)
    assert '"es.date.format": "yyyy.MM.dd"' in text
    assert 'data-config-url="/api/v1/global/config"' in text


# ------------------------------------------------------------------ hunt and Stellar


def test_the_hunt_page_lists_the_lakes_views_and_columns(web: Web) -> None:
    with LakeWriter(web.data_dir / "lake") as writer:
        writer.write("bro", [{"timestamp": T0, "ip_src_addr": "10.0.0.1", "geo.city": "Oslo"}])
        writer.write("my-sensor", [{"timestamp": T0, "x": 1}])
    log_in(web)
    text = web.client.get("/hunt").text
    assert 'data-insert="bro"' in text
    assert 'data-insert="&#34;my-sensor&#34;"' in text
    assert 'data-insert="messages"' in text
    assert 'data-insert-column="geo.city">geo.<wbr>city</button>' in text
    assert "FROM messages" in text  # the example query


def test_the_hunt_page_of_an_empty_lake_says_so(web: Web) -> None:
    log_in(web)
    text = web.client.get("/hunt?sql=SELECT+42").text
    assert "The lake is empty" in text
    assert ">SELECT 42</textarea>" in text


def test_the_stellar_page_has_its_repl(web: Web) -> None:
    log_in(web)
    text = web.client.get("/stellar").text
    assert 'id="repl-input"' in text
    assert 'id="function-list"' in text
    assert "/static/tools.js?v=" in text


# ------------------------------------------------------------------ charts


def test_ticks_are_round_numbers_up_past_the_top() -> None:
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(95) == [0, 50, 100]
    assert nice_ticks(1234) == [0, 500, 1000, 1500]


def test_chart_text_is_escaped() -> None:
    chart = str(line_chart("T", ["<b>"], {"<script>": [1]}))
    assert "<script>" not in chart
    assert "&lt;script&gt;" in chart
    bars = str(bar_chart("T", [Bar('"><img>', 3, href="/x?a=1&b=2")]))
    assert "<img>" not in bars
    assert 'href="/x?a=1&amp;b=2"' in bars
