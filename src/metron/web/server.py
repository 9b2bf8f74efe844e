"""Serving the web app: the first administrator, TLS from the global config, and
``metron serve`` (the REST API and console alone, over the stores a platform wrote).

TLS: the global config's ``metron.web.tls.certfile`` and ``metron.web.tls.keyfile`` name
PEM files (relative paths are taken from the config directory); with both, the server
speaks HTTPS only and the session cookie is ``Secure``.

The first start of a server over a data directory without users makes the user ``admin``
(role ADMIN) with a random password, written to ``<data dir>/initial-admin-password``
(readable by the owner only) and printed once; change it with ``metron user passwd admin``.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from metron.errors import ConfigError
from metron.web.auth import UserStore

__all__ = ["FIRST_ADMIN", "StoreFollower", "first_admin", "initial_password_path", "tls_files"]

log = logging.getLogger(__name__)

FIRST_ADMIN = "admin"
CERT_KEY = "metron.web.tls.certfile"
KEY_KEY = "metron.web.tls.keyfile"


def initial_password_path(data_dir: Path) -> Path:
    return Path(data_dir) / "initial-admin-password"


def first_admin(users: UserStore, data_dir: Path) -> str | None:
    """Make the user ``admin`` with a random password when there are no users (see the
    module docstring); the password made, or None when there were users."""
    if users.has_users():
        return None
    password = secrets.token_urlsafe(18)
    path = initial_password_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(password + "\n")
    users.add_user(FIRST_ADMIN, password, "ADMIN")
    users.audit("system", "user.add", FIRST_ADMIN, None, {"name": FIRST_ADMIN, "role": "ADMIN"})
    return password


def tls_files(global_config: Mapping[str, Any], config_dir: Path) -> tuple[Path, Path] | None:
    """The (certificate, key) files the global config names, or None for plain HTTP; a
    config naming one without the other, or a file that is not there, is an error."""
    cert, key = global_config.get(CERT_KEY), global_config.get(KEY_KEY)
    if cert is None and key is None:
        return None
    if not isinstance(cert, str) or not cert or not isinstance(key, str) or not key:
        raise ConfigError(f"global: TLS needs both {CERT_KEY} and {KEY_KEY} (file paths)")
    found = []
    for name, value in ((CERT_KEY, cert), (KEY_KEY, key)):
        path = Path(value) if Path(value).is_absolute() else Path(config_dir) / value
        if not path.is_file():
            raise ConfigError(f"global.{name}: no such file {path}")
        found.append(path)
    return found[0], found[1]


class StoreFollower:
    """Keeps a searchable store caught up with what other processes write, every
    ``interval`` seconds, in a daemon thread (``metron serve``: the platform writes)."""

    def __init__(self, store: Any, interval: float = 0.5) -> None:
        self.store = store
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.store.refresh()
            except Exception:
                log.exception("catching up with the alert store")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
