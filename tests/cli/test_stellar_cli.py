"""`metron stellar ...` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metron.cli.main import app

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_eval_prints_json() -> None:
    code, out, _ = run("stellar", "eval", "[x * 2, name]", "--var", "x=21", "--var", 'name="a"')
    assert code == 0
    assert json.loads(out) == [42, "a"]


def test_eval_bare_word_variable_is_a_string() -> None:
    _code, out, _ = run("stellar", "eval", "host", "--var", "host=example.com")
    assert json.loads(out) == "example.com"


def test_batch_writes_one_line_per_input_line(tmp_path: Path) -> None:
    lines = [
        {"expr": "x + 1", "vars": {"x": 2147483647}},
        {"expr": "x + 1", "vars": {"x": 2147483648}},
        {"expr": "1 +"},
        {"expr": "10 / 0"},
        {"expr": "[1, 2.5, 'a', {'k' : null}, 0.1f]"},
        {"expr": "x -> x"},
        {"expr": "NaN"},
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    code, out, _ = run("stellar", "eval", "--batch", str(path))
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == len(lines) + 1
    assert results[0] == {"value": -2147483648}
    assert results[1] == {"value": 2147483649}
    assert "Syntax error" in results[2]["error"]
    assert "by zero" in results[3]["error"]
    assert results[4] == {"value": [1, 2.5, "a", {"k": None}, 0.1]}
    assert results[5] == {"value": "x -> x"}
    assert results[6]["value"] != results[6]["value"]  # NaN
    assert "line 8" in results[7]["error"]


def test_batch_reads_stdin() -> None:
    _code, out, _ = run("stellar", "eval", "--batch", "-", input='{"expr": "TRUE"}\n')
    assert json.loads(out) == {"value": True}


def test_eval_error_exits_nonzero_without_traceback() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "metron.cli.main", "stellar", "eval", "1 - - 1"],
        capture_output=True,
        text=True,
    )
    assert process.returncode == 1
    assert process.stderr.startswith("error: Syntax error at line 1, column 5")
    assert "Traceback" not in process.stderr


def test_validate() -> None:
    code, out, _ = run("stellar", "validate", "a in [1] and b")
    assert code == 0 and out.strip() == "valid"


def test_functions_filter() -> None:
    code, out, _ = run("stellar", "functions", "SHELL_MAP")
    assert code == 0
    assert "SHELL_MAP2TABLE" in out
    code, out, _ = run("stellar", "functions", "NO_SUCH_THING")
    assert "no function matches" in out


def test_global_config_reaches_the_shell(tmp_path: Path) -> None:
    (tmp_path / "global.json").write_text('{"es.date.format": "yyyy.MM.dd"}')
    code, out, _ = run(
        "stellar",
        "shell",
        "--config-dir",
        str(tmp_path),
        "--data-dir",
        str(tmp_path),
        input="%globals\nquit\n",
    )
    assert code == 0
    assert 'es.date.format = "yyyy.MM.dd"' in out


def test_shell_preloads_variables(tmp_path: Path) -> None:
    variables = tmp_path / "vars.json"
    variables.write_text('{"port": 22}')
    code, out, _ = run(
        "stellar",
        "shell",
        "--variables",
        str(variables),
        "--data-dir",
        str(tmp_path),
        input="port + 1\ny := port * 2\n%vars\n",
    )
    assert code == 0
    assert out.splitlines()[0] == "23"
    assert "y = 44 via `port * 2`" in out


@pytest.mark.parametrize("content", ["[1, 2]", "{not json"])
def test_shell_rejects_bad_variables_file(tmp_path: Path, content: str) -> None:
    variables = tmp_path / "vars.json"
    variables.write_text(content)
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "metron.cli.main",
            "stellar",
            "shell",
            "--variables",
            str(variables),
        ],
        capture_output=True,
        text=True,
        input="",
    )
    assert process.returncode == 1
    assert str(variables) in process.stderr


def test_eval_reads_the_stores_in_the_data_directory(tmp_path: Path) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    from metron.enrichment.lookup import SqliteLookup

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"city": {"names": {"en": "Springfield"}}})
    writer.to_db_file(str(tmp_path / "city.mmdb"))
    data = tmp_path / "data"
    assert run("load", "geo", str(tmp_path / "city.mmdb"), "--data-dir", str(data))[0] == 0
    with SqliteLookup.in_data_dir(data) as store:
        store.put_many("enrichment", [("asset", "10.0.0.1", {"owner": "ops"})])
    expression = (
        "[GEO_GET('203.0.113.9', ['city']), ENRICHMENT_GET('asset', '10.0.0.1', 'enrichment', 't')]"
    )
    code, out, err = run("stellar", "eval", expression, "--data-dir", str(data))
    assert code == 0, err
    assert json.loads(out) == ["Springfield", {"owner": "ops"}]


def test_a_store_that_cannot_open_costs_only_its_functions(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "global.json").write_text(json.dumps({"geo.hdfs.file": str(tmp_path / "nope")}))
    code, out, err = run("stellar", "eval", "1 + 1", "--config-dir", str(config))
    assert code == 0
    assert json.loads(out) == 2
    assert "warning:" in err and "nope" in err
