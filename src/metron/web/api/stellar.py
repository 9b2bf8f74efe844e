"""Metron's Stellar controller (validate rules, apply a parser config's field
transformations to a sample, list the transformations and the functions) and ours:
``POST /api/v1/stellar/evaluate``, the console's Stellar REPL.

Expressions are compiled and evaluated by :mod:`metron.stellar`, as ``metron stellar``
evaluates them, over the global config and, when an expression calls a store-backed
function, the stores of the data directory.  Functions that reach the host itself (the
``LOCAL_*`` file functions, ``SYSTEM_ENV_GET``, ``SYSTEM_PROPERTY_GET``) are refused here:
a web client must not read the server's files or environment.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from metron import stellar
from metron.errors import ConfigError
from metron.stellar import REGISTRY, StellarContext, StellarError, StellarSyntaxError
from metron.stellar.serialize import java_value, to_json
from metron.stellar.types import java_type_name, to_java_string
from metron.web.api.configs import sensor_parser_config
from metron.web.context import Ctx, WebContext
from metron.web.errors import RestError, error_body
from metron.web.security import CurrentUser

__all__ = ["HOST_CATEGORIES", "MAX_EXPRESSION", "router"]

router = APIRouter(prefix="/api/v1", tags=["stellar"])

#: The longest expression accepted, in characters.
MAX_EXPRESSION = 10_000
#: At most this many rules in one validation request.
MAX_RULES = 1_000
# The Stellar parser lets Python's ValueError through for a few literals it cannot read
# (an integer literal of thousands of digits); that is the sender's mistake, not a 500.
_UNPARSEABLE = "not valid Stellar"
#: Function categories (their stdlib module) that reach the host; refused over the web.
HOST_CATEGORIES = frozenset({"localfs", "system"})


def _host_functions() -> frozenset[str]:
    return frozenset(name for name, spec in REGISTRY.items() if spec.category in HOST_CATEGORIES)


def _refuse_host(functions: set[str] | frozenset[str]) -> None:
    refused = sorted(functions & _host_functions())
    if refused:
        raise RestError(
            403,
            "functions that reach the server's host are not available through the REST API"
            f" (use 'metron stellar' on the host): {', '.join(refused)}",
            field="expression",
        )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _named_host_functions(value: Any) -> set[str]:
    """The host functions any text in ``value`` names (a config's Stellar, wherever it
    is)."""
    return {name for text in _strings(value) for name in _host_functions() if name in text}


# ----------------------------------------------------------------------------- Metron's


@router.post("/stellar/validate/rules")
def validate_rules(
    _: CurrentUser, rules: Annotated[list[str], Body(max_length=MAX_RULES)]
) -> dict[str, bool]:
    """Each rule -> whether it is valid Stellar (syntax, and functions that exist)."""
    results: dict[str, bool] = {}
    for rule in rules:
        if len(rule) > MAX_EXPRESSION:
            results[rule] = False
            continue
        try:
            stellar.validate(rule)
            results[rule] = True
        except (StellarError, ValueError):  # ValueError: see _UNPARSEABLE
            results[rule] = False
    return results


class SensorParserContext(BaseModel):
    sensorParserConfig: dict[str, Any]
    sampleData: dict[str, Any]


@router.post("/stellar/apply/transformations")
def apply_transformations(body: SensorParserContext, _: CurrentUser, context: Ctx) -> Response:
    """``sampleData`` (a message) after ``sensorParserConfig``'s field transformations, in
    order.  An invalid config is a 400 listing its problems; a transformation that fails on
    the sample is a 400 saying why."""
    from metron.message import dumps
    from metron.parsing.transformations import build_transformers

    config = sensor_parser_config(body.sensorParserConfig)
    _refuse_host(_named_host_functions(body.sensorParserConfig.get("fieldTransformations")))
    try:
        transformers = build_transformers(
            config.fieldTransformations, StellarContext(global_config=context.global_config())
        )
    except ConfigError as e:  # one problem, whose Stellar caret needs its line breaks
        raise RestError(400, str(e), field="sensorParserConfig", problems=[str(e)]) from None
    except ValueError as e:
        raise RestError(400, f"{_UNPARSEABLE}: {e}", field="sensorParserConfig") from None
    message = java_value(dict(body.sampleData))
    for transformer in transformers:
        try:
            transformer.transform(message, config.parserConfig, {})
        except Exception as e:
            raise RestError(
                400, f"{transformer.where} ({transformer.name}) failed: {e}", field="sampleData"
            ) from None
    return Response(dumps(message), media_type="application/json")


@router.get("/stellar/list")
def list_transformations(_: CurrentUser) -> list[str]:
    """The field transformations a parser config may use (Metron's enum names)."""
    from metron.parsing.transformations import TRANSFORMATIONS

    return [name for name in TRANSFORMATIONS if "." not in name]


def _functions() -> list[dict[str, Any]]:
    return [
        {
            "name": spec.name,
            "description": spec.description,
            "params": list(spec.params),
            "returns": spec.returns,
        }
        for name, spec in REGISTRY.items()
        if name == spec.name
    ]


@router.get("/stellar/list/functions")
def list_functions(_: CurrentUser) -> list[dict[str, Any]]:
    """Every Stellar function: name, description, params and returns, by name."""
    return _functions()


@router.get("/stellar/list/simple/functions")
def list_simple_functions(_: CurrentUser) -> list[dict[str, Any]]:
    """The Stellar functions of one parameter, by name."""
    return [f for f in _functions() if len(f["params"]) == 1]


# ---------------------------------------------------------------------------------- ours


class Evaluation(BaseModel):
    expression: str = Field(max_length=MAX_EXPRESSION)
    variables: dict[str, Any] | None = None


def _context(context: WebContext, stack: ExitStack, services: bool) -> StellarContext:
    """The global config and, with ``services``, the stores behind ENRICHMENT_GET, GEO_GET
    and ASN_GET (a store that cannot be opened only costs its functions)."""
    from metron.enrichment.services import open_services

    global_config = context.global_config()
    found: dict[str, Any] = {}
    if services:
        try:
            found, _ = open_services(stack, global_config, context.data_dir)
        except (ConfigError, OSError, sqlite3.Error):
            found = {}
    return StellarContext(global_config=global_config, services=found)


def _stellar_error(e: StellarError) -> JSONResponse:
    body = error_body(400, str(e), "expression")
    if isinstance(e, StellarSyntaxError):
        body.update(line=e.line, column=e.column)
    return JSONResponse(body, 400)


def _json_value(value: Any) -> Any:
    """``value`` as JSON Metron would write it; a value JSON cannot hold (NaN) as text."""
    text = to_json(value)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


@router.post("/stellar/evaluate", response_model=None)
def evaluate(body: Evaluation, _: CurrentUser, context: Ctx) -> dict[str, Any] | JSONResponse:
    """Evaluate ``expression`` with ``variables`` (a JSON object): ``{expression, result,
    type, text}``, ``type`` being the Java type Metron would report and ``text`` the value
    as the Stellar shell prints it.  A syntax error is a 400 with its ``line`` and
    ``column``; an evaluation error a 400 saying what failed."""
    try:
        parsed = stellar.compile(body.expression)
    except StellarError as e:
        return _stellar_error(e)
    except ValueError as e:
        raise RestError(400, f"{_UNPARSEABLE}: {e}", field="expression") from None
    used = parsed.functions_used
    _refuse_host(used)
    needs_services = any(REGISTRY[f].context for f in used if f in REGISTRY)
    with ExitStack() as stack:
        try:
            compiled = stellar.compile(
                body.expression, context=_context(context, stack, needs_services)
            )
            value = compiled.evaluate(java_value(body.variables or {}))
        except StellarError as e:
            return _stellar_error(e)
        return {
            "expression": body.expression,
            "result": _json_value(value),
            "type": java_type_name(value),
            "text": to_java_string(value),
        }
