"""What every ``metron load`` command shares: where it writes (the local lookup store or
the lookup topic in Kafka), its problem list, its summary and its progress display."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metron.enrichment.lookup import LookupWriter, SqliteLookup, default_lookup_path
from metron.enrichment.lookup_topic import DEFAULT_LOOKUP_TOPIC, KafkaLookupWriter
from metron.errors import ConfigError, MetronError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = [
    "KAFKA_OPTION",
    "LOOKUP_DATA_DIR_OPTION",
    "LOOKUP_TOPIC_OPTION",
    "QUIET_OPTION",
    "SHOW_BAD",
    "LoadTarget",
    "by_type",
    "progress_bar",
    "show_problems",
]

#: How many bad rows or objects a summary lists (all are counted).
SHOW_BAD = 20

KAFKA_OPTION = Annotated[
    str | None,
    typer.Option(
        "--kafka",
        envvar="METRON_KAFKA_BROKERS",
        help="Kafka brokers, host:port[,host:port...] (default: $METRON_KAFKA_BROKERS): send"
        " the records to the lookup topic, which workers follow, instead of the local lookup"
        " store.",
    ),
]
LOOKUP_DATA_DIR_OPTION = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Data directory of the lookup store (default: $METRON_DATA_DIR)."
    ),
]
QUIET_OPTION = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display (the summary still prints).")
]
LOOKUP_TOPIC_OPTION = Annotated[
    str, typer.Option("--lookup-topic", help="With --kafka: the compacted topic of lookup data.")
]


@dataclass(frozen=True)
class LoadTarget:
    """Where a load writes: the lookup store of ``data_dir``, or with ``brokers`` (not
    blank) the lookup ``topic`` in Kafka.  Its text names the place, for summaries."""

    data_dir: Path | None
    brokers: str | None = None
    topic: str = DEFAULT_LOOKUP_TOPIC

    @property
    def kafka(self) -> str | None:
        """The brokers, when the load goes to Kafka."""
        return self.brokers.strip() if self.brokers and self.brokers.strip() else None

    def __str__(self) -> str:
        if self.kafka is not None:
            return f"Kafka topic {self.topic} at {self.kafka}"
        return f"the lookup store {default_lookup_path(self.data_dir)}"

    @contextmanager
    def open(self) -> Iterator[LookupWriter]:
        """The writer for one load.  Locally everything ``put_many`` is given goes in one
        transaction; to Kafka every row is checked before any is sent, and closing waits
        until Kafka has them all.  A target that cannot be opened or written is an error
        naming it."""
        if self.kafka is not None:
            with KafkaLookupWriter(self.kafka, self.topic) as writer:
                yield writer
            return
        try:
            store = SqliteLookup.in_data_dir(self.data_dir, batch_size=sys.maxsize, cache_size=0)
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
