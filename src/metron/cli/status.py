"""``metron status``: what a running ``metron run`` is doing, from the status file it
rewrites every second in the data directory."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from metron import settings
from metron.cli.search import DataDir, JsonOut
from metron.errors import MetronError
from metron.runtime.metrics import is_live, read_status, status_path

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["status_command"]


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.2f}"


def _int(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


def status_command(data_dir: DataDir = None, json_out: JsonOut = False) -> None:
    """Show what the running pipeline does: events in, out, failed and filtered per sensor
    and stage, events per second, latency, and what each source has read; then the live
    Kafka workers (``metron worker``) writing to the same data directory."""
    from rich.console import Console

    data = settings.data_dir(data_dir)
    path = status_path(data)
    status = read_status(path)
    now = time.time()
    workers = [
        found
        for found in (read_status(p) for p in sorted((data / "run").glob("worker-*.json")))
        if found is not None and is_live(found, now)
    ]
    if status is None and not workers:
        raise MetronError(
            f"metron is not running (no status in {path}); start it with 'metron run'"
        )
    if status is not None and not is_live(status, now) and not workers:
        written = status.get("time")
        since = (
            f"from {_when(written)}, {now - written:,.0f} s ago"
            if isinstance(written, int | float)
            else "of unknown age"
        )
        # with --json on stderr, so that stdout stays JSON
        Console(stderr=json_out).print(
            f"[yellow]this status is stale ({since}, pid {status.get('pid')}):"
            " metron has stopped or hangs[/yellow]",
            highlight=False,
            soft_wrap=True,
        )
    if json_out:
        out = dict(status or {})
        if workers:
            out["kafka_workers"] = workers
        sys.stdout.buffer.write(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
        return
    console = Console()
    if status is not None and (is_live(status, now) or not workers):
        _print_status(console, status)
    for worker in workers:
        platform = worker.get("platform") or {}
        console.print()
        console.print(
            f"[bold]{platform.get('kind', '?')} worker[/bold] pid {worker.get('pid')},"
            f" group {platform.get('group', '?')}",
            highlight=False,
        )
        _print_status(console, worker)


def _print_status(console: Console, status: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    started, written = status.get("started"), status.get("time")
    if isinstance(started, int | float) and isinstance(written, int | float):
        console.print(
            f"pid {status.get('pid')}, started {_when(started)}, up {written - started:,.0f} s",
            highlight=False,
        )
    stages = Table(
        "sensor",
        "stage",
        "in",
        "out",
        "errors",
        "filtered",
        "events/s",
        "p50 ms",
        "p99 ms",
        box=None,
        show_edge=False,
    )
    for column in stages.columns[2:]:
        column.justify = "right"
    for sensor, by_stage in (status.get("sensors") or {}).items():
        for stage, s in by_stage.items():
            rate = s.get("rate")
            stages.add_row(
                escape(sensor),
                escape(stage),
                _int(s.get("in")),
                _int(s.get("out")),
                _int(s.get("errors")),
                _int(s.get("filtered")),
                f"{rate:,.1f}" if isinstance(rate, int | float) else "-",
                _ms(s.get("latency_p50")),
                _ms(s.get("latency_p99")),
            )
    if stages.row_count:
        console.print(stages)
    else:
        console.print("no events yet")
    sources = Table("source", "records", "bytes", "dropped", "errors", box=None, show_edge=False)
    for column in sources.columns[1:]:
        column.justify = "right"
    for name, s in (status.get("sources") or {}).items():
        sources.add_row(
            escape(name),
            _int(s.get("records")),
            _int(s.get("bytes")),
            _int(s.get("dropped")),
            _int(s.get("errors")),
        )
    if sources.row_count:
        console.print()
        console.print(sources)
    _print_platform(console, status.get("platform") or {})


def _print_platform(console: Console, platform: dict[str, Any]) -> None:
    """The platform's own state: workers, batches in flight, config and recent problems."""
    from rich.markup import escape

    facts = []
    if isinstance(platform.get("workers"), int):
        facts.append(f"{platform['workers']} workers")
    if isinstance(platform.get("in_flight_batches"), int):
        facts.append(f"{platform['in_flight_batches']} batches in flight")
    if platform.get("http_port"):
        facts.append(f"HTTP on port {platform['http_port']}")
    if platform.get("stopped"):
        facts.append("stopped")
    if facts:
        console.print()
        console.print(", ".join(facts), highlight=False)
    if platform.get("config_error"):
        console.print(
            f"[red]config change rejected (the previous config runs):[/red]"
            f" {escape(str(platform['config_error']))}",
            highlight=False,
        )
    for problem in (platform.get("problems") or [])[-5:]:
        console.print(f"[yellow]problem:[/yellow] {escape(str(problem))}", highlight=False)
