"""What the alert store's requests can fail with."""

from __future__ import annotations

from metron.errors import MetronError

__all__ = ["DocumentNotFound", "InvalidRequest"]


class InvalidRequest(MetronError):
    """A request that cannot be served (bad shape, bad value, size too large...)."""


class DocumentNotFound(MetronError):
    """The document a request names is not in the store."""
