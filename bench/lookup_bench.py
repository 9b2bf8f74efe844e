"""The lookup store (enrichment and threat intel): gets and puts per second on one core.

Loads N records (asset-style value maps of four fields) into a fresh SQLite store in
batches, then reads them back: uncached (a store with its cache disabled, every get a
SQLite query), warm (every key already in the LRU cache), misses (threat-intel style checks
of absent indicators, warm), and through the in-memory twin.  The floor is a plain dict
lookup plus a copy of the value, measured in the same run.  Target (issue 4): 200,000
gets/s warm.  Run: `python bench/lookup_bench.py [--quick] [--records N]`.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _timing import median_rate
from metron.enrichment.lookup import ENRICHMENT_TABLE, MemoryLookup, SqliteLookup

TARGET_WARM = 200_000


def _rows(n: int) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (
            "asset",
            f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            {"owner": f"team{i % 97}", "site": f"dc{i % 5}", "criticality": i % 4, "tag": "x"},
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer records and repeats")
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    n = 10_000 if args.quick else args.records
    repeats = 3 if args.quick else 5
    rows = _rows(n)
    keys = [(ENRICHMENT_TABLE, "asset", indicator) for _, indicator, _ in rows]
    misses = [(ENRICHMENT_TABLE, "asset", f"192.0.2.{i}x") for i in range(n)]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lookup.db"
        counter = iter(range(1_000_000))

        def put() -> int:
            # A fresh table name each round so every round inserts, not replaces.
            with SqliteLookup(path) as store:
                return store.put_many(f"t{next(counter)}", rows)

        puts = median_rate(put, repeats)
        with SqliteLookup(path, cache_size=n * 2) as store:
            store.put_many(ENRICHMENT_TABLE, rows)

            def get_all(store: SqliteLookup | MemoryLookup = store) -> int:
                get = store.get
                for table, kind, indicator in keys:
                    get(table, kind, indicator)
                return len(keys)

            def miss_all() -> int:
                exists = store.exists
                for table, kind, indicator in misses:
                    exists(table, kind, indicator)
                return len(misses)

            get_all()
            miss_all()
            warm = median_rate(get_all, repeats)
            warm_misses = median_rate(miss_all, repeats)
        with SqliteLookup(path, cache_size=0) as cold_store:
            uncached = median_rate(lambda: get_all(cold_store), repeats)
        memory = MemoryLookup()
        memory.put_many(ENRICHMENT_TABLE, rows)
        in_memory = median_rate(lambda: get_all(memory), repeats)

    table = {key: value for key, (_, _, value) in zip(keys, rows)}

    def floor() -> int:
        for key in keys:
            dict(table[key])
        return len(keys)

    floor_rate = median_rate(floor, repeats)
    print(f"records: {n:,}")
    print(f"puts (batches of 10,000):  {puts:>12,.0f} rows/s")
    print(f"gets uncached (SQLite):    {uncached:>12,.0f} gets/s")
    print(f"gets warm (LRU cache):     {warm:>12,.0f} gets/s  (target {TARGET_WARM:,})")
    print(f"exists warm, absent keys:  {warm_misses:>12,.0f} checks/s")
    print(f"gets MemoryLookup:         {in_memory:>12,.0f} gets/s")
    print(f"floor (dict get + copy):   {floor_rate:>12,.0f} gets/s")
    print(f"warm / floor: {warm / floor_rate:.2f}   warm / target: {warm / TARGET_WARM:.2f}")


if __name__ == "__main__":
    main()
