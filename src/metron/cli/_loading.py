"""What every ``metron load`` command shares: the store it writes, its problem list, its
summary and its progress display."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from metron.errors import ConfigError, MetronError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from metron.enrichment.lookup import SqliteLookup

__all__ = ["SHOW_BAD", "by_type", "progress_bar", "show_problems", "writable_store"]

#: How many bad rows or objects a summary lists (all are counted).
SHOW_BAD = 20


@contextmanager
def writable_store(data_dir: Path | None) -> Iterator[SqliteLookup]:
    """The lookup store of ``data_dir``, opened for one load: everything ``put_many`` is
    given goes in one transaction.  A store that cannot be opened or written is an error
    naming it."""
    from metron.enrichment.lookup import SqliteLookup

    try:
        store = SqliteLookup.in_data_dir(data_dir, batch_size=sys.maxsize, cache_size=0)
    except (OSError, sqlite3.Error) as e:
        raise ConfigError(str(e)) from None
    try:
        yield store
    except sqlite3.Error as e:
        raise MetronError(f"{store.path}: writing to the lookup store failed: {e}") from None
    finally:
        store.close()


def show_problems(bad: Sequence[object], noun: str) -> None:
    """Print the first :data:`SHOW_BAD` problems and how many more there are."""
    for problem in bad[:SHOW_BAD]:
        typer.echo(str(problem), err=True)
    if len(bad) > SHOW_BAD:
        typer.echo(f"... and {len(bad) - SHOW_BAD} more {noun}", err=True)


def by_type(types: Mapping[str, int]) -> str:
    """``domain 2, ip 5``: records per indicator type, for a summary."""
    return ", ".join(f"{kind} {count}" for kind, count in sorted(types.items())) or "none"


def progress_bar(
    stack: ExitStack, quiet: bool, description: str, *columns: Any
) -> tuple[Progress, TaskID] | None:
    """A progress display on standard error when it is a terminal (and not ``quiet``), with
    ``columns`` after the description; ``stack`` takes it down."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import Progress, TextColumn

    bar = stack.enter_context(
        Progress(
            TextColumn("{task.description}"),
            *columns,
            console=Console(stderr=True),
            transient=True,
        )
    )
    return bar, bar.add_task(description, total=None)
