"""Indexing: where enriched messages are stored (the alert store and the data lake)."""
