"""The sensors pages: the list with each sensor's state and figures, a sensor's config
editors, a new sensor, and the global config.

``GET /sensors`` lists the sensors the platform runs (a parser or a sources config) with
their state from the Storm endpoints (ACTIVE, INACTIVE, KILLED), events/s, latency and
errors from the platform's status; an ADMIN gets start and stop buttons.
``GET /sensors/{name}`` shows the sensor's parser, enrichment and indexing configs as JSON
editors, the threat triage rules as a table (each rule checked as Stellar), a "parse this
sample" panel and a grok tester.  ``GET /sensors/new`` creates a sensor (ADMIN) and
``GET /settings/global`` edits the global config.  Every change goes through the REST API
from ``sensors.js``, which shows each problem the API lists next to the editor it is
about; without the ADMIN role the editors are read-only and there are no save buttons.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from metron.runtime.stages import parser_sensors
from metron.web.api.configs import THREAT_TRIAGE_AGGREGATORS, available_parsers
from metron.web.api.storm import all_topologies
from metron.web.console.dashboard import platform_live, sensor_figures
from metron.web.console.session import ConsoleError, Session
from metron.web.console.templating import render
from metron.web.context import Ctx

__all__ = ["router", "short_parser_name"]

router = APIRouter(include_in_schema=False)

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_KINDS = (
    ("parser", "parsers", "Parser config", "/api/v1/sensor/parser/config"),
    ("enrichment", "enrichments", "Enrichment config", "/api/v1/sensor/enrichment/config"),
    ("indexing", "indexing", "Indexing config", "/api/v1/sensor/indexing/config"),
)
_GROK_CLASS = "org.apache.metron.parsers.GrokParser"


def short_parser_name(class_name: Any) -> str:
    """``org.apache.metron.parsers.bro.BasicBroParser`` as Metron's UI named it: ``Bro``."""
    if not isinstance(class_name, str) or not class_name:
        return ""
    simple = class_name.rsplit(".", 1)[-1]
    return simple.replace("Basic", "").replace("Parser", "") or simple


def _pretty(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def _editor(kind: str, label: str, url: str, value: Any) -> dict[str, Any]:
    """What the ``config_editor`` macro shows: the config as indented JSON."""
    text = _pretty(value if value is not None else {})
    return {
        "kind": kind,
        "label": label,
        "url": url,
        "exists": value is not None,
        "text": text,
        "rows": min(max(text.count("\n") + 2, 5), 24),
    }


@router.get("/sensors", response_class=HTMLResponse)
def sensors_page(request: Request, context: Ctx, session: Session) -> HTMLResponse:
    tree = context.configs()
    status = context.status()
    topologies = {t["name"]: t for t in all_topologies(session.user, context)}
    rows = []
    for name in parser_sensors(tree):
        parser = tree.get(f"parsers/{name}")
        parser = parser if isinstance(parser, dict) else {}
        topology = topologies.get(name, {})
        rows.append(
            {
                "name": name,
                "parser": short_parser_name(parser.get("parserClassName")) or "built-in",
                "topic": parser.get("sensorTopic") or name,
                "state": topology.get("status", "KILLED"),
                "throughput": topology.get("throughput", 0.0),
                "latency": topology.get("latency", 0.0),
                **sensor_figures(status, name),
            }
        )
    return render(
        request,
        "sensors.html",
        session,
        title="Sensors",
        rows=rows,
        live=platform_live(status),
        is_admin=session.user.is_admin,
    )


@router.get("/sensors/new", response_class=HTMLResponse)
def new_sensor_page(request: Request, context: Ctx, session: Session) -> HTMLResponse:
    if not session.user.is_admin:
        raise ConsoleError(403, "Creating a sensor needs the ADMIN role.")
    parsers = available_parsers(session.user)
    template = {
        "parserClassName": parsers.get("Grok", _GROK_CLASS),
        "sensorTopic": "",
        "parserConfig": {},
        "fieldTransformations": [],
    }
    return render(
        request,
        "sensor_new.html",
        session,
        title="New sensor",
        parsers=parsers,
        existing=parser_sensors(context.configs()),
        template=_pretty(template),
    )


@router.get("/sensors/{name}", response_class=HTMLResponse)
def sensor_page(request: Request, name: str, context: Ctx, session: Session) -> HTMLResponse:
    tree = context.configs()
    if not _NAME.fullmatch(name) or not any(
        f"{folder}/{name}" in tree for folder in ("parsers", "sources", "enrichments", "indexing")
    ):
        raise ConsoleError(404, f"There is no sensor {name}.")
    editors = [
        _editor(kind, label, f"{url}/{name}", tree.get(f"{folder}/{name}"))
        for kind, folder, label, url in _KINDS
    ]
    enrichment = tree.get(f"enrichments/{name}")
    triage: dict[str, Any] = {}
    if isinstance(enrichment, dict):
        threat = enrichment.get("threatIntel")
        found = threat.get("triageConfig") if isinstance(threat, dict) else None
        triage = found if isinstance(found, dict) else {}
    rules = [r for r in triage.get("riskLevelRules") or [] if isinstance(r, dict)]
    parser = tree.get(f"parsers/{name}")
    parser = parser if isinstance(parser, dict) else {}
    state = next(
        (t["status"] for t in all_topologies(session.user, context) if t["name"] == name), ""
    )
    return render(
        request,
        "sensor_edit.html",
        session,
        title=f"Sensor {name}",
        name=name,
        state=state,
        editors=editors,
        rules=rules,
        aggregator=str(triage.get("aggregator") or "MAX"),
        aggregators=THREAT_TRIAGE_AGGREGATORS,
        is_grok=parser.get("parserClassName") == _GROK_CLASS
        or short_parser_name(parser.get("parserClassName")).startswith("Grok"),
        grok_path=str((parser.get("parserConfig") or {}).get("grokPath") or ""),
        pattern_label=str((parser.get("parserConfig") or {}).get("patternLabel") or name.upper()),
        is_admin=session.user.is_admin,
    )


@router.get("/settings/global", response_class=HTMLResponse)
def global_settings_page(request: Request, context: Ctx, session: Session) -> HTMLResponse:
    value = context.configs().get("global")
    return render(
        request,
        "global_config.html",
        session,
        title="Global config",
        editor=_editor("global", "Global config", "/api/v1/global/config", value),
        is_admin=session.user.is_admin,
    )
