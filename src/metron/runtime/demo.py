"""The demo: live synthetic telemetry, a config tree for it and threat intel to match.

``metron run --demo`` shows the whole platform working without any real sensor:

* :func:`write_demo_config` writes a config tree for :data:`DEMO_SENSORS` in Metron's
  layout (``global.json``, ``parsers/``, ``enrichments/``, ``indexing/``) plus a
  ``sources/<sensor>.json`` naming the ``demo`` source.  It never replaces a file, so a
  user's edits survive the next run.
* :class:`DemoSource` emits raw records at a steady rate: Zeek (Bro) JSON logs, Snort CSV
  alerts, Cisco ASA syslog, YAF flows and RFC 5424 syslog, each in the exact format the
  sensor's parser reads, stamped with the current time.  Hosts come from a small network
  (``10.10.0.0/16`` inside, a few public addresses outside).
* :func:`load_demo_intel` puts :data:`DEMO_INDICATORS` in the lookup store's threat-intel
  table.  About one event in twenty (:data:`INDICATOR_RATIO`) involves one of those
  addresses or domains, so enrichment marks it ``is_alert`` and triage scores it: 50 for a
  malicious source, 60 for a malicious domain, 70 for a malicious destination and 90 when
  an internal host is the one talking to it.  Snort's parser marks every Snort event an alert (as
  Metron's does); those score 30-40 for the internal host they involve.

The malicious addresses are in the documentation ranges (RFC 5737) and the malicious
domains under the reserved ``.example`` TLD (RFC 2606): nothing real is accused.
"""

from __future__ import annotations

import json
import random
import string
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from metron.enrichment.lookup import THREAT_INTEL_TABLE, LookupKV, SqliteLookup
from metron.errors import ConfigError
from metron.runtime.sources.base import NO_ACK, Emit, Source

__all__ = [
    "DEMO_INDICATORS",
    "DEMO_RATE",
    "DEMO_SENSORS",
    "INDICATOR_RATIO",
    "MALICIOUS_DOMAIN",
    "MALICIOUS_IP",
    "DemoSource",
    "load_demo_intel",
    "write_demo_config",
]

#: The share of events that involve a demo indicator (and so become alerts).
INDICATOR_RATIO = 0.05
#: The threat-intel types of the demo indicators, as the enrichment configs name them.
MALICIOUS_IP = "malicious_ip"
MALICIOUS_DOMAIN = "malicious_domain"

_BAD_IPS = {
    "203.0.113.66": "botnet command and control server",
    "203.0.113.201": "SSH brute-force scanner",
    "198.51.100.77": "malware distribution host",
    "198.51.100.143": "Tor exit node used in attacks",
    "192.0.2.45": "phishing kit host",
}
_BAD_DOMAINS = {
    "invoice-download.example": "phishing landing page",
    "update-checker.example": "malware update channel",
    "login-verify-account.example": "credential phishing",
    "cdn-metrics-sync.example": "beaconing domain of a remote-access trojan",
}
#: The threat intel the demo loads: ``(type, indicator, value map)`` records.
DEMO_INDICATORS: tuple[LookupKV, ...] = tuple(
    LookupKV(kind, indicator, {"source": "metron demo", "description": description})
    for kind, table in ((MALICIOUS_IP, _BAD_IPS), (MALICIOUS_DOMAIN, _BAD_DOMAINS))
    for indicator, description in table.items()
)

_WORKSTATIONS = tuple(f"10.10.1.{n}" for n in (12, 17, 23, 31, 42, 56, 64, 88))
_RESOLVER = "10.10.20.53"
_DMZ = {"web": "10.10.100.80", "ssh": "10.10.100.22"}
_PUBLIC = ("8.8.8.8", "1.1.1.1", "9.9.9.9", "198.51.100.10", "203.0.113.25", "192.0.2.80")
_DOMAINS = ("www.example.com", "docs.python.org", "pypi.org", "github.com", "intranet.corp.example")
_USERS = ("alice", "bob", "deploy", "svc-backup", "carol")
_UID_CHARS = string.ascii_letters + string.digits

#: A sensor's event generator: (random source, event time in epoch seconds, involves an
#: indicator) -> one raw record.
_Generator = Callable[[random.Random, float, bool], str]


@dataclass(frozen=True)
class _DemoSensor:
    generate: _Generator
    weight: int  # share of the total rate
    ip_fields: tuple[str, ...] = ("ip_src_addr", "ip_dst_addr")
    domain_fields: tuple[str, ...] = ()
    rules: tuple[dict[str, Any], ...] = ()  # triage rules beyond the threat-intel ones
    transformations: tuple[dict[str, Any], ...] = ()  # added to the parser config


_SENSORS: dict[str, _DemoSensor] = {}


def _sensor(name: str, weight: int, **options: Any) -> Callable[[_Generator], _Generator]:
    def register(generate: _Generator) -> _Generator:
        _SENSORS[name] = _DemoSensor(generate, weight, **options)
        return generate

    return register


def _rule(name: str, rule: str, score: int, reason: str) -> dict[str, Any]:
    """A triage rule of a sensor's ``riskLevelRules``."""
    return {"name": name, "rule": rule, "score": score, "reason": reason}


def _inside(rng: random.Random) -> str:
    return rng.choice(_WORKSTATIONS)


def _outside(rng: random.Random, bad: bool) -> str:
    return rng.choice(tuple(_BAD_IPS) if bad else _PUBLIC)


def _port(rng: random.Random) -> int:
    return rng.randint(32768, 60999)


def _uid(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choices(_UID_CHARS, k=17))


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


# ---------------------------------------------------------------------------- sensors


@_sensor("bro", weight=4, domain_fields=("host", "query"))
def _bro(rng: random.Random, t: float, bad: bool) -> str:
    """Zeek conn, dns and http logs as the Kafka plugin writes them: ``{"conn": {...}}``."""
    client = _inside(rng)
    common = {"ts": round(t, 6), "uid": _uid(rng, "C"), "id.orig_h": client}
    kind = rng.choices(("conn", "dns", "http"), (5, 3, 2))[0]
    if kind == "dns":
        domain = rng.choice(tuple(_BAD_DOMAINS) if bad else _DOMAINS)
        log: dict[str, Any] = {
            **common, "id.orig_p": _port(rng), "id.resp_h": _RESOLVER, "id.resp_p": 53,
            "proto": "udp", "trans_id": rng.randint(1, 65535),
            "rtt": round(rng.uniform(0.001, 0.09), 6), "query": domain, "qclass": 1,
            "qclass_name": "C_INTERNET", "qtype": 1, "qtype_name": "A", "rcode": 0,
            "rcode_name": "NOERROR", "AA": False, "TC": False, "RD": True, "RA": True, "Z": 0,
            "answers": [_outside(rng, bad)], "TTLs": [float(rng.choice((60, 300, 3600)))],
            "rejected": False,
        }  # fmt: skip
    elif kind == "http":
        host = rng.choice(tuple(_BAD_DOMAINS) if bad else _DOMAINS)
        body = rng.randint(200, 90_000)
        log = {
            **common, "id.orig_p": _port(rng), "id.resp_h": _outside(rng, bad), "id.resp_p": 80,
            "trans_depth": 1, "method": rng.choice(("GET", "GET", "POST")), "host": host,
            "uri": rng.choice(("/", "/index.html", "/api/v1/status", "/download/setup.exe")),
            "version": "1.1", "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "request_body_len": 0, "response_body_len": body, "status_code": 200,
            "status_msg": "OK", "tags": [], "resp_fuids": [_uid(rng, "F")],
            "resp_mime_types": ["text/html"],
        }  # fmt: skip
    else:
        inbound = bad and rng.random() < 0.5  # a known scanner knocking on the DMZ
        orig, resp = (_outside(rng, bad), _DMZ["web"]) if inbound else (client, _outside(rng, bad))
        sent, received = rng.randint(300, 5000), rng.randint(500, 200_000)
        packets_out, packets_in = sent // 500 + 2, received // 1400 + 2
        log = {
            **common, "id.orig_h": orig, "id.orig_p": _port(rng), "id.resp_h": resp,
            "id.resp_p": 443, "proto": "tcp", "service": "ssl",
            "duration": round(rng.uniform(0.05, 120.0), 6), "orig_bytes": sent,
            "resp_bytes": received, "conn_state": "SF", "local_orig": not inbound,
            "local_resp": inbound, "missed_bytes": 0, "history": "ShADadFf",
            "orig_pkts": packets_out, "orig_ip_bytes": sent + 40 * packets_out,
            "resp_pkts": packets_in, "resp_ip_bytes": received + 40 * packets_in,
        }  # fmt: skip
    return json.dumps({kind: log}, separators=(",", ":"))


#: Signatures of our own: (sid, message, service port, which way the alerting packet
#: goes: "in" to a DMZ server, "out" from a workstation, "reply" back to a workstation).
_SIGNATURES = (
    (1000101, "LOCAL SCAN inbound SSH connection burst", 22, "in"),
    (1000102, "LOCAL POLICY outbound connection to a non-standard TLS port", 8443, "out"),
    (1000103, "LOCAL WEB possible SQL injection in URI", 80, "in"),
    (1000104, "LOCAL MALWARE executable download over plain HTTP", 80, "reply"),
)
_SNORT_RULES = (
    _rule(
        "IDS alert on an internal host",
        "IN_SUBNET(ip_dst_addr, '10.0.0.0/8')",
        30,
        "FORMAT('%s against %s', msg, ip_dst_addr)",
    ),
    _rule(
        "IDS alert from an internal host",
        "IN_SUBNET(ip_src_addr, '10.0.0.0/8')",
        40,
        "FORMAT('%s from %s', msg, ip_src_addr)",
    ),
)


@_sensor("snort", weight=1, rules=_SNORT_RULES)
def _snort(rng: random.Random, t: float, bad: bool) -> str:
    """Snort's ``alert_csv`` default columns, the time as ``MM/dd/yy-HH:mm:ss.SSSSSS``."""
    sid, msg, port, way = rng.choice(_SIGNATURES)
    outside = _outside(rng, bad)
    if way == "in":
        server = _DMZ["ssh"] if port == 22 else _DMZ["web"]
        src, sport, dst, dport = outside, _port(rng), server, port
    elif way == "out":
        src, sport, dst, dport = _inside(rng), _port(rng), outside, port
    else:
        src, sport, dst, dport = outside, port, _inside(rng), _port(rng)
    length = rng.randint(60, 1500)
    columns = [
        _utc(t).strftime("%m/%d/%y-%H:%M:%S.%f") + " ", 1, sid, 2, f'"{msg}"', "TCP", src, sport,
        dst, dport, "00:1c:42:7a:10:01", "00:1c:42:7a:10:fe", hex(length + 14), "***AP***",
        hex(rng.getrandbits(32)), hex(rng.getrandbits(32)), "", "0xFAF0", 64, 0,
        rng.randint(1, 65535), length, length + 20, "", "", "", "",
    ]  # fmt: skip
    return ",".join(map(str, columns))


@_sensor("asa", weight=3)
def _asa(rng: random.Random, t: float, bad: bool) -> str:
    """Cisco ASA syslog: denies (106023, 106100) and connections (302013, 302014)."""
    inside, outside = _inside(rng), _outside(rng, bad)
    kind = rng.choices(("106023", "106100", "302013", "302014"), (2, 1, 3, 3))[0]
    if kind == "106023":
        severity = 4
        text = (
            f"Deny tcp src outside:{outside}/{_port(rng)} dst inside:{_DMZ['ssh']}/22"
            f' by access-group "outside_access_in" [0x0, 0x0]'
        )
    elif kind == "106100":
        severity = 5
        text = (
            f"access-list inside_access_out permitted tcp inside/{inside}({_port(rng)})"
            f" -> outside/{outside}(443) hit-cnt 1 first hit [0x3c5e2a10, 0x0]"
        )
    else:
        severity, connection, port = 6, rng.randint(100_000, 999_999), _port(rng)
        text = f"{'Built outbound' if kind == '302013' else 'Teardown'} TCP connection {connection}"
        if kind == "302013":
            text += f" for outside:{outside}/443 ({outside}/443) to inside:{inside}/{port}"
            text += f" (198.51.100.2/{port})"
        else:
            text += f" for outside:{outside}/443 to inside:{inside}/{port}"
            text += f" duration 0:00:{rng.randint(1, 59):02d} bytes {rng.randint(400, 90_000)}"
            text += " TCP FINs"
    stamp = _utc(t).strftime("%b %d %Y %H:%M:%S")
    return f"<{20 * 8 + severity}>{stamp} fw-edge-01 : %ASA-{severity}-{kind}: {text}"


@_sensor("yaf", weight=3)
def _yaf(rng: random.Random, t: float, bad: bool) -> str:
    """yafscii's pipe-delimited flows (``--tabular``), as Metron's yaf grok pattern reads."""
    inbound = bad and rng.random() < 0.5
    if inbound:
        src, sport, dst, dport = _outside(rng, bad), _port(rng), _DMZ["web"], 443
    else:
        src, sport, dst, dport = _inside(rng), _port(rng), _outside(rng, bad), 443
    duration = rng.uniform(0.01, 30.0)
    packets, octets = rng.randint(3, 60), rng.randint(200, 20_000)
    rpackets, roctets = rng.randint(2, 80), rng.randint(200, 400_000)

    def stamp(at: float) -> str:
        return _utc(at).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

    columns = [
        stamp(t - duration), stamp(t), f"{duration:8.3f}", f"{rng.uniform(0.001, 0.2):8.3f}",
        f"{6:3d}", f"{src:>40}", f"{sport:5d}", f"{dst:>40}", f"{dport:5d}", f"{'S':>8}",
        f"{'APF':>8}", f"{'AS':>8}", f"{'APF':>8}", f"{rng.getrandbits(32):08x}",
        f"{rng.getrandbits(32):08x}", "000", "000", f"{packets:8d}", f"{octets:8d}",
        f"{rpackets:8d}", f"{roctets:8d}", f"{443:5d}", "eof",
    ]  # fmt: skip
    return "|".join(columns)


_SSH_SOURCE = {
    "transformation": "STELLAR",
    "output": ["ip_src_addr"],
    "config": {"ip_src_addr": "REGEXP_GROUP_VAL(syslog.message, '.* from ([0-9.]+) port .*', 1)"},
}


@_sensor("syslog5424", weight=2, ip_fields=("ip_src_addr",), transformations=(_SSH_SOURCE,))
def _syslog(rng: random.Random, t: float, bad: bool) -> str:
    """RFC 5424 lines from Linux servers: sshd logins (the client address becomes
    ``ip_src_addr`` through a field transformation), sudo and cron."""
    user = rng.choice(_USERS)
    kind = "sshd-bad" if bad else rng.choices(("sshd", "sudo", "cron"), (3, 1, 2))[0]
    if kind == "sshd-bad":
        app, pri = "sshd", 4 * 8 + 5
        text = f"Failed password for invalid user {rng.choice(('admin', 'oracle', 'pi'))}"
        text += f" from {_outside(rng, True)} port {_port(rng)} ssh2"
    elif kind == "sshd":
        app, pri = "sshd", 4 * 8 + 6
        text = f"Accepted publickey for {user} from {_inside(rng)} port {_port(rng)} ssh2"
    elif kind == "sudo":
        app, pri = "sudo", 10 * 8 + 5
        text = f"{user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl"
        text += " restart nginx"
    else:
        app, pri = "CRON", 9 * 8 + 6
        text = "(root) CMD (/usr/local/bin/rotate-backups --keep 7)"
    host = rng.choice(("web-01", "db-01", "bastion-01"))
    stamp = _utc(t).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"<{pri}>1 {stamp} {host}.corp.example {app} {rng.randint(300, 32000)} - - {text}"


#: The sensors the demo feeds (the names of their built-in parser configs).
DEMO_SENSORS: tuple[str, ...] = tuple(_SENSORS)


# ----------------------------------------------------------------------------- source


class DemoSource(Source):
    """Synthetic raw records of ``sensors`` at ``rate`` records per second in total (shared
    by the sensors' weights), emitted in batches every ``batch_interval`` seconds until
    stopped.  The same ``seed`` and ``clock`` give the same records.  Generated data cannot
    be replayed, so batches are acked with :data:`NO_ACK`.  A source that falls behind
    (back-pressure, a clock jump) resumes from the present instead of catching up."""

    def __init__(
        self,
        sensors: Sequence[str],
        rate: float = 50.0,
        seed: int | None = None,
        batch_interval: float = 0.5,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        unknown = [s for s in sensors if s not in _SENSORS]
        if unknown or not sensors:
            raise ConfigError(
                f"the demo source has no generator for {', '.join(unknown) or 'no sensor'}:"
                f" it feeds {', '.join(DEMO_SENSORS)}"
            )
        if rate <= 0 or batch_interval <= 0:
            raise ConfigError("the demo source's rate and batch interval must be above 0")
        self.sensors = tuple(dict.fromkeys(sensors))
        self.rate = rate
        self.batch_interval = batch_interval
        self.name = f"demo {','.join(self.sensors)} at {rate:g}/s"
        self._rng = random.Random(seed)
        self._clock = clock
        self._weights = [_SENSORS[s].weight for s in self.sensors]

    def generate(self, count: int, now: float) -> dict[str, list[bytes]]:
        """``count`` records, by sensor, timed evenly over the batch interval up to ``now``
        (epoch seconds); :data:`INDICATOR_RATIO` of them involve a demo indicator."""
        rng = self._rng
        records: dict[str, list[bytes]] = {}
        for i, sensor in enumerate(rng.choices(self.sensors, self._weights, k=count)):
            at = now - self.batch_interval * (count - 1 - i) / count
            line = _SENSORS[sensor].generate(rng, at, rng.random() < INDICATOR_RATIO)
            records.setdefault(sensor, []).append(line.encode())
        return records

    def run(self, emit: Emit, stop: threading.Event) -> None:
        clock, interval = self._clock, self.batch_interval
        owed = 0.0  # records due but not yet emitted: the rate need not fill whole batches
        due = clock()
        while not stop.is_set():
            owed += self.rate * interval
            count = int(owed)
            owed -= count
            for sensor, records in self.generate(count, clock()).items():
                if stop.is_set():
                    return
                emit(sensor, records, NO_ACK)
                self.count(records=len(records), size=sum(map(len, records)))
            due += interval
            now = clock()
            if not now - interval <= due <= now + interval:
                due = now + interval
            if due > now and stop.wait(due - now):
                return


# ----------------------------------------------------------------------- configuration


def _threat_rules(sensor: _DemoSensor) -> list[dict[str, Any]]:
    def known(field: str, kind: str) -> str:
        return f"exists(threatintels.hbaseThreatIntel.{field}.{kind})"

    listed = "FORMAT('%s is on the demo threat list', {})"
    rules = []
    if "ip_src_addr" in sensor.ip_fields:
        source = known("ip_src_addr", MALICIOUS_IP)
        rules.append(_rule("Known malicious source", source, 50, listed.format("ip_src_addr")))
    if "ip_dst_addr" in sensor.ip_fields:
        target = known("ip_dst_addr", MALICIOUS_IP)
        rules.append(_rule("Known malicious destination", target, 70, listed.format("ip_dst_addr")))
        rules.append(
            _rule(
                "Internal host talking to a malicious address (possibly compromised)",
                f"IN_SUBNET(ip_src_addr, '10.0.0.0/8') and {target}",
                90,
                "FORMAT('%s contacted %s', ip_src_addr, ip_dst_addr)",
            )
        )
    for name in sensor.domain_fields:
        domain = known(name, MALICIOUS_DOMAIN)
        rules.append(_rule(f"Known malicious domain in {name}", domain, 60, listed.format(name)))
    return rules + list(sensor.rules)


def _enrichment_config(sensor: _DemoSensor) -> dict[str, Any]:
    types = {name: [MALICIOUS_IP] for name in sensor.ip_fields}
    types |= {name: [MALICIOUS_DOMAIN] for name in sensor.domain_fields}
    return {
        "enrichment": {"fieldMap": {"geo": list(sensor.ip_fields)}, "fieldToTypeMap": {}},
        "threatIntel": {
            "fieldMap": {"hbaseThreatIntel": list(types)},
            "fieldToTypeMap": types,
            "triageConfig": {"riskLevelRules": _threat_rules(sensor), "aggregator": "MAX"},
        },
    }


def _parser_config(name: str, sensor: _DemoSensor) -> dict[str, Any]:
    builtin = resources.files("metron.parsing").joinpath("defaults", f"{name}.json")
    config: dict[str, Any] = json.loads(builtin.read_text(encoding="utf-8"))
    if sensor.transformations:
        config["fieldTransformations"] = [
            *config.get("fieldTransformations", []),
            *sensor.transformations,
        ]
    return config


def _demo_configs() -> dict[str, Any]:
    """The demo's config tree: key (path without ``.json``) -> JSON value."""
    # A week of demo data is plenty; the lake must not fill the disk of a forgotten demo.
    configs: dict[str, Any] = {"global": {"lake.retention.days": 7}}
    for name, sensor in _SENSORS.items():
        configs[f"parsers/{name}"] = _parser_config(name, sensor)
        configs[f"enrichments/{name}"] = _enrichment_config(sensor)
        # Small, frequent alert-store batches so alerts show within seconds; larger lake
        # files.
        configs[f"indexing/{name}"] = {
            "elasticsearch": {"index": name, "batchSize": 100, "batchTimeout": 1, "enabled": True},
            "hdfs": {"index": name, "batchSize": 5000, "batchTimeout": 60, "enabled": True},
        }
        configs[f"sources/{name}"] = {"sources": [{"type": "demo", "rate": _rate(name)}]}
    return configs


#: Records per second of the whole demo, shared by the sensors by weight.
DEMO_RATE = 50.0


def _rate(name: str) -> float:
    total = sum(sensor.weight for sensor in _SENSORS.values())
    return round(DEMO_RATE * _SENSORS[name].weight / total, 2)


def write_demo_config(config_dir: Path) -> list[Path]:
    """Write the demo's config tree into ``config_dir`` (created if needed), skipping every
    file that exists already; returns the files written."""
    written = []
    for key, value in _demo_configs().items():
        path = Path(config_dir) / f"{key}.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                out = path.open("x", encoding="utf-8")  # "x": never replace a user's file
            except FileExistsError:
                continue
            with out:
                out.write(json.dumps(value, indent=2) + "\n")
        except OSError as e:
            raise ConfigError(f"{path}: cannot write the demo config: {e.strerror or e}") from None
        written.append(path)
    return written


def load_demo_intel(data_dir: Path) -> int:
    """Put :data:`DEMO_INDICATORS` in the threat-intel table of ``data_dir``'s lookup store
    (as ``metron load`` would); loading again changes nothing.  Returns the count."""
    try:
        with SqliteLookup.in_data_dir(data_dir, cache_size=0) as store:
            return store.put_many(THREAT_INTEL_TABLE, DEMO_INDICATORS)
    except OSError as e:
        raise ConfigError(f"cannot load the demo threat intel: {e}") from None
