"""Sensor status and lifecycle, on Metron's Storm paths (``/api/v1/storm``).

Metron ran each parser as a Storm topology; its REST API reported their status and
started, stopped, activated and deactivated them.  Here a sensor runs inside the
platform: ``stop`` and ``deactivate`` stop its sources (KILLED, INACTIVE), ``start`` and
``activate`` run them again (ACTIVE), through :class:`~metron.runtime.control.SensorControl`,
which the running platform applies within a second.  ``TopologyStatus`` carries the
sensor's figures from the platform's metrics: ``throughput`` (events/s parsed),
``latency`` (ms, p50 from source to stored), ``emitted`` (messages parsed) and ``acked``
(messages stored).  Enrichment and indexing run in every worker; they cannot be stopped
apart from the platform, and their actions answer ``ERROR`` saying so.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from fastapi import APIRouter, Request

from metron.runtime.control import ACTIVE, INACTIVE, KILLED, SensorControl
from metron.runtime.stages import parser_sensors
from metron.web.context import Ctx, WebContext
from metron.web.errors import RestError
from metron.web.security import CSRF_HEADER, AdminUser, CurrentUser, client_address

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/storm", tags=["sensors"])


def _live(status: dict[str, Any]) -> bool:
    """Whether a platform runs (in this process, or the status file's is alive)."""
    return bool(status.get("live", "platform" in status and not status["platform"].get("stopped")))


def _topology(name: str, state: str, figures: dict[str, Any], started: float) -> dict[str, Any]:
    parser = figures.get("parser", {})
    indexing = figures.get("indexing", {})
    latency = indexing.get("latency_p50")
    return {
        "id": f"{name}-1-{int(started)}",
        "name": name,
        "status": state,
        "latency": round(latency * 1000, 3) if isinstance(latency, int | float) else 0.0,
        "throughput": round(float(parser.get("rate") or 0.0), 3),
        "emitted": int(parser.get("out") or 0),
        "acked": int(indexing.get("out") or 0),
    }


def _statuses(context: WebContext) -> dict[str, dict[str, Any]]:
    status = context.status()
    live = _live(status)
    control = SensorControl(context.data_dir)
    states = control.entries()
    started = float(status.get("started") or 0)
    figures = status.get("sensors") or {}
    out = {}
    for name in parser_sensors(context.configs()):
        state = str(states.get(name, {}).get("state", ACTIVE)) if live else KILLED
        out[name] = _topology(name, state, figures.get(name, {}), started)
    return out


@router.get("")
def all_topologies(_: CurrentUser, context: Ctx) -> list[dict[str, Any]]:
    """Every sensor's ``TopologyStatus`` (KILLED when no platform runs)."""
    return list(_statuses(context).values())


@router.get("/supervisors")
def supervisors(_: CurrentUser, context: Ctx) -> dict[str, Any]:
    """Metron's ``SupervisorSummary``: here the platform's workers on this machine."""
    status = context.status()
    platform = status.get("platform") or {}
    workers = int(platform.get("workers") or 0) if _live(status) else 0
    return {
        "supervisors": [
            {
                "id": f"metron-{status.get('pid', os.getpid())}",
                "host": os.uname().nodename,
                "uptime": str(
                    int(
                        max(0.0, float(status.get("time") or 0) - float(status.get("started") or 0))
                    )
                )
                + "s",
                "slotsTotal": workers,
                "slotsUsed": workers,
            }
        ]
        if workers
        else []
    }


@router.get("/client/status")
def client_status(_: CurrentUser, context: Ctx) -> dict[str, str]:
    """What can start and stop sensors (Metron named its Storm scripts)."""
    live = _live(context.status())
    return {
        "platform": "running" if live else "not running",
        "control": str(SensorControl(context.data_dir).path),
    }


def _response(ok: bool, message: str) -> dict[str, str]:
    return {"status": "SUCCESS" if ok else "ERROR", "message": message}


def _change(
    context: WebContext, request: Request, user: str, name: str, action: str
) -> dict[str, str]:
    # Metron made these changes GETs: a console session must still show its CSRF token
    csrf = getattr(request.state, "csrf", None)
    if csrf is not None and not hmac.compare_digest(
        request.headers.get(CSRF_HEADER, "").encode(), csrf.encode()
    ):
        raise RestError(403, "missing or wrong CSRF token", field=CSRF_HEADER)
    tree = context.configs()
    if name not in parser_sensors(tree):
        return _response(False, "SENSOR_PARSER_CONFIG_MISSING")
    control = SensorControl(context.data_dir)
    before = control.state(name)
    if action in ("activate", "deactivate") and before == KILLED:
        return _response(False, "TOPOLOGY_NOT_FOUND")
    wanted = {"start": ACTIVE, "activate": ACTIVE, "stop": KILLED, "deactivate": INACTIVE}[action]
    control.set(name, wanted, user)
    context.users.audit(
        user,
        f"sensor.{action}",
        f"sensors/{name}",
        {"state": before},
        {"state": wanted},
        client_address(request),
    )
    message = {"start": "STARTED", "stop": "STOPPED", "activate": ACTIVE, "deactivate": INACTIVE}
    return _response(True, message[action])


@router.get("/parser/start/{name}")
def start_parser(name: str, user: AdminUser, context: Ctx, request: Request) -> dict[str, str]:
    """Start a sensor's sources (``TopologyResponse``)."""
    return _change(context, request, user.name, name, "start")


@router.get("/parser/stop/{name}")
def stop_parser(
    name: str, user: AdminUser, context: Ctx, request: Request, stopNow: bool = False
) -> dict[str, str]:
    """Stop a sensor's sources; what they already read is still processed (``stopNow``
    is accepted for Metron's clients: nothing read is ever dropped)."""
    return _change(context, request, user.name, name, "stop")


@router.get("/parser/activate/{name}")
def activate_parser(name: str, user: AdminUser, context: Ctx, request: Request) -> dict[str, str]:
    """Resume a deactivated sensor."""
    return _change(context, request, user.name, name, "activate")


@router.get("/parser/deactivate/{name}")
def deactivate_parser(name: str, user: AdminUser, context: Ctx, request: Request) -> dict[str, str]:
    """Pause a sensor (its sources stop reading)."""
    return _change(context, request, user.name, name, "deactivate")


def _stage_status(context: WebContext, name: str) -> dict[str, Any]:
    status = context.status()
    live = _live(status)
    figures: dict[str, Any] = {"in": 0, "out": 0, "rate": 0.0}
    latencies = []
    stage = "indexing" if name.startswith("indexing") else "enrichment"
    for stages in (status.get("sensors") or {}).values():
        own = stages.get(stage) or {}
        figures["in"] += int(own.get("in") or 0)
        figures["out"] += int(own.get("out") or 0)
        figures["rate"] += float(own.get("rate") or 0.0)
        if isinstance(own.get("latency_p50"), int | float):
            latencies.append(own["latency_p50"])
    return {
        "id": f"{name}-1-{int(float(status.get('started') or 0))}",
        "name": name,
        "status": ACTIVE if live else KILLED,
        "latency": round(max(latencies) * 1000, 3) if latencies else 0.0,
        "throughput": round(figures["rate"], 3),
        "emitted": figures["out"],
        "acked": figures["out"],
    }


_SHARED = {
    "enrichment": "enrichment",
    "indexing/randomaccess": "random_access_indexing",
    "indexing/batch": "batch_indexing",
}


def _shared_routes(path: str, name: str) -> None:
    @router.get(f"/{path}", name=f"{name}_status")
    def status(_: CurrentUser, context: Ctx) -> dict[str, Any]:
        return _stage_status(context, name)

    for action in ("start", "stop", "activate", "deactivate"):

        @router.get(f"/{path}/{action}", name=f"{name}_{action}")
        def act(_: AdminUser) -> dict[str, str]:
            return _response(
                False,
                f"{name} runs in every worker of the platform: stop or start the platform"
                " ('metron run'), or stop the sensors' sources (/api/v1/storm/parser/...)",
            )


for _path, _name in _SHARED.items():
    _shared_routes(_path, _name)


# last: "/{name}" would take the paths above
@router.get("/{name}")
def topology(name: str, _: CurrentUser, context: Ctx) -> dict[str, Any]:
    """One sensor's ``TopologyStatus``; 404 for a sensor without a parser config."""
    found = _statuses(context).get(name)
    if found is None:
        raise RestError(404, f"no sensor {name!r}", field="name")
    return found
