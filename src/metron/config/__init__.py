"""Metron's configuration tree as one unit: read from and written to a config directory,
validated as a whole, and kept on a compacted Kafka topic (Metron kept it in ZooKeeper)."""

from __future__ import annotations

from metron.config.store import (
    CONFIG_TYPES,
    apply_patch,
    config_key,
    read_directory,
    validate,
    write_directory,
)

__all__ = [
    "CONFIG_TYPES",
    "apply_patch",
    "config_key",
    "read_directory",
    "validate",
    "write_directory",
]
