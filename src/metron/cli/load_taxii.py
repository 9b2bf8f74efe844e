"""``metron load taxii``: poll a TAXII 2.1 collection into the threat-intel table."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from metron import settings
from metron.cli._loading import (
    KAFKA_OPTION,
    LOOKUP_TOPIC_OPTION,
    QUIET_OPTION,
    LoadTarget,
    by_type,
    progress_bar,
    show_problems,
)
from metron.enrichment.lookup_topic import DEFAULT_LOOKUP_TOPIC
from metron.errors import ConfigError

__all__ = ["taxii_command"]

PASSWORD_ENV = "METRON_TAXII_PASSWORD"
TOKEN_ENV = "METRON_TAXII_TOKEN"


def _auth(user: str | None, password_stdin: bool) -> Any:
    """Basic auth (``--user`` with the password from stdin or the environment), a bearer
    token from the environment, or None.  Passwords never come from the command line, where
    other users could read them."""
    import requests.auth

    from metron.enrichment.taxii import BearerAuth

    token = os.environ.get(TOKEN_ENV)
    if user is None:
        if password_stdin:
            raise ConfigError("--password-stdin needs --user")
        return BearerAuth(token) if token else None
    if token:
        raise ConfigError(f"give --user or ${TOKEN_ENV}, not both")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = os.environ.get(PASSWORD_ENV, "")
    if not password:
        raise ConfigError(
            f"--user {user}: give the password with --password-stdin or ${PASSWORD_ENV}"
        )
    return requests.auth.HTTPBasicAuth(user, password)


def _verify(ca_cert: Path | None, insecure: bool) -> bool | str:
    if ca_cert is not None and insecure:
        raise ConfigError("give --ca-cert or --insecure, not both")
    if ca_cert is not None:
        if not ca_cert.is_file():
            raise ConfigError(f"--ca-cert {ca_cert}: no such file")
        return str(ca_cert)
    return not insecure


def _on_page(stack: ExitStack, quiet: bool) -> Any:
    """A progress callback drawing on a terminal only (as the other loaders do)."""
    from rich.progress import SpinnerColumn

    shown = progress_bar(stack, quiet, "connecting", SpinnerColumn())
    if shown is None:
        return None
    bar, task = shown

    def advance(pages: int, objects: int) -> None:
        bar.update(task, description=f"fetched {pages} pages, {objects:,} objects")

    return advance


def taxii_command(
    url: Annotated[
        str,
        typer.Argument(
            help="The server's discovery URL (https://host/taxii2/), an API root URL or a"
            " collection URL.",
            show_default=False,
        ),
    ],
    collection: Annotated[
        str | None,
        typer.Option(
            "--collection",
            "-C",
            help="The collection's id or title (needed unless URL is a collection URL).",
        ),
    ] = None,
    added_after: Annotated[
        str | None,
        typer.Option(
            "--added-after",
            help="Only objects added after this ISO timestamp (default: after the last poll).",
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Fetch everything, ignoring the last poll.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", help="Objects asked for per page.")] = 500,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            "-u",
            help=f"HTTP basic auth user; the password comes from --password-stdin or"
            f" ${PASSWORD_ENV} (for a bearer token set ${TOKEN_ENV}).",
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    ca_cert: Annotated[
        Path | None, typer.Option("--ca-cert", help="CA certificate(s) to verify TLS with (PEM).")
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Do not verify the server's TLS certificate.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for each answer.")
    ] = 30.0,
    quiet: QUIET_OPTION = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Data directory: the lookup store and taxii/state.json (default:"
            " $METRON_DATA_DIR).",
        ),
    ] = None,
    kafka: KAFKA_OPTION = None,
    lookup_topic: LOOKUP_TOPIC_OPTION = DEFAULT_LOOKUP_TOPIC,
) -> None:
    """Poll a TAXII 2.1 collection and load its indicators as threat intel (table
    threatintel), as `metron load stix` does for files.

    Every page is fetched before anything is written.  The latest date_added loaded is kept
    in <data dir>/taxii/state.json, so the next poll fetches only newer objects (also with
    --kafka: the state stays with the machine that polls).
    """
    from metron.enrichment.lookup import LookupWriter
    from metron.enrichment.taxii import load_taxii, normalize_timestamp

    auth = _auth(user, password_stdin)
    verify = _verify(ca_cert, insecure)
    since = None if added_after is None else normalize_timestamp(added_after)
    directory = settings.data_dir(data_dir)
    target = LoadTarget(directory, kafka, lookup_topic)
    with ExitStack() as stack:

        def open_store() -> LookupWriter:
            return stack.enter_context(target.open())

        on_page = _on_page(stack, quiet)
        result = load_taxii(
            url,
            open_store,
            collection=collection,
            data_dir=directory,
            added_after=since,
            full=full,
            limit=limit,
            auth=auth,
            verify=verify,
            timeout=timeout,
            on_page=on_page,
        )
    report = result.stix
    show_problems(report.bad, "bad objects")
    typer.echo(
        f"loaded {report.loaded} threat-intel records ({by_type(report.types)}) from"
        f" {report.indicators} indicators in {report.objects} objects"
        f" ({result.pages} pages) of {result.target};"
        f" skipped {report.expired} expired, {report.revoked} revoked,"
        f" {report.unsupported} unsupported, {report.other_patterns} other patterns,"
        f" {len(report.bad)} bad; added after {result.added_after or 'the beginning'};"
        f" written to {target}",
        err=True,
    )
