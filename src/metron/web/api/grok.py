"""Metron's grok controller: try a grok statement on a sample, list the common patterns,
read a shipped pattern file.

Statements are compiled by :mod:`metron.parsing.grok`, as the grok parser compiles them:
the shipped ``/patterns/common`` first, then the statement's own ``NAME regex`` lines, and
``%{<patternLabel>}`` must match.  Only the pattern files shipped with metron are ever
read; a path is looked up among their names, never opened.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from metron.errors import ConfigError
from metron.parsing.grok import Grok, GrokError
from metron.parsing.parsers.grok import COMMON_PATTERNS
from metron.web.errors import RestError
from metron.web.security import CurrentUser

__all__ = ["router", "shipped_pattern_files"]

router = APIRouter(prefix="/api/v1", tags=["grok"])

_PATTERNS_PREFIX = "/patterns/"
# A pattern name as grok references it (%{NAME} or %{NAME:field}).
_LABEL = re.compile(r"[A-Za-z0-9_]+(?::[A-Za-z0-9_:]+)?")


@cache
def shipped_pattern_files() -> dict[str, str]:
    """The pattern files shipped with metron: their Metron path (``/patterns/asa``) ->
    text."""
    folder = resources.files("metron.parsing").joinpath("patterns")
    return {
        f"{_PATTERNS_PREFIX}{item.name}": item.read_text(encoding="utf-8")
        for item in sorted(folder.iterdir(), key=lambda item: item.name)
        if item.is_file() and not item.name.startswith((".", "_"))
    }


class GrokValidation(BaseModel):
    patternLabel: str | None = Field(None, max_length=200)
    statement: str | None = Field(None, max_length=1_000_000)
    sampleData: str | None = Field(None, max_length=1_000_000)
    results: dict[str, Any] | None = None


@router.post("/grok/validate")
def validate_statement(body: GrokValidation, _: CurrentUser) -> GrokValidation:
    """Apply ``statement`` (pattern-file lines, on top of the common patterns) to
    ``sampleData`` with the pattern ``patternLabel``; answer the request with ``results``,
    the fields captured (empty when the sample does not match).  An invalid statement is a
    400 naming the pattern or the regex at fault."""
    if not body.patternLabel:
        raise RestError(400, "Pattern label is required", field="patternLabel")
    if not _LABEL.fullmatch(body.patternLabel):
        raise RestError(
            400,
            f"patternLabel {body.patternLabel!r} is not a grok pattern name (letters, digits, _)",
            field="patternLabel",
        )
    if not body.statement:
        raise RestError(400, "Grok statement is required", field="statement")
    if body.sampleData is None:
        raise RestError(400, "Sample data is required", field="sampleData")
    try:
        grok = Grok.from_files([COMMON_PATTERNS])
        grok.add_patterns(body.statement)
        pattern = grok.compile(f"%{{{body.patternLabel}}}")
    except ConfigError as e:
        raise RestError(400, str(e), field="statement") from None
    try:
        results = pattern.captures(body.sampleData) or {}
    except GrokError as e:
        raise RestError(
            400, f"the sample does not fit the statement: {e}", field="sampleData"
        ) from None
    results.pop(body.patternLabel, None)
    return body.model_copy(update={"results": results})


@router.get("/grok/list")
def common_patterns(_: CurrentUser) -> dict[str, str]:
    """The common grok patterns every statement may use: name -> regex."""
    return dict(sorted(Grok.from_files([COMMON_PATTERNS]).patterns.items()))


@router.get("/grok/get/statement", response_class=PlainTextResponse)
def shipped_statement(
    _: CurrentUser, path: str = Query(..., max_length=300, examples=["/patterns/asa"])
) -> str:
    """The text of a shipped pattern file by its Metron path (``/patterns/asa``,
    ``/patterns/squid``...); 404 for any other path."""
    text = shipped_pattern_files().get(path)
    if text is None:
        known = ", ".join(shipped_pattern_files())
        raise RestError(
            404, f"Could not find a statement at path {path} (there are: {known})", field="path"
        )
    return text
