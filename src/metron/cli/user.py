"""``metron user``: the local users of the console and the REST API (Metron kept them in
LDAP or a JDBC table): add, change password or role, list, remove, and issue API tokens.
Every change is written to the audit log as done by ``cli:<login name>``."""

from __future__ import annotations

import dataclasses
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer

from metron import settings
from metron.cli.search import DataDir
from metron.web.auth import ROLES, AuthError, UserStore, open_users

__all__ = [
    "add_command",
    "app",
    "list_command",
    "passwd_command",
    "remove_command",
    "role_command",
    "token_command",
]

app = typer.Typer(
    help="Local users of the console and REST API: passwords, roles, API tokens.",
    no_args_is_help=True,
)

_NAME = Annotated[str, typer.Argument(help="The user name.", show_default=False)]
_PASSWORD_STDIN = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin, not a prompt."
    ),
]


def _store(data_dir: Path | None) -> UserStore:
    return open_users(settings.data_dir(data_dir))


def _actor() -> str:
    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        login = "unknown"
    return f"cli:{login}"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise AuthError("--password-stdin: stdin is empty, expected the password")
        return line.removesuffix("\n").removesuffix("\r")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _iso(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _check_role(role: str) -> str:
    if role.upper() not in ROLES:
        raise AuthError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role.upper()


@app.command("add")
def add_command(
    name: _NAME,
    role: Annotated[str, typer.Option("--role", help="USER or ADMIN.")] = "USER",
    password_stdin: _PASSWORD_STDIN = False,
    data_dir: DataDir = None,
) -> None:
    """Add a user; the password is asked for twice (or read with --password-stdin)."""
    with _store(data_dir) as store:
        role = _check_role(role)
        if store.get_user(name) is not None:  # before asking for a password in vain
            raise AuthError(f"user {name!r} already exists")
        user = store.add_user(name, _password(password_stdin), role)
        store.audit(_actor(), "user.add", name, None, dataclasses.asdict(user))
    typer.echo(f"added {user.role} {user.name}", err=True)


@app.command("passwd")
def passwd_command(
    name: _NAME, password_stdin: _PASSWORD_STDIN = False, data_dir: DataDir = None
) -> None:
    """Change a user's password; their console sessions end."""
    with _store(data_dir) as store:
        if store.get_user(name) is None:
            raise AuthError(f"no user {name!r}")
        store.set_password(name, _password(password_stdin))
        store.audit(_actor(), "user.passwd", name)
    typer.echo(f"changed the password of {name} (their console sessions ended)", err=True)


@app.command("role")
def role_command(
    name: _NAME,
    role: Annotated[str, typer.Argument(help="USER or ADMIN.", show_default=False)],
    data_dir: DataDir = None,
) -> None:
    """Give a user the role USER or ADMIN (the last ADMIN stays one)."""
    with _store(data_dir) as store:
        before = store.get_user(name)
        user = store.set_role(name, role)
        old = None if before is None else {"role": before.role}
        store.audit(_actor(), "user.role", name, old, {"role": user.role})
    typer.echo(f"{user.name} is {user.role}", err=True)


@app.command("list")
def list_command(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """List the users: name, role, created."""
    with _store(data_dir) as store:
        users = [
            {"name": u.name, "role": u.role, "created": _iso(u.created)} for u in store.list_users()
        ]
    if json_out:
        typer.echo(orjson.dumps(users, option=orjson.OPT_INDENT_2).decode())
        return
    if not users:
        typer.echo("no users (add one with: metron user add NAME --role ADMIN)", err=True)
        return
    width = max(len(u["name"]) for u in users)
    typer.echo(f"{'name':<{width}}  role   created")
    for u in users:
        typer.echo(f"{u['name']:<{width}}  {u['role']:<5}  {u['created']}")


@app.command("remove")
def remove_command(name: _NAME, data_dir: DataDir = None) -> None:
    """Remove a user with their sessions, API tokens and settings (not the last ADMIN)."""
    with _store(data_dir) as store:
        user = store.get_user(name)
        store.remove_user(name)
        before = None if user is None else dataclasses.asdict(user)
        store.audit(_actor(), "user.remove", name, before, None)
    typer.echo(f"removed {name}", err=True)


@app.command("token")
def token_command(
    name: _NAME,
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    expires_days: Annotated[
        int | None,
        typer.Option("--expires-days", min=1, help="Days until it expires (default: never)."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Issue an API token (``Authorization: Bearer <token>``) for a user; it is printed once."""
    with _store(data_dir) as store:
        token, info = store.create_token(name, label, expires_days)
        store.audit(_actor(), "token.create", name, None, info)
    typer.echo(token)
    expiry = "never expires" if info["expires"] is None else f"expires {_iso(info['expires'])}"
    typer.echo(f"token {info['id']} of {name} ({expiry}): it is not shown again", err=True)
