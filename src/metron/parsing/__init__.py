"""Parsing: raw telemetry to Metron's normalised messages, driven by Metron's sensor configs.

``metron.parsing.base`` defines what a parser is and the registry; the parsers live in
``metron.parsing.parsers`` (one module each, auto-discovered); ``config`` reads sensor
configs; ``runner`` applies Metron's per-record order.
"""

from __future__ import annotations

__all__: list[str] = []
