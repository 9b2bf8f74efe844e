"""The C allocator tuned for the pipeline's allocation pattern.

A batch allocates many medium objects (a message's JSON text is ~700 bytes, beyond
Python's own small-object allocator, so it comes from ``malloc``) and frees them all a
moment later.  glibc's defaults give freed memory at the top of the heap back to the
system past 128 KiB and serve blocks past 128 KiB with fresh ``mmap`` calls, so every
batch touched new pages again: measured, a page fault per few objects, which more than
tripled the cost of serialising a message (1.4 -> 5.2 µs).  Keeping up to
:data:`TRIM_THRESHOLD` of freed memory for reuse costs that much resident memory at most,
once, and removes the faults.  Elsewhere (not glibc) nothing is changed.

Arrow's buffers (the JSON reader's tables, Parquet writes) come from the same tuned
``malloc`` (Arrow's ``system`` pool) instead of its bundled mimalloc, which gives freed
pages back to the system within milliseconds: measured in the pipeline with two workers,
kernel time 14% -> 10% of the CPU and 5-10% more events per CPU-second.  An explicit
``ARROW_DEFAULT_MEMORY_POOL`` in the environment is kept.

Python's cyclic garbage collector is tuned for the same pattern (:func:`tune_collector`).
By default it scans the young objects every 700 new containers; a batch's messages live
longer than that, so each one was scanned, promoted and scanned again before reference
counting freed it with its batch: measured, 2-4 µs an event in a pipeline worker.  A
collection now runs after :data:`GC_THRESHOLD` new containers (reference cycles are still
collected), and :func:`settle` moves what a process built at its start (config, parsers,
lookup caches) out of every later scan.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys

__all__ = ["GC_THRESHOLD", "TRIM_THRESHOLD", "settle", "tune_allocator", "tune_collector"]

#: mallopt(3) parameters
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

#: Freed memory kept for reuse before the heap's top is returned to the system.
TRIM_THRESHOLD = 64 << 20
#: Extra memory asked for whenever the heap grows (fewer, larger steps).
TOP_PAD = 16 << 20
#: Blocks served by their own mmap from this size (glibc's highest allowed value).
MMAP_THRESHOLD = 32 << 20

#: New container objects between two collections of the youngest generation (Python: 700).
GC_THRESHOLD = 50_000

#: The environment variable that chooses Arrow's memory pool.
ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"

_done = False


def tune_allocator() -> bool:
    """Set glibc's malloc parameters as the module docstring explains (once per process);
    whether they were set."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018  (glibc only: musl has no such parameters)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _done = all(
        mallopt(parameter, value) == 1
        for parameter, value in (
            (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            (_M_TOP_PAD, TOP_PAD),
        )
    )
    if _done and ARROW_POOL_VARIABLE not in os.environ:
        # read by Arrow when it first allocates (and by the processes this one starts)
        os.environ[ARROW_POOL_VARIABLE] = "system"
        if "pyarrow" in sys.modules:  # too late for the variable in this process
            import pyarrow as pa

            pa.set_memory_pool(pa.system_memory_pool())
    return _done


def tune_collector() -> None:
    """Collect the youngest generation after :data:`GC_THRESHOLD` new containers (a
    higher threshold already set is kept); see the module docstring."""
    first, *older = gc.get_threshold()
    if first < GC_THRESHOLD:
        gc.set_threshold(GC_THRESHOLD, *older)


def settle() -> None:
    """Collect once, then leave every object alive now out of later collections (what a
    process built at its start lives as long as the process, or until rebuilt)."""
    gc.collect()
    gc.freeze()
