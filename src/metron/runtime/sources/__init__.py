"""Telemetry sources: where raw records come from (see base.py)."""
