"""Message filters (``filterClassName``), with Metron's semantics."""

from __future__ import annotations

from typing import Any

import pytest

from metron.errors import ConfigError
from metron.parsing.filters import BroFilter, MessageFilter, StellarFilter, build_filter
from metron.stellar import StellarContext


def make(name: str | None, **parser_config: Any) -> MessageFilter | None:
    return build_filter(name, parser_config, StellarContext())


@pytest.mark.parametrize("name", [None, "", "  ", "DEFAULT"])
def test_no_filter(name: str | None) -> None:
    assert make(name, **{"filter.query": "false"}) is None


def test_stellar_filter() -> None:
    f = make("STELLAR", **{"filter.query": "exists(user) and user != 'svc-backup'"})
    assert isinstance(f, StellarFilter)
    assert f.emit({"user": "dave"})
    assert not f.emit({"user": "svc-backup"})
    assert not f.emit({"host": "db01"})


def test_stellar_filter_sees_the_whole_message() -> None:
    f = make("STELLAR", **{"filter.query": "MAP_GET('source.type', _) == 'dns'"})
    assert f is not None
    assert f.emit({"source.type": "dns"})
    assert not f.emit({"source.type": "http"})


@pytest.mark.parametrize("query", [None, "", "   ", 42])
def test_stellar_filter_without_a_string_query_keeps_everything(query: Any) -> None:
    config = {} if query is None else {"filter.query": query}
    f = make("STELLAR", **config)
    assert f is not None
    assert f.emit({"anything": 1})


def test_stellar_filter_non_boolean_result_is_an_error() -> None:
    f = make("STELLAR", **{"filter.query": "user"})
    assert f is not None
    with pytest.raises(Exception, match="does not return a boolean"):
        f.emit({"user": "erin"})
    with pytest.raises(Exception, match="null"):
        f.emit({})


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("exists(user) and", "invalid Stellar"),
        ("NOPE(user)", "unknown function"),
        ("1 + 1", "does not return a boolean"),
        ("'always'", "does not return a boolean"),
    ],
)
def test_stellar_filter_bad_query_is_a_config_error(query: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        make("STELLAR", **{"filter.query": query})
    assert "parserConfig.filter.query" in str(info.value)
    assert needle in str(info.value)


def test_bro_filter() -> None:
    f = make(
        "BRO",
        **{
            "bro.filter.source.key": "protocol",
            "bro.filter.source.known.protocols": ["http", "dns"],
        },
    )
    assert isinstance(f, BroFilter)
    assert f.emit({"protocol": "dns"})
    assert not f.emit({"protocol": "ssh"})
    assert not f.emit({})


def test_bro_filter_single_protocol_string() -> None:
    f = make("BRO", **{"bro.filter.source.key": "log", "bro.filter.source.known.protocols": "conn"})
    assert f is not None
    assert f.emit({"log": "conn"})
    assert not f.emit({"log": "connection"})


def test_bro_filter_without_key_or_protocols_drops_everything() -> None:
    no_key = make("BRO", **{"bro.filter.source.known.protocols": ["http"]})
    no_protocols = make("BRO", **{"bro.filter.source.key": "protocol"})
    assert no_key is not None and no_protocols is not None
    assert not no_key.emit({"protocol": "http"})
    assert not no_protocols.emit({"protocol": "http"})


def test_bro_filter_non_string_field_is_an_error() -> None:
    f = make(
        "BRO", **{"bro.filter.source.key": "protocol", "bro.filter.source.known.protocols": "6"}
    )
    assert f is not None
    with pytest.raises(Exception, match="not a string"):
        f.emit({"protocol": 6})


def test_bro_filter_null_protocol_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"parserConfig\.bro\.filter\.source\.known\.protocols"):
        make("BRO", **{"bro.filter.source.key": "p", "bro.filter.source.known.protocols": [None]})


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("org.apache.metron.parsers.filters.StellarFilter", StellarFilter),
        ("org.apache.metron.parsers.filters.BroMessageFilter", BroFilter),
    ],
)
def test_metron_class_names(name: str, cls: type[MessageFilter]) -> None:
    assert isinstance(make(name, **{"filter.query": "true"}), cls)


@pytest.mark.parametrize(("name", "hint"), [("stellar", "STELLAR"), ("Bro", "BRO")])
def test_unknown_filter_is_a_config_error(name: str, hint: str) -> None:
    # Metron looks the name up with Enum.valueOf, then as a class name: case matters
    with pytest.raises(ConfigError) as info:
        make(name)
    assert "filterClassName" in str(info.value)
    assert f"did you mean '{hint}'" in str(info.value)
