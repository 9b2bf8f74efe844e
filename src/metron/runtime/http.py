"""The runtime's web app, and the server that runs it beside the pipeline.

:func:`create_app` builds the app from what it shows (so a test, or a later REST API and
console, can build one from fakes): ``POST /ingest/<sensor>`` feeds the HTTP ingest source,
``GET /metrics`` is the Prometheus text, ``GET /api/v1/status`` the runtime's status, and
``GET /health`` answers while the process serves.  Errors are ``{"error": message}``.

:class:`HttpServer` runs any ASGI app with uvicorn in a background thread.  The main thread
keeps SIGTERM and SIGINT (it stops the pipeline, then the server), and uvicorn logs through
:mod:`logging` at warning level, without access log unless asked.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp

from metron.errors import MetronError
from metron.runtime.sources.http import HttpIngestSource, IngestError

__all__ = ["METRICS_CONTENT_TYPE", "HttpServer", "create_app"]

log = logging.getLogger(__name__)

#: Prometheus' text exposition format.
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, but no more than ``limit`` bytes of it: a body too large is known to be
    so without holding all of it in memory."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def create_app(
    *,
    ingest: HttpIngestSource | None,
    metrics_text: Callable[[], str],
    status: Callable[[], dict[str, Any]],
) -> FastAPI:
    """The runtime's web app (see the module docstring); ``ingest`` None turns
    ``/ingest`` off (404)."""
    # No /docs or /redoc: they load their scripts from a CDN.
    app = FastAPI(title="metron", docs_url=None, redoc_url=None)

    @app.post("/ingest/{sensor}")
    async def ingest_records(sensor: str, request: Request) -> JSONResponse:
        """Records for ``sensor``, one per line; answered once they are stored."""
        if ingest is None:
            return _error(404, "HTTP ingest is not enabled in this runtime")
        try:
            # One byte over the limit is enough for the source to refuse the body.
            body = await _read_body(request, ingest.max_bytes + 1)
        except ClientDisconnect:
            return _error(400, "the client went away before sending the whole body")
        try:
            # emit blocks under back-pressure and the ack wait blocks: not on the event loop
            accepted = await run_in_threadpool(ingest.ingest, sensor, body, ingest.ack_timeout)
        except IngestError as e:
            return _error(e.status, str(e))
        return JSONResponse({"sensor": sensor, "accepted": accepted})

    @app.get("/metrics")
    def metrics() -> PlainTextResponse:
        """Prometheus metrics."""
        return PlainTextResponse(metrics_text(), media_type=METRICS_CONTENT_TYPE)

    @app.get("/api/v1/status")
    def runtime_status() -> dict[str, Any]:
        """The runtime's status: sensors, sources, stages."""
        return status()

    @app.get("/health")
    def health() -> dict[str, str]:
        """Answers while the process serves."""
        return {"status": "ok"}

    return app


class _Server(uvicorn.Server):
    """uvicorn's server, telling when it listens and leaving signals alone."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The main thread owns SIGTERM/SIGINT; uvicorn would take them over when run there.
        yield


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, bound here so that a taken port is an error
    of :meth:`HttpServer.start` and port 0 is known at once."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        return socket.create_server((host, port), family=family[0][0], backlog=2048)
    except OSError as e:
        hint = "; is another process listening there?" if e.errno == errno.EADDRINUSE else ""
        raise MetronError(f"cannot serve HTTP on {where}: {e.strerror or e}{hint}") from None


class HttpServer:
    """Serve ``app`` on ``host:port`` from a background thread.

    :meth:`start` returns once the server listens; :meth:`stop` stops accepting
    connections, lets requests in progress finish for up to ``graceful_timeout`` seconds,
    and returns when the thread has ended."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str,
        port: int,
        access_log: bool = False,
        graceful_timeout: int = 10,
    ) -> None:
        self.app = app
        self.host = host
        self._port = port
        self.access_log = access_log
        self.graceful_timeout = graceful_timeout
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def port(self) -> int:
        """The port served: the one picked by the system once started with port 0."""
        return self._port

    def start(self) -> None:
        """Listen and serve; raises :class:`MetronError` naming ``host:port`` when that
        cannot be listened on."""
        if self._thread is not None:
            raise RuntimeError("HttpServer.start called twice")
        sock = _listen(self.host, self._port)
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,  # the process's logging setup applies
            log_level=logging.WARNING,
            access_log=self.access_log,
            timeout_graceful_shutdown=self.graceful_timeout,
        )
        server = self._server = _Server(config)
        self._thread = threading.Thread(
            target=self._serve, args=(server, sock), name=f"metron-http :{self._port}", daemon=True
        )
        self._thread.start()
        while not server.ready.wait(0.05):
            if not self._thread.is_alive():
                sock.close()
                raise MetronError(
                    f"the HTTP server on {self.host}:{self._port} did not start: {self._failure}"
                )
        log.info("serving HTTP on %s:%d", self.host, self._port)

    def _serve(self, server: _Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except (Exception, SystemExit) as e:  # uvicorn exits when the app's startup fails
            self._failure = e
            log.error("the HTTP server on %s:%d failed: %s", self.host, self._port, e)

    def stop(self) -> None:
        """Stop gracefully (see the class docstring); a server not started is left as is."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(self.graceful_timeout + 5)
        if thread.is_alive():  # a request outlived the grace period: drop it
            server.force_exit = True
            thread.join(5)
