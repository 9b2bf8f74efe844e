"""tune_allocator: glibc's malloc keeps freed memory for reuse (set once, harmlessly
again), and does nothing where it cannot."""

from __future__ import annotations

import subprocess
import sys

import pytest

from metron.runtime import allocator


def _python(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter (the settings are per process)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_parameters_are_set_once_per_process() -> None:
    code = "from metron.runtime.allocator import tune_allocator as t;print(t(), t())"
    assert _python(code).split() == ["True", "True"]


def test_elsewhere_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_done", False)
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.tune_allocator() is False


def test_the_collector_runs_less_often_and_a_higher_threshold_is_kept() -> None:
    code = (
        "import gc\n"
        "from metron.runtime.allocator import GC_THRESHOLD, tune_collector\n"
        "tune_collector(); print(gc.get_threshold()[0] == GC_THRESHOLD, gc.get_threshold()[1:])\n"
        "gc.set_threshold(10 * GC_THRESHOLD); tune_collector()\n"
        "print(gc.get_threshold()[0] == 10 * GC_THRESHOLD)\n"
    )
    assert _python(code).splitlines() == ["True (10, 10)", "True"]


def test_settle_freezes_what_lives_and_collects_the_rest() -> None:
    code = (
        "import gc, weakref\n"
        "from metron.runtime.allocator import settle\n"
        "class Node: pass\n"
        "kept = Node(); cycle = Node(); cycle.me = cycle; gone = weakref.ref(cycle); del cycle\n"
        "settle(); print(gc.get_freeze_count() > 0, gone() is None)\n"
    )
    assert _python(code).split() == ["True", "True"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_arrow_allocates_with_the_tuned_malloc_unless_told_otherwise() -> None:
    before = (
        "from metron.runtime.allocator import tune_allocator; tune_allocator()\n"
        "import pyarrow as pa; print(pa.default_memory_pool().backend_name)\n"
    )
    after = (
        "import pyarrow as pa\n"
        "from metron.runtime.allocator import tune_allocator; tune_allocator()\n"
        "print(pa.default_memory_pool().backend_name)\n"
    )
    assert _python(before).split() == ["system"]
    assert _python(after).split() == ["system"]  # pyarrow imported first: set directly
    chosen = f"import os; os.environ['{allocator.ARROW_POOL_VARIABLE}'] = 'mimalloc'\n" + before
    assert _python(chosen).split() == ["mimalloc"]  # the operator's choice stands
