"""Schemathesis against the app's own OpenAPI description: whatever it generates (as a
USER and as an ADMIN), no endpoint answers a server error."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from metron.web.app import create_web_app
from web.support import ADMIN, ANALYST, make_context


def _basic(user: tuple[str, str]) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(":".join(user).encode()).decode()}


def _app() -> FastAPI:
    """The app over a temporary directory with a few alerts (built once, at import:
    schemathesis reads the OpenAPI description when the tests are collected)."""
    context = make_context(Path(tempfile.mkdtemp(prefix="metron-fuzz-")))
    alerts = [
        {"guid": f"g{i}", "source.type": "bro", "timestamp": i, "ip_src_addr": "10.0.0.1"}
        for i in range(5)
    ]
    context.store.add_many([("bro", alert) for alert in alerts])
    return create_web_app(context)


APP = _app()
schema = schemathesis.openapi.from_dict(APP.openapi())


_SETTINGS = settings(
    max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@schema.parametrize()
@_SETTINGS
def test_no_server_error_as_a_user(case: schemathesis.Case) -> None:
    response = case.call(app=APP, headers=_basic(ANALYST))
    case.validate_response(response, checks=(not_a_server_error,))


@schema.parametrize()
@_SETTINGS
def test_no_server_error_as_an_admin(case: schemathesis.Case) -> None:
    response = case.call(app=APP, headers=_basic(ADMIN))
    case.validate_response(response, checks=(not_a_server_error,))
