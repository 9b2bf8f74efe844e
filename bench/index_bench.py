"""Indexing into the alert store and the lake together, and triage updates, on one core.

Generates Metron-like enriched messages (the generator of search_bench.py) and indexes
each sensor's in turn, in batches of 10,000 as `metron index SENSOR FILE` does (from the
lines it read, each batch read by Arrow once for both stores): the SQLite system of record
plus the search index (AlertStore.add_many) and the Parquet lake (LakeWriter), then times
1,000 alert-status updates on the full store and reports the process's memory.  Targets
(issue 5): 50,000 docs/s into store and lake together; 1,000 status updates in under 1 s
at 1,000,000 docs; through the store, a selective query under 20 ms and a sorted, paged,
faceted one under 200 ms (p50); under 1 GB of memory.  The floor, measured in the same
run, is serialising each message to JSON once (the least any durable store must do).
Run: `python bench/index_bench.py [--docs N]` (default 1,000,000; --quick: 100,000).
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from _timing import p50_ms
from metron.arrowjson import read_lines
from metron.lake.writer import LakeWriter
from metron.runtime.allocator import tune_allocator
from metron.search.store import AlertStore
from search_bench import SELECTIVE_IP, documents, rss_mb

TARGET_INDEX = 50_000
TARGET_UPDATES_S = 1.0
TARGET_MB = 1000
BATCH = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 documents")
    args = parser.parse_args()
    n = 100_000 if args.quick else args.docs
    tune_allocator()  # as the metron command does
    docs = list(documents(n))
    lines = [orjson.dumps(doc) for doc in docs]  # what `metron index` reads
    by_sensor: dict[str, tuple[list[dict[str, Any]], list[bytes]]] = {}
    for doc, line in zip(docs, lines):
        sensor_docs, sensor_lines = by_sensor.setdefault(doc["source.type"], ([], []))
        sensor_docs.append(doc)
        sensor_lines.append(line)
    gc.collect()
    gc.freeze()
    gc.disable()  # as `metron index` does while it indexes
    base_mb = rss_mb()

    start = time.perf_counter()
    for doc in docs:
        orjson.dumps(doc)
    floor = n / (time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with AlertStore(root / "alerts") as store, LakeWriter(root / "lake") as lake:
            start, cpu_start = time.perf_counter(), time.process_time()
            # as `metron index SENSOR FILE` for each sensor's file in turn: batches of
            # BATCH lines, each read by Arrow once for both stores
            for sensor, (sensor_docs, sensor_lines) in by_sensor.items():
                for i in range(0, len(sensor_docs), BATCH):
                    texts = sensor_lines[i : i + BATCH]
                    table = read_lines(texts)
                    store.add_many(((sensor, d) for d in sensor_docs[i : i + BATCH]), texts, table)
                    lake.write_lines(sensor, texts, table)
            lake.flush()
            rate = n / (time.perf_counter() - start)
            # every thread's CPU (Arrow's JSON reader and Parquet writer use a pool)
            per_cpu = n / (time.process_time() - cpu_start)
            store_mb = rss_mb() - base_mb

            selective = p50_ms(
                lambda: store.search({"query": f'ip_src_addr:"{SELECTIVE_IP}"', "size": 10}), 15
            )
            faceted = p50_ms(
                lambda: store.search(
                    {
                        "query": "source.type:bro OR source.type:snort",
                        "sort": [
                            {"field": "threat.triage.score", "sortOrder": "desc"},
                            {"field": "timestamp", "sortOrder": "desc"},
                        ],
                        "from": 100,
                        "size": 25,
                        "facetFields": ["source.type", "enrichments.geo.ip_dst_addr.country"],
                    }
                ),
                15,
            )
            targets = [(d["guid"], d["source.type"]) for d in docs[: 1000 * 997 : 997]]
            start = time.perf_counter()
            for guid, sensor in targets:
                store.set_status(guid, sensor, "OPEN", "bench")
            updates = time.perf_counter() - start
            found = store.search({"query": "alert_status:OPEN", "size": 0})["total"]
            start = time.perf_counter()
            store.save_index()
            save = time.perf_counter() - start
        start = time.perf_counter()
        with AlertStore(root / "alerts") as reopened:
            reopened.search({"query": "*", "size": 1})
        reopen = time.perf_counter() - start

    def verdict(ok: bool) -> str:
        return "ok" if ok else "BELOW TARGET"

    print(f"documents: {n:,}")
    print(
        f"index (store + lake):   {rate:>10,.0f} docs/s  (target {TARGET_INDEX:,})"
        f" {verdict(rate >= TARGET_INDEX)}"
    )
    print(
        f"  per CPU-second:       {per_cpu:>10,.0f} docs    (all threads; the target is one core)"
        f" {verdict(per_cpu >= TARGET_INDEX)}"
    )
    print(f"floor (orjson.dumps):   {floor:>10,.0f} docs/s  ratio {rate / floor:.3f}")
    print(
        f"1,000 status updates:   {updates:>10.3f} s       (target < {TARGET_UPDATES_S} s)"
        f" {verdict(updates < TARGET_UPDATES_S)}; {found} found OPEN"
    )
    print(
        f"memory for the store:   {store_mb:>10,.0f} MB      (target < {TARGET_MB} MB)"
        f" {verdict(store_mb < TARGET_MB)}"
    )
    print(
        f"store search, selective:  {selective:>8.1f} ms p50  (target < 20 ms)"
        f" {verdict(selective < 20)}"
    )
    print(
        f"store search, 2 sorts + page + 2 facets: {faceted:.1f} ms p50 (target < 200 ms)"
        f" {verdict(faceted < 200)}"
    )
    print(f"snapshot save:          {save:>10.3f} s;  reopen + first search {reopen:.3f} s")


if __name__ == "__main__":
    main()
