"""`metron user`: add, passwd, role, list, remove and token, each audited."""

from __future__ import annotations

import getpass
import io
import json
import sys
from pathlib import Path

import argon2
import pytest
from typer.testing import CliRunner, Result

from metron.cli import main as cli_main
from metron.cli.user import app
from metron.web.auth import AuthError, UserStore, users_path

PASSWORD = "correct horse"


@pytest.fixture(autouse=True)
def _fast_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRON_AUTH_FAST_HASH", "1")


def run(data: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, [*args, "--data-dir", str(data)], input=input)


def store(data: Path) -> UserStore:
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return UserStore(users_path(data), hasher=hasher)


def test_add_with_password_stdin(tmp_path: Path) -> None:
    result = run(
        tmp_path, "add", "alice", "--role", "admin", "--password-stdin", input="pass word \n"
    )
    assert result.exit_code == 0, result.output
    assert "added ADMIN alice" in result.stderr and result.stdout == ""
    with store(tmp_path) as users:
        alice = users.verify_password("alice", "pass word ")  # only the newline goes
        assert alice is not None and alice.is_admin
        [entry] = users.audit_entries()
    assert entry["user"] == f"cli:{getpass.getuser()}"
    assert (entry["action"], entry["target"], entry["before"]) == ("user.add", "alice", None)
    assert entry["after"] == {"name": "alice", "role": "ADMIN", "created": alice.created}


def test_add_with_prompt(tmp_path: Path) -> None:
    result = run(tmp_path, "add", "bob", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    with store(tmp_path) as users:
        bob = users.verify_password("bob", PASSWORD)
    assert bob is not None and bob.role == "USER"


def test_prompt_mismatch_asks_again(tmp_path: Path) -> None:
    result = run(tmp_path, "add", "bob", input=f"{PASSWORD}\nother one\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    with store(tmp_path) as users:
        assert users.verify_password("bob", PASSWORD) is not None


def test_mistakes_raise_auth_errors(tmp_path: Path) -> None:
    assert run(tmp_path, "add", "alice", "--password-stdin", input=PASSWORD).exit_code == 0
    cases = [
        (("add", "alice", "--password-stdin"), PASSWORD, "already exists"),
        (("add", "bad name", "--password-stdin"), PASSWORD, "invalid user name 'bad name'"),
        (("add", "bob", "--role", "root", "--password-stdin"), PASSWORD, "unknown role 'root'"),
        (("add", "bob", "--password-stdin"), "short\n", "at least 8 characters"),
        (("add", "bob", "--password-stdin"), "", "stdin is empty"),
        (("passwd", "bob", "--password-stdin"), PASSWORD, "no user 'bob'"),
        (("role", "bob", "ADMIN"), None, "no user 'bob'"),
        (("remove", "bob"), None, "no user 'bob'"),
        (("token", "bob"), None, "no user 'bob'"),
    ]
    for args, stdin, message in cases:
        result = run(tmp_path, *args, input=stdin)
        assert result.exit_code == 1, (args, result.output)
        assert isinstance(result.exception, AuthError), (args, result.exception)
        assert message in str(result.exception), (args, str(result.exception))


def test_main_prints_the_error_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "add", "alice", "--password-stdin", input=PASSWORD).exit_code == 0
    monkeypatch.setattr(cli_main, "app", app)  # metron.cli.main's handling, over this sub-app
    argv = ["metron", "add", "alice", "--password-stdin", "--data-dir", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit) as exit_:
        cli_main.main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err == "error: user 'alice' already exists\n"


def test_list(tmp_path: Path) -> None:
    result = run(tmp_path, "list", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    for name, role in (("carol", "USER"), ("alice", "ADMIN")):
        args = ("add", name, "--role", role, "--password-stdin")
        assert run(tmp_path, *args, input=PASSWORD).exit_code == 0
    listed = json.loads(run(tmp_path, "list", "--json").stdout)
    assert [(u["name"], u["role"]) for u in listed] == [("alice", "ADMIN"), ("carol", "USER")]
    assert all(u["created"].endswith("Z") and u["created"][4] == "-" for u in listed)
    table = run(tmp_path, "list").stdout.splitlines()
    assert table[0].split() == ["name", "role", "created"]
    assert [line.split()[:2] for line in table[1:]] == [["alice", "ADMIN"], ["carol", "USER"]]


def test_role_passwd_remove(tmp_path: Path) -> None:
    run(tmp_path, "add", "root", "--role", "ADMIN", "--password-stdin", input=PASSWORD)
    run(tmp_path, "add", "alice", "--password-stdin", input=PASSWORD)
    with store(tmp_path) as users:
        session_id, _ = users.create_session("alice")
    result = run(tmp_path, "role", "root", "user")
    assert result.exit_code == 1 and "last ADMIN" in str(result.exception)
    assert run(tmp_path, "role", "alice", "admin").exit_code == 0
    assert run(tmp_path, "role", "root", "USER").exit_code == 0
    result = run(tmp_path, "passwd", "alice", "--password-stdin", input="new password\n")
    assert result.exit_code == 0, result.output
    assert run(tmp_path, "remove", "alice").exit_code == 1  # the last ADMIN now
    assert run(tmp_path, "remove", "root").exit_code == 0
    with store(tmp_path) as users:
        assert [u.name for u in users.list_users()] == ["alice"]
        assert users.verify_password("alice", "new password") is not None
        assert users.session(session_id) is None
        entries = users.audit_entries()
    assert [(e["action"], e["target"], e["before"], e["after"]) for e in entries[:4]] == [
        (
            "user.remove",
            "root",
            {"name": "root", "role": "USER", "created": entries[0]["before"]["created"]},
            None,
        ),
        ("user.passwd", "alice", None, None),
        ("user.role", "root", {"role": "ADMIN"}, {"role": "USER"}),
        ("user.role", "alice", {"role": "USER"}, {"role": "ADMIN"}),
    ]
    assert not any("hash" in json.dumps(e) for e in entries)


def test_token(tmp_path: Path) -> None:
    run(tmp_path, "add", "alice", "--password-stdin", input=PASSWORD)
    result = run(tmp_path, "token", "alice", "--label", "ci", "--expires-days", "30")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("mtr_") and "\n" not in token
    assert "not shown again" in result.stderr and token not in result.stderr
    with store(tmp_path) as users:
        user = users.verify_token(token)
        assert user is not None and user.name == "alice"
        [info] = users.list_tokens("alice")
        [entry] = users.audit_entries(action="token.create")
    assert info["label"] == "ci" and info["expires"] == info["created"] + 30 * 86_400_000
    assert entry["target"] == "alice"
    assert entry["after"] == {**info, "lastUsed": None}
    assert token not in json.dumps(entry)
    assert run(tmp_path, "token", "alice", "--expires-days", "0").exit_code == 2  # usage error
