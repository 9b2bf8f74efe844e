"""The Stellar shell: a REPL in the spirit of Metron's ``stellar`` command.

Type an expression to see its value; ``x := expr`` keeps the value in ``x`` for later
lines.  Magic commands: ``%functions [FILTER]``, ``%vars``, ``%globals``,
``%define name := expr`` (a global config value), ``%undefine name``; ``?NAME`` shows a
function's documentation; ``# ...`` is a comment; ``quit`` (or Ctrl-D) leaves.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metron.enrichment.triage import TriageService
from metron.stellar import REGISTRY, StellarContext, StellarError, compile
from metron.stellar.functions import FunctionSpec
from metron.stellar.serialize import to_json
from metron.stellar.types import to_java_string

__all__ = ["ShellResult", "ShellVariable", "StellarShell", "function_doc"]

_ASSIGN = re.compile(r"^\s*([a-zA-Z_$][a-zA-Z_.:0-9]*)\s*:=\s*(.*)$", re.S)
_WORD = re.compile(r"[a-zA-Z_$][a-zA-Z_.:0-9]*$")
_MAGICS = ("%functions", "%vars", "%globals", "%define", "%undefine")


@dataclass
class ShellVariable:
    """A shell variable: its value and the expression that produced it (if any)."""

    value: Any
    expression: str | None = None


@dataclass(frozen=True)
class ShellResult:
    """What one line of input produced."""

    text: str
    error: bool = False


class _Values(Mapping[str, Any]):
    """The shell variables as the plain name -> value mapping expressions read."""

    def __init__(self, variables: dict[str, ShellVariable]) -> None:
        self._variables = variables

    def __getitem__(self, name: str) -> Any:
        return self._variables[name].value

    def get(self, name: str, default: Any = None) -> Any:
        found = self._variables.get(name)
        return default if found is None else found.value

    def __iter__(self) -> Iterator[str]:
        return iter(self._variables)

    def __len__(self) -> int:
        return len(self._variables)


def function_doc(spec: FunctionSpec) -> str:
    """A function's documentation as the shell's ``?NAME`` shows it."""
    lines = [spec.name, f"Description: {spec.description}", ""]
    if spec.params:
        lines.append("Arguments:")
        lines.extend(f"\t{p}" for p in spec.params)
        lines.append("")
    lines.append(f"Returns: {spec.returns}")
    if spec.examples:
        lines.append("")
        lines.append("Examples:")
        for example in spec.examples:
            if example.error:
                lines.append(f"\t{example.expression}  -> error")
            elif example.check:
                lines.append(f"\t{example.expression}  -> {to_json(example.result)}")
            else:
                lines.append(f"\t{example.expression}")
    return "\n".join(lines)


class StellarShell:
    """The shell's state and its line interpreter; :meth:`run` adds the terminal."""

    def __init__(
        self,
        context: StellarContext | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        base = context or StellarContext()
        self.context = StellarContext(
            global_config=base.global_config,
            services={
                "triage": TriageService(lambda: self.context),
                **base.services,
                "shell": self,
            },
            cache=base.cache,
        )
        self.variables: dict[str, ShellVariable] = {
            name: ShellVariable(value) for name, value in (variables or {}).items()
        }
        self.values = _Values(self.variables)

    # -- one line ------------------------------------------------------------------------

    def execute(self, line: str) -> ShellResult | None:
        """Run one line; ``None`` means there is nothing to print."""
        text = line.strip()
        if not text or text.startswith("#"):
            return None
        if text.startswith("?"):
            return self._doc(text[1:].strip())
        if text.startswith("%"):
            return self._magic(text)
        assignment = _ASSIGN.match(text)
        if assignment:
            name, expression = assignment.group(1), assignment.group(2).strip()
            try:
                value = self._evaluate(expression)
            except StellarError as e:
                return ShellResult(str(e), error=True)
            self.variables[name] = ShellVariable(value, expression)
            return None
        try:
            value = self._evaluate(text)
        except StellarError as e:
            return ShellResult(str(e), error=True)
        return ShellResult(self.render(value))

    def _evaluate(self, expression: str) -> Any:
        return compile(expression, context=self.context).evaluate(self.values)

    @staticmethod
    def render(value: Any) -> str:
        """How the shell prints a value: strings as they are, the rest as Java prints them."""
        return to_java_string(value)

    def _doc(self, name: str) -> ShellResult:
        spec = REGISTRY.get(name)
        if spec is None:
            close = REGISTRY.closest(name)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            return ShellResult(f"unknown function '{name}'{hint}", error=True)
        return ShellResult(function_doc(spec))

    def _magic(self, text: str) -> ShellResult | None:
        command, _, rest = text.partition(" ")
        rest = rest.strip()
        if command == "%functions":
            names = [n for n in REGISTRY.names() if not rest or rest.upper() in n.upper()]
            return ShellResult(", ".join(names) if names else f"no function matches {rest!r}")
        if command == "%vars":
            if not self.variables:
                return ShellResult("no variables defined")
            return ShellResult("\n".join(self._describe_var(n) for n in sorted(self.variables)))
        if command == "%globals":
            config = self.context.global_config
            if not config:
                return ShellResult("no global config values")
            return ShellResult("\n".join(f"{k} = {to_json(config[k])}" for k in sorted(config)))
        if command == "%define":
            match = _ASSIGN.match(rest)
            if not match:
                return ShellResult("usage: %define name := expression", error=True)
            try:
                value = self._evaluate(match.group(2).strip())
            except StellarError as e:
                return ShellResult(str(e), error=True)
            self.context.global_config[match.group(1)] = value
            return None
        if command == "%undefine":
            if not rest:
                return ShellResult("usage: %undefine name", error=True)
            self.context.global_config.pop(rest, None)
            return None
        return ShellResult(
            f"unknown command {command!r}; try {', '.join(_MAGICS)}, ?FUNCTION or quit",
            error=True,
        )

    def _describe_var(self, name: str) -> str:
        var = self.variables[name]
        shown = f"{name} = {self.render(var.value)}"
        return f"{shown} via `{var.expression}`" if var.expression else shown

    # -- completion ----------------------------------------------------------------------

    def completions(self, text_before_cursor: str) -> list[str]:
        """Names that complete the word before the cursor: magics, functions, variables."""
        if text_before_cursor.lstrip().startswith("%") and " " not in text_before_cursor.strip():
            word = text_before_cursor.strip()
            return [m for m in _MAGICS if m.startswith(word)]
        doc = text_before_cursor.lstrip().startswith("?")
        match = _WORD.search(text_before_cursor)
        word = match.group() if match else ""
        if not word and not doc:
            return []
        found = [n for n in REGISTRY.names() if n.startswith(word)]
        if not doc:
            found += [v for v in sorted(self.variables) if v.startswith(word)]
        return found

    # -- terminal ------------------------------------------------------------------------

    def run(self, history: Path | None = None, stdin: Iterable[str] | None = None) -> None:
        """Read lines until ``quit``: with prompt_toolkit on a terminal, plainly otherwise."""
        if stdin is None and sys.stdin.isatty() and sys.stdout.isatty():
            self._run_terminal(history)
            return
        for line in stdin if stdin is not None else sys.stdin:
            if line.strip() in ("quit", "exit"):
                break
            result = self.execute(line)
            if result is not None:
                stream = sys.stderr if result.error else sys.stdout
                print(result.text, file=stream, flush=True)

    def _run_terminal(self, history: Path | None) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import Completer, Completion
        from prompt_toolkit.history import FileHistory, InMemoryHistory
        from rich.console import Console

        shell = self

        class _Completer(Completer):
            def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
                before = document.text_before_cursor
                match = _WORD.search(before)
                word = match.group() if match else before.strip()
                for name in shell.completions(before):
                    yield Completion(name, start_position=-len(word))

        store: Any = InMemoryHistory()
        if history is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                store = FileHistory(str(history))
            except OSError:
                store = InMemoryHistory()
        session: PromptSession[str] = PromptSession(history=store, completer=_Completer())
        console = Console()
        console.print(
            "Stellar shell. Expressions, [bold]x := expr[/bold], %functions, %vars, %globals,"
            " %define, %undefine, ?FUNCTION; [bold]quit[/bold] to leave.",
            highlight=False,
        )
        while True:
            try:
                line = session.prompt("[Stellar]>>> ")
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            if line.strip() in ("quit", "exit"):
                break
            result = self.execute(line)
            if result is None:
                continue
            if result.error:
                console.print(result.text, style="red", highlight=False, markup=False)
            else:
                console.print(result.text, highlight=False, markup=False)
