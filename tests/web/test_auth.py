"""The user store (users, password cache, sessions, tokens, audit, settings) and the login
rate limit."""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import argon2
import pytest

from metron.errors import MetronError
from metron.web.auth import AuthError, LoginLimiter, User, UserStore, open_users, users_path

PASSWORD = "correct horse"


def cheap() -> argon2.PasswordHasher:
    return argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[UserStore]:
    with UserStore(tmp_path / "data" / "users.db", hasher=cheap(), clock=clock) as users:
        yield users


class CountingHasher(argon2.PasswordHasher):
    """Counts argon2 runs: hashes and verifications cost the same."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.runs = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.runs += 1
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.runs += 1
        return super().verify(hash, password)


# ----------------------------------------------------------------------- users


def test_add_and_verify(store: UserStore, clock: Clock) -> None:
    alice = store.add_user("alice", PASSWORD)
    assert alice == User("alice", "USER", int(clock.now * 1000))
    assert alice.roles == ["ROLE_USER"] and not alice.is_admin
    assert store.verify_password("alice", PASSWORD) == alice
    assert store.verify_password("alice", "wrong password") is None
    assert store.verify_password("bob", PASSWORD) is None
    assert store.get_user("alice") == alice and store.get_user("bob") is None


def test_roles_and_listing(store: UserStore) -> None:
    assert not store.has_users() and store.list_users() == []
    root = store.add_user("root@example.org", PASSWORD, role="admin")
    store.add_user("a.b-c_d", PASSWORD)
    assert root.role == "ADMIN" and root.is_admin and root.roles == ["ROLE_USER", "ROLE_ADMIN"]
    assert store.has_users()
    assert [u.name for u in store.list_users()] == ["a.b-c_d", "root@example.org"]
    assert store.set_role("a.b-c_d", "Admin").role == "ADMIN"
    assert store.get_user("a.b-c_d") == User("a.b-c_d", "ADMIN", root.created)


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "alice\n", "ö", "a/b", "a:b"])
def test_bad_names(store: UserStore, name: str) -> None:
    with pytest.raises(AuthError, match="invalid user name") as error:
        store.add_user(name, PASSWORD)
    assert repr(name) in str(error.value)
    assert isinstance(error.value, MetronError)


def test_bad_role_short_password_duplicate_unknown(store: UserStore) -> None:
    with pytest.raises(AuthError, match="unknown role 'root'"):
        store.add_user("alice", PASSWORD, role="root")
    with pytest.raises(AuthError, match="at least 8 characters"):
        store.add_user("alice", "1234567")
    store.add_user("alice", "12345678")
    with pytest.raises(AuthError, match="already exists"):
        store.add_user("alice", PASSWORD)
    with pytest.raises(AuthError, match="at least 8"):
        store.set_password("alice", "short")
    with pytest.raises(AuthError, match="unknown role"):
        store.set_role("alice", "superuser")
    for call in (
        lambda: store.set_password("bob", PASSWORD),
        lambda: store.set_role("bob", "USER"),
        lambda: store.remove_user("bob"),
        lambda: store.create_session("bob"),
        lambda: store.create_token("bob"),
    ):
        with pytest.raises(AuthError, match="no user 'bob'"):
            call()


def test_last_admin_is_kept(store: UserStore) -> None:
    store.add_user("root", PASSWORD, role="ADMIN")
    store.add_user("alice", PASSWORD)
    with pytest.raises(AuthError, match="last ADMIN"):
        store.remove_user("root")
    with pytest.raises(AuthError, match="last ADMIN"):
        store.set_role("root", "USER")
    assert store.set_role("root", "ADMIN").is_admin  # staying ADMIN is fine
    store.set_role("alice", "ADMIN")
    store.set_role("root", "USER")
    with pytest.raises(AuthError, match="cannot remove 'alice'"):
        store.remove_user("alice")
    store.remove_user("root")
    assert [u.name for u in store.list_users()] == ["alice"]


def test_remove_takes_sessions_tokens_settings(store: UserStore) -> None:
    store.add_user("alice", PASSWORD)
    session_id, _ = store.create_session("alice")
    token, _ = store.create_token("alice")
    store.put_settings("alice", {"tableColumns": ["guid"]})
    store.remove_user("alice")
    assert store.session(session_id) is None
    assert store.verify_token(token) is None
    assert store.list_tokens("alice") == []
    assert store.get_settings("alice") is None
    assert store.verify_password("alice", PASSWORD) is None
    store.add_user("alice", PASSWORD)  # a new alice gets none of it back
    assert store.session(session_id) is None and store.verify_token(token) is None


def test_file_is_private(tmp_path: Path) -> None:
    path = users_path(tmp_path / "nested" / "data")
    assert path == tmp_path / "nested" / "data" / "users.db"
    with UserStore(path, hasher=cheap()) as users:
        users.add_user("alice", PASSWORD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSWORD not in path.read_bytes().decode("latin-1")


def test_open_users_fast_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRON_AUTH_FAST_HASH", "1")
    with open_users(tmp_path) as users:
        users.add_user("alice", PASSWORD)
    with UserStore(users_path(tmp_path), hasher=cheap()) as users:
        row = users._rows("SELECT hash FROM users")[0]
    assert row["hash"].startswith("$argon2id$v=19$m=8,t=1,p=1$")


# ----------------------------------------------------------------------- passwords


def test_verify_cache(tmp_path: Path) -> None:
    hasher = CountingHasher()
    with UserStore(tmp_path / "users.db", hasher=hasher) as users:
        users.add_user("alice", PASSWORD)
        assert hasher.runs == 1
        for _ in range(3):
            assert users.verify_password("alice", PASSWORD) is not None
        assert hasher.runs == 2
        # a wrong password and an unknown user cost one argon2 run each, every time
        for expected in (4, 6):
            assert users.verify_password("alice", PASSWORD + "!") is None
            assert users.verify_password("nobody", PASSWORD) is None
            assert hasher.runs == expected


def test_password_change_invalidates_cache_and_sessions(tmp_path: Path) -> None:
    path = tmp_path / "users.db"
    with UserStore(path, hasher=cheap()) as web, UserStore(path, hasher=cheap()) as cli:
        web.add_user("alice", PASSWORD)
        assert web.verify_password("alice", PASSWORD) is not None  # cached in web
        session_id, _ = web.create_session("alice")
        cli.set_password("alice", "new password")  # another process
        assert web.verify_password("alice", PASSWORD) is None
        assert web.verify_password("alice", "new password") is not None
        assert web.session(session_id) is None
        web.set_password("alice", PASSWORD)
        assert web.verify_password("alice", "new password") is None
        assert cli.verify_password("alice", PASSWORD) is not None


def test_rehash_on_login(tmp_path: Path) -> None:
    path = tmp_path / "users.db"
    with UserStore(path, hasher=cheap()) as old:
        old.add_user("alice", PASSWORD)
    stronger = argon2.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    with UserStore(path, hasher=stronger) as new:
        assert new.verify_password("alice", "not it") is None
        assert "t=1" in new._rows("SELECT hash FROM users")[0]["hash"]
        assert new.verify_password("alice", PASSWORD) is not None
        stored = new._rows("SELECT hash FROM users")[0]["hash"]
        assert stored.startswith("$argon2id$v=19$m=16,t=2,p=1$")
        assert new.verify_password("alice", PASSWORD) is not None


def test_threads_share_a_store(store: UserStore) -> None:
    store.add_user("alice", PASSWORD)
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                assert store.verify_password("alice", PASSWORD) is not None
                store.audit("alice", "t", f"{n}-{i}")
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(store.audit_entries(limit=1000)) == 160


# ----------------------------------------------------------------------- sessions


def test_sessions(store: UserStore, clock: Clock, tmp_path: Path) -> None:
    alice = store.add_user("alice", PASSWORD)
    session_id, csrf = store.create_session("alice", ttl_s=3600)
    assert len(session_id) >= 43 and len(csrf) >= 43 and session_id != csrf
    assert store.session(session_id) == (alice, csrf)
    assert session_id not in (tmp_path / "data" / "users.db").read_bytes().decode("latin-1")
    assert store.session("not a session") is None
    other, _ = store.create_session("alice")
    store.end_session(session_id)
    assert store.session(session_id) is None
    assert store.session(other) is not None


def test_session_expires(store: UserStore, clock: Clock) -> None:
    store.add_user("alice", PASSWORD)
    session_id, _ = store.create_session("alice", ttl_s=3600)
    clock.now += 3599
    assert store.session(session_id) is not None  # slides to +3600 from here
    clock.now += 3601
    assert store.session(session_id) is None
    clock.now -= 3601
    assert store.session(session_id) is None  # expired sessions are gone for good


def test_session_slides(store: UserStore, clock: Clock) -> None:
    store.add_user("alice", PASSWORD)
    session_id, _ = store.create_session("alice", ttl_s=600)
    for _ in range(10):  # in use every 4 minutes for 40 minutes
        clock.now += 240
        assert store.session(session_id) is not None
    clock.now += 599
    assert store.session(session_id) is not None
    clock.now += 601
    assert store.session(session_id) is None


def test_session_does_not_slide_within_five_minutes(store: UserStore, clock: Clock) -> None:
    store.add_user("alice", PASSWORD)
    session_id, _ = store.create_session("alice", ttl_s=600)
    clock.now += 200  # used, but under 5 minutes into it: the expiry stays
    assert store.session(session_id) is not None
    clock.now += 400
    assert store.session(session_id) is None


# ----------------------------------------------------------------------- tokens


def test_tokens(store: UserStore, clock: Clock, tmp_path: Path) -> None:
    alice = store.add_user("alice", PASSWORD)
    token, info = store.create_token("alice", label="ci")
    now = int(clock.now * 1000)
    assert token.startswith("mtr_") and len(token) >= 47
    assert info == {
        "id": info["id"],
        "label": "ci",
        "created": now,
        "expires": None,
        "lastUsed": None,
    }
    assert token not in (tmp_path / "data" / "users.db").read_bytes().decode("latin-1")
    assert store.list_tokens("alice") == [info]
    assert store.verify_token(token) == alice
    assert store.list_tokens("alice")[0]["lastUsed"] == now
    clock.now += 30
    store.verify_token(token)
    assert store.list_tokens("alice")[0]["lastUsed"] == now  # at most once a minute
    clock.now += 31
    store.verify_token(token)
    assert store.list_tokens("alice")[0]["lastUsed"] == int(clock.now * 1000)
    for bad in ("", "mtr_", token + "x", token[4:], "Bearer " + token):
        assert store.verify_token(bad) is None
    store.add_user("bob", PASSWORD)
    assert not store.revoke_token("bob", info["id"])  # not bob's
    assert store.revoke_token("alice", info["id"])
    assert not store.revoke_token("alice", info["id"])
    assert store.verify_token(token) is None
    assert store.list_tokens("alice") == []


def test_token_expires(store: UserStore, clock: Clock) -> None:
    store.add_user("alice", PASSWORD)
    token, info = store.create_token("alice", expires_days=2)
    assert info["expires"] == info["created"] + 2 * 86_400_000
    clock.now += 2 * 86_400 - 1
    assert store.verify_token(token) is not None
    clock.now += 1
    assert store.verify_token(token) is None
    with pytest.raises(AuthError, match="at least 1 day"):
        store.create_token("alice", expires_days=0)


# ----------------------------------------------------------------------- audit


def test_audit(store: UserStore, clock: Clock) -> None:
    store.audit("alice", "config.save", "parser.bro", None, {"a": 1}, "192.0.2.1")
    clock.now += 1
    store.audit("bob", "config.save", "parser.bro", {"a": 1}, {"a": 2})
    clock.now += 1
    store.audit("alice", "user.add", "carol", after={"name": "carol", "role": "USER"})
    entries = store.audit_entries()
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    assert entries[-1] == {
        "id": entries[-1]["id"],
        "timestamp": int((clock.now - 2) * 1000),
        "user": "alice",
        "action": "config.save",
        "target": "parser.bro",
        "before": None,
        "after": {"a": 1},
        "remote": "192.0.2.1",
    }
    assert [e["target"] for e in store.audit_entries(user="alice")] == ["carol", "parser.bro"]
    assert [e["user"] for e in store.audit_entries(action="config.save")] == ["bob", "alice"]
    assert [e["user"] for e in store.audit_entries(target="parser.bro", user="bob")] == ["bob"]
    assert [e["user"] for e in store.audit_entries(limit=1, offset=1)] == ["bob"]
    assert store.audit_entries(offset=3) == []
    assert store.audit_entries(action="nothing") == []


# ----------------------------------------------------------------------- settings


def test_settings(store: UserStore) -> None:
    settings = {"tableColumns": ["guid", "ip_src_addr"], "savedSearches": [], "refresh": 60}
    assert store.get_settings("alice") is None and store.all_settings() == {}
    store.put_settings("alice", settings)
    store.put_settings("bob", {"x": {"y": [1, None]}})
    assert store.get_settings("alice") == settings
    store.put_settings("alice", {"refresh": 0})
    assert store.all_settings() == {"alice": {"refresh": 0}, "bob": {"x": {"y": [1, None]}}}
    assert store.delete_settings("alice")
    assert not store.delete_settings("alice")
    assert store.all_settings() == {"bob": {"x": {"y": [1, None]}}}


# ----------------------------------------------------------------------- login limiter


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limiter_blocks_and_unblocks() -> None:
    clock = Monotonic()
    limiter = LoginLimiter(max_failures=3, window_s=60, clock=clock)
    for _ in range(2):
        limiter.failed("user:alice", "ip:192.0.2.1")
        clock.now += 10
    assert limiter.retry_after("user:alice", "ip:192.0.2.1") == 0.0
    limiter.failed("user:alice")
    assert limiter.retry_after("user:alice") == pytest.approx(40.0)  # first failure at 100
    assert limiter.retry_after("ip:192.0.2.1") == 0.0  # keys are independent
    assert limiter.retry_after("user:bob", "user:alice") == pytest.approx(40.0)
    assert limiter.retry_after("user:bob") == 0.0
    clock.now = 160.0
    assert limiter.retry_after("user:alice") == 0.0  # the oldest left the window
    limiter.failed("user:alice")
    assert limiter.retry_after("user:alice") == pytest.approx(10.0)  # now blocked by 110
    clock.now = 170.0
    assert limiter.retry_after("user:alice") == 0.0


def test_limiter_success_clears() -> None:
    clock = Monotonic()
    limiter = LoginLimiter(max_failures=2, window_s=60, clock=clock)
    limiter.failed("user:alice", "ip:192.0.2.1")
    limiter.failed("user:alice", "ip:192.0.2.1")
    assert limiter.retry_after("ip:192.0.2.1") > 0
    limiter.succeeded("user:alice")
    assert limiter.retry_after("user:alice") == 0.0
    assert limiter.retry_after("ip:192.0.2.1") > 0


def test_limiter_memory_is_bounded() -> None:
    clock = Monotonic()
    limiter = LoginLimiter(max_failures=2, window_s=60, clock=clock, max_keys=100)
    for i in range(1000):
        limiter.failed(f"ip:{i}", f"ip:{i}")
    assert len(limiter._failures) == 100
    assert limiter.retry_after("ip:999") > 0 and limiter.retry_after("ip:0") == 0.0
    clock.now += 61
    limiter.failed("ip:new")
    assert list(limiter._failures) == ["ip:new"]  # the old ones left the window
    assert all(len(times) <= 2 for times in limiter._failures.values())
