"""The C allocator tuned for the pipeline's allocation pattern.

A batch allocates many medium objects (a message's JSON text is ~700 bytes, beyond
Python's own small-object allocator, so it comes from ``malloc``) and frees them all a
moment later.  glibc's defaults give freed memory at the top of the heap back to the
system past 128 KiB and serve blocks past 128 KiB with fresh ``mmap`` calls, so every
batch touched new pages again: measured, a page fault per few objects, which more than
tripled the cost of serialising a message (1.4 -> 5.2 µs).  Keeping up to
:data:`TRIM_THRESHOLD` of freed memory for reuse costs that much resident memory at most,
once, and removes the faults.  Elsewhere (not glibc) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["TRIM_THRESHOLD", "tune_allocator"]

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
    return _done
