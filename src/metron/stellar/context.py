"""The evaluation context: what functions may use beyond their arguments.

Functions declared with ``context=True`` receive the context as their first argument.  It
holds the global config (Metron's ``global.json``), the services later components plug in
(lookup store, profile store, Kafka, HTTP...) and the shell's state.  A function asks for a
service with :meth:`StellarContext.service`, which raises a clear "not configured" error when
nothing provides it, so nothing reaches a store through a global.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from metron.stellar.errors import StellarError

__all__ = ["SERVICE_HELP", "StellarContext"]

#: What each service is and how a user provides it; shown when a function needs it.
SERVICE_HELP: dict[str, str] = {
    "enrichment": "an enrichment lookup store (loaded with `metron load`)",
    "geo": "a GeoIP database (global config 'geo.hdfs.file' pointing at a .mmdb file)",
    "asn": "an ASN database (global config 'asn.hdfs.file' pointing at a .mmdb file)",
    "profiles": "a profile store (the profiler)",
    "config": "a configuration store (the config directory or topic)",
    "kafka": "a Kafka connection (global config 'bootstrap.servers')",
    "http": "HTTP access for REST functions",
    "objects": "an object store for OBJECT_GET",
    "maas": "a model-as-a-service registry",
    "hdfs": "an HDFS connection",
    "shell": "an interactive Stellar shell",
    "parsers": "the parser registry",
    "triage": "the threat-triage engine",
    "profiler": "the profiler runtime",
    "pcap": "the packet-capture component",
}


@dataclass
class StellarContext:
    """Global config, services and shell state for one evaluation environment."""

    global_config: dict[str, Any] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)
    #: Per-context caches functions may use (compiled regexes, parsed configs...).
    cache: dict[Any, Any] = field(default_factory=dict)

    def service(self, name: str, function: str) -> Any:
        """The service ``name`` or a :class:`StellarError` saying it is not configured."""
        found = self.services.get(name)
        if found is None:
            what = SERVICE_HELP.get(name, name)
            raise StellarError(
                f"{function} is not configured: it needs {what}, and none is available here",
                function=function,
            )
        return found

    def with_globals(self, values: Mapping[str, Any]) -> StellarContext:
        """A copy whose global config has ``values`` added."""
        merged = {**self.global_config, **values}
        return StellarContext(global_config=merged, services=dict(self.services), cache={})
