"""``metron serve``: the REST API and the console alone, over the stores in the data
directory (those a ``metron run`` writes, beside it or before it)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated, Any

import typer

from metron import settings
from metron.cli.search import ConfigDir, DataDir

__all__ = ["announce_web", "serve_command"]


def serve_command(
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to serve the API and console on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0: any free one).")] = 8080,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    """Serve the REST API and the console until Ctrl-C or SIGTERM."""
    from metron.runtime.http import HttpServer
    from metron.runtime.metrics import is_live, prometheus_text, read_status, status_path
    from metron.search.store import AlertStore
    from metron.web.app import create_web_app
    from metron.web.auth import open_users
    from metron.web.context import WebContext
    from metron.web.server import StoreFollower, first_admin, tls_files

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    directory = settings.config_dir(config_dir)
    data = settings.data_dir(data_dir)
    global_config = settings.load_global_config(directory) if directory.is_dir() else {}
    tls = tls_files(global_config, directory)

    def status() -> dict[str, Any]:
        found = read_status(status_path(data)) or {}
        live = bool(found) and is_live(found)
        return {**found, "live": live} if found else {"live": False, "sensors": {}}

    def metrics_text() -> str:
        found = status()
        return prometheus_text(found) if found.get("live") else ""

    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    users = open_users(data)
    try:
        password = first_admin(users, data)
        store = AlertStore(data / "alerts", global_config=global_config)
        follower = StoreFollower(store)
        follower.start()
        context = WebContext(
            config_dir=directory,
            data_dir=data,
            users=users,
            store=store,
            status=status,
            metrics_text=metrics_text,
            secure_cookies=tls is not None,
        )
        server = HttpServer(create_web_app(context), host=host, port=port, tls=tls)
        server.start()
        announce_web(host, server.port, tls is not None, password, data)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
            follower.stop()
            store.close()
    finally:
        users.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def announce_web(host: str, port: int, tls: bool, password: str | None, data_dir: Any) -> None:
    """Where the console and the API are, and the first administrator's password."""
    shown = f"[{host}]" if ":" in host else host
    base = f"{'https' if tls else 'http'}://{shown}:{port}"
    typer.echo(f"metron: console at {base}/ (REST API under /api/v1, OpenAPI at /docs)", err=True)
    if password is not None:
        from metron.web.server import FIRST_ADMIN, initial_password_path

        typer.echo(
            f"metron: first start: user {FIRST_ADMIN!r} made with password {password}"
            f" (also in {initial_password_path(data_dir)}; change it with"
            f" 'metron user passwd {FIRST_ADMIN}')",
            err=True,
        )
