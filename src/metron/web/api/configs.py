"""Metron's config controllers: the global config, sensor parser configs and groups, sensor
enrichment configs and sensor indexing configs.

Reads need a user, writes ADMIN.  Every write goes through
:meth:`~metron.web.context.WebContext.save_config` (the whole tree checked, every problem
listed in one 400, the file replaced atomically, the change audited).  A save answers the
config saved, 201 when it is new and 200 when it replaced one; a delete answers 200, or
404 when there was nothing to delete, as Metron did.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, Field

from metron.config.store import config_key
from metron.errors import ConfigError
from metron.web.api.grok import shipped_pattern_files
from metron.web.auth import User
from metron.web.context import Ctx, WebContext
from metron.web.errors import RestError
from metron.web.security import AdminUser, CurrentUser, client_address

if TYPE_CHECKING:
    from metron.parsing.config import SensorParserConfig

__all__ = ["PARSER_GROUPS", "THREAT_TRIAGE_AGGREGATORS", "router", "sensor_parser_config"]

router = APIRouter(prefix="/api/v1", tags=["config"])

#: The global config key Metron keeps parser groups under (a list of groups).
PARSER_GROUPS = "parser.groups"
#: Metron's ``Aggregators`` enum: how threat triage combines rule scores.
THREAT_TRIAGE_AGGREGATORS = ("MAX", "MIN", "SUM", "MEAN", "POSITIVE_MEAN")
#: Enrichments a field gets through its own adapter; Metron's config UI puts these in
#: ``fieldMap`` and every other available enrichment in ``fieldToTypeMap`` (a lookup type).
_FIELD_ADAPTERS = ("geo", "host")

#: A config in a request body: a JSON object.
ConfigBody = Annotated[dict[str, Any], Body()]


def _kinds(context: WebContext, folder: str) -> dict[str, Any]:
    """The configs of one folder (``parsers``...) by sensor name."""
    prefix = f"{folder}/"
    return {
        key[len(prefix) :]: value
        for key, value in sorted(context.configs().items())
        if key.startswith(prefix)
    }


def _missing(key: str, what: str) -> RestError:
    _, _, name = key.partition("/")
    return RestError(404, f"no {what} for {name!r}" if name else f"no {what}", field="name")


def _find(context: WebContext, key: str, what: str) -> Any:
    value = context.configs().get(key)
    if value is None:
        raise _missing(key, what)
    return value


def _save(
    context: WebContext, key: str, value: Any, user: User, request: Request, response: Response
) -> Any:
    response.status_code = 200 if key in context.configs() else 201
    return context.save_config(key, value, user, client_address(request))


def _delete(context: WebContext, key: str, user: User, request: Request, what: str) -> Response:
    if not context.delete_config(key, user, client_address(request)):
        raise _missing(key, what)
    return Response(status_code=200)


# ------------------------------------------------------------------------------ global


@router.get("/global/config")
def get_global_config(_: CurrentUser, context: Ctx) -> Any:
    """The global config; 404 when there is none."""
    return _find(context, "global", "global config")


@router.post("/global/config", status_code=201)
def save_global_config(
    admin: AdminUser,
    context: Ctx,
    request: Request,
    response: Response,
    config: ConfigBody,
) -> Any:
    """Create (201) or replace (200) the global config (ADMIN)."""
    return _save(context, "global", config, admin, request, response)


@router.delete("/global/config")
def delete_global_config(admin: AdminUser, context: Ctx, request: Request) -> Response:
    """Delete the global config (ADMIN); 404 when there is none."""
    return _delete(context, "global", admin, request, "global config")


# ------------------------------------------------------------------------------ parsers


def _available_parsers() -> dict[str, str]:
    """Metron's index of parser classes: the class's simple name without ``Basic`` and
    ``Parser`` -> its class name (our short name for the parsers Metron did not have)."""
    from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
    from metron.parsing.base import PARSERS

    found: dict[str, str] = {}
    for name, spec in PARSERS.items():
        if name != spec.name:
            continue
        for metron_class in spec.metron_classes:
            simple = metron_class.rsplit(".", 1)[-1]
            found[simple.replace("Basic", "").replace("Parser", "")] = metron_class
        if not spec.metron_classes:
            found[spec.name] = spec.name
    return dict(sorted(found.items()))


@router.post("/sensor/parser/config", status_code=201)
def save_parser_config_by_topic(
    admin: AdminUser,
    context: Ctx,
    request: Request,
    response: Response,
    config: ConfigBody,
) -> Any:
    """Save a sensor parser config under its ``sensorTopic`` (as Metron's first REST API
    named it; ADMIN)."""
    name = config.get("sensorTopic")
    if not isinstance(name, str) or not name:
        raise RestError(400, "sensorTopic names the sensor and is required", field="sensorTopic")
    return _save(context, config_key("PARSER", name), config, admin, request, response)


@router.get("/sensor/parser/config/list/available")
def available_parsers(_: CurrentUser) -> dict[str, str]:
    """The parsers there are: short name -> the class name a config's parserClassName
    takes."""
    return _available_parsers()


@router.get("/sensor/parser/config/reload/available")
def reload_available_parsers(_: CurrentUser) -> dict[str, str]:
    """The parsers there are, after looking for new parser modules."""
    import importlib
    import pkgutil

    from metron.parsing import parsers

    importlib.invalidate_caches()
    for module in pkgutil.iter_modules(parsers.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{parsers.__name__}.{module.name}")
    return _available_parsers()


def sensor_parser_config(data: dict[str, Any]) -> SensorParserConfig:
    """A request's ``sensorParserConfig``, or a 400 listing every problem it has."""
    from metron.parsing.config import parse_sensor_config

    try:
        return parse_sensor_config(data, "sensorParserConfig")
    except ConfigError as e:
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        problems = lines[1:] or lines  # the first line of several only introduces them
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise RestError(
            400,
            f"invalid sensorParserConfig ({count}): {problems[0]}",
            field="sensorParserConfig",
            problems=problems,
        ) from None


class ParseMessageRequest(BaseModel):
    sensorParserConfig: dict[str, Any]
    grokStatement: str | None = Field(None, max_length=1_000_000)
    sampleData: str = Field(max_length=1_000_000)


@router.post("/sensor/parser/config/parseMessage")
def parse_message(body: ParseMessageRequest, _: CurrentUser) -> Response:
    """Parse ``sampleData`` with ``sensorParserConfig``'s parser and answer the first
    message, as Metron did (the parser alone: no field transformations).  For a grok
    parser, ``grokStatement`` is the pattern file for this call; without one the config's
    ``grokPath`` must be a shipped pattern file.  A sample that does not parse is a 400
    saying why."""
    from metron.message import dumps
    from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
    from metron.parsing.base import PARSERS
    from metron.parsing.parsers.grok import GrokParser
    from metron.parsing.runner import parser_for

    config = sensor_parser_config(body.sensorParserConfig)
    spec = PARSERS.get(config.parserClassName)
    with tempfile.TemporaryDirectory(prefix="metron-grok-") as folder:
        if spec is not None and issubclass(spec.cls, GrokParser):
            if body.grokStatement is not None:
                pattern_file = Path(folder) / "patterns"
                pattern_file.write_text(body.grokStatement, encoding="utf-8")
                config.parserConfig["grokPath"] = str(pattern_file)
            elif config.parserConfig.get("grokPath") not in shipped_pattern_files():
                # never let a request read a file of the server's as grok patterns
                raise RestError(
                    400,
                    "a grok parser needs grokStatement (the pattern file's text) unless its"
                    " grokPath is a shipped pattern file such as /patterns/squid",
                    field="grokStatement",
                )
        parser = parser_for(config)
        messages: list[dict[str, Any]] = []
        try:
            result = parser.parse(body.sampleData.encode("utf-8"))
            messages = result.messages
            failure = str(result.errors[0][1]) if result.errors else None
        except Exception as e:
            failure = str(e)
        if failure is not None and not messages:
            # the temporary pattern file is the request's grokStatement to its sender
            failure = failure.replace(str(Path(folder) / "patterns"), "grokStatement")
            raise RestError(400, f"Error parsing sample data: {failure}", field="sampleData")
    if not messages:
        raise RestError(400, "No results from parsing sample data", field="sampleData")
    return Response(dumps(messages[0]), media_type="application/json")


# ------------------------------------------------------------------------ parser groups


class SensorParserGroup(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    sensors: list[str] = Field(default_factory=list, max_length=1000)


def _groups(global_config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = global_config.get(PARSER_GROUPS) or []
    groups = {}
    for item in found if isinstance(found, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            groups[item["name"]] = item
    return groups


def _save_groups(
    context: WebContext, groups: dict[str, dict[str, Any]], user: User, request: Request
) -> None:
    global_config = dict(context.global_config())
    global_config[PARSER_GROUPS] = [groups[name] for name in sorted(groups)]
    context.save_config("global", global_config, user, client_address(request))


@router.get("/sensor/parser/group")
def list_parser_groups(_: CurrentUser, context: Ctx) -> dict[str, Any]:
    """Every parser group (sensors parsed together) by name."""
    return _groups(context.global_config())


@router.post("/sensor/parser/group", status_code=201)
def save_parser_group(
    group: SensorParserGroup, admin: AdminUser, context: Ctx, request: Request, response: Response
) -> dict[str, Any]:
    """Create (201) or replace (200) a parser group (ADMIN).  Its sensors must have parser
    configs and belong to no other group."""
    groups = _groups(context.global_config())
    response.status_code = 200 if group.name in groups else 201
    others = {name: g for name, g in groups.items() if name != group.name}
    sensors = list(dict.fromkeys(group.sensors))
    if not sensors:
        raise RestError(400, "A parser group must contain sensors", field="sensors")
    parsers = _kinds(context, "parsers")
    problems = [f"Could not find config for sensor {s}" for s in sensors if s not in parsers]
    for sensor in sensors:
        for other in others.values():
            if sensor in (other.get("sensors") or []):
                problems.append(f"Sensor {sensor} is already in group {other['name']}")
    if problems:
        raise RestError(400, problems[0], field="sensors", problems=problems)
    saved = {"name": group.name, "description": group.description, "sensors": sensors}
    _save_groups(context, {**others, group.name: saved}, admin, request)
    return saved


@router.get("/sensor/parser/group/{name}")
def get_parser_group(name: str, _: CurrentUser, context: Ctx) -> dict[str, Any]:
    group = _groups(context.global_config()).get(name)
    if group is None:
        raise RestError(404, f"no parser group {name!r}", field="name")
    return group


@router.delete("/sensor/parser/group/{name}")
def delete_parser_group(name: str, admin: AdminUser, context: Ctx, request: Request) -> Response:
    """Delete a parser group (ADMIN); 404 when there is none."""
    groups = _groups(context.global_config())
    if name not in groups:
        raise RestError(404, f"no parser group {name!r}", field="name")
    del groups[name]
    _save_groups(context, groups, admin, request)
    return Response(status_code=200)


# ----------------------------------------------------------- per-sensor config routes


def _sensor_routes(path: str, kind: str, folder: str, what: str) -> None:
    """``GET path``, ``GET/POST/DELETE path/{name}`` for one kind of sensor config.
    Registered after the kind's fixed paths, which ``{name}`` would otherwise take."""

    @router.get(path, name=f"list_{folder}_configs")
    def list_configs(_: CurrentUser, context: Ctx) -> dict[str, Any]:
        return _kinds(context, folder)

    @router.get(f"{path}/{{name}}", name=f"get_{folder}_config")
    def get_config(name: str, _: CurrentUser, context: Ctx) -> Any:
        return _find(context, config_key(kind, name), what)

    @router.post(f"{path}/{{name}}", status_code=201, name=f"save_{folder}_config")
    def save_config(
        name: str,
        admin: AdminUser,
        context: Ctx,
        request: Request,
        response: Response,
        config: ConfigBody,
    ) -> Any:
        return _save(context, config_key(kind, name), config, admin, request, response)

    @router.delete(f"{path}/{{name}}", name=f"delete_{folder}_config")
    def delete_config(name: str, admin: AdminUser, context: Ctx, request: Request) -> Response:
        return _delete(context, config_key(kind, name), admin, request, what)

    list_configs.__doc__ = f"Every {what} by sensor name."
    get_config.__doc__ = f"The {what} of a sensor; 404 when there is none."
    save_config.__doc__ = f"Create (201) or replace (200) a sensor's {what} (ADMIN)."
    delete_config.__doc__ = f"Delete a sensor's {what} (ADMIN); 404 when there is none."


# ------------------------------------------------------------------------ enrichment


def _lookup_types(context: WebContext) -> list[str]:
    """The enrichment types loaded into the lookup store's enrichment table (Metron listed
    them from its ``enrichment_list`` table); none when there is no store yet."""
    from metron.enrichment.lookup import ENRICHMENT_TABLE, default_lookup_path

    path = default_lookup_path(context.data_dir)
    if not path.is_file():
        return []
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT DISTINCT type FROM lookup WHERE tbl = ?", (ENRICHMENT_TABLE,)
            ).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return []
    return [str(row[0]) for row in rows]


@router.get("/sensor/enrichment/config/list/available/enrichments")
def available_enrichments(_: CurrentUser, context: Ctx) -> list[str]:
    """The enrichments a field can get: the field adapters (geo, host) and the lookup
    types loaded into the enrichment table, sorted."""
    return sorted({*_FIELD_ADAPTERS, *_lookup_types(context)})


@router.get("/sensor/enrichment/config/list/available/threat/triage/aggregators")
def available_aggregators(_: CurrentUser) -> list[str]:
    """How threat triage may combine its rules' scores."""
    return list(THREAT_TRIAGE_AGGREGATORS)


# -------------------------------------------------------------------------- indexing


def _enabled(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() != "false"
    return value is not False


@router.get("/sensor/indexing/config/list/indices/{writerName}")
def list_indices(writerName: str, _: CurrentUser, context: Ctx) -> list[str]:
    """The index names a writer (elasticsearch, solr, hdfs...) writes across the sensors
    with a parser or indexing config: each sensor's ``index``, else its name, unless the
    writer is disabled for it."""
    tree = context.configs()
    sensors = {key.partition("/")[2] for key in tree if key.startswith(("parsers/", "indexing/"))}
    indices = set()
    for sensor in sensors:
        indexing = tree.get(f"indexing/{sensor}")
        settings = indexing.get(writerName) if isinstance(indexing, dict) else None
        settings = settings if isinstance(settings, dict) else {}
        if _enabled(settings.get("enabled", True)):
            index = settings.get("index")
            indices.add(index if isinstance(index, str) and index else sensor)
    return sorted(indices)


_sensor_routes("/sensor/parser/config", "PARSER", "parsers", "sensor parser config")
_sensor_routes("/sensor/enrichment/config", "ENRICHMENT", "enrichments", "sensor enrichment config")
_sensor_routes("/sensor/indexing/config", "INDEXING", "indexing", "sensor indexing config")
