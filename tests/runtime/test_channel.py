"""A worker's messages reach the main process whole, their Arrow data out of band, and a
pipe that ends or holds garbage says so rather than hand over half a message."""

from __future__ import annotations

import multiprocessing
import pickle
import threading

import orjson
import pytest

from metron.arrowjson import read_lines
from metron.runtime.channel import receive, send
from metron.search.documents import Handover


def _handover(rows: int) -> Handover:
    texts = [orjson.dumps({"guid": f"g{n}", "note": f"n{n % 3}", "n": n}) for n in range(rows)]
    return Handover(1, "bro", None, list(range(rows)), read_lines(texts))


def test_messages_arrive_whole_with_their_tables_out_of_band() -> None:
    results, outbox = multiprocessing.Pipe(duplex=False)
    handover = _handover(20_000)  # megabytes: more than the pipe holds
    buffers: list[pickle.PickleBuffer] = []
    pickle.dumps(handover, protocol=5, buffer_callback=buffers.append)
    assert buffers  # (the table does go out of band)
    messages = [("ready", 0), ("processed", 0, 7, None, [handover, _handover(3)]), ("x", b"")]
    writer = threading.Thread(target=lambda: [send(outbox, m) for m in messages])
    writer.start()
    got = [receive(results) for _ in messages]
    writer.join()
    assert got[0] == ("ready", 0) and got[2] == ("x", b"")
    kind, _, seq, _, (big, small) = got[1]
    assert (kind, seq, big.first, big.keys) == ("processed", 7, 1, handover.keys)
    assert big.table is not None and handover.table is not None
    assert big.table.cast(handover.table.schema).equals(handover.table)
    assert small.table is not None and small.table.num_rows == 3


def test_a_pipe_that_ends_half_way_through_a_message_is_an_end() -> None:
    results, outbox = multiprocessing.Pipe(duplex=False)
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(_handover(100), protocol=5, buffer_callback=buffers.append)
    outbox.send_bytes(len(buffers).to_bytes(4, "big") + data)  # and not its buffer
    outbox.close()
    with pytest.raises(EOFError):
        receive(results)


@pytest.mark.parametrize("frame", [b"", b"\x00\x00\x00\x00not a pickle", b"\x00\x00"])
def test_a_frame_that_is_not_a_message_is_an_error(frame: bytes) -> None:
    results, outbox = multiprocessing.Pipe(duplex=False)
    outbox.send_bytes(frame)
    with pytest.raises((ValueError, pickle.UnpicklingError)):
        receive(results)
