"""The ``metron`` command."""

from __future__ import annotations

import sys

import typer

from metron.cli import config as config_cli
from metron.cli import enrich as enrich_cli
from metron.cli import lake as lake_cli
from metron.cli import load as load_cli
from metron.cli import load_misp, load_taxii
from metron.cli import parse as parse_cli
from metron.cli import run as run_cli
from metron.cli import search as search_cli
from metron.cli import serve as serve_cli
from metron.cli import stellar as stellar_cli
from metron.cli import user as user_cli
from metron.cli import worker as worker_cli
from metron.cli.status import status_command
from metron.errors import MetronError

__all__ = ["app", "main"]

app = typer.Typer(
    name="metron",
    help="Security analytics compatible with Apache Metron: Stellar, parsing, enrichment, search.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(stellar_cli.app, name="stellar")
app.command("parse")(parse_cli.parse_command)
app.command("enrich")(enrich_cli.enrich_command)
app.command("hunt")(lake_cli.hunt_command)
app.add_typer(lake_cli.app, name="lake")
load_cli.app.command("misp")(load_misp.misp_command)
load_cli.app.command("taxii")(load_taxii.taxii_command)
app.add_typer(load_cli.app, name="load")
app.command("index")(search_cli.index_command)
app.command("search")(search_cli.search_command)
app.add_typer(search_cli.alert_app, name="alert")
app.add_typer(search_cli.metaalert_app, name="metaalert")
app.add_typer(config_cli.app, name="config")
app.command("run")(run_cli.run_command)
app.command("serve")(serve_cli.serve_command)
app.add_typer(user_cli.app, name="user")
app.command("status")(status_command)
app.add_typer(worker_cli.app, name="worker")


def main() -> None:
    """Entry point: run the CLI; a user's mistake prints a message, never a traceback."""
    from metron.runtime.allocator import tune_allocator, tune_collector

    tune_allocator()
    tune_collector()
    try:
        app()
    except MetronError as e:
        # Plain text: a syntax error's caret must stay under its column, unwrapped.
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
