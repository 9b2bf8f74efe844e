"""What the web app serves from: the config directory, the stores, the users, the platform.

One :class:`WebContext` is built by ``metron run`` (over the running platform: its search
index, its live status, its HTTP ingest source) or by ``metron serve`` (over the stores
alone).  Endpoints reach it through the ``Ctx`` dependency.  Config writes go through
:meth:`WebContext.save_config`, which checks the whole tree as ``metron run`` would before
writing a file, and audits the change; a running platform picks the file up within a
second, as it does any edit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from metron.config.store import describe_key, read_directory, validate, write_directory
from metron.errors import ConfigError
from metron.web.auth import LoginLimiter, User, UserStore
from metron.web.errors import RestError

if TYPE_CHECKING:
    from metron.runtime.sources.http import HttpIngestSource
    from metron.search.store import AlertStore

__all__ = ["Ctx", "WebContext", "get_context"]


@dataclass
class WebContext:
    """See the module docstring.  ``status`` gives the platform's status snapshot (live,
    or as the running platform last wrote it); ``metrics_text`` its Prometheus text."""

    config_dir: Path
    data_dir: Path
    users: UserStore
    store: AlertStore
    status: Callable[[], dict[str, Any]]
    metrics_text: Callable[[], str]
    ingest: HttpIngestSource | None = None
    #: True when the platform runs in this process (``metron run``).
    embedded: bool = False
    secure_cookies: bool = False
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    _config_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ------------------------------------------------------------------ configs

    def configs(self) -> dict[str, Any]:
        """The config tree as the directory holds it now (empty when there is none)."""
        if not self.config_dir.is_dir():
            return {}
        return read_directory(self.config_dir)

    def global_config(self) -> dict[str, Any]:
        value = self.configs().get("global")
        return value if isinstance(value, dict) else {}

    def save_config(self, key: str, value: Any, user: User, remote: str | None) -> Any:
        """Write config ``key`` after checking the tree it makes (every problem listed in
        one 400), and audit the change; returns the config written."""
        kind, _ = describe_key(key)
        if kind == "UNKNOWN":
            raise RestError(400, f"{key}: unknown config", field="name")
        with self._config_lock:
            old = self.configs()
            before = old.get(key)
            tree = {**old, key: value}
            problems = validate({key: value})
            if not problems:
                # what this change breaks (not what was broken before it)
                from metron.runtime.stages import check_buildable

                known = set(check_buildable(old, self.config_dir))
                problems = [p for p in check_buildable(tree, self.config_dir) if p not in known]
            if problems:
                count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
                raise RestError(
                    400, f"invalid config ({count}): " + "; ".join(problems), problems=problems
                )
            try:
                write_directory(self.config_dir, {key: value}, force=True)
            except ConfigError as e:
                raise RestError(500, str(e)) from None
        self.users.audit(user.name, "config.save", key, before, value, remote)
        return value

    def delete_config(self, key: str, user: User, remote: str | None) -> bool:
        """Remove config ``key``'s file; False when there was none."""
        kind, _ = describe_key(key)
        if kind == "UNKNOWN":
            raise RestError(400, f"{key}: unknown config", field="name")
        with self._config_lock:
            path = self.config_dir / f"{key}.json"
            if not path.is_file():
                return False
            before = self.configs().get(key)
            path.unlink()
        self.users.audit(user.name, "config.delete", key, before, None, remote)
        return True


def get_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.context
    return context


Ctx = Annotated[WebContext, Depends(get_context)]
