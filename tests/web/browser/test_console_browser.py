"""The console in a real browser: an analyst's triage, from logging in to a meta-alert,
checked on the page and in the store; then the keyboard, a bad query and saved
searches.  Screenshots go to ``test-artifacts/screenshots``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from web.support import ANALYST

if TYPE_CHECKING:
    from web.browser.conftest import Console


def log_in(page: Any, console: Console, path: str = "/alerts") -> None:
    page.goto(console.url + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("User name").fill(ANALYST[0])
    page.get_by_label("Password").fill(ANALYST[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#results")).to_be_visible()


def search_total(console: Console, query: str) -> int:
    total: int = console.store.search({"query": query, "size": 0})["total"]
    return total


def test_triage_from_login_to_meta_alert(console: Console, page: Any, shoot: Any) -> None:
    page.goto(console.url + "/alerts")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    shoot(page, "login")
    log_in(page, console)
    expect(page.locator("#total")).to_have_text("24")
    expect(page.locator("header .user-name")).to_have_text("analyst")

    # a query
    page.locator("#q").fill("threat.triage.score:>=40")
    page.locator("#q").press("Enter")
    expect(page).to_have_url(re.compile(r"q=threat.triage.score"))
    expected = search_total(console, "threat.triage.score:>=40")
    expect(page.locator("#total")).to_have_text(str(expected))

    # a facet filter: only bro alerts are left, and the filter shows as a chip
    page.locator('#facets a[data-facet="source.type"][data-value="bro"]').click()
    expect(page).to_have_url(re.compile(r"f=source.type%3Abro"))
    expected = search_total(console, "threat.triage.score:>=40 AND source.type:bro")
    expect(page.locator("#total")).to_have_text(str(expected))
    sensors = page.locator("tr.alert-row").evaluate_all("rows => rows.map(r => r.dataset.sensor)")
    assert sensors and set(sensors) == {"bro"}
    expect(page.locator(".chips")).to_contain_text("Source: bro")
    shoot(page, "alerts-filtered")

    # the details panel, with its enrichment groups
    first = page.locator("tr.alert-row").first
    guid = first.get_attribute("data-guid")
    first.locator("td").nth(3).click()
    panel = page.locator("#panel")
    expect(panel.locator(".panel-body")).to_have_attribute("data-guid", guid)
    expect(panel).to_contain_text("Enrichment: geo · ip_dst_addr")
    expect(panel).to_contain_text("Threat intel: hbaseThreatIntel · ip_dst_addr")
    expect(page.locator("#panel-title")).to_be_focused()

    # status
    panel.get_by_role("button", name="OPEN", exact=True).click()
    expect(panel.get_by_role("button", name="OPEN", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert console.store.find_one(guid, "bro")["alert_status"] == "OPEN"
    expect(first.locator(".status")).to_have_text("OPEN")

    # a comment
    panel.get_by_label("Add a comment").fill("Beaconing to a known bad address; opened a ticket.")
    panel.get_by_role("button", name="Add comment").click()
    expect(panel.locator(".comment-text")).to_have_text(
        "Beaconing to a known bad address; opened a ticket."
    )
    expect(panel.locator(".comment")).to_contain_text("analyst")
    comments = console.store.find_one(guid, "bro")["comments"]
    assert [(c["comment"][:10], c["username"]) for c in comments] == [("Beaconing ", "analyst")]
    expect(panel.locator(".history")).to_contain_text("comment added")
    shoot(page, "alert-details")

    # Escape closes the panel
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    # two rows become a meta-alert
    rows = page.locator("tr.alert-row")
    chosen = [rows.nth(1).get_attribute("data-guid"), rows.nth(2).get_attribute("data-guid")]
    rows.nth(1).locator(".row-select").check()
    rows.nth(2).locator(".row-select").check()
    expect(page.locator("#selected-count")).to_have_text("2 selected")
    page.get_by_role("button", name="Create meta-alert").click()
    meta_row = page.locator("tr.meta-row")
    expect(meta_row).to_have_count(1)
    expect(page.locator("#toast")).to_contain_text("Meta-alert")
    metas = console.store.search({"query": "source.type:metaalert", "size": 10})["results"]
    assert len(metas) == 1
    children = {c["guid"] for c in metas[0]["source"]["metron_alert"]}
    assert children == set(chosen)
    assert metas[0]["source"]["groups"] == ["source.type:bro"]
    # the meta-alert row opens onto its alerts
    meta_row.locator("button.expand").click()
    expect(page.locator("tr.child-row:not([hidden])")).to_have_count(2)
    shoot(page, "meta-alert")
    # and its panel lists them, each with a remove button
    meta_row.locator("td").nth(1).click()
    expect(panel.locator(".children li")).to_have_count(2)
    expect(panel.get_by_role("button", name="Deactivate")).to_be_visible()
    expect(panel.locator("[data-action='meta-remove']")).to_have_count(2)
    shoot(page, "meta-alert-details")


def test_keyboard_query_errors_and_saved_searches(console: Console, page: Any, shoot: Any) -> None:
    log_in(page, console, "/alerts?q=ip_src_addr%3A(10.10.0.1")
    error = page.locator("#query-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("position")
    shoot(page, "query-error")

    # "/" focuses the search bar; j and Enter open a row; Escape gives the focus back
    page.locator("body").click(position={"x": 5, "y": 790})
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.locator("#q").fill("source.type:snort")
    page.keyboard.press("Enter")
    expect(page.locator("#total")).to_have_text(str(search_total(console, "source.type:snort")))
    page.locator("body").click(position={"x": 5, "y": 790})
    page.keyboard.press("j")
    first = page.locator("tr.alert-row").first
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#panel .panel-body")).to_have_attribute(
        "data-guid", first.get_attribute("data-guid")
    )
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()
    expect(first).to_be_focused()

    # bulk: dismiss the first two rows
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_have_text("2 selected")
    page.get_by_role("button", name="Dismiss", exact=True).click()
    expect(page.locator("#toast")).to_contain_text("2 set to DISMISS")
    assert search_total(console, "alert_status:DISMISS") == 2
    expect(page.locator("tr.alert-row .status-dismiss")).to_have_count(2)

    # a saved search, stored with the user's settings and listed after the reload
    page.locator("summary", has_text="Save search").click()
    page.get_by_label("Name").fill("snort only")
    page.get_by_role("button", name="Save", exact=True).click()
    saved = page.locator(".saved-list a", has_text="snort only")
    expect(saved).to_be_visible()
    settings = console.context.users.get_settings(ANALYST[0])
    assert settings is not None
    assert settings["savedSearches"][0]["searchRequest"]["query"] == "source.type:snort"
    # and the recent searches remember the query
    expect(page.locator("#recent-searches")).to_contain_text("source.type:snort")
    page.goto(console.url + "/alerts")
    page.locator(".saved-list a", has_text="snort only").click()
    expect(page.locator("#q")).to_have_value("source.type:snort")
    shoot(page, "saved-search")
