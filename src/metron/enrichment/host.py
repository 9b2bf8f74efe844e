"""The ``host`` enrichment adapter: facts about known hosts, as Metron's known-hosts adapter.

The known hosts are a JSON list of objects, each naming a host by its ``ip`` and giving any
other facts about it::

    [{"ip": "10.1.128.236", "local": "YES", "type": "webserver", "asset_value": "important"},
     {"ip": "10.60.10.254", "local": "YES", "type": "printer", "asset_value": "important"}]

In Metron the list is the topology property ``enrichment.host.known_hosts``
(:data:`KNOWN_HOSTS_PROPERTY`, set in ``enrichment.properties``), not a global-config key.

:meth:`HostAdapter.enrich` answers, for a field value, every fact of the host whose ``ip``
equals that value, each under ``known_info.<key>`` (``ip`` itself is not repeated), with
the values exactly as the list gives them (strings, numbers, nested lists or maps).  A value
that is not a known host gives an empty map.  Metron's rules, kept here:

* The value is compared as text, converted the way Metron converts it (a number ``10`` is
  looked up as ``"10"``, a list by its first element); there is no normalisation of
  addresses (``010.0.0.1`` is not ``10.0.0.1``) and any text can be a "host".
* When two entries name the same ``ip`` the later one wins.
* An entry without ``ip`` is the host of a null value (never asked for in practice: Metron
  skips fields the message lacks).
* Result maps iterate in Java ``HashMap`` order, as Metron's do.

The enrichment key.  For a sensor whose enrichment config lists ``"host": ["ip_dst_addr"]``,
the enricher writes each entry ``known_info.<key>`` of the result under
``enrichments.host.<field>.<entry>``, i.e. ``enrichments.host.ip_dst_addr.known_info.type``
(:func:`enrichment_key` forms it).  An unknown host adds nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from metron.errors import ConfigError
from metron.stellar.convert import to_string
from metron.stellar.serialize import from_json
from metron.stellar.types import java_hashmap_keys, java_hashmap_order

__all__ = [
    "ENRICHMENT_NAME",
    "KNOWN_HOSTS_PROPERTY",
    "PREFIX",
    "HostAdapter",
    "enrichment_key",
    "known_hosts",
]

#: The name of the enrichment in sensor enrichment configs (``fieldMap``).
ENRICHMENT_NAME = "host"
#: Metron's property holding the known-hosts JSON list.
KNOWN_HOSTS_PROPERTY = "enrichment.host.known_hosts"
#: What each fact of a known host is prefixed with in the result.
PREFIX = "known_info."


def enrichment_key(field: str, result_key: str) -> str:
    """Where the enricher writes one entry of :meth:`HostAdapter.enrich`'s result for
    ``field``: ``enrichments.host.<field>.<result_key>``, e.g.
    ``enrichments.host.ip_dst_addr.known_info.local``."""
    return f"enrichments.{ENRICHMENT_NAME}.{field}.{result_key}"


class HostAdapter:
    """The known-hosts enrichment over a list of host objects (see the module docs).

    ``hosts`` is the decoded JSON list; :meth:`from_json` and :meth:`from_file` read the
    text.  Each entry must be an object whose ``ip``, when present, is a string; anything
    else is a :class:`~metron.errors.ConfigError` (where Metron's topology fails to start).
    """

    def __init__(self, hosts: Sequence[Any], *, source: str = KNOWN_HOSTS_PROPERTY) -> None:
        if not isinstance(hosts, Sequence) or isinstance(hosts, (str, bytes)):
            raise ConfigError(f"{source}: the known hosts must be a JSON list of objects")
        self._known: dict[str | None, dict[str, Any]] = {}
        for n, entry in enumerate(hosts, 1):
            if not isinstance(entry, Mapping):
                raise ConfigError(f"{source}: known host #{n} is not a JSON object: {entry!r:.60}")
            ip = entry.get("ip")
            if ip is not None and not isinstance(ip, str):
                raise ConfigError(f"{source}: known host #{n}: 'ip' must be text, not {ip!r:.60}")
            facts = dict(entry)
            # Metron's object iterates in HashMap order, sized while it still held "ip".
            order = [k for k in java_hashmap_keys(facts) if k != "ip"]
            self._known[ip] = java_hashmap_order({PREFIX + k: facts[k] for k in order})

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = KNOWN_HOSTS_PROPERTY) -> HostAdapter:
        """The adapter for the known hosts in JSON ``text``."""
        try:
            hosts = from_json(text)
        except ValueError as e:
            raise ConfigError(f"{source}: the known hosts are not valid JSON: {e}") from None
        return cls(hosts, source=source)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> HostAdapter:
        """The adapter for the known hosts in the JSON file at ``path``."""
        try:
            text = Path(path).read_bytes()
        except OSError as e:
            raise ConfigError(f"{path}: cannot read the known hosts: {e.strerror}") from None
        return cls.from_json(text, source=str(path))

    def __len__(self) -> int:
        return len(self._known)

    def initialize(self) -> bool:
        """Whether the adapter is usable: Metron refuses to start with no known hosts."""
        return bool(self._known)

    def enrich(self, value: Any) -> dict[str, Any]:
        """The facts of the host ``value`` names, as ``known_info.<key>``; empty when the
        host is unknown.  The map is a new one each call."""
        facts = self._known.get(to_string(value))
        return {} if facts is None else dict(facts)

    def __repr__(self) -> str:
        return f"HostAdapter({len(self._known)} known hosts)"


def known_hosts(global_config: Mapping[str, Any], directory: Path) -> HostAdapter | None:
    """The known hosts: the global config's ``enrichment.host.known_hosts`` (a list or its
    JSON text), else ``<config dir>/known_hosts.json``; None when neither is there."""
    hosts = global_config.get(KNOWN_HOSTS_PROPERTY)
    if isinstance(hosts, (str, bytes)):
        return HostAdapter.from_json(hosts)
    if hosts is not None:
        return HostAdapter(hosts)
    path = directory / "known_hosts.json"
    return HostAdapter.from_file(path) if path.is_file() else None
