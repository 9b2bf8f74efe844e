"""The enrichment runner: events per second on one core, warm caches.

One sensor config with geo on two fields, two lookup-store enrichments, five Stellar
enrichments, threat intel on two fields and five triage rules, over a tiny City database
built here with mmdb-writer and the SQLite lookup store in a temporary data directory.  The
messages cycle through 200 source addresses, so after the first pass every adapter answers
from the runner's cache.  Target (issue 4): 30,000 ev/s.  The floor is the least a perfect
cached enricher must do per message, measured in the same run: copy the message and merge
in its final enrichment fields, looked up in a dict.  Run: `python bench/enrich_bench.py [--quick] [--events N]`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mmdb_writer import MmdbU16, MmdbU32, MMDBWriter
from netaddr import IPSet

from metron.enrichment.config import parse_enrichment_config
from metron.enrichment.geo import GeoDatabase
from metron.enrichment.lookup import ENRICHMENT_TABLE, THREAT_INTEL_TABLE, SqliteLookup
from metron.enrichment.runner import EnrichmentRunner

TARGET = 30_000

CONFIG: dict[str, Any] = {
    "enrichment": {
        "fieldMap": {
            "geo": ["ip_src_addr", "ip_dst_addr"],
            "hbaseEnrichment": ["ip_src_addr", "domain"],
            "stellar": {
                "config": {
                    "dom_len": "LENGTH(domain)",
                    "dom_upper": "TO_UPPER(domain)",
                    "is_web": "ip_dst_port == 80 || ip_dst_port == 443",
                    "big": "bytes > 1000",
                    "proto": "TO_LOWER(protocol)",
                }
            },
        },
        "fieldToTypeMap": {"ip_src_addr": ["asset"], "domain": ["whois"]},
    },
    "threatIntel": {
        "fieldMap": {"hbaseThreatIntel": ["ip_src_addr", "ip_dst_addr"]},
        "fieldToTypeMap": {"ip_src_addr": ["malicious_ip"], "ip_dst_addr": ["malicious_ip"]},
        "triageConfig": {
            "riskLevelRules": [
                {"name": "web", "rule": "is_web", "score": 10},
                {"name": "big", "rule": "big", "score": 20},
                {"name": "long", "rule": "dom_len > 10", "score": 5},
                {"name": "tcp", "rule": "proto == 'tcp'", "score": 1},
                {"name": "always", "rule": "true", "score": 2},
            ],
            "aggregator": "MAX",
        },
    },
}


def _city_db(path: Path) -> GeoDatabase:
    writer = MMDBWriter(
        ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City", languages=["en"]
    )
    for i in range(50):
        writer.insert_network(
            IPSet([f"81.2.{i}.0/24"]),
            {
                "city": {"geoname_id": MmdbU32(1000 + i), "names": {"en": f"City{i}"}},
                "country": {"iso_code": "GB"},
                "postal": {"code": f"P{i}"},
                "location": {
                    "latitude": 51.0 + i / 100,
                    "longitude": -0.1,
                    "metro_code": MmdbU16(i),
                    "accuracy_radius": MmdbU16(5),
                },
            },
        )
    writer.to_db_file(str(path))
    return GeoDatabase(path)


def _messages(n: int) -> list[dict[str, Any]]:
    return [
        {
            "source.type": "bench",
            "ip_src_addr": f"81.2.{i % 50}.{i % 200}",
            "ip_dst_addr": f"81.2.{(i + 7) % 50}.{i % 100}",
            "ip_dst_port": 443 if i % 2 else 8080,
            "protocol": "TCP",
            "bytes": i % 3000,
            "domain": f"host{i % 100}.example.com",
            "timestamp": 1_700_000_000_000 + i,
            "guid": f"bench-{i}",
        }
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events and repeats")
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    n = 5_000 if args.quick else args.events
    repeats = 3 if args.quick else 5
    messages = _messages(n)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteLookup.in_data_dir(Path(tmp))
        store.put_many(
            ENRICHMENT_TABLE,
            [
                ("asset", f"81.2.{i % 50}.{i}", {"owner": f"team{i}", "site": "dc1"})
                for i in range(200)
            ],
        )
        store.put_many(
            ENRICHMENT_TABLE,
            [("whois", f"host{i}.example.com", {"registrar": "r", "age": i}) for i in range(100)],
        )
        store.put_many(
            # half of the source addresses are known bad, so half the events are triaged
            THREAT_INTEL_TABLE,
            [("malicious_ip", f"81.2.{i % 50}.{i}", {}) for i in range(0, 200, 2)],
        )
        geo = _city_db(Path(tmp) / "city.mmdb")
        runner = EnrichmentRunner(
            {"bench": parse_enrichment_config(CONFIG, "bench.json")}, {}, store, geo, None
        )
        for message in messages[:1000]:  # warm the caches
            runner.process(dict(message))
        process = runner.process
        rate = _median_rate(lambda m: process(m), messages, repeats)
        alerts = sum(1 for m in messages if "is_alert" in (process(dict(m))[0] or {}))
        # the floor: each message's added fields, precomputed, merged into a copy
        added = {}
        for m in messages:
            out = process(dict(m))[0] or {}
            added[m["guid"]] = {k: v for k, v in out.items() if k not in m}

        def floor_enrich(message: dict[str, Any]) -> dict[str, Any]:
            out = dict(message)
            out.update(added[message["guid"]])
            return out

        floor = _median_rate(floor_enrich, messages, repeats)
        geo.close()
        store.close()
    verdict = "ok" if rate >= TARGET else "BELOW TARGET"
    print(f"enrichment: {rate:,.0f} ev/s (target {TARGET:,}) {verdict}; {alerts:,} of {n:,} alerts")
    print(f"floor (copy + merge precomputed fields): {floor:,.0f} ev/s; ratio {rate / floor:.2f}")


def _median_rate(
    function: Callable[[dict[str, Any]], Any], messages: list[dict[str, Any]], repeats: int
) -> float:
    rates = []
    for _ in range(repeats):
        batch = [dict(m) for m in messages]
        gc.collect()
        start = time.perf_counter()
        for message in batch:
            function(message)
        rates.append(len(batch) / (time.perf_counter() - start))
    return statistics.median(rates)


if __name__ == "__main__":
    main()
