"""What the web tests share (import it as ``from web.support import ...``; the pytest
config puts ``tests`` on the path): the two users and cheap password hashing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import argon2
from fastapi.testclient import TestClient

from metron.search.store import AlertStore
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
