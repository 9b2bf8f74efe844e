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
