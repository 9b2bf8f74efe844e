"""The one exception root of metron and its few subclasses.

Every error a user can cause derives from :class:`MetronError`; the CLI turns it into a
message without a traceback.  Errors say where (file, line, field or position), what went
wrong, and what to do about it.
"""

from __future__ import annotations

__all__ = ["ConfigError", "MetronError"]


class MetronError(Exception):
    """Root of every error metron raises for a user's mistake or bad input."""


class ConfigError(MetronError):
    """A configuration file or setting is invalid; the message names the file and key."""
