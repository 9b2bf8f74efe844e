"""What the web tests share (import it as ``from web.support import ...``; the pytest
config puts ``tests`` on the path): the two users and cheap password hashing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import argon2
from fastapi.testclient import TestClient

from metron.search.store import AlertStore
from metron.web.auth import UserStore
from metron.web.context import WebContext

ADMIN = ("admin", "admin-password")
ANALYST = ("analyst", "analyst-password")

#: Cheap hashing: the tests verify many passwords.
FAST_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Web:
    client: TestClient
    context: WebContext
    config_dir: Path
    data_dir: Path

    @property
    def store(self) -> AlertStore:
        return self.context.store

    def index(self, alerts: Iterable[Mapping[str, Any]]) -> None:
        """Store ``alerts`` (each under its ``source.type``)."""
        self.store.add_many([(alert["source.type"], dict(alert)) for alert in alerts])

    def audit(self, action: str | None = None, **filters: str) -> list[dict[str, Any]]:
        """The audit log's entries (newest first), as an ADMIN reads it."""
        params = {**filters, **({"action": action} if action else {})}
        response = self.client.get("/api/v1/audit", params=params, auth=ADMIN)
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()
        return entries


def make_context(root: Path) -> WebContext:
    """A web context over ``root/config`` and ``root/data`` (made here), an empty alert
    store and the users :data:`ADMIN` and :data:`ANALYST`; close it with
    :func:`close_context`."""
    config_dir, data_dir = root / "config", root / "data"
    config_dir.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    users = UserStore(data_dir / "users.db", hasher=FAST_HASHER)
    users.add_user(*ADMIN, role="ADMIN")
    users.add_user(*ANALYST, role="USER")
    return WebContext(
        config_dir=config_dir,
        data_dir=data_dir,
        users=users,
        store=AlertStore(data_dir / "alerts"),
        status=lambda: {"sensors": {}, "platform": {"workers": 0}},
        metrics_text=lambda: "# no metrics\n",
    )


def close_context(context: WebContext) -> None:
    context.store.close()
    context.users.close()
