"""The WebSphere DataPower parser: Metron's grok fields, then login/logout/rbm splitting."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.base import ParserError
from metron.parsing.config import load_sensor_config
from metron.parsing.parsers import websphere
from metron.parsing.parsers.websphere import WebSphereParser, java_split
from metron.stellar.types import Long

NOW = 1_718_000_000_000  # 2024-06-10, UTC


@pytest.fixture
def parser(monkeypatch: pytest.MonkeyPatch) -> WebSphereParser:
    monkeypatch.setattr(websphere, "now_millis", lambda: NOW)
    return WebSphereParser(load_sensor_config("websphere").parserConfig)


def parse(p: WebSphereParser, line: str) -> dict[str, Any]:
    result = p.parse(line.encode())
    assert not result.errors
    [message] = result.messages
    assert message.pop("original_string") == line
    return message


def ms(month: int, day: int, hour: int, minute: int, second: int) -> Long:
    return Long(
        int(time.mktime((2024, month, day, hour, minute, second, 0, 0, 0)) - time.timezone) * 1000
    )


def test_login(parser: WebSphereParser) -> None:
    line = "<133>Jun  2 07:30:11 GWPRD7 [extDomain][0x81000033][auth][notice] user(kmiller): [192.0.2.61]: User logged into 'extDomain'."
    assert parse(parser, line) == {
        "priority": 133,
        "timestamp": ms(6, 2, 7, 30, 11),
        "hostname": "GWPRD7",
        "security_domain": "extDomain",
        "event_code": "0x81000033",
        "event_type": "auth",
        "severity": "notice",
        "event_subtype": "login",
        "username": "kmiller",
        "ip_src_addr": "192.0.2.61",
    }


def test_logout(parser: WebSphereParser) -> None:
    line = "<134>Jun  2 08:01:00 GWPRD7 [0x81000019][auth][info] [192.0.2.61]: User 'kmiller' logged out from 'extDomain'."
    message = parse(parser, line)
    assert (message["event_subtype"], message["username"], message["security_domain"]) == (
        "logout",
        "kmiller",
        "extDomain",
    )
    assert message["ip_src_addr"] == "192.0.2.61" and "message" not in message


def test_rbm_and_other_messages(parser: WebSphereParser) -> None:
    rbm = parse(
        parser,
        "<131>Jun 10 23:00:00 GW2 [0x80800018][auth][error] rbm(RBM-Settings): trans(91)[request]: RBM: denied.",
    )
    assert (rbm["process"], rbm["message"]) == ("rbm", "trans(91)[request]: RBM: denied.")
    other = parse(
        parser,
        "<134>Jun 10 23:00:01 GW2 [0x8240001c][audit][info] trans(7): (admin:default:*): state down",
    )
    assert (other["process"], other["message"]) == ("trans", "(admin:default:*): state down")
    plain = parse(parser, "<134>Jun 10 23:00:02 GW2 [0x8240001c][audit][info] Heartbeat")
    assert plain["message"] == "Heartbeat" and "process" not in plain


def test_malformed_messages_keep_what_metron_keeps(parser: WebSphereParser) -> None:
    login = parse(
        parser,
        "<133>Jun  2 07:30:11 GW [d][0x81000033][auth][notice] kmiller): [192.0.2. User logged into 'd'.",
    )
    assert (
        login["event_subtype"] == "login" and "username" not in login and "ip_src_addr" not in login
    )
    logout = parse(
        parser,
        "<134>Jun  2 08:01:00 GW [0x81000019][auth][info] [192.0.2.61: User 'k' logged out from 'd.",
    )
    assert logout["event_subtype"] == "logout" and "username" not in logout and "message" in logout
    rbm = parse(
        parser,
        "<131>Jun  2 07:00:00 GW [0x80800018][auth][error] rbmRBM-Settings): trans91) RBM denied.",
    )
    assert "process" not in rbm and rbm["message"].startswith("rbmRBM")


def test_empty_fields_and_timestamp_string_are_removed(parser: WebSphereParser) -> None:
    message = parse(parser, "<134>Jun  2 08:01:00 GW [0x81000019][auth][info] ")
    assert "message" not in message and "timestamp_string" not in message
    assert "security_domain" not in message


def test_year_comes_from_the_clock_and_bad_dates_use_now(parser: WebSphereParser) -> None:
    assert parse(parser, "<1>Dec 31 23:59:59 GW [0x1][a][b] x")["timestamp"] == ms(
        12, 31, 23, 59, 59
    )
    # Metron's month pattern takes "De"; the date then fails and the time is now
    assert parse(parser, "<1>De 31 23:59:59 GW [0x1][a][b] x")["timestamp"] == Long(NOW)


@pytest.mark.parametrize(
    "line",
    [
        "<133>Jun  2 07:30:11 GW [d][0x81000033][auth][notice] user(kmiller):",  # substring past the end
        "<133>Jun  2 07:30:11 GW [d][0x81000033][auth][notice] x)user(k: [1]: logged into",  # no ")" left
        "<134>Jun  2 08:01:00 GW [0x81000019][auth][info] logged out a'b'c'''",  # split drops the 4th part
        "<134>Jun  2 08:01:00 GW [0x81000019][auth][info] 12345",  # the message is a number
    ],
)
def test_text_that_breaks_metrons_string_handling_fails_the_record(
    parser: WebSphereParser, line: str
) -> None:
    with pytest.raises(ParserError, match="Grok parser Error"):
        parser.parse(line.encode())


def test_lines_that_do_not_match(parser: WebSphereParser) -> None:
    for line in [
        "Jun  2 07:30:11 GW [0x1][a][b] no priority",
        "<1>Jun  2 07:30:11 host-with-dash [0x1][a][b] x",
        "",
    ]:
        result = parser.parse(line.encode())
        assert result.messages == [] and len(result.errors) == 1


def test_java_split() -> None:
    assert java_split("a:b::", ":") == ["a", "b"]
    assert java_split(":::", ":") == []
    assert java_split("", ":") == [""]
    assert java_split("abc", ":") == ["abc"]


def test_many_quotes_on_a_long_line_are_quick(parser: WebSphereParser) -> None:
    line = "<134>Jun  2 08:01:00 GW [0x81000019][auth][info] logged out " + "'" * 200_000 + "\n"
    start = time.perf_counter()
    with contextlib.suppress(ParserError):
        parser.parse(line.encode())
    assert time.perf_counter() - start < 2


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>[]():' 0123456789abJunDec\n", max_size=300))
def test_random_text_parses_or_fails_cleanly(text: str) -> None:
    p = WebSphereParser(load_sensor_config("websphere").parserConfig)
    for candidate in (text, "<1>Jun  2 07:30:11 GW [0x1][a][b] " + text):
        with contextlib.suppress(ParserError):
            p.parse(candidate.encode())
