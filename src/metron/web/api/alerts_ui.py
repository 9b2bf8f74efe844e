"""The alerts UI's service (Metron's ``/api/v1/alerts/ui``): escalating alerts, and each
user's UI settings (``AlertsUIUserSettings``).

Escalating sets each alert's ``alert_status`` to ``ESCALATE`` in the alert store, stamped
with ``metron_escalation_user`` and ``metron_escalation_timestamp`` as Metron's alerts UI
service stamped it, and audits it (``alert.escalate``).  When the global config names
Kafka brokers (``kafka.brokers``) each escalated alert is also produced, as JSON, to the
topic ``kafka.topics.escalation`` (default ``escalation``) before the store is changed: if
Kafka does not confirm them within :data:`ESCALATION_TIMEOUT` seconds the answer is 503
and nothing is escalated.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import orjson
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from metron.config.kafka import client_config
from metron.search.documents import GUID, SOURCE_TYPE, STATUS_FIELD, now_ms
from metron.web.api.update import JsonBody, audited_update, document_response, parse_body
from metron.web.context import Ctx
from metron.web.errors import RestError
from metron.web.security import AdminUser, CurrentUser, client_address

__all__ = [
    "DEFAULT_ESCALATION_TOPIC",
    "ESCALATION_TIMEOUT",
    "ESCALATION_TIMESTAMP_FIELD",
    "ESCALATION_USER_FIELD",
    "AlertsUIUserSettings",
    "SavedSearch",
    "router",
]

router = APIRouter(prefix="/api/v1", tags=["alerts-ui"])

ESCALATION_USER_FIELD = "metron_escalation_user"
ESCALATION_TIMESTAMP_FIELD = "metron_escalation_timestamp"
DEFAULT_ESCALATION_TOPIC = "escalation"
#: Seconds Kafka has to confirm an escalation.
ESCALATION_TIMEOUT = 10.0


def _alert_key(alert: Any, position: int) -> tuple[str, str]:
    """(guid, sensor) of an escalated alert: the alert's fields, or those of its
    ``source`` when it is a search result (``{id, source, index}``, as Metron's alerts UI
    sends it)."""
    where = f"[{position}]"
    if not isinstance(alert, dict):
        raise RestError(400, f"{where}: each alert must be a JSON object", field=where)
    source = alert.get("source")
    fields: Mapping[str, Any] = source if isinstance(source, dict) else alert
    guid = fields.get(GUID, alert.get("id"))
    sensor = fields.get(SOURCE_TYPE, fields.get("source:type"))
    if not isinstance(guid, str) or not guid:
        raise RestError(400, f"{where}: the alert has no 'guid'", field=f"{where}.guid")
    if not isinstance(sensor, str) or not sensor:
        raise RestError(
            400, f"{where}: the alert has no 'source.type'", field=f"{where}.source.type"
        )
    return guid, sensor


def _produce(brokers: str, topic: str, alerts: list[dict[str, Any]]) -> None:
    """Produce ``alerts`` to ``topic`` and wait for Kafka to confirm them all (503 when it
    does not)."""
    failures: list[str] = []

    def delivered(error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            failures.append(error.str())

    try:
        producer = Producer(
            {
                **client_config(brokers),
                "acks": "all",
                "message.timeout.ms": int(ESCALATION_TIMEOUT * 1000),
            }
        )
        for alert in alerts:
            producer.produce(
                topic,
                value=orjson.dumps(alert, option=orjson.OPT_NON_STR_KEYS),
                key=str(alert[GUID]).encode(),
                on_delivery=delivered,
            )
        left = producer.flush(ESCALATION_TIMEOUT)
    except (KafkaException, BufferError) as e:
        failures.append(str(e))
        left = 0
    if failures or left:
        problem = failures[0] if failures else f"{left} of {len(alerts)} unconfirmed"
        raise RestError(
            503,
            f"Kafka at {brokers} did not take the escalation on topic {topic!r} ({problem});"
            " nothing was escalated: try again",
        )


@router.post("/alerts/ui/escalate")
def escalate(
    user: CurrentUser, context: Ctx, request: Request, body: JsonBody = None
) -> list[dict[str, Any]]:
    """Escalate alerts (a list of alerts, or of search results holding them in
    ``source``); answers their ``Document``s.  404 (and nothing escalated) when one of
    them is not in the store."""
    body = parse_body(body)
    if not isinstance(body, list):
        raise RestError(400, "the body must be a list of alerts", field="body")
    if len(body) > context.store.max_results:
        raise RestError(400, f"at most {context.store.max_results} alerts at once, not {len(body)}")
    keys = list(dict.fromkeys(_alert_key(alert, i) for i, alert in enumerate(body)))
    stamp: dict[str, Any] = {
        STATUS_FIELD: "ESCALATE",
        ESCALATION_USER_FIELD: user.name,
        ESCALATION_TIMESTAMP_FIELD: now_ms(),
    }
    escalated = []
    for guid, sensor in keys:
        doc = context.store.find_one(guid, sensor)
        if doc is None:
            raise RestError(404, f"no alert with guid {guid} and sensorType {sensor}")
        escalated.append({**doc, **stamp})
    config = context.global_config()
    brokers = config.get("kafka.brokers")
    if isinstance(brokers, str) and brokers.strip() and escalated:
        topic = config.get("kafka.topics.escalation") or DEFAULT_ESCALATION_TOPIC
        _produce(brokers.strip(), str(topic), escalated)
    patch = [{"op": "add", "path": f"/{name}", "value": value} for name, value in stamp.items()]
    out = []
    for guid, sensor in keys:
        req = {GUID: guid, "sensorType": sensor, "patch": patch}
        doc = audited_update(
            context,
            user,
            request,
            "alert.escalate",
            (guid, sensor),
            partial(context.store.patch, req, user.name),
        )
        out.append(document_response(doc))
    return out


# ----------------------------------------------------------------------- settings


class SavedSearch(BaseModel, extra="forbid"):
    name: str
    searchRequest: dict[str, Any]


class AlertsUIUserSettings(BaseModel, extra="forbid"):
    """Metron's alerts UI settings of one user."""

    user: str | None = None
    tableColumns: list[str] | None = None
    savedSearches: list[SavedSearch] | None = Field(None, max_length=1000)
    facetFields: list[str] | None = None


@router.get("/alerts/ui/settings")
def get_settings(user: CurrentUser, context: Ctx) -> dict[str, Any]:
    """The current user's settings; 404 when they have none."""
    settings = context.users.get_settings(user.name)
    if settings is None:
        raise RestError(404, f"{user.name} has no alerts UI settings")
    return settings


@router.get("/alerts/ui/settings/all")
def all_settings(_: AdminUser, context: Ctx) -> dict[str, dict[str, Any]]:
    """Every user's settings, by user (ADMIN)."""
    return context.users.all_settings()


@router.post("/alerts/ui/settings", status_code=200)
def save_settings(
    body: AlertsUIUserSettings,
    user: CurrentUser,
    context: Ctx,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    """Save the current user's settings: 201 when they had none, 200 when replaced;
    answers the settings saved."""
    settings = body.model_dump(exclude_none=True)
    settings["user"] = user.name
    before = context.users.get_settings(user.name)
    context.users.put_settings(user.name, settings)
    if before is None:
        response.status_code = 201
    context.users.audit(
        user.name, "settings.save", user.name, before, settings, client_address(request)
    )
    return settings


@router.delete("/alerts/ui/settings/{user}")
def delete_settings(user: str, admin: AdminUser, context: Ctx, request: Request) -> bool:
    """Delete a user's settings (ADMIN); 404 when they have none."""
    before = context.users.get_settings(user)
    if not context.users.delete_settings(user):
        raise RestError(404, f"{user} has no alerts UI settings")
    context.users.audit(admin.name, "settings.delete", user, before, None, client_address(request))
    return True
