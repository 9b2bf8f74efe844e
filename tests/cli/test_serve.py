"""``metron serve``: the API over stores written before, the first administrator, TLS."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from metron.search.store import AlertStore


def _serve(home: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "metron.cli.main", "serve", "--port", "0"],
        env={
            **os.environ,
            "METRON_CONFIG_DIR": str(home / "config"),
            "METRON_DATA_DIR": str(home / "data"),
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"console at (https?://\S+?)/ ", line)
        if found:
            return process, found.group(1)
    process.kill()
    pytest.fail(f"metron serve did not start: {''.join(lines)}")


def test_serve_answers_searches_over_existing_stores_and_makes_the_first_admin(
    tmp_path: Path,
) -> None:
    (tmp_path / "config").mkdir()
    with AlertStore(tmp_path / "data" / "alerts") as store:
        store.add_many(
            [("bro", {"guid": f"g{i}", "source.type": "bro", "timestamp": i}) for i in range(3)]
        )
    process, base = _serve(tmp_path)
    try:
        secret = tmp_path / "data" / "initial-admin-password"
        assert secret.stat().st_mode & 0o777 == 0o600
        auth = ("admin", secret.read_text().strip())
        assert httpx.get(f"{base}/health", timeout=30).json() == {"status": "ok"}
        assert httpx.post(f"{base}/api/v1/search/search", json={}, timeout=30).status_code == 401
        found = httpx.post(
            f"{base}/api/v1/search/search", json={"query": "*"}, auth=auth, timeout=30
        ).json()
        assert found["total"] == 3
        # what a platform writes later is found too (the server follows the store)
        with AlertStore(tmp_path / "data" / "alerts") as store:
            store.add_many([("bro", {"guid": "g9", "source.type": "bro", "timestamp": 9})])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            request = {"query": "guid:g9"}
            answer = httpx.post(
                f"{base}/api/v1/search/search", json=request, auth=auth, timeout=30
            ).json()
            if answer["total"] == 1:
                break
            time.sleep(0.2)
        assert answer["total"] == 1
        roles = httpx.get(f"{base}/api/v1/user/whoami/roles", auth=auth, timeout=30).json()
        assert roles == ["ROLE_USER", "ROLE_ADMIN"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    # a second start keeps the users: no new password
    process, _ = _serve(tmp_path)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert secret.read_text().strip() == auth[1]


def test_tls_config_naming_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "global.json").write_text(
        '{"metron.web.tls.certfile": "cert.pem", "metron.web.tls.keyfile": "key.pem"}'
    )
    done = subprocess.run(
        [sys.executable, "-m", "metron.cli.main", "serve", "--port", "0"],
        env={
            **os.environ,
            "METRON_CONFIG_DIR": str(tmp_path / "config"),
            "METRON_DATA_DIR": str(tmp_path / "data"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "metron.web.tls.certfile: no such file" in done.stderr
    assert "Traceback" not in done.stderr


def test_tls_from_the_global_config_serves_https_with_secure_cookies(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(config / "key.pem"), "-out", str(config / "cert.pem")]
    command += ["-subj", "/CN=localhost"]
    made = subprocess.run(
        command,
        capture_output=True,
        timeout=60,
    )
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {made.stderr!r}")
    (config / "global.json").write_text(
        '{"metron.web.tls.certfile": "cert.pem", "metron.web.tls.keyfile": "key.pem"}'
    )
    process, base = _serve(tmp_path)
    try:
        assert base.startswith("https://")
        password = (tmp_path / "data" / "initial-admin-password").read_text().strip()
        with httpx.Client(verify=False, timeout=30) as client:
            login = client.post(
                f"{base}/api/v1/login", json={"username": "admin", "password": password}
            )
            assert login.status_code == 200
            assert login.headers["strict-transport-security"] == "max-age=31536000"
            cookie = login.headers["set-cookie"].lower()
            assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
        with pytest.raises(httpx.HTTPError):  # plain HTTP is not spoken
            httpx.get(base.replace("https://", "http://") + "/health", timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
