"""The Stellar endpoints: rule validation, transformations on a sample, the function
lists, and the console's evaluation."""

from __future__ import annotations

from typing import Any

import pytest

from web.support import ADMIN, ANALYST, Web

#: A parser config of our own whose transformations touch every kind of field.
CONFIG: dict[str, Any] = {
    "parserClassName": "org.apache.metron.parsers.json.JSONMapParser",
    "parserConfig": {"site": "lab"},
    "fieldTransformations": [
        {
            "transformation": "STELLAR",
            "output": ["owner", "where"],
            "config": {"owner": "TO_UPPER(user)", "where": "site"},
        },
        {"transformation": "RENAME", "config": {"user": "login"}},
        {"transformation": "IP_PROTOCOL", "input": "protocol"},
        {"transformation": "REMOVE", "input": "noise"},
    ],
}


def test_validate_rules(web: Web) -> None:
    rules = ["port in [22, 23]", "port in [22,", "NO_SUCH_FUNCTION(port)", "TO_LOWER(host)"]
    response = web.client.post("/api/v1/stellar/validate/rules", json=rules, auth=ANALYST)
    assert response.status_code == 200
    assert response.json() == {
        "port in [22, 23]": True,
        "port in [22,": False,
        "NO_SUCH_FUNCTION(port)": False,
        "TO_LOWER(host)": True,
    }
    assert web.client.post("/api/v1/stellar/validate/rules", json=rules).status_code == 401


def test_validate_rules_takes_a_list_of_text(web: Web) -> None:
    response = web.client.post("/api/v1/stellar/validate/rules", json={"a": 1}, auth=ANALYST)
    assert response.status_code == 400


def _apply(web: Web, config: dict[str, Any], sample: dict[str, Any]) -> Any:
    return web.client.post(
        "/api/v1/stellar/apply/transformations",
        json={"sensorParserConfig": config, "sampleData": sample},
        auth=ANALYST,
    )


def test_apply_transformations(web: Web) -> None:
    sample = {"user": "casey", "protocol": 6, "noise": "x", "bytes": 10}
    response = _apply(web, CONFIG, sample)
    assert response.status_code == 200
    assert response.json() == {
        "login": "casey",
        "owner": "CASEY",
        "where": "lab",
        "protocol": "TCP",
        "bytes": 10,
    }
    anonymous = web.client.post(
        "/api/v1/stellar/apply/transformations",
        json={"sensorParserConfig": CONFIG, "sampleData": sample},
    )
    assert anonymous.status_code == 401


def test_apply_transformations_with_an_invalid_config(web: Web) -> None:
    bad = {"parserClassNam": "x", "fieldTransformations": [{"transformation": "STELLAR", "x": 1}]}
    response = _apply(web, bad, {})
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert len(problems) == 3
    assert any("missing key 'parserClassName'" in p for p in problems)
    assert any("fieldTransformations.0.x" in p for p in problems)

    syntax = {
        "parserClassName": "grok",
        "fieldTransformations": [
            {"transformation": "STELLAR", "output": "a", "config": {"a": "1 +"}}
        ],
    }
    response = _apply(web, syntax, {})
    assert response.status_code == 400
    assert "fieldTransformations[0].config.a" in response.json()["message"]
    assert "column 4" in response.json()["message"]


def test_apply_transformations_failing_on_the_sample(web: Web) -> None:
    config = {
        "parserClassName": "grok",
        "fieldTransformations": [
            {"transformation": "STELLAR", "output": "ratio", "config": {"ratio": "hits / misses"}}
        ],
    }
    response = _apply(web, config, {"hits": 4, "misses": 0})
    assert response.status_code == 400
    assert response.json()["message"].startswith("fieldTransformations[0] (STELLAR) failed:")
    assert "/ by zero" in response.json()["message"]


def test_apply_transformations_refuses_host_functions(web: Web, tmp_path: Any) -> None:
    target = tmp_path / "written"
    config = {
        "parserClassName": "grok",
        "fieldTransformations": [
            {
                "transformation": "STELLAR",
                "output": "x",
                "config": {"x": f"LOCAL_WRITE('owned', '{target}')"},
            }
        ],
    }
    response = _apply(web, config, {})
    assert response.status_code == 403
    assert "LOCAL_WRITE" in response.json()["message"]
    assert not target.exists()


def test_list_transformations(web: Web) -> None:
    response = web.client.get("/api/v1/stellar/list", auth=ANALYST)
    assert sorted(response.json()) == [
        "IP_PROTOCOL",
        "REGEX_SELECT",
        "REMOVE",
        "RENAME",
        "SELECT",
        "STELLAR",
    ]


def test_list_functions(web: Web) -> None:
    functions = web.client.get("/api/v1/stellar/list/functions", auth=ANALYST).json()
    by_name = {f["name"]: f for f in functions}
    assert len(by_name) == len(functions) > 100
    upper = by_name["TO_UPPER"]
    assert set(upper) == {"name", "description", "params", "returns"}
    assert len(upper["params"]) == 1 and upper["params"][0].startswith("input")
    assert upper["returns"]
    assert len(by_name["JOIN"]["params"]) == 2


def test_list_simple_functions(web: Web) -> None:
    simple = web.client.get("/api/v1/stellar/list/simple/functions", auth=ANALYST).json()
    names = [f["name"] for f in simple]
    assert names == sorted(names)
    assert "TO_UPPER" in names and "JOIN" not in names
    assert all(len(f["params"]) == 1 for f in simple)
    assert web.client.get("/api/v1/stellar/list/simple/functions").status_code == 401


def _evaluate(web: Web, expression: str, variables: dict[str, Any] | None = None) -> Any:
    body: dict[str, Any] = {"expression": expression}
    if variables is not None:
        body["variables"] = variables
    return web.client.post("/api/v1/stellar/evaluate", json=body, auth=ANALYST)


@pytest.mark.parametrize(
    ("expression", "variables", "result", "type_", "text"),
    [
        ("1 + 2", None, 3, "Integer", "3"),
        ("TO_UPPER(name)", {"name": "casey"}, "CASEY", "String", "CASEY"),
        ("port in [22, 23]", {"port": 22}, True, "Boolean", "true"),
        ("MAP([1, 2], (x) -> x * 10)", None, [10, 20], "List", "[10, 20]"),
        ("missing", None, None, "null", "null"),
        ("3000000000L", None, 3000000000, "Long", "3000000000"),
    ],
)
def test_evaluate(
    web: Web,
    expression: str,
    variables: dict[str, Any] | None,
    result: Any,
    type_: str,
    text: str,
) -> None:
    response = _evaluate(web, expression, variables)
    assert response.status_code == 200
    assert response.json() == {
        "expression": expression,
        "result": result,
        "type": type_,
        "text": text,
    }


def test_evaluate_syntax_error_has_its_position(web: Web) -> None:
    response = _evaluate(web, "1 +\n  * 2")
    assert response.status_code == 400
    body = response.json()
    assert (body["line"], body["column"]) == (2, 3)
    assert body["field"] == "expression"
    assert body["message"].startswith("Syntax error at line 2, column 3")
    assert body["message"].endswith("^")


def test_evaluate_error(web: Web) -> None:
    response = _evaluate(web, "10 / zero", {"zero": 0})
    assert response.status_code == 400
    body = response.json()
    assert "/ by zero" in body["message"]
    assert "line" not in body


def test_evaluate_service_not_configured(web: Web) -> None:
    response = _evaluate(web, "ENRICHMENT_GET('whois', 'example.org', 'enrichment', 't')")
    assert response.status_code == 400
    assert "ENRICHMENT_GET is not configured" in response.json()["message"]


@pytest.mark.parametrize(
    "expression",
    [
        "LOCAL_READ('/etc/hostname')",
        "SYSTEM_ENV_GET('HOME')",
        "MAP(['/etc/hostname'], (p) -> LOCAL_READ(p))",
    ],
)
def test_evaluate_refuses_host_functions(web: Web, expression: str) -> None:
    response = _evaluate(web, expression)
    assert response.status_code == 403
    assert "not available through the REST API" in response.json()["message"]


def test_evaluate_limits_and_credentials(web: Web) -> None:
    too_long = _evaluate(web, "1" * 10_001)
    assert too_long.status_code == 400
    assert too_long.json()["field"] == "expression"
    longest = "1+" * 4_999 + "10"
    assert len(longest) == 10_000
    assert _evaluate(web, longest).json()["result"] == 5_009
    digits = _evaluate(web, "1" * 10_000)
    assert digits.status_code == 400
    assert "literal out of range" in digits.json()["message"]
    anonymous = web.client.post("/api/v1/stellar/evaluate", json={"expression": "1"})
    assert anonymous.status_code == 401
    admin = web.client.post("/api/v1/stellar/evaluate", json={"expression": "1"}, auth=ADMIN)
    assert admin.json()["result"] == 1
