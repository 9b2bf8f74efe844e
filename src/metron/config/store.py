"""The configuration tree Metron kept in ZooKeeper under ``/metron/topology``, as a mapping
of key to JSON object.

Keys: ``global``, ``parsers/<sensor>``, ``enrichments/<sensor>``, ``indexing/<sensor>`` and
``profiler``.  On disk the tree is a config directory (``global.json``,
``parsers/<sensor>.json``, ``enrichments/<sensor>.json``, ``indexing/<sensor>.json``,
``profiler.json``), the layout of Metron's ``config/zookeeper``.

One type is ours, not Metron's: ``sources/<sensor>`` (SOURCE), where a sensor's raw
telemetry comes from (files, syslog, Kafka...; see :mod:`metron.runtime.sourceconfig`).
It lives beside the parser config so that Metron's parser configs keep Metron's keys only.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from metron.errors import ConfigError, MetronError

__all__ = [
    "CONFIG_TYPES",
    "apply_patch",
    "canonical",
    "config_key",
    "describe_key",
    "directory_stamp",
    "read_directory",
    "sorted_keys",
    "validate",
    "write_directory",
]

#: Metron's config type names -> the directory of their per-sensor keys (None: one config).
CONFIG_TYPES: dict[str, str | None] = {
    "GLOBAL": None,
    "PARSER": "parsers",
    "SOURCE": "sources",
    "ENRICHMENT": "enrichments",
    "INDEXING": "indexing",
    "PROFILER": None,
}
_SINGLE = {"global": "GLOBAL", "profiler": "PROFILER"}
_FOLDERS = {
    "parsers": "PARSER",
    "sources": "SOURCE",
    "enrichments": "ENRICHMENT",
    "indexing": "INDEXING",
}
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_EXPECTED = (
    "expected global, profiler, parsers/<sensor>, sources/<sensor>, enrichments/<sensor>"
    " or indexing/<sensor>"
)


def config_key(config_type: str, name: str | None = None) -> str:
    """The key of a config named as Metron's tool named it: ``config_key("PARSER", "bro")``
    is ``parsers/bro`` (and ``config_key("SOURCE", "bro")`` our ``sources/bro``); GLOBAL
    and PROFILER take no name."""
    kind = config_type.strip().upper()
    if kind not in CONFIG_TYPES:
        raise ConfigError(
            f"unknown config type {config_type!r}: expected one of"
            f" {', '.join(t.lower() for t in CONFIG_TYPES)}"
        )
    folder = CONFIG_TYPES[kind]
    if folder is None:
        if name:
            raise ConfigError(f"a {kind.lower()} config has no name (drop -n {name})")
        return kind.lower()
    if not name:
        raise ConfigError(f"a {kind.lower()} config needs a sensor name (-n NAME)")
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{name!r} is not a valid sensor name")
    return f"{folder}/{name}"


def describe_key(key: str) -> tuple[str, str]:
    """Metron's (type, name) of a key, as its DUMP printed them: ``("PARSER", "bro")``;
    ``("UNKNOWN", key)`` for a key that is none of the known ones."""
    if key in _SINGLE:
        return _SINGLE[key], key
    folder, _, name = key.partition("/")
    if folder in _FOLDERS and _NAME.fullmatch(name):
        return _FOLDERS[folder], name
    return "UNKNOWN", key


def _known(key: str) -> bool:
    return describe_key(key)[0] != "UNKNOWN"


def _sort_key(key: str) -> tuple[int, str]:
    order = ["GLOBAL", "PARSER", "SOURCE", "ENRICHMENT", "INDEXING", "PROFILER", "UNKNOWN"]
    return order.index(describe_key(key)[0]), key


def sorted_keys(configs: Mapping[str, Any]) -> list[str]:
    """The keys of ``configs`` in Metron's order: global, parsers, (our) sources,
    enrichments, indexing, profiler, then anything unknown."""
    return sorted(configs, key=_sort_key)


def canonical(value: Any) -> str:
    """``value`` as compact JSON with sorted keys: equal text means equal configs (unlike
    ``==``, which takes ``true`` for ``1``)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _load(path: Path) -> Any:
    from metron.enrichment.config import strip_json_comments

    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as e:
        stripped = strip_json_comments(text)  # Metron's reader allowed comments
        if stripped == text:
            raise ConfigError(f"{path}: not valid JSON: {e}") from None
        try:
            return json.loads(stripped)
        except ValueError as again:
            raise ConfigError(f"{path}: not valid JSON: {again}") from None


def directory_stamp(directory: Path) -> tuple[Any, ...]:
    """What changes when a file :func:`read_directory` reads changes: each ``*.json``
    file's name, size, modification time and inode, at the top and one level down (and
    the directories'). Cheap to take (no file is opened), so a follower can skip reading
    a tree that has not changed."""
    stamp: list[Any] = []
    with os.scandir(directory) as top:
        for entry in top:
            if entry.is_dir():
                stat = entry.stat()
                stamp.append((entry.name, stat.st_mtime_ns, stat.st_ino))
                with os.scandir(entry.path) as inner:
                    stamp += [
                        (f"{entry.name}/{item.name}", *_file_stamp(item))
                        for item in inner
                        if item.name.endswith(".json")
                    ]
            elif entry.name.endswith(".json"):
                stamp.append((entry.name, *_file_stamp(entry)))
    return tuple(sorted(stamp, key=lambda item: item[0]))


def _file_stamp(entry: os.DirEntry[str]) -> tuple[int, int, int]:
    stat = entry.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def read_directory(directory: Path) -> dict[str, Any]:
    """Every ``*.json`` file of ``directory`` and of its immediate subdirectories, keyed by
    its path without ``.json`` (``parsers/bro.json`` -> ``parsers/bro``).  Files that are
    not JSON are ignored; unknown keys are kept (:func:`validate` names them).  Every file
    that cannot be read is named in one ConfigError."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such config directory")
    configs: dict[str, Any] = {}
    problems: list[str] = []
    paths = sorted(directory.glob("*.json")) + sorted(directory.glob("*/*.json"))
    for path in paths:
        if not path.is_file():
            continue
        key = path.relative_to(directory).with_suffix("").as_posix()
        try:
            configs[key] = _load(path)
        except ConfigError as e:
            problems.append(str(e))
        except (OSError, UnicodeDecodeError) as e:
            problems.append(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}")
    if problems:
        raise ConfigError("\n".join(problems))
    return configs


def _path(directory: Path, key: str) -> Path:
    if not _known(key):
        raise ConfigError(f"{key}: unknown config; {_EXPECTED}")
    return directory / f"{key}.json"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def write_directory(directory: Path, configs: Mapping[str, Any], force: bool = False) -> list[str]:
    """Write ``configs`` into ``directory`` as pretty JSON, one file per key, each replaced
    atomically.  A file that already holds the same config is left as it is.  Without
    ``force``, existing files that differ are an error naming every one of them, and
    nothing is written.  Files of keys not in ``configs`` stay.  Returns the keys written."""
    directory = Path(directory)
    targets = {key: _path(directory, key) for key in sorted_keys(configs)}
    changed: list[str] = []
    conflicts: list[str] = []
    for key, path in targets.items():
        if path.exists():
            try:
                same = canonical(_load(path)) == canonical(configs[key])
            except (ConfigError, OSError, UnicodeDecodeError):
                same = False
            if same:
                continue
            if not force:
                conflicts.append(str(path))
        changed.append(key)
    if conflicts:
        raise ConfigError(
            "these files differ from the configs and are not overwritten without --force: "
            + ", ".join(conflicts)
        )
    for key in changed:
        path = targets[key]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(_pretty(configs[key]))
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise ConfigError(f"{path}: cannot write: {e.strerror or e}") from None
    return changed


# ------------------------------------------------------------------------- validation


def _problems(error: ConfigError, key: str) -> list[str]:
    """The problems of a parser's error, each naming ``key``: its list of bad fields one
    problem per field, any other message (a Stellar error with its caret) as one."""
    text = str(error)
    lines = text.splitlines()
    if len(lines) > 1 and lines[0].startswith(f"{key}: invalid "):
        return [f"{key}: {line.strip()}" for line in lines[1:] if line.strip()]
    named = text.startswith((f"{key}:", f"{key}."))
    return [text if named else f"{key}: {text}"]


def _check_global(key: str, value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{key}: the global config must be a JSON object"]
    return []


def _check_profiler(key: str, value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{key}: the profiler config must be a JSON object"]
    profiles = value.get("profiles", [])
    if not isinstance(profiles, list):
        return [f"{key}: 'profiles' must be a list of profile definitions"]
    problems = []
    for i, profile in enumerate(profiles):
        if not isinstance(profile, dict):
            problems.append(f"{key}: 'profiles.{i}' must be an object")
            continue
        for field in ("profile", "foreach"):
            if not isinstance(profile.get(field), str) or not profile[field]:
                problems.append(f"{key}: 'profiles.{i}.{field}' must be a non-empty string")
    return problems


def _check_parser(key: str, value: Any) -> list[str]:
    from metron.parsing.config import parse_sensor_config

    try:
        parse_sensor_config(value, key)
    except ConfigError as e:
        return _problems(e, key)
    return []


def _check_source(key: str, value: Any) -> list[str]:
    from metron.runtime.sourceconfig import check_sources

    return check_sources(key.partition("/")[2], value, where=key)


def _check_enrichment(key: str, value: Any) -> list[str]:
    from metron.enrichment.config import parse_enrichment_config

    try:
        parse_enrichment_config(value, key)
    except ConfigError as e:
        return _problems(e, key)
    return []


def _check_indexing(key: str, value: Any) -> list[str]:
    from metron.indexing.config import parse_indexing_config

    if not isinstance(value, dict):
        return [f"{key}: must be a JSON object of writers"]
    sensor = key.partition("/")[2]
    problems = []
    for writer, settings in value.items():  # each writer alone, so every problem shows
        try:
            parse_indexing_config({writer: settings}, sensor, key)
        except ConfigError as e:
            problems.extend(_problems(e, key))
    return problems


_CHECKS = {
    "GLOBAL": _check_global,
    "PROFILER": _check_profiler,
    "PARSER": _check_parser,
    "SOURCE": _check_source,
    "ENRICHMENT": _check_enrichment,
    "INDEXING": _check_indexing,
}


def validate(configs: Mapping[str, Any]) -> list[str]:
    """Every problem of ``configs``, each naming its key and field (empty: all valid).
    Each config goes through the parser that later reads it; unknown keys are named."""
    problems: list[str] = []
    for key in sorted_keys(configs):
        kind, _ = describe_key(key)
        if kind == "UNKNOWN":
            problems.append(f"{key}: unknown config; {_EXPECTED}")
            continue
        try:
            problems.extend(_CHECKS[kind](key, configs[key]))
        except MetronError as e:  # a parser that fails in an unexpected way
            problems.append(f"{key}: {e}")
    return problems


# ---------------------------------------------------------------------------- patching


def apply_patch(config: Any, operations: Any) -> dict[str, Any]:
    """``config`` with RFC 6902 ``operations`` applied as Metron's config tool applied them
    (add, remove, replace, move, copy, test; ``add`` replaces an existing field, ``remove``
    of a missing field changes nothing, a path's parent must exist).  The input is left
    unchanged."""
    from metron.search.patch import apply_patch as metron_patch

    if not isinstance(config, dict):
        raise ConfigError("only a config that is a JSON object can be patched")
    if isinstance(operations, Mapping):
        operations = [operations]
    if not isinstance(operations, Sequence) or isinstance(operations, (str, bytes)):
        raise ConfigError("a patch must be a JSON list of operations")
    for i, operation in enumerate(operations):
        if not isinstance(operation, Mapping):
            raise ConfigError(f"patch operation {i}: must be an object with 'op' and 'path'")
        if "path" not in operation:
            raise ConfigError(f"patch operation {i}: has no 'path'")
        if str(operation.get("op", "")).lower() in ("add", "replace", "test") and (
            "value" not in operation
        ):
            raise ConfigError(f"patch operation {i} ({operation.get('op')}): has no 'value'")
    try:
        return metron_patch(config, list(operations))
    except MetronError as e:
        raise ConfigError(f"cannot apply the patch: {e}") from None
