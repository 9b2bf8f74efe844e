"""Generate ``docs/stellar-functions.md`` from the function registry.

Run ``python -m metron.stellar.docs > docs/stellar-functions.md`` (``make docs``); a test
fails when the committed file differs from what the registry produces.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from metron.stellar.functions import REGISTRY, FunctionSpec
from metron.stellar.serialize import to_json

__all__ = ["render"]


def _function(spec: FunctionSpec) -> list[str]:
    lines = [f"### `{spec.name}`", "", spec.description, ""]
    if spec.params:
        lines.append("Arguments:")
        lines.append("")
        lines.extend(f"- {p}" for p in spec.params)
        lines.append("")
    lines.append(f"Returns: {spec.returns}")
    lines.append("")
    if spec.examples:
        lines.append("| expression | result |")
        lines.append("|---|---|")
        for example in spec.examples:
            expression = example.expression.replace("|", "\\|").replace("\n", " ")
            if example.variables:
                expression += f" with `{to_json(dict(example.variables))}`".replace("|", "\\|")
            if example.error:
                result = "error"
            elif example.check:
                result = f"`{to_json(example.result)}`".replace("|", "\\|")
            else:
                result = "(varies)"
            lines.append(f"| `{expression}` | {result} |")
        lines.append("")
    return lines


def render() -> str:
    """The whole reference as Markdown."""
    by_category: dict[str, list[FunctionSpec]] = defaultdict(list)
    for name, spec in REGISTRY.items():
        if name == spec.name:
            by_category[spec.category].append(spec)
    lines = [
        "# Stellar functions",
        "",
        "Generated from the function registry by `make docs`; do not edit by hand.",
        f"{sum(len(v) for v in by_category.values())} functions.",
        "",
    ]
    for category in sorted(by_category):
        lines.append(f"- [{category}](#{category})")
    lines.append("")
    for category in sorted(by_category):
        lines.append(f"## {category}")
        lines.append("")
        for spec in sorted(by_category[category], key=lambda s: s.name):
            lines.extend(_function(spec))
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
