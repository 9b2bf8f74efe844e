"""``metron config`` without a broker: validate, dump of the local directory, and the
mistakes caught before Kafka is contacted."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from metron.config import store

Run = Callable[..., subprocess.CompletedProcess[str]]

BRO_PARSER = {
    "parserClassName": "org.apache.metron.parsers.bro.BasicBroParser",
    "sensorTopic": "bro",
}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    store.write_directory(
        directory,
        {
            "global": {"a": 1},
            "parsers/bro": BRO_PARSER,
            "indexing/bro": {"elasticsearch": {"index": "bro"}},
        },
    )
    return directory


def test_validate_a_good_directory(config_dir: Path, run_metron: Run) -> None:
    result = run_metron("config", "validate", "--config-dir", str(config_dir))
    assert (result.returncode, result.stdout, result.stderr) == (0, "valid\n", "")


def test_validate_uses_the_default_config_directory(config_dir: Path, run_metron: Run) -> None:
    result = run_metron("config", "validate", cwd=config_dir.parent)
    assert (result.returncode, result.stdout) == (0, "valid\n")


def test_validate_lists_every_problem(config_dir: Path, run_metron: Run) -> None:
    (config_dir / "global.json").write_text("[]")
    (config_dir / "parsers" / "bro.json").write_text(json.dumps({**BRO_PARSER, "bogus": 1}))
    (config_dir / "indexing" / "bro.json").write_text('{"solr": {"batchSize": -1}}')
    (config_dir / "extra.json").write_text("{}")
    result = run_metron("config", "validate", "--config-dir", str(config_dir))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "global: the global config must be a JSON object"
    assert "parsers/bro: unknown key 'bogus'" in lines
    assert any(line.startswith("indexing/bro.solr.batchSize:") for line in lines)
    assert any(line.startswith("extra: unknown config") for line in lines)
    assert len(lines) == 4


def test_validate_names_a_file_that_is_not_json(config_dir: Path, run_metron: Run) -> None:
    (config_dir / "parsers" / "bro.json").write_text("{")
    result = run_metron("config", "validate", "--config-dir", str(config_dir))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {config_dir / 'parsers' / 'bro.json'}: not valid")


def test_dump_without_kafka_prints_the_directory(config_dir: Path, run_metron: Run) -> None:
    result = run_metron("config", "dump", "--config-dir", str(config_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        'GLOBAL Config: global\n{\n  "a": 1\n}\n'
        f"PARSER Config: bro\n{json.dumps(BRO_PARSER, indent=2)}\n"
        'INDEXING Config: bro\n{\n  "elasticsearch": {\n    "index": "bro"\n  }\n}\n'
    )
    only = run_metron("config", "dump", "--config-dir", str(config_dir), "-c", "global")
    assert only.stdout == 'GLOBAL Config: global\n{\n  "a": 1\n}\n'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("push",), "no Kafka brokers"),
        (("pull",), "no Kafka brokers"),
        (("patch", "-c", "global", "--patch-key", "/a", "--patch-value", "1"), "no Kafka"),
        (("patch", "--kafka", "h:1", "-c", "sensor", "-pk", "/a", "-pv", "1"), "unknown config"),
        (("patch", "--kafka", "h:1", "-c", "parser", "-pk", "/a", "-pv", "1"), "sensor name"),
        (("patch", "--kafka", "h:1", "-c", "global"), "give --patch-file"),
        (("patch", "--kafka", "h:1", "-c", "global", "-pk", "/a"), "needs --patch-value"),
        (("patch", "--kafka", "h:1", "-c", "global", "-pm", "MOVE", "-pk", "/a"), "ADD, REMOVE"),
        (("patch", "--kafka", "h:1", "-c", "global", "-pf", "nope.json"), "nope.json"),
        (("dump", "-n", "bro"), "needs -c TYPE"),
        (("dump", "-c", "sensors"), "unknown config type"),
    ],
)
def test_mistakes_are_named_without_a_traceback(
    args: tuple[str, ...], message: str, run_metron: Run, config_dir: Path
) -> None:
    result = run_metron("config", *args, cwd=config_dir.parent)
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
