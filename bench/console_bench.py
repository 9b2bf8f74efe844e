"""The console and the REST API over a large alert store, through a real HTTP server.

Indexes generated Metron-like alerts (the generator of search_bench.py) into an alert
store, serves the web app with uvicorn on a free port (as `metron serve` does), and times
real HTTP requests from a client in the same process: the alerts page (50 rows and the
facets sidebar, server-rendered, with a session cookie as a browser sends it) and API
searches (`POST /api/v1/search/search`, a selective query and a sorted, faceted page,
with a bearer token).  Targets (issue 7): at 1,000,000 documents the alerts page p50
under 300 ms and API search p50 under 100 ms.  The floor, measured in the same run, is
the store's own search for the same request (what any front end must wait for at least).
Run: `python bench/console_bench.py [--docs N] [--repeat R]` (default 1,000,000; --quick:
100,000).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import argon2
import httpx

from _timing import p50_ms
from metron.runtime.http import HttpServer
from metron.search.store import AlertStore
from metron.web.app import create_web_app
from metron.web.auth import UserStore
from metron.web.context import WebContext
from search_bench import SELECTIVE_IP, documents

TARGET_PAGE_MS = 300.0
TARGET_API_MS = 100.0
BATCH = 10_000
USER = ("bench", "bench-password")

#: The alerts page as an analyst opens it: the last 50 alerts of all time, facets shown.
PAGE = "/alerts?range=all&size=50"
#: The dashboard over all time (every document counted).
DASHBOARD = "/?range=all"
SELECTIVE = {"query": f'ip_src_addr:"{SELECTIVE_IP}"', "size": 10}
FACETED = {
    "query": "source.type:bro OR source.type:snort",
    "sort": [{"field": "threat.triage.score", "sortOrder": "desc"}],
    "from": 50,
    "size": 50,
    "facetFields": ["source.type", "ip_src_addr", "enrichments.geo.ip_dst_addr.country"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 documents")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    n = 100_000 if args.quick else args.docs

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = AlertStore(root / "alerts", global_config={"search.max.results": 10_000})
        started = time.perf_counter()
        batch: list[tuple[str, dict[str, Any]]] = []
        for doc in documents(n):
            batch.append((doc["source.type"], doc))
            if len(batch) == BATCH:
                store.add_many(batch)
                batch = []
        if batch:
            store.add_many(batch)
        indexed = time.perf_counter() - started
        users = UserStore(
            root / "users.db",
            hasher=argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        )
        users.add_user(*USER, role="USER")
        token, _ = users.create_token(USER[0], "bench")
        context = WebContext(
            config_dir=root / "config",
            data_dir=root,
            users=users,
            store=store,
            status=lambda: {"sensors": {}, "platform": {"workers": 0}},
            metrics_text=str,
        )
        server = HttpServer(create_web_app(context), host="127.0.0.1", port=0)
        server.start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            with (
                httpx.Client(base_url=base, timeout=60) as browser,
                httpx.Client(
                    base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}
                ) as api,
            ):
                login = browser.post(
                    "/api/v1/login", json={"username": USER[0], "password": USER[1]}
                )
                login.raise_for_status()

                def page() -> None:
                    response = browser.get(PAGE)
                    if response.status_code != 200 or "<table" not in response.text:
                        raise SystemExit(f"the alerts page failed: {response.status_code}")

                def search(request: dict[str, Any]) -> Callable[[], None]:
                    def run() -> None:
                        api.post("/api/v1/search/search", json=request).raise_for_status()

                    return run

                def dashboard() -> None:
                    response = browser.get(DASHBOARD)
                    if response.status_code != 200 or "<svg" not in response.text:
                        raise SystemExit(f"the dashboard failed: {response.status_code}")

                page_ms = p50_ms(page, args.repeat)
                dashboard_ms = p50_ms(dashboard, max(3, args.repeat // 3))
                selective_ms = p50_ms(search(SELECTIVE), args.repeat)
                faceted_ms = p50_ms(search(FACETED), args.repeat)
                floor_ms = p50_ms(lambda: store.search(FACETED), args.repeat)
                total = api.post("/api/v1/search/search", json={"size": 0}).json()["total"]
        finally:
            server.stop()
            store.close()
            users.close()

    def verdict(ok: bool) -> str:
        return "ok" if ok else "BELOW TARGET"

    print(f"documents: {n:,} (indexed in {indexed:.1f} s; the store holds {total:,})")
    print(
        f"alerts page (50 rows + facets): {page_ms:8.1f} ms p50 (target < {TARGET_PAGE_MS:.0f})"
        f" {verdict(page_ms < TARGET_PAGE_MS)}"
    )
    print(f"dashboard (all time):           {dashboard_ms:8.1f} ms p50 (no target)")
    print(
        f"API search, selective:          {selective_ms:8.1f} ms p50 (target < {TARGET_API_MS:.0f})"
        f" {verdict(selective_ms < TARGET_API_MS)}"
    )
    print(
        f"API search, sorted + 3 facets:  {faceted_ms:8.1f} ms p50 (target < {TARGET_API_MS:.0f})"
        f" {verdict(faceted_ms < TARGET_API_MS)}"
    )
    print(
        f"floor (the store's own search): {floor_ms:8.1f} ms p50;"
        f" HTTP + JSON cost {faceted_ms - floor_ms:.1f} ms"
    )


if __name__ == "__main__":
    main()
