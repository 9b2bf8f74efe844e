"""The console's server-rendered pages, without a browser: logging in and out, the CSRF
checks, the alerts page from its URL (rows, facets, filters, sorting, paging, query
errors), the details panel, and what the pages refuse."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from metron.web.console.login import LOGIN_CSRF_COOKIE
from metron.web.console.templating import STATIC_DIR, TEMPLATE_DIR
from metron.web.security import SESSION_COOKIE
from web.support import ADMIN, ANALYST, Web

#: The alerts happened in the last minute (the page shows the last 24 hours by default).
NOW = int(time.time() * 1000)
ALERTS: list[dict[str, Any]] = [
    {
        "guid": f"guid-{i:02d}",
        "source.type": "bro" if i % 3 else "snort",
        "timestamp": NOW - (20 - i) * 1000,
        "ip_src_addr": f"10.0.0.{i % 4}",
        "ip_dst_addr": "203.0.113.7",
        "threat.triage.score": i * 5,
        "enrichments.geo.ip_dst_addr.country": "NL",
        "enrichments.geo.ip_dst_addr.city": "Amsterdam",
        "threatintels.hbaseThreatIntel.ip_dst_addr.malicious_ip": "alert",
        "adapter.geoadapter.begin.ts": "1700000000000",
        "custom_field": "custom value",
        **({"alert_status": "OPEN"} if i < 3 else {}),
    }
    for i in range(20)
]


@pytest.fixture
def alerts(web: Web) -> Web:
    web.store.add_many([(a["source.type"], a) for a in ALERTS])
    return web


def login_csrf(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    token = client.cookies.get(LOGIN_CSRF_COOKIE)
    assert token and f'value="{token}"' in page.text
    return token


def log_in(client: TestClient, user: tuple[str, str] = ANALYST, next_path: str = "/alerts") -> Any:
    token = login_csrf(client)
    return client.post(
        "/login",
        data={"username": user[0], "password": user[1], "csrf_token": token, "next": next_path},
        follow_redirects=False,
    )


def logged_in(web: Web) -> TestClient:
    response = log_in(web.client)
    assert response.status_code == 303, response.text
    return web.client


def guids(html: str) -> list[str]:
    return re.findall(r'<tr class="alert-row[^"]*" tabindex="0" data-guid="([^"]+)"', html)


def session_csrf(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found
    return found.group(1)


# ----------------------------------------------------------------------- logging in


@pytest.mark.parametrize(
    "path", ["/alerts", "/alerts?q=a&f=source.type:bro", "/alerts/bro/guid-01/panel"]
)
def test_pages_need_a_session(web: Web, path: str) -> None:
    response = web.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?next=")
    # the login form sends the browser back where it was going
    form = web.client.get(location)
    assert form.status_code == 200
    assert 'name="next"' in form.text


def test_basic_auth_is_not_a_console_session(web: Web) -> None:
    response = web.client.get("/alerts", auth=ANALYST, follow_redirects=False)
    assert response.status_code == 303


def test_login_and_audit(alerts: Web) -> None:
    response = log_in(alerts.client, next_path="/alerts?q=source.type%3Abro")
    assert response.status_code == 303
    assert response.headers["location"] == "/alerts?q=source.type%3Abro"
    assert alerts.client.cookies.get(SESSION_COOKIE)
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    page = alerts.client.get("/alerts")
    assert page.status_code == 200
    assert "analyst" in page.text and "USER" in page.text
    entries = alerts.client.get("/api/v1/audit", params={"action": "login"}, auth=ADMIN).json()
    assert [(e["user"], e["target"]) for e in entries] == [("analyst", "analyst")]
    # a logged-in user asking for the login page goes on
    again = alerts.client.get("/login?next=/alerts", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/alerts"


def test_wrong_password_shows_the_form_again(web: Web) -> None:
    response = log_in(web.client, ("analyst", "not-the-password"))
    assert response.status_code == 401
    assert "wrong user name or password" in response.text
    assert 'value="analyst"' in response.text  # the name is kept, the password is not
    assert "www-authenticate" not in response.headers  # no browser password dialog
    assert not web.client.cookies.get(SESSION_COOKIE)


def test_too_many_failures_are_refused(web: Web) -> None:
    for _ in range(web.context.limiter.max_failures):
        assert log_in(web.client, ("analyst", "wrong-password")).status_code == 401
    response = log_in(web.client, ANALYST)  # even the right password, for now
    assert response.status_code == 429
    assert "too many failed logins" in response.text
    assert int(response.headers["retry-after"]) > 0


def test_login_without_the_form_token_is_refused(web: Web) -> None:
    login_csrf(web.client)
    data = {"username": ANALYST[0], "password": ANALYST[1], "next": "/alerts"}
    assert web.client.post("/login", data=data, follow_redirects=False).status_code == 403
    wrong = {**data, "csrf_token": "forged"}
    response = web.client.post("/login", data=wrong, follow_redirects=False)
    assert response.status_code == 403
    assert "expired" in response.text
    assert not web.client.cookies.get(SESSION_COOKIE)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "evil.example",
        "javascript:alert(1)",
        "/alerts\r\nSet-Cookie: x=y",
    ],
)
def test_login_refuses_to_send_the_browser_elsewhere(web: Web, target: str) -> None:
    response = log_in(web.client, next_path=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/alerts"


def test_logout_needs_the_csrf_token_and_ends_the_session(alerts: Web) -> None:
    client = logged_in(alerts)
    csrf = session_csrf(client.get("/alerts").text)
    refused = client.post("/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert "out of date" in refused.text
    assert client.get("/alerts", follow_redirects=False).status_code == 200  # still in
    done = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert client.get("/alerts", follow_redirects=False).status_code == 303
    entries = client.get("/api/v1/audit", params={"action": "logout"}, auth=ADMIN).json()
    assert [e["user"] for e in entries] == ["analyst"]


def test_the_api_wants_the_csrf_header_from_the_console(alerts: Web) -> None:
    client = logged_in(alerts)
    csrf = session_csrf(client.get("/alerts").text)
    body = {"guid": "guid-05", "sensorType": "bro", "status": "OPEN"}
    headers = {"X-Requested-With": "metron-console"}
    refused = client.post("/api/v1/update/status", json=body, headers=headers)
    assert refused.status_code == 403
    done = client.post(
        "/api/v1/update/status", json=body, headers={**headers, "X-CSRF-Token": csrf}
    )
    assert done.status_code == 200, done.text
    assert alerts.store.find_one("guid-05", "bro")["alert_status"] == "OPEN"


# ----------------------------------------------------------------------- the alerts page


def test_alerts_page_rows_facets_and_headers(alerts: Web) -> None:
    client = logged_in(alerts)
    page = client.get("/alerts")
    assert page.status_code == 200
    html = page.text
    # newest first, one page of 25: all 20
    assert guids(html) == [f"guid-{i:02d}" for i in reversed(range(20))]
    assert '<span id="total">20</span>' in html
    # facet counts: source.type and the status, alerts without one counted as NEW
    assert re.search(r'data-value="bro">.*?class="count">13<', html)
    assert re.search(r'data-value="snort">.*?class="count">7<', html)
    assert re.search(r'data-value="NEW">.*?class="count">17<', html)
    assert re.search(r'data-value="OPEN">.*?class="count">3<', html)
    # the score badges are coloured by range
    assert '<span class="score score-high">95</span>' in html
    assert '<span class="score score-medium">50</span>' in html
    assert '<span class="score score-low">20</span>' in html
    assert '<span class="score score-none">15</span>' in html
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_a_facet_filter_narrows_the_rows_and_toggles_off(alerts: Web) -> None:
    client = logged_in(alerts)
    html = client.get("/alerts").text
    link = re.search(
        r'<a class="facet-value" href="([^"]+)" data-facet="source.type" '
        r'data-value="snort"',
        html,
    )
    assert link
    filtered = client.get(link.group(1).replace("&amp;", "&")).text
    assert sorted(guids(filtered)) == sorted(
        a["guid"] for a in ALERTS if a["source.type"] == "snort"
    )
    assert '<span id="total">7</span>' in filtered
    # the active filter's link removes it
    active = re.search(
        r'<a class="facet-value active" href="([^"]+)" data-facet="source.type"', filtered
    )
    assert active and active.group(1) == "/alerts"


def test_the_new_status_filter_finds_alerts_without_a_status(alerts: Web) -> None:
    client = logged_in(alerts)
    html = client.get("/alerts", params={"f": "alert_status:NEW"}).text
    assert len(guids(html)) == 17
    html = client.get("/alerts", params={"f": ["alert_status:OPEN", "source.type:bro"]}).text
    assert sorted(guids(html)) == ["guid-01", "guid-02"]


def test_query_sort_paging_and_time_range(alerts: Web) -> None:
    client = logged_in(alerts)
    html = client.get("/alerts", params={"q": "threat.triage.score:>=50"}).text
    assert len(guids(html)) == 10
    page = client.get(
        "/alerts", params={"sort": "threat.triage.score:asc", "size": "10", "page": "2"}
    ).text
    assert guids(page) == [f"guid-{i:02d}" for i in range(10, 20)]
    assert "Page 2 of 2" in page
    assert 'aria-sort="ascending"' in page
    # the header link sorts the other way
    assert 'href="/alerts?sort=threat.triage.score%3Adesc&amp;size=10"' in page
    # an alert of last year shows for "all time" only
    old = {**ALERTS[0], "guid": "old", "timestamp": NOW - 366 * 24 * 3600 * 1000}
    alerts.store.add_many([("snort", old)])
    recent = client.get("/alerts", params={"range": "15m"}).text
    assert len(guids(recent)) == 20 and "old" not in guids(recent)
    assert "old" not in guids(client.get("/alerts").text)
    assert "old" in guids(client.get("/alerts", params={"range": "all"}).text)
    empty = client.get("/alerts", params={"q": "guid:old"}).text
    assert "Nothing in the last 24 hours" in empty
    assert 'href="/alerts?q=guid%3Aold&amp;range=all">Search all time</a>' in empty
    # what a URL gets wrong falls back to the defaults
    odd = client.get("/alerts", params={"size": "7", "page": "x", "range": "1y", "sort": "!"})
    assert odd.status_code == 200 and len(guids(odd.text)) == 20  # not the old one


def test_a_bad_query_is_shown_above_the_table(alerts: Web) -> None:
    client = logged_in(alerts)
    response = client.get("/alerts", params={"q": "ip_src_addr:(10.0.0.1"})
    assert response.status_code == 200
    assert 'id="query-error"' in response.text
    assert "position 21" in response.text
    assert "unexpected end of the query" in response.text
    assert guids(response.text) == []


def test_columns_from_the_url(alerts: Web) -> None:
    client = logged_in(alerts)
    html = client.get("/alerts", params={"cols": 'guid, custom_field ,bad"name'}).text
    header = html[html.index("<thead>") : html.index("</thead>")]
    assert "custom_field" in header and "Dst IP" not in header
    assert "custom value" in html


def test_meta_alerts_are_rows_with_their_alerts(alerts: Web) -> None:
    meta = alerts.store.create_meta_alert(
        {
            "alerts": [
                {"guid": "guid-01", "sensorType": "bro"},
                {"guid": "guid-02", "sensorType": "bro"},
            ],
            "groups": ["test"],
        }
    )
    client = logged_in(alerts)
    html = client.get("/alerts").text
    assert meta["guid"] in guids(html)
    assert "guid-01" not in guids(html)  # shown inside the meta-alert, not on its own
    assert f'data-parent="{meta["guid"]}" data-guid="guid-01"' in html
    assert "meta · 2" in html


def test_saved_searches_come_from_the_settings(alerts: Web) -> None:
    alerts.context.users.put_settings(
        "analyst",
        {
            "user": "analyst",
            "savedSearches": [
                {
                    "name": "snort only",
                    "searchRequest": {
                        "query": "source.type:snort",
                        "size": 10,
                        "sort": [{"field": "timestamp", "sortOrder": "asc"}],
                    },
                }
            ],
            "tableColumns": ["guid", "ip_src_addr"],
        },
    )
    client = logged_in(alerts)
    html = client.get("/alerts").text
    assert (
        '<a href="/alerts?q=source.type%3Asnort&amp;sort=timestamp%3Aasc&amp;size=10">'
        "snort only</a>" in html
    )
    header = html[html.index("<thead>") : html.index("</thead>")]
    assert "Src IP" in header and "Score" not in header


# ----------------------------------------------------------------------- the details panel


def test_details_panel_groups_the_fields(alerts: Web) -> None:
    alerts.store.add_comment(
        {"guid": "guid-04", "sensorType": "bro", "comment": "looks bad", "username": "admin"}
    )
    alerts.store.set_status("guid-04", "bro", "ESCALATE", user="admin")
    client = logged_in(alerts)
    response = client.get("/alerts/bro/guid-04/panel")
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html  # a fragment
    for title in (
        "Enrichment: geo · ip_dst_addr",
        "Threat intel: hbaseThreatIntel · ip_dst_addr",
        "Threat triage",
        "Timing",
        "Other fields",
    ):
        assert f">{title}</h3>" in html
    assert "Amsterdam" in html and "custom value" in html
    assert 'data-status="ESCALATE" aria-pressed="true"' in html
    assert "looks bad" in html and 'data-username="admin"' in html
    assert "comment added" in html and "status" in html  # the history
    whole = client.get("/alerts/bro/guid-04")
    assert whole.status_code == 200 and "<html" in whole.text and "data-standalone" in whole.text


def test_details_of_a_missing_alert(alerts: Web) -> None:
    client = logged_in(alerts)
    response = client.get("/alerts/bro/no-such-guid/panel")
    assert response.status_code == 404
    assert "No alert no-such-guid" in response.text


def test_meta_alert_panel_lists_its_alerts(alerts: Web) -> None:
    meta = alerts.store.create_meta_alert(
        {
            "alerts": [
                {"guid": "guid-01", "sensorType": "bro"},
                {"guid": "guid-03", "sensorType": "snort"},
            ],
            "groups": ["test"],
        }
    )
    client = logged_in(alerts)
    html = client.get(f"/alerts/metaalert/{meta['guid']}/panel").text
    assert html.count('data-action="meta-remove"') == 2
    assert 'data-child-guid="guid-03" data-child-sensor="snort"' in html
    assert 'data-to="inactive"' in html
    child = client.get("/alerts/bro/guid-01/panel").text
    assert f'data-guid="{meta["guid"]}"' in child  # "In meta-alerts"


# ----------------------------------------------------------------------- offline


def test_no_external_url_in_the_console_files() -> None:
    files = [*Path(TEMPLATE_DIR).glob("*.html"), *Path(STATIC_DIR).glob("*")]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path


def test_static_files_are_served(web: Web) -> None:
    for name, kind in (("console.js", "javascript"), ("console.css", "text/css")):
        response = web.client.get(f"/static/{name}")
        assert response.status_code == 200
        assert kind in response.headers["content-type"]
