"""LakeWriter: partitions by sensor and UTC day, zstd files renamed into place, a schema
that grows by batch, and the type rule for mixed values, lists and objects."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.arrowjson import read_lines
from metron.errors import MetronError
from metron.lake.writer import LakeWriter, check_sensor

# 2026-03-01T23:59:59.999Z and one millisecond later
LATE = int(datetime(2026, 3, 1, 23, 59, 59, 999000, tzinfo=UTC).timestamp() * 1000)
NEXT = LATE + 1


def files(root: Path) -> list[Path]:
    return sorted(root.glob("sensor=*/dt=*/*.parquet"))


def read(path: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = pq.read_table(path).to_pylist()
    return rows


def test_partitions_by_sensor_and_utc_day(tmp_path: Path) -> None:
    with LakeWriter(tmp_path) as writer:
        writer.write("bro", [{"timestamp": LATE, "n": 1}, {"timestamp": NEXT, "n": 2}])
        writer.write("snort", [{"timestamp": NEXT, "n": 3}])
    layout = {p.parent.relative_to(tmp_path).as_posix(): read(p) for p in files(tmp_path)}
    assert layout == {
        "sensor=bro/dt=2026-03-01": [{"timestamp": LATE, "n": 1}],
        "sensor=bro/dt=2026-03-02": [{"timestamp": NEXT, "n": 2}],
        "sensor=snort/dt=2026-03-02": [{"timestamp": NEXT, "n": 3}],
    }
    assert writer.rows_written == 3


@pytest.mark.parametrize(
    "order",
    [[LATE, LATE, NEXT, NEXT], [NEXT, LATE, NEXT, LATE], [LATE, NEXT, LATE - 86_400_000, NEXT]],
)
def test_each_day_gets_its_rows_in_the_order_they_came(tmp_path: Path, order: list[int]) -> None:
    with LakeWriter(tmp_path) as writer:
        writer.write("bro", [{"timestamp": t, "n": n} for n, t in enumerate(order)])
    got = {p.parent.name: read(p) for p in files(tmp_path)}
    expected: dict[str, list[dict[str, object]]] = {}
    for n, t in enumerate(order):
        day = datetime.fromtimestamp(t / 1000, UTC).date().isoformat()
        expected.setdefault(f"dt={day}", []).append({"timestamp": t, "n": n})
    assert got == expected


def test_a_message_without_a_usable_timestamp_goes_to_the_day_it_is_written(
    tmp_path: Path,
) -> None:
    today = datetime.now(UTC).date().isoformat()
    with LakeWriter(tmp_path) as writer:
        writer.write("bro", [{"a": 1}, {"timestamp": None, "a": 2}, {"timestamp": 10**20, "a": 3}])
        writer.write("yaf", [{"timestamp": "soon"}, {"timestamp": float("nan")}])
    days = {p.parent.name for p in files(tmp_path)}
    assert days == {f"dt={today}"}


def test_files_are_zstd_with_unique_names_and_no_partial_files_remain(tmp_path: Path) -> None:
    with LakeWriter(tmp_path, batch_size=2) as writer:
        writer.write("bro", ({"timestamp": LATE, "i": i} for i in range(5)))
        assert len(files(tmp_path)) == 2  # two full batches written on the way
    written = files(tmp_path)
    assert len(written) == 3 and len({p.name for p in written}) == 3
    assert all(p.name.startswith("part-") and p.suffix == ".parquet" for p in written)
    for path in written:
        column = pq.ParquetFile(path).metadata.row_group(0).column(0)
        assert column.compression == "ZSTD"
    assert list((tmp_path / ".tmp").iterdir()) == []
    assert sorted(r["i"] for p in written for r in read(p)) == [0, 1, 2, 3, 4]


def test_the_schema_grows_by_batch(tmp_path: Path) -> None:
    with LakeWriter(tmp_path) as writer:
        writer.write("bro", [{"timestamp": LATE, "ip_src_addr": "10.0.0.1"}])
        writer.flush()
        writer.write("bro", [{"timestamp": LATE, "ip_src_addr": "10.0.0.2", "new.field": 7}])
    first, second = (pq.read_schema(p).names for p in files(tmp_path))
    assert sorted([first, second], key=len) == [
        ["timestamp", "ip_src_addr"],
        ["timestamp", "ip_src_addr", "new.field"],
    ]


def test_column_types_follow_the_documented_rule(tmp_path: Path) -> None:
    messages = [
        {"s": "a", "i": 1, "f": 1.5, "b": True, "num": 1, "mixed": 80},
        {"s": "b", "i": 2, "f": 2.0, "b": False, "num": 2.5, "mixed": "http", "none": None},
        {"list": [1, "x"], "obj": {"k": [1]}, "flag": True, "big": 2**70},
        {"list": ["y"], "flag": 1, "big": 1},
    ]
    with LakeWriter(tmp_path) as writer:
        writer.write("bro", ({"timestamp": LATE, **m} for m in messages))
    table = pq.read_table(files(tmp_path)[0])
    types = {f.name: f.type for f in table.schema}
    assert types == {
        "timestamp": pa.int64(),
        "s": pa.string(),
        "i": pa.int64(),
        "f": pa.float64(),
        "b": pa.bool_(),
        "num": pa.float64(),
        "mixed": pa.string(),
        "list": pa.string(),
        "obj": pa.string(),
        "flag": pa.string(),
        "big": pa.string(),
    }  # "none", null throughout, is left out
    columns = table.to_pydict()
    assert columns["mixed"][:2] == ["80", "http"]
    assert columns["list"][2:] == ['[1,"x"]', '["y"]']
    assert columns["obj"][2] == '{"k":[1]}'
    assert columns["flag"][2:] == ["true", "1"]
    assert columns["big"][2:] == [str(2**70), "1"]


def test_lists_and_objects_are_json_text_even_when_uniform(tmp_path: Path) -> None:
    with LakeWriter(tmp_path) as writer:
        writer.write("bro", [{"timestamp": LATE, "tags": ["a", "b"], "geo": {"city": "Oslo"}}])
    assert read(files(tmp_path)[0]) == [
        {"timestamp": LATE, "tags": '["a","b"]', "geo": '{"city":"Oslo"}'}
    ]


def test_dotted_field_names_are_kept(tmp_path: Path) -> None:
    field = "enrichments.geo.ip_dst_addr.city"
    with LakeWriter(tmp_path) as writer:
        writer.write("bro", [{"timestamp": LATE, field: "Berlin"}])
    assert read(files(tmp_path)[0]) == [{"timestamp": LATE, field: "Berlin"}]


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden", "-x", "a*", "sensor=x"])
def test_a_sensor_name_that_cannot_name_a_partition_is_refused(name: str) -> None:
    with pytest.raises(MetronError, match="cannot name a lake partition"):
        check_sensor(name)


def test_nothing_buffered_writes_nothing(tmp_path: Path) -> None:
    with LakeWriter(tmp_path) as writer:
        writer.write("bro", [])
        assert writer.flush() == []
    assert files(tmp_path) == []


@pytest.mark.parametrize(
    "later",
    [
        {"v": 2.5},  # int then float: double, as the whole batch
        {"v": "text"},  # int then text: the whole batch's JSON-text column
        {"v": True},  # int then bool: text too
        {"v": None, "w": "new"},  # a new field, a null
        {"v": 2**70},  # beyond int64: text
        {"v": [1, 2]},  # a list: JSON text
    ],
)
def test_a_batch_built_in_chunks_is_the_batch_built_whole(
    monkeypatch: pytest.MonkeyPatch, later: dict[str, object]
) -> None:
    import metron.lake.writer as writer

    monkeypatch.setattr(writer, "CHUNK", 3)
    messages: list[dict[str, object]] = [
        {"timestamp": 1_700_000_000_000 + i, "v": i, "s": f"s{i}"} for i in range(5)
    ]
    messages += [{"timestamp": 1_700_000_000_100 + i, **later} for i in range(4)]
    if later == {"v": 2.5}:
        messages.append({"v": None})  # a chunk of its own whose only field is null
    whole = writer._table(messages)
    chunked = writer._chunked_table(messages)
    assert chunked.num_rows == len(messages)
    assert chunked.schema == whole.schema
    assert chunked.to_pylist() == whole.to_pylist()


_KINDS = [
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 5.0, -2.5, 1e19, 2.0**63]),
    st.text(max_size=8),
    st.sampled_from(["2024-01-01", "2024-01-01 10:00:00", "2024-01-01T10:00:00Z", "10.0.0.1"]),
    st.lists(
        st.one_of(st.none(), st.text(max_size=3), st.integers(-5, 5), st.booleans()), max_size=3
    ),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=2),
    st.dictionaries(st.sampled_from(["k", "l"]), st.integers(0, 3), max_size=2),
]
_FIELDS = ["timestamp", "a", "b", "c.d", "e"]


@st.composite
def _batches(draw: st.DrawFn) -> list[dict[str, object]]:
    """Messages whose fields each keep one kind of value (Arrow's case) or, for a field
    drawn as mixed, any kind (the rule's case)."""
    anything = st.one_of(*_KINDS)
    kinds = {field: draw(st.sampled_from([*_KINDS, anything])) for field in _FIELDS}
    message = st.fixed_dictionaries({}, optional=kinds)
    return draw(st.lists(message, min_size=1, max_size=12))


@settings(max_examples=400, deadline=None)
@given(_batches())
def test_a_batch_read_from_its_json_text_is_the_batch_by_the_rule(
    messages: list[dict[str, object]],
) -> None:
    import metron.lake.writer as writer

    lines = [writer._dumps(m) for m in messages]
    expected = writer._table([writer._loads(line) for line in lines])
    default = writer.CHUNK
    for chunk in (default, 4):  # whole, and in chunks
        writer.CHUNK = chunk
        try:
            table, _ = writer._lines_table(lines)
        finally:
            writer.CHUNK = default
        # the same columns (Arrow may order them otherwise: files are read by name)
        assert {f.name: f.type for f in table.schema} == {f.name: f.type for f in expected.schema}
        assert table.to_pylist() == expected.to_pylist()
    # read already, by the writer's caller, in runs of 4 lines (when Arrow reads them)
    runs = [lines[start : start + 4] for start in range(0, len(lines), 4)]
    read = [read_lines(run) for run in runs]
    if all(t is not None for t in read):
        table, _ = writer._lines_table(lines, read)  # type: ignore[arg-type]
        assert {f.name: f.type for f in table.schema} == {f.name: f.type for f in expected.schema}
        assert table.to_pylist() == expected.to_pylist()


def test_uniform_batches_are_read_by_arrow_and_mixtures_by_the_rule() -> None:
    import metron.lake.writer as writer

    uniform = [b'{"timestamp":1,"s":"x","f":1.5,"tags":["a"],"seen":"2024-01-01"}'] * 3
    table = writer._arrow_table(uniform)
    assert table is not None
    assert table.to_pylist()[0] == {
        "timestamp": 1,
        "s": "x",
        "f": 1.5,
        "tags": '["a"]',
        "seen": "2024-01-01",
    }
    assert writer._arrow_table([b'{"v":1}', b'{"v":"x"}']) is None
    assert writer._arrow_table([b'{"v":{"k":1}}']) is None
    assert writer._arrow_table([b'{"v":100000000000000000000}']) is None


def test_lines_are_written_as_messages_are(tmp_path: Path) -> None:
    with LakeWriter(tmp_path) as writer:
        writer.write_lines(
            "bro", [b'{"timestamp":%d,"n":1}' % LATE, b'{"timestamp":%d,"n":2}' % NEXT]
        )
    layout = {p.parent.name: read(p) for p in files(tmp_path)}
    assert layout == {
        "dt=2026-03-01": [{"timestamp": LATE, "n": 1}],
        "dt=2026-03-02": [{"timestamp": NEXT, "n": 2}],
    }


@pytest.mark.parametrize(
    "later",
    [
        {"v": 2.5},  # int then float: double, as the whole batch
        {"v": "text"},  # int then text: the whole batch's JSON-text column
        {"v": ["a"]},  # a list: JSON text, beside the ints as text
        {"v": None, "w": "new"},  # a new field, a null
        {"v": 2**70},  # beyond int64: text
    ],
)
def test_lines_read_in_chunks_are_the_batch_by_the_rule(
    monkeypatch: pytest.MonkeyPatch, later: dict[str, object]
) -> None:
    import metron.lake.writer as writer

    monkeypatch.setattr(writer, "CHUNK", 3)
    messages: list[dict[str, object]] = [
        {"timestamp": 1_700_000_000_000 + i, "v": i, "s": f"s{i}"} for i in range(5)
    ]
    messages += [{"timestamp": 1_700_000_000_100 + i, **later} for i in range(4)]
    lines = [writer._dumps(m) for m in messages]
    table, _ = writer._lines_table(lines)
    whole = writer._table([writer._loads(line) for line in lines])
    assert table.num_rows == len(messages)
    assert {f.name: f.type for f in table.schema} == {f.name: f.type for f in whole.schema}
    assert table.to_pylist() == whole.to_pylist()


@pytest.mark.parametrize("batch_size", [1_000, 5])
def test_lines_given_with_their_table_are_written_as_lines_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    """The pipeline reads a batch's lines once and gives the lake the table with them:
    the files are the same as from the lines alone, whether a write fills a batch or
    not; lines given without their table make the buffer be read at the flush instead."""
    import metron.lake.writer as writer

    batches = [
        [b'{"timestamp":%d,"n":%d,"s":"a%d"}' % (LATE + i, i, i) for i in range(3)],
        [b'{"timestamp":%d,"n":%d,"tags":["x","y"]}' % (NEXT + i, i) for i in range(3)],
        [b'{"timestamp":%d,"n":%d.5}' % (LATE + i, i) for i in range(2)],  # n: double
    ]
    reads: list[int] = []
    real_read = writer.read_lines

    def counting(lines: list[bytes]) -> pa.Table | None:
        reads.append(len(lines))
        return real_read(lines)

    monkeypatch.setattr(writer, "read_lines", counting)

    def written(root: Path, tables: list[bool]) -> dict[str, list[dict[str, object]]]:
        reads.clear()
        with LakeWriter(root, batch_size=batch_size) as lake:
            for lines, with_table in zip(batches, tables, strict=True):
                lake.write_lines("bro", lines, read_lines(lines) if with_table else None)
        rows: dict[str, list[dict[str, object]]] = {}
        for path in files(root):
            rows.setdefault(path.parent.name, []).extend(read(path))
        return {day: sorted(found, key=str) for day, found in rows.items()}

    alone = written(tmp_path / "alone", [False, False, False])
    assert reads  # read at the flush
    assert written(tmp_path / "given", [True, True, True]) == alone
    assert reads == []  # given: not read again (a write that crosses a batch included)
    assert written(tmp_path / "mixed", [True, False, True]) == alone
    assert sum(reads) >= 8  # some came without: the buffer is read at the flush


def test_a_line_that_is_not_an_object_is_refused_by_name(tmp_path: Path) -> None:
    writer = LakeWriter(tmp_path)
    writer.write_lines("bro", [b'{"timestamp":1,"n":1}', b"[1, 2]"])
    with pytest.raises(MetronError, match=r"must be a JSON object, not b'\[1, 2\]'"):
        writer.flush()
