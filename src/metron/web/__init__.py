"""The REST API and the analyst console (one FastAPI app)."""
