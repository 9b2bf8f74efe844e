"""`metron load taxii` as a user runs it, against a real TAXII 2.1 server (medallion):
the summary, incremental polls through the state file, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from metron.enrichment.lookup import SqliteLookup

RunMetron = Callable[..., subprocess.CompletedProcess[str]]


def test_poll_then_poll_again_incrementally(
    run_metron: RunMetron, taxii_server: dict[str, str], tmp_path: Path
) -> None:
    url = taxii_server["url"] + "taxii2/"
    args = ("load", "taxii", url, "--collection", "Indicators", "--user", taxii_server["user"])
    done = run_metron(
        *args, "--password-stdin", "--limit", "4", stdin=taxii_server["password"] + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert (
        "loaded 8 threat-intel records (domain 2, email 1, ip 2, md5 1, sha256 1, url 1) from 7"
        " indicators in 12 objects (3 pages) of "
        f"{taxii_server['url']}api1/ collection {taxii_server['indicators']}; skipped 1 expired,"
        " 1 revoked, 0 unsupported, 1 other patterns, 1 bad; added after the beginning"
    ) in done.stderr
    assert "bad pattern" in done.stderr and "Traceback" not in done.stderr
    with SqliteLookup.in_data_dir(tmp_path / "data") as store:
        assert len(store) == 8
        assert store.get("threatintel", "domain", "evil.example") is not None
    state = json.loads((tmp_path / "data" / "taxii" / "state.json").read_text())
    last = "2026-02-02T00:00:00.000000Z"
    assert state == {f"{taxii_server['url']}api1/": {taxii_server["indicators"]: last}}

    env = {"METRON_TAXII_PASSWORD": taxii_server["password"]}
    again = run_metron(*args, "-q", env=env)
    assert again.returncode == 0, again.stderr
    assert "loaded 0 threat-intel records (none)" in again.stderr
    assert "0 objects (1 pages)" in again.stderr and f"added after {last}" in again.stderr

    full = run_metron(*args, "--full", env=env)
    assert full.returncode == 0, full.stderr
    assert "loaded 8 threat-intel records" in full.stderr
    after = run_metron(*args, "--added-after", "2026-01-09T12:00:00Z", env=env)
    assert "loaded 1 threat-intel records (domain 1)" in after.stderr
    assert "added after 2026-01-09T12:00:00Z" in after.stderr
    with SqliteLookup.in_data_dir(tmp_path / "data") as store:
        assert len(store) == 8  # idempotent


def test_mistakes_exit_1_with_a_message_and_write_nothing(
    run_metron: RunMetron, taxii_server: dict[str, str], tmp_path: Path
) -> None:
    url = taxii_server["url"] + "taxii2/"
    user = ("--user", taxii_server["user"])
    cases = [
        (("-C", "Indicators", *user), "wrong\n", "authentication failed (401)"),
        (("-C", "nope", *user), taxii_server["password"], "no collection 'nope'; available: "),
        (("-C", "Indicators", *user), None, "give the password with --password-stdin"),
        (("-C", "Indicators", "--added-after", "soon"), None, "'soon' is not an ISO timestamp"),
        (("-C", "Indicators", "--ca-cert", "x.pem", "--insecure"), None, "not both"),
    ]
    for options, password, message in cases:
        extra = ("--password-stdin",) if password is not None else ()
        done = run_metron("load", "taxii", url, *options, *extra, stdin=password)
        assert done.returncode == 1, (options, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr
        assert done.stderr.startswith("error: ")
    assert (
        "Other feed"
        in run_metron(
            "load",
            "taxii",
            url,
            "-C",
            "nope",
            *user,
            "--password-stdin",
            stdin=taxii_server["password"],
        ).stderr
    )
    unreachable = run_metron("load", "taxii", "http://127.0.0.1:9/taxii2/", "-C", "x")
    assert unreachable.returncode == 1
    assert "error: http://127.0.0.1:9/taxii2/: cannot connect" in unreachable.stderr
    assert not (tmp_path / "data").exists()
