"""Errors of the REST API, as JSON: Metron's ``RestError`` shape plus what pins them down.

Every error answers ``{"responseCode": status, "message": text, "fullMessage": text}`` as
Metron's REST API did, with ``field`` when one field is at fault and ``problems`` when a
config has several.  A user's mistake is a 4xx naming what is wrong; anything else is a
500 whose details go to the log, never to the client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from metron.errors import ConfigError, MetronError

__all__ = ["RestError", "error_body", "install_error_handlers"]

log = logging.getLogger(__name__)


class RestError(Exception):
    """An answer other than success: ``status`` with ``message``, and the ``field`` at
    fault or the list of ``problems`` when known."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        problems: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.problems = problems
        self.headers = headers


def error_body(
    status: int, message: str, field: str | None = None, problems: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"responseCode": status, "message": message, "fullMessage": message}
    if field is not None:
        body["field"] = field
    if problems:
        body["problems"] = problems
    return body


def _json(
    status: int,
    message: str,
    field: str | None = None,
    problems: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, message, field, problems), status, headers=headers)


def _status_of(error: MetronError) -> int:
    """A store's or a parser's refusal: not found is 404, the rest the caller's mistake."""
    from metron.search.errors import DocumentNotFound

    return 404 if isinstance(error, DocumentNotFound) else 400


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    """A validation error's place: ``body.alerts.0.guid`` -> ``alerts[0].guid``."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` in the shape above."""

    @app.exception_handler(RestError)
    async def rest_error(_: Request, e: RestError) -> JSONResponse:
        return _json(e.status, e.message, e.field, e.problems, e.headers)

    @app.exception_handler(ConfigError)
    async def config_error(_: Request, e: ConfigError) -> JSONResponse:
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        return _json(400, lines[0] if len(lines) == 1 else str(e), problems=lines)

    @app.exception_handler(MetronError)
    async def metron_error(_: Request, e: MetronError) -> JSONResponse:
        return _json(_status_of(e), str(e))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, e: RequestValidationError) -> JSONResponse:
        errors = e.errors()
        problems = []
        for err in errors:
            if err.get("type") == "json_invalid":  # FastAPI's own reading of a JSON body
                reason = (err.get("ctx") or {}).get("error", "invalid")
                position = err.get("loc", ("body", "?"))[-1]
                problems.append(f"body: not valid JSON ({reason} at character {position})")
            else:
                problems.append(f"{_location(err.get('loc', ())) or 'body'}: {err.get('msg')}")
        field = None
        if errors:
            first = errors[0]
            json_error = first.get("type") == "json_invalid"
            field = "body" if json_error else (_location(first.get("loc", ())) or "body")
        return _json(400, problems[0] if problems else "invalid request", field or None, problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
        return _json(e.status_code, str(e.detail), headers=getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, e: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return _json(500, f"internal error ({type(e).__name__}); see the server's log")
