"""The console's templates: one Jinja environment, its filters, and :func:`render`.

A page renders with :func:`render` (``request``, template name, its variables); the base
template gets the session's user and CSRF token and ``static_url`` for cache-busted asset
links.  Every page is sent with a strict Content-Security-Policy: the console runs only
its own script and style from ``/static`` (no inline script, no other origin).
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse

from metron.web.console.session import ConsoleSession

__all__ = [
    "SECURITY_HEADERS",
    "STATIC_DIR",
    "TEMPLATE_DIR",
    "environment",
    "format_time",
    "format_value",
    "render",
    "score_class",
    "static_url",
]

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def score_class(value: Any) -> str:
    """The CSS class of a triage score: high (>= 80), medium (>= 50), low (>= 20), none."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        try:
            value = float(str(value))
        except ValueError:
            return "score-none"
    if value >= 80:
        return "score-high"
    if value >= 50:
        return "score-medium"
    if value >= 20:
        return "score-low"
    return "score-none"


def format_score(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.1f}"
    return "" if value is None else str(value)


def format_time(value: Any) -> str:
    """Epoch milliseconds as ``YYYY-MM-DD HH:MM:SS`` UTC; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    try:
        moment = datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def format_value(value: Any) -> str:
    """A field's value as one line of text: lists joined, objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, dict | list):
        return orjson.dumps(value, default=str).decode()
    return str(value)


def format_json(value: Any) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_INDENT_2).decode()


@cache
def _digest(name: str) -> str:
    path = STATIC_DIR / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"


def static_url(name: str) -> str:
    """``/static/<name>?v=<content hash>``: a new version of a file is a new URL."""
    return f"/static/{name}?v={_digest(name)}"


def _path_segment(value: Any) -> str:
    return quote(str(value), safe="")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        score_class=score_class,
        score=format_score,
        time=format_time,
        value=format_value,
        json=format_json,
        seg=_path_segment,
        thousands=lambda n: f"{n:,}",
    )
    env.globals["static_url"] = static_url
    return env


def render(
    request: Request,
    template: str,
    session: ConsoleSession | None,
    /,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **variables: Any,
) -> HTMLResponse:
    """The page ``template`` for ``session``'s user (None on the login page), with
    ``variables``."""
    body = (
        environment()
        .get_template(template)
        .render(
            request=request,
            path=request.url.path,
            user=session.user if session else None,
            csrf=session.csrf if session else "",
            **variables,
        )
    )
    return HTMLResponse(body, status_code, headers={**SECURITY_HEADERS, **(headers or {})})
