"""Logging in and out of the console.

``GET /login`` shows the form with a pre-login CSRF token, both in the form and in the
``metron_login_csrf`` cookie (a double submit: another site can post a form here but
cannot read or set that cookie, so it cannot log a victim into its own account).
``POST /login`` checks the password under the login rate limit, starts a session and
sends the browser on to ``next`` (a local path only) or the alerts page.  ``POST
/logout`` ends the session.  Both are audited.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from metron.web.app import set_session_cookie
from metron.web.console.session import (
    ConsoleSession,
    check_csrf,
    current_session,
    safe_next,
)
from metron.web.console.templating import render
from metron.web.context import Ctx
from metron.web.errors import RestError
from metron.web.security import SESSION_COOKIE, check_password, client_address

__all__ = ["LOGIN_CSRF_COOKIE", "router"]

LOGIN_CSRF_COOKIE = "metron_login_csrf"

router = APIRouter(include_in_schema=False)


def _form(
    request: Request,
    context: Ctx,
    next_path: str,
    *,
    error: str | None = None,
    status: int = 200,
    username: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        None,
        status_code=status,
        headers=headers,
        login_csrf=token,
        next=safe_next(next_path),
        error=error,
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=context.secure_cookies,
        path="/login",
    )
    return response


@router.get("/login")
def login_page(request: Request, context: Ctx, next: str = "") -> Response:
    if current_session(context, request) is not None:
        return RedirectResponse(safe_next(next), 303)
    return _form(request, context, next)


@router.post("/login")
def login(
    request: Request,
    context: Ctx,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        return _form(
            request,
            context,
            next,
            error="The login form expired (or cookies are off): please try again.",
            status=403,
            username=username,
        )
    if not username or not password:
        return _form(
            request,
            context,
            next,
            error="Enter your user name and password.",
            status=400,
            username=username,
        )
    try:
        user = check_password(context, request, username, password)
    except RestError as e:
        if e.status not in (401, 429):
            raise
        # no WWW-Authenticate here: the browser would pop up its own password dialog
        retry = {"Retry-After": e.headers["Retry-After"]} if e.headers and e.status == 429 else {}
        return _form(
            request,
            context,
            next,
            error=e.message,
            status=e.status,
            username=username,
            headers=retry,
        )
    session_id, _ = context.users.create_session(user.name)
    response = RedirectResponse(safe_next(next), 303)
    set_session_cookie(response, context, session_id)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    context.users.audit(user.name, "login", user.name, remote=client_address(request))
    return response


@router.post("/logout")
def logout(
    request: Request,
    context: Ctx,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    session: ConsoleSession | None = current_session(context, request)
    response = RedirectResponse("/login", 303)
    if session is not None:
        check_csrf(session, csrf_token)
        context.users.end_session(session.session_id)
        context.users.audit(
            session.user.name, "logout", session.user.name, remote=client_address(request)
        )
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
