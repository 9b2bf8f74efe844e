"""``metron enrich``: parsed messages in, enriched and triaged messages out."""

from __future__ import annotations

import gc
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated

import orjson
import typer

from metron import settings
from metron.cli.parse import _lines
from metron.errors import ConfigError
from metron.message import ErrorRecord, dumps

__all__ = ["enrich_command"]


def enrich_command(
    sensor: Annotated[str, typer.Argument(help="The sensor whose enrichment config applies.")],
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Parsed JSON-lines files (metron parse output); '-' or none: stdin."),
    ] = None,
    config_dir: Annotated[
        Path | None,
        typer.Option(
            "--config-dir",
            help="Config directory: enrichments/<sensor>.json and global.json"
            " (default: $METRON_CONFIG_DIR).",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Data directory: the lookup store and geo databases (default: $METRON_DATA_DIR).",
        ),
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Write error messages (JSON lines) here (default: stderr)."),
    ] = None,
) -> None:
    """Enrich, threat-intel and triage SENSOR's parsed messages, one JSON object per line."""
    from metron.enrichment.config import SensorEnrichmentConfig, load_enrichment_config
    from metron.enrichment.host import known_hosts
    from metron.enrichment.runner import ENRICHMENT_ERROR, EnrichmentRunner
    from metron.enrichment.services import open_services
    from metron.stellar import StellarContext

    directory = settings.config_dir(config_dir)
    data = settings.data_dir(data_dir)
    config_path = directory / "enrichments" / f"{sensor}.json"
    config = (
        load_enrichment_config(config_path) if config_path.is_file() else SensorEnrichmentConfig()
    )
    global_config = settings.load_global_config(directory) if directory.exists() else {}
    paths = files or [Path("-")]
    for path in paths:
        if str(path) != "-" and not path.is_file():
            raise ConfigError(f"{path}: no such file")

    with ExitStack() as stack:
        services, store = open_services(stack, global_config, data)
        geo_service = services.get("geo")
        context = StellarContext(global_config=global_config, services=services)
        runner = EnrichmentRunner(
            {sensor: config},
            global_config,
            store,
            geo_service.db if geo_service is not None else None,
            known_hosts(global_config, directory),
            context,
        )
        gc.freeze()
        enriched = failed = 0
        out = sys.stdout.buffer
        error_out: IO[bytes] = (
            stack.enter_context(errors.open("wb")) if errors is not None else sys.stderr.buffer
        )
        for path in paths:
            stream: IO[bytes] = (
                sys.stdin.buffer if str(path) == "-" else stack.enter_context(path.open("rb"))
            )
            for line in _lines(stream):
                try:
                    message = orjson.loads(line)
                    if not isinstance(message, dict):
                        raise ValueError("a message must be a JSON object")
                except ValueError as e:
                    record = ErrorRecord(ENRICHMENT_ERROR, [sensor], [line], exception=e)
                    error_out.write(dumps(record.to_message()) + b"\n")
                    failed += 1
                    continue
                # the named sensor's config applies, whatever the message's source.type
                result, problems = runner.process(message, sensor)
                if result is not None:
                    out.write(dumps(result) + b"\n")
                    enriched += 1
                for problem in problems:
                    error_out.write(dumps(problem) + b"\n")
                failed += len(problems)
        out.flush()
        error_out.flush()
    typer.echo(f"{sensor}: {enriched} enriched, {failed} errors", err=True)
