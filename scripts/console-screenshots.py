"""Screenshots of the console for the README, from a real demo platform.

Starts `metron run --demo` over temporary directories, lets the demo telemetry flow for a
while, logs in with the first administrator's password in Debian's Chromium (Playwright)
at 1280x800, and saves the alerts page, an alert's details and the dashboard into
docs/images/.  Run: `.venv/bin/python scripts/console-screenshots.py [--seconds N]`.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def start(home: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "metron.cli.main", "run", "--demo", "--port", "0"],
        env={
            **os.environ,
            "METRON_CONFIG_DIR": str(home / "config"),
            "METRON_DATA_DIR": str(home / "data"),
        },
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"console at (https?://\S+?)/ ", line)
        if found:
            return process, found.group(1)
    raise SystemExit("metron run --demo did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90, help="demo time before the shots")
    args = parser.parse_args()
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        process, base = start(home)
        try:
            time.sleep(args.seconds)
            password = (home / "data" / "initial-admin-password").read_text().strip()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=ARGS
                )
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"{base}/login")
                page.get_by_label("User name").fill("admin")
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Log in").click()
                page.goto(f"{base}/alerts?q=is_alert:true&sort=threat.triage.score:desc")
                expect(page.locator("tr.alert-row").first).to_be_visible()
                page.screenshot(path=str(IMAGES / "console-alerts.png"))
                page.locator("tr.alert-row").first.locator("td").nth(3).click()
                expect(page.locator("#panel .panel-body")).to_be_visible()
                page.screenshot(path=str(IMAGES / "console-details.png"))
                page.goto(f"{base}/")
                expect(page.locator("svg.chart-svg").first).to_be_visible()
                page.screenshot(path=str(IMAGES / "console-dashboard.png"), full_page=True)
                browser.close()
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=120)
    for name in ("console-alerts", "console-details", "console-dashboard"):
        print(IMAGES / f"{name}.png")


if __name__ == "__main__":
    main()
