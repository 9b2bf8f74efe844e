"""A web app over a temporary config directory, data directory and user store, with two
users: ``admin`` (ADMIN) and ``analyst`` (USER).  Requests authenticate with HTTP basic
(``auth=ADMIN`` / ``auth=ANALYST``, from ``web.support``) unless a test logs in for a
session cookie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from metron.search.store import AlertStore
from metron.web.app import create_web_app
from metron.web.auth import UserStore
from metron.web.context import WebContext
from web.support import ADMIN, ANALYST, FAST_HASHER, Web


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    config_dir = tmp_path / "config"
    data_dir = tmp_path / "data"
    config_dir.mkdir()
    data_dir.mkdir()
    users = UserStore(data_dir / "users.db", hasher=FAST_HASHER)
    users.add_user(*ADMIN, role="ADMIN")
    users.add_user(*ANALYST, role="USER")
    store = AlertStore(data_dir / "alerts")
    context = WebContext(
        config_dir=config_dir,
        data_dir=data_dir,
        users=users,
        store=store,
        status=lambda: {"sensors": {}, "platform": {"workers": 0}},
        metrics_text=lambda: "# no metrics\n",
    )
    with TestClient(create_web_app(context)) as client:
        yield Web(client, context, config_dir, data_dir)
    store.close()
    users.close()
