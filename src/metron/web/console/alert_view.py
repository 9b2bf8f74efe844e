"""What the alerts page and the details panel show of the store's answers.

:func:`rows` turns a ``SearchResponse``'s results into table rows (a meta-alert row
carries its child alerts); :func:`facets` orders each facet's counts and counts the
alerts without ``alert_status`` as NEW; :func:`field_groups` sorts a document's fields
into the panel's groups: the core fields, triage, each enrichment and each threat-intel
hit, timing stamps, and the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CORE_FIELDS",
    "AlertRow",
    "FacetView",
    "FieldGroup",
    "facets",
    "field_groups",
    "rows",
]

META_SENSOR = "metaalert"
#: Shown first, in this order, in the panel's "Alert" group.
CORE_FIELDS = (
    "guid",
    "timestamp",
    "source.type",
    "alert_status",
    "is_alert",
    "name",
    "status",
    "groups",
    "ip_src_addr",
    "ip_src_port",
    "ip_dst_addr",
    "ip_dst_port",
    "protocol",
    "host",
    "original_string",
)
#: Shown elsewhere in the panel (comments, child alerts, parent meta-alerts).
_SHOWN_APART = frozenset({"comments", "metron_alert", "metaalerts"})
_FACET_VALUES = 10
_FACET_MORE = 50


@dataclass
class AlertRow:
    guid: str
    sensor: str
    index: str
    source: dict[str, Any]
    children: list[AlertRow] = field(default_factory=list)

    @property
    def is_meta(self) -> bool:
        return self.sensor == META_SENSOR

    @property
    def status(self) -> str:
        return str(self.source.get("alert_status") or "NEW")

    @property
    def score(self) -> Any:
        return self.source.get("threat.triage.score")

    def value(self, name: str) -> Any:
        if name == "alert_status":
            return self.status
        return self.source.get(name)


def _row(source: Mapping[str, Any], index: str) -> AlertRow:
    doc = dict(source)
    sensor = str(doc.get("source.type") or index)
    children = []
    if sensor == META_SENSOR:
        for child in doc.get("metron_alert") or []:
            if isinstance(child, dict):
                children.append(_row(child, str(child.get("source.type") or "")))
    return AlertRow(str(doc.get("guid") or ""), sensor, index, doc, children)


def rows(response: Mapping[str, Any]) -> list[AlertRow]:
    return [_row(r.get("source") or {}, str(r.get("index") or "")) for r in response["results"]]


@dataclass
class FacetView:
    field: str
    values: list[tuple[str, int]]  # the first few, by count
    more: list[tuple[str, int]]  # the next ones, behind a "more" disclosure
    distinct: int


def facets(response: Mapping[str, Any], names: Sequence[str]) -> list[FacetView]:
    counts = response.get("facetCounts") or {}
    out = []
    for name in names:
        values = dict(counts.get(name) or {})
        if name == "alert_status":
            # Metron shows an alert without a status as NEW; the status is single-valued
            missing = response["total"] - sum(values.values())
            if missing > 0:
                values["NEW"] = values.get("NEW", 0) + missing
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(
            FacetView(
                name,
                ordered[:_FACET_VALUES],
                ordered[_FACET_VALUES:_FACET_MORE],
                len(ordered),
            )
        )
    return out


@dataclass
class FieldGroup:
    key: str
    title: str
    fields: list[tuple[str, Any]]


def _group_of(name: str) -> tuple[str, str]:
    """(group key, title) of a field outside the core."""
    parts = name.split(".")
    if name.endswith(".ts"):
        return "timing", "Timing"
    if name.startswith("threat.triage."):
        return "triage", "Threat triage"
    if parts[0] == "enrichments" and len(parts) >= 3:
        subject = f" · {parts[2]}" if len(parts) >= 4 else ""
        return (
            f"enrichments.{parts[1]}.{parts[2] if subject else ''}",
            f"Enrichment: {parts[1]}{subject}",
        )
    for prefix in ("threatintels", "threat.intels"):
        if name.startswith(prefix + "."):
            rest = name[len(prefix) + 1 :].split(".")
            subject = f" · {rest[1]}" if len(rest) >= 3 else ""
            return (
                f"threatintels.{rest[0]}.{rest[1] if subject else ''}",
                f"Threat intel: {rest[0]}{subject}",
            )
    return "other", "Other fields"


def field_groups(doc: Mapping[str, Any]) -> list[FieldGroup]:
    """The panel's field groups (see the module docstring), empty groups left out."""
    core = FieldGroup("core", "Alert", [(n, doc[n]) for n in CORE_FIELDS if n in doc])
    groups: dict[str, FieldGroup] = {}
    for name in sorted(doc):
        if name in CORE_FIELDS or name in _SHOWN_APART:
            continue
        key, title = _group_of(name)
        groups.setdefault(key, FieldGroup(key, title, [])).fields.append((name, doc[name]))

    def order(group: FieldGroup) -> tuple[int, str]:
        rank = {"triage": 0, "enrichments": 1, "threatintels": 2, "other": 3, "timing": 4}
        return rank.get(group.key.split(".")[0], 3), group.key

    return [g for g in [core, *sorted(groups.values(), key=order)] if g.fields]
