"""docs/parsers.md is generated from the parser registry and must not go stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from metron.parsing.base import PARSERS
from metron.parsing.docs import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "parsers.md"


def test_parser_reference_is_current() -> None:
    # A fresh interpreter: other tests register throwaway parsers in this one.
    assert DOC.exists(), "run `make docs` to generate docs/parsers.md"
    fresh = subprocess.run(
        [sys.executable, "-m", "metron.parsing.docs"], capture_output=True, text=True, check=True
    ).stdout
    assert DOC.read_text(encoding="utf-8") == fresh, "docs are stale: run `make docs`"


def test_every_parser_documents_itself() -> None:
    text = render()
    for _, spec in PARSERS.items():
        assert f"## {spec.name}" in text
        assert "(no documentation)" not in text
