"""The data lake: enriched messages as Parquet files partitioned by sensor and UTC day
(``<data dir>/lake/sensor=<sensor>/dt=<YYYY-MM-DD>/``), queried with DuckDB SQL
(``metron hunt``), compacted daily and pruned by retention (``metron lake``)."""

from __future__ import annotations

from metron.lake.hunt import ALL_VIEW, Lake
from metron.lake.retention import compact, parse_duration, prune, retention_from_config
from metron.lake.writer import LakeWriter

__all__ = [
    "ALL_VIEW",
    "Lake",
    "LakeWriter",
    "compact",
    "parse_duration",
    "prune",
    "retention_from_config",
]
