"""A web app over a temporary config directory, data directory and user store, with two
users: ``admin`` (ADMIN) and ``analyst`` (USER).  Requests authenticate with HTTP basic
(``auth=ADMIN`` / ``auth=ANALYST``, from ``web.support``) unless a test logs in for a
session cookie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from metron.web.app import create_web_app
from web.support import Web, close_context, make_context


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    context = make_context(tmp_path)
    with TestClient(create_web_app(context)) as client:
        yield Web(client, context, context.config_dir, context.data_dir)
    close_context(context)
