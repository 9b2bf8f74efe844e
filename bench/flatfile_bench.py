"""The flatfile loader: CSV rows loaded per second into a fresh SQLite lookup store.

Writes a CSV file of N asset-style rows (ip, owner, site, criticality), then loads it as
``metron load flatfile`` does (extract every line, one put_many in one transaction) into a
fresh store: plain, and with a value transform and a filter (Stellar per row).  The floor
is reading the same file, splitting each line and encoding a dict with orjson, measured in
the same run.  Target (issue 4): 100,000 rows/s plain.
Run: `python bench/flatfile_bench.py [--quick] [--rows N]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from _timing import median_rate
from metron.enrichment.extractors import load_extractor
from metron.enrichment.flatfile import load_flatfile
from metron.enrichment.lookup import SqliteLookup

TARGET = 100_000

PLAIN = {
    "config": {
        "columns": ["ip", "owner", "site", "criticality"],
        "indicator_column": "ip",
        "type": "asset",
    },
    "extractor": "CSV",
}
STELLAR = {
    "config": {
        "columns": ["ip", "owner", "site", "criticality"],
        "indicator_column": "ip",
        "type": "asset",
        "value_transform": {"owner": "TO_UPPER(owner)"},
        "value_filter": "site != 'dc9'",
    },
    "extractor": "CSV",
}


def _write(path: Path, n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            f.write(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255},team{i % 97},dc{i % 5},{i % 4}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="fewer rows and repeats")
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    repeats = 3 if args.quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        source = base / "assets.csv"
        _write(source, rows)
        counter = iter(range(1_000_000))

        def load(config: dict[str, Any]) -> Callable[[], int]:
            extractor = load_extractor(config)

            def run() -> int:
                store = SqliteLookup(
                    base / f"db{next(counter)}" / "lookup.db", batch_size=sys.maxsize
                )
                try:
                    return load_flatfile(store, "enrichment", source, extractor).loaded
                finally:
                    store.close()

            return run

        def floor() -> int:
            n = 0
            with source.open("rb") as f:
                for raw in f:
                    parts = raw.decode().rstrip("\n").split(",")
                    orjson.dumps({"ip": parts[0], "owner": parts[1], "site": parts[2]})
                    n += 1
            return n

        floor_rate = median_rate(floor, repeats)
        plain = median_rate(load(PLAIN), repeats)
        with_stellar = median_rate(load(STELLAR), repeats)
    print(f"rows: {rows}, median of {repeats}")
    print(f"floor (split + orjson):   {floor_rate:>12,.0f} rows/s")
    print(f"load, plain:              {plain:>12,.0f} rows/s  ({plain / floor_rate:.2f} of floor)")
    print(
        f"load, transform + filter: {with_stellar:>12,.0f} rows/s"
        f"  ({with_stellar / floor_rate:.2f} of floor)"
    )
    print(f"target {TARGET:,} rows/s plain: {'met' if plain >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
