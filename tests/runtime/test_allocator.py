"""tune_allocator: glibc's malloc keeps freed memory for reuse (set once, harmlessly
again), and does nothing where it cannot."""

from __future__ import annotations

import subprocess
import sys

import pytest

from metron.runtime import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_parameters_are_set_once_per_process() -> None:
    code = "from metron.runtime.allocator import tune_allocator as t;print(t(), t())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_elsewhere_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_done", False)
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.tune_allocator() is False
