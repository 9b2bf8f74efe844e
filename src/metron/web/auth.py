"""Local users of the console and the REST API: passwords, sessions, API tokens, the audit
log, the alerts UI's per-user settings, and the login rate limit.

Metron kept its users in LDAP or a JDBC table and gave them Spring's ``ROLE_USER`` and
``ROLE_ADMIN``; here they live in one SQLite file (:func:`users_path`) that the web app
and ``metron user`` share, several processes at once.  Passwords are argon2id hashes;
session ids and API tokens are kept only as their SHA-256, so a copy of the file opens
no session.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import argon2
import orjson

from metron.errors import MetronError

__all__ = [
    "ROLES",
    "AuthError",
    "LoginLimiter",
    "User",
    "UserStore",
    "open_users",
    "users_path",
]

ROLES = ("USER", "ADMIN")
_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_MIN_PASSWORD = 8
_TOKEN_PREFIX = "mtr_"
_SLIDE_MS = 5 * 60 * 1000  # a session's expiry moves on once this much of it is used
_TOKEN_TOUCH_MS = 60 * 1000  # lastUsed is written at most this often
_VERIFIED_CAP = 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,
    expires INTEGER NOT NULL, ttl INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER, last_used INTEGER);
CREATE INDEX IF NOT EXISTS tokens_user ON tokens (user);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL, user TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT, remote TEXT);
CREATE INDEX IF NOT EXISTS audit_user ON audit (user);
CREATE INDEX IF NOT EXISTS audit_action ON audit (action);
CREATE INDEX IF NOT EXISTS audit_target ON audit (target);
CREATE TABLE IF NOT EXISTS settings (user TEXT PRIMARY KEY, json TEXT NOT NULL);
"""


class AuthError(MetronError):
    """A bad request about users: unknown user, bad name, weak password, unknown role,
    removing or demoting the last admin."""


@dataclass(frozen=True)
class User:
    name: str
    role: str  # "USER" or "ADMIN"
    created: int  # epoch ms

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"

    @property
    def roles(self) -> list[str]:
        """Metron's authorities: ``["ROLE_USER"]``, plus ``"ROLE_ADMIN"`` for an admin."""
        return ["ROLE_USER", "ROLE_ADMIN"] if self.is_admin else ["ROLE_USER"]


def users_path(data_dir: Path) -> Path:
    """The user store of a data directory."""
    return data_dir / "users.db"


def open_users(data_dir: Path) -> UserStore:
    """The user store of ``data_dir``.  ``METRON_AUTH_FAST_HASH=1`` makes its password
    hashes cheap: for tests only, never for real users."""
    hasher = None
    if os.environ.get("METRON_AUTH_FAST_HASH") == "1":
        hasher = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return UserStore(users_path(data_dir), hasher=hasher)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise AuthError(
            f"invalid user name {name!r}: use 1 to 64 letters, digits, '_', '.', '@' or '-'"
        )
    return name


def _check_role(role: str) -> str:
    upper = role.upper() if isinstance(role, str) else ""
    if upper not in ROLES:
        raise AuthError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return upper


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < _MIN_PASSWORD:
        raise AuthError(f"password too short: use at least {_MIN_PASSWORD} characters")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def _token_info(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "label": row["label"],
        "created": row["created"],
        "expires": row["expires"],
        "lastUsed": row["last_used"],
    }


class UserStore:
    """Users, sessions, API tokens, audit log and settings in the SQLite file ``path``
    (created, mode 0600, with its directory).  Safe to share between threads and between
    processes.  ``hasher`` defaults to argon2id with argon2-cffi's defaults; ``clock``
    (epoch seconds) is for tests."""

    def __init__(
        self,
        path: Path,
        *,
        hasher: argon2.PasswordHasher | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._hasher = hasher if hasher is not None else argon2.PasswordHasher()
        self._clock = clock
        self._lock = threading.Lock()
        self._verified: collections.OrderedDict[tuple[str, bytes, str], None] = (
            collections.OrderedDict()
        )
        self._verified_lock = threading.Lock()
        # the cache holds an HMAC of each password under a key that dies with the process,
        # so that a memory dump does not give away fast-to-crack unsalted digests
        self._cache_key = secrets.token_bytes(32)
        self._dummy_hash: str | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> UserStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> int:
        return int(self._clock() * 1000)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so that a check and its change are atomic
        across processes too."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # ------------------------------------------------------------------ users

    @staticmethod
    def _user(row: sqlite3.Row) -> User:
        return User(row["name"], row["role"], row["created"])

    def _require(self, db: sqlite3.Connection, name: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise AuthError(f"no user {name!r}")
        return row

    @staticmethod
    def _refuse_last_admin(db: sqlite3.Connection, row: sqlite3.Row, doing: str) -> None:
        if row["role"] != "ADMIN":
            return
        (admins,) = db.execute("SELECT count(*) FROM users WHERE role = 'ADMIN'").fetchone()
        if admins <= 1:
            raise AuthError(
                f"cannot {doing} {row['name']!r}: it is the last ADMIN (make another user ADMIN first)"
            )

    def add_user(self, name: str, password: str, role: str = "USER") -> User:
        """A new user; AuthError when the name is taken or invalid, the role unknown or the
        password shorter than 8 characters."""
        _check_name(name)
        role = _check_role(role)
        _check_password(password)
        hashed = self._hasher.hash(password)
        user = User(name, role, self._now())
        with self._write() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AuthError(f"user {name!r} already exists")
            db.execute(
                "INSERT INTO users (name, role, hash, created) VALUES (?, ?, ?, ?)",
                (name, role, hashed, user.created),
            )
        return user

    def set_password(self, name: str, password: str) -> None:
        """Give ``name`` a new password and end their console sessions."""
        _check_password(password)
        hashed = self._hasher.hash(password)
        with self._write() as db:
            self._require(db, name)
            db.execute("UPDATE users SET hash = ? WHERE name = ?", (hashed, name))
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))
        self._forget_verified(name)

    def set_role(self, name: str, role: str) -> User:
        """Give ``name`` the role ``role``; the last ADMIN cannot be demoted."""
        role = _check_role(role)
        with self._write() as db:
            row = self._require(db, name)
            if role != "ADMIN":
                self._refuse_last_admin(db, row, "demote")
            db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
        return User(name, role, row["created"])

    def remove_user(self, name: str) -> None:
        """Remove ``name`` with their sessions, tokens and settings; not the last ADMIN."""
        with self._write() as db:
            row = self._require(db, name)
            self._refuse_last_admin(db, row, "remove")
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))
            db.execute("DELETE FROM tokens WHERE user = ?", (name,))
            db.execute("DELETE FROM settings WHERE user = ?", (name,))
            db.execute("DELETE FROM users WHERE name = ?", (name,))
        self._forget_verified(name)

    def get_user(self, name: str) -> User | None:
        rows = self._rows("SELECT * FROM users WHERE name = ?", (name,))
        return self._user(rows[0]) if rows else None

    def list_users(self) -> list[User]:
        return [self._user(r) for r in self._rows("SELECT * FROM users ORDER BY name")]

    def has_users(self) -> bool:
        return bool(self._rows("SELECT 1 FROM users LIMIT 1"))

    # ------------------------------------------------------------------ passwords

    def verify_password(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None.  A password verified before
        against the same stored hash is accepted from memory (the REST API checks basic
        credentials on every request); anything else costs one argon2 verification, an
        unknown user included."""
        rows = self._rows("SELECT * FROM users WHERE name = ?", (name,))
        if not rows:
            self._spend(password)
            return None
        row = rows[0]
        stored: str = row["hash"]
        key = (
            name,
            hmac.digest(self._cache_key, password.encode("utf-8", "surrogatepass"), "sha256"),
            stored,
        )
        with self._verified_lock:
            if key in self._verified:
                self._verified.move_to_end(key)
                return self._user(row)
        try:
            self._hasher.verify(stored, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return None
        if self._hasher.check_needs_rehash(stored):
            stored = self._rehash(name, stored, password)
        with self._verified_lock:
            self._verified[(name, key[1], stored)] = None
            while len(self._verified) > _VERIFIED_CAP:
                self._verified.popitem(last=False)
        return self._user(row)

    def _spend(self, password: str) -> None:
        """One verification against a hash of nothing, so that an unknown user takes as
        long as a wrong password."""
        if self._dummy_hash is None:
            # made on first need (not on every open, for the CLI); making it costs as much
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
            return
        with suppress(argon2.exceptions.VerificationError):
            self._hasher.verify(self._dummy_hash, password)

    def _rehash(self, name: str, stored: str, password: str) -> str:
        """Upgrade a hash made with older parameters, unless it changed meanwhile."""
        new = self._hasher.hash(password)
        with self._write() as db:
            changed = db.execute(
                "UPDATE users SET hash = ? WHERE name = ? AND hash = ?", (new, name, stored)
            ).rowcount
        return new if changed else stored

    def _forget_verified(self, name: str) -> None:
        with self._verified_lock:
            for key in [k for k in self._verified if k[0] == name]:
                del self._verified[key]

    # ------------------------------------------------------------------ sessions

    def create_session(self, name: str, ttl_s: int = 12 * 3600) -> tuple[str, str]:
        """A console session for ``name``: (session id, CSRF token).  It ends ``ttl_s``
        after its last use."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now, ttl = self._now(), int(ttl_s * 1000)
        with self._write() as db:
            self._require(db, name)
            db.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
            db.execute(
                "INSERT INTO sessions (id_hash, user, csrf, expires, ttl) VALUES (?, ?, ?, ?, ?)",
                (_digest(session_id), name, csrf, now + ttl, ttl),
            )
        return session_id, csrf

    def session(self, session_id: str) -> tuple[User, str] | None:
        """(user, CSRF token) of a live session, extending it; None when it is unknown,
        expired or its user is gone."""
        if not isinstance(session_id, str):
            return None
        now, id_hash = self._now(), _digest(session_id)
        rows = self._rows(
            "SELECT s.csrf, s.expires, s.ttl, u.* FROM sessions s"
            " JOIN users u ON u.name = s.user WHERE s.id_hash = ?",
            (id_hash,),
        )
        if not rows:
            return None
        row = rows[0]
        if row["expires"] <= now:
            with self._write() as db:
                db.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
            return None
        if now + row["ttl"] - row["expires"] > _SLIDE_MS:
            with self._write() as db:
                # not past an expiry another request (or end_session) set meanwhile
                db.execute(
                    "UPDATE sessions SET expires = max(expires, ?) WHERE id_hash = ?",
                    (now + row["ttl"], id_hash),
                )
        return self._user(row), row["csrf"]

    def end_session(self, session_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (_digest(session_id),))

    # ------------------------------------------------------------------ API tokens

    def create_token(
        self, name: str, label: str = "", expires_days: int | None = None
    ) -> tuple[str, dict[str, Any]]:
        """A bearer token for ``name`` (shown this once) and its info."""
        if expires_days is not None and expires_days < 1:
            raise AuthError(f"a token must live at least 1 day, not {expires_days}")
        token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._now()
        expires = None if expires_days is None else now + expires_days * 86_400_000
        with self._write() as db:
            self._require(db, name)
            cursor = db.execute(
                "INSERT INTO tokens (user, hash, label, created, expires) VALUES (?, ?, ?, ?, ?)",
                (name, _digest(token), label, now, expires),
            )
        info = {"id": cursor.lastrowid, "label": label, "created": now}
        return token, {**info, "expires": expires, "lastUsed": None}

    def verify_token(self, token: str) -> User | None:
        """The user of a live token, else None."""
        if not isinstance(token, str) or not token.startswith(_TOKEN_PREFIX):
            return None
        now = self._now()
        rows = self._rows(
            "SELECT t.id, t.expires, t.last_used, u.* FROM tokens t"
            " JOIN users u ON u.name = t.user WHERE t.hash = ?",
            (_digest(token),),
        )
        if not rows or (rows[0]["expires"] is not None and rows[0]["expires"] <= now):
            return None
        row = rows[0]
        if row["last_used"] is None or now - row["last_used"] >= _TOKEN_TOUCH_MS:
            with self._write() as db:
                db.execute("UPDATE tokens SET last_used = ? WHERE id = ?", (now, row["id"]))
        return self._user(row)

    def list_tokens(self, name: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM tokens WHERE user = ? ORDER BY id", (name,))
        return [_token_info(r) for r in rows]

    def revoke_token(self, name: str, token_id: int) -> bool:
        """Revoke ``name``'s token ``token_id``; False when they have no such token."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM tokens WHERE id = ? AND user = ?", (token_id, name))
        return cursor.rowcount > 0

    # ------------------------------------------------------------------ audit

    def audit(
        self,
        user: str,
        action: str,
        target: str,
        before: Any = None,
        after: Any = None,
        remote: str | None = None,
    ) -> None:
        """Record that ``user`` did ``action`` (``config.save``, ``user.add``...) to
        ``target``, changing it from ``before`` to ``after`` (JSON values)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO audit (timestamp, user, action, target, before, after, remote)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self._now(), user, action, target, _json(before), _json(after), remote),
            )

    def audit_entries(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        user: str | None = None,
        action: str | None = None,
        target: str | None = None,
    ) -> list[dict[str, Any]]:
        """Audit entries, newest first, those of ``user``, ``action`` and ``target`` when
        given."""
        where, params = [], []
        for clause, value in (("user = ?", user), ("action = ?", action), ("target = ?", target)):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = "SELECT * FROM audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        rows = self._rows(sql, (*params, max(limit, 0), max(offset, 0)))
        return [
            {
                "id": r["id"],
                "timestamp": r["timestamp"],
                "user": r["user"],
                "action": r["action"],
                "target": r["target"],
                "before": None if r["before"] is None else orjson.loads(r["before"]),
                "after": None if r["after"] is None else orjson.loads(r["after"]),
                "remote": r["remote"],
            }
            for r in rows
        ]

    # ------------------------------------------------------------------ settings

    def get_settings(self, name: str) -> dict[str, Any] | None:
        """``name``'s alerts UI settings (Metron's AlertsUIUserSettings), None if unset."""
        rows = self._rows("SELECT json FROM settings WHERE user = ?", (name,))
        return orjson.loads(rows[0]["json"]) if rows else None

    def put_settings(self, name: str, settings: dict[str, Any]) -> None:
        if not isinstance(settings, dict):
            raise AuthError(f"settings of {name!r} must be a JSON object")
        with self._write() as db:
            db.execute(
                "INSERT INTO settings (user, json) VALUES (?, ?)"
                " ON CONFLICT (user) DO UPDATE SET json = excluded.json",
                (name, _json(settings)),
            )

    def all_settings(self) -> dict[str, dict[str, Any]]:
        rows = self._rows("SELECT user, json FROM settings ORDER BY user")
        return {r["user"]: orjson.loads(r["json"]) for r in rows}

    def delete_settings(self, name: str) -> bool:
        with self._write() as db:
            cursor = db.execute("DELETE FROM settings WHERE user = ?", (name,))
        return cursor.rowcount > 0


class LoginLimiter:
    """Failed logins per key (``"user:alice"``, ``"ip:192.0.2.1"``): a key with
    ``max_failures`` failures inside ``window_s`` is blocked until the oldest of them
    leaves the window.  Thread-safe; remembers at most ``max_keys`` keys."""

    def __init__(
        self,
        max_failures: int = 5,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_keys: int = 100_000,
    ) -> None:
        if max_failures < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("max_failures, window_s and max_keys must be positive")
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        # key -> its newest failure times; ordered by each key's latest failure
        self._failures: collections.OrderedDict[str, collections.deque[float]] = (
            collections.OrderedDict()
        )

    def retry_after(self, *keys: str) -> float:
        """Seconds until every one of ``keys`` may try again; 0.0 when they may now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._failures.get(key)
                if times is not None and len(times) >= self.max_failures:
                    wait = max(wait, times[0] + self.window_s - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                times = self._failures.pop(key, None)
                if times is None:
                    times = collections.deque(maxlen=self.max_failures)
                times.append(now)
                self._failures[key] = times
            # the front holds the keys whose latest failure is oldest: drop those out of
            # the window, then any beyond the cap
            while self._failures:
                first = next(iter(self._failures.values()))
                if first[-1] > now - self.window_s and len(self._failures) <= self._max_keys:
                    break
                self._failures.popitem(last=False)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys``."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
