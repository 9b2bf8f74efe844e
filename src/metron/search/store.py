"""The alert store: indexed messages, searched with Lucene queries, updated by analysts.

Metron kept alerts in Elasticsearch or Solr behind its DAO API; this is that API on one
machine.  The documents live in SQLite (``<data dir>/alerts/alerts.db``, WAL), the system of
record; an :class:`~metron.search.query.Index` over them answers queries.  The requests and
responses are Metron's JSON shapes (``SearchRequest``, ``SearchResponse``, ``GroupRequest``,
``GroupResponse``, ``PatchRequest``, ``CommentAddRemoveRequest``, ``MetaAlertCreateRequest``
...), as plain dicts, so the REST API and the CLI pass them through.

Documents.  Each message is stored under its ``guid`` and sensor (``source.type``) with the
index name its indexing config gives (the sensor by default).  A document is never changed
in place: an update writes a new version and retires the old one (so searches see updates
at once and the index only ever appends), and indexing a message whose ``(guid, sensor)``
is already stored replaces it, so re-indexing a file adds no duplicates.  Every update
(patch, replace, status, comment, meta-alert change) is kept in an audit history: who,
when, what, and the document before and after.

Search (Metron's meta-alert-aware search): the query runs over the named indices and the
meta-alert index; documents that belong to an active meta-alert (they carry
``metaalerts``) are replaced by that meta-alert, which is found when the query matches it
or any of its alerts; inactive meta-alerts are not found.  ``size`` above
``search.max.results`` (global config, 1000) is refused, as in Metron.  Results carry
``score`` 1.0 (relevance is not modelled).

Meta-alerts follow Metron's DAO: created from existing alerts and a non-empty list of
groups, status ``active``; the meta-alert holds copies of its alerts in ``metron_alert``,
each alert lists its meta-alerts in ``metaalerts``; ``count``, ``sum``, ``min``, ``max``,
``average`` and ``median`` of the alerts' ``threat.triage.score`` are kept on the meta-alert
and its own ``threat.triage.score`` is one of them (``meta.dao.sort`` in the global config,
``sum`` by default).  An update of an alert is copied into its active meta-alerts;
meta-alerts cannot be patched on ``metron_alert`` or ``status`` (use add/remove and status).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from metron.search.documents import (
    ALERT_FIELD,
    ALERT_STATUSES,
    COMMENTS_FIELD,
    GUID,
    META_ALERT_FIELD,
    META_ALERT_INDEX,
    META_ALERT_SENSOR,
    META_STATUS_FIELD,
    SOURCE_TYPE,
    STATUS_FIELD,
    TIMESTAMP,
    now_ms,
    request_list,
)
from metron.search.errors import DocumentNotFound, InvalidRequest
from metron.search.lucene import parse
from metron.search.metaalerts import MetaAlertStore, _inside_meta_alert, _outside_meta_alerts
from metron.search.patch import apply_patch
from metron.search.query import Bool, Exists, GroupSpec, MatchAll, Node, SortField, Term

__all__ = [
    "ALERT_STATUSES",
    "META_ALERT_SENSOR",
    "AlertStore",
    "DocumentNotFound",
    "InvalidRequest",
]


def _field_name(name: str) -> str:
    """A field named in a request, in its stored (dotted) form: Metron's Elasticsearch
    clients name fields dedotted (``threat:triage:score``), as queries may."""
    return name.replace(":", ".")


class AlertStore(MetaAlertStore):
    """Metron's IndexDao and MetaAlertDao over SQLite and an :class:`Index`.

    ``directory`` holds ``alerts.db`` (created when missing).  ``index`` is the search index
    to keep (default: the fast :class:`~metron.search.engine.ColumnIndex`, restored from
    its snapshot in ``directory/index`` and caught up with the database).  One store may be
    shared by threads; several processes may open the same directory (each keeps its own
    index and catches up on open).
    """

    # -------------------------------------------------------------- updates

    def patch(self, request: Mapping[str, Any], user: str | None = None) -> dict[str, Any]:
        """Metron's ``PatchRequest``: ``guid``, ``sensorType``, ``patch`` (RFC 6902 operations
        applied as Metron's ``PatchUtils`` did, see :func:`apply_patch`; ``op`` in any case
        as Metron's enum allows), optional ``source`` (ignored: the latest version is
        patched) and ``index``."""
        guid, sensor = self._key(request)
        operations = request.get("patch")
        if not isinstance(operations, list) or not operations:
            raise InvalidRequest("'patch' must be a non-empty list of RFC 6902 operations")
        normalised = []
        for op in operations:
            if not isinstance(op, dict) or not isinstance(op.get("op"), str):
                raise InvalidRequest(f"a patch operation needs an 'op': {op!r:.80}")
            normalised.append({**op, "op": op["op"].lower()})
        if sensor == META_ALERT_SENSOR:
            for op in normalised:
                path = str(op.get("path", ""))
                if path in (f"/{ALERT_FIELD}", f"/{META_STATUS_FIELD}") or path.startswith(
                    f"/{ALERT_FIELD}/"
                ):
                    raise InvalidRequest(
                        "Meta alert patches are not allowed for /alert or /status paths."
                        "  Please use the add/remove alert or update status functions instead."
                    )

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            return apply_patch(doc, normalised)

        return self._update(guid, sensor, change, "patch", normalised, user)

    def replace(self, request: Mapping[str, Any], user: str | None = None) -> dict[str, Any]:
        """Metron's replace (``ReplaceRequest``): ``guid``, ``sensorType`` and the whole new
        ``replacement`` (or ``document``)."""
        guid, sensor = self._key(request)
        replacement = request.get("replacement", request.get("document"))
        if not isinstance(replacement, dict):
            raise InvalidRequest("'replacement' must be the new document (a JSON object)")
        if sensor == META_ALERT_SENSOR:
            raise InvalidRequest("Meta alerts cannot be directly updated")
        new = dict(replacement)
        new[GUID] = guid
        new[SOURCE_TYPE] = sensor
        return self._update(guid, sensor, lambda _doc: new, "replace", None, user)

    def set_status(
        self, guid: str, sensor: str, status: str, user: str | None = None
    ) -> dict[str, Any]:
        """Set ``alert_status`` to one of :data:`ALERT_STATUSES` (any case)."""
        value = status.strip().upper()
        if value not in ALERT_STATUSES:
            raise InvalidRequest(
                f"unknown alert status {status!r}: use one of {', '.join(ALERT_STATUSES)}"
            )

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            doc[STATUS_FIELD] = value
            return doc

        return self._update(guid, sensor, change, "status", {STATUS_FIELD: value}, user)

    def add_comment(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Metron's ``CommentAddRemoveRequest``: ``guid``, ``sensorType``, ``comment``,
        ``username``, ``timestamp`` (epoch ms; now when absent)."""
        guid, sensor = self._key(request)
        comment = self._comment(request)

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            doc[COMMENTS_FIELD] = [*(doc.get(COMMENTS_FIELD) or []), comment]
            return doc

        return self._update(
            guid,
            sensor,
            change,
            "comment added",
            comment,
            comment["username"],
            missing=f"Unable to add comment. Document with guid {guid} cannot be found.",
        )

    def remove_comment(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Remove the comment equal to the request's (text, username and timestamp).  As in
        Metron, a comment that is not there is no error (nothing changes), but a document
        without comments is."""
        guid, sensor = self._key(request)
        comment = self._comment(request)

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            if doc.get(COMMENTS_FIELD) is None:
                raise InvalidRequest(
                    f"Unable to remove comment. Document with guid {guid} has no comments."
                )
            comments = list(doc[COMMENTS_FIELD])
            if comment in comments:
                comments.remove(comment)
            if comments:
                doc[COMMENTS_FIELD] = comments
            else:
                doc.pop(COMMENTS_FIELD, None)
            return doc

        return self._update(
            guid,
            sensor,
            change,
            "comment removed",
            comment,
            comment["username"],
            missing=f"Unable to remove comment. Document with guid {guid} cannot be found.",
        )

    def _comment(self, request: Mapping[str, Any]) -> dict[str, Any]:
        text = request.get("comment")
        if not isinstance(text, str) or not text:
            raise InvalidRequest("'comment' must be a non-empty string")
        username = request.get("username") or self.user
        timestamp = request.get("timestamp")
        if timestamp is None:
            timestamp = now_ms()
        if isinstance(timestamp, bool) or not isinstance(timestamp, int):
            raise InvalidRequest("'timestamp' must be epoch milliseconds (an integer)")
        return {"comment": text, "username": str(username), "timestamp": timestamp}

    def history(self, guid: str, sensor: str) -> list[dict[str, Any]]:
        """The audit trail of a document, oldest first."""
        rows = self._conn.execute(
            "SELECT ts, user, action, detail, before, after FROM history"
            " WHERE guid = ? AND sensor = ? ORDER BY seq",
            (guid, sensor),
        ).fetchall()
        return [
            {
                "timestamp": ts,
                "user": user,
                "action": action,
                "detail": orjson.loads(detail) if detail else None,
                "before": orjson.loads(before) if before else None,
                "after": orjson.loads(after) if after else None,
            }
            for ts, user, action, detail, before, after in rows
        ]

    # -------------------------------------------------------------- retrieval

    def find_one(self, guid: str, sensor: str) -> dict[str, Any] | None:
        """The latest version of a document (Metron's ``findOne`` / ``getLatest``)."""
        latest = self._latest(guid, sensor)
        return None if latest is None else latest[2]

    def sensors_of(self, guid: str) -> list[str]:
        """The sensors that hold a live document with this guid."""
        with self._lock:
            self._catch_up()
            hits = self.index.search(Term(GUID, guid), limit=100)
            docs = self._docs(hits.ids)
        return sorted({str(doc.get(SOURCE_TYPE)) for _, doc in docs.values()})

    def get_all_latest(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The latest versions of the documents named by ``GetRequest``s (missing ones are
        left out)."""
        out = []
        for request in requests:
            guid, sensor = self._key(request)
            found = self.find_one(guid, sensor)
            if found is not None:
                out.append(found)
        return out

    # -------------------------------------------------------------- search

    def _indices(self, request: Mapping[str, Any]) -> list[str] | None:
        indices = request_list(request.get("indices"), "indices")
        if not indices:
            return None
        names = []
        for name in indices:
            if not isinstance(name, str):
                raise InvalidRequest("'indices' must be a list of index names")
            # Metron's Elasticsearch names (bro_index_2017.10.03.19, bro_index*) name the
            # sensor's index here
            base = name.split("_index", 1)[0] if "_index" in name else name
            names.append(base)
        names.append(META_ALERT_INDEX)
        return names

    def _query(self, request: Mapping[str, Any]) -> Node:
        text = request.get("query")
        if text is None:
            return MatchAll()
        if not isinstance(text, str):
            raise InvalidRequest("'query' must be a string")
        return parse(text)

    def _visible(self, query: Node, indices: list[str] | None) -> Node:
        """Metron's meta-alert wrapping: the query's matches that are not in an active
        meta-alert and are not inactive meta-alerts, plus the active meta-alerts any of
        whose alerts match.  As with Metron's nested ``metron_alert`` mapping, a meta-alert's
        alerts are matched one at a time (``metron_alert.x:1 AND metron_alert.y:2`` needs
        one alert with both), never as one flattened document."""
        not_inactive_meta = Bool(
            must=(Term(SOURCE_TYPE, META_ALERT_SENSOR),),
            must_not=(Term(META_STATUS_FIELD, "active"),),
        )
        plain = Bool(
            must=(_outside_meta_alerts(query),),
            must_not=(Exists(META_ALERT_FIELD), not_inactive_meta),
        )
        # the meta-alerts whose alerts match, from the alerts' own "metaalerts" (the
        # copies inside a meta-alert are kept equal to them), whatever their index
        children = self.index.search(
            Bool(must=(_inside_meta_alert(query), Exists(META_ALERT_FIELD))),
            limit=0,
            facets=[META_ALERT_FIELD],
        )
        metas = sorted(children.facets.get(META_ALERT_FIELD, {}))
        if not metas:
            return plain
        parents = Bool(
            must=(
                Term(SOURCE_TYPE, META_ALERT_SENSOR),
                Term(META_STATUS_FIELD, "active"),
                Bool(should=tuple(Term(GUID, guid) for guid in metas)),
            )
        )
        return Bool(should=(plain, parents))

    def search(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Metron's ``SearchRequest`` -> ``SearchResponse`` (see the module docstring)."""
        size = request.get("size", 10)
        start = request.get("from", 0)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidRequest("'size' must be a whole number")
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise InvalidRequest("'from' must be a whole number")
        if size > self.max_results:
            raise InvalidRequest(f"Search result size must be less than {self.max_results}")
        sort = self._sort(request.get("sort"))
        # facet counts are keyed by the names the request gives (dotted or dedotted)
        facet_names = {
            str(f): _field_name(str(f))
            for f in request_list(request.get("facetFields"), "facetFields")
        }
        facets = sorted(set(facet_names.values()))
        fields = request.get("fields")
        if fields is not None and not isinstance(fields, list):
            raise InvalidRequest("'fields' must be a list of field names")
        indices = self._indices(request)
        with self._lock:
            self._catch_up()
            query = self._visible(self._query(request), indices)
            hits = self.index.search(
                query, indices=indices, sort=sort, offset=start, limit=size, facets=facets
            )
            docs = self._docs(hits.ids)
        results = []
        for doc_id in hits.ids:
            if doc_id not in docs:
                continue
            index_name, doc = docs[doc_id]
            # as Metron's Elasticsearch DAO: each asked-for field, null when missing
            source = doc if fields is None else {f: doc.get(_field_name(f)) for f in fields}
            results.append(
                {"id": doc.get(GUID), "source": source, "score": 1.0, "index": index_name}
            )
        response: dict[str, Any] = {"total": hits.total, "results": results}
        response["facetCounts"] = (
            {name: hits.facets.get(field, {}) for name, field in facet_names.items()}
            if facet_names
            else None
        )
        return response

    @staticmethod
    def _sort(value: Any) -> list[SortField]:
        if value is None:
            return [SortField(TIMESTAMP, "desc")]
        out = []
        for item in request_list(value, "sort"):
            if not isinstance(item, dict) or not isinstance(item.get("field"), str):
                raise InvalidRequest('each \'sort\' entry is {"field": ..., "sortOrder": ...}')
            order = str(item.get("sortOrder", "desc")).lower()
            if order not in ("asc", "desc"):
                raise InvalidRequest(f"'sortOrder' must be asc or desc, not {order!r}")
            out.append(SortField(_field_name(item["field"]), "asc" if order == "asc" else "desc"))
        return out

    def group(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Metron's ``GroupRequest`` -> ``GroupResponse``: nested groups with counts and the
        sum of ``scoreField``; alerts inside meta-alerts are left out, as in Metron."""
        groups = []
        for item in request_list(request.get("groups"), "groups"):
            if not isinstance(item, dict) or not isinstance(item.get("field"), str):
                raise InvalidRequest('each group is {"field": ..., "order": {...}}')
            order = item.get("order") or {}
            by = str(order.get("groupOrderType", "count")).lower()
            direction = str(order.get("sortOrder", "desc")).lower()
            if by not in ("count", "term") or direction not in ("asc", "desc"):
                raise InvalidRequest(
                    "a group's order is groupOrderType count|term and sortOrder asc|desc"
                )
            groups.append(
                GroupSpec(
                    _field_name(item["field"]),
                    "term" if by == "term" else "count",
                    "asc" if direction == "asc" else "desc",
                )
            )
        if not groups:
            raise InvalidRequest("At least 1 group must be provided.")
        names = [item["field"] for item in request["groups"]]
        score_field = request.get("scoreField")
        if not isinstance(score_field, str) or not score_field:
            score_field = None
        indices = self._indices(request)
        with self._lock:
            self._catch_up()
            query = Bool(must=(self._query(request),), must_not=(Exists(META_ALERT_FIELD),))
            found = self.index.group(
                query,
                groups,
                indices=indices,
                score_field=_field_name(score_field) if score_field else None,
            )
        scored = score_field is not None
        return {"groupedBy": names[0], "groupResults": self._group_results(found, names, scored)}

    def _group_results(
        self, found: list[dict[str, Any]], names: list[str], scored: bool, level: int = 0
    ) -> list[dict[str, Any]]:
        """Metron's ``GroupResult``s: ``groupedBy`` is the next level's field as the request
        named it, and ``score`` is null without a ``scoreField``, as in Metron."""
        out = []
        for group in found[: self.max_groups]:
            result: dict[str, Any] = {
                "key": group["key"],
                "total": group["total"],
                "score": group["score"] if scored else None,
                "groupedBy": names[level + 1] if level + 1 < len(names) else None,
                "groupResults": None,
            }
            if "groups" in group:
                result["groupResults"] = self._group_results(
                    group["groups"], names, scored, level + 1
                )
            out.append(result)
        return out

    def column_metadata(self, indices: Sequence[str] | None = None) -> dict[str, str]:
        """Field -> Metron ``FieldType`` name for the named indices: ``ip``, ``keyword``,
        ``long``, ``double``, ``boolean``, ``date`` (``timestamp`` and ``*.ts``), or
        ``other`` when the values disagree."""
        names = self._indices({"indices": list(indices) if indices else None})
        with self._lock:
            self._catch_up()
        out = {}
        for name, kinds in sorted(self.index.fields(names).items()):
            if name == TIMESTAMP or name.endswith(".ts"):
                kind = "date" if kinds <= {"integer", "float"} else "other"
            elif kinds == {"ip"}:
                kind = "ip"
            elif kinds <= {"string", "ip"}:
                kind = "keyword"
            elif kinds == {"integer"}:
                kind = "long"
            elif kinds <= {"integer", "float"}:
                kind = "double"
            elif kinds == {"boolean"}:
                kind = "boolean"
            else:
                kind = "other"
            out[name] = kind
        return out

    def __len__(self) -> int:
        return len(self.index)
