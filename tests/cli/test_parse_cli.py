"""`metron parse` as a user runs it: JSON lines out, errors aside, a summary, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SQUID = (
    b"1710000000.123    42 10.1.2.3 TCP_MISS/200 5120 GET http://www.example.org/a - DIRECT/93.184.216.34 text/html\n"
    b"this line is not squid\n"
    b"\n"
    b"1710000001.500    7 10.1.2.4 TCP_HIT/304 0 GET http://intranet.example.net/ - NONE/- -\n"
)


def metron(
    *args: str, stdin: bytes = b"", cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "metron.cli.main", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env={"METRON_CONFIG_DIR": str(cwd or "/nonexistent"), "PATH": "/usr/bin:/bin"},
    )


def test_parse_a_file_with_the_built_in_config(tmp_path: Path) -> None:
    raw = tmp_path / "access.log"
    raw.write_bytes(SQUID)
    errors = tmp_path / "errors.jsonl"
    done = metron("parse", "squid", str(raw), "--errors", str(errors), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    assert [m["url"] for m in messages] == [
        "http://www.example.org/a",
        "http://intranet.example.net/",
    ]
    assert messages[0]["source.type"] == "squid"
    assert messages[0]["full_hostname"] == "www.example.org"  # the config's Stellar transformation
    assert messages[0]["timestamp"] == 1710000000123
    bad = [json.loads(line) for line in errors.read_bytes().splitlines()]
    assert len(bad) == 1 and bad[0]["error_type"] == "parser_error"
    assert bad[0]["raw_message"] == "this line is not squid"
    assert b"squid: 2 parsed, 1 errors, 0 filtered" in done.stderr


def test_parse_reads_stdin_and_writes_errors_to_stderr(tmp_path: Path) -> None:
    done = metron("parse", "squid", stdin=SQUID, cwd=tmp_path)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2
    assert b'"error_type":"parser_error"' in done.stderr


def test_a_config_dir_overrides_the_built_in_config(tmp_path: Path) -> None:
    (tmp_path / "parsers").mkdir()
    (tmp_path / "parsers" / "squid.json").write_text(
        json.dumps(
            {
                "parserClassName": "org.apache.metron.parsers.GrokParser",
                "parserConfig": {
                    "grokPath": "/patterns/squid",
                    "patternLabel": "SQUID_DELIMITED",
                    "timestampField": "timestamp",
                },
                "fieldTransformations": [
                    {
                        "transformation": "STELLAR",
                        "output": ["method"],
                        "config": {"method": "TO_LOWER(method)"},
                    }
                ],
            }
        )
    )
    done = metron("parse", "squid", "--config-dir", str(tmp_path), stdin=SQUID, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["method"] for line in done.stdout.splitlines()] == ["get", "get"]


def test_bad_config_and_missing_file_exit_non_zero(tmp_path: Path) -> None:
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"parserClassName": "grok", "parserConfg": {}}))
    done = metron("parse", "squid", "--config", str(config), stdin=SQUID, cwd=tmp_path)
    assert done.returncode == 1
    assert b"unknown key 'parserConfg'; did you mean 'parserConfig'?" in done.stderr
    assert b"Traceback" not in done.stderr
    done = metron("parse", "squid", str(tmp_path / "missing.log"), cwd=tmp_path)
    assert done.returncode == 1 and b"no such file" in done.stderr
    done = metron("parse", "squidd", stdin=SQUID, cwd=tmp_path)
    assert done.returncode == 1 and b"did you mean 'squid'" in done.stderr


def test_storm_only_keys_are_accepted_and_explained(tmp_path: Path) -> None:
    config = tmp_path / "squid.json"
    config.write_text(
        json.dumps(
            {
                "parserClassName": "org.apache.metron.parsers.GrokParser",
                "sensorTopic": "squid",
                "numWorkers": 4,
                "spoutConfig": {"spout.pollTimeoutMs": 200},
                "parserConfig": {
                    "grokPath": "/patterns/squid",
                    "patternLabel": "SQUID_DELIMITED",
                    "timestampField": "timestamp",
                },
            }
        )
    )
    done = metron("parse", "squid", "--config", str(config), stdin=SQUID, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert b"note: squid: numWorkers: Storm topology setting" in done.stderr
    assert b"note: squid: spoutConfig:" in done.stderr
