"""Functions backed by a store or a service: enrichment lookups, GeoIP, profiles, Kafka...

Each function asks the evaluation context for its service (``ctx.service(name)``) and calls
the service's method named in the table below with the Stellar arguments, so a component
that provides, say, the enrichment lookup store plugs in by registering an object with
``get``/``exists`` methods under ``"enrichment"``.  Without a provider the function raises a
clear "not configured" :class:`~metron.stellar.StellarError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metron.stellar.context import StellarContext
from metron.stellar.functions import stellar

__all__ = ["SERVICE_FUNCTIONS"]

# name: (service, method, params, returns, description)
SERVICE_FUNCTIONS: dict[str, tuple[str, str, list[str], str, str]] = {
    "ENRICHMENT_GET": (
        "enrichment",
        "get",
        [
            "enrichment_type - the enrichment type",
            "indicator - the indicator to look up",
            "table - the table holding the enrichment data",
            "column_family - the column family",
        ],
        "the value map stored for the indicator, or an empty map",
        "Looks up an indicator in the enrichment lookup store.",
    ),
    "ENRICHMENT_EXISTS": (
        "enrichment",
        "exists",
        [
            "enrichment_type - the enrichment type",
            "indicator - the indicator to look up",
            "table - the table holding the enrichment data",
            "column_family - the column family",
        ],
        "true if the store holds the indicator for that enrichment type",
        "Tells whether the enrichment lookup store holds an indicator.",
    ),
    "GEO_GET": (
        "geo",
        "get",
        [
            "ip - the IPv4 address to locate",
            "fields - (optional) list of fields: locID, country, city, postalCode, dmaCode,"
            " latitude, longitude, location_point",
        ],
        "the field's value for one field, a map for several, null when unknown",
        "Geolocates an IP address with the configured GeoIP database.",
    ),
    "ASN_GET": (
        "asn",
        "get",
        [
            "ip - the IPv4 address to look up",
            "fields - (optional) list of fields: network, autonomous_system_number,"
            " autonomous_system_organization",
        ],
        "the field's value for one field, a map for several, null when unknown",
        "Finds the autonomous system of an IP address with the configured ASN database.",
    ),
    "OBJECT_GET": (
        "objects",
        "get",
        ["path - where the serialised object is stored"],
        "the object (cached)",
        "Loads a stored object (a bloom filter, a lookup map...) and caches it.",
    ),
    "ENRICHMENT_OBJECT_GET": (
        "objects",
        "lookup",
        ["path - where the stored map is", "indicator - the key to look up"],
        "the value stored for the indicator in the map",
        "Looks up an indicator in a stored map object (cached).",
    ),
    "PROFILE_GET": (
        "profiles",
        "get",
        [
            "profile - the profile name",
            "entity - the entity",
            "periods - the periods to read (from PROFILE_FIXED or PROFILE_WINDOW)",
            "groups - (optional) the group values",
            "config_overrides - (optional) settings that override the global config",
        ],
        "the profile's values for the periods",
        "Reads the measurements a profile stored for an entity.",
    ),
    "PROFILE_VERBOSE": (
        "profiles",
        "verbose",
        [
            "profile - the profile name",
            "entity - the entity",
            "periods - the periods to read",
            "groups - (optional) the group values",
        ],
        "a list of maps with profile, entity, period, period.start, period.end, groups, value",
        "Reads a profile's measurements with the details of each period.",
    ),
    "PROFILE_FIXED": (
        "profiles",
        "fixed",
        [
            "duration - how far back",
            "units - the unit of the duration (MINUTES, HOURS, DAYS...)",
            "config_overrides - (optional) settings that override the global config",
        ],
        "the profile periods covering the duration up to now",
        "Profile periods in a fixed look-back window ending now.",
    ),
    "PROFILE_WINDOW": (
        "profiles",
        "window",
        [
            "window_selector - a window description, e.g. '30 minute window every 24 hours from 7 days ago'",
            "now - (optional) the reference time in epoch milliseconds",
            "config_overrides - (optional) settings that override the global config",
        ],
        "the profile periods the window selects",
        "Profile periods described by Metron's window-selector language.",
    ),
    "PROFILER_INIT": (
        "profiler",
        "init",
        ["config - the profiler configuration (JSON)"],
        "a local profiler",
        "Creates a local profiler to try profile definitions in the shell.",
    ),
    "PROFILER_APPLY": (
        "profiler",
        "apply",
        [
            "messages - a message or list of messages (JSON)",
            "profiler - a profiler from PROFILER_INIT",
        ],
        "the profiler",
        "Feeds messages to a local profiler.",
    ),
    "PROFILER_FLUSH": (
        "profiler",
        "flush",
        ["profiler - a profiler from PROFILER_INIT"],
        "the measurements produced",
        "Flushes a local profiler and returns its measurements.",
    ),
    "CONFIG_GET": (
        "config",
        "get",
        [
            "type - one of ENRICHMENT, INDEXING, PARSER, GLOBAL, PROFILER",
            "sensor - the sensor (for ENRICHMENT, INDEXING and PARSER)",
            "empty_if_not_present - (optional) return a minimal config when there is none",
        ],
        "the configuration as JSON text",
        "Reads a configuration from the configuration store.",
    ),
    "CONFIG_PUT": (
        "config",
        "put",
        [
            "type - one of ENRICHMENT, INDEXING, PARSER, GLOBAL, PROFILER",
            "config - the configuration as JSON text",
            "sensor - the sensor (for ENRICHMENT, INDEXING and PARSER)",
        ],
        "the configuration written",
        "Writes a configuration to the configuration store.",
    ),
    "KAFKA_GET": (
        "kafka",
        "get",
        [
            "topic - the topic",
            "count - (optional) how many messages",
            "config - (optional) overrides",
        ],
        "the messages as a list of strings",
        "Reads messages from a topic, continuing from the last read offset.",
    ),
    "KAFKA_TAIL": (
        "kafka",
        "tail",
        [
            "topic - the topic",
            "count - (optional) how many messages",
            "config - (optional) overrides",
        ],
        "the messages as a list of strings",
        "Waits for and returns the next messages written to a topic.",
    ),
    "KAFKA_FIND": (
        "kafka",
        "find",
        [
            "topic - the topic",
            "filter - a lambda deciding which messages to keep",
            "count - (optional) how many messages",
            "config - (optional) overrides",
        ],
        "the matching messages as a list of strings",
        "Finds messages in a topic that satisfy a filter.",
    ),
    "KAFKA_SEEK": (
        "kafka",
        "seek",
        [
            "topic - the topic",
            "partition - the partition",
            "offset - the offset",
            "config - (optional) overrides",
        ],
        "the message at that offset, or null",
        "Reads the message at one offset of a topic partition.",
    ),
    "KAFKA_PUT": (
        "kafka",
        "put",
        ["topic - the topic", "messages - a list of messages", "config - (optional) overrides"],
        "nothing",
        "Writes messages to a topic.",
    ),
    "KAFKA_PROPS": (
        "kafka",
        "props",
        ["config - (optional) overrides"],
        "the Kafka client properties in effect",
        "Shows the Kafka client properties the KAFKA_* functions use.",
    ),
    "REST_GET": (
        "http",
        "get",
        [
            "url - the URL",
            "rest_config - (optional) settings (timeouts, authentication, proxy...)",
            "query_parameters - (optional) a map of query parameters",
        ],
        "the JSON response as a map",
        "Calls an HTTP GET endpoint that returns JSON.",
    ),
    "REST_POST": (
        "http",
        "post",
        [
            "url - the URL",
            "post_data - the body (a map or JSON text)",
            "rest_config - (optional) settings",
            "query_parameters - (optional) a map of query parameters",
        ],
        "the JSON response as a map",
        "Calls an HTTP POST endpoint that returns JSON.",
    ),
    "MAAS_GET_ENDPOINT": (
        "maas",
        "get_endpoint",
        ["model_name - the model", "model_version - (optional) the version"],
        "a map with name, version and url",
        "Finds where a deployed model is served.",
    ),
    "MAAS_MODEL_APPLY": (
        "maas",
        "apply",
        [
            "endpoint - a map from MAAS_GET_ENDPOINT",
            "function - (optional) the model's function, default 'apply'",
            "model_args - a map of arguments",
        ],
        "the model's result as a map",
        "Calls a deployed model.",
    ),
    "HDFS_LS": (
        "hdfs",
        "ls",
        ["path - the directory"],
        "a table of the directory's entries",
        "Lists an HDFS directory.",
    ),
    "HDFS_READ": (
        "hdfs",
        "read",
        ["path - the file"],
        "the file's content, or null",
        "Reads an HDFS file.",
    ),
    "HDFS_READ_LINES": (
        "hdfs",
        "read_lines",
        ["path - the file"],
        "the file's lines",
        "Reads an HDFS file's lines.",
    ),
    "HDFS_RM": (
        "hdfs",
        "rm",
        ["path - the file or directory", "recursive - (optional) remove a directory's content"],
        "true if removed",
        "Removes an HDFS file or directory.",
    ),
    "HDFS_WRITE": (
        "hdfs",
        "write",
        ["content - the text to write", "path - the file"],
        "true if written",
        "Writes text to an HDFS file.",
    ),
    "PARSER_INIT": (
        "parsers",
        "init",
        ["sensor_type - the sensor", "config - (optional) the sensor parser config"],
        "a parser for PARSER_PARSE",
        "Creates a parser for a sensor, to try its config in the shell.",
    ),
    "PARSER_PARSE": (
        "parsers",
        "parse",
        ["parser - a parser from PARSER_INIT", "input - a message or a list of messages"],
        "the parsed messages (errors included)",
        "Parses raw telemetry with a parser from PARSER_INIT.",
    ),
    "PARSER_CONFIG": (
        "parsers",
        "config",
        ["parser - a parser from PARSER_INIT"],
        "the parser's configuration",
        "Shows the configuration of a parser from PARSER_INIT.",
    ),
    "GROK_EVAL": (
        "parsers",
        "grok_eval",
        ["grok_expression - the grok expression", "data - a message or a list of messages"],
        "the fields grok extracted",
        "Applies a grok expression to sample data.",
    ),
    "GROK_PREDICT": (
        "parsers",
        "grok_predict",
        ["data - a sample message"],
        "a grok expression that matches the data",
        "Suggests a grok expression for sample data.",
    ),
    "THREAT_TRIAGE_INIT": (
        "triage",
        "init",
        ["config - (optional) a sensor enrichment config"],
        "a threat-triage engine",
        "Creates a threat-triage engine to try triage rules in the shell.",
    ),
    "THREAT_TRIAGE_SCORE": (
        "triage",
        "score",
        ["message - the message (JSON)", "engine - an engine from THREAT_TRIAGE_INIT"],
        "a map with score, rules and aggregator",
        "Scores a message with a threat-triage engine.",
    ),
    "THREAT_TRIAGE_CONFIG": (
        "triage",
        "config",
        ["engine - an engine from THREAT_TRIAGE_INIT"],
        "the engine's configuration",
        "Shows the configuration of a threat-triage engine.",
    ),
    "BYTEARRAY_MATCHER": (
        "pcap",
        "bytearray_matcher",
        ["pattern - a byteseek binary pattern", "data - the bytes to search"],
        "true if the pattern occurs in the data",
        "Searches packet payload bytes for a binary pattern.",
    ),
}


def _register(
    name: str, service: str, method: str, params: list[str], returns: str, description: str
) -> None:
    def call(ctx: StellarContext, *args: Any) -> Any:
        provider = ctx.service(service, name)
        fn: Callable[..., Any] = getattr(provider, method)
        return fn(*args)

    call.__name__ = name.lower()
    stellar(
        name,
        params=params,
        returns=returns,
        description=f"{description} Needs {service}: not configured until a component provides it.",
        context=True,
    )(call)


for _name, (_service, _method, _params, _returns, _description) in SERVICE_FUNCTIONS.items():
    _register(_name, _service, _method, _params, _returns, _description)
