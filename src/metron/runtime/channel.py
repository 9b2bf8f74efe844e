"""A worker's messages to the main process, over the worker's pipe, with their large
buffers out of band.

A batch's message carries what the worker wrote to the alert store, as Arrow data (a few
MB, see :class:`~metron.search.documents.Handover`).  Pickled the usual way, that data was
copied four times on its way into the main process: into the pickle, out of the pipe in
pieces, into one buffer, and out of the pickle again.  Here the pickle (protocol 5) leaves
such buffers out; they follow it as frames of their own, and the reader reads each
straight into the memory it keeps, so the main process copies them once.

A message is one frame holding ``!I`` (the number of buffers) and the pickle, then one
frame a buffer; a frame is what :meth:`multiprocessing.connection.Connection.send_bytes`
writes (its length, then its bytes).
"""

from __future__ import annotations

import os
import pickle
import struct
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["receive", "send"]

_COUNT = struct.Struct("!I")
_SHORT = struct.Struct("!i")
_LONG = struct.Struct("!Q")


def send(connection: Connection, message: Any) -> None:
    """Send ``message`` (picklable) to :func:`receive` at the other end."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    connection.send_bytes(_COUNT.pack(len(raws)) + data)
    for raw in raws:
        connection.send_bytes(raw)


def receive(connection: Connection) -> Any:
    """The next message :func:`send` sent.  Raises EOFError (or OSError) when the pipe
    ends or breaks, half-way through a message included, and ``pickle.UnpicklingError``
    or ``ValueError`` for a message that is not one."""
    descriptor = connection.fileno()
    first = _frame(descriptor)
    if len(first) < _COUNT.size:
        raise ValueError("a message too short to be one")
    (count,) = _COUNT.unpack_from(first)
    buffers = [_frame(descriptor) for _ in range(count)]
    return pickle.loads(memoryview(first)[_COUNT.size :], buffers=buffers)


def _frame(descriptor: int) -> bytearray:
    """One frame's bytes, read into memory of its size."""
    head = bytearray(_SHORT.size)
    _read_into(descriptor, memoryview(head))
    (size,) = _SHORT.unpack(head)
    if size == -1:  # (a frame of 2 GB or more: its length follows in 8 bytes)
        head = bytearray(_LONG.size)
        _read_into(descriptor, memoryview(head))
        (size,) = _LONG.unpack(head)
    elif size < 0:
        raise ValueError(f"a frame of length {size}")
    data = bytearray(size)
    _read_into(descriptor, memoryview(data))
    return data


def _read_into(descriptor: int, view: memoryview) -> None:
    while len(view):
        got = os.readv(descriptor, [view])
        if got == 0:
            raise EOFError("the pipe ended")
        view = view[got:]
