"""The web app: Metron's REST API under ``/api/v1``, the runtime's endpoints, and the
console.  :func:`create_web_app` builds it over a :class:`~metron.web.context.WebContext`.

Unauthenticated: ``GET /health`` and logging in (``POST /api/v1/login``, the console's
login page).  Everything else needs a user (see :mod:`metron.web.security`), including
``/metrics``, ``/ingest/<sensor>`` and the OpenAPI pages (``/docs``, ``/openapi.json``).
"""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from metron.web.context import WebContext
from metron.web.errors import RestError, install_error_handlers
from metron.web.security import (
    SESSION_COOKIE,
    CurrentUser,
    check_password,
    client_address,
)

__all__ = ["API_MODULES", "create_web_app", "set_session_cookie"]

#: The modules of ``metron.web.api`` whose ``router`` the app includes.
API_MODULES: tuple[str, ...] = (
    "users",
    "configs",
    "grok",
    "stellar",
    "search",
    "update",
    "metaalert",
    "alerts_ui",
    "storm",
    "kafka",
    "hunt",
)

#: Prometheus' text exposition format.
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4"


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1024)


def set_session_cookie(
    response: Response, context: WebContext, session_id: str, max_age: int = 12 * 3600
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=context.secure_cookies,
        path="/",
    )


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, but no more than ``limit`` bytes of it."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def create_web_app(context: WebContext) -> FastAPI:
    """The whole app over ``context`` (see the module docstring)."""
    app = FastAPI(
        title="metron",
        summary="Apache Metron's REST API, and metron's own",
        version="1",
        docs_url=None,  # served below from the installed swagger-ui (no CDN)
        redoc_url=None,
        openapi_url=None,
    )
    app.state.context = context
    install_error_handlers(app)
    if context.secure_cookies:  # served over TLS: browsers keep to HTTPS from now on

        @app.middleware("http")
        async def strict_transport(request: Request, call_next: Any) -> Response:
            response: Response = await call_next(request)
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
            return response

    @app.get("/health", tags=["runtime"])
    def health() -> dict[str, str]:
        """Answers while the process serves (no authentication)."""
        return {"status": "ok"}

    @app.post("/api/v1/login", tags=["user"])
    def login(body: LoginRequest, request: Request, response: Response) -> dict[str, Any]:
        """Log in: sets the session cookie and returns the user, roles and CSRF token."""
        user = check_password(context, request, body.username, body.password)
        session, csrf = context.users.create_session(user.name)
        set_session_cookie(response, context, session)
        context.users.audit(user.name, "login", user.name, remote=client_address(request))
        return {"user": user.name, "roles": user.roles, "csrfToken": csrf}

    @app.post("/api/v1/logout", tags=["user"])
    def logout(user: CurrentUser, request: Request, response: Response) -> dict[str, str]:
        """End the session of the cookie sent (a basic or token client has none)."""
        session = request.cookies.get(SESSION_COOKIE)
        if session:
            context.users.end_session(session)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return {"user": user.name, "status": "logged out"}

    @app.get("/metrics", tags=["runtime"])
    def metrics(_: CurrentUser) -> PlainTextResponse:
        """Prometheus metrics of the platform."""
        return PlainTextResponse(context.metrics_text(), media_type=METRICS_CONTENT_TYPE)

    @app.get("/api/v1/status", tags=["runtime"])
    def runtime_status(_: CurrentUser) -> dict[str, Any]:
        """The platform's status: sensors, sources, stages, workers."""
        return context.status()

    @app.post("/ingest/{sensor}", tags=["runtime"])
    async def ingest_records(sensor: str, request: Request, _: CurrentUser) -> JSONResponse:
        """Records for ``sensor``, one per line; answered once they are stored."""
        from metron.runtime.sources.http import IngestError

        ingest = context.ingest
        if ingest is None:
            raise RestError(404, "HTTP ingest is not enabled here (it runs with 'metron run')")
        try:
            body = await _read_body(request, ingest.max_bytes + 1)
        except ClientDisconnect:
            raise RestError(400, "the client went away before sending the whole body") from None
        try:
            accepted = await run_in_threadpool(ingest.ingest, sensor, body, ingest.ack_timeout)
        except IngestError as e:
            raise RestError(e.status, str(e)) from None
        return JSONResponse({"sensor": sensor, "accepted": accepted})

    _openapi(app)
    for name in API_MODULES:
        module = importlib.import_module(f"metron.web.api.{name}")
        app.include_router(module.router)
    from metron.web.console.routes import install_console

    install_console(app)
    return app


def _openapi(app: FastAPI) -> None:
    """``/openapi.json`` and a Swagger UI at ``/docs`` from the installed swagger-ui files,
    both for logged-in users."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    base = app.openapi

    def described() -> dict[str, Any]:
        """The OpenAPI description, naming the two ways a script authenticates (so that
        the Swagger UI's Authorize button offers them)."""
        first = app.openapi_schema is None
        schema = base()  # made once, then kept by FastAPI
        if first:
            schema.setdefault("components", {})["securitySchemes"] = {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "an API token"},
            }
            schema["security"] = [{"basic": []}, {"bearer": []}]
        return schema

    app.openapi = described  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: CurrentUser) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(_: CurrentUser) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="metron REST API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
        )
