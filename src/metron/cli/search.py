"""``metron index``, ``metron search``, ``metron alert`` and ``metron metaalert``: the alert
store from the command line, with Metron's request and response shapes."""

from __future__ import annotations

import gc
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer

from metron import settings
from metron.errors import ConfigError

__all__ = [
    "alert_app",
    "index_command",
    "metaalert_app",
    "open_store",
    "search_command",
]

ConfigDir = Annotated[
    Path | None,
    typer.Option("--config-dir", help="Configuration directory (default: $METRON_CONFIG_DIR)."),
]
DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: $METRON_DATA_DIR)."),
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print Metron's JSON response.")]

#: Columns ``metron search`` shows without ``--fields``.
DEFAULT_COLUMNS = (
    "timestamp",
    "source.type",
    "guid",
    "ip_src_addr",
    "ip_dst_addr",
    "threat.triage.score",
    "alert_status",
)


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def open_store(config_dir: Path | None, data_dir: Path | None) -> Any:
    """The alert store of the data directory, configured by the global config."""
    from metron.search.store import AlertStore

    directory = settings.config_dir(config_dir)
    global_config = settings.load_global_config(directory) if directory.exists() else {}
    return AlertStore(settings.data_dir(data_dir) / "alerts", global_config=global_config)


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    for raw in stream:
        line = raw.strip()
        if line:
            yield line


def index_command(
    sensor: Annotated[str, typer.Argument(help="The sensor whose indexing config applies.")],
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Enriched JSON lines (the output of metron enrich); - or none: stdin."),
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Write error messages (JSON lines) here (default: stderr)."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Messages written per transaction.")
    ] = 10_000,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Index enriched messages into the stores SENSOR's indexing config names: the alert
    store (writers elasticsearch/solr) and the data lake (writer hdfs).  A message already
    in the alert store (same guid and source.type) is replaced, not duplicated."""
    from metron.arrowjson import read_lines
    from metron.indexing.config import load_indexing_config
    from metron.message import ErrorRecord

    directory = settings.config_dir(config_dir)
    config = load_indexing_config(directory, sensor)
    data = settings.data_dir(data_dir)
    paths = files or [Path("-")]
    for path in paths:
        if str(path) != "-" and not path.is_file():
            raise ConfigError(f"{path}: no such file")
    if batch_size < 1:
        raise ConfigError("--batch-size must be at least 1")
    indexed = failed = 0
    with ExitStack() as stack:
        store = (
            stack.enter_context(open_store(config_dir, data_dir)) if config.alert_store else None
        )
        lake = None
        if config.lake is not None:
            from metron.lake.writer import LakeWriter

            lake = stack.enter_context(LakeWriter(data / "lake"))
        error_out: IO[bytes] = (
            stack.enter_context(errors.open("wb")) if errors is not None else sys.stderr.buffer
        )
        batch: list[dict[str, Any]] = []
        raws: list[bytes | None] = []  # each line as read, stored as it is when unchanged

        def flush() -> None:
            texts = [raw if raw is not None else _dumps(m) for raw, m in zip(raws, batch)]
            # read once by Arrow when both stores take them: the lake's table, and the
            # search index's cheapest way in
            table = read_lines(texts) if store is not None and lake is not None else None
            if store is not None and config.alert_store is not None:
                store.add_many(((config.alert_store.index, m) for m in batch), texts, table)
            if lake is not None and config.lake is not None:
                lake.write_lines(config.lake.index, texts, table)
            batch.clear()
            raws.clear()

        # The loop makes no reference cycles: the cyclic collector would only walk the
        # growing index again and again (a tenth of the indexing time at a million).
        gc.collect()
        gc.freeze()
        if gc.isenabled():
            gc.disable()
            stack.callback(gc.enable)
        for path in paths:
            stream: IO[bytes] = (
                sys.stdin.buffer if str(path) == "-" else stack.enter_context(path.open("rb"))
            )
            for number, line in enumerate(_lines(stream), 1):
                try:
                    message = orjson.loads(line)
                    if not isinstance(message, dict):
                        raise ValueError(f"line {number}: a message must be a JSON object")
                except ValueError as e:
                    record = ErrorRecord("indexing_error", [sensor], [line], exception=e)
                    error_out.write(_dumps(record.to_message()) + b"\n")
                    failed += 1
                    continue
                # Metron's messages carry both; a hand-made line may not
                changed = "source.type" not in message or "guid" not in message
                if changed:  # (a default given to setdefault is made every time)
                    message.setdefault("source.type", sensor)
                    if "guid" not in message:
                        message["guid"] = str(uuid.uuid4())
                batch.append(message)
                raws.append(None if changed else line)
                indexed += 1
                if len(batch) >= batch_size:
                    flush()
        if batch:
            flush()
        if store is not None:
            store.save_index()
        error_out.flush()
    where = [
        name
        for name, writer in (("alert store", config.alert_store), ("lake", config.lake))
        if writer is not None
    ]
    into = " and ".join(where) if where else "nowhere (every writer is disabled)"
    typer.echo(f"{sensor}: {indexed} indexed into the {into}, {failed} errors", err=True)


def _sort_option(text: str) -> dict[str, str]:
    field, sep, order = text.rpartition(":")
    if sep and order.lower() in ("asc", "desc"):
        return {"field": field, "sortOrder": order.lower()}
    return {"field": text, "sortOrder": "desc"}


def search_command(
    query: Annotated[str, typer.Argument(help="A Lucene query ('*' for everything).")],
    index: Annotated[
        list[str] | None, typer.Option("--index", "-i", help="Search this index (repeatable).")
    ] = None,
    facet: Annotated[
        list[str] | None, typer.Option("--facet", help="Count the values of this field.")
    ] = None,
    sort: Annotated[
        list[str] | None,
        typer.Option("--sort", help="FIELD[:asc|:desc] (repeatable; default timestamp:desc)."),
    ] = None,
    start: Annotated[int, typer.Option("--from", help="Skip this many results.")] = 0,
    size: Annotated[int, typer.Option("--size", help="How many results.")] = 10,
    fields: Annotated[
        str | None, typer.Option("--fields", help="Only these fields, comma-separated.")
    ] = None,
    json_out: JsonOut = False,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Search the alert store with a Lucene query, as Metron's search API does."""
    request: dict[str, Any] = {
        "indices": index or [],
        "query": query,
        "from": start,
        "size": size,
        "facetFields": facet or [],
    }
    if sort:
        request["sort"] = [_sort_option(s) for s in sort]
    if fields:
        request["fields"] = [f.strip() for f in fields.split(",") if f.strip()]
    with open_store(config_dir, data_dir) as store:
        response = store.search(request)
    if json_out:
        sys.stdout.buffer.write(_dumps(response) + b"\n")
        return
    _print_response(response, request.get("fields"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _print_response(response: dict[str, Any], fields: list[str] | None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    columns = list(fields or DEFAULT_COLUMNS)
    table = Table(*columns, box=None, show_edge=False)
    for result in response["results"]:
        source = result["source"]
        table.add_row(*(escape(_text(source.get(c))) for c in columns))
    shown = len(response["results"])
    if shown:
        console.print(table)
    console.print(f"{response['total']} found, {shown} shown")
    for name, counts in (response.get("facetCounts") or {}).items():
        console.print(f"\n[bold]{escape(name)}[/bold]")
        for key, count in counts.items():
            console.print(f"  {count:>8}  {escape(key)}")


# -------------------------------------------------------------------- metron alert

alert_app = typer.Typer(help="Look at an alert and triage it.", no_args_is_help=True)


def _find_sensor(store: Any, guid: str, sensor: str | None) -> str:
    """The sensor of the alert ``guid`` (given, or the one live document with that guid)."""
    if sensor:
        return sensor
    sensors = set(store.sensors_of(guid))
    if not sensors:
        raise ConfigError(f"no alert with guid {guid}")
    if len(sensors) > 1:
        raise ConfigError(
            f"guid {guid} is in several sensors ({', '.join(sorted(map(str, sensors)))}):"
            " name one with --sensor"
        )
    return str(sensors.pop())


SensorOption = Annotated[
    str | None, typer.Option("--sensor", "-s", help="The alert's sensor (source.type).")
]
UserOption = Annotated[
    str | None, typer.Option("--user", help="Who makes the change (default: $USER).")
]


def _user(user: str | None) -> str:
    import getpass

    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "metron"


@alert_app.command("show")
def alert_show(
    guid: str,
    sensor: SensorOption = None,
    history: Annotated[
        bool, typer.Option("--history", help="Also print its audit history.")
    ] = False,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Print an alert (its latest version) as JSON."""
    with open_store(config_dir, data_dir) as store:
        name = _find_sensor(store, guid, sensor)
        doc = store.find_one(guid, name)
        if doc is None:
            raise ConfigError(f"no alert with guid {guid} in sensor {name}")
        out: Any = doc if not history else {"document": doc, "history": store.history(guid, name)}
    sys.stdout.buffer.write(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")


@alert_app.command("status")
def alert_status(
    guid: str,
    status: Annotated[str, typer.Argument(help="NEW, OPEN, DISMISS, ESCALATE or RESOLVE.")],
    sensor: SensorOption = None,
    user: UserOption = None,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Set an alert's status (alert_status)."""
    with open_store(config_dir, data_dir) as store:
        name = _find_sensor(store, guid, sensor)
        doc = store.set_status(guid, name, status, _user(user))
    typer.echo(f"{guid}: {doc['alert_status']}")


@alert_app.command("comment")
def alert_comment(
    guid: str,
    text: Annotated[str, typer.Argument(help="The comment.")],
    sensor: SensorOption = None,
    user: UserOption = None,
    remove: Annotated[
        int | None,
        typer.Option("--remove", help="Instead: remove the comment with this timestamp (ms)."),
    ] = None,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Add a comment to an alert (or, with --remove TIMESTAMP, remove one)."""
    with open_store(config_dir, data_dir) as store:
        name = _find_sensor(store, guid, sensor)
        request = {"guid": guid, "sensorType": name, "comment": text, "username": _user(user)}
        if remove is None:
            doc = store.add_comment(request)
        else:
            doc = store.remove_comment({**request, "timestamp": remove})
    typer.echo(f"{guid}: {len(doc.get('comments') or [])} comments")


# -------------------------------------------------------------------- metron metaalert

metaalert_app = typer.Typer(help="Group alerts into meta-alerts.", no_args_is_help=True)


def _requests(store: Any, guids: list[str]) -> list[dict[str, str]]:
    return [{"guid": g, "sensorType": _find_sensor(store, g, None)} for g in guids]


@metaalert_app.command("create")
def metaalert_create(
    guids: Annotated[list[str], typer.Argument(help="The alerts' guids.")],
    group: Annotated[
        list[str] | None, typer.Option("--group", "-g", help="A group name (repeatable).")
    ] = None,
    user: UserOption = None,
    json_out: JsonOut = False,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Create a meta-alert from alerts (Metron's create request needs groups)."""
    with open_store(config_dir, data_dir) as store:
        meta = store.create_meta_alert(
            {"alerts": _requests(store, guids), "groups": group or []}, _user(user)
        )
    if json_out:
        sys.stdout.buffer.write(_dumps(meta) + b"\n")
    else:
        typer.echo(meta["guid"])


@metaalert_app.command("add")
def metaalert_add(
    meta_guid: Annotated[str, typer.Argument(help="The meta-alert's guid.")],
    guids: Annotated[list[str], typer.Argument(help="The alerts to add.")],
    user: UserOption = None,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Add alerts to a meta-alert (alerts already in it are skipped)."""
    with open_store(config_dir, data_dir) as store:
        meta = store.add_alerts_to_meta_alert(
            {"metaAlertGuid": meta_guid, "alerts": _requests(store, guids)}, _user(user)
        )
    typer.echo(f"{meta_guid}: {len(meta.get('metron_alert') or [])} alerts")


@metaalert_app.command("remove")
def metaalert_remove(
    meta_guid: Annotated[str, typer.Argument(help="The meta-alert's guid.")],
    guids: Annotated[list[str], typer.Argument(help="The alerts to remove.")],
    user: UserOption = None,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Remove alerts from a meta-alert (it may not become empty)."""
    with open_store(config_dir, data_dir) as store:
        meta = store.remove_alerts_from_meta_alert(
            {"metaAlertGuid": meta_guid, "alerts": _requests(store, guids)}, _user(user)
        )
    typer.echo(f"{meta_guid}: {len(meta.get('metron_alert') or [])} alerts")


@metaalert_app.command("status")
def metaalert_status(
    meta_guid: Annotated[str, typer.Argument(help="The meta-alert's guid.")],
    status: Annotated[str, typer.Argument(help="active or inactive.")],
    user: UserOption = None,
    config_dir: ConfigDir = None,
    data_dir: DataDir = None,
) -> None:
    """Make a meta-alert active or inactive (inactive releases its alerts)."""
    with open_store(config_dir, data_dir) as store:
        meta = store.update_meta_alert_status(meta_guid, status, _user(user))
    typer.echo(f"{meta_guid}: {meta['status']}")
