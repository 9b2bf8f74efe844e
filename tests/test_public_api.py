"""Each module's __all__ is honest: no duplicates, and every name in it exists (ruff keeps it sorted)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import metron

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(metron.__path__, "metron.")
    if not m.name.split(".")[-1].startswith("_")
)


@pytest.mark.parametrize("name", MODULES)
def test_all_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which does not exist"
