"""The console's tool pages in a real browser: a parser config saved with a mistake shows
the API's problem beside the editor (and the file is not written), a triage rule that is
not Stellar is marked, the Stellar REPL evaluates and assigns, a hunt query shows rows and
downloads as CSV, and the dashboard draws its charts.  Screenshots go to
``test-artifacts/screenshots``."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from metron.lake.writer import LakeWriter
from web.browser.conftest import sample_alerts
from web.support import ADMIN, ANALYST

if TYPE_CHECKING:
    from web.browser.conftest import Console

BRO_PARSER = {
    "parserClassName": "org.apache.metron.parsers.bro.BasicBroParser",
    "sensorTopic": "bro",
}


def log_in(page: Any, console: Console, path: str, user: tuple[str, str] = ANALYST) -> None:
    page.goto(console.url + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("User name").fill(user[0])
    page.get_by_label("Password").fill(user[1])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(console.url + path)


def write_parser(console: Console, name: str, config: dict[str, Any]) -> None:
    folder = console.context.config_dir / "parsers"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(config))


def test_a_config_mistake_is_shown_beside_the_editor(
    console: Console, page: Any, shoot: Any
) -> None:
    write_parser(console, "bro", BRO_PARSER)
    log_in(page, console, "/sensors/bro", ADMIN)
    editor = page.locator("#parser-config")
    expect(editor).to_have_value(re.compile('"sensorTopic": "bro"'))

    editor.fill(json.dumps({**BRO_PARSER, "parserConfigs": {}}, indent=2))
    page.get_by_role("button", name="Save parser config").click()
    problems = page.locator("#parser-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("unknown key 'parserConfigs'")
    expect(editor).to_have_attribute("aria-invalid", "true")
    saved = json.loads((console.context.config_dir / "parsers" / "bro.json").read_text())
    assert saved == BRO_PARSER

    # a triage rule that is not Stellar is marked in the table
    page.get_by_role("button", name="Add rule").click()
    row = page.locator("tr.rule-row").last
    row.get_by_label("Rule name").fill("bad rule")
    row.get_by_label("Rule (Stellar)").fill("ip_dst_port == ")
    row.get_by_label("Score").fill("40")
    page.get_by_role("button", name="Check rules").click()
    expect(row.locator(".rule-check")).to_contain_text("not valid Stellar")
    expect(page.locator("#enrichment-config")).to_have_value(re.compile('"name": "bad rule"'))
    shoot(page, "sensor-config-problem")

    # fixed, it saves, and the problems go
    editor.fill(json.dumps({**BRO_PARSER, "parserConfig": {}}, indent=2))
    editor.press("Control+s")
    expect(page.locator(".config-editor[data-kind='parser'] .save-state")).to_contain_text("Saved")
    expect(problems).to_be_hidden()
    saved = json.loads((console.context.config_dir / "parsers" / "bro.json").read_text())
    assert saved == {**BRO_PARSER, "parserConfig": {}}


def test_a_new_sensor_parses_a_sample_and_stops(console: Console, page: Any) -> None:
    log_in(page, console, "/sensors/new", ADMIN)
    page.get_by_label("Name").fill("door")
    page.get_by_label("Parser", exact=True).select_option(label="CSV")
    config = page.get_by_label("Parser config (JSON)")
    expect(config).to_have_value(re.compile(r'"sensorTopic": "door"'))
    config.fill(
        json.dumps(
            {
                "parserClassName": "org.apache.metron.parsers.csv.CSVParser",
                "sensorTopic": "door",
                "parserConfig": {"columns": {"door": 0, "badge": 1}},
            }
        )
    )
    page.get_by_role("button", name="Create sensor").click()
    expect(page).to_have_url(console.url + "/sensors/door")
    assert (console.context.config_dir / "parsers" / "door.json").is_file()

    page.get_by_label("Sample record").fill("north,4411")
    page.get_by_role("button", name="Parse", exact=True).click()
    result = page.locator("#sample-result")
    expect(result).to_contain_text('"door": "north"')
    expect(result).to_contain_text('"badge": "4411"')

    page.get_by_role("button", name="Stop").click()
    expect(page.locator("h1 [data-state]")).to_have_text("KILLED")
    expect(page.get_by_role("button", name="Start")).to_be_enabled()
    expect(page.get_by_role("button", name="Stop")).to_be_disabled()


def test_an_analyst_sees_the_configs_without_save_or_start(console: Console, page: Any) -> None:
    write_parser(console, "bro", BRO_PARSER)
    log_in(page, console, "/sensors")
    expect(page.locator("#sensors")).to_contain_text("bro")
    expect(page.get_by_role("button", name="Start bro")).to_have_count(0)
    page.get_by_role("link", name="bro", exact=True).click()
    expect(page.locator("#parser-config")).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name=re.compile("^Save"))).to_have_count(0)


def test_the_stellar_repl_evaluates_and_assigns(console: Console, page: Any, shoot: Any) -> None:
    log_in(page, console, "/stellar")
    line = page.get_by_label(re.compile("Stellar expression"))
    expect(line).to_be_focused()
    history = page.locator("#repl-history")

    line.fill("TO_UPPER('metron')")
    line.press("Enter")
    expect(history.locator(".repl-entry").last).to_contain_text("METRON")
    expect(history.locator(".repl-entry").last).to_contain_text("String")

    line.fill("x := 2 + 3")
    line.press("Enter")
    expect(page.locator("#repl-vars")).to_contain_text("x")
    line.fill("x * 4")
    line.press("Enter")
    expect(history.locator(".repl-entry").last.locator(".repl-result pre")).to_have_text("20")

    line.fill("TO_UPPER(")
    line.press("Enter")
    expect(history.locator(".repl-error").last).to_contain_text("Syntax error")

    # up recalls what was entered before
    line.press("ArrowUp")
    expect(line).to_have_value("TO_UPPER(")
    line.press("ArrowUp")
    expect(line).to_have_value("x * 4")
    line.press("ArrowDown")
    line.press("ArrowDown")
    expect(line).to_have_value("")

    page.get_by_label("Search functions").fill("IN_SUBNET")
    expect(page.locator("#function-list li")).to_have_count(1)
    page.locator("#function-list").get_by_role("button", name="IN_SUBNET").click()
    expect(line).to_have_value("IN_SUBNET(")
    shoot(page, "stellar")


def test_a_hunt_shows_rows_errors_and_downloads(
    console: Console, page: Any, shoot: Any, tmp_path: Any
) -> None:
    alerts = sample_alerts(1_772_409_600_000)
    with LakeWriter(console.context.data_dir / "lake") as writer:
        for alert in alerts:
            writer.write(alert["source.type"], [alert])
    log_in(page, console, "/hunt")
    expect(page.locator(".hunt-help")).to_contain_text("snort")

    sql = page.get_by_label("Query", exact=True)
    sql.fill("SELECT sensor, count(*) AS n FROM messages GROUP BY sensor ORDER BY sensor")
    sql.press("Control+Enter")
    table = page.locator("#hunt-table")
    expect(table.locator("thead th")).to_have_text(["sensor", "n"])
    expect(table.locator("tbody tr")).to_have_text(
        [re.compile(r"bro\s*16"), re.compile(r"snort\s*8")]
    )
    expect(page.locator("#hunt-results-heading")).to_have_text("2 rows")
    shoot(page, "hunt")

    with page.expect_download() as caught:
        page.get_by_role("button", name="Download CSV").click()
    download = caught.value
    assert download.suggested_filename.startswith("hunt-")
    target = tmp_path / "hunt.csv"
    download.save_as(target)
    assert target.read_text().splitlines() == ["sensor,n", "bro,16", "snort,8"]

    sql.fill("SELECT * FROM read_csv('/etc/passwd')")
    page.get_by_role("button", name="Run").click()
    error = page.locator("#hunt-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("disabled by configuration")
    expect(sql).to_have_attribute("aria-invalid", "true")


def test_the_dashboard_draws_its_charts(console: Console, page: Any, shoot: Any) -> None:
    log_in(page, console, "/")
    events = page.get_by_role("img", name=re.compile("^Events over time"))
    expect(events).to_be_visible()
    expect(events).to_have_attribute("aria-label", re.compile(r"bro 16, snort 8 events"))
    expect(page.locator(".stat-cards")).to_contain_text("24")
    page.get_by_role("img", name=re.compile("^Top source addresses")).locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/alerts\?f=ip_src_addr"))
    expect(page.locator("#total")).to_have_text("4")
    page.go_back()
    shoot(page, "dashboard")
