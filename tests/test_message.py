"""Metron's message helpers: guids and error messages."""

from __future__ import annotations

import hashlib
import uuid

from metron.message import ErrorRecord, new_guid


def test_guids_are_random_uuid4() -> None:
    guids = {new_guid() for _ in range(1000)}
    assert len(guids) == 1000
    for guid in list(guids)[:50]:
        parsed = uuid.UUID(guid)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == guid


def test_error_message_fields() -> None:
    error = ErrorRecord("parser_error", ["squid"], [b"raw line"], exception=ValueError("bad"))
    message = error.to_message()
    assert message["source.type"] == "error"
    assert message["failed_sensor_type"] == "squid"
    assert message["raw_message"] == "raw line"
    assert message["message"] == "bad"
    assert message["error_hash"] == hashlib.sha256(b"raw line").hexdigest()
    assert "ValueError" in message["exception"] and "stack" in message


def test_invalid_message_hash_covers_the_failed_fields() -> None:
    parsed = {"ip_src_addr": "not-an-ip", "timestamp": 1}
    error = ErrorRecord("parser_invalid", ["a", "b"], [parsed], error_fields=["ip_src_addr"])
    message = error.to_message()
    assert message["failed_sensor_type"] == ["a", "b"]
    assert message["error_fields"] == "ip_src_addr"
    assert message["error_hash"] == hashlib.sha256(b"ip_src_addr-not-an-ip").hexdigest()


def test_a_forked_child_draws_its_own_guids() -> None:
    import os

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.write(write, new_guid().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    assert child != new_guid()
    assert uuid.UUID(child).version == 4


def test_origin_guids_take_a_path_python_decoded_with_surrogateescape() -> None:
    from itertools import islice

    from metron.message import origin_guids

    # a file name that is not UTF-8 (b"\xff") holds a lone surrogate once decoded
    odd = b"/var/log/\xff.log".decode("utf-8", "surrogateescape")
    first, second = islice(origin_guids("bro", f"{odd}:0"), 2)
    assert first != second and uuid.UUID(first).version == 5
    assert next(origin_guids("bro", "/var/log/a.log:0")) != first


def test_origin_guids_stay_what_earlier_versions_gave() -> None:
    from itertools import islice

    from metron.message import OriginGuids, origin_guids

    # a replay after an upgrade must replace what it wrote: these values are fixed
    expected = ["671878af-468e-531c-b8fe-2cbfb4f56208", "27ae1249-3373-5c3f-848b-927a7d1863d7"]
    assert list(islice(origin_guids("bro", "/var/log/bro/conn.log:1024"), 2)) == expected
    assert next(origin_guids("error", "5c5b3a4e-0000-4000-8000-000000000000")) == (
        "dd18ee0b-1cdd-50f4-950f-1aa346c9c88d"
    )
    # one supply for a batch: each record starts over from its own origin
    supply = OriginGuids("bro")
    assert next(supply.at("/var/log/bro/conn.log:0")) != expected[0]
    assert list(islice(supply.at("/var/log/bro/conn.log:1024"), 2)) == expected
    assert next(iter(supply.at("/var/log/bro/conn.log:1024"))) == expected[0]


def test_dumps_kept_is_dumps_in_a_bytes_of_its_own() -> None:
    from metron.message import dumps, dumps_kept
    from metron.stellar.types import Long

    message = {"a": Long(7), "b": [1.5, "x"], "c": {"d": None}, "e": "é" * 700}
    kept = dumps_kept(message)
    assert kept == dumps(message) and type(kept) is bytes
