"""Routers of the REST API, one module per area of Metron's REST controllers (and ours)."""
