"""Metron's sensor enrichment config (``enrichments/<sensor>.json``), unchanged.

The file has three top-level keys, all optional::

    {
      "enrichment":  {"fieldMap": {...}, "fieldToTypeMap": {...}, "config": {...}},
      "threatIntel": {"fieldMap": {...}, "fieldToTypeMap": {...}, "config": {...},
                      "triageConfig": {...}},
      "configuration": {...}
    }

``fieldMap`` maps an adapter name to the list of fields it enriches (``geo``, ``host``,
``hbaseEnrichment``, ``hbaseThreatIntel``) or, for ``stellar``, to an object whose
``config`` holds the Stellar to run.  That ``config`` takes three forms:

* a flat map ``{"field": "expression", ...}``;
* a list of assignments ``["field := expression", ...]``;
* named groups ``{"group": {...map...} | [...list...], ...}``, which may be mixed with
  flat ``field: expression`` entries at the top level.

:func:`stellar_groups` turns any of these into the tasks Metron runs: every named group
in config order, then (when the top level holds any expression) one unnamed group of the
top-level entries.  An entry whose expression is null, or a list item that is not an
assignment, is skipped, as Metron skips it.  An unknown key is a :class:`ConfigError`
naming the file, the key and the closest valid key; so is Stellar that does not parse.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from metron import stellar
from metron.errors import ConfigError
from metron.stellar.serialize import from_json

__all__ = [
    "EnrichmentSection",
    "SensorEnrichmentConfig",
    "StellarAssignment",
    "StellarGroup",
    "ThreatIntelSection",
    "load_enrichment_config",
    "parse_enrichment_config",
    "split_assignment",
    "stellar_groups",
    "strip_json_comments",
]

_JAVA_BLANKS = "".join(chr(c) for c in range(33))


class EnrichmentSection(BaseModel):
    """``enrichment``: which adapters enrich which fields, and their settings."""

    model_config = ConfigDict(extra="forbid")

    fieldMap: dict[str, Any] = Field(default_factory=dict)
    fieldToTypeMap: dict[str, list[str]] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


class ThreatIntelSection(EnrichmentSection):
    """``threatIntel``: the threat-intel adapters, plus the triage rules."""

    triageConfig: dict[str, Any] | None = None


class SensorEnrichmentConfig(BaseModel):
    """A sensor's enrichment configuration, key for key as Metron reads it."""

    model_config = ConfigDict(extra="forbid")

    enrichment: EnrichmentSection = Field(default_factory=EnrichmentSection)
    threatIntel: ThreatIntelSection = Field(default_factory=ThreatIntelSection)
    configuration: dict[str, Any] = Field(default_factory=dict)

    def section(self, kind: str) -> EnrichmentSection:
        """``"enrichment"`` or ``"threatIntel"``."""
        if kind == "enrichment":
            return self.enrichment
        if kind == "threatIntel":
            return self.threatIntel
        raise ValueError(f"unknown enrichment section {kind!r}")

    def stellar_groups(self, kind: str = "enrichment") -> list[StellarGroup]:
        """The Stellar tasks of a section's ``stellar`` adapter (none when it has none)."""
        return stellar_groups(
            self.section(kind).fieldMap.get("stellar"), f"{kind}.fieldMap.stellar"
        )


@dataclass(frozen=True)
class StellarAssignment:
    """One ``variable := expression``; ``key`` says where it is in the config."""

    variable: str
    expression: str
    key: str


@dataclass(frozen=True)
class StellarGroup:
    """One task: a named group, or ``name=None`` for the top-level entries."""

    name: str | None
    assignments: tuple[StellarAssignment, ...]


def _java_trim(text: str) -> str:
    return text.strip(_JAVA_BLANKS)


def split_assignment(statement: str | None) -> tuple[str | None, str | None]:
    """Split ``"var := expr"`` the way Metron's ``StellarAssignment.from`` does.

    Text without ``:=`` is ``(None, text)``; empty text is ``(None, None)``.  The
    expression is what follows the *last* ``:=``, and the variable is what precedes the
    first one, shortened by one character for each further ``:=`` (Metron's scanner does
    exactly this, so ``"x := 'a:=b'"`` yields the expression ``b'``).
    """
    if not statement:
        return None, None
    marks: list[int] = []
    at = statement.find(":=")
    while at >= 0:
        marks.append(at)
        at = statement.find(":=", at + 2)
    if not marks:
        return None, _java_trim(statement)
    variable = statement[: marks[0]]
    for _ in marks[1:]:
        if not variable:
            raise ValueError(f"cannot split the assignment {statement!r}")
        variable = variable[:-1]
    return _java_trim(variable), _java_trim(statement[marks[-1] + 2 :])


def _from_list(items: list[Any], where: str) -> tuple[list[StellarAssignment], bool]:
    """Assignments of a list; also whether any item has an expression (a task exists)."""
    found: list[StellarAssignment] = []
    any_expression = False
    for index, item in enumerate(items):
        key = f"{where}[{index}]"
        if not isinstance(item, str):
            raise ConfigError(
                f"{key}: expected a 'variable := expression' string, got {_kind(item)}"
            )
        try:
            variable, expression = split_assignment(item)
        except ValueError as e:
            raise ConfigError(f"{key}: {e}") from None
        if expression is not None:
            any_expression = True
        if variable is not None and expression is not None:
            found.append(StellarAssignment(variable, expression, key))
    return found, any_expression


def _from_map(entries: dict[str, Any], where: str) -> list[StellarAssignment]:
    return [
        StellarAssignment(str(name), value, f"{where}.{name}")
        for name, value in entries.items()
        if isinstance(value, str)
    ]


def stellar_groups(handler: Any, where: str = "fieldMap.stellar") -> list[StellarGroup]:
    """The Stellar tasks of a ``stellar`` fieldMap entry, in Metron's order.

    ``handler`` is the entry's value (``{"config": ...}``); ``None`` or a list (Metron
    treats a list as a field list, which gives the Stellar adapter nothing to run) gives
    no tasks.  Named groups come first, in config order; the unnamed group of top-level
    entries, when there is one, comes last.
    """
    if handler is None or isinstance(handler, list):
        return []
    if not isinstance(handler, dict):
        raise ConfigError(f"{where}: expected an object with a 'config' key, got {_kind(handler)}")
    kind = handler.get("type", "STELLAR")
    if kind != "STELLAR":
        raise ConfigError(f"{where}.type: the stellar adapter needs type 'STELLAR', got {kind!r}")
    if "config" not in handler or handler["config"] is None:
        others = [k for k in handler if k not in ("type", "config")]
        close = difflib.get_close_matches("config", others, n=1)
        hint = f"; did you mean 'config' instead of '{close[0]}'?" if close else ""
        raise ConfigError(f"{where}: missing key 'config'{hint}")
    config = handler["config"]
    where = f"{where}.config"
    if isinstance(config, list):
        found, any_expression = _from_list(config, where)
        return [StellarGroup(None, tuple(found))] if any_expression else []
    if not isinstance(config, dict):
        raise ConfigError(
            f"{where}: expected a map of field to expression, a list of"
            f" 'variable := expression' strings or a map of groups, got {_kind(config)}"
        )
    groups: list[StellarGroup] = []
    ungrouped = False
    for name, value in config.items():
        key = f"{where}.{name}"
        if isinstance(value, str):
            ungrouped = True
        elif isinstance(value, dict):
            groups.append(StellarGroup(str(name), tuple(_from_map(value, key))))
        elif isinstance(value, list):
            groups.append(StellarGroup(str(name), tuple(_from_list(value, key)[0])))
    if ungrouped:
        groups.append(StellarGroup(None, tuple(_from_map(config, where))))
    return groups


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _check_field_map(section: EnrichmentSection, kind: str) -> None:
    for adapter, value in section.fieldMap.items():
        where = f"{kind}.fieldMap.{adapter}"
        if isinstance(value, list):
            for index, field in enumerate(value):
                if not isinstance(field, str):
                    raise ConfigError(
                        f"{where}[{index}]: expected a field name, got {_kind(field)}"
                    )
            continue
        if not isinstance(value, dict):
            raise ConfigError(
                f"{where}: expected a list of fields or an object, got {_kind(value)}"
            )
        handler_type = value.get("type", str(adapter).upper())
        if handler_type != "STELLAR":
            raise ConfigError(
                f"{where}: only the stellar adapter takes an object (with 'config');"
                f" give {adapter} a list of fields"
            )
        for group in stellar_groups(value, where):
            for assignment in group.assignments:
                try:
                    stellar.compile(assignment.expression)
                except stellar.StellarError as e:
                    raise ConfigError(f"{assignment.key}: invalid Stellar: {e}") from None


def parse_enrichment_config(data: Any, source: str) -> SensorEnrichmentConfig:
    """Validate a parsed enrichment config; problems are ConfigErrors naming ``source``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a sensor enrichment config must be a JSON object")
    try:
        config = SensorEnrichmentConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_describe(e, source)) from None
    try:
        _check_field_map(config.enrichment, "enrichment")
        _check_field_map(config.threatIntel, "threatIntel")
    except ConfigError as e:
        raise ConfigError(f"{source}: {e}") from None
    if config.threatIntel.triageConfig is not None:
        from metron.enrichment.triage import TriageEngine

        try:
            TriageEngine(config.threatIntel.triageConfig)
        except ConfigError as e:
            raise ConfigError(f"{source}: threatIntel.triageConfig: {e}") from None
    return config


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    if len(loc) > 1 and loc[0] == "enrichment":
        return EnrichmentSection
    if len(loc) > 1 and loc[0] == "threatIntel":
        return ThreatIntelSection
    return SensorEnrichmentConfig


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid sensor enrichment config"]
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        if item["type"] == "extra_forbidden":
            key = str(item["loc"][-1])
            model = _model_at(tuple(item["loc"]))
            close = difflib.get_close_matches(key, list(model.model_fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            lines.append(f"  unknown key '{where}'{hint}")
        else:
            lines.append(f"  '{where}': {item['msg']}")
    return "\n".join(lines)


def load_enrichment_config(path: Path | str) -> SensorEnrichmentConfig:
    """Read and validate ``path`` (an ``enrichments/<sensor>.json`` file)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from None
    try:
        data = from_json(raw)
    except ValueError as e:
        # Metron's JSON reader allows /* */ and // comments
        text = raw.decode("utf-8", errors="replace")
        stripped = strip_json_comments(text)
        if stripped == text:
            raise ConfigError(f"{path}: not valid JSON: {e}") from None
        try:
            data = from_json(stripped)
        except ValueError as again:
            raise ConfigError(f"{path}: not valid JSON: {again}") from None
    return parse_enrichment_config(data, str(path))


def strip_json_comments(text: str) -> str:
    """``text`` without ``/* ... */`` and ``// ...`` comments outside JSON strings."""
    out: list[str] = []
    i, n = 0, len(text)
    start = 0
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == "/" and text.startswith("//", i):
            out.append(text[start:i])
            end = text.find("\n", i)
            i = start = n if end < 0 else end
        elif c == "/" and text.startswith("/*", i):
            out.append(text[start:i])
            end = text.find("*/", i + 2)
            i = start = n if end < 0 else end + 2
            out.append(" ")
        else:
            i += 1
    out.append(text[start:])
    return "".join(out)
