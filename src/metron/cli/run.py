"""``metron run``: the whole platform in one command (see :mod:`metron.runtime.pipeline`)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from metron import settings
from metron.cli.search import ConfigDir, DataDir
from metron.errors import ConfigError
from metron.runtime.pipeline import Platform

__all__ = ["run_command"]


def run_command(
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
    workers: Annotated[
        int,
        typer.Option("--workers", "-w", help="Worker processes (default: one per core)."),
    ] = 0,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Write the demo sensors' configs where missing (Zeek, Snort, ASA, YAF,"
            " syslog, fed live synthetic telemetry by 'demo' sources) and load threat intel"
            " that some of it hits.",
        ),
    ] = False,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address of the console, the REST API, HTTP ingest and /metrics."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port of the HTTP endpoints (0: any).")
    ] = 8080,
    no_http: Annotated[
        bool,
        typer.Option("--no-http", help="Serve no HTTP (no console, REST API or HTTP ingest)."),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    """Run the platform: sources, parsing, enrichment, triage, indexing and the lake, until
    Ctrl-C or SIGTERM (then in-flight batches finish and checkpoints are written)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    directory = settings.config_dir(config_dir)
    data = settings.data_dir(data_dir)
    if workers < 0:
        raise ConfigError("--workers must be positive (0: one per core)")
    if demo:
        from metron.runtime.demo import load_demo_intel, write_demo_config

        written = write_demo_config(directory)
        if written:
            typer.echo(f"demo: wrote {len(written)} config files into {directory}", err=True)
        loaded = load_demo_intel(data)
        typer.echo(f"demo: {loaded} threat-intel indicators in the lookup store", err=True)
    from metron.arrowjson import set_threads

    set_threads(False)  # the workers use the cores: the search index reads serially
    platform = Platform(
        directory,
        data,
        workers=workers or None,
        http=None if no_http else (host, port),
    )
    typer.echo(f"metron: config {directory}, data {data}: starting", err=True)
    platform.run(on_started=_started)
    typer.echo("metron stopped: in-flight batches finished, checkpoints written", err=True)


def _started(platform: Platform) -> None:
    from metron.runtime.allocator import settle

    settle()  # what the start built lives as long as the platform
    _announce(platform)


def _announce(platform: Platform) -> None:
    """What runs, and where to look."""
    from metron.runtime.stages import parser_sensors

    sensors = parser_sensors(platform.tree)
    typer.echo(
        f"metron: running {len(sensors)} sensors ({', '.join(sensors) or 'none'})"
        f" on {len(platform.workers)} workers",
        err=True,
    )
    if platform.http_port is not None and platform.http_address is not None:
        from metron.cli.serve import announce_web

        announce_web(
            platform.http_address[0],
            platform.http_port,
            platform.http_tls,
            platform.first_admin_password,
            platform.data_dir,
        )
    typer.echo(
        "metron: 'metron status' shows the flow, 'metron search' the alerts; Ctrl-C stops", err=True
    )
