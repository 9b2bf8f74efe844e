"""The Parquet lake: LakeWriter write+flush docs/s on one core, and hunt scan rows/s.

Generates N enriched-style messages of 25 fields (strings, ints, floats, a bool, a null
field, dotted names) over two UTC days and writes them through ``LakeWriter`` (batches of
100,000, zstd) pinned to one CPU.  Target: 150,000 docs/s, the lake's share of the
50,000 docs/s indexing budget.  Alongside, on a 100,000-message sample and the same core,
the alternatives considered: ``Table.from_pylist``, building each column in Python, and
DuckDB reading the messages as NDJSON and ``COPY``-ing them to Parquet (``from_pylist`` is
faster but takes its columns from the first message only and refuses mixed types, so the
writer uses pyarrow's struct inference over all messages instead).  The floor is
serializing every message once with orjson (any writer must at least walk every value).

Then the written files are copied into more days until the lake holds ``--scan-rows`` rows
(default 20,000,000) and ``metron hunt``'s engine runs
``SELECT count(*), avg("threat.triage.score") FROM messages WHERE ip_dst_port = 443``.
Target: 20,000,000 rows/s.  Its floor is the same query over a DuckDB in-memory table of
the same rows (no Parquet decoding).  Run: `python bench/lake_bench.py [--quick]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from datetime import date, timedelta
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from _timing import median_rate
from metron.lake.hunt import Lake
from metron.lake.writer import LakeWriter

TARGET_WRITE = 150_000
TARGET_SCAN = 20_000_000
QUERY = 'SELECT count(*), avg("threat.triage.score") FROM messages WHERE ip_dst_port = 443'
START = 1_790_000_000_000


def messages(n: int) -> list[dict[str, Any]]:
    step = 2 * 86_400_000 // n  # spread over two days
    return [
        {
            "timestamp": START + i * step,
            "source.type": "bro",
            "guid": f"{i:08x}-4a1b-8c2d-9e3f-{i * 7919 % 10**12:012d}",
            "ip_src_addr": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            "ip_src_port": 32768 + i % 28000,
            "ip_dst_addr": f"192.0.2.{i % 250}",
            "ip_dst_port": (443, 80, 53, 443)[i % 4],
            "protocol": "http",
            "method": ("GET", "POST")[i % 2],
            "host": f"host{i % 500}.example.com",
            "uri": f"/path/{i % 1000}?q={i % 37}",
            "status_code": (200, 404, 302)[i % 3],
            "request_body_len": i % 4096,
            "response_body_len": i % 65536,
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
            "uid": f"C{i:010d}",
            "trans_depth": 1 + i % 3,
            "enrichments.geo.ip_dst_addr.city": ("Berlin", "Oslo", "Lima")[i % 3],
            "enrichments.geo.ip_dst_addr.country": ("DE", "NO", "PE")[i % 3],
            "enrichments.geo.ip_dst_addr.latitude": 52.52 + i % 10,
            "enrichments.geo.ip_dst_addr.longitude": 13.40 - i % 10,
            "is_alert": i % 10 == 0,
            "threat.triage.score": float(i % 100),
            "threatintels.hbaseThreatIntel.ip_dst_addr.malicious_ip": None,
            "original_string": f"HTTP | id.orig_h:10.0.0.{i & 255} | uid:C{i:010d}",
        }
        for i in range(n)
    ]


def alternatives(sample: list[dict[str, Any]], where: Path, repeats: int) -> dict[str, float]:
    target = where / "alt.parquet"

    def from_pylist() -> int:
        pq.write_table(pa.Table.from_pylist(sample), target, compression="zstd")
        return len(sample)

    def by_column() -> int:
        names = list(dict.fromkeys(chain.from_iterable(sample)))
        arrays = [pa.array(list(map(dict.get, sample, repeat(n)))) for n in names]
        pq.write_table(pa.Table.from_arrays(arrays, names), target, compression="zstd")
        return len(sample)

    def duckdb_ndjson() -> int:
        source = where / "alt.ndjson"
        source.write_bytes(b"\n".join(map(orjson.dumps, sample)))
        with duckdb.connect() as con:
            con.execute("SET threads = 1")
            con.execute(
                f"COPY (SELECT * FROM read_json('{source}', format = 'newline_delimited'))"
                f" TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
            )
        return len(sample)

    def floor() -> int:
        for m in sample:
            orjson.dumps(m)
        return len(sample)

    return {
        "Table.from_pylist + write_table": median_rate(from_pylist, repeats),
        "columns built in Python + write_table": median_rate(by_column, repeats),
        "DuckDB read_json NDJSON + COPY": median_rate(duckdb_ndjson, repeats),
        "floor (orjson.dumps each message)": median_rate(floor, repeats),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 messages, 2M rows scanned")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--scan-rows", type=int, default=20_000_000)
    args = parser.parse_args()
    n = 100_000 if args.quick else args.messages
    scan_rows = 2_000_000 if args.quick else args.scan_rows
    repeats = 3
    cpus = os.sched_getaffinity(0)
    data = messages(n)
    print(f"messages: {n:,} of {len(data[0])} fields")

    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        os.sched_setaffinity(0, {min(cpus)})  # one core, as the indexing path has
        lakes: list[Path] = []

        def write() -> int:
            lakes.append(where / f"lake{len(lakes)}")
            with LakeWriter(lakes[-1]) as writer:
                writer.write("bro", data)
            return n

        written = median_rate(write, repeats)
        alt = alternatives(data[:100_000], where, repeats)
        os.sched_setaffinity(0, cpus)

        root = lakes[0]
        for extra in lakes[1:]:  # keep one written copy only
            shutil.rmtree(extra)
        files = sorted(root.glob("sensor=bro/dt=*/*.parquet"))
        size = sum(f.stat().st_size for f in files)
        copies = max(1, -(-scan_rows // n))
        for copy in range(1, copies):
            for f in files:
                day = root / "sensor=bro" / f"dt={date(2030, 1, 1) + timedelta(days=copy)}"
                day.mkdir(parents=True, exist_ok=True)
                shutil.copy(f, day / f"{copy}-{f.name}")
        rows = copies * n
        with Lake(root) as lake:
            lake.query(QUERY)  # warm the page cache and DuckDB's metadata
            scan = median_rate(lambda: (lake.query(QUERY), rows)[1], repeats)
            threads = lake.query("SELECT current_setting('threads')")[1][0][0]
        with Lake(root, threads=1) as lake:
            scan_one = median_rate(lambda: (lake.query(QUERY), rows)[1], repeats)
        with duckdb.connect() as con:
            con.execute(
                f"CREATE TABLE messages AS SELECT * FROM read_parquet('{root}/sensor=*/dt=*/*.parquet')"
            )
            scan_floor = median_rate(lambda: (con.execute(QUERY).fetchall(), rows)[1], repeats)

    print(f"lake size: {size / n:.1f} bytes/message (zstd), {len(files)} files per {n:,}")
    print(
        f"write+flush (LakeWriter, 1 core): {written:>12,.0f} docs/s  (target {TARGET_WRITE:,};"
        f" x{written / TARGET_WRITE:.2f})"
    )
    for name, value in alt.items():
        print(f"  {name + ':':<42}{value:>12,.0f} docs/s")
    print(
        f"hunt scan ({rows:,} rows, {threads} threads): {scan:>12,.0f} rows/s  (target"
        f" {TARGET_SCAN:,}; x{scan / TARGET_SCAN:.2f})"
    )
    print(f"  same, 1 thread: {scan_one:>29,.0f} rows/s")
    print(f"  floor (same query, DuckDB in-memory table): {scan_floor:>12,.0f} rows/s")


if __name__ == "__main__":
    main()
