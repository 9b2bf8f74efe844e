"""What a parser is: raw bytes in, Metron messages (and per-record errors) out.

A parser is a class registered where it is defined::

    @register_parser("cef", "org.apache.metron.parsers.cef.CEFParser")
    class CefParser(Parser):
        def parse(self, raw: bytes) -> ParseResult: ...

It is built from the sensor config's ``parserConfig`` map (``self.config``), and parses one
raw record at a time (one Kafka message, one line of a file).  It returns every message the
record holds plus an error for each part that could not be parsed; an exception raised by
``parse`` makes the whole record one ``parser_error``.  Messages carry Metron's field
names; the runner adds ``source.type``, ``guid`` and ``original_string`` when the parser
did not.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from metron.errors import MetronError
from metron.registry import Registry

__all__ = [
    "PARSERS",
    "ParseResult",
    "Parser",
    "ParserError",
    "ParserSpec",
    "register_parser",
]


class ParserError(MetronError):
    """A raw record (or part of it) is not what the parser expects."""


@dataclass
class ParseResult:
    """The messages parsed from one raw record, and the parts that failed.

    ``errors`` pairs the failing raw part (bytes or text) with the exception.
    """

    messages: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[Any, Exception]] = field(default_factory=list)


class Parser(ABC):
    """Base of every parser; ``config`` is the sensor config's ``parserConfig``."""

    #: The registered short name, set by :func:`register_parser`.
    name: ClassVar[str] = ""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config: dict[str, Any] = dict(config or {})
        charset = self.config.get("readCharset", "UTF-8")
        self.read_charset: str = _python_charset(str(charset))

    @abstractmethod
    def parse(self, raw: bytes) -> ParseResult:
        """Parse one raw record."""

    def validate(self, message: Mapping[str, Any]) -> bool:
        """Metron's default parser validation: the message has ``timestamp`` and
        ``original_string`` keys (their values are not checked)."""
        return "timestamp" in message and "original_string" in message

    def decode(self, raw: bytes) -> str:
        """The record as text in the configured ``readCharset`` (bad bytes replaced)."""
        return raw.decode(self.read_charset, errors="replace")


@dataclass(frozen=True)
class ParserSpec:
    """A registered parser: its class, short name and Metron class names."""

    name: str
    cls: type[Parser]
    metron_classes: tuple[str, ...]
    binary: bool = False  # reads binary records (e.g. NetFlow export packets), not lines


PARSERS: Registry[ParserSpec] = Registry("parser")

P = TypeVar("P", bound=type[Parser])


def register_parser(name: str, *metron_classes: str, binary: bool = False) -> Callable[[P], P]:
    """Register a parser class under its short name and Metron's class names."""

    def decorate(cls: P) -> P:
        cls.name = name
        PARSERS.register(
            name, ParserSpec(name, cls, tuple(metron_classes), binary), *metron_classes
        )
        return cls

    return decorate


_CHARSETS = {"UTF_8": "utf-8", "UTF-8": "utf-8", "US-ASCII": "ascii", "ISO-8859-1": "latin-1"}


def _python_charset(name: str) -> str:
    return _CHARSETS.get(name.upper(), name)
