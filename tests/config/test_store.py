"""The configuration tree (metron.config.store): directory round trip, overwrite
protection, validation listing every problem, and Metron's patch operations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from metron.config import store
from metron.errors import ConfigError, MetronError

BRO_PARSER = {
    "parserClassName": "org.apache.metron.parsers.bro.BasicBroParser",
    "sensorTopic": "bro",
}
BRO_ENRICHMENT = {
    "enrichment": {"fieldMap": {"geo": ["ip_dst_addr"]}},
    "threatIntel": {"fieldMap": {}, "triageConfig": {"riskLevelRules": []}},
}
BRO_INDEXING = {"elasticsearch": {"index": "bro", "batchSize": 5}, "hdfs": {"enabled": False}}
BRO_SOURCES = {"sources": [{"type": "file", "path": "/var/log/bro/conn.log"}, {"type": "http"}]}


def tree() -> dict[str, Any]:
    return {
        "global": {"es.date.format": "yyyy.MM.dd.HH", "geo_hdfs_file": "/tmp/geo"},
        "parsers/bro": BRO_PARSER,
        "sources/bro": BRO_SOURCES,
        "enrichments/bro": BRO_ENRICHMENT,
        "indexing/bro": BRO_INDEXING,
        "profiler": {"profiles": [{"profile": "p", "foreach": "ip_src_addr"}]},
    }


def test_a_tree_round_trips_through_a_directory(tmp_path: Path) -> None:
    written = store.write_directory(tmp_path / "conf", tree())
    assert sorted(written) == sorted(tree())
    assert (tmp_path / "conf" / "parsers" / "bro.json").is_file()
    assert (tmp_path / "conf" / "sources" / "bro.json").is_file()
    assert (tmp_path / "conf" / "profiler.json").is_file()
    assert store.read_directory(tmp_path / "conf") == tree()
    assert store.validate(tree()) == []


def test_the_directory_layout_is_metrons(tmp_path: Path) -> None:
    (tmp_path / "parsers").mkdir()
    (tmp_path / "global.json").write_text('{"a": 1}')
    (tmp_path / "parsers" / "bro.json").write_text(json.dumps(BRO_PARSER))
    (tmp_path / "README.md").write_text("not a config")
    assert store.read_directory(tmp_path) == {"global": {"a": 1}, "parsers/bro": BRO_PARSER}


def test_reading_names_every_file_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "parsers").mkdir()
    (tmp_path / "global.json").write_text("{oops")
    (tmp_path / "parsers" / "bro.json").write_text("[1,")
    with pytest.raises(ConfigError) as caught:
        store.read_directory(tmp_path)
    assert "global.json" in str(caught.value)
    assert "bro.json" in str(caught.value)


def test_comments_are_allowed_as_metron_allowed_them(tmp_path: Path) -> None:
    (tmp_path / "global.json").write_text('{\n  // the format\n  "a": 1 /* one */\n}')
    assert store.read_directory(tmp_path) == {"global": {"a": 1}}


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config directory"):
        store.read_directory(tmp_path / "nowhere")


def test_writing_over_a_different_file_needs_force(tmp_path: Path) -> None:
    store.write_directory(tmp_path, tree())
    (tmp_path / "global.json").write_text('{"changed": true}')
    (tmp_path / "indexing" / "bro.json").write_text("{}")
    with pytest.raises(ConfigError) as caught:
        store.write_directory(tmp_path, {**tree(), "parsers/new": BRO_PARSER})
    message = str(caught.value)
    assert str(tmp_path / "global.json") in message
    assert str(tmp_path / "indexing" / "bro.json") in message
    assert "--force" in message
    assert not (tmp_path / "parsers" / "new.json").exists()  # nothing written
    assert store.write_directory(tmp_path, tree(), force=True) == ["global", "indexing/bro"]
    assert store.read_directory(tmp_path) == tree()


def test_an_equal_file_is_left_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "global.json").write_text('{ "b": 2,   "a": 1 }')
    assert store.write_directory(tmp_path, {"global": {"a": 1, "b": 2}}) == []
    assert (tmp_path / "global.json").read_text() == '{ "b": 2,   "a": 1 }'
    # equal for Python (True == 1) is not equal JSON
    assert store.write_directory(tmp_path, {"global": {"a": True, "b": 2}}, force=True) == [
        "global"
    ]


def test_writing_leaves_no_temporary_files(tmp_path: Path) -> None:
    store.write_directory(tmp_path, tree())
    store.write_directory(tmp_path, {**tree(), "global": {"x": 1}}, force=True)
    names = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert names == ["bro.json"] * 4 + ["global.json", "profiler.json"]


def test_unknown_or_unsafe_keys_are_not_written(tmp_path: Path) -> None:
    for key in ("../escape", "parsers/../../x", "sensors/bro", "parsers/"):
        with pytest.raises(ConfigError, match="unknown config"):
            store.write_directory(tmp_path / "out", {key: {}})
    assert not (tmp_path / "out").exists()


def test_validation_lists_every_problem_at_once() -> None:
    configs = {
        "global": ["not", "an", "object"],
        "parsers/bro": {**BRO_PARSER, "sensorTopc": "bro"},
        "parsers/yaf": {"parserClassName": 42, "sensorTopic": "yaf"},
        "enrichments/bro": {"enrichmnt": {}},
        "indexing/bro": {"elasticsearch": {"batchSize": "many"}, "hdfs": {"colour": "red"}},
        "profiler": {"profiles": [{"profile": "p"}]},
        "sensors/bro": {},
    }
    problems = store.validate(configs)
    text = "\n".join(problems)
    assert "global: the global config must be a JSON object" in problems
    assert any(p.startswith("parsers/bro:") and "sensorTopc" in p for p in problems)
    assert "did you mean 'sensorTopic'" in text
    assert any(p.startswith("parsers/yaf:") and "parserClassName" in p for p in problems)
    assert any(p.startswith("enrichments/bro:") and "enrichmnt" in p for p in problems)
    assert any(p.startswith("indexing/bro") and "batchSize" in p for p in problems)
    assert any(p.startswith("indexing/bro") and "colour" in p for p in problems)
    assert any(p.startswith("profiler:") and "profiles.0.foreach" in p for p in problems)
    assert any(p.startswith("sensors/bro: unknown config") for p in problems)
    assert len(problems) == 8


def test_a_bad_stellar_enrichment_is_a_problem() -> None:
    bad = {"enrichment": {"fieldMap": {"stellar": {"config": {"x": "1 +"}}}}}
    problems = store.validate({"enrichments/bro": bad})
    assert len(problems) == 1
    assert problems[0].startswith("enrichments/bro: ")
    assert "Stellar" in problems[0]


@pytest.mark.parametrize(
    ("kind", "name", "key"),
    [
        ("GLOBAL", None, "global"),
        ("global", None, "global"),
        ("PARSER", "bro", "parsers/bro"),
        ("enrichment", "yaf", "enrichments/yaf"),
        ("Indexing", "snort", "indexing/snort"),
        ("source", "squid", "sources/squid"),
        ("PROFILER", None, "profiler"),
    ],
)
def test_config_keys_from_metrons_type_names(kind: str, name: str | None, key: str) -> None:
    assert store.config_key(kind, name) == key
    assert store.describe_key(key)[0] == kind.upper()


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("SENSOR", "bro", "unknown config type"),
        ("PARSER", None, "needs a sensor name"),
        ("GLOBAL", "bro", "has no name"),
        ("PARSER", "../x", "not a valid sensor name"),
    ],
)
def test_bad_config_names(kind: str, name: str | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        store.config_key(kind, name)


def test_patch_add_replace_remove() -> None:
    config = {"a": 1, "foo": {"bar": [1]}}
    patched = store.apply_patch(
        config,
        [
            {"op": "add", "path": "/a", "value": 2},  # add over an existing field replaces it
            {"op": "add", "path": "/foo/baz", "value": {"x": "y"}},
            {"op": "replace", "path": "/new", "value": True},
            {"op": "remove", "path": "/gone"},  # removing a missing field does nothing
            {"op": "add", "path": "/foo/bar/-", "value": 2},
        ],
    )
    assert patched == {"a": 2, "foo": {"bar": [1, 2], "baz": {"x": "y"}}, "new": True}
    assert config == {"a": 1, "foo": {"bar": [1]}}  # the input is left alone


def test_patch_move_copy_test() -> None:
    patched = store.apply_patch(
        {"a": {"b": 1}},
        [
            {"op": "copy", "from": "/a", "path": "/c"},
            {"op": "move", "from": "/a/b", "path": "/d"},
            {"op": "test", "path": "/d", "value": 1},
        ],
    )
    assert patched == {"a": {}, "c": {"b": 1}, "d": 1}
    with pytest.raises(ConfigError, match="TEST operation failed"):
        store.apply_patch({"d": 1}, [{"op": "test", "path": "/d", "value": 2}])


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        ([{"op": "add", "path": "/foo/bar", "value": 1}], "Invalid path"),  # parent missing
        ([{"op": "frobnicate", "path": "/a"}], "not supported"),
        ([{"op": "add", "path": "/a"}], "has no 'value'"),
        ([{"op": "remove"}], "has no 'path'"),
        (["add"], "must be an object"),
        ("add", "must be a JSON list"),
        ([{"op": "add", "path": "a", "value": 1}], "JSON pointer"),
    ],
)
def test_bad_patches(operations: Any, message: str) -> None:
    with pytest.raises(MetronError, match=message):
        store.apply_patch({"a": 1}, operations)


def test_sources_sort_after_parsers() -> None:
    keys = ["indexing/bro", "sources/bro", "parsers/yaf", "global", "sources/a"]
    assert store.sorted_keys(dict.fromkeys(keys)) == [
        "global",
        "parsers/yaf",
        "sources/a",
        "sources/bro",
        "indexing/bro",
    ]


def test_source_configs_are_validated_listing_every_problem() -> None:
    configs = {
        "sources/squid": {
            "sources": [
                {"type": "file", "path": "/x", "bathSize": 5},
                {"type": "syslog", "port": 70000},
            ]
        },
        "sources/bro": BRO_SOURCES,
        "sources/yaf": ["not", "an", "object"],
    }
    assert store.validate(configs) == [
        "sources/squid: sources[0].bathSize: unknown key; did you mean 'batchSize'?",
        "sources/squid: sources[1].port: must be 1-65535, got 70000",
        'sources/yaf: must be a JSON object {"sources": [...]}, got list',
    ]


def test_unknown_config_messages_name_the_sources_folder() -> None:
    assert store.validate({"source/bro": {}}) == [
        "source/bro: unknown config; expected global, profiler, parsers/<sensor>,"
        " sources/<sensor>, enrichments/<sensor> or indexing/<sensor>"
    ]
