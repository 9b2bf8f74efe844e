"""The web app's runtime endpoints (HTTP ingest, metrics, status) served by a real
HttpServer on a free port, fed to a fake pipeline that acks each batch at once, when the
test says, or never; requests are real HTTP requests (httpx), authenticated as a user."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest

from metron.errors import MetronError
from metron.runtime.http import HttpServer
from metron.runtime.sources.base import Ack
from metron.runtime.sources.http import (
    AckTimeout,
    BodyTooLarge,
    HttpIngestSource,
    IngestUnavailable,
    split_records,
)
from metron.search.store import AlertStore
from metron.web.app import create_web_app
from metron.web.auth import UserStore
from metron.web.context import WebContext

TIMEOUT = 5.0
SENSORS = {"bro", "squid"}
AUTH = ("ingest", "ingest-password")
FAST_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def create_app(
    *,
    ingest: HttpIngestSource | None,
    metrics_text: Callable[[], str],
    status: Callable[[], dict[str, Any]],
) -> Any:
    """The web app over ``ingest``, with one user (:data:`AUTH`) and an empty store."""
    data = Path(tempfile.mkdtemp(prefix="metron-http-"))
    users = UserStore(data / "users.db", hasher=FAST_HASHER)
    users.add_user(*AUTH)
    context = WebContext(
        config_dir=data / "config",
        data_dir=data,
        users=users,
        store=AlertStore(data / "alerts"),
        status=status,
        metrics_text=metrics_text,
        ingest=ingest,
    )
    return create_web_app(context)


@dataclass
class Pipeline:
    """The pipeline's side: records every batch; acks now (``auto``) or when told."""

    auto: bool = True
    batches: list[tuple[str, list[bytes]]] = field(default_factory=list)
    pending: list[Ack] = field(default_factory=list)
    emitted: threading.Event = field(default_factory=threading.Event)

    def emit(self, sensor: str, records: Sequence[bytes], ack: Ack) -> None:
        self.batches.append((sensor, list(records)))
        if self.auto:
            ack()
        else:
            self.pending.append(ack)
        self.emitted.set()


@dataclass
class Runtime:
    """A running ingest source behind a running server."""

    pipeline: Pipeline
    source: HttpIngestSource
    server: HttpServer
    stop: threading.Event
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def post(self, sensor: str, body: bytes) -> httpx.Response:
        return httpx.post(f"{self.url}/ingest/{sensor}", content=body, auth=AUTH, timeout=TIMEOUT)

    def shutdown(self) -> None:
        self.stop.set()
        self.thread.join(TIMEOUT)
        self.server.stop()


def start(pipeline: Pipeline, *, max_bytes: int = 1024, ack_timeout: float = TIMEOUT) -> Runtime:
    source = HttpIngestSource(SENSORS.__contains__, max_bytes=max_bytes, ack_timeout=ack_timeout)
    app = create_app(
        ingest=source,
        metrics_text=lambda: "metron_records_total 3\n",
        status=lambda: {"sensors": {"bro": {"records": 3}}, "running": True},
    )
    server = HttpServer(app, host="127.0.0.1", port=0)
    server.start()
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(pipeline.emit, stop), daemon=True)
    thread.start()
    return Runtime(pipeline, source, server, stop, thread)


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    running = start(Pipeline())
    yield running
    running.shutdown()


def wait_running(source: HttpIngestSource) -> None:
    """``run`` has taken ``emit``: a request is accepted (the source's thread just began)."""
    deadline = time.monotonic() + TIMEOUT
    while not source.accepting:
        if time.monotonic() > deadline:
            pytest.fail("the ingest source did not start running")
        time.sleep(0.01)


def test_records_are_lines_and_the_answer_counts_them(runtime: Runtime) -> None:
    wait_running(runtime.source)
    response = runtime.post("bro", b'{"a": 1}\n{"a": 2}\n{"a": 3}')
    assert response.status_code == 200
    assert response.json() == {"sensor": "bro", "accepted": 3}
    assert runtime.pipeline.batches == [("bro", [b'{"a": 1}', b'{"a": 2}', b'{"a": 3}'])]
    stats = runtime.source.stats
    assert (stats.records, stats.batches, stats.errors) == (3, 1, 0)


def test_crlf_endings_are_stripped_and_blank_lines_skipped(runtime: Runtime) -> None:
    wait_running(runtime.source)
    response = runtime.post("squid", b"one\r\n\r\n  \ntwo\r\nthree\n\n")
    assert response.json() == {"sensor": "squid", "accepted": 3}
    assert runtime.pipeline.batches == [("squid", [b"one", b"two", b"three"])]


def test_split_records_keeps_a_lone_carriage_return_and_inner_spaces() -> None:
    assert split_records(b" a b \r\nc\rd\n") == [b" a b ", b"c\rd"]


@pytest.mark.parametrize(
    ("sensor", "body", "status", "message"),
    [
        ("nosuch", b"x\n", 404, "no sensor 'nosuch'"),
        ("bro", b"x" * 1025, 413, "over 1024 bytes"),
        ("bro", b"\n \r\n", 400, "no record"),
        ("bro", b"", 400, "no record"),
    ],
)
def test_refused_requests_say_why(
    runtime: Runtime, sensor: str, body: bytes, status: int, message: str
) -> None:
    wait_running(runtime.source)
    response = runtime.post(sensor, body)
    assert response.status_code == status
    assert message in response.json()["message"]
    assert runtime.pipeline.batches == []
    assert runtime.source.stats.errors == 1


def test_a_body_far_over_the_limit_is_refused_without_reading_it_all(runtime: Runtime) -> None:
    wait_running(runtime.source)
    response = runtime.post("bro", b"line\n" * 10_000)
    assert response.status_code == 413


def test_the_answer_waits_for_the_ack() -> None:
    running = start(Pipeline(auto=False))
    try:
        wait_running(running.source)
        answers: list[httpx.Response] = []
        request = threading.Thread(target=lambda: answers.append(running.post("bro", b"x\n")))
        request.start()
        assert running.pipeline.emitted.wait(TIMEOUT)
        assert answers == []  # emitted, not stored: no answer yet
        running.pipeline.pending.pop()()
        request.join(TIMEOUT)
        assert answers[0].json() == {"sensor": "bro", "accepted": 1}
    finally:
        running.shutdown()


def test_an_ack_that_never_comes_is_a_504() -> None:
    running = start(Pipeline(auto=False), ack_timeout=0.2)
    try:
        wait_running(running.source)
        response = running.post("bro", b"x\ny\n")
        assert response.status_code == 504
        assert "may still be" in response.json()["message"]
        assert running.pipeline.batches == [("bro", [b"x", b"y"])]  # handed over all the same
    finally:
        running.shutdown()


def test_a_source_not_running_or_stopped_is_a_503() -> None:
    source = HttpIngestSource(SENSORS.__contains__)
    with pytest.raises(IngestUnavailable, match="not running"):
        source.ingest("bro", b"x\n", TIMEOUT)
    running = start(Pipeline())
    try:
        wait_running(running.source)
        running.stop.set()
        running.thread.join(TIMEOUT)
        assert not running.thread.is_alive()
        response = running.post("bro", b"x\n")
        assert response.status_code == 503
        assert "not running or is stopping" in response.json()["message"]
    finally:
        running.shutdown()


def test_ingest_without_the_server() -> None:
    pipeline = Pipeline(auto=False)
    source = HttpIngestSource(SENSORS.__contains__, max_bytes=4)
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(pipeline.emit, stop), daemon=True)
    thread.start()
    wait_running(source)
    with pytest.raises(BodyTooLarge):
        source.ingest("bro", b"12345", TIMEOUT)
    with pytest.raises(AckTimeout):
        source.ingest("bro", b"1\n2", 0.01)
    stop.set()
    thread.join(TIMEOUT)
    assert not thread.is_alive()


def test_metrics_status_and_health(runtime: Runtime) -> None:
    metrics = httpx.get(f"{runtime.url}/metrics", auth=AUTH, timeout=TIMEOUT)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert metrics.text == "metron_records_total 3\n"
    status = httpx.get(f"{runtime.url}/api/v1/status", auth=AUTH, timeout=TIMEOUT)
    assert status.json() == {"sensors": {"bro": {"records": 3}}, "running": True}
    assert httpx.get(f"{runtime.url}/health", timeout=TIMEOUT).json() == {"status": "ok"}


def test_ingest_and_metrics_need_credentials(runtime: Runtime) -> None:
    for response in (
        httpx.post(f"{runtime.url}/ingest/bro", content=b"1\n", timeout=TIMEOUT),
        httpx.get(f"{runtime.url}/metrics", timeout=TIMEOUT),
        httpx.get(f"{runtime.url}/api/v1/status", timeout=TIMEOUT),
        httpx.get(f"{runtime.url}/metrics", auth=("ingest", "wrong-password"), timeout=TIMEOUT),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
    assert runtime.pipeline.batches == []


def test_an_app_without_ingest_answers_404_for_it() -> None:
    app = create_app(ingest=None, metrics_text=str, status=dict)
    server = HttpServer(app, host="127.0.0.1", port=0)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}"
        response = httpx.post(f"{url}/ingest/bro", content=b"x\n", auth=AUTH, timeout=TIMEOUT)
        assert response.status_code == 404
        assert "not enabled" in response.json()["message"]
    finally:
        server.stop()


def test_a_port_in_use_is_an_error_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = HttpServer(
            create_app(ingest=None, metrics_text=str, status=dict), host="127.0.0.1", port=port
        )
        with pytest.raises(MetronError, match=f"127.0.0.1:{port}.*another process"):
            server.start()


def test_after_stop_connections_are_refused() -> None:
    running = start(Pipeline())
    url = running.url
    assert httpx.get(f"{url}/health", timeout=TIMEOUT).status_code == 200
    running.shutdown()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=TIMEOUT)
