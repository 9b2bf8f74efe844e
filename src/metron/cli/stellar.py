"""``metron stellar``: evaluate, validate and explore Stellar expressions."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from metron import settings
from metron.errors import ConfigError
from metron.stellar import REGISTRY, StellarContext, StellarError, compile, validate
from metron.stellar.serialize import from_json, to_json

__all__ = ["app"]

app = typer.Typer(help="Evaluate, validate and explore Stellar expressions.", no_args_is_help=True)

ConfigDir = Annotated[
    Path | None,
    typer.Option("--config-dir", help="Configuration directory (default: $METRON_CONFIG_DIR)."),
]
DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: $METRON_DATA_DIR).")
]


def _context(config_dir: Path | None, data_dir: Path | None, stack: ExitStack) -> StellarContext:
    """The global config, and the stores behind ENRICHMENT_GET, GEO_GET and ASN_GET when
    they are there; a store that cannot be opened only costs its functions (a warning)."""
    from metron.enrichment.services import open_services

    global_config = settings.load_global_config(settings.config_dir(config_dir))
    try:
        services, _ = open_services(stack, global_config, settings.data_dir(data_dir))
    except (ConfigError, OSError, sqlite3.Error) as e:
        typer.echo(f"warning: {e}; the store-backed functions are not available", err=True)
        services = {}
    return StellarContext(global_config=global_config, services=services)


def _parse_var(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ConfigError(f"--var {text!r}: write NAME=JSON, e.g. --var port=22 --var 'name=\"x\"'")
    try:
        return name, from_json(value)
    except ValueError:
        # A bare word is taken as a string, so --var host=example.com works unquoted.
        return name, value


@app.command("eval")
def eval_command(
    expression: Annotated[str | None, typer.Argument(help="The Stellar expression.")] = None,
    var: Annotated[
        list[str] | None, typer.Option("--var", help="A variable as NAME=JSON (repeatable).")
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help='JSON lines {"expr": ..., "vars": {...}}; one {"value": ...} or {"error": ...} line out per line in ("-" reads stdin).',
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="An undefined variable is an error, not null.")
    ] = False,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Evaluate EXPRESSION and print its value as JSON."""
    with ExitStack() as stack:
        _evaluate(expression, var, batch, strict, _context(config_dir, data_dir, stack))


def _evaluate(
    expression: str | None,
    var: list[str] | None,
    batch: Path | None,
    strict: bool,
    context: StellarContext,
) -> None:
    if batch is not None:
        if expression is not None:
            raise ConfigError("give either an EXPRESSION or --batch FILE, not both")
        if str(batch) == "-":
            _run_batch(sys.stdin, sys.stdout, context, strict)
        else:
            try:
                with batch.open(encoding="utf-8") as lines:
                    _run_batch(lines, sys.stdout, context, strict)
            except OSError as e:
                raise ConfigError(f"{batch}: {e.strerror}") from None
        return
    if expression is None:
        raise ConfigError("give an EXPRESSION to evaluate (or --batch FILE)")
    variables = dict(_parse_var(v) for v in var or [])
    value = compile(expression, context=context, strict=strict).evaluate(variables)
    typer.echo(to_json(value))


def _run_batch(lines: TextIO, out: TextIO, context: StellarContext, strict: bool) -> None:
    for number, line in enumerate(lines, 1):
        out.write(_batch_line(number, line, context, strict))
        out.write("\n")
    out.flush()


def _batch_line(number: int, line: str, context: StellarContext, strict: bool) -> str:
    try:
        case = from_json(line)
    except ValueError as e:
        return to_json({"error": f"line {number}: not valid JSON: {e}"})
    if not isinstance(case, dict) or not isinstance(case.get("expr"), str):
        return to_json({"error": f'line {number}: expected an object with an "expr" string'})
    variables = case.get("vars") or {}
    if not isinstance(variables, dict):
        return to_json({"error": f'line {number}: "vars" must be an object'})
    try:
        value = compile(case["expr"], context=context, strict=strict).evaluate(variables)
        return to_json({"value": value})
    except StellarError as e:
        return to_json({"error": str(e)})
    except RecursionError:
        return to_json({"error": "expression nests too deeply"})


@app.command("validate")
def validate_command(
    expression: Annotated[str, typer.Argument(help="The Stellar expression to check.")],
) -> None:
    """Check EXPRESSION's syntax and functions without evaluating it."""
    validate(expression)
    typer.echo("valid")


@app.command("functions")
def functions_command(
    filter_: Annotated[
        str | None, typer.Argument(metavar="FILTER", help="Only names containing this text.")
    ] = None,
) -> None:
    """List the Stellar functions (optionally those whose name contains FILTER)."""
    table = Table("function", "description", box=None, show_edge=False)
    shown = 0
    for name, spec in REGISTRY.items():
        if filter_ and filter_.upper() not in name.upper():
            continue
        table.add_row(
            escape(spec.signature if name == spec.name else name),
            escape(spec.description.split("\n")[0]),
        )
        shown += 1
    console = Console()
    if shown:
        console.print(table)
    else:
        console.print(f"no function matches {filter_!r}")


@app.command("shell")
def shell_command(
    variables: Annotated[
        Path | None,
        typer.Option("--variables", help="A JSON object of variables to start with."),
    ] = None,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """An interactive Stellar shell (REPL) with history and completion."""
    from metron.stellar.shell import StellarShell

    initial: dict[str, Any] = {}
    if variables is not None:
        try:
            loaded = from_json(variables.read_bytes())
        except OSError as e:
            raise ConfigError(f"{variables}: {e.strerror}") from None
        except ValueError as e:
            raise ConfigError(f"{variables}: not valid JSON: {e}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{variables}: must hold a JSON object of variables")
        initial = loaded
    with ExitStack() as stack:
        shell = StellarShell(context=_context(config_dir, data_dir, stack), variables=initial)
        shell.run(history=settings.data_dir(data_dir) / "stellar_history")
