"""SYSTEM_ENV_GET and SYSTEM_PROPERTY_GET."""

from __future__ import annotations

import os
import tempfile

import pytest

from metron import stellar
from metron.stellar.stdlib import system


def test_env_get(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRON_TEST_ENV_VALUE", "from-the-environment")
    monkeypatch.delenv("METRON_TEST_ENV_MISSING", raising=False)
    assert stellar.evaluate("SYSTEM_ENV_GET('METRON_TEST_ENV_VALUE')") == "from-the-environment"
    assert stellar.evaluate("SYSTEM_ENV_GET('METRON_TEST_ENV_MISSING')") is None


@pytest.mark.parametrize("name", ["SYSTEM_ENV_GET", "SYSTEM_PROPERTY_GET"])
@pytest.mark.parametrize("argument", ["", "null", "1", "['PATH']", "{'a': 'b'}"])
def test_non_string_names_give_null(name: str, argument: str) -> None:
    assert stellar.evaluate(f"{name}({argument})") is None


def test_env_get_is_evaluated_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    expression = stellar.compile("SYSTEM_ENV_GET('METRON_TEST_ENV_CHANGING')")
    monkeypatch.setenv("METRON_TEST_ENV_CHANGING", "one")
    assert expression.evaluate({}) == "one"
    monkeypatch.setenv("METRON_TEST_ENV_CHANGING", "two")
    assert expression.evaluate({}) == "two"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("line.separator", os.linesep),
        ("file.separator", os.sep),
        ("path.separator", os.pathsep),
        ("java.io.tmpdir", tempfile.gettempdir()),
        ("user.home", os.path.expanduser("~")),
        ("file.encoding", "UTF-8"),
        ("user.language", "en"),
        ("user.country", "US"),
        ("java.version", None),
        ("no.such.property", None),
    ],
)
def test_property_get(key: str, expected: str | None) -> None:
    assert stellar.evaluate("SYSTEM_PROPERTY_GET(k)", {"k": key}) == expected


def test_host_properties_are_strings() -> None:
    for key in ("os.name", "os.arch", "os.version", "user.dir", "user.timezone"):
        assert isinstance(stellar.evaluate("SYSTEM_PROPERTY_GET(k)", {"k": key}), str), key
    assert stellar.evaluate("SYSTEM_PROPERTY_GET('user.dir')") == os.getcwd()


def test_properties_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(system.SYSTEM_PROPERTIES, "custom.key", "custom value")
    monkeypatch.setitem(system.SYSTEM_PROPERTIES, "file.encoding", "ISO-8859-1")
    assert stellar.evaluate("SYSTEM_PROPERTY_GET('custom.key')") == "custom value"
    assert stellar.evaluate("SYSTEM_PROPERTY_GET('file.encoding')") == "ISO-8859-1"
