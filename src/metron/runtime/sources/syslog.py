"""Syslog over the network: UDP datagrams and TCP streams (RFC 6587 framing, optional TLS).

Neither transport can replay, so both ack with :data:`NO_ACK`.  They differ in how they
meet back-pressure: a UDP sender cannot be told to wait, so :class:`UdpSyslogSource` keeps
reading into a bounded buffer and drops (and counts) what does not fit; a TCP sender can,
so :class:`TcpSyslogSource` stops reading and lets the kernel's TCP window push back.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time

from metron.runtime.sources.base import NO_ACK, Emit, Source
from metron.runtime.sources.syslog_framing import SyslogFramer

__all__ = ["TcpSyslogSource", "UdpSyslogSource", "server_tls_context"]

log = logging.getLogger(__name__)

#: How often blocked loops look at ``stop`` (seconds): bounds how long ``run`` takes to return.
_POLL = 0.1
_RCVBUF = 8 * 1024 * 1024
_HANDSHAKE_TIMEOUT = 10.0


def server_tls_context(certfile: str, keyfile: str, cafile: str | None = None) -> ssl.SSLContext:
    """A TLS server context (TLS 1.2 or later) for :class:`TcpSyslogSource`; with ``cafile``,
    clients must present a certificate signed by one of its authorities."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    if cafile is not None:
        context.load_verify_locations(cafile)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


class _Batcher:
    """A bounded buffer between the threads that read sockets and the one that emits.

    ``take`` returns a batch once ``batch_size`` records are held or ``max_delay`` has passed
    since the oldest arrived.  Producers either ``offer`` (never waits: UDP) or ``put``
    (waits for room: TCP)."""

    def __init__(self, batch_size: int, max_delay: float, limit: int) -> None:
        if batch_size < 1 or limit < 1 or max_delay < 0:
            raise ValueError("batch_size and queue_limit must be positive, max_delay >= 0")
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.limit = limit
        self._items: list[bytes] = []
        self._oldest = 0.0
        self._cond = threading.Condition()

    def _append(self, record: bytes) -> None:
        items = self._items
        items.append(record)
        # Wake the emitter only when it has something new to decide on: the first record
        # (starts the delay clock) or a full batch.  Not on every record: UDP is hot.
        if len(items) == 1:
            self._oldest = time.monotonic()
            self._cond.notify_all()
        elif len(items) == self.batch_size:
            self._cond.notify_all()

    def offer(self, record: bytes) -> bool:
        """Buffer ``record`` unless the buffer is full (then False: the caller drops it)."""
        with self._cond:
            if len(self._items) >= self.limit:
                return False
            self._append(record)
            return True

    def put(self, records: list[bytes], stop: threading.Event) -> bool:
        """Buffer ``records``, waiting for room; False if ``stop`` was set first."""
        with self._cond:
            for record in records:
                while len(self._items) >= self.limit:
                    if stop.is_set():
                        return False
                    self._cond.wait(_POLL)
                self._append(record)
        return True

    def take(self, stop: threading.Event) -> list[bytes]:
        """The next batch, or ``[]`` once ``stop`` is set."""
        with self._cond:
            while not stop.is_set():
                held = len(self._items)
                if held >= self.batch_size:
                    break
                if held:
                    remaining = self._oldest + self.max_delay - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(min(remaining, _POLL))
                else:
                    self._cond.wait(_POLL)
            else:
                return []
            batch = self._items[: self.batch_size]
            del self._items[: self.batch_size]
            if self._items:
                self._oldest = time.monotonic()
            self._cond.notify_all()  # room for producers waiting in put()
            return batch

    def discard(self) -> int:
        """Empty the buffer; how many records were in it."""
        with self._cond:
            count = len(self._items)
            self._items.clear()
            self._cond.notify_all()
            return count


def _emit_loop(
    source: Source, sensor: str, batcher: _Batcher, emit: Emit, stop: threading.Event
) -> None:
    while True:
        batch = batcher.take(stop)
        if not batch:
            return
        emit(sensor, batch, NO_ACK)
        source.count(records=len(batch), size=sum(map(len, batch)))


def _bind(kind: socket.SocketKind, host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, kind)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if kind == socket.SOCK_DGRAM:
            # A large kernel buffer absorbs bursts while we are busy; the kernel may cap it
            # (net.core.rmem_max), which is fine.
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
            except OSError as exc:
                log.debug("cannot enlarge SO_RCVBUF: %s", exc)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _NetworkSource(Source):
    """What the UDP and TCP sources share: a socket bound on first use."""

    _kind: socket.SocketKind

    def __init__(self, sensor: str, host: str, port: int) -> None:
        super().__init__()
        self.sensor = sensor
        self.host = host
        self.port = port
        self._sock: socket.socket | None = None
        self._bind_lock = threading.Lock()

    def _socket(self) -> socket.socket:
        with self._bind_lock:
            if self._sock is None:
                self._sock = _bind(self._kind, self.host, self.port)
                self._sock.settimeout(_POLL)
                self._on_bind(self._sock)
            return self._sock

    def _on_bind(self, sock: socket.socket) -> None:
        """Prepare a freshly bound socket (TCP listens)."""

    @property
    def address(self) -> tuple[str, int]:
        """The bound ``(host, port)`` (binds now if not yet bound; ``port=0`` picks one)."""
        host, port = self._socket().getsockname()[:2]
        return host, port

    def close(self) -> None:
        with self._bind_lock:
            if self._sock is not None:
                self._sock.close()


class UdpSyslogSource(_NetworkSource):
    """Syslog over UDP: one datagram is one record.

    A reader thread drains the socket into a buffer of at most ``queue_limit`` records, and
    ``run`` emits batches from it.  While the pipeline pushes back the buffer fills, and
    datagrams that do not fit are dropped and counted (``stats.dropped``): waiting would
    only move the loss into the kernel, uncounted."""

    _kind = socket.SOCK_DGRAM

    def __init__(
        self,
        sensor: str,
        host: str = "0.0.0.0",
        port: int = 514,
        *,
        batch_size: int = 1000,
        max_delay: float = 0.2,
        queue_limit: int = 100_000,
    ) -> None:
        super().__init__(sensor, host, port)
        self.name = f"udp {host}:{port}"
        self._batcher = _Batcher(batch_size, max_delay, queue_limit)

    def run(self, emit: Emit, stop: threading.Event) -> None:
        sock = self._socket()
        # Set when run ends, whatever the reason (emit may raise): the reader ends with it.
        done = threading.Event()
        reader = threading.Thread(
            target=self._read, args=(sock, done), name=f"{self.name} reader", daemon=True
        )
        reader.start()
        try:
            _emit_loop(self, self.sensor, self._batcher, emit, stop)
        finally:
            done.set()
            reader.join(2 * _POLL + 1)
            self.count(dropped=self._batcher.discard())
            self.close()

    def _read(self, sock: socket.socket, stop: threading.Event) -> None:
        offer = self._batcher.offer
        while not stop.is_set():
            try:
                data = sock.recv(65535)
            except TimeoutError:
                continue
            except OSError as exc:
                if not stop.is_set():
                    log.error("%s: receive failed: %s", self.name, exc)
                    self.count(errors=1)
                    time.sleep(_POLL)
                continue
            record = data.rstrip(b"\r\n\0")
            if record and not offer(record):
                self.count(dropped=1)


class TcpSyslogSource(_NetworkSource):
    """Syslog over TCP, optionally TLS (RFC 5425): one thread per connection frames the
    stream (see :class:`SyslogFramer`) into a bounded buffer, and ``run`` emits batches from it.

    When the pipeline pushes back the buffer fills, connection threads wait and stop
    reading, and the kernel's TCP window makes the senders wait in turn: nothing is lost.
    A frame that is too long is skipped and counted (``stats.errors``); a stream that
    cannot be framed any more, or a failed TLS handshake, closes only that connection."""

    _kind = socket.SOCK_STREAM

    def __init__(
        self,
        sensor: str,
        host: str = "0.0.0.0",
        port: int = 514,
        *,
        tls: ssl.SSLContext | None = None,
        max_connections: int = 256,
        max_message: int = 64 * 1024,
        batch_size: int = 1000,
        max_delay: float = 0.2,
        queue_limit: int | None = None,
    ) -> None:
        super().__init__(sensor, host, port)
        self.name = f"{'tls' if tls else 'tcp'} {host}:{port}"
        self.tls = tls
        self.max_connections = max_connections
        self.max_message = max_message
        self._batcher = _Batcher(batch_size, max_delay, queue_limit or 2 * batch_size)
        self._threads: list[threading.Thread] = []
        self._threads_lock = threading.Lock()

    def _on_bind(self, sock: socket.socket) -> None:
        sock.listen(min(self.max_connections, socket.SOMAXCONN))

    def run(self, emit: Emit, stop: threading.Event) -> None:
        listener = self._socket()
        # Set when run ends, whatever the reason (emit may raise): connections end with it.
        done = threading.Event()
        acceptor = threading.Thread(
            target=self._accept, args=(listener, done), name=f"{self.name} accept", daemon=True
        )
        acceptor.start()
        try:
            _emit_loop(self, self.sensor, self._batcher, emit, stop)
        finally:
            done.set()
            deadline = time.monotonic() + 2 * _POLL + 1
            acceptor.join(max(0.0, deadline - time.monotonic()))
            with self._threads_lock:
                threads = list(self._threads)
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            self.count(dropped=self._batcher.discard())
            self.close()

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                conn, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if not stop.is_set():
                    log.error("%s: accept failed: %s", self.name, exc)
                    self.count(errors=1)
                    time.sleep(_POLL)
                continue
            with self._threads_lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                full = len(self._threads) >= self.max_connections
                if not full:
                    thread = threading.Thread(
                        target=self._serve,
                        args=(conn, f"{peer[0]}:{peer[1]}", stop),
                        name=f"{self.name} {peer[0]}:{peer[1]}",
                        daemon=True,
                    )
                    thread.start()  # under the lock: run never joins an unstarted thread
                    self._threads.append(thread)
            if full:
                log.warning(
                    "%s: %d connections open, refusing %s:%s",
                    self.name,
                    self.max_connections,
                    *peer[:2],
                )
                self.count(errors=1)
                conn.close()

    def _serve(self, conn: socket.socket, peer: str, stop: threading.Event) -> None:
        self._connections(+1)
        framer = SyslogFramer(self.max_message)
        sock = conn
        try:
            conn.settimeout(_POLL)
            if self.tls is not None:
                sock = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
                if not self._handshake(sock, peer, stop):
                    return
            self._read(sock, peer, framer, stop)
        except OSError as exc:
            log.info("%s: connection from %s lost: %s", self.name, peer, exc)
        finally:
            self.count(errors=framer.errors)
            sock.close()
            self._connections(-1)

    def _handshake(self, sock: ssl.SSLSocket, peer: str, stop: threading.Event) -> bool:
        deadline = time.monotonic() + _HANDSHAKE_TIMEOUT
        while True:
            try:
                sock.do_handshake()
                return True
            except TimeoutError:
                if stop.is_set():
                    return False
                if time.monotonic() > deadline:
                    log.warning("%s: TLS handshake with %s timed out", self.name, peer)
                    self.count(errors=1)
                    return False
            except (ssl.SSLError, OSError) as exc:
                log.warning("%s: TLS handshake with %s failed: %s", self.name, peer, exc)
                self.count(errors=1)
                return False

    def _read(
        self, sock: socket.socket, peer: str, framer: SyslogFramer, stop: threading.Event
    ) -> None:
        put = self._batcher.put
        while not stop.is_set():
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            records = framer.feed(data) if data else framer.finish()
            if framer.errors:
                log.warning(
                    "%s: %s from %s (max_message is %d)",
                    self.name,
                    framer.last_error,
                    peer,
                    self.max_message,
                )
                self.count(errors=framer.errors)
                framer.errors = 0
            # While put waits for room nothing is read: that is the back-pressure.
            if records and not put(records, stop):
                return
            if framer.failure:
                log.warning(
                    "%s: %s from %s, closing the connection", self.name, framer.failure, peer
                )
                self.count(errors=1)
                return
            if not data:
                return

    def _connections(self, change: int) -> None:
        with self._stats_lock:
            details = self.stats.details
            details["connections"] = details.get("connections", 0) + change
            if change > 0:
                details["connections_total"] = details.get("connections_total", 0) + change
