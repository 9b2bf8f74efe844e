"""docs/stellar-functions.md is generated from the registry and must not go stale."""

from __future__ import annotations

from pathlib import Path

from metron.stellar.docs import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "stellar-functions.md"


def test_function_reference_is_current() -> None:
    assert DOC.exists(), "run `make docs` to generate docs/stellar-functions.md"
    assert DOC.read_text(encoding="utf-8") == render(), "docs are stale: run `make docs`"


def test_reference_lists_every_function() -> None:
    text = render()
    from metron.stellar.functions import REGISTRY

    for name in REGISTRY.names():
        assert f"`{name}`" in text
