"""The columnar search index (ColumnIndex): indexing rate, query latency, updates, memory,
snapshot load time, at 1,000,000 Metron-like documents on one core.

The documents are generated here: ~25 fields each (guid, timestamp, source.type over five
sensors, IPv4/IPv6 addresses from ~50k, ports, protocol, host names, a triage score on ~20%,
is_alert, geo city/country, sparse sensor fields and a unique ~200-character
original_string).  Each figure is printed with its target and a floor measured in the same
run (what numpy or Python needs at the least for the same amount of data).
Run: `python bench/search_bench.py [--docs N] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import gc
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from _timing import p50_ms
from metron.search.engine import ColumnIndex
from metron.search.query import STAR, Bool, GroupSpec, MatchAll, Range, SortField, Term, Wildcard

SENSORS = ["bro", "snort", "yaf", "asa", "squid"]
PROTOCOLS = ["tcp", "udp", "icmp", "http", "dns"]
CITIES = [
    ("Paris", "FR"), ("Berlin", "DE"), ("London", "GB"), ("New York", "US"), ("Tokyo", "JP"),
    ("Sydney", "AU"), ("Toronto", "CA"), ("Madrid", "ES"), ("Rome", "IT"), ("Seoul", "KR"),
]  # fmt: skip
SELECTIVE_IP = "10.1.2.3"


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * 4096 / 1e6


def documents(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    ips = [
        f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(45_000)
    ]
    ips += [
        f"2001:db8::{rng.randrange(1 << 16):x}:{rng.randrange(1 << 16):x}" for _ in range(5_000)
    ]
    hosts = [f"host{i}.example.{tld}" for i in range(2000) for tld in ("com", "org")]
    urls = [f"http://site{i}.example.com/path/{i % 97}" for i in range(5000)]
    start = 1_700_000_000_000
    filler = "x" * 120
    for i in range(count):
        sensor = SENSORS[i % 5]
        src = SELECTIVE_IP if rng.random() < 0.0004 else ips[rng.randrange(len(ips))]
        dst = ips[rng.randrange(len(ips))]
        city, country = CITIES[rng.randrange(len(CITIES))]
        doc: dict[str, Any] = {
            "guid": str(uuid.UUID(int=rng.getrandbits(128))),
            "timestamp": start + i * 37 + rng.randrange(30),
            "source.type": sensor,
            "ip_src_addr": src,
            "ip_dst_addr": dst,
            "ip_src_port": rng.randrange(1024, 65536),
            "ip_dst_port": rng.choice((22, 53, 80, 443, 8080, 3389)),
            "protocol": PROTOCOLS[rng.randrange(5)],
            "host": hosts[rng.randrange(len(hosts))],
            "is_alert": rng.random() < 0.2,
            "enrichments.geo.ip_dst_addr.city": city,
            "enrichments.geo.ip_dst_addr.country": country,
            "enrichments.geo.ip_dst_addr.latitude": 40.0 + rng.randrange(100) / 10,
            "enrichments.geo.ip_dst_addr.longitude": 2.0 + rng.randrange(100) / 10,
            "enrichments.geo.ip_dst_addr.postalCode": str(10000 + rng.randrange(500)),
            "bytes": rng.randrange(100_000),
            "packets": rng.randrange(1000),
            "duration": rng.randrange(10_000) / 100,
            "adapter.geoadapter.begin.ts": str(start + i),
            "adapter.geoadapter.end.ts": str(start + i + 1),
            "original_string": f"{sensor} {i} {src} -> {dst} {filler} {rng.getrandbits(64):x}",
        }
        if rng.random() < 0.2:
            doc["threat.triage.score"] = rng.randrange(1000) / 10
        if sensor == "bro":
            doc["method"] = rng.choice(("GET", "POST"))
            doc["uri"] = urls[rng.randrange(len(urls))]
            doc["status_code"] = rng.choice((200, 301, 404, 500))
        elif sensor == "snort":
            doc["sig_id"] = rng.randrange(1, 3000)
            doc["msg"] = f"signature {rng.randrange(300)}"
        elif sensor == "yaf":
            doc["app"] = rng.randrange(200)
        yield doc


def line(name: str, value: str, target: str, floor: str) -> None:
    print(f"{name:<44} {value:>14}   target {target:<14} floor {floor}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    count: int = args.docs

    gc.collect()
    base_rss = rss_mb()
    index = ColumnIndex()
    add_seconds = 0.0
    loop_seconds = 0.0
    batch: list[dict[str, Any]] = []
    source = documents(count)
    doc_id = 0
    while True:
        batch = [doc for _, doc in zip(range(50_000), source)]
        if not batch:
            break
        began = time.perf_counter()
        for doc in batch:
            for _key, _value in doc.items():
                pass
        loop_seconds += time.perf_counter() - began
        began = time.perf_counter()
        for doc in batch:
            doc_id += 1
            index.add(doc_id, doc["source.type"], doc)
        add_seconds += time.perf_counter() - began
    del batch
    began = time.perf_counter()
    index.search(MatchAll(), limit=1)  # moves the appended tails into numpy
    add_seconds += time.perf_counter() - began
    gc.collect()
    grown = rss_mb() - base_rss
    line(
        f"add() incl. first-query flush, {count:,} docs",
        f"{count / add_seconds:,.0f} docs/s",
        ">= 150,000/s",
        f"{count / loop_seconds:,.0f} docs/s (iterate each doc's items)",
    )
    line("RSS growth for the index", f"{grown:,.0f} MB", "< 1,000 MB", "-")

    column = np.arange(count, dtype=np.int32)
    scan = p50_ms(lambda: np.flatnonzero(column == 12345), args.repeat)

    selective = Term("ip_src_addr", SELECTIVE_IP)
    hits = index.search(selective)
    ms = p50_ms(lambda: index.search(selective), args.repeat)
    line(
        f"selective term ({hits.total} hits), p50",
        f"{ms:.1f} ms",
        "< 20 ms",
        f"{scan:.1f} ms (numpy scan of one int32 column)",
    )

    query = Bool(should=(Term("source.type", "bro"), Term("source.type", "snort")))
    sort = [SortField("threat.triage.score", "desc"), SortField("timestamp", "desc")]
    facets = ["source.type", "enrichments.geo.ip_dst_addr.country"]

    def sorted_page() -> object:
        return index.search(query, sort=sort, offset=100, limit=25, facets=facets)

    total = index.search(query, limit=0).total
    floor_keys = np.random.default_rng(1).random(total)
    floor = p50_ms(lambda: np.argsort(floor_keys), 5)
    ms = p50_ms(sorted_page, args.repeat)
    line(
        f"2-field sort + page + 2 facets ({total:,} hits)",
        f"{ms:.1f} ms",
        "< 200 ms",
        f"{floor:.1f} ms (argsort of {total:,} floats)",
    )

    others = {
        "timestamp range (1%)": Range(
            "timestamp", "1700000000000", str(1_700_000_000_000 + count * 37 // 100)
        ),
        "wildcard host*.org, sorted": Wildcard("host", ("host1", STAR, ".org")),
        "term in any field": Term(None, SELECTIVE_IP),
        "CIDR 10.1.0.0/16": Term("ip_src_addr", "10.1.0.0/16"),
    }
    for name, node in others.items():
        ms = p50_ms(lambda node=node: index.search(node, sort=[SortField("timestamp")]), 5)
        line(f"{name}, p50", f"{ms:.1f} ms", "-", "-")

    groups = [GroupSpec("source.type"), GroupSpec("enrichments.geo.ip_dst_addr.country")]
    ms = p50_ms(lambda: index.group(query, groups, score_field="threat.triage.score"), 5)
    line("group sensor > country with score, p50", f"{ms:.0f} ms", "-", "-")
    began = time.perf_counter()
    index.fields()
    line("fields(), first call", f"{(time.perf_counter() - began) * 1000:.0f} ms", "-", "-")
    ms = p50_ms(index.fields, 3)
    line("fields(), p50", f"{ms:.0f} ms", "-", "-")

    fresh = documents(1000, seed=99)
    began = time.perf_counter()
    for old_id, doc in zip(range(1, 2001, 2), fresh):
        index.delete(old_id)
        doc_id += 1
        index.add(doc_id, doc["source.type"], doc)
    index.search(selective)
    ms = (time.perf_counter() - began) * 1000
    line("1,000 delete+add pairs, then a query", f"{ms:.0f} ms", "well < 1,000 ms", "-")

    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "index"
        began = time.perf_counter()
        index.save(path)
        saved = time.perf_counter() - began
        line("save snapshot", f"{saved * 1000:.0f} ms", "-", "-")
        began = time.perf_counter()
        loaded = ColumnIndex.load(path)
        load_ms = (time.perf_counter() - began) * 1000
        line("load snapshot", f"{load_ms:.0f} ms", "well < 1,000 ms", "-")
        began = time.perf_counter()
        again = loaded.search(selective)
        first_ms = (time.perf_counter() - began) * 1000
        assert again == index.search(selective)
        line("first selective query after load", f"{first_ms:.1f} ms", "-", "-")
        began = time.perf_counter()
        loaded.search(query, sort=sort, offset=100, limit=25, facets=facets)
        line(
            "first sorted/faceted query after load",
            f"{(time.perf_counter() - began) * 1000:.0f} ms",
            "-",
            "-",
        )
        began = time.perf_counter()
        for doc in documents(1000, seed=5):
            doc_id += 1
            loaded.add(doc_id, doc["source.type"], doc)
        loaded.search(selective)
        line(
            "1,000 adds after load, then a query",
            f"{(time.perf_counter() - began) * 1000:.0f} ms",
            "-",
            "-",
        )


if __name__ == "__main__":
    main()
