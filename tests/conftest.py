"""Test-wide settings (hypothesis runs a fixed set of examples, so a run is repeatable) and
fixtures every test directory shares."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Derandomized: the same examples on every run and machine, so CI cannot pass or fail by
# luck; explore new inputs locally with HYPOTHESIS_PROFILE=explore.
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def _own_directories(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reads or writes the config and data directories of the person running it:
    the defaults point at fresh, empty places (a test may set its own)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("METRON_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("METRON_DATA_DIR", str(home / "data"))


@pytest.fixture
def run_metron(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the ``metron`` command as a user does, in a fresh process: ``run_metron(*args,
    cwd=..., stdin=..., env=...)``.  The config and data directories default to
    ``<cwd>/config`` and ``<cwd>/data`` (``cwd`` defaults to the test's ``tmp_path``);
    ``env`` adds to or overrides that environment."""

    def run(
        *args: str,
        cwd: Path | None = None,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        where = tmp_path if cwd is None else cwd
        environment = {
            "METRON_CONFIG_DIR": str(where / "config"),
            "METRON_DATA_DIR": str(where / "data"),
            "PATH": "/usr/bin:/bin",
            **(env or {}),
        }
        return subprocess.run(
            [sys.executable, "-m", "metron.cli.main", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=where,
            env=environment,
            timeout=timeout,
        )

    return run


# ----------------------------------------------------------------------- TAXII server

#: Collections of the test TAXII server (medallion): ids and titles.
TAXII_INDICATORS = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
TAXII_OTHER = "52892447-4d7e-4f70-b94d-d7f22742ff63"
TAXII_PRIVATE = "64993447-4d7e-4f70-b94d-d7f22742ff63"
TAXII_LIVE = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"
#: The test server's basic-auth user and password.
TAXII_USER, TAXII_PASSWORD = "analyst", "s3cret-pw"
#: Objects per page the test server sends at most.
TAXII_PAGE_SIZE = 5


def _indicator(n: int, pattern: str, **extra: object) -> dict[str, object]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2025-12-01T00:00:00.000Z",
        "modified": "2025-12-01T00:00:00.000Z",
        "name": f"indicator {n}",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2025-12-01T00:00:00Z",
        **extra,
    }


def taxii_objects() -> list[tuple[str, dict[str, object]]]:
    """(date_added, object) of the test server's main collection, oldest first."""
    versioned = {"created": "2025-12-01T00:00:00.000Z"}
    return [
        ("2026-01-01T00:00:00.000000Z", _indicator(1, "[ipv4-addr:value = '198.51.100.7']")),
        ("2026-01-02T00:00:00.000000Z", _indicator(2, "[ipv6-addr:value = '2001:db8::/32']")),
        ("2026-01-03T00:00:00.000000Z", _indicator(3, "[domain-name:value = 'Evil.Example.']")),
        ("2026-01-04T00:00:00.000000Z", _indicator(4, "[url:value = 'http://evil.example/x']")),
        ("2026-01-05T00:00:00.000000Z", _indicator(5, "[email-addr:value = 'bad@evil.example']")),
        (
            "2026-01-06T00:00:00.000000Z",
            _indicator(
                6,
                "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E'] OR [file:hashes."
                "'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
            ),
        ),
        (
            "2026-01-07T00:00:00.000000Z",
            _indicator(7, "[ipv4-addr:value = '203.0.113.9']", valid_until="2025-12-31T00:00:00Z"),
        ),
        (
            "2026-01-08T00:00:00.000000Z",
            _indicator(8, "[domain-name:value = 'revoked.example']", revoked=True),
        ),
        (
            "2026-01-09T00:00:00.000000Z",
            _indicator(9, 'alert tcp any any -> any 80 (msg:"x";)', pattern_type="snort"),
        ),
        (
            "2026-01-10T00:00:00.000000Z",
            _indicator(10, "[domain-name:value = 'old.example']", **versioned),
        ),
        (
            "2026-01-11T00:00:00.000000Z",
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": "identity--00000000-0000-4000-8000-000000000011",
                "created": "2025-12-01T00:00:00.000Z",
                "modified": "2025-12-01T00:00:00.000Z",
                "name": "a feed",
            },
        ),
        (
            "2026-02-01T00:00:00.000000Z",
            _indicator(
                10,
                "[domain-name:value = 'new.example']",
                modified="2026-02-01T00:00:00.000Z",
                **versioned,
            ),
        ),
        ("2026-02-02T00:00:00.000000Z", _indicator(12, "[ipv4-addr:value = ")),
    ]


def _taxii_collection(
    id_: str, title: str, objects: list[tuple[str, dict[str, object]]], **flags: bool
) -> dict[str, object]:
    return {
        "id": id_,
        "title": title,
        "can_read": flags.get("can_read", True),
        "can_write": flags.get("can_write", False),
        "media_types": ["application/stix+json;version=2.1"],
        "objects": [obj for _, obj in objects],
        "manifest": [
            {
                "id": obj["id"],
                "date_added": added,
                "version": obj["modified"],
                "media_type": "application/stix+json;version=2.1",
            }
            for added, obj in objects
        ],
    }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def taxii_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real TAXII 2.1 server (medallion, memory backend) on a free localhost port, one
    per test worker.  Its API root ``api1`` holds the collections above (main: the objects
    of :func:`taxii_objects`); basic auth; pages of TAXII_PAGE_SIZE objects.  Yields
    ``url`` (``http://127.0.0.1:<port>/``), ``user``, ``password`` and the collection ids
    ``indicators``, ``other``, ``private`` and ``live`` (writable)."""
    import json
    import time
    import urllib.error
    import urllib.request

    where = tmp_path_factory.mktemp("taxii")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    other = [("2026-01-01T00:00:00.000000Z", _indicator(21, "[ipv4-addr:value = '192.0.2.1']"))]
    live = [("2026-01-01T00:00:00.000000Z", _indicator(31, "[ipv4-addr:value = '192.0.2.31']"))]
    data = {
        "/discovery": {
            "title": "metron test TAXII server",
            "default": f"{base}api1/",
            "api_roots": [f"{base}api1/"],
        },
        "api1": {
            "information": {
                "title": "API root one",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10_000_000,
            },
            "status": [],
            "collections": [
                _taxii_collection(TAXII_INDICATORS, "Indicators", taxii_objects()),
                _taxii_collection(TAXII_OTHER, "Other feed", other),
                _taxii_collection(TAXII_PRIVATE, "Private", [], can_read=False),
                _taxii_collection(TAXII_LIVE, "Live", live, can_write=True),
            ],
        },
    }
    (where / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(where / "data.json"),
        },
        "users": {TAXII_USER: TAXII_PASSWORD},
        "taxii": {"max_page_size": TAXII_PAGE_SIZE},
    }
    (where / "config.json").write_text(json.dumps(config))
    command = [sys.executable, "-m", "medallion.scripts.run", "--host", "127.0.0.1"]
    command += ["--port", str(port), str(where / "config.json")]
    with (where / "server.log").open("w") as log_file:
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{base}taxii2/", timeout=1)
            except urllib.error.HTTPError:
                break  # 401 or 406: it answers
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = (where / "server.log").read_text()
                    raise RuntimeError(f"medallion did not start:\n{log}") from None
                time.sleep(0.05)
            else:
                break
        yield {
            "url": base,
            "user": TAXII_USER,
            "password": TAXII_PASSWORD,
            "indicators": TAXII_INDICATORS,
            "other": TAXII_OTHER,
            "private": TAXII_PRIVATE,
            "live": TAXII_LIVE,
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


# ----------------------------------------------------------------------- Kafka broker

REPO_ROOT = Path(__file__).resolve().parent.parent
KAFKA_SCRIPT = REPO_ROOT / "scripts" / "kafka-broker.sh"


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a real Apache Kafka broker (KRaft, one node).  CI starts one broker
    for the whole run and sets ``$METRON_KAFKA_BOOTSTRAP``: then every test worker uses it
    and starts nothing.  Without it, scripts/kafka-broker.sh starts a broker for this
    worker's session (ports from 19092, one pair of ports per xdist worker) and stops it at
    the end; its jars are cached in .cache/kafka/.  Tests name their own topics and groups
    (unique per test), so they can share one broker."""
    import os

    shared = os.environ.get("METRON_KAFKA_BOOTSTRAP", "").strip()
    if shared:
        yield shared
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) if worker.isdigit() else 0
    state = tmp_path_factory.mktemp("kafka") / "broker.state"
    env = {**os.environ, "METRON_KAFKA_PORT": str(19092 + 20 * index)}
    env.setdefault("PYTHON", sys.executable)
    command = [str(KAFKA_SCRIPT), "start", "--state", str(state)]
    command += ["--watch-pid", str(os.getpid())]
    try:
        started = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=600, check=False
        )
        lines = [ln for ln in started.stdout.splitlines() if ln.startswith("KAFKA_BOOTSTRAP=")]
        if started.returncode != 0 or not lines:
            raise RuntimeError(
                f"scripts/kafka-broker.sh start failed ({started.returncode}):\n"
                f"{started.stdout}{started.stderr}"
            )
        yield lines[-1].partition("=")[2]
    finally:
        subprocess.run(
            [str(KAFKA_SCRIPT), "stop", "--state", str(state)],
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
