"""Following the config tree: a valid change once, a rejected one said once and kept."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from metron.errors import MetronError
from metron.runtime.configwatch import ConfigFollower


def test_changes_are_handed_over_once_and_bad_ones_rejected(
    caplog: pytest.LogCaptureFixture,
) -> None:
    trees: list[Any] = [{"global": {"a": 1}}]

    def read() -> dict[str, Any]:
        if isinstance(trees[-1], Exception):
            raise trees[-1]
        return dict(trees[-1])

    def check(tree: dict[str, Any]) -> list[str]:
        return ["global: a must not be 3"] if tree["global"].get("a") == 3 else []

    follower = ConfigFollower(read, check, {"global": {"a": 1}})
    assert follower.poll() is None  # unchanged
    trees.append({"global": {"a": 2}})
    assert follower.poll() == {"global": {"a": 2}}
    assert follower.poll() is None
    trees.append({"global": {"a": 3}})
    with caplog.at_level(logging.ERROR):
        assert follower.poll() is None
        assert follower.poll() is None
    assert follower.error == "global: a must not be 3"
    assert caplog.text.count("config change rejected") == 1  # said once
    trees.append(MetronError("parsers/bro.json: not valid JSON"))
    assert follower.poll() is None
    assert follower.error is not None and "parsers/bro.json" in follower.error
    trees.append({"global": {"a": 2}})  # back to what runs: nothing to apply, nothing wrong
    assert follower.poll() is None
    assert follower.error is None
    trees.append({"global": {"a": 4}})
    assert follower.poll() == {"global": {"a": 4}}
    assert follower.error is None


def test_with_a_stamp_the_tree_is_read_only_when_it_may_have_changed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """The monitor polls every second: reading and comparing the whole tree each time
    cost the main process tens of milliseconds a second. The directory's stamp (names,
    sizes, times) is taken instead, and the tree read when it changes, or RECHECK
    seconds after the last read (an edit the stamp cannot see)."""
    import json
    import os

    from metron.config.store import directory_stamp, read_directory
    from metron.runtime import configwatch

    (tmp_path / "parsers").mkdir()
    (tmp_path / "global.json").write_text(json.dumps({"a": 1}))
    (tmp_path / "parsers" / "bro.json").write_text(json.dumps({"parserClassName": "x"}))
    reads: list[int] = []

    def read() -> dict[str, Any]:
        reads.append(1)
        return read_directory(tmp_path)

    clock = [100.0]
    monkeypatch.setattr(configwatch.time, "monotonic", lambda: clock[0])
    follower = ConfigFollower(
        read, lambda tree: [], read_directory(tmp_path), lambda: directory_stamp(tmp_path)
    )
    assert follower.poll() is None and len(reads) == 1  # the first poll reads
    assert follower.poll() is None and len(reads) == 1  # nothing changed: not read
    (tmp_path / "parsers" / "bro.json").write_text(json.dumps({"parserClassName": "yy"}))
    assert follower.poll() == {"global": {"a": 1}, "parsers/bro": {"parserClassName": "yy"}}
    assert len(reads) == 2
    (tmp_path / "parsers" / "snort.json").write_text("{}")  # a new file
    assert follower.poll() is not None and len(reads) == 3
    os.remove(tmp_path / "parsers" / "snort.json")  # a file gone
    assert follower.poll() is not None and len(reads) == 4
    # an edit the stamp cannot see (same size, same time): found RECHECK seconds later
    path = tmp_path / "global.json"
    stat = path.stat()
    path.write_text(json.dumps({"a": 2}))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert follower.poll() is None and len(reads) == 4
    clock[0] += configwatch.RECHECK
    assert follower.poll() == {"global": {"a": 2}, "parsers/bro": {"parserClassName": "yy"}}
