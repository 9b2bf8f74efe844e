"""Test-wide settings (hypothesis runs a fixed set of examples, so a run is repeatable) and
fixtures every test directory shares."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
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
