"""Updating alerts (Metron's ``/api/v1/update``): RFC 6902 patches, whole replacements,
comments, and (ours) alert status, one alert or many at once.

Each change is made as the authenticated user and audited with the document before and
after (target ``<sensor>/<guid>``); a request that changes nothing is not audited.  Patch,
replace and the comment endpoints answer Metron's ``Document``: ``{document, guid,
sensorType, timestamp, documentID}`` (``timestamp`` the time of the update, as Metron's
DAO gave it).  The requests are Metron's JSON (``PatchRequest``, ``ReplaceRequest``,
``CommentAddRemoveRequest``), checked by the alert store.

The helpers here are shared by the other alert routers (search, meta-alerts, alerts UI).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from metron.search.documents import ALERT_STATUSES, GUID, SOURCE_TYPE, now_ms
from metron.web.auth import User
from metron.web.context import Ctx, WebContext
from metron.web.errors import RestError
from metron.web.security import CurrentUser, client_address

__all__ = [
    "JsonBody",
    "alert_key",
    "audited_update",
    "document_response",
    "parse_body",
    "request_object",
    "router",
]

router = APIRouter(prefix="/api/v1", tags=["update"])

#: A request body taken as any JSON value (None when there is none): the alert store
#: checks Metron's request shapes.  Declare it ``body: JsonBody = None``.
JsonBody = Annotated[Any, Body()]


def parse_body(body: Any) -> Any:
    """A body taken as :data:`JsonBody`: FastAPI parses one sent as JSON; one sent with
    another content type (or none) arrives as bytes and is parsed here."""
    if isinstance(body, (bytes, bytearray)):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as e:
            raise RestError(400, f"the body is not valid JSON: {e}", field="body") from None
    return body


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def request_object(body: Any, what: str) -> dict[str, Any]:
    """``body`` when it is a JSON object; else 400 saying it must be a ``what``."""
    body = parse_body(body)
    if not isinstance(body, dict):
        raise RestError(
            400, f"the body must be a {what} (a JSON object), not {_kind(body)}", field="body"
        )
    return body


def alert_key(request: Mapping[str, Any]) -> tuple[str, str]:
    """The ``guid`` and ``sensorType`` a request names (400 naming the missing one)."""
    for name in (GUID, "sensorType"):
        value = request.get(name)
        if not isinstance(value, str) or not value:
            raise RestError(400, f"'{name}' is required (a non-empty string)", field=name)
    return request[GUID], request["sensorType"]


def document_response(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Metron's ``Document`` for a stored document just written."""
    sensor = doc.get(SOURCE_TYPE, doc.get("source:type"))
    return {
        "document": doc,
        "guid": doc.get(GUID),
        "sensorType": sensor,
        "timestamp": now_ms(),
        "documentID": None,
    }


def audited_update(
    context: WebContext,
    user: User,
    request: Request,
    action: str,
    key: tuple[str, str],
    update: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``update`` (a store call changing the document ``key`` = (guid, sensor) and
    returning its new version) and audit it as ``action`` when it changed anything."""
    guid, sensor = key
    before = context.store.find_one(guid, sensor)
    after = update()
    if after != before:
        context.users.audit(
            user.name, action, f"{sensor}/{guid}", before, after, client_address(request)
        )
    return after


PATCH_EXAMPLE = {
    "guid": "c4d6ee3f-52c4-4d4d-9bb6-b0d2b4f7c2e1",
    "sensorType": "bro",
    "patch": [{"op": "add", "path": "/alert_status", "value": "OPEN"}],
}


@router.patch("/update/patch")
def patch(
    user: CurrentUser,
    context: Ctx,
    request: Request,
    body: Annotated[Any, Body(examples=[PATCH_EXAMPLE])] = None,
) -> dict[str, Any]:
    """Apply a ``PatchRequest`` (RFC 6902 operations) to the latest version of an alert;
    answers the patched ``Document`` (404 when there is no such alert)."""
    req = request_object(body, "PatchRequest")
    doc = audited_update(
        context,
        user,
        request,
        "alert.patch",
        alert_key(req),
        lambda: context.store.patch(req, user.name),
    )
    return document_response(doc)


@router.post("/update/replace")
def replace(
    user: CurrentUser, context: Ctx, request: Request, body: JsonBody = None
) -> dict[str, Any]:
    """Replace an alert with the ``ReplaceRequest``'s whole ``replacement`` (Metron removed
    this endpoint in 0.7; kept here for its clients); answers the new ``Document``."""
    req = request_object(body, "ReplaceRequest")
    doc = audited_update(
        context,
        user,
        request,
        "alert.replace",
        alert_key(req),
        lambda: context.store.replace(req, user.name),
    )
    return document_response(doc)


def _comment_request(body: Any, user: User) -> dict[str, Any]:
    req = dict(request_object(body, "CommentAddRemoveRequest"))
    if not req.get("username"):
        req["username"] = user.name
    return req


@router.post("/update/add/comment")
def add_comment(
    user: CurrentUser, context: Ctx, request: Request, body: JsonBody = None
) -> dict[str, Any]:
    """Add a comment (``CommentAddRemoveRequest``: ``guid``, ``sensorType``, ``comment``,
    ``username`` (default: the current user), ``timestamp`` (default: now)); answers the
    alert's ``Document``."""
    req = _comment_request(body, user)
    doc = audited_update(
        context,
        user,
        request,
        "alert.comment.add",
        alert_key(req),
        lambda: context.store.add_comment(req),
    )
    return document_response(doc)


@router.post("/update/remove/comment")
def remove_comment(
    user: CurrentUser, context: Ctx, request: Request, body: JsonBody = None
) -> dict[str, Any]:
    """Remove the comment equal to the request's (``comment``, ``username``,
    ``timestamp``); answers the alert's ``Document``."""
    req = _comment_request(body, user)
    doc = audited_update(
        context,
        user,
        request,
        "alert.comment.remove",
        alert_key(req),
        lambda: context.store.remove_comment(req),
    )
    return document_response(doc)


# ----------------------------------------------------------------------- status (ours)


def _status(value: str) -> str:
    status = value.strip().upper()
    if status not in ALERT_STATUSES:
        raise RestError(
            400,
            f"unknown alert status {value!r}: use one of {', '.join(ALERT_STATUSES)}",
            field="status",
        )
    return status


class StatusRequest(BaseModel, extra="forbid"):
    guid: str = Field(min_length=1)
    sensorType: str = Field(min_length=1)
    status: str


class AlertRef(BaseModel, extra="forbid"):
    """A ``GetRequest``."""

    guid: str = Field(min_length=1)
    sensorType: str = Field(min_length=1)
    index: str | None = None


class BulkStatusRequest(BaseModel, extra="forbid"):
    alerts: list[AlertRef]
    status: str


def _set_status(
    context: WebContext, user: User, request: Request, key: tuple[str, str], status: str
) -> dict[str, Any]:
    guid, sensor = key
    return audited_update(
        context,
        user,
        request,
        "alert.status",
        key,
        lambda: context.store.set_status(guid, sensor, status, user.name),
    )


@router.post("/update/status")
def set_status(
    body: StatusRequest, user: CurrentUser, context: Ctx, request: Request
) -> dict[str, Any]:
    """Set an alert's ``alert_status`` (NEW, OPEN, DISMISS, ESCALATE or RESOLVE); answers
    the alert's ``Document``."""
    status = _status(body.status)
    doc = _set_status(context, user, request, (body.guid, body.sensorType), status)
    return document_response(doc)


@router.post("/update/status/bulk")
def set_status_bulk(
    body: BulkStatusRequest, user: CurrentUser, context: Ctx, request: Request
) -> int:
    """Set the status of many alerts (the console's bulk actions); answers how many
    changed.  Every alert must exist (else 404 and none is changed)."""
    status = _status(body.status)
    limit = context.store.max_results
    if len(body.alerts) > limit:
        raise RestError(400, f"at most {limit} alerts at once, not {len(body.alerts)}")
    found = {}
    for key in dict.fromkeys((a.guid, a.sensorType) for a in body.alerts):
        doc = context.store.find_one(*key)
        if doc is None:
            raise RestError(404, f"no alert with guid {key[0]} and sensorType {key[1]}")
        found[key] = doc
    changed = 0
    for key, before in found.items():
        changed += _set_status(context, user, request, key, status) != before
    return changed
