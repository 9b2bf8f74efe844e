"""``sources/<sensor>.json``: every problem named by file, entry and key, and the real
source objects built from a valid config (built, not started: nothing binds or connects)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from metron.errors import ConfigError
from metron.parsing.config import parse_sensor_config
from metron.runtime.sourceconfig import (
    KafkaEntry,
    SourcesConfig,
    SyslogEntry,
    build_sources,
    check_sources,
    implied_sources,
    kafka_brokers,
    parse_sources,
)
from metron.runtime.sources.base import Source
from metron.runtime.sources.directory import DirectorySource
from metron.runtime.sources.files import FileTailSource
from metron.runtime.sources.kafka import KafkaSource
from metron.runtime.sources.stdin import StdinSource
from metron.runtime.sources.syslog import TcpSyslogSource, UdpSyslogSource

BRO_PARSER = {
    "parserClassName": "org.apache.metron.parsers.bro.BasicBroParser",
    "sensorTopic": "bro",
}


@pytest.fixture(autouse=True)
def _no_brokers_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRON_KAFKA_BROKERS", raising=False)


def build(value: Any, tmp_path: Path, **global_config: Any) -> list[Source]:
    return build_sources(
        "bro",
        value,
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        global_config=global_config,
    )


def sources(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"sources": list(entries)}


# --------------------------------------------------------------------------- problems


def test_the_problem_names_the_file_the_entry_and_the_key() -> None:
    value = sources({"type": "file", "path": "/x"}, {"type": "syslog", "port": 70000})
    assert check_sources("squid", value) == [
        "sources/squid.json: sources[1].port: must be 1-65535, got 70000"
    ]


def test_every_problem_is_listed_at_once() -> None:
    value = sources(
        {"type": "fil", "path": "/x"},
        {"path": "/x"},
        {"type": "file", "path": "/x", "bathSize": 5, "start": "middle"},
        {"type": "directory", "path": "", "batchSize": 0},
        {"type": "syslog", "protocol": "udp", "port": "514", "tls": {"cert": "c", "key": "k"}},
        {"type": "syslog", "protocol": "tcp", "tls": {"cert": "c", "kye": "k"}},
        {"type": "kafka"},
        {"type": "kafka", "topic": "a", "pattern": "b"},
        {"type": "kafka", "pattern": "(", "start": "now"},
        {"type": "kafka", "topics": []},
        {"type": "http", "colour": "red"},
        "stdin",
        {"type": "stdin"},
        {"type": "stdin", "batchSize": 1.5},
    )
    where = "sources/bro.json: sources"
    assert check_sources("bro", value) == [
        f"{where}[0].type: unknown source type 'fil'; did you mean 'file'? expected one of"
        " file, directory, syslog, kafka, stdin, http, demo",
        f"{where}[1].type: missing (one of file, directory, syslog, kafka, stdin, http, demo)",
        f"{where}[2].start: must be 'beginning' or 'end', got 'middle'",
        f"{where}[2].bathSize: unknown key; did you mean 'batchSize'?",
        f"{where}[3].path: must not be empty",
        f"{where}[3].batchSize: must be at least 1, got 0",
        f"{where}[4].port: must be an integer, got '514'",
        f'{where}[4].tls: TLS needs "protocol": "tcp"',
        f"{where}[5].tls.key: missing",
        f"{where}[5].tls.kye: unknown key; did you mean 'key'?",
        f"{where}[6]: give exactly one of topic, topics or pattern",
        f"{where}[7]: give exactly one of topic, topics or pattern (got topic, pattern)",
        f"{where}[8].pattern: not a valid regex: missing ), unterminated subpattern at position 0",
        f"{where}[8].start: must be 'earliest' or 'latest', got 'now'",
        f"{where}[9].topics: must not be empty",
        f"{where}[10].colour: unknown key (known: type)",
        f"{where}[11]: must be an object, got 'stdin'",
        f"{where}[13].batchSize: must be an integer, got 1.5",
        f"{where}[12], sources[13]: stdin is listed 2 times; list it once",
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([], 'must be a JSON object {"sources": [...]}, got list'),
        ({}, "sources: missing"),
        ({"sources": {}}, "sources: must be a list, got {}"),
        ({"sources": [], "source": []}, "source: unknown key; did you mean 'sources'?"),
    ],
)
def test_the_shape_of_the_file(value: Any, problem: str) -> None:
    assert check_sources("bro", value) == [f"sources/bro.json: {problem}"]


def test_problems_can_name_another_place() -> None:
    assert check_sources("bro", {}, where="sources/bro") == ["sources/bro: sources: missing"]


def test_a_valid_config_parses_with_its_defaults() -> None:
    config = parse_sources("bro", sources({"type": "syslog"}, {"type": "kafka", "topic": "t"}))
    assert isinstance(config, SourcesConfig)
    syslog, kafka = config.sources
    assert isinstance(syslog, SyslogEntry)
    assert isinstance(kafka, KafkaEntry)
    assert syslog.model_dump() == {
        "type": "syslog",
        "protocol": "udp",
        "host": "0.0.0.0",
        "port": 514,
        "tls": None,
        "batchSize": 1000,
        "maxDelayMs": 200,
    }
    assert (kafka.group, kafka.start) == ("metron_parsers", "earliest")


def test_an_invalid_config_is_not_built(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        build(sources({"type": "file"}, {"type": "syslog", "port": 0}), tmp_path)
    assert str(caught.value).splitlines() == [
        "sources/bro.json: sources[0].path: missing",
        "sources/bro.json: sources[1].port: must be 1-65535, got 0",
    ]


# --------------------------------------------------------------------------- building


def test_files_and_directories(tmp_path: Path) -> None:
    built = build(
        sources(
            {"type": "file", "path": "logs/bro.log", "start": "end", "batchSize": 10},
            {"type": "file", "path": "/var/log/bro.log"},
            {"type": "directory", "path": "/data/in", "pattern": "*.log", "batchSize": 5},
        ),
        tmp_path,
    )
    relative, absolute, directory = built
    assert isinstance(relative, FileTailSource)
    assert relative.path == tmp_path / "config" / "logs" / "bro.log"
    assert (relative.start_at, relative.batch_size, relative.sensor) == ("end", 10, "bro")
    assert relative.checkpoint_file.parent == tmp_path / "data" / "checkpoints"
    assert isinstance(absolute, FileTailSource)
    assert (absolute.path, absolute.start_at) == (Path("/var/log/bro.log"), "beginning")
    assert isinstance(directory, DirectorySource)
    assert (directory.directory, directory.pattern) == (Path("/data/in"), "*.log")
    assert directory.batch_size == 5
    assert directory.checkpoint_file.parent == tmp_path / "data" / "checkpoints"


def test_syslog(tmp_path: Path) -> None:
    udp, tcp = build(
        sources(
            {"type": "syslog", "port": 5514, "maxDelayMs": 50},
            {"type": "syslog", "protocol": "tcp", "host": "127.0.0.1", "port": 6514},
        ),
        tmp_path,
    )
    assert isinstance(udp, UdpSyslogSource)
    assert (udp.sensor, udp.host, udp.port, udp.name) == (
        "bro",
        "0.0.0.0",
        5514,
        "udp 0.0.0.0:5514",
    )
    assert isinstance(tcp, TcpSyslogSource)
    assert (tcp.host, tcp.port, tcp.tls) == ("127.0.0.1", 6514, None)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a fresh self-signed ``cert.pem`` and ``key.pem``."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-newkey", "rsa:2048", "-keyout", "key.pem", "-out", "cert.pem"),
        ],
        cwd=directory,
        check=True,
        capture_output=True,
    )
    return directory


def test_tls_files_resolve_against_the_config_directory(certificate: Path) -> None:
    tls = {"cert": "cert.pem", "key": "key.pem", "ca": str(certificate / "cert.pem")}
    (source,) = build_sources(
        "bro",
        sources({"type": "syslog", "protocol": "tcp", "port": 6514, "tls": tls}),
        config_dir=certificate,
        data_dir=certificate,
        global_config={},
    )
    assert isinstance(source, TcpSyslogSource)
    assert source.tls is not None
    assert source.name == "tls 0.0.0.0:6514"


def test_unreadable_tls_files_are_a_config_error(tmp_path: Path) -> None:
    value = sources(
        {"type": "stdin"},
        {"type": "syslog", "protocol": "tcp", "tls": {"cert": "no.pem", "key": "no.key"}},
    )
    with pytest.raises(ConfigError, match=r"sources/bro.json: sources\[1\].tls: cannot load"):
        build(value, tmp_path)


def test_kafka_subscriptions(tmp_path: Path) -> None:
    built = build(
        sources(
            {"type": "kafka", "topic": "bro", "group": "g", "start": "latest"},
            {"type": "kafka", "topics": ["a", "b"]},
            {"type": "kafka", "pattern": "bro.*"},
            {"type": "kafka", "pattern": "^snort"},
        ),
        tmp_path,
        **{"kafka.brokers": "localhost:9092"},
    )
    assert all(isinstance(source, KafkaSource) for source in built)
    assert [source.name for source in built] == [
        "kafka bro",
        "kafka a,b",
        "kafka ^bro.*",  # librdkafka takes a topic starting with ^ as a regex
        "kafka ^snort",
    ]


def test_kafka_brokers_come_from_the_entry_the_global_config_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kafka_brokers({}) is None
    monkeypatch.setenv("METRON_KAFKA_BROKERS", "env:9092")
    assert kafka_brokers({}) == "env:9092"
    assert kafka_brokers({"kafka.brokers": "global:9092"}) == "global:9092"
    entry = {"type": "kafka", "topic": "bro", "brokers": "entry:9092"}
    assert isinstance(build(sources(entry), tmp_path)[0], KafkaSource)


def test_kafka_without_brokers_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        build(sources({"type": "kafka", "topic": "bro"}), tmp_path)
    message = str(caught.value)
    assert message.startswith("sources/bro.json: sources[0]: no Kafka brokers")
    assert "kafka.brokers" in message
    assert "METRON_KAFKA_BROKERS" in message


def test_stdin_and_http(tmp_path: Path) -> None:
    built = build(sources({"type": "stdin", "batchSize": 7}, {"type": "http"}), tmp_path)
    assert len(built) == 1  # http builds nothing: one ingest source serves every sensor
    assert isinstance(built[0], StdinSource)
    assert (built[0].sensor, built[0].batch_size) == ("bro", 7)


# ---------------------------------------------------------------- the implied source


def test_without_a_sources_config_the_sensor_topic_is_read_from_kafka(tmp_path: Path) -> None:
    brokers = {"kafka.brokers": "localhost:9092"}
    assert implied_sources("bro", BRO_PARSER, brokers) == sources({"type": "kafka", "topic": "bro"})
    parsed = parse_sensor_config(BRO_PARSER, "parsers/bro.json")
    assert implied_sources("bro", parsed, brokers) == implied_sources("bro", BRO_PARSER, brokers)
    (source,) = build_sources(
        "bro",
        None,
        config_dir=tmp_path,
        data_dir=tmp_path,
        global_config=brokers,
        parser_config=BRO_PARSER,
    )
    assert isinstance(source, KafkaSource)
    assert source.name == "kafka bro"


@pytest.mark.parametrize(
    ("parser_config", "global_config"),
    [
        (BRO_PARSER, {}),  # no brokers
        ({"parserClassName": "x"}, {"kafka.brokers": "localhost:9092"}),  # no sensorTopic
        (None, {"kafka.brokers": "localhost:9092"}),  # no parser config
    ],
)
def test_no_implied_source_without_brokers_or_topic(
    parser_config: dict[str, Any] | None, global_config: dict[str, Any]
) -> None:
    assert implied_sources("bro", parser_config, global_config) == {"sources": []}


def test_an_empty_list_turns_the_implied_source_off(tmp_path: Path) -> None:
    built = build_sources(
        "bro",
        {"sources": []},
        config_dir=tmp_path,
        data_dir=tmp_path,
        global_config={"kafka.brokers": "localhost:9092"},
        parser_config=BRO_PARSER,
    )
    assert built == []
