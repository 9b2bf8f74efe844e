"""A worker's messages to the main process go in order from a thread of their own, and
closing sends what is queued."""

from __future__ import annotations

import multiprocessing

from metron.runtime.channel import receive
from metron.runtime.worker import _Sender


def test_messages_go_in_order_and_close_sends_the_rest() -> None:
    results, outbox = multiprocessing.Pipe(duplex=False)
    sender = _Sender(outbox)
    # megabytes, more than the pipe holds: the sender waits for the reader, not the caller
    big = [bytes([n % 256]) * 1000 for n in range(3000)]
    sender.send(("processed", 0, 1, None, big))
    sender.send(("durable", 0, [1]))
    assert receive(results) == ("processed", 0, 1, None, big)
    sender.send(("durable", 0, [2]))
    sender.close()
    assert receive(results) == ("durable", 0, [1])
    assert receive(results) == ("durable", 0, [2])
    assert not results.poll(0.1)


def test_a_main_process_gone_ends_the_sender() -> None:
    results, outbox = multiprocessing.Pipe(duplex=False)
    results.close()
    sender = _Sender(outbox)
    sender.send(("processed", 0, 1, None, []))
    sender.close()  # returns: the broken pipe ended the thread


def test_a_message_that_cannot_be_sent_makes_the_next_send_fail() -> None:
    import threading

    import pytest

    from metron.errors import MetronError

    results, outbox = multiprocessing.Pipe(duplex=False)
    sender = _Sender(outbox)
    sender.send(("processed", 0, 1, threading.Lock(), []))  # a lock cannot be pickled
    sender._thread.join(5)
    with pytest.raises(MetronError, match="failed"):
        sender.send(("durable", 0, [1]))
    sender.close()
    assert not results.poll(0.1)


def test_the_pipes_to_and_from_a_worker_hold_a_megabyte() -> None:
    import fcntl
    import sys

    import pytest

    from metron.runtime.pipeline import PIPE_SIZE, _widen

    if not sys.platform.startswith("linux"):
        pytest.skip("pipe sizes are a Linux setting")
    inbox = multiprocessing.get_context("spawn").Queue()
    results, _outbox = multiprocessing.Pipe(duplex=False)
    for connection in (inbox._writer, results):  # type: ignore[attr-defined]
        _widen(connection)
        assert fcntl.fcntl(connection.fileno(), 1032) == PIPE_SIZE  # F_GETPIPE_SZ
    _widen(None)  # a queue without the pipe it is expected to have: left as it is
    inbox.close()
