"""Syslog sources against real sockets on 127.0.0.1, with a fake pipeline collecting batches."""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest

from metron.runtime.sources.base import NO_ACK, Ack, Source
from metron.runtime.sources.syslog import (
    TcpSyslogSource,
    UdpSyslogSource,
    server_tls_context,
)
from metron.runtime.sources.syslog_framing import SyslogFramer

TIMEOUT = 5.0


class Pipeline:
    """Collects batches; while ``gate`` is clear, emit blocks (a slow pipeline)."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[bytes]]] = []
        self.gate = threading.Event()
        self.gate.set()
        self._cond = threading.Condition()

    def emit(
        self,
        sensor: str,
        records: Sequence[bytes],
        ack: Ack,
        origins: Sequence[str] | None = None,
    ) -> None:
        assert ack is NO_ACK
        self.gate.wait(TIMEOUT)
        with self._cond:
            self.batches.append((sensor, list(records)))
            self._cond.notify_all()

    @property
    def records(self) -> list[bytes]:
        with self._cond:
            return [r for _, batch in self.batches for r in batch]

    def wait_for(self, count: int) -> list[bytes]:
        with self._cond:
            self._cond.wait_for(lambda: sum(len(b) for _, b in self.batches) >= count, TIMEOUT)
        return self.records


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@contextmanager
def running(source: Source, pipeline: Pipeline) -> Iterator[Pipeline]:
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(pipeline.emit, stop), daemon=True)
    thread.start()
    try:
        yield pipeline
    finally:
        stop.set()
        pipeline.gate.set()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "run did not return after stop"


def octets(message: bytes) -> bytes:
    return b"%d %s" % (len(message), message)


def connect(source: TcpSyslogSource) -> socket.socket:
    sock = socket.create_connection(source.address, timeout=TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send(source: TcpSyslogSource, *chunks: bytes, pause: float = 0.0) -> None:
    with connect(source) as sock:
        for chunk in chunks:
            sock.sendall(chunk)
            if pause:
                time.sleep(pause)


# --- UDP -------------------------------------------------------------------------------


def test_udp_datagrams_are_records() -> None:
    source = UdpSyslogSource("fw", "127.0.0.1", 0, batch_size=3, max_delay=0.05)
    with running(source, Pipeline()) as pipeline, socket.socket(type=socket.SOCK_DGRAM) as client:
        for datagram in (b"<13>one\n", b"<13>two\x00", b"<13>three", b"\n"):
            client.sendto(datagram, source.address)
        assert pipeline.wait_for(3) == [b"<13>one", b"<13>two", b"<13>three"]
    assert {sensor for sensor, _ in pipeline.batches} == {"fw"}
    assert (source.stats.records, source.stats.dropped) == (3, 0)
    assert source.stats.bytes == len(b"<13>one<13>two<13>three")


def test_udp_drops_and_counts_when_the_pipeline_is_slow() -> None:
    source = UdpSyslogSource("fw", "127.0.0.1", 0, batch_size=1, max_delay=0, queue_limit=2)
    pipeline = Pipeline()
    pipeline.gate.clear()  # emit blocks: the buffer fills, the rest must be dropped
    sent = 20
    with running(source, pipeline), socket.socket(type=socket.SOCK_DGRAM) as client:
        for i in range(sent):
            client.sendto(b"<13>m%d" % i, source.address)
        wait_until(lambda: source.stats.dropped >= sent - 3)
        pipeline.gate.set()
        wait_until(lambda: len(pipeline.records) + source.stats.dropped == sent)
    assert 2 <= len(pipeline.records) <= 3
    assert pipeline.records[0] == b"<13>m0"


# --- TCP framing -----------------------------------------------------------------------


def test_tcp_newline_framing() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, max_delay=0.02)
    with running(source, Pipeline()) as pipeline:
        send(source, b"<13>a\n<13>b\r\n\n<13>c\x00<13>d")  # the last line ends with the stream
        assert pipeline.wait_for(4) == [b"<13>a", b"<13>b", b"<13>c", b"<13>d"]
    assert source.stats.errors == 0


def test_tcp_octet_counting_keeps_newlines_inside_messages() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, max_delay=0.02)
    messages = [b"<13>one", b"<13>two\nlines", b"<13>x" * 50]
    with running(source, Pipeline()) as pipeline:
        send(source, b"".join(octets(m) for m in messages))
        assert pipeline.wait_for(3) == messages


def test_tcp_framing_is_chosen_per_frame() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, max_delay=0.02)
    stream = octets(b"<13>a") + b"<13>b\n" + octets(b"<13>c\nc") + b"<13>d\x002026-11-29 no pri\n"
    with running(source, Pipeline()) as pipeline:
        send(source, stream)
        assert pipeline.wait_for(5) == [
            b"<13>a",
            b"<13>b",
            b"<13>c\nc",
            b"<13>d",
            b"2026-11-29 no pri",
        ]


def test_tcp_frames_split_across_writes() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, max_delay=0.02)
    with running(source, Pipeline()) as pipeline:
        send(source, b"1", b"1 <13>hel", b"lo w", b"<13>line", b" two\r", b"\n", pause=0.03)
        assert pipeline.wait_for(2) == [b"<13>hello w", b"<13>line two"]


def test_framer_gives_the_same_messages_whatever_the_chunks() -> None:
    stream = octets(b"<13>a\nb") + b"<13>line\r\n" + octets(b"<13>c") + b"<13>d\x00"
    whole = SyslogFramer(100).feed(stream)
    framer = SyslogFramer(100)
    bytewise = [m for i in range(len(stream)) for m in framer.feed(stream[i : i + 1])]
    assert bytewise == whole == [b"<13>a\nb", b"<13>line", b"<13>c", b"<13>d"]


def test_tcp_oversized_frames_are_skipped_and_counted() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, max_message=32, max_delay=0.02)
    big = b"<13>" + b"x" * 100
    with running(source, Pipeline()) as pipeline:
        send(
            source,
            b"<13>first\n" + octets(big) + b"<13>second\n",
            big[:50],
            big[50:] + b"\n<13>third\n",
            big + b"\n" + octets(b"<13>fourth"),
            pause=0.03,
        )
        assert pipeline.wait_for(4) == [b"<13>first", b"<13>second", b"<13>third", b"<13>fourth"]
    assert source.stats.errors == 3


def test_tcp_unframeable_stream_closes_only_that_connection() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, max_message=1000, max_delay=0.02)
    with running(source, Pipeline()) as pipeline, connect(source) as good:
        good.sendall(b"<13>before\n")
        with connect(source) as bad:
            bad.sendall(b"<13>ok\n" + b"9" * 30 + b" <13>garbage\n")
            assert bad.recv(100) == b""  # the source closed it
        good.sendall(b"<13>after\n")
        assert sorted(pipeline.wait_for(3)) == [b"<13>after", b"<13>before", b"<13>ok"]
    assert source.stats.errors == 1


# --- TCP connections -------------------------------------------------------------------


def test_tcp_concurrent_clients_keep_their_order() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, batch_size=50, max_delay=0.02)
    clients, per_client = 8, 200

    def stream(n: int) -> bytes:
        return b"".join(
            b"<13>c%d m%d\n" % (n, i) if i % 2 else octets(b"<13>c%d m%d" % (n, i))
            for i in range(per_client)
        )

    with running(source, Pipeline()) as pipeline:
        threads = [threading.Thread(target=send, args=(source, stream(n))) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        records = pipeline.wait_for(clients * per_client)
    assert len(records) == clients * per_client
    for n in range(clients):
        mine = [r for r in records if r.startswith(b"<13>c%d " % n)]
        assert mine == [b"<13>c%d m%d" % (n, i) for i in range(per_client)]
    assert source.stats.details["connections_total"] == clients
    assert source.stats.details["connections"] == 0


def test_tcp_back_pressure_stops_reading_and_loses_nothing() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, batch_size=100, queue_limit=200)
    pipeline = Pipeline()
    pipeline.gate.clear()
    count = 100_000
    payload = b"".join(b"<13>%06d %s\n" % (i, b"x" * 190) for i in range(count))
    with running(source, pipeline):
        sender = threading.Thread(target=send, args=(source, payload), daemon=True)
        sender.start()
        time.sleep(0.3)
        assert sender.is_alive(), "the sender should be held back by the TCP window"
        pipeline.gate.set()
        sender.join(TIMEOUT)
        records = pipeline.wait_for(count)
    assert len(records) == count
    assert records[-1].startswith(b"<13>%06d " % (count - 1))
    assert source.stats.dropped == 0


def test_tcp_max_connections_refuses_the_extra_one() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, max_connections=1, max_delay=0.02)
    with running(source, Pipeline()) as pipeline, connect(source) as first:
        first.sendall(b"<13>one\n")
        pipeline.wait_for(1)
        with connect(source) as second:
            assert second.recv(100) == b""
        first.sendall(b"<13>two\n")
        assert pipeline.wait_for(2) == [b"<13>one", b"<13>two"]
    assert source.stats.errors == 1


def test_tcp_stop_returns_promptly_with_idle_connections_open() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0)
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(Pipeline().emit, stop), daemon=True)
    thread.start()
    with connect(source), connect(source) as idle:
        idle.sendall(b"<13>partial")
        wait_until(lambda: source.stats.details.get("connections") == 2)
        started = time.monotonic()
        stop.set()
        thread.join(TIMEOUT)
        assert time.monotonic() - started < 1.0
    assert not thread.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(source.address, timeout=1).close()


# --- TLS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for localhost, made now: (certfile, keyfile)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return str(cert), str(key)


def tls_client(
    source: TcpSyslogSource, cert: str, client_cert: tuple[str, str] | None = None
) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=cert)
    if client_cert:
        context.load_cert_chain(*client_cert)
    return context.wrap_socket(connect(source), server_hostname="localhost")


def test_tls(certificate: tuple[str, str]) -> None:
    cert, key = certificate
    source = TcpSyslogSource("fw", "127.0.0.1", 0, tls=server_tls_context(cert, key))
    with running(source, Pipeline()) as pipeline:
        with connect(source) as plain:  # not TLS: the handshake fails, the source carries on
            plain.sendall(b"<13>plain text\n")
            with contextlib.suppress(ConnectionResetError):
                assert plain.recv(100) == b""
        with tls_client(source, cert) as client:
            client.sendall(b"<13>secret\n" + octets(b"<13>also\nsecret"))
        assert pipeline.wait_for(2) == [b"<13>secret", b"<13>also\nsecret"]
    assert source.stats.errors == 1


def test_tls_client_certificates(certificate: tuple[str, str]) -> None:
    cert, key = certificate
    context = server_tls_context(cert, key, cafile=cert)
    source = TcpSyslogSource("fw", "127.0.0.1", 0, tls=context, max_delay=0.02)
    with running(source, Pipeline()) as pipeline:
        with tls_client(source, cert, client_cert=(cert, key)) as client:
            client.sendall(b"<13>trusted\n")
        assert pipeline.wait_for(1) == [b"<13>trusted"]
        with pytest.raises((ssl.SSLError, OSError)), tls_client(source, cert) as anonymous:
            anonymous.sendall(b"<13>anonymous\n")
            anonymous.recv(100)  # TLS 1.3: the refusal arrives after the handshake
        wait_until(lambda: source.stats.errors == 1)
    assert pipeline.records == [b"<13>trusted"]


def test_address_binds_a_free_port() -> None:
    udp = UdpSyslogSource("fw", "127.0.0.1", 0)
    tcp = TcpSyslogSource("fw", "127.0.0.1", 0)
    try:
        assert udp.address[0] == "127.0.0.1" and udp.address[1] > 0
        assert tcp.address[1] > 0
    finally:
        udp.close()
        tcp.close()


def test_tcp_emit_failure_ends_run_and_its_connections() -> None:
    source = TcpSyslogSource("fw", "127.0.0.1", 0, max_delay=0.02)
    failures: list[BaseException] = []

    def failing_emit(sensor: str, records: Sequence[bytes], ack: Ack) -> None:
        raise RuntimeError("pipeline broke")

    def run() -> None:
        try:
            source.run(failing_emit, stop)
        except RuntimeError as exc:
            failures.append(exc)

    stop = threading.Event()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    with connect(source) as client:
        client.sendall(b"<13>one\n")
        thread.join(TIMEOUT)
        assert not thread.is_alive()
        assert client.recv(100) == b""  # the source closed it
    assert [str(f) for f in failures] == ["pipeline broke"]
    assert not stop.is_set()  # the caller's event, maybe shared with other sources
