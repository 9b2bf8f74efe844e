"""``metron config``: Metron's ``zk_load_configs.sh`` with a compacted Kafka topic in place
of ZooKeeper: push, pull, dump, patch and validate the configuration tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from metron import settings
from metron.config import kafka, store
from metron.errors import ConfigError, MetronError

__all__ = [
    "app",
    "dump_command",
    "patch_command",
    "pull_command",
    "push_command",
    "validate_command",
]

app = typer.Typer(
    help="The configuration tree on a compacted Kafka topic (Metron's zk_load_configs).",
    no_args_is_help=True,
)

_KAFKA_HELP = "Kafka brokers, host:port[,host:port...] (default: $METRON_KAFKA_BROKERS)."
_KAFKA = Annotated[
    str | None, typer.Option("--kafka", "-z", envvar="METRON_KAFKA_BROKERS", help=_KAFKA_HELP)
]
_TOPIC = Annotated[str, typer.Option("--topic", help="The compacted topic holding the configs.")]
_CONFIG_DIR = Annotated[
    Path | None,
    typer.Option(
        "--config-dir",
        help="Config directory: global.json, parsers/, sources/, enrichments/, indexing/,"
        " profiler.json (default: $METRON_CONFIG_DIR).",
    ),
]
_TYPE_HELP = "Config type: global, parser, source, enrichment, indexing or profiler."


def _brokers(kafka_option: str | None) -> str:
    if kafka_option is None or not kafka_option.strip():
        raise MetronError("no Kafka brokers: give --kafka HOST:PORT or set $METRON_KAFKA_BROKERS")
    return kafka_option.strip()


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@app.command("push")
def push_command(
    kafka_option: _KAFKA = None,
    topic: _TOPIC = kafka.DEFAULT_TOPIC,
    config_dir: _CONFIG_DIR = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune", help="Also delete configs the directory lacks (tombstones on the topic)."
        ),
    ] = False,
) -> None:
    """Write the config directory's new and changed configs to the topic, as Metron's PUSH
    did (with --prune the topic then holds exactly the directory).  Every config is
    validated first; any problem refuses the push with nothing written."""
    brokers = _brokers(kafka_option)
    directory = settings.config_dir(config_dir)
    result = kafka.push(brokers, store.read_directory(directory), topic, prune=prune)
    for key in result.written:
        typer.echo(f"wrote {key}")
    for key in result.deleted:
        typer.echo(f"deleted {key}")
    typer.echo(
        f"pushed {directory} to {topic}: {len(result.written)} written,"
        f" {len(result.deleted)} deleted, {len(result.unchanged)} unchanged"
    )


@app.command("pull")
def pull_command(
    kafka_option: _KAFKA = None,
    topic: _TOPIC = kafka.DEFAULT_TOPIC,
    config_dir: _CONFIG_DIR = None,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Overwrite local files that differ.")
    ] = False,
) -> None:
    """Write every config on the topic into the config directory.  A local file that differs
    is not overwritten without --force; files of configs not on the topic stay."""
    brokers = _brokers(kafka_option)
    directory = settings.config_dir(config_dir)
    configs = kafka.read(brokers, topic)
    written = store.write_directory(directory, configs, force=force)
    for key in written:
        typer.echo(f"wrote {key}")
    typer.echo(f"pulled {len(configs)} configs from {topic} into {directory}")


@app.command("dump")
def dump_command(
    kafka_option: _KAFKA = None,
    topic: _TOPIC = kafka.DEFAULT_TOPIC,
    config_dir: _CONFIG_DIR = None,
    config_type: Annotated[
        str | None, typer.Option("--config-type", "-c", help=f"Only this type. {_TYPE_HELP}")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--config-name", "-n", help="Only this sensor's config.")
    ] = None,
) -> None:
    """Print every config and its JSON, as Metron's DUMP did (``PARSER Config: bro``, then
    the JSON); from Kafka with --kafka, else from the config directory."""
    if kafka_option is not None and kafka_option.strip():
        configs = kafka.read(_brokers(kafka_option), topic)
    else:
        configs = store.read_directory(settings.config_dir(config_dir))
    wanted = None if config_type is None else config_type.strip().upper()
    if wanted is not None:
        if wanted not in store.CONFIG_TYPES:
            store.config_key(wanted)  # raises, naming the known types
        if name is not None:
            store.config_key(wanted, name)  # raises for a name that cannot be
    elif name is not None:
        raise ConfigError("-n NAME needs -c TYPE")
    for key in store.sorted_keys(configs):
        kind, config_name = store.describe_key(key)
        if wanted is not None and (kind != wanted or (name is not None and config_name != name)):
            continue
        typer.echo(f"{kind} Config: {config_name}\n{_pretty(configs[key])}")


def _operations(
    patch_file: Path | None, mode: str | None, path: str | None, value: str | None
) -> list[dict[str, Any]]:
    if patch_file is not None:
        if mode is not None or path is not None or value is not None:
            raise ConfigError("give either --patch-file or --patch-mode/--patch-key, not both")
        try:
            operations = json.loads(patch_file.read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError(f"{patch_file}: {e.strerror or e}") from None
        except ValueError as e:
            raise ConfigError(f"{patch_file}: not valid JSON: {e}") from None
        if isinstance(operations, dict):
            operations = [operations]
        if not isinstance(operations, list):
            raise ConfigError(f"{patch_file}: a patch must be a JSON list of operations")
        return operations
    if path is None:
        raise ConfigError("give --patch-file FILE, or --patch-key /PATH with --patch-mode")
    op = (mode or "ADD").strip().upper()
    if op not in ("ADD", "REMOVE", "REPLACE"):
        raise ConfigError(f"--patch-mode must be ADD, REMOVE or REPLACE, not {mode!r}")
    pointer = path if path.startswith("/") else f"/{path}"
    operation: dict[str, Any] = {"op": op.lower(), "path": pointer}
    if op == "REMOVE":
        if value is not None:
            raise ConfigError("--patch-mode REMOVE takes no --patch-value")
        return [operation]
    if value is None:
        raise ConfigError(f"--patch-mode {op} needs --patch-value JSON")
    try:
        operation["value"] = json.loads(value)
    except ValueError:
        raise ConfigError(
            f"--patch-value must be JSON (quote a string: '\"{value}\"'), not {value!r}"
        ) from None
    return [operation]


@app.command("patch")
def patch_command(
    config_type: Annotated[str, typer.Option("--config-type", "-c", help=_TYPE_HELP)],
    kafka_option: _KAFKA = None,
    topic: _TOPIC = kafka.DEFAULT_TOPIC,
    name: Annotated[
        str | None,
        typer.Option(
            "--config-name", "-n", help="The sensor (parser, source, enrichment, indexing)."
        ),
    ] = None,
    patch_file: Annotated[
        Path | None,
        typer.Option("--patch-file", "-pf", help="A JSON file of RFC 6902 operations."),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option("--patch-mode", "-pm", help="One operation: ADD (default), REMOVE, REPLACE."),
    ] = None,
    path: Annotated[
        str | None, typer.Option("--patch-key", "-pk", help="The JSON pointer it applies to.")
    ] = None,
    value: Annotated[
        str | None, typer.Option("--patch-value", "-pv", help="The JSON value (ADD, REPLACE).")
    ] = None,
) -> None:
    """Patch one config on the topic with RFC 6902 operations (a patch file, or one
    operation from --patch-mode/--patch-key/--patch-value); the result is validated
    before it is written, and printed."""
    brokers = _brokers(kafka_option)
    key = store.config_key(config_type, name)
    operations = _operations(patch_file, mode, path, value)
    patched = kafka.patch(brokers, key, operations, topic)
    typer.echo(f"patched {key} on {topic}\n{_pretty(patched)}")


@app.command("validate")
def validate_command(config_dir: _CONFIG_DIR = None) -> None:
    """Check every config of the config directory with the parsers that read them; list
    every problem (exit 1), else print ``valid``."""
    configs = store.read_directory(settings.config_dir(config_dir))
    problems = store.validate(configs)
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        raise typer.Exit(1)
    typer.echo("valid")
