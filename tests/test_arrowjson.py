"""metron.arrowjson: JSON lines into Arrow columns, on Arrow's threads or serially."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from metron import arrowjson


@pytest.fixture
def serial() -> Iterator[None]:
    arrowjson.set_threads(False)
    yield
    arrowjson.set_threads(True)


def _lines(count: int) -> list[bytes]:
    return [
        orjson.dumps({"n": i, "ip": f"10.0.{i % 256}.{i % 7}", "day": "2024-01-02", "f": i / 4})
        for i in range(count)
    ]


def test_serial_and_threaded_reads_give_the_same_table(serial: None) -> None:
    lines = _lines(20_000)  # several of Arrow's blocks
    alone = arrowjson.read_lines(lines)
    arrowjson.set_threads(True)
    threaded = arrowjson.read_lines(lines)
    assert alone is not None and threaded is not None
    assert alone.equals(threaded)
    assert alone.column("day").type == "string"  # a date-like string stays a string
    assert alone.column("n").to_pylist()[:3] == [0, 1, 2]


def test_a_batch_arrow_cannot_type_is_none_serially_too(serial: None) -> None:
    assert arrowjson.read_lines([b'{"a": 1}', b'{"a": "x"}']) is None
    assert arrowjson.read_lines([b'{"a": 1}', b"[1]"]) is None


def test_one_array_takes_a_single_chunk_as_it_is() -> None:
    import pyarrow as pa

    chunk = pa.array(["a", "bb", None, "ccc"]).slice(1)
    single = arrowjson.one_array(pa.chunked_array([chunk]))
    assert single.buffers()[2].address == chunk.buffers()[2].address  # no copy
    assert single.to_pylist() == ["bb", None, "ccc"]
    several = arrowjson.one_array(pa.chunked_array([chunk, pa.array(["d"])]))
    assert several.to_pylist() == ["bb", None, "ccc", "d"]
