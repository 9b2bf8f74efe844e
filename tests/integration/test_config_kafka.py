"""The configuration tree on a compacted Kafka topic, against a real broker: push, read,
tombstones, patch, pull and the ``metron config`` commands."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource

from metron.config import kafka, store
from metron.errors import ConfigError, MetronError

pytestmark = pytest.mark.kafka

Run = Callable[..., subprocess.CompletedProcess[str]]

BRO_PARSER = {
    "parserClassName": "org.apache.metron.parsers.bro.BasicBroParser",
    "sensorTopic": "bro",
}
YAF_PARSER = {"parserClassName": "org.apache.metron.parsers.yaf.YafParser", "sensorTopic": "yaf"}


def _topic() -> str:
    return f"configs-{uuid.uuid4().hex[:12]}"


def tree() -> dict[str, Any]:
    return {
        "global": {"es.date.format": "yyyy.MM.dd.HH"},
        "parsers/bro": BRO_PARSER,
        "parsers/yaf": YAF_PARSER,
        "enrichments/bro": {"enrichment": {"fieldMap": {"geo": ["ip_dst_addr"]}}},
        "indexing/bro": {"elasticsearch": {"index": "bro", "batchSize": 5}},
        "profiler": {"profiles": []},
    }


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    store.write_directory(directory, tree())
    return directory


def test_push_then_read_gives_the_directory(kafka_bootstrap: str, config_dir: Path) -> None:
    topic = _topic()
    result = kafka.push(kafka_bootstrap, store.read_directory(config_dir), topic)
    assert sorted(result.written) == sorted(tree())
    assert kafka.read(kafka_bootstrap, topic) == tree()
    # the topic was created compacted, with one partition
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    assert len(admin.list_topics(topic, timeout=10).topics[topic].partitions) == 1
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    described = admin.describe_configs([resource])[resource].result(timeout=10)
    assert described["cleanup.policy"].value == "compact"
    # pushing the same tree again writes nothing
    again = kafka.push(kafka_bootstrap, tree(), topic)
    assert (again.written, again.deleted) == ([], [])
    assert sorted(again.unchanged) == sorted(tree())


def test_a_second_push_changes_one_config_and_deletes_another(
    kafka_bootstrap: str, config_dir: Path
) -> None:
    topic = _topic()
    kafka.push(kafka_bootstrap, store.read_directory(config_dir), topic)
    (config_dir / "global.json").write_text('{"es.date.format": "yyyy.MM.dd"}')
    (config_dir / "parsers" / "yaf.json").unlink()
    kept = kafka.push(kafka_bootstrap, store.read_directory(config_dir), topic)
    assert (kept.written, kept.deleted) == (["global"], [])  # Metron's PUSH deletes nothing
    assert "parsers/yaf" in kafka.read(kafka_bootstrap, topic)
    result = kafka.push(kafka_bootstrap, store.read_directory(config_dir), topic, prune=True)
    assert (result.written, result.deleted) == ([], ["parsers/yaf"])
    expected = {k: v for k, v in tree().items() if k != "parsers/yaf"}
    expected["global"] = {"es.date.format": "yyyy.MM.dd"}
    assert kafka.read(kafka_bootstrap, topic) == expected


def test_patch_changes_one_config(kafka_bootstrap: str) -> None:
    topic = _topic()
    kafka.push(kafka_bootstrap, tree(), topic)
    operations = [
        {"op": "add", "path": "/foo", "value": {"bar": {"baz": ["bazval1", "bazval2"]}}},
        {"op": "remove", "path": "/es.date.format"},
    ]
    patched = kafka.patch(kafka_bootstrap, "global", operations, topic)
    assert patched == {"foo": {"bar": {"baz": ["bazval1", "bazval2"]}}}
    assert kafka.read(kafka_bootstrap, topic) == {**tree(), "global": patched}


def test_a_patch_that_makes_a_config_invalid_is_refused(kafka_bootstrap: str) -> None:
    topic = _topic()
    kafka.push(kafka_bootstrap, tree(), topic)
    with pytest.raises(ConfigError, match=r"parsers/bro: .*sensorTopc"):
        kafka.patch(
            kafka_bootstrap,
            "parsers/bro",
            [{"op": "add", "path": "/sensorTopc", "value": 1}],
            topic,
        )
    with pytest.raises(MetronError, match="no config parsers/snort"):
        kafka.patch(kafka_bootstrap, "parsers/snort", [{"op": "remove", "path": "/a"}], topic)
    assert kafka.read(kafka_bootstrap, topic) == tree()


def test_an_invalid_tree_is_refused_with_nothing_written(kafka_bootstrap: str) -> None:
    topic = _topic()
    bad = {**tree(), "global": [], "parsers/bro": {**BRO_PARSER, "bogus": 1}}
    with pytest.raises(ConfigError) as caught:
        kafka.push(kafka_bootstrap, bad, topic)
    message = str(caught.value)
    assert "nothing written" in message
    assert "global: the global config must be a JSON object" in message
    assert "parsers/bro: unknown key 'bogus'" in message
    with pytest.raises(MetronError, match="does not exist"):
        kafka.read(kafka_bootstrap, topic)  # not even the topic was created
    kafka.push(kafka_bootstrap, tree(), topic)
    with pytest.raises(ConfigError):
        kafka.push(kafka_bootstrap, bad, topic)
    assert kafka.read(kafka_bootstrap, topic) == tree()


def test_an_unreachable_broker_is_a_clear_error_within_seconds() -> None:
    started = time.monotonic()
    with pytest.raises(MetronError, match=r"cannot reach Kafka at 127\.0\.0\.1:9"):
        kafka.read("127.0.0.1:9", _topic())
    with pytest.raises(MetronError, match="cannot reach Kafka"):
        kafka.push("127.0.0.1:9", tree(), _topic())
    assert time.monotonic() - started < 2 * kafka.CONNECT_TIMEOUT + 5


# ---------------------------------------------------------------------------- the CLI


def test_cli_push_dump_and_pull(kafka_bootstrap: str, config_dir: Path, run_metron: Run) -> None:
    topic = _topic()
    pushed = run_metron(
        "config", "push", "--kafka", kafka_bootstrap, "--topic", topic, "--config-dir",
        str(config_dir),
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert "6 written, 0 deleted" in pushed.stdout

    dumped = run_metron("config", "dump", "--kafka", kafka_bootstrap, "--topic", topic)
    assert dumped.returncode == 0, dumped.stderr
    assert dumped.stdout.startswith("GLOBAL Config: global\n{")
    assert "PARSER Config: bro\n" in dumped.stdout
    assert "INDEXING Config: bro\n" in dumped.stdout
    local = run_metron("config", "dump", "--config-dir", str(config_dir))
    assert local.returncode == 0, local.stderr
    assert local.stdout == dumped.stdout
    one = run_metron(
        "config", "dump", "--kafka", kafka_bootstrap, "--topic", topic, "-c", "PARSER", "-n", "yaf"
    )
    assert one.stdout == f"PARSER Config: yaf\n{json.dumps(YAF_PARSER, indent=2)}\n"

    out = config_dir.parent / "pulled"
    pulled = run_metron(
        "config", "pull", "--kafka", kafka_bootstrap, "--topic", topic, "--config-dir", str(out)
    )
    assert pulled.returncode == 0, pulled.stderr
    assert store.read_directory(out) == tree()

    (out / "global.json").write_text('{"local": "edit"}')
    refused = run_metron(
        "config", "pull", "--kafka", kafka_bootstrap, "--topic", topic, "--config-dir", str(out)
    )
    assert refused.returncode == 1
    assert "global.json" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert json.loads((out / "global.json").read_text()) == {"local": "edit"}
    forced = run_metron(
        "config", "pull", "--kafka", kafka_bootstrap, "--topic", topic, "--config-dir", str(out),
        "--force",
    )  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert store.read_directory(out) == tree()


def test_cli_patch_modes(kafka_bootstrap: str, config_dir: Path, run_metron: Run) -> None:
    topic = _topic()
    kafka.push(kafka_bootstrap, tree(), topic)
    common = ("--kafka", kafka_bootstrap, "--topic", topic)
    added = run_metron(
        "config", "patch", *common, "-c", "PARSER", "-n", "bro", "--patch-mode", "ADD",
        "--patch-key", "/parserConfig", "--patch-value", '{"a": [1, 2]}',
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "patched parsers/bro" in added.stdout
    replaced = run_metron(
        "config", "patch", *common, "-c", "global", "-pm", "REPLACE", "-pk", "es.date.format",
        "-pv", '"yyyy"',
    )  # fmt: skip
    assert replaced.returncode == 0, replaced.stderr
    patch_file = config_dir.parent / "patch.json"
    patch_file.write_text(json.dumps([{"op": "add", "path": "/profiles/-", "value": {
        "profile": "hits", "foreach": "ip_src_addr"}}]))  # fmt: skip
    filed = run_metron(
        "config", "patch", *common, "-c", "PROFILER", "--patch-file", str(patch_file)
    )
    assert filed.returncode == 0, filed.stderr
    removed = run_metron(
        "config", "patch", *common, "-c", "indexing", "-n", "bro", "--patch-mode", "REMOVE",
        "--patch-key", "/elasticsearch/batchSize",
    )  # fmt: skip
    assert removed.returncode == 0, removed.stderr

    expected = tree()
    expected["parsers/bro"] = {**BRO_PARSER, "parserConfig": {"a": [1, 2]}}
    expected["global"] = {"es.date.format": "yyyy"}
    expected["profiler"] = {"profiles": [{"profile": "hits", "foreach": "ip_src_addr"}]}
    expected["indexing/bro"] = {"elasticsearch": {"index": "bro"}}
    assert kafka.read(kafka_bootstrap, topic) == expected

    invalid = run_metron(
        "config", "patch", *common, "-c", "parser", "-n", "bro", "--patch-key", "/sensorTopc",
        "--patch-value", "1",
    )  # fmt: skip
    assert invalid.returncode == 1
    assert "parsers/bro: unknown key 'sensorTopc'" in invalid.stderr
    not_json = run_metron(
        "config", "patch", *common, "-c", "global", "--patch-key", "/x", "--patch-value", "bar"
    )
    assert not_json.returncode == 1
    assert "must be JSON" in not_json.stderr
    assert kafka.read(kafka_bootstrap, topic) == expected


def test_cli_push_refuses_an_invalid_directory(
    kafka_bootstrap: str, config_dir: Path, run_metron: Run
) -> None:
    topic = _topic()
    (config_dir / "parsers" / "bro.json").write_text(json.dumps({**BRO_PARSER, "bogus": 1}))
    (config_dir / "sensors").mkdir()
    (config_dir / "sensors" / "bro.json").write_text("{}")
    refused = run_metron(
        "config", "push", "--topic", topic, "--config-dir", str(config_dir),
        env={"METRON_KAFKA_BROKERS": kafka_bootstrap},
    )  # fmt: skip
    assert refused.returncode == 1
    assert "parsers/bro: unknown key 'bogus'" in refused.stderr
    assert "sensors/bro: unknown config" in refused.stderr
    assert "Traceback" not in refused.stderr
    with pytest.raises(MetronError, match="does not exist"):
        kafka.read(kafka_bootstrap, topic)


def test_cli_unreachable_broker(run_metron: Run) -> None:
    started = time.monotonic()
    result = run_metron("config", "dump", "--kafka", "127.0.0.1:9", "--topic", _topic())
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach Kafka at 127.0.0.1:9")
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 20
