"""Metron's sensor parser config (``parsers/<sensor>.json``), unchanged.

Every key Metron accepts is accepted.  Storm-only keys (workers, parallelism, spout and
Storm settings, writer classes) are kept and ignored by the embedded runtime, which sizes
itself; ``explain_storm_keys`` says so.  An unknown key is a :class:`ConfigError` naming
the file, the key and the closest valid key.  Sensors Metron ships have built-in configs
(``metron/parsing/defaults/<sensor>.json``), so ``metron parse squid FILE`` needs none.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from metron.errors import ConfigError
from metron.stellar.serialize import from_json

__all__ = [
    "STORM_KEYS",
    "FieldTransformationConfig",
    "SensorParserConfig",
    "builtin_sensors",
    "explain_storm_keys",
    "load_sensor_config",
    "parse_sensor_config",
]

#: Keys that configure Storm topologies; the embedded runtime does not need them.
STORM_KEYS = frozenset(
    {
        "numWorkers",
        "numAckers",
        "spoutParallelism",
        "spoutNumTasks",
        "parserParallelism",
        "parserNumTasks",
        "errorWriterParallelism",
        "errorWriterNumTasks",
        "spoutConfig",
        "stormConfig",
        "securityProtocol",
        "writerClassName",
        "errorWriterClassName",
    }
)


class FieldTransformationConfig(BaseModel):
    """One entry of ``fieldTransformations``."""

    model_config = ConfigDict(extra="forbid")

    input: str | list[str] | None = None
    output: str | list[str] | None = None
    transformation: str
    config: dict[str, Any] = Field(default_factory=dict)

    @property
    def inputs(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else list(self.input or [])

    @property
    def outputs(self) -> list[str]:
        return [self.output] if isinstance(self.output, str) else list(self.output or [])


class SensorParserConfig(BaseModel):
    """A sensor's parser configuration, field for field as Metron reads it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    parserClassName: str
    filterClassName: str | None = None
    sensorTopic: str | None = None
    outputTopic: str | None = None
    errorTopic: str | None = None
    writerClassName: str | None = None
    errorWriterClassName: str | None = None
    readMetadata: bool | None = None
    mergeMetadata: bool | None = None
    numWorkers: int | None = None
    numAckers: int | None = None
    spoutParallelism: int = 1
    spoutNumTasks: int = 1
    parserParallelism: int = 1
    parserNumTasks: int = 1
    errorWriterParallelism: int = 1
    errorWriterNumTasks: int = 1
    spoutConfig: dict[str, Any] = Field(default_factory=dict)
    securityProtocol: str | None = None
    stormConfig: dict[str, Any] = Field(default_factory=dict)
    parserConfig: dict[str, Any] = Field(default_factory=dict)
    fieldTransformations: list[FieldTransformationConfig] = Field(default_factory=list)
    cacheConfig: dict[str, Any] = Field(default_factory=dict)
    rawMessageStrategy: Literal["DEFAULT", "ENVELOPE"] = "DEFAULT"
    rawMessageStrategyConfig: dict[str, Any] = Field(default_factory=dict)

    @field_validator("rawMessageStrategy", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def read_metadata(self) -> bool:
        """Metron's default: read metadata only for the ENVELOPE strategy."""
        if self.readMetadata is not None:
            return self.readMetadata
        return self.rawMessageStrategy == "ENVELOPE"

    @property
    def merge_metadata(self) -> bool:
        if self.mergeMetadata is not None:
            return self.mergeMetadata
        return self.rawMessageStrategy == "ENVELOPE"


def explain_storm_keys(config: SensorParserConfig) -> list[str]:
    """What the Storm-only keys set in ``config`` mean here."""
    notes = []
    for key in sorted(STORM_KEYS & config.model_fields_set):
        notes.append(
            f"{key}: Storm topology setting, accepted and ignored; the embedded runtime uses"
            " one worker process per core and Kafka mode scales by adding workers"
        )
    return notes


def parse_sensor_config(data: Any, source: str) -> SensorParserConfig:
    """Validate a parsed config; every problem is reported at once, naming ``source``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a sensor parser config must be a JSON object")
    try:
        return SensorParserConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_describe(e, source)) from None


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid sensor parser config"]
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        if item["type"] == "extra_forbidden":
            key = str(item["loc"][-1])
            model = FieldTransformationConfig if len(item["loc"]) > 1 else SensorParserConfig
            close = difflib.get_close_matches(key, list(model.model_fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            lines.append(f"  unknown key '{where}'{hint}")
        elif item["type"] == "missing":
            lines.append(f"  missing key '{where}'")
        else:
            lines.append(f"  '{where}': {item['msg']}")
    return "\n".join(lines)


def builtin_sensors() -> list[str]:
    """Sensors with a built-in config."""
    folder = resources.files("metron.parsing").joinpath("defaults")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_sensor_config(
    sensor: str, config_file: Path | None = None, config_dir: Path | None = None
) -> SensorParserConfig:
    """The config for ``sensor``: an explicit file, else ``<dir>/parsers/<sensor>.json``,
    else the built-in one."""
    if config_file is not None:
        return _read(config_file)
    if config_dir is not None:
        path = config_dir / "parsers" / f"{sensor}.json"
        if path.exists():
            return _read(path)
    builtin = resources.files("metron.parsing").joinpath("defaults", f"{sensor}.json")
    if builtin.is_file():
        return parse_sensor_config(from_json(builtin.read_bytes()), f"built-in {sensor}.json")
    known = builtin_sensors()
    close = difflib.get_close_matches(sensor, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ConfigError(
        f"no parser config for sensor '{sensor}'{hint}: give --config FILE or put"
        f" parsers/{sensor}.json in the config directory; built-in sensors: {', '.join(known)}"
    )


def _read(path: Path) -> SensorParserConfig:
    try:
        data = from_json(path.read_bytes())
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from None
    except ValueError as e:
        raise ConfigError(f"{path}: not valid JSON: {e}") from None
    return parse_sensor_config(data, str(path))
