"""Meta-alerts, as Metron's meta-alert DAO: groups of alerts triaged together.

A meta-alert (``source.type: metaalert``) holds copies of its alerts in ``metron_alert``
and its groups in ``groups``; each alert lists its meta-alerts in ``metaalerts``.  Its
``count``, ``sum``, ``min``, ``max``, ``average`` and ``median`` summarise the alerts'
``threat.triage.score``, and its own score is the one ``meta.dao.sort`` names.  An update
of an alert is copied into every active meta-alert holding it.  In searches a meta-alert's
alerts are matched one at a time, as Elasticsearch's nested mapping did.
"""

from __future__ import annotations

import dataclasses
import statistics
import uuid
from collections.abc import Mapping
from typing import Any

from metron.search.documents import (
    ALERT_FIELD,
    GROUPS_FIELD,
    GUID,
    META_ALERT_FIELD,
    META_ALERT_INDEX,
    META_ALERT_SENSOR,
    META_STATUS_FIELD,
    SOURCE_TYPE,
    THREAT_SCORE,
    TIMESTAMP,
    DocumentStore,
    Written,
    as_number,
    dumps,
    now_ms,
    request_list,
)
from metron.search.errors import DocumentNotFound, InvalidRequest
from metron.search.keys import doc_key
from metron.search.query import Bool, MatchAll, Node, Term

__all__ = ["MetaAlertStore"]

#: A query node that matches nothing.
_NOTHING: Node = Bool(must_not=(MatchAll(),))
_NESTED_PREFIX = f"{ALERT_FIELD}."


def _outside_meta_alerts(node: Node) -> Node:
    """``node`` as Elasticsearch ran it on a whole document, where a meta-alert's
    ``metron_alert`` copies are a nested type: invisible to the top-level query, so a field
    under ``metron_alert`` matches nothing there (the copies are matched one by one, see
    :func:`_inside_meta_alert`)."""
    if isinstance(node, Bool):
        return Bool(
            must=tuple(_outside_meta_alerts(n) for n in node.must),
            should=tuple(_outside_meta_alerts(n) for n in node.should),
            must_not=tuple(_outside_meta_alerts(n) for n in node.must_not),
        )
    if isinstance(node, MatchAll):
        return node
    name = node.field
    if name is not None and (name == ALERT_FIELD or name.startswith(_NESTED_PREFIX)):
        return _NOTHING
    return node


def _inside_meta_alert(node: Node) -> Node:
    """``node`` as Metron's nested query ran it on each alert of a meta-alert: fields may
    be named ``metron_alert.<field>`` (Metron's form) or plainly ``<field>``."""
    if isinstance(node, Bool):
        return Bool(
            must=tuple(_inside_meta_alert(n) for n in node.must),
            should=tuple(_inside_meta_alert(n) for n in node.should),
            must_not=tuple(_inside_meta_alert(n) for n in node.must_not),
        )
    if isinstance(node, MatchAll):
        return node
    name = node.field
    if name is not None and name.startswith(_NESTED_PREFIX):
        return dataclasses.replace(node, field=name[len(_NESTED_PREFIX) :])
    return node


class MetaAlertStore(DocumentStore):
    """The document store with Metron's meta-alert operations."""

    def _update(
        self,
        guid: str,
        sensor: str,
        change: Any,
        action: str,
        detail: Any,
        user: str | None,
        *,
        propagate: bool = True,
        missing: str | None = None,
    ) -> dict[str, Any]:
        """Apply ``change(doc) -> new doc`` to the latest version as one new version (and
        copy it into the active meta-alerts holding it).  ``missing`` is the message when
        the document is not there.  A change that changes nothing writes nothing."""
        pending: list[Written] = []
        with self._transaction() as conn:
            old = self._latest(guid, sensor)
            if old is None:
                raise DocumentNotFound(
                    missing
                    or f"Document does not exist, but is required; guid={guid}, sensorType={sensor}"
                )
            new_doc = change(dict(old[2]))
            if new_doc == old[2]:
                return new_doc
            self._write_version(conn, old, new_doc, action, detail, user, pending)
            if propagate and sensor != META_ALERT_SENSOR:
                # Metron finds the active meta-alerts holding a copy of the alert (not the
                # alert's own "metaalerts" list) and replaces the copy
                for meta in self._active_metas_holding(guid):
                    meta_doc = dict(meta[2])
                    alerts = [
                        new_doc
                        if isinstance(a, dict)
                        and a.get(GUID) == guid
                        and a.get(SOURCE_TYPE, sensor) == sensor
                        else a
                        for a in meta_doc.get(ALERT_FIELD) or []
                    ]
                    meta_doc[ALERT_FIELD] = alerts
                    self._score(meta_doc)
                    self._write_version(
                        conn, meta, meta_doc, "alert updated", {GUID: guid}, user, pending
                    )
        self._apply(pending)
        return new_doc

    # -------------------------------------------------------------- meta-alerts

    @staticmethod
    def _meta_guids(doc: Mapping[str, Any]) -> list[str]:
        value = doc.get(META_ALERT_FIELD)
        if isinstance(value, list):
            return [str(v) for v in value if isinstance(v, str)]
        return []

    def _score(self, meta: dict[str, Any]) -> None:
        scores = []
        for alert in meta.get(ALERT_FIELD) or []:
            value = as_number(alert.get(THREAT_SCORE)) if isinstance(alert, dict) else None
            if value is not None:
                scores.append(value)
        if scores:
            summary: dict[str, Any] = {
                "max": max(scores),
                "min": min(scores),
                "average": sum(scores) / len(scores),
                "count": len(scores),
                "sum": sum(scores),
                "median": statistics.median(scores),
            }
        else:
            # Java's DoubleSummaryStatistics of nothing, and commons-math's median of nothing
            summary = {
                "max": float("-inf"),
                "min": float("inf"),
                "average": 0.0,
                "count": 0,
                "sum": 0.0,
                "median": float("nan"),
            }
        meta.update(summary)
        meta[THREAT_SCORE] = float(summary[self.meta_sort])

    def _alerts(self, requests: Any, what: str) -> list[tuple[int, str, dict[str, Any]]]:
        out = []
        for request in request_list(requests, "alerts"):
            if not isinstance(request, dict):
                raise InvalidRequest("each alert is a GetRequest {guid, sensorType}")
            guid, sensor = self._key(request)
            latest = self._latest(guid, sensor)
            if latest is None:
                raise DocumentNotFound(f"{what}  Alert with guid {guid} cannot be found.")
            out.append(latest)
        return out

    def create_meta_alert(
        self, request: Mapping[str, Any], user: str | None = None
    ) -> dict[str, Any]:
        """Metron's ``MetaAlertCreateRequest``: ``alerts`` (GetRequests) and ``groups``."""
        if not request_list(request.get("alerts"), "alerts"):
            raise InvalidRequest("MetaAlertCreateRequest must contain alerts")
        groups = request_list(request.get("groups"), "groups")
        if not groups:
            raise InvalidRequest("MetaAlertCreateRequest must contain UI groups")
        pending: list[Written] = []
        with self._transaction() as conn:
            alerts = self._alerts(request.get("alerts"), "Unable to create meta alert.")
            guid = str(uuid.uuid4())
            # Metron's meta-alert holds the alerts as they are after the change (with the new
            # guid in their "metaalerts"): it copied the very maps it then updated
            linked = [self._linked(doc, guid) for _, _, doc in alerts]
            meta: dict[str, Any] = {
                ALERT_FIELD: linked,
                GUID: guid,
                TIMESTAMP: now_ms(),
                GROUPS_FIELD: [str(g) for g in groups],
                META_STATUS_FIELD: "active",
            }
            self._score(meta)
            meta[SOURCE_TYPE] = META_ALERT_SENSOR
            cursor = conn.execute(
                "INSERT INTO docs (guid, sensor, idx, doc) VALUES (?, ?, ?, ?)",
                (guid, META_ALERT_SENSOR, META_ALERT_INDEX, dumps(meta)),
            )
            conn.execute(
                "INSERT INTO history (guid, sensor, ts, user, action, detail, before, after)"
                " VALUES (?, ?, ?, ?, 'meta-alert created', ?, NULL, ?)",
                (
                    guid,
                    META_ALERT_SENSOR,
                    now_ms(),
                    user or self.user,
                    dumps(groups),
                    dumps(meta),
                ),
            )
            pending.append(
                (
                    int(cursor.lastrowid or 0),
                    META_ALERT_INDEX,
                    meta,
                    doc_key(guid, META_ALERT_SENSOR),
                )
            )
            for alert, doc in zip(alerts, linked):
                if doc != alert[2]:
                    self._write_version(
                        conn, alert, doc, "added to meta-alert", {"metaalert": guid}, user, pending
                    )
        self._apply(pending)
        return meta

    def _linked(self, doc: Mapping[str, Any], meta_guid: str) -> dict[str, Any]:
        """The alert ``doc`` listing the meta-alert ``meta_guid`` in its ``metaalerts``."""
        out = dict(doc)
        guids = self._meta_guids(out)
        if meta_guid not in guids:
            out[META_ALERT_FIELD] = [*guids, meta_guid]
        return out

    def _meta(self, guid: str, what: str) -> tuple[int, str, dict[str, Any]]:
        meta = self._latest(guid, META_ALERT_SENSOR)
        if meta is None:
            raise DocumentNotFound(f"{what}  Meta alert with guid {guid} cannot be found.")
        return meta

    def add_alerts_to_meta_alert(
        self, request: Mapping[str, Any], user: str | None = None
    ) -> dict[str, Any]:
        """Metron's ``MetaAlertAddRemoveRequest`` (``metaAlertGuid``, ``alerts``): alerts
        already in the meta-alert are skipped; an inactive meta-alert is refused."""
        return self._add_remove(request, user, adding=True)

    def remove_alerts_from_meta_alert(
        self, request: Mapping[str, Any], user: str | None = None
    ) -> dict[str, Any]:
        """Remove alerts from a meta-alert; emptying it is refused, as in Metron."""
        return self._add_remove(request, user, adding=False)

    def _add_remove(
        self, request: Mapping[str, Any], user: str | None, *, adding: bool
    ) -> dict[str, Any]:
        meta_guid = request.get("metaAlertGuid")
        if not isinstance(meta_guid, str) or not meta_guid:
            raise InvalidRequest("'metaAlertGuid' is required")
        verb = "add alerts to" if adding else "remove alerts from"
        what = f"Unable to {verb} meta alert."
        pending: list[Written] = []
        with self._transaction() as conn:
            meta = self._meta(meta_guid, what)
            if meta[2].get(META_STATUS_FIELD) != "active":
                action = "Adding alerts to" if adding else "Removing alerts from"
                raise InvalidRequest(f"{action} an INACTIVE meta alert is not allowed")
            alerts = self._alerts(request.get("alerts"), what)
            meta_doc = dict(meta[2])
            current = list(meta_doc.get(ALERT_FIELD) or [])
            present = {a.get(GUID) for a in current if isinstance(a, dict)}
            changed = []
            if adding:
                for alert in alerts:
                    if alert[2].get(GUID) not in present:
                        # the copy is the alert as linked, as in Metron (see create)
                        current.append(self._linked(alert[2], meta_guid))
                        present.add(alert[2].get(GUID))
                        changed.append(alert)
            else:
                removing = {a[2].get(GUID) for a in alerts}
                kept = [a for a in current if a.get(GUID) not in removing]
                if len(kept) != len(current):
                    if not kept:
                        raise InvalidRequest(
                            "Removing these alerts will result in an empty meta alert."
                            "  Empty meta alerts are not allowed."
                        )
                    changed = [a for a in alerts if a[2].get(GUID) in present]
                current = kept
            if changed:
                meta_doc[ALERT_FIELD] = current
                self._score(meta_doc)
                detail = {"alerts": [a[2].get(GUID) for a in changed]}
                action = "alerts added" if adding else "alerts removed"
                self._write_version(conn, meta, meta_doc, action, detail, user, pending)
                for alert in changed:
                    if adding:
                        doc = self._linked(alert[2], meta_guid)
                    else:
                        doc = dict(alert[2])
                        if meta_guid in self._meta_guids(doc):
                            doc[META_ALERT_FIELD] = [
                                g for g in self._meta_guids(doc) if g != meta_guid
                            ]
                    if doc == alert[2]:
                        continue
                    what_happened = "added to meta-alert" if adding else "removed from meta-alert"
                    self._write_version(
                        conn, alert, doc, what_happened, {"metaalert": meta_guid}, user, pending
                    )
            result = meta_doc
        self._apply(pending)
        return result

    def update_meta_alert_status(
        self, guid: str, status: str, user: str | None = None
    ) -> dict[str, Any]:
        """``active`` or ``inactive``: an inactive meta-alert releases its alerts (they lose
        its guid and are found again on their own); re-activating takes them back."""
        value = status.strip().lower()
        if value not in ("active", "inactive"):
            raise InvalidRequest(f"meta-alert status must be active or inactive, not {status!r}")
        pending: list[Written] = []
        with self._transaction() as conn:
            meta = self._meta(guid, "Unable to update meta alert status.")
            meta_doc = dict(meta[2])
            if meta_doc.get(META_STATUS_FIELD) != value:
                meta_doc[META_STATUS_FIELD] = value
                self._write_version(
                    conn, meta, meta_doc, "status", {META_STATUS_FIELD: value}, user, pending
                )
                for child in meta_doc.get(ALERT_FIELD) or []:
                    if not isinstance(child, dict):
                        continue
                    alert = self._latest(str(child.get(GUID)), str(child.get(SOURCE_TYPE)))
                    if alert is None:
                        continue
                    doc = dict(alert[2])
                    guids = self._meta_guids(doc)
                    if value == "active" and guid not in guids:
                        doc[META_ALERT_FIELD] = [*guids, guid]
                    elif value == "inactive" and guid in guids:
                        doc[META_ALERT_FIELD] = [g for g in guids if g != guid]
                    else:
                        continue
                    self._write_version(
                        conn, alert, doc, "meta-alert status", {"metaalert": guid}, user, pending
                    )
        self._apply(pending)
        return meta_doc

    def _active_metas_holding(self, guid: str) -> list[tuple[int, str, dict[str, Any]]]:
        """The active meta-alerts with a copy of alert ``guid`` in ``metron_alert``."""
        # most stores have no meta-alert: then an update need not search for them
        if (
            self._conn.execute(
                "SELECT 1 FROM docs WHERE sensor = 'metaalert' AND retired_by IS NULL LIMIT 1"
            ).fetchone()
            is None
        ):
            return []
        query = Bool(
            must=(
                Term(SOURCE_TYPE, META_ALERT_SENSOR),
                Term(META_STATUS_FIELD, "active"),
                Term(f"{ALERT_FIELD}.{GUID}", guid),
            )
        )
        with self._lock:
            self._catch_up()
            hits = self.index.search(query, limit=max(1, len(self.index)))
            docs = self._docs(hits.ids)
        return [(i, docs[i][0], docs[i][1]) for i in hits.ids if i in docs]

    def meta_alerts_for_alert(self, guid: str) -> dict[str, Any]:
        """The active meta-alerts holding the alert ``guid`` (a ``SearchResponse``)."""
        if not guid.strip():
            raise InvalidRequest("Guid cannot be empty")
        results = [
            {"id": doc.get(GUID), "source": doc, "score": 1.0, "index": META_ALERT_INDEX}
            for _, _, doc in self._active_metas_holding(guid)
        ]
        return {"total": len(results), "results": results, "facetCounts": None}
