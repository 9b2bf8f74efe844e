"""Parse a ``java.util.regex`` pattern (Java 8 rules) and write the equivalent Python pattern.

The parser follows ``Pattern``'s own grammar, so it accepts and rejects what Java does and
reports Java's messages.  Everything whose meaning differs between the two engines is written
out explicitly: character classes become explicit code-point sets, ``.`` ``^`` ``$`` ``\\Z``
use Java's line terminators, ``\\d \\w \\s`` are ASCII unless UNICODE_CHARACTER_CLASS is
on, case-insensitivity is expanded character by character, and inline flags are applied while
parsing (so the Python pattern carries no global flags).
"""

from __future__ import annotations

from metron.stellar.javaregex._charset import ALL, CharSet
from metron.stellar.javaregex._nodes import (
    CARET_MULTI,
    DOLLAR,
    DOLLAR_MULTI,
    LINE_ENDING,
    UNIX_CARET_MULTI,
    UNIX_DOLLAR,
    UNIX_DOLLAR_MULTI,
    Chars,
    Group,
    JavaRegexError,
    Node,
    Raw,
    Ref,
    Repeat,
    Translation,
    emit_seq,
    width,
)
from metron.stellar.javaregex._scanner import (
    CANON_EQ,
    CASE_INSENSITIVE,
    COMMENTS,
    DOTALL,
    LITERAL,
    MULTILINE,
    UNICODE_CASE,
    UNICODE_CHARACTER_CLASS,
    UNIX_LINES,
    Scanner,
    evaluate,
)
from metron.stellar.javaregex._unicode import named_set

__all__ = ["translate"]

_MAX_REPS = 0x7FFFFFFF
_INF = None
_H_SPACE = CharSet.of(
    [
        *((0x09, 0x09), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x180E, 0x180E)),
        *((0x2000, 0x200A), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)),
    ]
)
_V_SPACE = CharSet.of([(0x0A, 0x0D), (0x85, 0x85), (0x2028, 0x2029)])
_DIGIT = CharSet.of([(0x30, 0x39)])
_WORD = CharSet.of([(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])
_SPACE = CharSet.text(" \t\n\x0b\f\r")
_DOT = ~CharSet.text("\n\r\x85\u2028\u2029")
_UNIX_DOT = ~CharSet.text("\n")


class _Parser(Scanner):
    def parse(self) -> Translation:
        if self.flags & LITERAL:
            body: list[list[Node]] = [[self.literal(ord(c)) for c in self.original]]
        else:
            body = self.alternation()
            if self.pos < self.n:
                raise self.error("Unmatched closing ')'" if self.raw() == ")" else "Unexpected")
        for ref, closed in self.refs:
            self.check_ref(ref, closed)
        starts = False
        if self.last_match:
            first = body[0][0] if len(body) == 1 and body[0] else None
            if len(self.last_match) > 1 or first is not self.last_match[0]:
                raise JavaRegexError(
                    "\\G is only supported at the very start of a pattern", self.original
                )
            body[0].pop(0)
            starts = True
        python = "|".join(emit_seq(b) for b in body)
        return Translation(python, self.groups, dict(self.names), starts)

    def check_ref(self, ref: Ref, closed: frozenset[int]) -> None:
        number = ref.number if ref.number is not None else self.names[ref.name or ""]
        if number > self.groups:
            ref.number, ref.name = None, None  # Java: a group that does not exist never matches
        elif number not in closed:
            raise JavaRegexError(
                f"back reference to group {number} before that group is closed is not supported",
                self.original,
                ref.at,
            )

    def alternation(self) -> list[list[Node]]:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return branches

    def sequence(self) -> list[Node]:
        items: list[Node] = []
        while True:
            c = self.peek()
            if c in ("", "|", ")"):
                return items
            node: Node | None
            if c == "(":
                node = self.group()
                if node is None:
                    continue
            elif c == "[":
                self.pos += 1
                node = Chars(evaluate(self.char_class(True)))
            elif c == "\\":
                node = self.escape_atom()
            elif c == "^":
                self.pos += 1
                node = self.caret()
            elif c == "$":
                self.pos += 1
                node = self.dollar(self.has(MULTILINE))
            elif c == ".":
                self.pos += 1
                if self.has(DOTALL):
                    node = Chars(ALL)
                else:
                    node = Chars(_UNIX_DOT if self.has(UNIX_LINES) else _DOT)
            elif c in "?*+":
                raise self.error(f"Dangling meta character '{c}'")
            elif c == "{":
                node = Raw("")  # Java: an empty atom, then the repetition
            else:
                self.pos += 1
                node = self.literal(ord(c))
            items.append(self.quantifier(node))

    def caret(self) -> Node:
        if not self.has(MULTILINE):
            return Raw("\\A")
        return Raw(UNIX_CARET_MULTI if self.has(UNIX_LINES) else CARET_MULTI)

    def dollar(self, multiline: bool) -> Node:
        if self.has(UNIX_LINES):
            return Raw(UNIX_DOLLAR_MULTI if multiline else UNIX_DOLLAR)
        return Raw(DOLLAR_MULTI if multiline else DOLLAR)

    def quantifier(self, node: Node) -> Node:
        c = self.peek()
        if c in ("?", "*", "+"):
            self.pos += 1
            lo, hi = {"?": (0, 1), "*": (0, _INF), "+": (1, _INF)}[c]
        elif c == "{":
            if not self.raw(1).isascii() or not self.raw(1).isdigit():
                raise self.error("Illegal repetition")
            self.pos += 1
            lo = self.number()
            hi = lo
            if self.peek() == ",":
                self.pos += 1
                hi = _INF if self.peek() == "}" else self.number()
            if self.peek() != "}":
                raise self.error("Unclosed counted closure")
            self.pos += 1
            if lo > _MAX_REPS or (hi is not None and (hi > _MAX_REPS or hi < lo)):
                raise self.error("Illegal repetition range")
        else:
            return node
        mode = self.peek()
        if mode in ("?", "+"):
            self.pos += 1
        else:
            mode = ""
        return Repeat(node, lo, hi, mode)

    def number(self) -> int:
        digits = ""
        while self.peek().isascii() and self.peek().isdigit():
            digits += self.src[self.pos]
            self.pos += 1
        return int(digits or "0")

    def group(self) -> Node | None:
        open_at = self.pos
        self.pos += 1
        saved = self.flags
        kind, name = "cap", None
        if self.peek() == "?":
            self.pos += 1
            c = self.raw()
            self.pos += 1
            if c in (":", "=", "!", ">"):
                kind = {":": "non", "=": "=", "!": "!", ">": "atomic"}[c]
            elif c == "<":
                c = self.raw()
                self.pos += 1
                if c.isascii() and c.isalpha():
                    kind, name = "name", self.group_name(c)
                    if name in self.names:
                        raise self.error(f"Named capturing group <{name}> is already defined")
                elif c in ("=", "!"):
                    kind = "<" + c
                else:
                    raise self.error("Unknown look-behind group")
            elif c in ("$", "@"):
                raise self.error("Unknown group type")
            else:
                self.pos -= 1
                self.inline_flags()
                c = self.raw()
                self.pos += 1
                if c == ")":
                    return None  # flags stay in force to the end of the enclosing group
                if c != ":":
                    raise self.error("Unknown inline modifier")
                kind = "non"
        number = 0
        if kind in ("cap", "name"):
            self.groups += 1
            number = self.groups
            self.open.append(number)
            if name is not None:
                self.names[name] = number
        body = self.alternation()
        if self.peek() != ")":
            raise self.error("Unclosed group")
        self.pos += 1
        self.flags = saved
        if number:
            self.open.pop()
            self.closed.add(number)
        node = Group(kind, body, name, number)
        if kind in ("<=", "<!"):
            _, hi = width(node.body)
            if hi is None:
                raise self.error(
                    "Look-behind group does not have an obvious maximum length (a look-behind"
                    " of unbounded length is not supported)",
                    open_at,
                )
        return node

    def group_name(self, first: str) -> str:
        name = first
        while self.raw().isascii() and self.raw().isalnum():
            name += self.raw()
            self.pos += 1
        if self.raw() != ">":
            raise self.error("named capturing group is missing trailing '>'")
        self.pos += 1
        return name

    def inline_flags(self) -> None:
        letters = {
            "i": CASE_INSENSITIVE,
            "m": MULTILINE,
            "s": DOTALL,
            "d": UNIX_LINES,
            "u": UNICODE_CASE,
            "c": CANON_EQ,
            "x": COMMENTS,
            "U": UNICODE_CHARACTER_CLASS | UNICODE_CASE,
        }
        negate = False
        while True:
            c = self.peek()
            if c == "-" and not negate:
                negate = True
            elif c in letters and c:
                if negate:
                    self.flags &= ~letters[c]
                else:
                    self.flags |= letters[c]
                    if c == "c":
                        raise self.error("CANON_EQ (canonical equivalence) is not supported")
            else:
                return
            self.pos += 1

    def escape_atom(self) -> Node:
        at = self.pos
        self.pos += 1
        c = self.raw()
        if c in ("p", "P"):
            self.pos += 1
            return Chars(self.family(c == "P"))
        result = self.escape(False, False)
        if isinstance(result, int):
            return self.literal(result)
        if isinstance(result, CharSet):
            return Chars(result)
        if isinstance(result, Ref):
            result.at = at
        return result

    def escape(self, in_class: bool, is_range: bool) -> int | CharSet | Node:
        """Java's escape(): a code point, a class, or (outside classes) an assertion/ref."""
        if self.pos >= self.n:
            raise self.error("Unexpected internal error")
        c = self.src[self.pos]
        self.pos += 1
        u = self.has(UNICODE_CHARACTER_CLASS)
        if c == "0":
            return self.octal()
        if c in "123456789":
            if not in_class:
                return self.backref(int(c))
        elif c == "d":
            return named_set("DIGIT") if u else _DIGIT
        elif c == "D":
            return ~(named_set("DIGIT") if u else _DIGIT)
        elif c == "w":
            return named_set("WORD") if u else _WORD
        elif c == "W":
            return ~(named_set("WORD") if u else _WORD)
        elif c == "s":
            return named_set("WHITE_SPACE") if u else _SPACE
        elif c == "S":
            return ~(named_set("WHITE_SPACE") if u else _SPACE)
        elif c == "h":
            return _H_SPACE
        elif c == "H":
            return ~_H_SPACE
        elif c == "v":
            return 0x0B if is_range else _V_SPACE
        elif c == "V":
            return ~_V_SPACE
        elif c in "aefnrt":
            return {"a": 7, "e": 0x1B, "f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09}[c]
        elif c == "c":
            if self.pos >= self.n:
                raise self.error("Illegal control escape sequence")
            self.pos += 1
            return ord(self.src[self.pos - 1]) ^ 64
        elif c == "x":
            return self.hex_escape()
        elif c == "u":
            return self.unicode_escape()
        elif not in_class and c in "ABbGRZzk":
            return self.assertion(c)
        elif not (c.isascii() and c.isalpha()):
            return ord(c)
        raise self.error("Illegal/unsupported escape sequence", self.pos - 1)

    def assertion(self, c: str) -> Node:
        if c == "A":
            return Raw("\\A")
        if c == "z":
            return Raw("\\Z")
        if c == "Z":
            return self.dollar(False)
        if c == "b":
            return Raw("\\b")
        if c == "B":
            return Raw("(?!\\b)")
        if c == "R":
            return Raw(LINE_ENDING, 1, 2)
        if c == "G":
            node = Raw("\\G")
            self.last_match.append(node)
            return node
        # \k<name>
        if self.raw() != "<":
            raise self.error("\\k is not followed by '<' for named capturing group")
        self.pos += 1
        first = self.raw()
        self.pos += 1
        name = self.group_name(first)
        if name not in self.names:
            raise self.error(f"(named capturing group <{name}> does not exit")
        return self.reference(None, name)

    def reference(self, number: int | None, name: str | None) -> Ref:
        case = ""
        if self.has(CASE_INSENSITIVE):
            case = "u" if self.has(UNICODE_CASE) else "a"
        ref = Ref(number, name, case, self.pos)
        self.refs.append((ref, frozenset(self.closed)))
        return ref

    def backref(self, number: int) -> Ref:
        while self.raw().isascii() and self.raw().isdigit():
            bigger = number * 10 + int(self.raw())
            if self.groups < bigger:
                break
            number = bigger
            self.pos += 1
        return self.reference(number, None)


def translate(pattern: str, flags: int = 0) -> Translation:
    """Parse a Java pattern; raises JavaRegexError for what Java rejects or we cannot express."""
    parser = _Parser(pattern, flags)
    try:
        return parser.parse()
    except JavaRegexError:
        raise
    except ValueError as e:
        raise JavaRegexError(str(e), pattern) from None
    except RecursionError:
        raise JavaRegexError("pattern is nested too deeply", pattern) from None
