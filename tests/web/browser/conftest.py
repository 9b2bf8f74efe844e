"""The real web app served over HTTP for a real browser: Debian's Chromium driven by
Playwright.  Every test gets a fresh app (its own stores, the users of
:mod:`web.support` and a few dozen alerts) and a fresh browser page; the browser itself
is started once per module.  Without ``/usr/bin/chromium`` (CI installs it) the tests
are skipped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from metron.runtime.http import HttpServer
from metron.search.store import AlertStore
from metron.web.app import create_web_app
from metron.web.context import WebContext
from web.support import close_context, make_context

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Under the repository root; kept out of git.
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


def sample_alerts(now_ms: int) -> list[dict[str, Any]]:
    """Alerts from two sensors: bro (scores 20 to 95, enriched with geo and threat intel)
    and snort (scores 30 and 40), a minute apart, the newest first."""
    alerts = []
    for i in range(24):
        bro = i % 3 != 2
        alert: dict[str, Any] = {
            "guid": f"{'bro' if bro else 'snort'}-{i:04d}-0000-4000-8000-000000000000",
            "source.type": "bro" if bro else "snort",
            "timestamp": now_ms - i * 60_000,
            "ip_src_addr": f"10.10.0.{i % 6 + 1}",
            "ip_src_port": 40000 + i,
            "ip_dst_addr": f"198.51.100.{i % 4 + 10}",
            "ip_dst_port": 443 if bro else 80,
            "protocol": "tcp",
            "is_alert": "true",
            "threat.triage.score": (20 + (i * 7) % 80) if bro else 30 + 10 * (i % 2),
        }
        if bro:
            alert.update(
                {
                    "enrichments.geo.ip_dst_addr.country": "NL" if i % 2 else "US",
                    "enrichments.geo.ip_dst_addr.city": "Amsterdam" if i % 2 else "Boston",
                    "threatintels.hbaseThreatIntel.ip_dst_addr.malicious_ip": "alert",
                    "host": f"ws-{i % 5:02d}.corp.example",
                }
            )
        alerts.append(alert)
    return alerts


@dataclass
class Console:
    url: str
    context: WebContext

    @property
    def store(self) -> AlertStore:
        return self.context.store


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium): browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    context = make_context(tmp_path)
    context.store.add_many([(a["source.type"], a) for a in sample_alerts(int(time.time() * 1000))])
    server = HttpServer(create_web_app(context), host="127.0.0.1", port=0)
    server.start()
    try:
        yield Console(f"http://127.0.0.1:{server.port}", context)
    finally:
        server.stop()
        close_context(context)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page the size of a laptop screen (1280x800)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def shoot() -> Any:
    """``shoot(page, name)`` saves ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take
