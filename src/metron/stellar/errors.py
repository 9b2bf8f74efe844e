"""Stellar's errors: syntax errors with a caret, evaluation errors naming the function."""

from __future__ import annotations

from metron.errors import MetronError

__all__ = ["StellarError", "StellarSyntaxError"]


class StellarError(MetronError):
    """An expression could not be compiled or evaluated.

    ``expression`` is the Stellar text (when known) and ``function`` the Stellar function
    that failed (when a function failed).
    """

    def __init__(
        self,
        message: str,
        *,
        expression: str | None = None,
        function: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.function = function

    def __str__(self) -> str:
        if self.expression is None:
            return self.message
        return f"{self.message} (in expression: {self.expression})"


class StellarSyntaxError(StellarError):
    """The text is not valid Stellar; ``line`` and ``column`` are 1-based."""

    expression: str

    def __init__(
        self,
        message: str,
        *,
        expression: str,
        offset: int,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, expression=expression)
        self.offset = max(0, min(offset, len(expression)))
        before = expression[: self.offset]
        self.line = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        self.column = self.offset - line_start + 1
        self.hint = hint

    def __str__(self) -> str:
        lines = self.expression.split("\n")
        source_line = lines[self.line - 1] if self.line - 1 < len(lines) else ""
        text = (
            f"Syntax error at line {self.line}, column {self.column}: {self.message}\n"
            f"  {source_line}\n"
            f"  {' ' * (self.column - 1)}^"
        )
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text
