"""``metron hunt`` (SQL over the lake) and ``metron lake`` (compact, prune, status)."""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import orjson
import typer

from metron import settings
from metron.errors import ConfigError, MetronError

__all__ = ["app", "compact_command", "hunt_command", "prune_command", "status_command"]

app = typer.Typer(
    help="The Parquet data lake: compact, prune, status (query it with metron hunt).",
    no_args_is_help=True,
)

_DATA_DIR = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory; the lake is <data dir>/lake (default: $METRON_DATA_DIR).",
    ),
]
_CONFIG_DIR = Annotated[
    Path | None,
    typer.Option(
        "--config-dir", help="Config directory: global.json (default: $METRON_CONFIG_DIR)."
    ),
]


def lake_root(data_dir: Path | None) -> Path:
    """The lake directory: ``<data dir>/lake``."""
    return settings.data_dir(data_dir) / "lake"


def hunt_command(
    sql: Annotated[
        str,
        typer.Argument(
            help="The query (DuckDB SQL). Views: one per sensor (bro, snort, ...) and"
            ' messages (all sensors); quote dotted fields: "threat.triage.score".',
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per row (JSON lines).")
    ] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row.")] = False,
    data_dir: _DATA_DIR = None,
    config_dir: _CONFIG_DIR = None,
) -> None:
    """Query the data lake with SQL: a table on the terminal, or --json / --csv for tools."""
    from metron.lake.hunt import Lake, cell_text, plain_value

    if as_json and as_csv:
        raise MetronError("choose one of --json and --csv")
    del config_dir  # accepted for symmetry with the other commands; the lake needs none
    root = lake_root(data_dir)
    with Lake(root) as lake:
        columns, rows = lake.query(sql)
    out = sys.stdout
    if as_json:
        for row in rows:
            out.write(orjson.dumps(dict(zip(columns, row)), default=plain_value).decode() + "\n")
    elif as_csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell_text(v) for v in row])
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns, caption=f"{len(rows):,} rows")
        for row in rows:
            table.add_row(*(cell_text(v) for v in row))
        Console().print(table)


@app.command("compact")
def compact_command(
    sensor: Annotated[
        str | None, typer.Option("--sensor", help="Only this sensor (default: all).")
    ] = None,
    day: Annotated[
        str | None, typer.Option("--day", help="Only this day, YYYY-MM-DD (default: all).")
    ] = None,
    data_dir: _DATA_DIR = None,
    config_dir: _CONFIG_DIR = None,
) -> None:
    """Merge each day's files into one per sensor (zstd), keeping the latest copy of a
    message written twice (same guid); queries see old or new, never both."""
    from metron.lake.retention import compact

    which = None
    if day is not None:
        try:
            which = date.fromisoformat(day)
        except ValueError:
            raise MetronError(f"--day {day!r}: expected YYYY-MM-DD") from None
    results = compact(lake_root(data_dir), sensor, which)
    for r in results:
        typer.echo(
            f"{r.partition.parent.name}/{r.partition.name}: {r.files_before} files -> "
            f"{r.files_after} ({r.rows:,} rows"
            + (f", {r.copies:,} copies of a guid dropped)" if r.copies else ")")
        )
    before = sum(r.files_before for r in results)
    typer.echo(f"compacted {len(results)} partitions: {before} files -> {len(results)}", err=True)


@app.command("prune")
def prune_command(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            help="Remove days older than this: 90d, 12h, 2w (default: global config"
            " lake.retention.days).",
        ),
    ] = None,
    data_dir: _DATA_DIR = None,
    config_dir: _CONFIG_DIR = None,
) -> None:
    """Remove whole days of data older than the retention period."""
    from metron.lake.retention import RETENTION_KEY, parse_duration, prune, retention_from_config

    if older_than is not None:
        period = parse_duration(older_than)
    else:
        directory = settings.config_dir(config_dir)
        config = settings.load_global_config(directory) if directory.exists() else {}
        found = retention_from_config(config)
        if found is None:
            raise ConfigError(
                f"no retention: pass --older-than (e.g. 90d) or set '{RETENTION_KEY}' in"
                f" {directory / 'global.json'}"
            )
        period = found
    removed = prune(lake_root(data_dir), period)
    for r in removed:
        typer.echo(
            f"removed {r.partition.parent.name}/{r.partition.name}: {r.files} files,"
            f" {r.bytes:,} bytes"
        )
    typer.echo(f"pruned {len(removed)} partitions older than {period}", err=True)


@app.command("status")
def status_command(data_dir: _DATA_DIR = None, config_dir: _CONFIG_DIR = None) -> None:
    """Per sensor: partitions (days), files, rows and bytes, and the days covered."""
    import pyarrow.parquet as pq
    from rich.console import Console
    from rich.table import Table

    root = lake_root(data_dir)
    table = Table("sensor", "days", "files", "rows", "bytes", "first", "last", caption=str(root))
    shown = 0
    for sensor_dir in sorted(root.glob("sensor=*")):
        days = sorted(p for p in sensor_dir.glob("dt=*") if p.is_dir())
        files = [f for d in days for f in d.glob("*.parquet")]
        if not files:
            continue
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        size = sum(f.stat().st_size for f in files)
        first, last = (d.name.removeprefix("dt=") for d in (days[0], days[-1]))
        name = sensor_dir.name.removeprefix("sensor=")
        table.add_row(
            name, str(len(days)), f"{len(files):,}", f"{rows:,}", f"{size:,}", first, last
        )
        shown += 1
    if not shown:
        typer.echo(f"the lake at {root} is empty")
        return
    Console().print(table)
