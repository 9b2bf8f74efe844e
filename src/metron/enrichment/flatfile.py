"""The flatfile loader: a file, through an extractor, into a lookup store table.

Metron's ``flatfile_loader.sh`` reads a file line by line, turns each line into lookup
records with an extractor (:mod:`metron.enrichment.extractors`) and puts them into an HBase
table.  Here :func:`load_flatfile` does the same into a :class:`LookupWriter` (the lookup
store, or the lookup topic in Kafka mode):

* everything that can fail fatally happens before the store is touched: the extractor
  config is checked when it is loaded, and the whole file is read and extracted first;
  the records are then written with one ``put_many`` call (a :class:`SqliteLookup` opened
  with ``batch_size`` at least the number of records writes them in one transaction, as the
  CLI does), so a bad config or an unreadable file leaves the store as it was;
* a line that cannot become a record is counted as bad with its line number; blank and
  ``#`` lines and lines the Stellar filters drop are counted as skipped;
* loading is idempotent: a record is keyed by (table, column family, type, indicator) and
  a put replaces it, so loading the same file again leaves the same store (a key that
  appears twice in a file keeps its last value, as successive HBase puts do).

:func:`update_enrichment_configs` is Metron's ``-n`` option: the sensors' enrichment
configs learn the new fields and types (see its docstring for where they are written).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from metron.enrichment.extractors import BadRow, CsvExtractor, load_extractor
from metron.enrichment.lookup import DEFAULT_COLUMN_FAMILY, LookupWriter
from metron.errors import ConfigError, MetronError

__all__ = [
    "Extraction",
    "LoadResult",
    "extract_file",
    "input_files",
    "load_extractor_file",
    "load_flatfile",
    "update_enrichment_configs",
]

Row = tuple[str, str, dict[str, Any]]
#: How many lines are read between two progress reports.
BATCH_LINES = 10_000


@dataclass
class Extraction:
    """The records of a file, and what did not become one."""

    rows: list[Row] = field(default_factory=list)
    skipped: int = 0
    bad: list[BadRow] = field(default_factory=list)
    lines: int = 0


@dataclass(frozen=True)
class LoadResult:
    """What a load did: records written, lines skipped, bad lines (with line numbers)."""

    loaded: int
    skipped: int
    bad: list[BadRow]
    lines: int


def _read_json(path: Path, what: str) -> Any:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the {what}: {e.strerror or e}") from None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise ConfigError(f"{path}: the {what} is not valid JSON: {e}") from None


def load_extractor_file(path: Path, global_config: Mapping[str, Any] | None = None) -> CsvExtractor:
    """The extractor an extractor config file describes (a :class:`ConfigError` if bad)."""
    return load_extractor(
        _read_json(path, "extractor config"), global_config=global_config, where=str(path)
    )


def input_files(path: Path) -> list[Path]:
    """The files to load for ``-i path``: the file, or every file under a directory (sorted,
    recursively, as Metron walks a directory); a :class:`ConfigError` if there is none."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        if files:
            return files
        raise ConfigError(f"{path}: the directory holds no file to load")
    raise ConfigError(f"{path}: no such file")


def extract_file(
    path: Path,
    extractor: CsvExtractor,
    progress: Callable[[int], None] | None = None,
    into: Extraction | None = None,
) -> Extraction:
    """Every record of ``path`` (added to ``into`` when given); ``progress`` gets the bytes
    read every batch of lines.

    An unreadable file is a :class:`ConfigError`; a line that is not UTF-8 is a bad line.
    """
    out = Extraction() if into is None else into
    where = str(path)
    rows = out.rows
    bad = out.bad
    extract = extractor.extract
    number = 0
    pending = 0
    try:
        with path.open("rb") as stream:
            for number, raw in enumerate(stream, 1):
                pending += len(raw)
                if progress is not None and number % BATCH_LINES == 0:
                    progress(pending)
                    pending = 0
                try:
                    line = raw.decode()
                except UnicodeDecodeError as e:
                    bad.append(
                        BadRow(number, f"not UTF-8 text: {e.reason} at byte {e.start}", where)
                    )
                    continue
                if line[-1:] == "\n":
                    line = line[:-2] if line[-2:] == "\r\n" else line[:-1]
                try:
                    row = extract(line)
                except MetronError as e:
                    bad.append(BadRow(number, str(e), where))
                    continue
                if row is None:
                    out.skipped += 1
                else:
                    rows.append(row)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the input: {e.strerror or e}") from None
    if progress is not None and pending:
        progress(pending)
    out.lines += number
    return out


def load_flatfile(
    store: LookupWriter,
    table: str,
    paths: Path | Sequence[Path],
    extractor: CsvExtractor,
    *,
    column_family: str = DEFAULT_COLUMN_FAMILY,
    progress: Callable[[int], None] | None = None,
    on_write: Callable[[int], None] | None = None,
) -> LoadResult:
    """Extract every file of ``paths`` completely, then write their records to ``table``
    with one put_many (``on_write`` hears how many, just before)."""
    extraction = Extraction()
    for path in [paths] if isinstance(paths, Path) else paths:
        extract_file(path, extractor, progress, extraction)
    if on_write is not None:
        on_write(len(extraction.rows))
    loaded = store.put_many(table, extraction.rows, column_family) if extraction.rows else 0
    return LoadResult(loaded, extraction.skipped, extraction.bad, extraction.lines)


_SECTIONS = {
    "ENRICHMENT": ("enrichment", "hbaseEnrichment"),
    "THREAT_INTEL": ("threatIntel", "hbaseThreatIntel"),
}


def _updated(config: dict[str, Any], kind: str, fields: Mapping[str, Any], where: str) -> bool:
    section_name, adapter = _SECTIONS[kind]
    section = config.setdefault(section_name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: '{section_name}' must be a JSON object")
    field_map = section.setdefault("fieldMap", {})
    type_map = section.setdefault("fieldToTypeMap", {})
    if not isinstance(field_map, dict) or not isinstance(type_map, dict):
        raise ConfigError(f"{where}: '{section_name}.fieldMap' and 'fieldToTypeMap' must be maps")
    field_list = field_map.setdefault(adapter, [])
    if not isinstance(field_list, list):
        raise ConfigError(f"{where}: '{section_name}.fieldMap.{adapter}' must be a list")
    changed = False
    for name, types in fields.items():
        if name not in field_list:
            field_list.append(name)
            changed = True
        known = type_map.setdefault(name, [])
        for t in types:
            if t not in known:
                known.append(t)
                changed = True
    return changed


def update_enrichment_configs(document_path: Path, config_dir: Path) -> list[Path]:
    """Metron's ``-n``: add the fields and types of an enrichment config document
    (``{"zkQuorum": ..., "sensorToFieldList": {sensor: {"type": "ENRICHMENT" |
    "THREAT_INTEL", "fieldToEnrichmentTypes": {field: [type, ...]}}}}``) to each sensor's
    enrichment config.

    Where Metron rewrites the sensor configs in ZooKeeper, this rewrites
    ``<config_dir>/enrichments/<sensor>.json`` (creating it when absent, as Metron starts
    from an empty config): each field joins ``fieldMap.hbaseEnrichment`` (or
    ``hbaseThreatIntel``) and its types join ``fieldToTypeMap``; nothing else changes and
    a file is rewritten (atomically) only when something was added.  ``zkQuorum`` is
    ignored.  Returns the files written.
    """
    where = str(document_path)
    document = _read_json(document_path, "enrichment config")
    if not isinstance(document, dict) or not isinstance(document.get("sensorToFieldList"), dict):
        raise ConfigError(f"{where}: expected an object with a 'sensorToFieldList' map")
    planned: list[tuple[Path, dict[str, Any]]] = []
    for sensor, spec in document["sensorToFieldList"].items():
        key = f"{where}: sensorToFieldList.{sensor}"
        if not isinstance(spec, dict) or spec.get("type") not in _SECTIONS:
            raise ConfigError(f"{key}: 'type' must be ENRICHMENT or THREAT_INTEL")
        fields = spec.get("fieldToEnrichmentTypes")
        if not isinstance(fields, dict) or not all(
            isinstance(v, list) and all(isinstance(t, str) for t in v) for v in fields.values()
        ):
            raise ConfigError(f"{key}: 'fieldToEnrichmentTypes' must map fields to type lists")
        target = config_dir / "enrichments" / f"{sensor}.json"
        config = _read_json(target, "sensor enrichment config") if target.exists() else {}
        if not isinstance(config, dict):
            raise ConfigError(f"{target}: a sensor enrichment config must be a JSON object")
        if _updated(config, spec["type"], fields, str(target)):
            planned.append((target, config))
    for target, config in planned:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(orjson.dumps(config, option=orjson.OPT_INDENT_2) + b"\n")
        os.replace(tmp, target)
    return [t for t, _ in planned]
