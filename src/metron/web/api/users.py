"""The current user (Metron's ``/api/v1/user``), API tokens, user management (ADMIN) and
the audit log (ADMIN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from metron.web.auth import AuthError, User
from metron.web.context import Ctx
from metron.web.errors import RestError
from metron.web.security import AdminUser, CurrentUser, client_address

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["user"])


def _view(user: User) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "roles": user.roles, "created": user.created}


@router.get("/user", response_class=PlainTextResponse)
def current_user(user: CurrentUser) -> str:
    """The current user's name (as Metron answered: plain text)."""
    return user.name


@router.get("/user/whoami/roles")
def current_roles(user: CurrentUser) -> list[str]:
    """The current user's authorities (``ROLE_USER``, ``ROLE_ADMIN``)."""
    return user.roles


class TokenRequest(BaseModel):
    label: str = Field("", max_length=200)
    expiresDays: int | None = Field(None, ge=1, le=3650)


@router.post("/user/token")
def create_token(
    body: TokenRequest, user: CurrentUser, context: Ctx, request: Request
) -> dict[str, Any]:
    """A new API token for the current user (shown this once; send it as
    ``Authorization: Bearer <token>``)."""
    token, info = context.users.create_token(user.name, body.label, body.expiresDays)
    context.users.audit(user.name, "token.create", user.name, None, info, client_address(request))
    return {"token": token, **info}


@router.get("/user/token")
def list_tokens(user: CurrentUser, context: Ctx) -> list[dict[str, Any]]:
    """The current user's API tokens (without the secrets)."""
    return context.users.list_tokens(user.name)


@router.delete("/user/token/{token_id}")
def revoke_token(token_id: int, user: CurrentUser, context: Ctx, request: Request) -> bool:
    """Revoke one of the current user's tokens; false when there was no such token."""
    done = context.users.revoke_token(user.name, token_id)
    if done:
        context.users.audit(
            user.name, "token.revoke", user.name, {"id": token_id}, None, client_address(request)
        )
    return done


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: str = "USER"


class PasswordChange(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


class RoleChange(BaseModel):
    role: str


@router.get("/users", tags=["admin"])
def list_users(_: AdminUser, context: Ctx) -> list[dict[str, Any]]:
    """Every user (ADMIN)."""
    return [_view(user) for user in context.users.list_users()]


@router.post("/users", tags=["admin"])
def add_user(body: NewUser, admin: AdminUser, context: Ctx, request: Request) -> dict[str, Any]:
    """Add a user (ADMIN)."""
    try:
        user = context.users.add_user(body.name, body.password, body.role)
    except AuthError as e:
        raise RestError(400, str(e), field="name" if "name" in str(e) else None) from None
    context.users.audit(
        admin.name, "user.add", user.name, None, _view(user), client_address(request)
    )
    return _view(user)


def _existing(context: Ctx, name: str) -> User:
    user = context.users.get_user(name)
    if user is None:
        raise RestError(404, f"no user {name!r}", field="name")
    return user


@router.post("/users/{name}/password", tags=["admin"])
def set_password(
    name: str, body: PasswordChange, admin: AdminUser, context: Ctx, request: Request
) -> dict[str, Any]:
    """Set a user's password (ADMIN); their sessions end."""
    user = _existing(context, name)
    try:
        context.users.set_password(name, body.password)
    except AuthError as e:
        raise RestError(400, str(e), field="password") from None
    context.users.audit(admin.name, "user.passwd", name, None, None, client_address(request))
    return _view(user)


@router.post("/users/{name}/role", tags=["admin"])
def set_role(
    name: str, body: RoleChange, admin: AdminUser, context: Ctx, request: Request
) -> dict[str, Any]:
    """Set a user's role, USER or ADMIN (ADMIN; the last ADMIN stays one)."""
    before = _view(_existing(context, name))
    try:
        user = context.users.set_role(name, body.role)
    except AuthError as e:
        raise RestError(400, str(e), field="role") from None
    context.users.audit(admin.name, "user.role", name, before, _view(user), client_address(request))
    return _view(user)


@router.delete("/users/{name}", tags=["admin"])
def remove_user(name: str, admin: AdminUser, context: Ctx, request: Request) -> bool:
    """Remove a user (ADMIN; not the last ADMIN)."""
    before = _view(_existing(context, name))
    try:
        context.users.remove_user(name)
    except AuthError as e:
        raise RestError(400, str(e), field="name") from None
    context.users.audit(admin.name, "user.remove", name, before, None, client_address(request))
    return True


@router.get("/audit", tags=["admin"])
def audit_log(
    _: AdminUser,
    context: Ctx,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    user: str | None = None,
    action: str | None = None,
    target: str | None = None,
) -> list[dict[str, Any]]:
    """The audit log, newest first (ADMIN): who changed what, when, before and after."""
    return context.users.audit_entries(
        limit=limit, offset=offset, user=user, action=action, target=target
    )
