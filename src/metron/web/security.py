"""Who is asking: HTTP basic, bearer tokens and the console's session cookie.

Every endpoint but login and health depends on :data:`CurrentUser` (or :data:`AdminUser`
for config writes and user management).  Credentials are tried in this order:

- ``Authorization: Basic`` (Metron's REST clients): the password is checked against the
  user store; failures count against the user name and the client address, and once either
  has failed :class:`~metron.web.auth.LoginLimiter`'s limit the answer is 429 with
  ``Retry-After`` until the window passes, right or wrong password.
- ``Authorization: Bearer <token>``: an API token (``metron user token``, or
  ``POST /api/v1/user/token``).
- The ``metron_session`` cookie (the console): a request that changes anything must also
  send the session's CSRF token in the ``X-CSRF-Token`` header (or, for a console form, a
  ``csrf_token`` field, checked by the console's own routes).

An unauthenticated request gets 401 with ``WWW-Authenticate: Basic`` (except for the
console's own scripts, which say so with ``X-Requested-With: metron-console``, so that the
browser does not pop up its password dialog).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
from typing import Annotated

from fastapi import Depends, Request

from metron.web.auth import User
from metron.web.context import Ctx, WebContext
from metron.web.errors import RestError

__all__ = [
    "CONSOLE_HEADER",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "AdminUser",
    "CurrentUser",
    "authenticate",
    "check_password",
    "client_address",
]

SESSION_COOKIE = "metron_session"
CSRF_HEADER = "X-CSRF-Token"
#: Sent by the console's scripts (``X-Requested-With: metron-console``).
CONSOLE_HEADER = "metron-console"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def check_password(context: WebContext, request: Request, name: str, password: str) -> User:
    """The user ``name`` if ``password`` is theirs, under the login rate limit: 429 while
    the name or the client address is blocked, 401 on a wrong name or password."""
    keys = (f"user:{name.lower()}", f"ip:{client_address(request)}")
    wait = context.limiter.retry_after(*keys)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise RestError(
            429,
            f"too many failed logins: try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
    user = context.users.verify_password(name, password)
    if user is None:
        context.limiter.failed(*keys)
        raise RestError(401, "wrong user name or password", headers=_challenge(request))
    context.limiter.succeeded(*keys)
    return user


def _challenge(request: Request) -> dict[str, str]:
    if request.headers.get("x-requested-with") == CONSOLE_HEADER:
        return {}
    return {"WWW-Authenticate": 'Basic realm="metron", charset="UTF-8"'}


def _basic(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise RestError(401, "malformed basic credentials", field="Authorization") from None
    name, colon, password = decoded.partition(":")
    if not colon:
        raise RestError(401, "malformed basic credentials", field="Authorization")
    return name, password


def authenticate(context: WebContext, request: Request) -> User | None:
    """The user the request's credentials name (see the module docstring); None when it
    carries none.  Wrong credentials raise 401 (429 when rate-limited); a cookie request
    that changes something without its CSRF token raises 403."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            return check_password(context, request, *_basic(value))
        if scheme == "bearer":
            keys = (f"ip:{client_address(request)}",)
            if context.limiter.retry_after(*keys) > 0:
                raise RestError(429, "too many failed logins: try again later")
            user = context.users.verify_token(value.strip())
            if user is None:
                context.limiter.failed(*keys)
                raise RestError(
                    401, "unknown, revoked or expired token", headers=_challenge(request)
                )
            return user
        raise RestError(401, f"unsupported authorization scheme {scheme!r}", field="Authorization")
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        found = context.users.session(session)
        if found is not None:
            user, csrf = found
            request.state.csrf = csrf
            if request.method not in _SAFE:
                sent = request.headers.get(CSRF_HEADER, "")
                if not hmac.compare_digest(sent.encode(), csrf.encode()):
                    raise RestError(403, "missing or wrong CSRF token", field=CSRF_HEADER)
            return user
    return None


def _current_user(context: Ctx, request: Request) -> User:
    user = authenticate(context, request)
    if user is None:
        raise RestError(401, "authentication required", headers=_challenge(request))
    request.state.user = user
    return user


def _admin_user(user: Annotated[User, Depends(_current_user)]) -> User:
    if not user.is_admin:
        raise RestError(403, f"{user.name} may not do this: it needs the ADMIN role")
    return user


CurrentUser = Annotated[User, Depends(_current_user)]
AdminUser = Annotated[User, Depends(_admin_user)]
