"""Who is using the console: its session cookie, the CSRF check of its forms, and where
a login may send the browser on.

Console pages use the session cookie alone (no basic auth, no token: a browser tab is a
person).  A page asked for without a live session answers 303 to ``/login?next=<path>``
(:class:`LoginRequired`, turned into the redirect by the handler
:func:`metron.web.console.routes.install_console` installs); a console form that changes
something carries the session's CSRF token in its ``csrf_token`` field, and a missing or
wrong one is a 403 (:class:`ConsoleError`).  The console's scripts call the REST API with
the ``X-CSRF-Token`` header instead, which :mod:`metron.web.security` checks.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from metron.web.auth import User
from metron.web.context import WebContext, get_context
from metron.web.security import SESSION_COOKIE

__all__ = [
    "ConsoleError",
    "ConsoleSession",
    "LoginRequired",
    "Session",
    "check_csrf",
    "current_session",
    "login_url",
    "require_session",
    "safe_next",
]

#: Where a login goes when it was not sent from a page.
DEFAULT_PAGE = "/alerts"


class LoginRequired(Exception):
    """The page needs a session: the answer is a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class ConsoleError(Exception):
    """A console page's refusal, shown as an HTML page with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ConsoleSession:
    """The logged-in user of a console request, with the session's CSRF token."""

    user: User
    csrf: str
    session_id: str


def current_session(context: WebContext, request: Request) -> ConsoleSession | None:
    """The live session of the request's cookie, or None."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    found = context.users.session(session_id)
    if found is None:
        return None
    user, csrf = found
    return ConsoleSession(user, csrf, session_id)


def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site, else the default page: an absolute URL,
    ``//host`` (scheme-relative) or ``/\\host`` (which browsers read as ``//host``) would
    make the login page an open redirect."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ord(c) < 0x20 or c == "\\" for c in value)
    ):
        return DEFAULT_PAGE
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="")


def require_session(request: Request) -> ConsoleSession:
    """The dependency of every console page (see the module docstring)."""
    session = current_session(get_context(request), request)
    if session is None:
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(path)
    request.state.user = session.user
    return session


def check_csrf(session: ConsoleSession, token: str | None) -> None:
    """Refuse a console form whose ``csrf_token`` is not the session's (403)."""
    if not token or not hmac.compare_digest(token.encode(), session.csrf.encode()):
        raise ConsoleError(403, "This form is out of date or was not sent by the console.")


Session = Annotated[ConsoleSession, Depends(require_session)]
