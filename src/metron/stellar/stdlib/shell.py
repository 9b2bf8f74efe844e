"""Shell helpers: tables for the terminal and access to the Stellar shell's variables.

``SHELL_MAP2TABLE`` is pure; the others read the shell's state through the evaluation
context, so outside ``metron stellar shell`` they say the shell is not available.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from metron.stellar.context import StellarContext
from metron.stellar.convert import to_integer
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.types import to_java_string

__all__ = ["table"]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A box-drawn table (the FlipTable layout Metron's shell prints)."""
    columns = len(headers)
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    split = [[cell.split("\n") for cell in row] for row in cells]
    widths = [max(len(line) for row in split for line in row[i]) for i in range(columns)]

    def rule(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def render(row: list[list[str]]) -> list[str]:
        height = max(len(cell) for cell in row)
        out = []
        for i in range(height):
            parts = [(cell[i] if i < len(cell) else "").ljust(w) for cell, w in zip(row, widths)]
            out.append("║ " + " │ ".join(parts) + " ║")
        return out

    body = split[1:]
    lines = [rule("╔", "╤", "╗", "═"), *render(split[0])]
    if not body:
        inner = sum(widths) + 3 * (columns - 1)
        lines.append(rule("╠", "╧", "╣", "═"))
        lines.append("║ " + "(empty)".ljust(inner) + " ║")
        lines.append("╚" + "═" * (inner + 2) + "╝")
        return "\n".join(lines) + "\n"
    lines.append(rule("╠", "╪", "╣", "═"))
    for i, row in enumerate(body):
        if i:
            lines.append(rule("╟", "┼", "╢", "─"))
        lines.extend(render(row))
    lines.append(rule("╚", "╧", "╝", "═"))
    return "\n".join(lines) + "\n"


@stellar(
    "SHELL_MAP2TABLE",
    params=["map - the map to show"],
    returns="the map as a two-column table (KEY, VALUE)",
    description="Renders a map as a text table, one row per entry.",
    examples=[Example("SHELL_MAP2TABLE({ 'a' : 1 })", check=False)],
    pure=True,
)
def shell_map2table(*args: Any) -> str | None:
    if not args:
        return None
    mapping = args[0] if args[0] is not None else {}
    if not isinstance(mapping, Mapping):
        raise StellarError("SHELL_MAP2TABLE needs a map")
    return table(
        ["KEY", "VALUE"], [[to_java_string(k), to_java_string(v)] for k, v in mapping.items()]
    )


def _shell(ctx: StellarContext, function: str) -> Any:
    return ctx.service("shell", function)


@stellar(
    "SHELL_LIST_VARS",
    params=["wrap - (optional) wrap the columns at this many characters"],
    returns="the shell's variables as a table (VARIABLE, VALUE, EXPRESSION)",
    description="Lists the Stellar shell's variables, their values and the expressions that set them.",
    context=True,
)
def shell_list_vars(ctx: StellarContext, *args: Any) -> str:
    shell = _shell(ctx, "SHELL_LIST_VARS")
    wrap = to_integer(args[0]) if args else None
    rows = []
    for name, var in shell.variables.items():
        cells = [name, to_java_string(var.value), to_java_string(var.expression)]
        if wrap and wrap > 0:
            cells = [textwrap.fill(c, wrap, break_long_words=False) for c in cells]
        rows.append(cells)
    return table(["VARIABLE", "VALUE", "EXPRESSION"], rows)


@stellar(
    "SHELL_VARS2MAP",
    params=["variables* - names of shell variables"],
    returns="a map from each named variable to the expression that set it",
    description="Collects the expressions behind shell variables into a map (variables set without an expression are left out).",
    context=True,
)
def shell_vars2map(ctx: StellarContext, *names: Any) -> dict[str, str]:
    shell = _shell(ctx, "SHELL_VARS2MAP")
    result: dict[str, str] = {}
    for name in names:
        if name is None:
            continue
        if not isinstance(name, str):
            raise StellarError("variable names must be strings")
        var = shell.variables.get(name)
        if var is not None and var.expression is not None:
            result[name] = var.expression
    return result


@stellar(
    "SHELL_GET_EXPRESSION",
    params=["variable - a shell variable's name"],
    returns="the expression that set the variable, or null",
    description="The Stellar expression that produced a shell variable.",
    context=True,
)
def shell_get_expression(ctx: StellarContext, *args: Any) -> str | None:
    shell = _shell(ctx, "SHELL_GET_EXPRESSION")
    if not args or not isinstance(args[0], str):
        return None
    var = shell.variables.get(args[0])
    return None if var is None else var.expression


@stellar(
    "SHELL_EDIT",
    params=["text - (optional) text to start the editor with"],
    returns="what the editor saved, trimmed",
    description="Opens $EDITOR (or vi) on a temporary file and returns the text saved.",
    context=True,
)
def shell_edit(ctx: StellarContext, *args: Any) -> str | None:
    _shell(ctx, "SHELL_EDIT")
    editor = os.environ.get("EDITOR") or os.environ.get("VISUAL") or shutil.which("vi") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".stellar", delete=False) as handle:
        if args and args[0] is not None:
            handle.write(to_java_string(args[0]))
        path = handle.name
    try:
        subprocess.run([*editor.split(), path], check=False)
        with open(path, encoding="utf-8") as saved:
            return saved.read().strip()
    except OSError as e:
        raise StellarError(f"cannot run the editor {editor!r}: {e}") from None
    finally:
        os.unlink(path)
