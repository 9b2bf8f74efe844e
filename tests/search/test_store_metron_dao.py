"""The alert store against the behaviour of Metron's DAO tests (search, update and
meta-alert integration tests): request field names, group scores, patch semantics, comment
removal, and how meta-alerts hold and hide their alerts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from metron.search.store import AlertStore, DocumentNotFound, InvalidRequest, apply_patch

from .test_store import INDEXES


def event(n: int, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"guid": f"e{n}", "source.type": "web", "timestamp": 500 + n}
    doc.update(fields)
    return doc


def meta_doc(guid: str, status: str, children: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "guid": guid,
        "source.type": "metaalert",
        "status": status,
        "threat.triage.score": 42.0,
        "metron_alert": [dict(c) for c in children],
    }


@pytest.fixture(params=sorted(INDEXES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    with AlertStore(tmp_path / "alerts", index=INDEXES[request.param]()) as opened:
        yield opened


def guids(response: dict[str, Any]) -> list[str]:
    return [r["id"] for r in response["results"]]


def get(guid: str, sensor: str = "web") -> dict[str, str]:
    return {"guid": guid, "sensorType": sensor}


# ------------------------------------------------------------------ search requests


def test_dedotted_field_names_sort_and_facet(store: AlertStore) -> None:
    store.add_many(
        [
            ("web", event(1, **{"threat.triage.score": 7.0})),
            ("web", event(2)),
            ("web", event(3, **{"threat.triage.score": 3.0})),
        ]
    )
    request = {
        "query": "*",
        "sort": [{"field": "threat:triage:score", "sortOrder": "desc"}],
        "facetFields": ["source:type"],
    }
    response = store.search(request)
    assert guids(response) == ["e1", "e3", "e2"]
    # facet counts are keyed by the name the request used
    assert response["facetCounts"] == {"source:type": {"web": 3}}


def test_fields_give_null_for_a_missing_field(store: AlertStore) -> None:
    store.add_many([("web", event(1, host="a")), ("web", event(2))])
    response = store.search(
        {"query": "*", "fields": ["host"], "sort": [{"field": "guid", "sortOrder": "asc"}]}
    )
    assert [r["source"] for r in response["results"]] == [{"host": "a"}, {"host": None}]


def test_group_score_is_null_without_a_score_field(store: AlertStore) -> None:
    store.add_many([("web", event(1, host="a", risk=2)), ("web", event(2, host="a", risk=5))])
    unscored = store.group({"query": "*", "groups": [{"field": "host"}]})
    assert unscored["groupResults"][0]["score"] is None
    scored = store.group({"query": "*", "groups": [{"field": "host"}], "scoreField": "risk"})
    assert scored["groupResults"][0]["score"] == 7.0
    with pytest.raises(InvalidRequest, match=r"^At least 1 group must be provided\.$"):
        store.group({"query": "*", "groups": []})


def test_group_fields_may_be_dedotted(store: AlertStore) -> None:
    store.add_many([("web", event(1, **{"geo.city": "Oslo", "risk.total": 4}))])
    response = store.group(
        {"query": "*", "groups": [{"field": "geo:city"}], "scoreField": "risk:total"}
    )
    assert response["groupedBy"] == "geo:city"
    assert [(g["key"], g["score"]) for g in response["groupResults"]] == [("Oslo", 4.0)]


# ------------------------------------------------------------------ updates


def test_patch_follows_metrons_patch_utils() -> None:
    doc = {"a": 1, "inner": {"b": 2}, "tags": ["x"]}
    # add/replace set a field whether or not it is there; remove of a missing one is a no-op
    assert apply_patch(doc, [{"op": "replace", "path": "/c", "value": 3}])["c"] == 3
    assert apply_patch(doc, [{"op": "remove", "path": "/zzz"}]) == doc
    assert apply_patch(doc, [{"op": "copy", "from": "/inner/b", "path": "/inner/d"}])["inner"] == {
        "b": 2,
        "d": 2,
    }
    assert apply_patch(doc, [{"op": "move", "from": "/a", "path": "/z"}]) == {
        "inner": {"b": 2},
        "tags": ["x"],
        "z": 1,
    }
    # list positions, as RFC 6902
    assert apply_patch(doc, [{"op": "add", "path": "/tags/-", "value": "y"}])["tags"] == [
        "x",
        "y",
    ]
    assert doc == {"a": 1, "inner": {"b": 2}, "tags": ["x"]}  # never changed in place
    with pytest.raises(InvalidRequest, match=r"^Invalid path: /nowhere/b$"):
        apply_patch(doc, [{"op": "add", "path": "/nowhere/b", "value": 1}])
    with pytest.raises(InvalidRequest, match=r"^The frobnicate operation is not supported$"):
        apply_patch(doc, [{"op": "frobnicate", "path": "/a"}])
    with pytest.raises(
        InvalidRequest,
        match=r"^TEST operation failed: supplied value \[9\] != target value \[1\]$",
    ):
        apply_patch(doc, [{"op": "test", "path": "/a", "value": 9}])


def test_patch_replace_of_a_new_field_through_the_store(store: AlertStore) -> None:
    store.add_many([("web", event(1))])
    patched = store.patch(
        {
            "guid": "e1",
            "sensorType": "web",
            "patch": [{"op": "replace", "path": "/owner", "value": "kim"}],
        }
    )
    assert patched["owner"] == "kim"
    assert guids(store.search({"query": "owner:kim"})) == ["e1"]


def test_comment_errors_and_removing_an_absent_comment(store: AlertStore) -> None:
    comment = {"guid": "e9", "sensorType": "web", "comment": "hm", "username": "lu", "timestamp": 3}
    with pytest.raises(
        DocumentNotFound, match=r"^Unable to add comment\. Document with guid e9 cannot be found\.$"
    ):
        store.add_comment(comment)
    with pytest.raises(
        DocumentNotFound,
        match=r"^Unable to remove comment\. Document with guid e9 cannot be found\.$",
    ):
        store.remove_comment(comment)
    store.add_many([("web", event(9))])
    with pytest.raises(InvalidRequest, match=r"Document with guid e9 has no comments\.$"):
        store.remove_comment(comment)
    store.add_comment(comment)
    # a comment that is not there: nothing changes and nothing is written
    unchanged = store.remove_comment({**comment, "timestamp": 4})
    assert unchanged["comments"] == [{"comment": "hm", "username": "lu", "timestamp": 3}]
    assert [h["action"] for h in store.history("e9", "web")] == ["comment added"]
    assert "comments" not in store.remove_comment(comment)


# ------------------------------------------------------------------ meta-alerts


def test_meta_alert_copies_list_the_meta_alert(store: AlertStore) -> None:
    store.add_many([("web", event(n, **{"threat.triage.score": float(n)})) for n in (1, 2, 3)])
    meta = store.create_meta_alert({"alerts": [get("e1"), get("e2")], "groups": ["host"]})
    linked = [store.find_one(g, "web") for g in ("e1", "e2")]
    assert all(a is not None and a["metaalerts"] == [meta["guid"]] for a in linked)
    # the copies inside the meta-alert are the alerts as linked
    assert meta["metron_alert"] == linked
    added = store.add_alerts_to_meta_alert({"metaAlertGuid": meta["guid"], "alerts": [get("e3")]})
    assert added["metron_alert"][-1] == store.find_one("e3", "web")
    assert added["metron_alert"][-1]["metaalerts"] == [meta["guid"]]


def test_meta_alert_alerts_are_matched_one_at_a_time(store: AlertStore) -> None:
    one = event(1, host="h1", port=80, metaalerts=["m-on"])
    two = event(2, host="h2", port=443, metaalerts=["m-on"])
    three = event(3, host="h3", port=22)
    store.add_many(
        [
            ("web", one),
            ("web", two),
            ("web", three),
            ("metaalert", meta_doc("m-on", "active", [one, two])),
        ]
    )
    # no single alert of the meta-alert has both values: nothing, whatever form
    for query in (
        "metron_alert.host:h1 AND metron_alert.port:443",
        "host:h1 AND port:443",
    ):
        for indices in (["metaalert"], None):
            assert store.search({"query": query, "indices": indices})["total"] == 0, query
    # one alert with both: the meta-alert, in place of the alert
    for query in ("metron_alert.host:h1 AND metron_alert.port:80", "host:h1 AND port:80"):
        assert guids(store.search({"query": query})) == ["m-on"], query
    assert guids(store.search({"query": "metron_alert.host:h3 OR host:h3"})) == ["e3"]


def test_an_update_reaches_every_active_meta_alert_holding_a_copy(store: AlertStore) -> None:
    # the alert does not list the meta-alerts; Metron finds them by their copies
    lone = event(1)
    store.add_many(
        [
            ("web", lone),
            ("metaalert", meta_doc("m-a", "active", [lone])),
            ("metaalert", meta_doc("m-b", "active", [lone])),
            ("metaalert", meta_doc("m-off", "inactive", [lone])),
        ]
    )
    store.set_status("e1", "web", "OPEN")
    for guid in ("m-a", "m-b"):
        copy = store.find_one(guid, "metaalert")["metron_alert"][0]  # type: ignore[index]
        assert copy["alert_status"] == "OPEN", guid
    kept = store.find_one("m-off", "metaalert")["metron_alert"][0]  # type: ignore[index]
    assert "alert_status" not in kept
