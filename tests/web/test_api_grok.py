"""The grok endpoints: validate a statement on a sample, the common patterns, shipped files."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest

from web.support import ADMIN, ANALYST, Web

STATEMENT = "DOOR %{WORD:door} opened by badge %{INT:badge} at %{HOUR:hour}h"


def _validate(web: Web, **body: Any) -> Any:
    return web.client.post("/api/v1/grok/validate", json=body, auth=ANALYST)


def test_validate_fills_results(web: Web) -> None:
    body = {
        "patternLabel": "DOOR",
        "statement": STATEMENT,
        "sampleData": "north opened by badge 4411 at 07h",
    }
    response = _validate(web, **body)
    assert response.status_code == 200
    assert response.json() == {
        **body,
        "results": {"door": "north", "badge": 4411, "hour": 7},
    }


def test_validate_without_a_match_gives_no_results(web: Web) -> None:
    response = _validate(web, patternLabel="DOOR", statement=STATEMENT, sampleData="closed")
    assert response.status_code == 200
    assert response.json()["results"] == {}


def test_undefined_pattern_is_named(web: Web) -> None:
    response = _validate(web, patternLabel="DOOR", statement="DOOR %{NOSUCH:x}", sampleData="north")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "statement"
    assert "%{NOSUCH} is not defined" in body["message"]


def test_invalid_regex_names_the_position(web: Web) -> None:
    response = _validate(web, patternLabel="DOOR", statement="DOOR %{WORD:door} (", sampleData="x")
    assert response.status_code == 400
    message = response.json()["message"]
    assert "not a valid regex" in message
    assert "Unclosed group near index" in message


def test_label_outside_the_statement(web: Web) -> None:
    response = _validate(web, patternLabel="WINDOW", statement=STATEMENT, sampleData="x")
    assert response.status_code == 400
    assert "%{WINDOW} is not defined" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"statement": STATEMENT, "sampleData": "x"}, "patternLabel"),
        ({"patternLabel": "DOOR} %{X", "statement": STATEMENT, "sampleData": "x"}, "patternLabel"),
        ({"patternLabel": "DOOR", "statement": "", "sampleData": "x"}, "statement"),
        ({"patternLabel": "DOOR", "statement": STATEMENT}, "sampleData"),
    ],
)
def test_missing_or_bad_fields(web: Web, body: dict[str, Any], field: str) -> None:
    response = _validate(web, **body)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_validate_needs_a_user(web: Web) -> None:
    body = {"patternLabel": "DOOR", "statement": STATEMENT, "sampleData": "x"}
    assert web.client.post("/api/v1/grok/validate", json=body).status_code == 401


def test_list_gives_the_common_patterns(web: Web) -> None:
    response = web.client.get("/api/v1/grok/list", auth=ADMIN)
    assert response.status_code == 200
    patterns = response.json()
    assert "INT" in patterns and "IP" in patterns and "USERNAME" in patterns
    assert "%{IPV4:UNWANTED}" in patterns["IP"]
    assert "SQUID_DELIMITED" not in patterns  # the squid file is not common
    assert web.client.get("/api/v1/grok/list").status_code == 401


def test_get_statement_of_a_shipped_file(web: Web) -> None:
    response = web.client.get(
        "/api/v1/grok/get/statement", params={"path": "/patterns/squid"}, auth=ANALYST
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    shipped = resources.files("metron.parsing").joinpath("patterns", "squid")
    assert response.text == shipped.read_text(encoding="utf-8")
    assert "SQUID_DELIMITED" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/patterns/nosuch",
        "/patterns/../../../etc/passwd",
        "/etc/passwd",
        "patterns/squid/../../config.py",
        "/patterns/",
        "/patterns/squid/",
    ],
)
def test_get_statement_reads_nothing_else(web: Web, path: str) -> None:
    response = web.client.get("/api/v1/grok/get/statement", params={"path": path}, auth=ANALYST)
    assert response.status_code == 404
    assert response.json()["message"].startswith(f"Could not find a statement at path {path}")


def test_get_statement_needs_a_path_and_a_user(web: Web) -> None:
    assert web.client.get("/api/v1/grok/get/statement", auth=ANALYST).status_code == 400
    anonymous = web.client.get("/api/v1/grok/get/statement", params={"path": "/patterns/asa"})
    assert anonymous.status_code == 401
