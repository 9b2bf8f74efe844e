"""The server that runs the web app (:mod:`metron.web.app`) beside the pipeline.

:class:`HttpServer` runs any ASGI app with uvicorn in a background thread, with TLS when
given a certificate and key.  The main thread keeps SIGTERM and SIGINT (it stops the
pipeline, then the server), and uvicorn logs through :mod:`logging` at warning level,
without access log unless asked.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from metron.errors import MetronError

__all__ = ["HttpServer"]

log = logging.getLogger(__name__)


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
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        # The protocol named (IPPROTO_TCP, not 0): asyncio turns Nagle's algorithm off only
        # on connections whose socket says TCP, and with it on a response written in two
        # parts waits out the client's delayed ACK (40 ms a request).
        sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(address)
            sock.listen(2048)
        except BaseException:
            sock.close()
            raise
        return sock
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
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self._port = port
        self.access_log = access_log
        self.graceful_timeout = graceful_timeout
        #: (certificate file, key file), both PEM, or None for plain HTTP.
        self.tls = tls
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
            ssl_certfile=str(self.tls[0]) if self.tls else None,
            ssl_keyfile=str(self.tls[1]) if self.tls else None,
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
