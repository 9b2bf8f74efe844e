"""The current user, API tokens, users (ADMIN), the audit log, logging in and out, CSRF,
the login rate limit, and the OpenAPI pages."""

from __future__ import annotations

from web.support import ADMIN, ANALYST, Web


def test_current_user_and_roles(web: Web) -> None:
    me = web.client.get("/api/v1/user", auth=ANALYST)
    assert me.status_code == 200 and me.text == "analyst"
    assert me.headers["content-type"].startswith("text/plain")
    assert web.client.get("/api/v1/user/whoami/roles", auth=ANALYST).json() == ["ROLE_USER"]
    assert web.client.get("/api/v1/user/whoami/roles", auth=ADMIN).json() == [
        "ROLE_USER",
        "ROLE_ADMIN",
    ]
    for path in ("/api/v1/user", "/api/v1/user/whoami/roles"):
        refused = web.client.get(path)
        assert refused.status_code == 401
        assert refused.json()["responseCode"] == 401
        assert refused.headers["www-authenticate"].startswith("Basic")


def test_wrong_or_malformed_credentials_are_401(web: Web) -> None:
    assert web.client.get("/api/v1/user", auth=("analyst", "nope-nope")).status_code == 401
    assert web.client.get("/api/v1/user", auth=("nobody", "whatever1")).status_code == 401
    odd = web.client.get("/api/v1/user", headers={"Authorization": "Basic !!!"})
    assert odd.status_code == 401 and odd.json()["field"] == "Authorization"
    other = web.client.get("/api/v1/user", headers={"Authorization": "Digest x"})
    assert other.status_code == 401 and "unsupported" in other.json()["message"]


def test_tokens_authenticate_until_revoked(web: Web) -> None:
    made = web.client.post("/api/v1/user/token", json={"label": "ci"}, auth=ANALYST).json()
    token = made["token"]
    assert token.startswith("mtr_") and made["label"] == "ci"
    bearer = {"Authorization": f"Bearer {token}"}
    assert web.client.get("/api/v1/user", headers=bearer).text == "analyst"
    listed = web.client.get("/api/v1/user/token", auth=ANALYST).json()
    assert [t["id"] for t in listed] == [made["id"]] and "token" not in listed[0]
    assert web.client.get("/api/v1/user/token", auth=ADMIN).json() == []  # not theirs
    assert web.client.delete(f"/api/v1/user/token/{made['id']}", auth=ADMIN).json() is False
    assert web.client.delete(f"/api/v1/user/token/{made['id']}", auth=ANALYST).json() is True
    refused = web.client.get("/api/v1/user", headers=bearer)
    assert refused.status_code == 401 and "token" in refused.json()["message"]
    bad = web.client.post("/api/v1/user/token", json={"expiresDays": 0}, auth=ANALYST)
    assert bad.status_code == 400 and bad.json()["field"] == "expiresDays"
    actions = [e["action"] for e in web.audit(user="analyst")]
    assert actions[:2] == ["token.revoke", "token.create"]


def test_users_are_managed_by_admins_only(web: Web) -> None:
    client = web.client
    new = {"name": "carol", "password": "carol-password", "role": "USER"}
    assert client.get("/api/v1/users", auth=ANALYST).status_code == 403
    assert client.post("/api/v1/users", json=new, auth=ANALYST).status_code == 403
    made = client.post("/api/v1/users", json=new, auth=ADMIN).json()
    assert (made["name"], made["role"], made["roles"]) == ("carol", "USER", ["ROLE_USER"])
    again = client.post("/api/v1/users", json=new, auth=ADMIN)
    assert again.status_code == 400 and "already exists" in again.json()["message"]
    weak = client.post("/api/v1/users", json={**new, "name": "dave", "password": "x"}, auth=ADMIN)
    assert weak.status_code == 400
    assert [u["name"] for u in client.get("/api/v1/users", auth=ADMIN).json()] == [
        "admin",
        "analyst",
        "carol",
    ]
    assert client.get("/api/v1/user", auth=("carol", "carol-password")).text == "carol"
    changed = client.post(
        "/api/v1/users/carol/password", json={"password": "carol-new-password"}, auth=ADMIN
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/user", auth=("carol", "carol-password")).status_code == 401
    promoted = client.post("/api/v1/users/carol/role", json={"role": "admin"}, auth=ADMIN)
    assert promoted.json()["role"] == "ADMIN"
    assert (
        client.post("/api/v1/users/nobody/role", json={"role": "USER"}, auth=ADMIN).status_code
        == 404
    )
    assert client.delete("/api/v1/users/carol", auth=ADMIN).json() is True
    assert client.delete("/api/v1/users/carol", auth=ADMIN).status_code == 404
    # the last ADMIN stays one
    last = client.post("/api/v1/users/admin/role", json={"role": "USER"}, auth=ADMIN)
    assert last.status_code == 400 and "last ADMIN" in last.json()["message"]
    log = web.audit(target="carol")
    assert [e["action"] for e in log] == ["user.remove", "user.role", "user.passwd", "user.add"]
    assert log[1]["before"]["role"] == "USER" and log[1]["after"]["role"] == "ADMIN"
    assert all("password" not in str(e["after"]) for e in log)


def test_the_audit_log_is_for_admins(web: Web) -> None:
    assert web.client.get("/api/v1/audit", auth=ANALYST).status_code == 403
    web.client.post("/api/v1/user/token", json={}, auth=ANALYST)
    entries = web.client.get("/api/v1/audit", params={"limit": 1}, auth=ADMIN).json()
    assert len(entries) == 1 and entries[0]["user"] == "analyst"
    assert entries[0]["remote"] == "testclient"
    bad = web.client.get("/api/v1/audit", params={"limit": 0}, auth=ADMIN)
    assert bad.status_code == 400 and bad.json()["field"] == "limit"


def test_login_sets_a_session_whose_changes_need_the_csrf_token(web: Web) -> None:
    client = web.client
    login = client.post("/api/v1/login", json={"username": "analyst", "password": ANALYST[1]})
    assert login.status_code == 200
    body = login.json()
    assert body["user"] == "analyst" and body["roles"] == ["ROLE_USER"]
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert "strict-transport-security" not in login.headers  # plain HTTP here
    assert client.get("/api/v1/user").text == "analyst"  # the cookie alone reads
    refused = client.post("/api/v1/user/token", json={})
    assert refused.status_code == 403 and refused.json()["field"] == "X-CSRF-Token"
    csrf = {"X-CSRF-Token": body["csrfToken"]}
    assert client.post("/api/v1/user/token", json={}, headers=csrf).status_code == 200
    assert client.post("/api/v1/logout", headers=csrf).json()["status"] == "logged out"
    assert client.get("/api/v1/user").status_code == 401
    assert web.audit("login")[0]["user"] == "analyst"


def test_failed_logins_are_rate_limited(web: Web) -> None:
    client = web.client
    for _ in range(5):
        wrong = client.post("/api/v1/login", json={"username": "analyst", "password": "wrong!!"})
        assert wrong.status_code == 401
    blocked = client.post("/api/v1/login", json={"username": "analyst", "password": ANALYST[1]})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    # basic credentials from the same address are blocked as well
    assert client.get("/api/v1/user", auth=ANALYST).status_code == 429


def test_health_is_open_and_the_openapi_pages_need_a_user(web: Web) -> None:
    assert web.client.get("/health").json() == {"status": "ok"}
    assert web.client.get("/openapi.json").status_code == 401
    assert web.client.get("/docs").status_code == 401
    spec = web.client.get("/openapi.json", auth=ANALYST).json()
    assert "/api/v1/search/search" in spec["paths"]
    assert spec["components"]["securitySchemes"]["basic"]["scheme"] == "basic"
    docs = web.client.get("/docs", auth=ANALYST)
    assert docs.status_code == 200 and "/docs/static/swagger-ui-bundle.js" in docs.text
    assert "http://" not in docs.text and "https://" not in docs.text  # no CDN
    assert web.client.get("/metrics").status_code == 401
    assert web.client.get("/metrics", auth=ANALYST).text == "# no metrics\n"
