"""Every example declared in the function registry is a test: it must evaluate as documented."""

from __future__ import annotations

import pytest

from metron import stellar
from metron.stellar.functions import REGISTRY
from metron.stellar.types import java_equals, java_type_name

CASES = [
    pytest.param(spec.name, example, id=f"{spec.name}[{i}]")
    for name, spec in REGISTRY.items()
    if name == spec.name
    for i, example in enumerate(spec.examples)
]


@pytest.mark.parametrize(("name", "example"), CASES)
def test_example(name: str, example: stellar.Example) -> None:
    if example.error:
        with pytest.raises(stellar.StellarError):
            stellar.evaluate(example.expression, dict(example.variables))
        return
    result = stellar.evaluate(example.expression, dict(example.variables))
    if example.check:
        assert java_equals(result, example.result), (
            f"{example.expression} gave {result!r} ({java_type_name(result)}),"
            f" documented {example.result!r} ({java_type_name(example.result)})"
        )


def test_every_function_is_documented() -> None:
    for name, spec in REGISTRY.items():
        assert spec.description, f"{name} has no description"
        assert spec.returns, f"{name} does not say what it returns"
