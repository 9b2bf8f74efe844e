"""Where metron keeps its configuration and its data.

``METRON_CONFIG_DIR`` names the configuration directory, laid out like Metron's
``config/zookeeper`` tree (``global.json``, ``parsers/``, ``enrichments/``, ``indexing/``);
it defaults to ``$XDG_CONFIG_HOME/metron`` (``~/.config/metron``).  ``METRON_DATA_DIR`` names
where stores and state live (alert index, lake, lookup tables, shell history); it defaults
to ``$XDG_DATA_HOME/metron`` (``~/.local/share/metron``).  Every command that needs them
also takes ``--config-dir`` / ``--data-dir``, which win over the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from metron.errors import ConfigError

__all__ = ["config_dir", "data_dir", "load_global_config"]


def _xdg(variable: str, fallback: str) -> Path:
    base = os.environ.get(variable)
    return Path(base) if base else Path.home() / fallback


def config_dir(option: Path | None = None) -> Path:
    """The configuration directory: ``option``, else ``$METRON_CONFIG_DIR``, else the default."""
    if option is not None:
        return option
    env = os.environ.get("METRON_CONFIG_DIR")
    return Path(env) if env else _xdg("XDG_CONFIG_HOME", ".config") / "metron"


def data_dir(option: Path | None = None) -> Path:
    """The data directory: ``option``, else ``$METRON_DATA_DIR``, else the default."""
    if option is not None:
        return option
    env = os.environ.get("METRON_DATA_DIR")
    return Path(env) if env else _xdg("XDG_DATA_HOME", ".local/share") / "metron"


def load_global_config(directory: Path) -> dict[str, Any]:
    """Metron's global config (``global.json``) from ``directory``; empty when absent."""
    from metron.stellar.serialize import from_json

    path = directory / "global.json"
    if not path.exists():
        return {}
    try:
        value = from_json(path.read_bytes())
    except ValueError as e:
        raise ConfigError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: the global config must be a JSON object")
    return value
