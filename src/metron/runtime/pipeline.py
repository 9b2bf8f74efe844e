"""The embedded platform: sources → worker processes (parse, enrich, index) → acks.

::

    sources (threads)          main process                      worker processes
    file, directory, syslog,   emit() ─ bounded slots ─▶ dispatch ─▶ Stages: parse → enrich
    kafka, http, demo, stdin                                        → triage → alert store
          ▲                                                          (+ lake, buffered)
          └── ack (checkpoint) ◀── in source order ◀── "durable" ◀──┘
                               reader thread: follows the alert store (taking what
                               "processed" hands over), saves snapshots
                               monitor: restarts dead workers, applies config edits,
                               writes run/status.json; HTTP: /ingest, /metrics, /health

Flow control.  ``emit`` takes one of ``max_in_flight`` slots per batch and blocks while
none is free: that is the back-pressure every source feels (UDP syslog drops and counts
instead).  A slot is given back when a worker has the batch in the alert store.

Durability.  A batch is acked to its source only when a worker reports it *durable*
(alert store and lake), and a source's acks are given in the order it emitted its
batches, so its checkpoint never passes data a store lacks.  The main process keeps each
batch until then: a worker that dies has its batches sent again to its replacement.
Guids derived from the records' origins (:func:`metron.message.origin_guids`) make the
replay of a batch replace what it wrote: nothing is lost and nothing is duplicated in the
alert store, whether a worker or the whole platform is killed.

Live config.  The config directory is polled every second; an edit that validates (and
builds) is sent to every worker, which applies it from its next batch on, and sources
whose config changed are restarted.  An edit that does not is rejected with every problem
logged and shown by ``metron status``; the previous config keeps running.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from metron.config.store import canonical, directory_stamp, read_directory, validate
from metron.errors import ConfigError, MetronError
from metron.runtime import channel
from metron.runtime.configwatch import ConfigFollower
from metron.runtime.control import ACTIVE, SensorControl
from metron.runtime.ledger import Flight, Ledger
from metron.runtime.metrics import Metrics, status_path, write_status
from metron.runtime.sources.base import Ack, Emit, Offsets, Source, without_superseded
from metron.runtime.stages import Batch, check_buildable, parser_sensors
from metron.runtime.worker import DEFAULT_LAKE_INTERVAL, worker_main

__all__ = ["Platform"]

log = logging.getLogger(__name__)

#: Seconds between two looks at the config directory, the workers and the status.
TICK = 1.0
#: Seconds between two catch-ups of the main process's search index.
READER_INTERVAL = 0.5
#: Seconds the catch-up waits for a worker's handover of what it has committed before
#: reading those documents back from the database instead (see DocumentStore.refresh).
HANDOVER_PATIENCE = 1.0
#: The reader saves an index snapshot when this many documents arrived since the last one
#: and SNAPSHOT_INTERVAL seconds have passed (and at shutdown).
SNAPSHOT_DOCS = 50_000
SNAPSHOT_INTERVAL = 60.0


@dataclass
class _Worker:
    number: int
    process: multiprocessing.process.BaseProcess
    inbox: Any  # multiprocessing Queue
    results: Any  # the reading end of the worker's pipe (None once it broke)
    ready: bool = False
    outstanding: set[int] = field(default_factory=set)  # seqs sent, not yet processed


@dataclass
class _SourceRun:
    """A running source: its thread, and the stop event of its group."""

    source: Source
    thread: threading.Thread
    stop: threading.Event
    sensor: str | None  # None: a source shared by all sensors (http, demo)


class Platform:
    """Everything ``metron run`` runs (see the module docstring).  ``run()`` blocks until
    :meth:`stop` (or SIGTERM/SIGINT in the main thread); ``start()``/``shutdown()`` are
    the two halves, for tests."""

    def __init__(
        self,
        config_dir: Path,
        data_dir: Path,
        *,
        workers: int | None = None,
        extra_sources: Sequence[Source] = (),
        http: tuple[str, int] | None = ("127.0.0.1", 8080),
        lake_interval: float = DEFAULT_LAKE_INTERVAL,
        max_in_flight: int | None = None,
    ) -> None:
        self.config_dir = Path(config_dir)
        self.data_dir = Path(data_dir)
        self.workers_wanted = workers if workers and workers > 0 else (os.cpu_count() or 1)
        self.extra_sources = list(extra_sources)
        self.http_address = http
        self.lake_interval = lake_interval
        self.max_in_flight = max_in_flight or 16 * self.workers_wanted
        self.metrics = Metrics()
        self.problems: deque[str] = deque(maxlen=20)
        self._start_error: str | None = None  # why a worker could not start
        self.http_port: int | None = None
        self.http_tls = False
        self._stop = threading.Event()
        self._sources_stop = threading.Event()
        self._lock = threading.Lock()
        self._ledger = Ledger(self.max_in_flight)
        self._workers: dict[int, _Worker] = {}
        self._runs: list[_SourceRun] = []
        self._threads: list[threading.Thread] = []
        self._context = multiprocessing.get_context("spawn")
        self._lock_file: IO[bytes] | None = None
        self._config: ConfigFollower | None = None
        self._http: Any = None
        self._users: Any = None
        self._reader: Any = None
        self.tree: dict[str, Any] = {}
        self.control = SensorControl(self.data_dir)
        #: The password of the user ``admin`` made at the first start (none before).
        self.first_admin_password: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def run(self, on_started: Callable[[Platform], None] | None = None) -> None:
        """Start (then call ``on_started``), wait for SIGTERM/SIGINT or :meth:`stop`, then
        shut down gracefully."""
        previous = {
            sig: signal.signal(sig, lambda *_: self._stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            self.start()
            if on_started is not None:
                on_started(self)
            while not self._stop.wait(TICK):
                pass
        finally:
            self.shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        self._stop.set()

    @property
    def workers(self) -> list[int]:
        """The numbers of the worker processes."""
        return sorted(self._workers)

    def start(self) -> None:
        """Load and check the config, take the data directory, start workers, sources,
        the reader, the monitor and the HTTP server."""
        self._take_data_dir()
        self.tree = self._load_config()
        self._config = ConfigFollower(
            lambda: read_directory(self.config_dir),
            self._check,
            self.tree,
            lambda: directory_stamp(self.config_dir),
        )
        for number in range(self.workers_wanted):
            self._start_worker(number)
        self._spawn(self._results, "results")
        self._await_workers()
        from metron.search.store import AlertStore

        self._reader = AlertStore(
            self.data_dir / "alerts", global_config=self.tree.get("global") or {}
        )
        self._spawn(self._follow_store, "reader")
        self._start_http()
        for sensor in parser_sensors(self.tree):
            self._start_sources(sensor)
        for source in self.extra_sources:
            self._start_source(source, None, self._sources_stop)
        self._spawn(self._monitor, "monitor")
        self._write_status()

    def shutdown(self) -> None:
        """Stop the sources, let the workers finish what they hold, ack it, write the
        checkpoints, the lake and an index snapshot, and let go of the data directory."""
        if self._lock_file is None:
            return  # never started: the data directory (and its status) is another's
        self._stop.set()
        self._sources_stop.set()
        for run in self._runs:
            run.stop.set()
        for run in self._runs:
            run.thread.join(timeout=10)
            if run.thread.is_alive():
                log.warning("%s did not stop within 10 s", run.source.name)
        for worker in self._workers.values():
            with contextlib.suppress(Exception):
                worker.inbox.put(("stop",))
        deadline = time.monotonic() + 60
        for worker in self._workers.values():
            worker.process.join(timeout=max(0.1, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.warning("worker %d did not stop in time: killed", worker.number)
                worker.process.kill()
                worker.process.join()
        for worker in self._workers.values():
            worker.inbox.cancel_join_thread()  # what a killed worker left unread is moot
        for thread in self._threads:
            thread.join(timeout=10)
        self._drain_outbox()
        for run in self._runs:
            try:
                run.source.close()
            except Exception as e:
                log.warning("%s: closing failed: %s", run.source.name, e)
        if self._http is not None:
            self._http.stop()
        if self._users is not None:
            self._users.close()
            self._users = None
        if self._reader is not None:
            with contextlib.suppress(Exception):
                self._reader.refresh()
                self._reader.save_index()
            self._reader.close()
            self._reader = None
        self._write_status(stopped=True)
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # ------------------------------------------------------------------ config

    def _take_data_dir(self) -> None:
        run_dir = self.data_dir / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        handle = open(run_dir / "lock", "a+b")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise MetronError(
                f"another 'metron run' is using the data directory {self.data_dir}"
            ) from None
        self._lock_file = handle

    def _load_config(self) -> dict[str, Any]:
        if not self.config_dir.is_dir():
            raise ConfigError(
                f"{self.config_dir}: no such config directory (create it, or run"
                " 'metron run --demo' to start with a demo config)"
            )
        tree = read_directory(self.config_dir)
        problems = self._check(tree)
        if problems:
            raise ConfigError(
                f"the config in {self.config_dir} has problems:\n  " + "\n  ".join(problems)
            )
        return tree

    def _check(self, tree: dict[str, Any]) -> list[str]:
        return validate(tree) + check_buildable(tree, self.config_dir)

    def _watch_config(self) -> None:
        tree = self._config.poll() if self._config is not None else None
        if tree is None:
            return
        old, self.tree = self.tree, tree
        for worker in self._workers.values():
            worker.inbox.put(("config", tree))
        log.info("config change applied")
        old_sensors, new_sensors = set(parser_sensors(old)), set(parser_sensors(tree))
        for sensor in old_sensors | new_sensors:
            if _source_view(old, sensor) != _source_view(tree, sensor):
                self._stop_sources(sensor)
                if sensor in new_sensors:
                    self._start_sources(sensor)

    # ------------------------------------------------------------------ workers

    def _start_worker(self, number: int) -> None:
        inbox = self._context.Queue()
        # (the queue's own pipe: a batch is a few MB, and each 64 KB the default pipe
        # holds would wake the worker, then the queue's sender, once more)
        _widen(getattr(inbox, "_writer", None))
        results, outbox = self._context.Pipe(duplex=False)
        _widen(results)
        process = self._context.Process(
            target=worker_main,
            args=(
                number,
                self.tree,
                self.config_dir,
                self.data_dir,
                inbox,
                outbox,
                os.getpid(),
                self.lake_interval,
            ),
            name=f"metron-worker-{number}",
            daemon=True,
        )
        process.start()
        outbox.close()  # the worker's end: once it dies, reading our end gives EOF
        with self._lock:
            self._workers[number] = _Worker(number, process, inbox, results)

    def _await_workers(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not all(w.ready for w in self._workers.values()):
            if self._stop.is_set():
                raise MetronError(self._start_error or "stopped while the workers started")
            if time.monotonic() > deadline:
                raise MetronError(f"the workers did not start within {timeout:.0f} s")
            for worker in self._workers.values():
                if not worker.ready and not worker.process.is_alive():
                    raise MetronError(
                        self._start_error or f"worker {worker.number} exited while starting"
                    )
            time.sleep(0.05)

    def _check_workers(self) -> None:
        """Replace dead workers and send their unfinished batches to the replacements."""
        for number, worker in list(self._workers.items()):
            if worker.process.is_alive() or self._stop.is_set():
                continue
            # Its queue may hold batches it never read: drop them (they are resent below)
            # rather than let the queue's feeder thread wait for a reader forever.
            worker.inbox.cancel_join_thread()
            worker.inbox.close()
            log.error(
                "worker %d died (exit code %s): restarting it", number, worker.process.exitcode
            )
            self.problems.append(f"worker {number} died (exit code {worker.process.exitcode})")
            self._start_worker(number)
            for flight in self._ledger.held_by(number):
                self._send(flight, number)

    def _send(self, flight: Flight, number: int) -> None:
        if not self._ledger.move(flight, number):
            return  # made durable meanwhile
        worker = self._workers[number]
        with self._lock:
            if not flight.processed:
                worker.outstanding.add(flight.batch.seq)
        worker.inbox.put(("batch", flight.batch))

    def _least_busy(self) -> int:
        with self._lock:
            return min(self._workers.values(), key=lambda w: len(w.outstanding)).number

    # ------------------------------------------------------------------ sources

    def _start_sources(self, sensor: str) -> None:
        from metron.runtime.sourceconfig import build_sources

        state = self.control.state(sensor)
        if state != ACTIVE:
            log.info("%s: %s, its sources are not started", sensor, state)
            return
        stop = threading.Event()
        try:
            sources = build_sources(
                sensor,
                self.tree.get(f"sources/{sensor}"),
                config_dir=self.config_dir,
                data_dir=self.data_dir,
                global_config=self.tree.get("global") or {},
                parser_config=self.tree.get(f"parsers/{sensor}"),
            )
        except MetronError as e:
            self.problems.append(f"{sensor}: sources not started: {e}")
            log.error("%s: sources not started: %s", sensor, e)
            return
        for source in sources:
            self._start_source(source, sensor, stop)

    def _start_source(self, source: Source, sensor: str | None, stop: threading.Event) -> None:
        index = len(self._runs)
        self._ledger.add_source(index)
        emit = self._emit_for(index)

        def run() -> None:
            try:
                source.run(emit, stop)
            except Exception as e:
                log.exception("%s failed", source.name)
                self.problems.append(f"{source.name} failed: {type(e).__name__}: {e}")

        thread = threading.Thread(target=run, name=source.name, daemon=True)
        self._runs.append(_SourceRun(source, thread, stop, sensor))
        thread.start()

    def _sensor_running(self, sensor: str) -> bool:
        return any(run.sensor == sensor and not run.stop.is_set() for run in self._runs)

    def _apply_control(self) -> None:
        """Start and stop sensors' sources as :attr:`control` says (see its module)."""
        if not self.control.changed():
            return
        for sensor in parser_sensors(self.tree):
            wanted = self.control.state(sensor) == ACTIVE
            if wanted and not self._sensor_running(sensor):
                log.info("%s: started", sensor)
                self._start_sources(sensor)
            elif not wanted and self._sensor_running(sensor):
                log.info("%s: stopped (%s)", sensor, self.control.state(sensor))
                self._stop_sources(sensor)

    def _stop_sources(self, sensor: str) -> None:
        for run in self._runs:
            if run.sensor == sensor and not run.stop.is_set():
                run.stop.set()
                run.thread.join(timeout=10)
                with contextlib.suppress(Exception):
                    run.source.close()

    def _emit_for(self, source: int) -> Emit:
        def emit(
            sensor: str,
            records: Sequence[bytes],
            ack: Ack,
            origins: Sequence[str] | None = None,
        ) -> None:
            if not records:  # nothing to store, but acked in its turn
                empty = Batch(self._ledger.next_seq(), sensor, [], None, 0.0)
                self._call_acks(self._ledger.record_empty(empty, source, ack))
                return
            while not self._ledger.take_slot(0.2):
                if self._sources_stop.is_set():
                    return  # never acked: read again on the next start
            if origins is not None and not isinstance(origins, Offsets):
                origins = list(origins)  # (Offsets cannot change: kept as they are)
            batch = Batch(self._ledger.next_seq(), sensor, list(records), origins, time.time())
            self.metrics.count(sensor, "source", in_=len(records), out=len(records))
            number = self._least_busy()
            self._send(self._ledger.record(batch, source, number, ack), number)

        return emit

    # ------------------------------------------------------------------ results

    def _results(self) -> None:
        """Read every worker's pipe until the platform stops and no worker is left."""
        while True:
            busy = self._read_results(0.5)
            workers = list(self._workers.values())
            if not busy and self._stop.is_set() and not any(w.process.is_alive() for w in workers):
                return

    def _drain_outbox(self) -> None:
        while self._read_results(0.1):
            pass

    def _read_results(self, timeout: float) -> bool:
        """Handle what the workers' pipes hold (waiting up to ``timeout``); whether any
        message came.  A pipe that ends or breaks (its worker died, perhaps half-way
        through a message) is dropped; the monitor replaces the worker."""
        with self._lock:
            pipes = {w.results: w for w in self._workers.values() if w.results is not None}
        if not pipes:
            time.sleep(timeout)
            return False
        got = False
        for ready in multiprocessing.connection.wait(list(pipes), timeout=timeout):
            worker = pipes[ready]
            try:
                message = channel.receive(worker.results)
            except (EOFError, OSError, pickle.UnpicklingError, ValueError):
                worker.results = None
                continue
            got = True
            self._handle(message)
        return got

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind, number = message[0], message[1]
        if kind == "processed":
            seq, delta, handovers = message[2], message[3], message[4]
            reader = self._reader
            if reader is not None:
                for handover in handovers:
                    reader.offer(handover)
            self.metrics.merge(delta)
            with self._lock:
                worker = self._workers.get(number)
                if worker is not None:
                    worker.outstanding.discard(seq)
                drained = not any(w.outstanding for w in self._workers.values())
                workers = list(self._workers.values())
            self._ledger.processed(seq)
            if drained:
                # every batch sent is processed (a burst has ended, or the sources are
                # slower than the workers): a worker whose lake buffer is large writes
                # it now instead of after IDLE (the checkpoints advance a second sooner)
                for each in workers:
                    each.inbox.put(("drained",))
        elif kind == "durable":
            self._call_acks(self._ledger.durable(message[2]))
        elif kind == "ready":
            self._workers[number].ready = True
        elif kind == "problem":
            log.error("worker %d: %s", number, message[2])
            self.problems.append(f"worker {number}: {message[2]}")
        elif kind == "fatal":
            log.error("worker %d: %s", number, message[2])
            self.problems.append(f"worker {number}: {message[2]}")
            if not self._workers[number].ready:
                self._start_error = message[2]

    def _call_acks(self, acks: list[Ack]) -> None:
        for ack in without_superseded(acks):
            try:
                ack()
            except Exception as e:  # a checkpoint that cannot be written: say so, go on
                log.error("ack failed: %s", e)
                self.problems.append(f"checkpoint not written: {e}")

    # ------------------------------------------------------------------ background

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _monitor(self) -> None:
        while not self._stop.wait(TICK):
            try:
                self._check_workers()
                self._watch_config()
                self._apply_control()
                self._write_status()
            except Exception as e:
                log.exception("monitor")
                self.problems.append(f"monitor: {type(e).__name__}: {e}")

    def _follow_store(self) -> None:
        """Keep the main process's search index caught up with what the workers write,
        and save a snapshot now and then (so a search from a new process starts fast)."""
        reader = self._reader
        saved_at, saved_docs = time.monotonic(), len(reader)
        while not self._stop.wait(READER_INTERVAL):
            try:
                reader.refresh(HANDOVER_PATIENCE)
                docs = len(reader)
                if (
                    docs - saved_docs >= SNAPSHOT_DOCS
                    and time.monotonic() - saved_at >= SNAPSHOT_INTERVAL
                ):
                    reader.save_index()
                    saved_at, saved_docs = time.monotonic(), docs
            except Exception as e:
                log.exception("reader")
                self.problems.append(f"search index: {type(e).__name__}: {e}")

    def _start_http(self) -> None:
        """The REST API, the console, HTTP ingest and /metrics, over this platform."""
        if self.http_address is None:
            return
        from metron.runtime.http import HttpServer
        from metron.runtime.metrics import prometheus_text
        from metron.runtime.sources.http import HttpIngestSource
        from metron.web.app import create_web_app
        from metron.web.auth import open_users
        from metron.web.context import WebContext
        from metron.web.server import first_admin, tls_files

        global_config = self.tree.get("global") or {}
        tls = tls_files(global_config, self.config_dir)
        users = open_users(self.data_dir)
        self.first_admin_password = first_admin(users, self.data_dir)
        ingest = HttpIngestSource(known=lambda sensor: sensor in parser_sensors(self.tree))
        self._start_source(ingest, None, self._sources_stop)
        context = WebContext(
            config_dir=self.config_dir,
            data_dir=self.data_dir,
            users=users,
            store=self._reader,
            status=self.status,
            metrics_text=lambda: prometheus_text(self.status()),
            ingest=ingest,
            embedded=True,
            secure_cookies=tls is not None,
        )
        host, port = self.http_address
        self._http = HttpServer(create_web_app(context), host=host, port=port, tls=tls)
        self._users = users
        self._http.start()
        self.http_port = self._http.port
        self.http_tls = tls is not None

    # ------------------------------------------------------------------ status

    def status(self) -> dict[str, Any]:
        """The metrics snapshot with the platform's own state."""
        for run in self._runs:
            stats = run.source.stats
            self.metrics.source_stats(
                run.source.name,
                {
                    "records": stats.records,
                    "bytes": stats.bytes,
                    "dropped": stats.dropped,
                    "errors": stats.errors,
                    "details": dict(stats.details),
                    "running": run.thread.is_alive(),
                },
            )
        snapshot = self.metrics.snapshot()
        in_flight = len(self._ledger)
        snapshot["platform"] = {
            "workers": len(self._workers),
            "in_flight_batches": in_flight,
            "config_dir": str(self.config_dir),
            "data_dir": str(self.data_dir),
            "config_error": self._config.error if self._config is not None else None,
            "problems": list(self.problems),
            "http_port": self.http_port,
            "sensors": {
                sensor: {
                    "state": self.control.state(sensor),
                    "running": self._sensor_running(sensor),
                }
                for sensor in parser_sensors(self.tree)
            },
        }
        return snapshot

    def _write_status(self, stopped: bool = False) -> None:
        self.metrics.tick()
        snapshot = self.status()
        snapshot["platform"]["stopped"] = stopped
        try:
            write_status(status_path(self.data_dir), snapshot, os.getpid())
        except OSError as e:
            log.warning("status not written: %s", e)


#: fcntl's F_SETPIPE_SZ (Linux)
_SET_PIPE_SIZE = 1031
#: A worker's results pipe holds this much (a batch's handover is a few MB: it goes in a
#: few large writes, and the worker's sender waits less for the main process to read).
PIPE_SIZE = 1 << 20


def _widen(connection: Any) -> None:
    """Give a pipe :data:`PIPE_SIZE` of buffer where the system allows (else keep its own)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fcntl.fcntl(connection.fileno(), _SET_PIPE_SIZE, PIPE_SIZE)


def _source_view(tree: dict[str, Any], sensor: str) -> str:
    """What a sensor's sources are built from, to tell whether they must restart."""
    parser = tree.get(f"parsers/{sensor}") or {}
    return canonical(
        {
            "sources": tree.get(f"sources/{sensor}"),
            "topic": parser.get("sensorTopic") if isinstance(parser, dict) else None,
            "kafka": (tree.get("global") or {}).get("kafka.brokers"),
        }
    )
