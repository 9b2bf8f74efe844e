"""Parser chaining: an envelope sensor routes its inner payload to another sensor's parser."""

from __future__ import annotations

from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
from metron.parsing.config import load_sensor_config, parse_sensor_config
from metron.parsing.runner import ParserRunner
from metron.stellar.types import Long

ENVELOPE = parse_sensor_config(
    {
        "parserClassName": "org.apache.metron.parsers.csv.CSVParser",
        "sensorTopic": "collector",
        "parserConfig": {
            "columns": {"route": 0, "device": 1, "payload": 2},
            "separator": "\t",
            "kafka.topicField": "route",
        },
    },
    "collector.json",
)

SQUID_INNER = parse_sensor_config(
    {
        "parserClassName": "org.apache.metron.parsers.GrokParser",
        "sensorTopic": "squid_feed",
        "rawMessageStrategy": "ENVELOPE",
        "rawMessageStrategyConfig": {"messageField": "payload"},
        "parserConfig": {
            "grokPath": "/patterns/squid",
            "patternLabel": "SQUID_DELIMITED",
            "timestampField": "timestamp",
        },
    },
    "squid_feed.json",
)

SQUID_LINE = "1710000000.123    42 10.1.2.3 TCP_MISS/200 5120 GET http://www.example.org/a - DIRECT/93.184.216.34 text/html"


def test_the_envelope_routes_its_payload_to_the_inner_sensor() -> None:
    runner = ParserRunner({"collector": ENVELOPE, "squid_feed": SQUID_INNER})
    result = runner.process("collector", f"squid_feed\tproxy-7\t{SQUID_LINE}".encode())
    assert result.errors == []
    (message,) = result.messages
    assert message["source.type"] == "squid_feed"
    assert message["url"] == "http://www.example.org/a"
    assert message["timestamp"] == Long(1710000000123)
    # the envelope's other fields arrive as metadata, merged by the ENVELOPE strategy
    assert message["metron.metadata.device"] == "proxy-7"
    assert message["metron.metadata.route"] == "squid_feed"
    assert "metron.metadata.payload" not in message


def test_an_empty_topic_field_drops_the_message_and_counts_it() -> None:
    runner = ParserRunner({"collector": ENVELOPE, "squid_feed": SQUID_INNER})
    result = runner.process("collector", f"\tproxy-7\t{SQUID_LINE}".encode())
    assert result.messages == [] and result.errors == []
    assert result.filtered == 1


def test_a_topic_no_sensor_reads_leaves_the_message_as_it_is() -> None:
    runner = ParserRunner({"collector": ENVELOPE, "squid_feed": SQUID_INNER})
    result = runner.process("collector", f"elsewhere\tproxy-7\t{SQUID_LINE}".encode())
    (message,) = result.messages
    assert message["source.type"] == "collector" and message["route"] == "elsewhere"


def test_inner_parse_failures_are_errors_of_the_inner_sensor() -> None:
    runner = ParserRunner({"collector": ENVELOPE, "squid_feed": SQUID_INNER})
    result = runner.process("collector", b"squid_feed\tproxy-7\tnot a squid line")
    assert result.messages == []
    (error,) = result.errors
    assert error["failed_sensor_type"] == "squid_feed" and error["error_type"] == "parser_error"


def test_aggregated_sensors_share_one_runner() -> None:
    runner = ParserRunner({"squid": load_sensor_config("squid"), "bro": load_sensor_config("bro")})
    squid = runner.process("squid", SQUID_LINE.encode())
    bro = runner.process(
        "bro",
        b'{"dns": {"ts": 1710000000.5, "uid": "C1", "id.orig_h": "10.0.0.1", "id.orig_p": 5353,'
        b' "id.resp_h": "10.0.0.53", "id.resp_p": 53, "proto": "udp", "query": "example.org"}}',
    )
    assert squid.messages[0]["source.type"] == "squid"
    assert bro.messages[0]["source.type"] == "bro" and bro.messages[0]["ip_dst_port"] == Long(
        53
    )  # json-simple makes every whole number a Long


def test_a_fixed_output_topic_that_another_sensor_reads_chains_to_it() -> None:
    # no topic field: the envelope's kafka.topic names the inner sensor's input topic
    fixed = parse_sensor_config(
        {
            "parserClassName": "org.apache.metron.parsers.csv.CSVParser",
            "sensorTopic": "collector",
            "parserConfig": {
                "columns": {"device": 0, "payload": 1},
                "separator": "\t",
                "kafka.topic": "squid_feed",
            },
        },
        "collector.json",
    )
    runner = ParserRunner({"collector": fixed, "squid_feed": SQUID_INNER})
    (message,) = runner.process("collector", f"proxy-7\t{SQUID_LINE}".encode()).messages
    assert message["source.type"] == "squid_feed" and message["url"].endswith("/a")
    # the inner sensor's own messages go to no other sensor: they are left as they are
    (inner,) = runner.process("squid_feed", b'{"payload": "%s"}' % SQUID_LINE.encode()).messages
    assert inner["source.type"] == "squid_feed"
