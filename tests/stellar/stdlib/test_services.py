"""Service-backed functions: not configured by default, delegating once a provider exists."""

from __future__ import annotations

from typing import Any

import pytest

from metron import stellar
from metron.stellar import StellarContext, StellarError
from metron.stellar.context import SERVICE_HELP
from metron.stellar.stdlib.services import SERVICE_FUNCTIONS


@pytest.mark.parametrize("name", sorted(SERVICE_FUNCTIONS))
def test_not_configured_names_the_function_and_what_it_needs(name: str) -> None:
    service = SERVICE_FUNCTIONS[name][0]
    assert service in SERVICE_HELP
    with pytest.raises(StellarError, match="is not configured") as info:
        stellar.evaluate(f"{name}('a', 'b')")
    assert info.value.function == name
    assert name in str(info.value)


class FakeLookup:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def get(self, *args: Any) -> dict[str, Any]:
        self.calls.append(args)
        return {"owner": "finance"} if args[1] == "10.0.0.1" else {}

    def exists(self, *args: Any) -> bool:
        return args[1] == "10.0.0.1"


def test_a_provider_in_the_context_answers() -> None:
    lookup = FakeLookup()
    context = StellarContext(services={"enrichment": lookup})
    get = stellar.compile("ENRICHMENT_GET('asset', ip, 'enrichment', 't')", context=context)
    assert get.evaluate({"ip": "10.0.0.1"}) == {"owner": "finance"}
    assert get.evaluate({"ip": "10.0.0.2"}) == {}
    assert lookup.calls[0] == ("asset", "10.0.0.1", "enrichment", "t")
    exists = stellar.compile(
        "ENRICHMENT_EXISTS('asset', '10.0.0.1', 'enrichment', 't')", context=context
    )
    assert exists.evaluate() is True
