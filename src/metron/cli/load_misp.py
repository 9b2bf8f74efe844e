"""``metron load misp``: the IDS attributes of a MISP feed into the threat-intel table."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Annotated

import typer

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

__all__ = ["misp_command"]


def _progress(
    stack: ExitStack, quiet: bool
) -> tuple[Callable[[int, int], None] | None, Callable[[int], None] | None]:
    """Progress callbacks (events done of total, records to write) drawing a bar on a
    terminal only."""
    from rich.progress import BarColumn, MofNCompleteColumn

    shown = progress_bar(stack, quiet, "reading MISP events", BarColumn(), MofNCompleteColumn())
    if shown is None:
        return None, None
    bar, task = shown

    def events(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    def writing(count: int) -> None:
        bar.update(task, description=f"writing {count:,} records")

    return events, writing


def misp_command(
    source: Annotated[
        str,
        typer.Argument(
            help="The MISP feed: a directory or an http(s) base URL holding manifest.json"
            " and one <uuid>.json per event.",
            metavar="DIR_OR_URL",
            show_default=False,
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only events whose manifest timestamp is at or after this date"
            " (2026-01-31, 2026-01-31T12:00:00Z or epoch seconds).",
            metavar="DATE",
        ),
    ] = None,
    data_dir: LOOKUP_DATA_DIR_OPTION = None,
    quiet: QUIET_OPTION = False,
    kafka: KAFKA_OPTION = None,
    lookup_topic: LOOKUP_TOPIC_OPTION = DEFAULT_LOOKUP_TOPIC,
) -> None:
    """Load the IDS attributes (to_ids) of a MISP feed as threat intel (table threatintel).

    IP addresses, domains and host names, URLs, e-mail addresses and file hashes become
    records, also from objects and composite types (domain|ip, ip-dst|port, filename|md5);
    deleted attributes are skipped.  The whole feed is read before anything is written.
    """
    from metron.enrichment.misp import load_misp, parse_since

    since_epoch = None if since is None else parse_since(since)
    with ExitStack() as stack:
        progress, on_write = _progress(stack, quiet)
        target = LoadTarget(data_dir, kafka, lookup_topic)
        store = stack.enter_context(target.open())
        report = load_misp(source, store, since=since_epoch, progress=progress, on_write=on_write)
    show_problems(report.bad, "problems")
    typer.echo(
        f"loaded {report.loaded} threat-intel records ({by_type(report.types)}) from"
        f" {report.to_ids} IDS attributes of {report.attributes} in {report.events} events;"
        f" skipped {report.events_skipped} events, {report.deleted} deleted,"
        f" {report.unsupported} unsupported, {len(report.bad)} bad; written to {target}",
        err=True,
    )
