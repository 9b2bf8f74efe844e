"""The STIX 2.1 loader: threat-intel indicators from STIX bundles into a lookup store.

:func:`load_stix` reads JSON files holding a STIX bundle (``{"type": "bundle", "objects":
[...]}``), a single STIX object, or a JSON list of objects, takes the ``indicator`` objects
whose ``pattern_type`` is ``stix`` (or absent, as in STIX 2.0) and writes one threat-intel
record per observable value their patterns compare for equality.

Threat-intel types (the record's enrichment type; the indicator is the compared value):

* ``ip``: ``ipv4-addr:value`` and ``ipv6-addr:value`` (an address, or a CIDR range kept as
  the range text as written), and ``network-traffic:src_ref.value`` / ``dst_ref.value``
  when the value is an address or range;
* ``domain``: ``domain-name:value``, lower-cased, without a final dot;
* ``url``: ``url:value``, as written;
* ``email``: ``email-addr:value`` and ``email-message:from_ref.value`` /
  ``sender_ref.value`` / ``to_refs[*].value`` / ``cc_refs[*].value`` /
  ``bcc_refs[*].value``, as written;
* ``md5``, ``sha1``, ``sha256``, ``sha512``, ``sha3-256``, ``sha3-512`` (lower-case hex,
  length checked), ``ssdeep``, ``tlsh`` (as written): ``file:hashes.MD5``,
  ``file:hashes.'SHA-1'``, ``'SHA-256'``, ``'SHA-512'``, ``'SHA3-256'``, ``'SHA3-512'``,
  ``SSDEEP``, ``TLSH`` (hash names match ignoring case, ``-`` and ``_``; also
  ``artifact:hashes``).

Patterns are parsed here (a recursive-descent parser of the STIX patterning grammar:
observation expressions joined by ``AND``/``OR``/``FOLLOWEDBY`` with ``WITHIN``, ``START
... STOP`` and ``REPEATS`` qualifiers, comparisons joined by ``AND``/``OR``, parentheses).
Every comparison ``path = 'value'`` and every member of ``path IN ('a', 'b')`` counts, as
does ``ipv4-addr:value ISSUBSET '10.0.0.0/8'`` (a range); negated comparisons (``NOT``,
``!=``) and other operators (``LIKE``, ``MATCHES``, ``<``...) name no indicator and are
ignored, as are observables not in the list above.

The value map of each record holds, as strings, the indicator's ``id``, ``name``,
``indicator_types`` and ``labels`` (comma-separated), ``valid_from``, ``valid_until``,
``confidence`` and ``created_by_ref`` (absent properties are left out).

Rules:

* an indicator whose ``valid_until`` is before ``now`` is expired and skipped; one with
  ``revoked: true`` is skipped; one whose pattern names no supported observable is counted
  as unsupported; indicators of other pattern types (Snort, YARA...) are counted as other;
* when several versions of an indicator (same ``id``) are given, the one with the latest
  ``modified`` decides (a revoked newest version removes nothing but loads nothing);
* an object that is not valid (no id, a pattern that does not parse, a bad timestamp, no
  valid observable value...) is reported as a :class:`StixProblem` (file, object id,
  reason) and skipped; a value of a valid indicator's pattern that is not a valid
  indicator (``'domain bad.example'``) is reported and skipped, and the other values load;
* all-or-nothing: every file is read and extracted before the store is touched, and a file
  that cannot be read, is not JSON or is not STIX content raises a :class:`ConfigError`
  with nothing written; the records are then written with one ``put_many``;
* idempotent: records are keyed by (type, indicator), so loading again replaces them; when
  two indicators name the same observable the later one in the input wins.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from metron.enrichment.indicators import normalize
from metron.enrichment.lookup import DEFAULT_COLUMN_FAMILY, THREAT_INTEL_TABLE, LookupWriter
from metron.errors import ConfigError

__all__ = [
    "Comparison",
    "PatternError",
    "StixLoadReport",
    "StixProblem",
    "extract_indicators",
    "extract_objects",
    "load_stix",
    "parse_pattern",
]

Row = tuple[str, str, dict[str, Any]]


class PatternError(ValueError):
    """A STIX pattern that does not parse; the message says where."""


@dataclass(frozen=True)
class Comparison:
    """One comparison of a pattern: ``object_type:path op values`` (``NOT`` in ``negated``).

    ``path`` is the object path after the colon, components joined by dots and list
    indexes written ``[n]`` or ``[*]`` (``hashes.SHA-256``, ``to_refs[*].value``);
    ``values`` are the compared literals (several for ``IN``), strings for string
    literals, ``int``/``float``/``bool`` for the others (binary, hex and timestamp
    literals are their text, with ``kind`` telling which).
    """

    object_type: str
    path: str
    operator: str
    values: tuple[Any, ...]
    negated: bool = False
    kind: str = "str"


# ---------------------------------------------------------------------------- parsing

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<str>[bht]?'(?:[^'\\]|\\.)*')
    |(?P<num>[+-]?\d+(?:\.\d+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    |(?P<op>!=|<>|<=|>=|=|<|>)
    |(?P<punct>[\[\]().,:*])
    """,
    re.VERBOSE,
)
_WORD_OPERATORS = {"IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"}
_JOINERS = {"AND", "OR", "FOLLOWEDBY"}


def _tokenize(pattern: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(pattern):
        m = _TOKEN.match(pattern, pos)
        if m is None:
            raise PatternError(f"unexpected {pattern[pos : pos + 10]!r} at position {pos}")
        kind = m.lastgroup or ""
        if kind != "space":
            tokens.append((kind, m.group(), pos))
        pos = m.end()
    return tokens


def _unquote(text: str) -> tuple[str, str]:
    """(kind, text) of a string literal token: kind is str, binary, hex or timestamp."""
    kind = {"b": "binary", "h": "hex", "t": "timestamp"}.get(text[0], "str")
    body = text[1:-1] if kind == "str" else text[2:-1]
    return kind, re.sub(r"\\(.)", r"\1", body, flags=re.S)


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.tokens = _tokenize(pattern)
        self.pos = 0
        self.comparisons: list[Comparison] = []

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def is_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1] in words

    def is_punct(self, char: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "punct" and token[1] == char

    def take(self, what: str) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise PatternError(f"the pattern ends where {what} was expected")
        self.pos += 1
        return token

    def fail(self, what: str) -> PatternError:
        token = self.peek()
        if token is None:
            return PatternError(f"the pattern ends where {what} was expected")
        return PatternError(f"expected {what} at position {token[2]}, found {token[1]!r}")

    def expect_punct(self, char: str) -> None:
        if not self.is_punct(char):
            raise self.fail(f"'{char}'")
        self.pos += 1

    def expect_word(self, word: str) -> None:
        if not self.is_word(word):
            raise self.fail(word)
        self.pos += 1

    def parse(self) -> list[Comparison]:
        if not self.tokens:
            raise PatternError("the pattern is empty")
        self.observations()
        if self.peek() is not None:
            raise self.fail("AND, OR, FOLLOWEDBY or the end of the pattern")
        return self.comparisons

    def observations(self) -> None:
        self.observation()
        while self.is_word(*_JOINERS):
            self.pos += 1
            self.observation()

    def observation(self) -> None:
        if self.is_punct("["):
            self.pos += 1
            self.comparison_or()
            self.expect_punct("]")
        elif self.is_punct("("):
            self.pos += 1
            self.observations()
            self.expect_punct(")")
        else:
            raise self.fail("'[' or '('")
        self.qualifiers()

    def qualifiers(self) -> None:
        while True:
            if self.is_word("WITHIN"):
                self.pos += 1
                self.number("a number of seconds")
                self.expect_word("SECONDS")
            elif self.is_word("REPEATS"):
                self.pos += 1
                self.number("a repeat count")
                self.expect_word("TIMES")
            elif self.is_word("START"):
                self.pos += 1
                self.timestamp()
                self.expect_word("STOP")
                self.timestamp()
            else:
                return

    def number(self, what: str) -> None:
        token = self.peek()
        if token is None or token[0] != "num":
            raise self.fail(what)
        self.pos += 1

    def timestamp(self) -> None:
        token = self.peek()
        if token is None or token[0] != "str" or not token[1].startswith("t'"):
            raise self.fail("a timestamp t'...'")
        self.pos += 1

    def comparison_or(self) -> None:
        self.comparison_and()
        while self.is_word("OR"):
            self.pos += 1
            self.comparison_and()

    def comparison_and(self) -> None:
        self.test()
        while self.is_word("AND"):
            self.pos += 1
            self.test()

    def test(self) -> None:
        if self.is_punct("("):
            self.pos += 1
            self.comparison_or()
            self.expect_punct(")")
            return
        if self.is_word("EXISTS"):
            self.pos += 1
            self.object_path()
            return
        object_type, path = self.object_path()
        negated = False
        if self.is_word("NOT"):
            self.pos += 1
            negated = True
        token = self.peek()
        if token is not None and token[0] == "op":
            operator = "!=" if token[1] == "<>" else token[1]
        elif token is not None and token[0] == "word" and token[1] in _WORD_OPERATORS:
            operator = token[1]
        else:
            raise self.fail("a comparison operator")
        self.pos += 1
        if operator == "IN":
            self.expect_punct("(")
            literals = [self.literal()]
            while self.is_punct(","):
                self.pos += 1
                literals.append(self.literal())
            self.expect_punct(")")
        else:
            literals = [self.literal()]
        kinds = {kind for kind, _ in literals}
        self.comparisons.append(
            Comparison(
                object_type,
                path,
                operator,
                tuple(value for _, value in literals),
                negated,
                kinds.pop() if len(kinds) == 1 else "mixed",
            )
        )

    def object_path(self) -> tuple[str, str]:
        token = self.peek()
        if token is None or token[0] != "word" or not re.fullmatch(r"[a-z0-9-]+", token[1]):
            raise self.fail("an object type such as ipv4-addr")
        self.pos += 1
        object_type = token[1]
        self.expect_punct(":")
        parts = [self.component()]
        while True:
            if self.is_punct("."):
                self.pos += 1
                parts.append("." + self.component())
            elif self.is_punct("[") and self.pos + 1 < len(self.tokens):
                index = self.tokens[self.pos + 1]
                if not (index[0] == "num" and index[1].isdigit()) and index[1] != "*":
                    raise PatternError(f"bad list index {index[1]!r} at position {index[2]}")
                self.pos += 2
                self.expect_punct("]")
                parts.append(f"[{index[1]}]")
            else:
                return object_type, "".join(parts)

    def component(self) -> str:
        token = self.peek()
        if token is not None and token[0] == "word":
            self.pos += 1
            return token[1]
        if token is not None and token[0] == "str" and token[1].startswith("'"):
            self.pos += 1
            return _unquote(token[1])[1]
        raise self.fail("a property name")

    def literal(self) -> tuple[str, Any]:
        token = self.take("a value")
        kind, text, _ = token
        if kind == "str":
            return _unquote(text)
        if kind == "num":
            return "number", float(text) if "." in text else int(text)
        if kind == "word" and text in ("true", "false"):
            return "bool", text == "true"
        self.pos -= 1
        raise self.fail("a value")


def parse_pattern(pattern: str) -> list[Comparison]:
    """Every comparison of a STIX pattern, in order (a :class:`PatternError` if invalid)."""
    if not isinstance(pattern, str):
        raise PatternError(f"the pattern must be a string, not {type(pattern).__name__}")
    return _Parser(pattern).parse()


# ------------------------------------------------------------------------- observables

#: STIX hash names (upper case, without "-", "_" or blanks) to indicator types.
_HASHES = {
    "MD5": "md5",
    "SHA1": "sha1",
    "SHA256": "sha256",
    "SHA512": "sha512",
    "SHA3256": "sha3-256",
    "SHA3512": "sha3-512",
    "SSDEEP": "ssdeep",
    "TLSH": "tlsh",
}
_EMAIL_PATH = re.compile(r"(?:from_ref|sender_ref|(?:to|cc|bcc)_refs\[(?:\d+|\*)\])\.value")


def _classify(comparison: Comparison) -> str | None:
    """The threat-intel type a comparison's values are, or None when unsupported."""
    otype, path = comparison.object_type, comparison.path
    if otype in ("ipv4-addr", "ipv6-addr") and path == "value":
        return "ip"
    if otype == "network-traffic" and path in ("src_ref.value", "dst_ref.value"):
        return "ip?"
    if comparison.operator == "ISSUBSET":
        return None
    if otype == "domain-name" and path == "value":
        return "domain"
    if otype == "url" and path == "value":
        return "url"
    if (otype == "email-addr" and path == "value") or (
        otype == "email-message" and _EMAIL_PATH.fullmatch(path)
    ):
        return "email"
    if otype in ("file", "artifact") and path.startswith("hashes."):
        key = re.sub(r"[-_ ]", "", path[len("hashes.") :]).upper()
        if key in _HASHES:
            return "hash:" + key
    return None


def _observables(comparison: Comparison, skipped: list[str]) -> Iterator[tuple[str, str]]:
    """The (type, indicator) pairs a comparison names; a value that is not a valid
    indicator is described in ``skipped`` instead."""
    if comparison.negated or comparison.operator not in ("=", "IN", "ISSUBSET"):
        return
    kind = _classify(comparison)
    if kind is None:
        return
    where = f"{comparison.object_type}:{comparison.path}"
    for value in comparison.values:
        if not isinstance(value, str) or comparison.kind not in ("str", "mixed"):
            skipped.append(f"{where} compared with a non-string value {value!r}")
            continue
        if kind == "ip?":
            try:
                yield "ip", normalize("ip", value)
            except ValueError:
                continue  # a domain name or other reference value: not an address
        else:
            name = _HASHES[kind[len("hash:") :]] if kind.startswith("hash:") else kind
            try:
                yield name, _normalize(name, value, where)
            except ValueError as e:
                skipped.append(str(e))


def _normalize(kind: str, value: str, where: str) -> str:
    if not value.strip():
        raise ValueError(f"{where} compared with an empty value")
    return normalize(kind, value)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class StixProblem:
    """An object that was skipped because it is not valid: where, which, and why."""

    path: str
    object_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.object_id}: {self.reason}"


@dataclass
class StixLoadReport:
    """What a load did.

    ``loaded``: records written; ``indicators``: indicators that gave records; ``expired``,
    ``revoked``: indicators skipped for that; ``unsupported``: STIX indicators naming no
    supported observable; ``other_patterns``: indicators of another pattern language;
    ``superseded``: older versions of an indicator given again; ``objects``: objects read;
    ``files``: sources read (files, or a TAXII collection); ``bad``: invalid objects,
    skipped; ``types``: records per type.
    """

    loaded: int = 0
    indicators: int = 0
    expired: int = 0
    revoked: int = 0
    unsupported: int = 0
    other_patterns: int = 0
    superseded: int = 0
    objects: int = 0
    files: int = 0
    bad: list[StixProblem] = field(default_factory=list)
    types: dict[str, int] = field(default_factory=dict)


def _read(path: Path) -> list[Any]:
    """The objects of a STIX file; a ConfigError when it is not STIX content."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the STIX file: {e.strerror or e}") from None
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON: {e}") from None
    if isinstance(document, list):
        return document
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        raise ConfigError(
            f"{path}: expected a STIX bundle, a STIX object or a list of objects"
            " (a JSON object with a 'type')"
        )
    if document["type"] != "bundle":
        return [document]
    objects = document.get("objects", [])
    if not isinstance(objects, list):
        raise ConfigError(f"{path}: the bundle's 'objects' must be a list")
    return objects


def _timestamp(obj: Mapping[str, Any], name: str) -> datetime | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a timestamp string, not {value!r:.40}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{name}' is not a timestamp: {value!r:.40}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_VALUE_FIELDS = (
    "id",
    "name",
    "indicator_types",
    "labels",
    "valid_from",
    "valid_until",
    "confidence",
    "created_by_ref",
)


@dataclass
class _Taken:
    """An indicator that was valid: its version and what it comes to."""

    modified: datetime | None
    outcome: str  # "rows", "expired", "revoked", "unsupported", "other"
    rows: list[Row]
    #: values of the pattern that are not valid indicators (the others still load)
    skipped: list[str] = field(default_factory=list)


def _take(obj: Mapping[str, Any], now: datetime) -> _Taken:
    """What a valid indicator comes to; ValueError when it is not valid."""
    created = _timestamp(obj, "created")
    modified = _timestamp(obj, "modified") or created
    _timestamp(obj, "valid_from")
    valid_until = _timestamp(obj, "valid_until")
    revoked = obj.get("revoked", False)
    if not isinstance(revoked, bool):
        raise ValueError(f"'revoked' must be true or false, not {revoked!r:.40}")
    pattern_type = obj.get("pattern_type", "stix")
    if pattern_type != "stix":
        return _Taken(modified, "other", [])
    if "pattern" not in obj:
        raise ValueError("the indicator has no 'pattern'")
    try:
        comparisons = parse_pattern(obj["pattern"])
    except PatternError as e:
        raise ValueError(f"bad pattern: {e}") from None
    pairs: list[tuple[str, str]] = []
    skipped: list[str] = []
    for comparison in comparisons:
        pairs.extend(_observables(comparison, skipped))
    if skipped and not pairs:
        raise ValueError(skipped[0])
    if revoked:
        return _Taken(modified, "revoked", [])
    if valid_until is not None and valid_until < now:
        return _Taken(modified, "expired", [])
    if not pairs:
        return _Taken(modified, "unsupported", [])
    value = {k: _text(obj[k]) for k in _VALUE_FIELDS if obj.get(k) is not None}
    rows = [(kind, indicator, dict(value)) for kind, indicator in pairs]
    return _Taken(modified, "rows", rows, skipped)


def extract_objects(
    sources: Iterable[tuple[str, Iterable[Any]]], *, now_ms: int | None = None
) -> tuple[list[Row], StixLoadReport]:
    """The records of in-memory STIX objects (nothing written) and the report of what they
    come to.

    ``sources`` pairs a label that names where the objects came from in problems (a file
    path, or a TAXII collection) with its objects; it is consumed once, in order, so a
    lazily read source raises its error only when reached.  Used by :func:`extract_indicators`
    for files and by the TAXII poller for collection pages.
    """
    report = StixLoadReport()
    now = datetime.fromtimestamp(
        (time.time() * 1000 if now_ms is None else now_ms) / 1000.0, tz=UTC
    )
    # id -> (version, input order, what it comes to); the latest version decides.
    latest: dict[str, tuple[datetime | None, int, _Taken]] = {}
    order = 0
    for where, objects in sources:
        report.files += 1
        for index, obj in enumerate(objects):
            report.objects += 1
            if not isinstance(obj, dict):
                report.bad.append(StixProblem(where, f"#{index}", "not a JSON object"))
                continue
            object_id = obj.get("id")
            label = object_id if isinstance(object_id, str) else f"#{index}"
            if obj.get("type") != "indicator":
                continue
            if not isinstance(object_id, str) or not object_id.startswith("indicator--"):
                report.bad.append(StixProblem(where, label, "no indicator--<uuid> 'id'"))
                continue
            try:
                taken = _take(obj, now)
            except ValueError as e:
                report.bad.append(StixProblem(where, label, str(e)))
                continue
            for reason in taken.skipped if taken.outcome == "rows" else ():
                report.bad.append(StixProblem(where, label, f"{reason}; the rest loads"))
            order += 1
            previous = latest.get(object_id)
            if previous is not None:
                report.superseded += 1
                old = previous[0]
                if old is not None and (taken.modified is None or taken.modified < old):
                    continue
            latest[object_id] = (taken.modified, order, taken)
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for _, _, taken in sorted(latest.values(), key=lambda entry: entry[1]):
        if taken.outcome == "rows":
            report.indicators += 1
            for kind, indicator, value in taken.rows:
                records.pop((kind, indicator), None)
                records[(kind, indicator)] = value
        elif taken.outcome == "expired":
            report.expired += 1
        elif taken.outcome == "revoked":
            report.revoked += 1
        elif taken.outcome == "unsupported":
            report.unsupported += 1
        else:
            report.other_patterns += 1
    rows = [(kind, indicator, value) for (kind, indicator), value in records.items()]
    for kind, _, _ in rows:
        report.types[kind] = report.types.get(kind, 0) + 1
    return rows, report


def extract_indicators(
    paths: list[Path],
    *,
    now_ms: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Row], StixLoadReport]:
    """The records of every file (nothing written) and the report of what they come to;
    a :class:`ConfigError` for a file that cannot be read or is not STIX content.
    ``progress(files read, files)`` is called as each file is read."""

    def sources() -> Iterator[tuple[str, list[Any]]]:
        for done, path in enumerate(paths, 1):
            objects = _read(path)
            if progress is not None:
                progress(done, len(paths))
            yield str(path), objects

    return extract_objects(sources(), now_ms=now_ms)


def load_stix(
    paths: list[Path],
    store: LookupWriter,
    *,
    now_ms: int | None = None,
    table: str = THREAT_INTEL_TABLE,
    column_family: str = DEFAULT_COLUMN_FAMILY,
    progress: Callable[[int, int], None] | None = None,
) -> StixLoadReport:
    """Load the indicators of every STIX file of ``paths`` into ``table`` (see the module
    docstring); every file is extracted before one ``put_many`` writes the records.
    ``progress(files read, files)`` follows the reading."""
    rows, report = extract_indicators(list(paths), now_ms=now_ms, progress=progress)
    report.loaded = store.put_many(table, rows, column_family) if rows else 0
    return report
