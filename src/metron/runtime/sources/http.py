"""Records posted over HTTP: ``POST /ingest/<sensor>`` with one record per line.

One :class:`HttpIngestSource` serves every sensor; the web app
(:func:`metron.runtime.http.create_app`) hands it each request body.  The body is split
into lines (``\\n`` or ``\\r\\n``, the ending stripped, blank lines skipped: JSON lines or
any line-oriented log text) and emitted as one batch.  The request is answered once the
pipeline acks the batch, so a 200 means the records are stored: a sender that retries
everything not answered with 200 loses nothing (and may store a record twice after a
504, as with every at-least-once source).

Back-pressure reaches the sender: ``emit`` blocks the request while the pipeline is full.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ClassVar

from metron.errors import MetronError
from metron.runtime.sources.base import Emit, Source

__all__ = [
    "AckTimeout",
    "BodyTooLarge",
    "EmptyBody",
    "HttpIngestSource",
    "IngestError",
    "IngestUnavailable",
    "UnknownSensor",
    "split_records",
]

#: The largest body accepted unless told otherwise: 16 MiB.
MAX_BYTES = 16 * 1024 * 1024

_UNAVAILABLE = "not accepting records: the pipeline is not running or is stopping"


class IngestError(MetronError):
    """A request the source refused; ``status`` is the HTTP status that says why."""

    status: ClassVar[int] = 500


class IngestUnavailable(IngestError):
    """The pipeline is not running, or is stopping: try again later."""

    status = 503


class AckTimeout(IngestError):
    """The records were handed to the pipeline but not stored in time; they may still be."""

    status = 504


class UnknownSensor(IngestError):
    """No sensor of that name (it has no parser config)."""

    status = 404


class BodyTooLarge(IngestError):
    """The body is over the size limit."""

    status = 413


class EmptyBody(IngestError):
    """The body holds no record (nothing but blank lines)."""

    status = 400


def split_records(body: bytes) -> list[bytes]:
    """The records of a body: its lines without ``\\n`` or ``\\r\\n``, blank ones skipped."""
    records = []
    for line in body.split(b"\n"):
        record = line.removesuffix(b"\r")
        if record.strip():
            records.append(record)
    return records


class HttpIngestSource(Source):
    """The source behind ``POST /ingest/<sensor>`` (see the module docstring).

    ``known(sensor)`` tells whether a sensor exists; ``max_bytes`` bounds a body;
    ``ack_timeout`` is how long a request waits for its batch to be stored."""

    name = "http ingest"

    def __init__(
        self,
        known: Callable[[str], bool],
        *,
        max_bytes: int = MAX_BYTES,
        ack_timeout: float = 30.0,
    ) -> None:
        super().__init__()
        if max_bytes < 1 or ack_timeout <= 0:
            raise ValueError("max_bytes must be at least 1 and ack_timeout positive")
        self.known = known
        self.max_bytes = max_bytes
        self.ack_timeout = ack_timeout
        self._emit: Emit | None = None
        self._inflight = 0  # requests inside emit
        self._cond = threading.Condition()

    @property
    def accepting(self) -> bool:
        """Whether requests are taken: :meth:`run` is running and ``stop`` is not set."""
        return self._emit is not None

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Accept requests until ``stop`` is set, then refuse new ones and return once the
        requests already inside ``emit`` are through (nothing is emitted after return)."""
        with self._cond:
            self._emit = emit
        try:
            stop.wait()
        finally:
            with self._cond:
                self._emit = None
                self._cond.wait_for(lambda: self._inflight == 0)

    def ingest(self, sensor: str, body: bytes, timeout: float) -> int:
        """Emit the records of ``body`` for ``sensor`` as one batch and wait up to
        ``timeout`` seconds for it to be stored; returns how many records there were.
        Raises an :class:`IngestError` whose ``status`` says why a request is refused."""
        try:
            records = self._check(sensor, body)
            done = threading.Event()
            with self._cond:
                emit = self._emit
                if emit is None:
                    raise IngestUnavailable(_UNAVAILABLE)
                self._inflight += 1
            try:
                emit(sensor, records, done.set)
            finally:
                with self._cond:
                    self._inflight -= 1
                    self._cond.notify_all()
        except IngestError:
            self.count(errors=1)
            raise
        self.count(records=len(records), size=len(body))
        if not done.wait(timeout):
            self.count(errors=1)
            raise AckTimeout(
                f"{len(records)} records for sensor {sensor!r} were not stored within"
                f" {timeout:g}s; they may still be (retrying can store them twice)"
            )
        return len(records)

    def _check(self, sensor: str, body: bytes) -> list[bytes]:
        if not self.accepting:  # checked again when emitting; this saves the work
            raise IngestUnavailable(_UNAVAILABLE)
        if not self.known(sensor):
            raise UnknownSensor(f"no sensor {sensor!r}: it needs a parser config")
        if len(body) > self.max_bytes:
            raise BodyTooLarge(
                f"the body is over {self.max_bytes} bytes; send fewer records per request"
            )
        records = split_records(body)
        if not records:
            raise EmptyBody("the body holds no record: send one record per line")
        return records
