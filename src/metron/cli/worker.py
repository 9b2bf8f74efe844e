"""``metron worker parser|enrichment|indexing``: one stage as a Kafka consumer-group worker
(see :mod:`metron.runtime.kafka_worker`)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated

import typer

from metron import settings
from metron.cli.search import ConfigDir, DataDir
from metron.errors import MetronError

__all__ = ["app"]

app = typer.Typer(
    help="Run one stage of the pipeline as a Kafka consumer-group worker (scale-out).",
    no_args_is_help=True,
)

Kafka = Annotated[
    str | None,
    typer.Option(
        "--kafka",
        "-z",
        envvar="METRON_KAFKA_BROKERS",
        help="Kafka brokers, host:port[,host:port...] (default: $METRON_KAFKA_BROKERS).",
    ),
]
ConfigTopic = Annotated[
    str | None,
    typer.Option(
        "--config-topic",
        help="The compacted topic holding the configs (default metron.configs); ignored"
        " with --config-dir.",
    ),
]
Group = Annotated[str | None, typer.Option("--group", help="Consumer group (Metron's default).")]
LocalConfig = Annotated[
    bool,
    typer.Option(
        "--local-config",
        help="Read the configs from --config-dir ($METRON_CONFIG_DIR) instead of the config topic.",
    ),
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")]


def _run(
    kind: str,
    kafka: str | None,
    *,
    config_dir: ConfigDir,
    data_dir: DataDir,
    config_topic: str | None,
    local_config: bool,
    sensors: list[str] | None = None,
    group: str | None = None,
    lookup_topic: str | None = None,
    verbose: bool = False,
) -> None:
    from metron.runtime.kafka_worker import KafkaWorker

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format=f"%(asctime)s %(levelname)s {kind} worker: %(message)s",
    )
    if not kafka:
        raise MetronError("no Kafka brokers: give --kafka HOST:PORT or set $METRON_KAFKA_BROKERS")
    worker = KafkaWorker(
        kind,  # type: ignore[arg-type]  # checked by KafkaWorker
        kafka,
        settings.data_dir(data_dir),
        config_dir=settings.config_dir(config_dir) if local_config else None,
        config_topic=config_topic,
        sensors=sensors,
        group=group,
        lookup_topic=lookup_topic,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    def started() -> None:
        typer.echo(
            f"metron {kind} worker: group {worker.group_id(worker.tree)} on {kafka}; Ctrl-C stops",
            err=True,
        )

    worker.run(stop, on_started=started)
    typer.echo(f"metron {kind} worker stopped: offsets committed", err=True)


@app.command("parser")
def parser_command(
    sensors: Annotated[
        str | None,
        typer.Option("--sensors", "-s", help="Sensors to parse, comma-separated (default: all)."),
    ] = None,
    kafka: Kafka = None,
    group: Group = None,
    config_topic: ConfigTopic = None,
    local_config: LocalConfig = False,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Parse the sensors' topics into the enrichments topic (errors to the error topic)."""
    names = [s.strip() for s in sensors.split(",") if s.strip()] if sensors else None
    _run(
        "parser",
        kafka,
        config_dir=config_dir,
        data_dir=data_dir,
        config_topic=config_topic,
        local_config=local_config,
        sensors=names,
        group=group,
        verbose=verbose,
    )


@app.command("enrichment")
def enrichment_command(
    kafka: Kafka = None,
    group: Group = None,
    lookup_topic: Annotated[
        str | None,
        typer.Option(
            "--lookup-topic",
            help="Materialise this compacted topic of lookup data (threat intel, enrichment"
            " tables) into the local lookup store and follow it (default metron.lookup;"
            " 'none' to use the local store as it is).",
        ),
    ] = "metron.lookup",
    config_topic: ConfigTopic = None,
    local_config: LocalConfig = False,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Enrich, threat-intel and triage the enrichments topic into the indexing topic."""
    _run(
        "enrichment",
        kafka,
        config_dir=config_dir,
        data_dir=data_dir,
        config_topic=config_topic,
        local_config=local_config,
        group=group,
        lookup_topic=None if lookup_topic in (None, "none") else lookup_topic,
        verbose=verbose,
    )


@app.command("indexing")
def indexing_command(
    kafka: Kafka = None,
    group: Group = None,
    config_topic: ConfigTopic = None,
    local_config: LocalConfig = False,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Write the indexing topic into the alert store and the lake of the data directory."""
    _run(
        "indexing",
        kafka,
        config_dir=config_dir,
        data_dir=data_dir,
        config_topic=config_topic,
        local_config=local_config,
        group=group,
        verbose=verbose,
    )
