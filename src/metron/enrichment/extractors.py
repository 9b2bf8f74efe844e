"""Extractors: how the flatfile loader turns lines of a file into lookup records.

An extractor config is Metron's JSON document ``{"config": {...}, "extractor": "CSV"}``
(optionally ``"inputFormat": "BY_LINE"``).  The CSV extractor's ``config`` keys:

* ``columns`` (required): a map ``name -> position``, a list of names, or a comma-separated
  string of names; in the list and string forms ``name:position`` sets the position;
* ``indicator_column``: the column holding the indicator (Metron's default: position 0);
* ``type``: the enrichment type of every record, or ``type_column``: the column holding it
  (with neither, Metron takes the type from position 0);
* ``separator``: the field separator (its first character; default ``,``);
* ``lookup_converter``: only ``ENRICHMENT`` (Metron's only converter) is known;
* ``zk_quorum``: accepted and ignored; the global config comes from the config directory;
* ``state_init``, ``state_update``, ``state_merge``: the summarizer's keys, accepted and
  unused by the loader.

The value map holds every configured column (the indicator's too), unmodified.  Lines that
are blank or start with ``#`` (after trimming) are skipped.  Fields split exactly as
Metron's opencsv 3.7 parser splits them (``metron.parsing.parsers._opencsv``); values are
not trimmed (Metron's extractor does not trim them); a quote left open is a bad line.

The Stellar hooks, compiled once, run per record exactly in Metron's order:
``value_transform`` (a map, in order: each result replaces its key, a null removes it),
``indicator_transform`` (a map; ``indicator`` is the one that counts), a null indicator
drops the record, then ``indicator_filter`` and ``value_filter`` (predicates; a blank one
passes).  Variables resolve as Metron's resolver does: the value map first, then
``indicator``, then the global config, each map seen as it is at that moment (a value
transform's result is visible to the next one and to the indicator transforms).

A line that cannot be turned into a record (too few fields, a failing Stellar hook, an
indicator that is not a string) is a :class:`BadRow` naming its line number, never fatal.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from metron import stellar
from metron.errors import ConfigError, MetronError
from metron.parsing.parsers._opencsv import OpenCsvLineParser, column_map
from metron.stellar import Expression, StellarContext, StellarError

__all__ = ["BadRow", "CsvExtractor", "ExtractorConfigError", "load_extractor"]

Row = tuple[str, str, dict[str, Any]]

_TOP_KEYS = ("config", "extractor", "inputFormat")
_CSV_KEYS = (
    "columns",
    "indicator_column",
    "type",
    "type_column",
    "separator",
    "lookup_converter",
    "value_transform",
    "value_filter",
    "indicator_transform",
    "indicator_filter",
    "zk_quorum",
    "state_init",
    "state_update",
    "state_merge",
)
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))


class ExtractorConfigError(ConfigError):
    """An extractor config is invalid; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class BadRow:
    """A line that produced no record, and why (``path``: the file, when known)."""

    line: int
    reason: str
    path: str = ""

    def __str__(self) -> str:
        return f"{self.path or '<input>'}:{self.line}: {self.reason}"


class _Scope(Mapping[str, Any]):
    """Metron's ``MapVariableResolver``: the first map with a non-null value wins, read live."""

    __slots__ = ("maps",)

    def __init__(self, *maps: Mapping[str, Any]) -> None:
        self.maps = maps

    def get(self, key: str, default: Any = None) -> Any:
        for m in self.maps:
            value = m.get(key)
            if value is not None:
                return value
        return default

    def __getitem__(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for m in self.maps:
            for key in m:
                if key not in seen and self.get(key) is not None:
                    seen.add(key)
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})"


def _columns(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, (str, list, dict)):
        raise ExtractorConfigError(f"{where}: 'columns' must be a map, a list or a string")
    try:
        columns = column_map(value)
    except ConfigError as e:
        raise ExtractorConfigError(f"{where}: {e}") from None
    if not columns:
        raise ExtractorConfigError(f"{where}: 'columns' names no column")
    for name, pos in columns.items():
        if pos < 0:
            raise ExtractorConfigError(f"{where}: column {name!r} has a negative position")
    return columns


def _compile(text: Any, context: StellarContext, where: str) -> Expression | None:
    if not isinstance(text, str):
        raise ExtractorConfigError(f"{where}: a Stellar expression must be a string")
    if not text.strip(_JAVA_TRIM):
        return None
    try:
        stellar.validate(text)
        return stellar.compile(text, context=context)
    except StellarError as e:
        raise ExtractorConfigError(f"{where}: invalid Stellar expression {text!r}: {e}") from None


def _transforms(
    value: Any, context: StellarContext, where: str
) -> list[tuple[str, Expression | None]]:
    if not isinstance(value, dict):
        raise ExtractorConfigError(f"{where}: must be a map of field -> Stellar expression")
    return [(str(k), _compile(v, context, f"{where}.{k}")) for k, v in value.items()]


class _RowError(MetronError):
    pass


def _predicate(expression: Expression | None, scope: Mapping[str, Any]) -> bool:
    if expression is None:
        return True
    value = expression.evaluate(scope)
    if value is True or value is False:
        return value
    raise _RowError(f"the filter {expression.expression!r} returned {value!r}, not a boolean")


class CsvExtractor:
    """Metron's CSV extractor with its Stellar transform/filter decorator."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        global_config: Mapping[str, Any] | None = None,
        where: str = "extractor config",
    ) -> None:
        for key in config:
            if key not in _CSV_KEYS:
                raise ExtractorConfigError(
                    f"{where}: unknown key 'config.{key}'{_suggest(key, _CSV_KEYS)}"
                )
        if "columns" not in config:
            raise ExtractorConfigError(f"{where}: the CSV extractor requires 'config.columns'")
        self.columns = _columns(config["columns"], f"{where}: config.columns")
        self.indicator_index = self._column(config, "indicator_column", where)
        self.type: str | None = None
        self.type_index = 0
        if config.get("type") is not None:
            self.type = str(config["type"])
        elif "type_column" in config:
            self.type_index = self._column(config, "type_column", where)
        separator = str(config.get("separator", ","))
        if not separator:
            raise ExtractorConfigError(f"{where}: 'config.separator' is empty")
        self.separator = separator[0]
        converter = config.get("lookup_converter", "ENRICHMENT")
        if converter != "ENRICHMENT":
            raise ExtractorConfigError(
                f"{where}: 'config.lookup_converter' {converter!r} is not supported"
                " (only ENRICHMENT)"
            )
        self.global_config: dict[str, Any] = dict(global_config or {})
        context = StellarContext(global_config=self.global_config)
        self.value_transforms = (
            _transforms(config["value_transform"], context, f"{where}: config.value_transform")
            if "value_transform" in config
            else []
        )
        self.indicator_transforms = (
            _transforms(
                config["indicator_transform"], context, f"{where}: config.indicator_transform"
            )
            if "indicator_transform" in config
            else []
        )
        self.value_filter = _compile(
            config.get("value_filter", ""), context, f"{where}: config.value_filter"
        )
        self.indicator_filter = _compile(
            config.get("indicator_filter", ""), context, f"{where}: config.indicator_filter"
        )
        self._hooks = bool(
            self.value_transforms
            or self.indicator_transforms
            or self.value_filter
            or self.indicator_filter
        )
        self._width = 1 + max(
            [*self.columns.values(), self.indicator_index, self.type_index if not self.type else 0]
        )
        self._items = list(self.columns.items())
        try:
            self._parser = OpenCsvLineParser(self.separator)
        except ConfigError as e:
            raise ExtractorConfigError(f"{where}: config.{e}") from None

    def _column(self, config: Mapping[str, Any], key: str, where: str) -> int:
        if key not in config:
            return 0
        name = str(config[key])
        if name not in self.columns:
            raise ExtractorConfigError(
                f"{where}: 'config.{key}' names {name!r}, which is not among the columns"
                f" ({', '.join(self.columns)})"
            )
        return self.columns[name]

    def extract(self, line: str) -> Row | None:
        """The record of one line; ``None`` when the line is skipped or filtered out.

        Raises :class:`MetronError` when the line cannot become a record.
        """
        trimmed = line.strip(_JAVA_TRIM)
        if not trimmed or trimmed[0] == "#":
            return None
        try:
            tokens = self._parser.parse_line(line)
        except ValueError as e:
            raise _RowError(str(e)) from None
        if len(tokens) < self._width:
            raise _RowError(f"{len(tokens)} fields, the config needs {self._width}")
        value = {name: tokens[pos] for name, pos in self._items}
        kind = self.type if self.type is not None else tokens[self.type_index]
        indicator = tokens[self.indicator_index]
        if not self._hooks:
            return kind, indicator, value
        return self._decorate(kind, indicator, value)

    def _decorate(self, kind: str, indicator: str, value: dict[str, Any]) -> Row | None:
        ind: dict[str, Any] = {"indicator": indicator}
        scope = _Scope(value, ind, self.global_config)
        try:
            for target, transforms in (
                (value, self.value_transforms),
                (ind, self.indicator_transforms),
            ):
                for name, expression in transforms:
                    result = None if expression is None else expression.evaluate(scope)
                    if result is None:
                        target.pop(name, None)
                    else:
                        target[name] = result
            new_indicator = ind.get("indicator")
            if new_indicator is None:
                return None
            if not isinstance(new_indicator, str):
                raise _RowError(
                    f"the indicator transform must return a string, not {new_indicator!r:.60}"
                )
            if not (
                _predicate(self.indicator_filter, scope) and _predicate(self.value_filter, scope)
            ):
                return None
        except StellarError as e:
            raise _RowError(str(e)) from None
        return kind, new_indicator, value


def load_extractor(
    document: Any, *, global_config: Mapping[str, Any] | None = None, where: str = "extractor"
) -> CsvExtractor:
    """The extractor a parsed extractor config describes; :class:`ExtractorConfigError` if
    the config is invalid (every check happens here, before any line is read)."""
    if not isinstance(document, dict):
        raise ExtractorConfigError(f"{where}: an extractor config must be a JSON object")
    for key in document:
        if key not in _TOP_KEYS:
            raise ExtractorConfigError(f"{where}: unknown key {key!r}{_suggest(key, _TOP_KEYS)}")
    name = document.get("extractor")
    if name is None:
        raise ExtractorConfigError(f"{where}: 'extractor' is required (e.g. \"CSV\")")
    input_format = document.get("inputFormat", "BY_LINE")
    if input_format != "BY_LINE":
        raise ExtractorConfigError(
            f"{where}: 'inputFormat' {input_format!r} is not supported (only BY_LINE)"
        )
    config = document.get("config")
    if not isinstance(config, dict):
        raise ExtractorConfigError(f"{where}: 'config' must be a JSON object")
    if name in ("CSV", "org.apache.metron.dataloads.extractor.csv.CSVExtractor"):
        return CsvExtractor(config, global_config=global_config, where=where)
    if name == "STIX":
        raise ExtractorConfigError(f"{where}: the STIX extractor is not supported yet; use CSV")
    raise ExtractorConfigError(f"{where}: unknown extractor {name!r} (known: CSV)")
