"""``metron parse``: raw telemetry in, Metron's JSON messages out."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from metron import settings
from metron.errors import ConfigError
from metron.message import dumps

__all__ = ["parse_command"]


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    for line in stream:
        line = line.rstrip(b"\n").rstrip(b"\r")
        if line:
            yield line


def _progress(stack: ExitStack, paths: list[Path]) -> Any:
    """A progress bar over the input bytes, on a terminal only (None otherwise)."""
    if not sys.stderr.isatty() or any(str(p) == "-" for p in paths):
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TransferSpeedColumn

    bar = stack.enter_context(
        Progress(TextColumn("parsing"), BarColumn(), TransferSpeedColumn(), transient=True)
    )
    task = bar.add_task("parse", total=sum(p.stat().st_size for p in paths))
    return lambda n: bar.advance(task, n)


def parse_command(
    sensor: Annotated[
        str,
        typer.Argument(
            help="The sensor, e.g. squid, bro, asa; 'envelope,inner' chains sensors as Metron's"
            " parser chaining does (records go to the first)."
        ),
    ],
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Raw input files (one record per line); '-' or none reads stdin."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="The sensor parser config (JSON).")
    ] = None,
    config_dir: Annotated[
        Path | None,
        typer.Option(
            "--config-dir",
            help="Config directory: parsers/<sensor>.json and global.json (default: $METRON_CONFIG_DIR).",
        ),
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Write error messages (JSON lines) here (default: stderr)."),
    ] = None,
) -> None:
    """Parse raw telemetry of SENSOR into Metron's JSON messages, one per line."""
    # Imported here so that other commands do not pay for loading every parser.
    from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
    from metron.parsing.base import PARSERS
    from metron.parsing.config import explain_storm_keys, load_sensor_config
    from metron.parsing.runner import ParserRunner

    if config is not None and config_dir is not None:
        raise ConfigError("give either --config FILE or --config-dir DIR, not both")
    directory = settings.config_dir(config_dir)
    sensors = [name.strip() for name in sensor.split(",") if name.strip()]
    if not sensors:
        raise ConfigError("name a sensor, e.g. 'metron parse squid access.log'")
    if config is not None and len(sensors) > 1:
        raise ConfigError("--config names one sensor's config; chained sensors use --config-dir")
    configs = {
        name: load_sensor_config(
            name, config_file=config, config_dir=directory if directory.exists() else None
        )
        for name in sensors
    }
    global_config = settings.load_global_config(directory) if directory.exists() else {}
    for name, sensor_config in configs.items():
        for note in explain_storm_keys(sensor_config):
            typer.echo(f"note: {name}: {note}", err=True)
    runner = ParserRunner(configs, global_config)
    # Everything loaded so far lives for the whole run: keep the collector from re-scanning
    # it for every batch of messages (a few percent of parsing time).
    gc.freeze()
    sensor = sensors[0]
    spec = PARSERS.get(configs[sensor].parserClassName)
    binary = bool(spec and spec.binary)
    parser_cls = spec.cls if spec else None

    paths = files or [Path("-")]
    for path in paths:
        if str(path) != "-" and not path.is_file():
            raise ConfigError(f"{path}: no such file")

    parsed = failed = filtered = 0
    out = sys.stdout.buffer
    with ExitStack() as stack:
        error_out: IO[bytes] = (
            stack.enter_context(errors.open("wb")) if errors is not None else sys.stderr.buffer
        )
        progress = _progress(stack, paths)
        for path in paths:
            stream: IO[bytes] = (
                sys.stdin.buffer if str(path) == "-" else stack.enter_context(path.open("rb"))
            )
            records_of = getattr(parser_cls, "records", None) if binary else None
            records = records_of(stream) if records_of is not None else _lines(stream)
            for record in records:
                if progress is not None:
                    progress(len(record) + 1)
                result = runner.process(sensor, record)
                for message in result.messages:
                    out.write(dumps(message) + b"\n")
                for error in result.errors:
                    error_out.write(dumps(error) + b"\n")
                parsed += len(result.messages)
                failed += len(result.errors)
                filtered += result.filtered
        out.flush()
        error_out.flush()
    typer.echo(f"{sensor}: {parsed} parsed, {failed} errors, {filtered} filtered", err=True)
