"""The console's routes, put into the web app by :func:`install_console`.

:data:`router` holds the ``router`` of every module of this package that has one (a
page module registers itself by defining ``router``: no list here to edit), and
:func:`mount_static` serves the console's own script and style at ``/static``.  The
console's errors are pages, not JSON: a page asked for without a session redirects to
the login page, and a refused form answers an HTML page with its status.
"""

from __future__ import annotations

import importlib
import pkgutil
from http import HTTPStatus

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

import metron.web.console as _package
from metron.web.console.session import (
    ConsoleError,
    LoginRequired,
    current_session,
    login_url,
)
from metron.web.console.templating import STATIC_DIR, render
from metron.web.context import get_context

__all__ = ["install_console", "mount_static", "page_modules", "router"]


def page_modules() -> list[str]:
    """The modules of this package that define a ``router``, by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(_package.__path__), key=lambda m: m.name):
        name = f"{_package.__name__}.{info.name}"
        if info.name == "routes":
            continue
        if isinstance(getattr(importlib.import_module(name), "router", None), APIRouter):
            found.append(name)
    return found


router = APIRouter(include_in_schema=False)
for _name in page_modules():
    router.include_router(importlib.import_module(_name).router)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="console-static")


def install_console(app: FastAPI) -> None:
    """Add the console to ``app``: its pages, its static files and its error pages."""

    @app.exception_handler(LoginRequired)
    async def login_required(_: Request, e: LoginRequired) -> Response:
        return RedirectResponse(login_url(e.next_path), 303)

    @app.exception_handler(ConsoleError)
    async def console_error(request: Request, e: ConsoleError) -> Response:
        session = current_session(get_context(request), request)
        try:
            title = HTTPStatus(e.status).phrase
        except ValueError:
            title = "Error"
        return render(
            request, "error.html", session, status_code=e.status, title=title, message=e.message
        )

    app.include_router(router)
    mount_static(app)
