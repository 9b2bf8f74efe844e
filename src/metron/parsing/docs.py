"""Generate ``docs/parsers.md`` from the parser registry and the parser modules' docstrings.

Each parser module's docstring lists its ``parserConfig`` keys and output fields; this
collects them with the names each parser answers to and its built-in sensors.  Run
``python -m metron.parsing.docs > docs/parsers.md`` (``make docs``); a test fails when the
committed file is stale.
"""

from __future__ import annotations

import inspect
import sys

from metron.parsing import parsers as _parsers  # noqa: F401  (registers the parsers)
from metron.parsing.base import PARSERS
from metron.parsing.config import builtin_sensors, load_sensor_config

__all__ = ["render"]


def render() -> str:
    """The parser reference as Markdown."""
    specs = {spec.name: spec for _, spec in PARSERS.items()}
    sensors_of: dict[str, list[str]] = {}
    for sensor in builtin_sensors():
        spec = PARSERS.get(load_sensor_config(sensor).parserClassName)
        if spec is not None:
            sensors_of.setdefault(spec.name, []).append(sensor)
    lines = [
        "# Parsers",
        "",
        "Generated from the parser registry by `make docs`; do not edit by hand.",
        "",
        "Every sensor config's `parserClassName` may name a parser by its short name or by",
        "Apache Metron's class name. Sensors with a built-in config parse with no config at",
        "all: `metron parse SENSOR FILE`.",
        "",
        "| parser | Metron class names | built-in sensors |",
        "|---|---|---|",
    ]
    for name in sorted(specs):
        spec = specs[name]
        classes = ", ".join(f"`{c}`" for c in spec.metron_classes) or "-"
        sensors = ", ".join(f"`{s}`" for s in sensors_of.get(name, [])) or "-"
        lines.append(f"| [`{name}`](#{name.lower()}) | {classes} | {sensors} |")
    lines.append("")
    for name in sorted(specs):
        spec = specs[name]
        module = inspect.getmodule(spec.cls)
        doc = inspect.cleandoc(module.__doc__ or "") if module else ""
        lines.extend([f"## {name}", "", doc or "(no documentation)", ""])
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
