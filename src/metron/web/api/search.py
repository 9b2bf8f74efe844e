"""Searching alerts (Metron's ``/api/v1/search``): Lucene queries with facets, nested
groups, single documents, column types, and (ours) several documents at once and an
alert's update history.

The bodies are Metron's JSON (``SearchRequest``, ``GroupRequest``, ``GetRequest``, a list
of sensor names) and are passed to the alert store, which checks them: a malformed query
is a 400 whose message points at the offending position.  As Metron's search service did,
an empty ``facetFields`` list asks for the default facets: the user's alerts UI settings'
``facetFields``, else the sensor type field and the global config's
``search.facet.fields``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from metron.web.api.update import JsonBody, alert_key, parse_body, request_object
from metron.web.context import Ctx, WebContext
from metron.web.errors import RestError
from metron.web.security import CurrentUser

__all__ = ["DEFAULT_FACET_FIELDS", "default_facet_fields", "router"]

router = APIRouter(prefix="/api/v1", tags=["search"])

#: Metron's ``search.facet.fields`` default (its REST application.yml).
DEFAULT_FACET_FIELDS = ("ip_src_addr", "ip_dst_addr", "enrichments:geo:ip_dst_addr:country")

SEARCH_EXAMPLE = {
    "indices": ["bro", "snort"],
    "query": 'ip_src_addr:"192.168.66.1" AND NOT alert_status:RESOLVE',
    "from": 0,
    "size": 10,
    "sort": [{"field": "timestamp", "sortOrder": "desc"}],
    "facetFields": ["source:type", "ip_dst_addr"],
}
GROUP_EXAMPLE = {
    "indices": ["bro", "snort"],
    "query": "*",
    "scoreField": "threat:triage:score",
    "groups": [
        {"field": "source:type", "order": {"groupOrderType": "count", "sortOrder": "desc"}},
        {"field": "ip_src_addr"},
    ],
}
GET_EXAMPLE = {"guid": "c4d6ee3f-52c4-4d4d-9bb6-b0d2b4f7c2e1", "sensorType": "bro"}


def default_facet_fields(context: WebContext, user_name: str) -> list[str]:
    """The facets of a search that asks for the default ones (an empty ``facetFields``)."""
    settings = context.users.get_settings(user_name) or {}
    chosen = settings.get("facetFields")
    if isinstance(chosen, list):
        return [str(f) for f in chosen]
    config = context.global_config()
    sensor_field = config.get("source.type.field")
    fields = [sensor_field if isinstance(sensor_field, str) and sensor_field else "source:type"]
    extra: Any = config.get("search.facet.fields", DEFAULT_FACET_FIELDS)
    if isinstance(extra, str):
        extra = extra.split(",")
    if isinstance(extra, (list, tuple)):
        fields += [str(f).strip() for f in extra if str(f).strip()]
    return fields


@router.post("/search/search")
def search(
    user: CurrentUser, context: Ctx, body: Annotated[Any, Body(examples=[SEARCH_EXAMPLE])] = None
) -> dict[str, Any]:
    """A ``SearchRequest`` -> ``SearchResponse`` (``total``, ``results``,
    ``facetCounts``).  Alerts in an active meta-alert are found as that meta-alert."""
    req = request_object(body, "SearchRequest")
    if req.get("facetFields") == []:
        req = {**req, "facetFields": default_facet_fields(context, user.name)}
    return context.store.search(req)


@router.post("/search/group")
def group(
    _: CurrentUser, context: Ctx, body: Annotated[Any, Body(examples=[GROUP_EXAMPLE])] = None
) -> dict[str, Any]:
    """A ``GroupRequest`` -> ``GroupResponse``: nested groups in the order of ``groups``,
    each with its count and the sum of ``scoreField`` (default order: count, descending)."""
    return context.store.group(request_object(body, "GroupRequest"))


@router.post("/search/findOne")
def find_one(
    _: CurrentUser, context: Ctx, body: Annotated[Any, Body(examples=[GET_EXAMPLE])] = None
) -> dict[str, Any]:
    """The latest version of a document (``GetRequest``: ``guid``, ``sensorType``); 404
    when there is none."""
    guid, sensor = alert_key(request_object(body, "GetRequest"))
    doc = context.store.find_one(guid, sensor)
    if doc is None:
        raise RestError(404, f"no document with guid {guid} and sensorType {sensor}")
    return doc


@router.post("/search/getAllLatest")
def get_all_latest(_: CurrentUser, context: Ctx, body: JsonBody = None) -> list[dict[str, Any]]:
    """The latest versions of the documents a list of ``GetRequest``s names (the missing
    ones are left out)."""
    body = parse_body(body)
    if not isinstance(body, list):
        raise RestError(400, "the body must be a list of GetRequests", field="body")
    requests = [request_object(item, "GetRequest") for item in body]
    return context.store.get_all_latest(requests)


@router.post("/search/column/metadata")
def column_metadata(
    _: CurrentUser, context: Ctx, body: Annotated[Any, Body(examples=[["bro", "snort"]])] = None
) -> dict[str, str]:
    """Field -> type (``keyword``, ``ip``, ``long``, ``double``, ``boolean``, ``date``,
    ``other`` when the indices disagree) of the named sensors' indices (all when the list
    is empty)."""
    body = parse_body(body)
    if body is not None and (
        not isinstance(body, list) or not all(isinstance(n, str) for n in body)
    ):
        raise RestError(400, "the body must be a list of sensor (index) names", field="body")
    return context.store.column_metadata(body or None)


@router.get("/search/history/{sensor}/{guid}")
def history(sensor: str, guid: str, _: CurrentUser, context: Ctx) -> list[dict[str, Any]]:
    """The update history of an alert, oldest first: each change's ``timestamp``,
    ``user``, ``action``, ``detail`` and the document ``before`` and ``after`` it."""
    entries = context.store.history(guid, sensor)
    if not entries and context.store.find_one(guid, sensor) is None:
        raise RestError(404, f"no document with guid {guid} and sensorType {sensor}")
    return entries
