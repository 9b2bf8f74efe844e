"""Meta-alerts (Metron's ``/api/v1/metaalert``): alerts grouped to be triaged together.

Creating one, adding or removing its alerts and changing its status answer the
meta-alert's ``Document``, as Metron 0.7 did, and are audited with the meta-alert before
and after (target ``metaalert/<guid>``).  The requests are Metron's JSON
(``MetaAlertCreateRequest``, ``MetaAlertAddRemoveRequest``), checked by the alert store.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from metron.search.documents import GUID, META_ALERT_SENSOR
from metron.web.api.update import JsonBody, audited_update, document_response, request_object
from metron.web.context import Ctx
from metron.web.errors import RestError
from metron.web.security import CurrentUser, client_address

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["metaalert"])


def _guid_of(body: bytes) -> str:
    """The body of ``searchByAlert``: the guid as plain text (as Metron read it) or as a
    JSON string."""
    text = body.decode("utf-8", "replace").strip()
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (dict, list)):
        raise RestError(
            400, "the body must be the alert's guid (plain text or a JSON string)", field="body"
        )
    return text


@router.post("/metaalert/searchByAlert")
async def search_by_alert(request: Request, _: CurrentUser, context: Ctx) -> dict[str, Any]:
    """The active meta-alerts holding the alert whose guid is the body (a
    ``SearchResponse``)."""
    guid = _guid_of(await request.body())
    return await run_in_threadpool(context.store.meta_alerts_for_alert, guid)


@router.post("/metaalert/create")
def create(
    user: CurrentUser, context: Ctx, request: Request, body: JsonBody = None
) -> dict[str, Any]:
    """Create a meta-alert from existing alerts (``alerts``: GetRequests) and the UI's
    ``groups``; its status starts ``active`` and its scores summarise its alerts."""
    req = request_object(body, "MetaAlertCreateRequest")
    meta = context.store.create_meta_alert(req, user.name)
    context.users.audit(
        user.name,
        "metaalert.create",
        f"{META_ALERT_SENSOR}/{meta[GUID]}",
        None,
        meta,
        client_address(request),
    )
    return document_response(meta)


def _meta_key(req: dict[str, Any]) -> tuple[str, str]:
    guid = req.get("metaAlertGuid")
    if not isinstance(guid, str) or not guid:
        raise RestError(
            400, "'metaAlertGuid' is required (a non-empty string)", field="metaAlertGuid"
        )
    return guid, META_ALERT_SENSOR


@router.post("/metaalert/add/alert")
def add_alerts(
    user: CurrentUser, context: Ctx, request: Request, body: JsonBody = None
) -> dict[str, Any]:
    """Add alerts (``MetaAlertAddRemoveRequest``: ``metaAlertGuid``, ``alerts``) to an
    active meta-alert; those already in it are skipped."""
    req = request_object(body, "MetaAlertAddRemoveRequest")
    meta = audited_update(
        context,
        user,
        request,
        "metaalert.add",
        _meta_key(req),
        lambda: context.store.add_alerts_to_meta_alert(req, user.name),
    )
    return document_response(meta)


@router.post("/metaalert/remove/alert")
def remove_alerts(
    user: CurrentUser, context: Ctx, request: Request, body: JsonBody = None
) -> dict[str, Any]:
    """Remove alerts from an active meta-alert (not all of them: a meta-alert is never
    empty)."""
    req = request_object(body, "MetaAlertAddRemoveRequest")
    meta = audited_update(
        context,
        user,
        request,
        "metaalert.remove",
        _meta_key(req),
        lambda: context.store.remove_alerts_from_meta_alert(req, user.name),
    )
    return document_response(meta)


@router.post("/metaalert/update/status/{guid}/{status}")
def update_status(
    guid: str, status: str, user: CurrentUser, context: Ctx, request: Request
) -> dict[str, Any]:
    """Set a meta-alert's status, ``ACTIVE`` or ``INACTIVE`` (any case): an inactive
    meta-alert releases its alerts, which are found on their own again."""
    meta = audited_update(
        context,
        user,
        request,
        "metaalert.status",
        (guid, META_ALERT_SENSOR),
        lambda: context.store.update_meta_alert_status(guid, status, user.name),
    )
    return document_response(meta)
